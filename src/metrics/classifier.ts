/**
 * Classifiers that give p(y|x) for the inception scores (src/metrics/inception-score.ts).
 *
 * The t-GAN paper scores MNIST, Fashion-MNIST and CIFAR-10 samples; an ImageNet Inception network
 * does not fit 28x28 digits and cannot be downloaded here, so the kit trains a small conv net on
 * the dataset itself (`trainClassifier`, reporting its accuracy on a held-out split), and lets a
 * user plug in their own TF.js model from disk (`loadGraphClassifier`). Scores from different
 * classifiers are not comparable with each other or with published numbers: report which one.
 *
 * Network of `trainClassifier` (for H x W x C images in [-1, 1]):
 *   conv 3x3/2 C -> w, LeakyReLU 0.2; conv 3x3/2 w -> 2w, LeakyReLU 0.2;
 *   dense -> hidden, ReLU; dense -> K (softmax gives p(y|x)).  Adam, cross-entropy, no augmentation.
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { UserError } from "../errors";
import { Conv2d, Dense } from "../nn/layers";
import { Module } from "../nn/module";
import { subSeed } from "../nn/init";
import { Dataset, exampleCount, gather } from "../data/dataset";
import { permutation } from "../data/rng";

/** Anything that turns images into class probabilities. */
export interface ProbClassifier {
  numClasses: number;
  /** [H, W, C] it expects, where known (images of another shape are a UserError or resized). */
  inputShape: number[] | null;
  /** p(y|x) [n, K] for images NHWC in [-1, 1]; rows sum to 1. The caller disposes the result. */
  predictProbs(images: tf.Tensor): tf.Tensor2D;
  /** Feature vectors [n, d] for Fréchet distance, KID, precision/recall (a layer before the output). */
  features?(images: tf.Tensor): tf.Tensor2D;
  dispose(): void;
}

export class ConvClassifier extends Module {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly fc: Dense;
  readonly out: Dense;

  constructor(readonly shape: number[], readonly numClasses: number, width: number, hidden: number, seed: number) {
    super();
    const [h, w, c] = shape;
    this.conv1 = this.child("conv1", new Conv2d(c, width, 3, 2, "same", { seed: subSeed(seed, "conv1") }));
    this.conv2 = this.child("conv2", new Conv2d(width, 2 * width, 3, 2, "same", { seed: subSeed(seed, "conv2") }));
    const flat = Math.ceil(Math.ceil(h / 2) / 2) * Math.ceil(Math.ceil(w / 2) / 2) * 2 * width;
    this.fc = this.child("fc", new Dense(flat, hidden, { seed: subSeed(seed, "fc") }));
    this.out = this.child("out", new Dense(hidden, numClasses, { seed: subSeed(seed, "out") }));
  }

  /** The penultimate layer [n, hidden] (after its ReLU): the evaluator's feature space. */
  features(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const h1 = this.conv1.apply(x, "leakyrelu");
      const h2 = this.conv2.apply(h1, "leakyrelu");
      return this.fc.apply(h2.reshape([x.shape[0], -1]), "relu");
    });
  }

  logits(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.out.apply(this.features(x)));
  }
}

export interface TrainClassifierOptions {
  steps: number;
  batchSize: number;
  seed?: number;
  /** Held-out images for the accuracy (default: 10% of the data, at most 2,000). */
  testSize?: number;
  lr?: number;
  /** Filters of the first conv (the second has twice as many); default 32. */
  width?: number;
  /** Units of the hidden dense layer; default 128. */
  hidden?: number;
  /** Called every 50 steps and at the end with the mean training loss since the last call. */
  onProgress?: (step: number, loss: number) => void;
}

export interface TrainedClassifier extends ProbClassifier {
  net: ConvClassifier;
  /** Accuracy on the held-out images (never trained on). */
  testAccuracy: number;
  testSize: number;
  trainSize: number;
  /** Training loss per step. */
  losses: number[];
  /** Accuracy on another labelled dataset of the same image shape. */
  accuracy(ds: Dataset): number;
}

function checkImages(ds: Dataset, what: string): void {
  if (ds.shape.length !== 3) throw new UserError(`${what}: ${ds.name} holds ${ds.shape.join("x")} points, not images`);
  if (!ds.labels || !ds.numClasses || ds.numClasses < 2) throw new UserError(`${what}: ${ds.name} has no class labels`);
}

function checkInput(images: tf.Tensor, shape: number[]): void {
  if (images.rank !== 4 || images.shape.slice(1).join() !== shape.join()) {
    throw new UserError(`classifier expects images [n, ${shape.join(", ")}], got [${images.shape}]`);
  }
}

/** Accuracy of `net` on examples `idx` of `ds`, in chunks. */
function accuracyOn(net: ConvClassifier, ds: Dataset, idx: Int32Array): number {
  let correct = 0;
  for (let s = 0; s < idx.length; s += 500) {
    const b = gather(ds, idx.subarray(s, Math.min(idx.length, s + 500)));
    const hits = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(net.logits(b.x as tf.Tensor4D), 1), b.labels!), "int32")).dataSync()[0]);
    correct += hits;
    tf.dispose([b.x, b.labels!]);
  }
  return idx.length ? correct / idx.length : NaN;
}

/**
 * Train the small conv classifier on a labelled image dataset. A seeded shuffle holds out
 * `testSize` images first; the rest are served in seeded batches for `steps` Adam steps.
 */
export function trainClassifier(ds: Dataset, options: TrainClassifierOptions): TrainedClassifier {
  checkImages(ds, "trainClassifier");
  const { steps, batchSize } = options;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(steps) || steps < 0) throw new UserError(`steps must be a non-negative integer, got ${steps}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UserError(`batchSize must be a positive integer, got ${batchSize}`);
  const n = exampleCount(ds);
  const testSize = options.testSize ?? Math.min(2000, Math.floor(n / 10));
  if (!Number.isInteger(testSize) || testSize < 0 || testSize >= n) throw new UserError(`testSize must be in 0..${n - 1}, got ${testSize}`);
  const order = permutation(n, (seed * 7919 + 17) >>> 0);
  const testIdx = order.subarray(0, testSize);
  const trainIdx = order.subarray(testSize);
  const k = ds.numClasses!;
  const net = new ConvClassifier(ds.shape, k, options.width ?? 32, options.hidden ?? 128, subSeed(seed, "classifier"));
  const optimizer: tf.Optimizer = tf.train.adam(options.lr ?? 1e-3);
  const vars = net.trainableVariables();
  const losses: number[] = [];
  let since = 0;
  let sum = 0;
  let epochOrder = trainIdx;
  let epoch = -1;
  for (let step = 0; step < steps; step++) {
    const idx = new Int32Array(batchSize);
    for (let i = 0; i < batchSize; i++) {
      const j = step * batchSize + i;
      const e = Math.floor(j / trainIdx.length);
      if (e !== epoch) {
        const perm = permutation(trainIdx.length, (seed * 1000003 + e + 1) >>> 0);
        epochOrder = perm.map((p) => trainIdx[p]);
        epoch = e;
      }
      idx[i] = epochOrder[j % trainIdx.length];
    }
    const b = gather(ds, idx);
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const logits = net.logits(b.x as tf.Tensor4D);
        return tf.losses.softmaxCrossEntropy(tf.oneHot(b.labels!, k), logits) as tf.Scalar;
      }, vars);
      optimizer.applyGradients(grads);
      return value;
    });
    const v = loss.dataSync()[0];
    tf.dispose([loss, b.x, b.labels!]);
    if (!Number.isFinite(v)) throw new UserError(`classifier training diverged at step ${step + 1} (loss ${v}): lower lr`);
    losses.push(v);
    sum += v;
    since++;
    if (options.onProgress && ((step + 1) % 50 === 0 || step === steps - 1)) {
      options.onProgress(step + 1, sum / since);
      sum = 0;
      since = 0;
    }
  }
  optimizer.dispose();
  const testAccuracy = accuracyOn(net, ds, testIdx);
  return {
    net,
    numClasses: k,
    inputShape: ds.shape.slice(),
    testAccuracy,
    testSize,
    trainSize: trainIdx.length,
    losses,
    predictProbs: (images) => {
      checkInput(images, ds.shape);
      return tf.tidy(() => tf.softmax(net.logits(images as tf.Tensor4D)));
    },
    features: (images) => {
      checkInput(images, ds.shape);
      return net.features(images as tf.Tensor4D);
    },
    accuracy: (other) => {
      checkImages(other, "accuracy");
      if (other.shape.join() !== ds.shape.join()) throw new UserError(`accuracy: ${other.name} images are ${other.shape.join("x")}, the classifier's ${ds.shape.join("x")}`);
      return accuracyOn(net, other, Int32Array.from({ length: exampleCount(other) }, (_, i) => i));
    },
    dispose: () => net.dispose(),
  };
}

// ---------------------------------------------------------------------------------------------
// A user's own TF.js model from disk.
// ---------------------------------------------------------------------------------------------

export interface LoadClassifierOptions {
  /** The pixel range the model was trained on; images ([-1, 1]) are mapped to it. Default "[-1,1]". */
  inputRange?: "[-1,1]" | "[0,1]" | "[0,255]";
  /**
   * What the model outputs: "probabilities" (a softmax layer), "logits" (softmax is applied), or
   * "auto" (default): probabilities if every row is >= 0 and sums to 1, else logits.
   */
  output?: "auto" | "probabilities" | "logits";
  /** [H, W, C] to feed when the model does not declare it (used to find K and to resize). */
  inputShape?: number[];
  /**
   * A graph model's node whose output is the feature vector (e.g. Inception's pool_3 for FID);
   * flattened per image. Default: the model's output (logits or probabilities).
   */
  featureNode?: string;
}

type LoadedModel = tf.GraphModel | tf.LayersModel;

/** model.json (or its folder) and its weight shards, read from disk into memory artifacts. */
export function readModelArtifacts(file: string): Promise<tf.io.ModelArtifacts> {
  let jsonPath = file;
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) jsonPath = path.join(file, "model.json");
  if (!fs.existsSync(jsonPath)) throw new UserError(`no TF.js model at ${jsonPath}`);
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(fs.readFileSync(jsonPath, "utf8"));
  } catch (e) {
    throw new UserError(`${jsonPath} is not valid JSON: ${(e as Error).message}`);
  }
  if (!json || typeof json !== "object" || !json.modelTopology) throw new UserError(`${jsonPath} is not a TF.js model.json (no modelTopology)`);
  const dir = path.dirname(jsonPath);
  return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      for (const p of group.paths) {
        const shard = path.join(dir, p);
        if (!fs.existsSync(shard)) throw new UserError(`weight file ${shard} named in ${jsonPath} is missing`);
        const b = fs.readFileSync(shard);
        buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
      }
    }
    return [tf.io.getWeightSpecs(manifest), tf.io.concatenateArrayBuffers(buffers)];
  });
}

function rowsAreProbabilities(p: tf.Tensor2D): boolean {
  return tf.tidy(() => {
    const min = tf.min(p).dataSync()[0];
    const dev = tf.max(tf.abs(tf.sub(tf.sum(p, 1), 1))).dataSync()[0];
    return min >= 0 && dev < 1e-3;
  });
}

/**
 * Load a TF.js graph model (tensorflowjs_converter output) or layers model from disk with pure
 * @tensorflow/tfjs (no tfjs-node file:// handler): model.json and its shards are read with fs and
 * handed over through tf.io.fromMemory. Images are mapped from [-1, 1] to `inputRange`, grayscale
 * is repeated to 3 channels and the spatial size resized (bilinear) when the model declares
 * another input shape. Models that need executeAsync (control flow) are not supported.
 */
export async function loadGraphClassifier(file: string, options: LoadClassifierOptions = {}): Promise<ProbClassifier> {
  const artifacts = await readModelArtifacts(file);
  const handler = tf.io.fromMemory(artifacts);
  const isLayers = artifacts.format === "layers-model" || (artifacts.modelTopology as { class_name?: string } | undefined)?.class_name !== undefined;
  let model: LoadedModel;
  try {
    model = isLayers ? await tf.loadLayersModel(handler) : await tf.loadGraphModel(handler);
  } catch (e) {
    throw new UserError(`could not load the model at ${file}: ${(e as Error).message}`);
  }
  const declared = model.inputs[0]?.shape;
  const modelShape = declared && declared.length === 4 && declared.slice(1).every((d) => typeof d === "number" && d > 0) ? (declared.slice(1) as number[]) : null;
  const inputShape = modelShape ?? options.inputShape ?? null;
  const range = options.inputRange ?? "[-1,1]";
  const mode = options.output ?? "auto";

  const prepare = (images: tf.Tensor): tf.Tensor4D => {
    if (images.rank !== 4) throw new UserError(`classifier expects images [n, h, w, c], got [${images.shape}]`);
    let x = images as tf.Tensor4D;
    if (inputShape) {
      const [h, w, c] = inputShape;
      if (x.shape[3] !== c) {
        if (x.shape[3] === 1 && c === 3) x = tf.tile(x, [1, 1, 1, 3]);
        else throw new UserError(`the model takes ${c} channels, the images have ${x.shape[3]}`);
      }
      if (x.shape[1] !== h || x.shape[2] !== w) x = tf.image.resizeBilinear(x, [h, w]);
    }
    if (range === "[0,1]") x = tf.div(tf.add(x, 1), 2);
    else if (range === "[0,255]") x = tf.mul(tf.add(x, 1), 127.5);
    return x;
  };
  const run = (images: tf.Tensor): tf.Tensor2D => {
    let out: tf.Tensor | tf.Tensor[] | tf.NamedTensorMap;
    try {
      out = model.predict(prepare(images)) as tf.Tensor | tf.Tensor[];
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`the model failed to run: ${(e as Error).message}`);
    }
    const y = (Array.isArray(out) ? out[0] : out instanceof tf.Tensor ? out : Object.values(out)[0]) as tf.Tensor;
    if (y.rank !== 2) throw new UserError(`the model's output has shape [${y.shape}], not [n, K]`);
    const p = y as tf.Tensor2D;
    if (mode === "probabilities") return p;
    if (mode === "logits" || !rowsAreProbabilities(p)) return tf.softmax(p);
    return p;
  };

  let numClasses = 0;
  const declaredOut = model.outputs[0]?.shape;
  if (declaredOut && declaredOut.length === 2 && typeof declaredOut[1] === "number" && declaredOut[1] > 0) numClasses = declaredOut[1];
  else if (inputShape) {
    const probe = tf.tidy(() => run(tf.zeros([1, ...inputShape])));
    numClasses = probe.shape[1];
    probe.dispose();
  }
  else throw new UserError(`the model at ${file} declares no input shape: pass inputShape ([h, w, c])`);

  const featureNode = options.featureNode;
  if (featureNode && !(model instanceof tf.GraphModel)) throw new UserError(`featureNode needs a graph model (tensorflowjs_converter output); ${file} is a layers model`);
  const features = (images: tf.Tensor): tf.Tensor2D =>
    tf.tidy(() => {
      if (!featureNode) return run(images);
      let y: tf.Tensor;
      try {
        y = (model as tf.GraphModel).execute(prepare(images), featureNode) as tf.Tensor;
      } catch (e) {
        throw new UserError(`could not read node "${featureNode}" of ${file}: ${(e as Error).message}`);
      }
      return y.reshape([images.shape[0], -1]) as tf.Tensor2D;
    });
  return {
    numClasses,
    inputShape,
    predictProbs: (images) => tf.tidy(() => run(images)),
    features,
    dispose: () => model.dispose(),
  };
}
