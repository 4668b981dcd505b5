/**
 * The evaluator: a network whose penultimate features the feature-space metrics (Fréchet
 * distance, KID, precision/recall, density/coverage) compare, and whose class probabilities give
 * the inception scores and the class histogram of samples.
 *
 * An ImageNet Inception cannot be had here (and does not fit 28x28 digits), so the kit trains, per
 * dataset, its small conv classifier (src/metrics/classifier.ts; features: the 128 units after the
 * hidden layer's ReLU) on the dataset's *training* part, and keeps two disjoint *held-out* real
 * sets it never trained on: reference A (what samples are compared with) and reference B (compared
 * with A, it gives each metric's real-vs-real floor at the same set size).
 *
 *   split of n examples: shuffled with a fixed seed, then the last 2R (R = 5,000 when n >= 30,000,
 *   else n / 5) are A and B and the rest trains. The shuffle matters: MNIST's 10k test set holds
 *   two populations of writers (its first 5,000 digits come from NIST's Census employees, the last
 *   5,000 from students), and a split by position put the classifier's training part and the
 *   reference sets in different populations: real training digits then scored 12x the floor.
 *   (Version 1 of the evaluator split by position; version 2 shuffles first.)
 *
 * Trained evaluators and the reference features are cached in data/cache/evaluators/, keyed by
 * dataset (name, size and a hash of its content), split, evaluator version and seed, so a second
 * `eval` costs seconds. For the 2-D point sets the "features" are the points themselves.
 * A TF.js graph model of your own (e.g. an Inception converted with tensorflowjs_converter, with
 * featureNode pool_3) can stand in: `useGraphEvaluator`.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { UserError } from "../errors";
import { Dataset, exampleCount, gather, split } from "../data/dataset";
import { permutation } from "../data/rng";
import { parseNpy, npyBytes } from "../data/npy";
import { ConvClassifier, loadGraphClassifier, LoadClassifierOptions, ProbClassifier, trainClassifier } from "../metrics/classifier";
import { Features } from "../metrics/features";

/** Bump when the evaluator's network or training changes: old caches are then not reused. */
export const EVALUATOR_VERSION = 2;

/** Where trained evaluators are cached: $GAN_CACHE_DIR/evaluators, else data/cache/evaluators. */
export function evaluatorCacheDir(): string {
  return process.env.GAN_CACHE_DIR ? path.resolve(process.env.GAN_CACHE_DIR, "evaluators") : path.resolve(__dirname, "../../data/cache/evaluators");
}

export interface Evaluator {
  /** Short name for reports, e.g. "kit-mnist-v2" (the Fréchet distance is reported as fd-<name>). */
  name: string;
  /** The images it takes [H, W, C] (null: points). */
  shape: number[];
  numClasses: number | null;
  /** Accuracy on reference A (held out), where it is a classifier. */
  accuracy: number | null;
  features(x: tf.Tensor): Features;
  /** p(y|x) [n, K] as a flat array, where it is a classifier. */
  probs: ((x: tf.Tensor) => Float32Array) | null;
  dispose(): void;
}

export interface RealSplits {
  train: Dataset;
  refA: Dataset;
  refB: Dataset;
}

/** The evaluator's split of a dataset (see the file comment). */
export function evaluatorSplits(ds: Dataset): RealSplits {
  const n = exampleCount(ds);
  const r = n >= 30000 ? 5000 : Math.floor(n / 5);
  if (r < 50) throw new UserError(`${ds.name} has ${n} examples: too few to hold out two reference sets for evaluation (need at least 250)`);
  const [train, held] = split(shuffled(ds, 20240607), n - 2 * r);
  const [refA, refB] = split(held, r);
  return { train, refA: { ...refA, name: `${ds.name}[ref A]` }, refB: { ...refB, name: `${ds.name}[ref B]` } };
}

/** The examples of a dataset in a fixed random order (plain arrays: no backend needed). */
function shuffled(ds: Dataset, seed: number): Dataset {
  const n = exampleCount(ds);
  const per = ds.shape.reduce((a, b) => a * b, 1);
  const order = permutation(n, seed);
  const data = new Float32Array(n * per);
  order.forEach((j, i) => data.set(ds.data.subarray(j * per, (j + 1) * per), i * per));
  const labels = ds.labels ? Int32Array.from(order, (j) => ds.labels![j]) : undefined;
  return { ...ds, data, labels };
}

/** A short content hash of a dataset (shape, count and every value), for cache keys. */
export function datasetHash(ds: Dataset): string {
  const h = crypto.createHash("sha256");
  h.update(JSON.stringify({ shape: ds.shape, n: exampleCount(ds) }));
  h.update(Buffer.from(ds.data.buffer, ds.data.byteOffset, ds.data.byteLength));
  if (ds.labels) h.update(Buffer.from(ds.labels.buffer, ds.labels.byteOffset, ds.labels.byteLength));
  return h.digest("hex").slice(0, 12);
}

/** Features of a whole set, in chunks. */
export function featuresOf(ev: Evaluator, ds: Dataset, onProgress?: (done: number) => void): Features {
  const n = exampleCount(ds);
  let data: Float32Array | null = null;
  let d = 0;
  for (let s = 0; s < n; s += 500) {
    const idx = Int32Array.from({ length: Math.min(500, n - s) }, (_, i) => s + i);
    const b = gather(ds, idx);
    const f = ev.features(b.x);
    tf.dispose([b.x, b.labels ?? []]);
    if (!data) {
      d = f.d;
      data = new Float32Array(n * d);
    }
    data.set(f.data, s * d);
    onProgress?.(s + idx.length);
  }
  return { n, d, data: data! };
}

function toFeatures(t: tf.Tensor2D): Features {
  const out = { n: t.shape[0], d: t.shape[1], data: t.dataSync() as Float32Array };
  t.dispose();
  return out;
}

/** The identity evaluator of 2-D points: features are the coordinates. */
function pointEvaluator(ds: Dataset): Evaluator {
  return {
    name: "points",
    shape: ds.shape.slice(),
    numClasses: null,
    accuracy: null,
    features: (x) => toFeatures(tf.tidy(() => x.reshape([x.shape[0], -1]) as tf.Tensor2D)),
    probs: null,
    dispose: () => {},
  };
}

function classifierEvaluator(name: string, shape: number[], clf: ProbClassifier, accuracy: number | null): Evaluator {
  const features = clf.features;
  if (!features) throw new UserError(`the classifier behind evaluator ${name} gives no features`);
  return {
    name,
    shape,
    numClasses: clf.numClasses,
    accuracy,
    features: (x) => toFeatures(features(x)),
    probs: (x) => {
      const p = clf.predictProbs(x);
      const v = p.dataSync() as Float32Array;
      p.dispose();
      return v;
    },
    dispose: () => clf.dispose(),
  };
}

export interface KitEvaluatorOptions {
  seed?: number;
  /** Training steps of batch 64 (default: 12 epochs of the training part, at least 1,500, at most 6,000). */
  steps?: number;
  cacheDir?: string;
  /** Called with a stage name and progress (for progress bars). */
  onProgress?: (stage: string, done: number, total: number) => void;
  /** Print one line when training or loading from the cache (default true). */
  verbose?: boolean;
}

export interface PreparedEvaluator {
  evaluator: Evaluator;
  splits: RealSplits;
  /** Features of reference A and B (cached). */
  refA: Features;
  refB: Features;
  /** Cache key and whether this call found it cached. */
  key: string;
  cached: boolean;
}

function weightsFile(dir: string, key: string): string {
  return path.join(dir, `${key}.weights.npy`);
}

/** The kit evaluator for a dataset: trained on its training part, or loaded from the cache. */
export function kitEvaluator(ds: Dataset, o: KitEvaluatorOptions = {}): PreparedEvaluator {
  const seed = o.seed ?? 0;
  const dir = o.cacheDir ?? evaluatorCacheDir();
  const verbose = o.verbose ?? true;
  const splits = evaluatorSplits(ds);
  const nTrain = exampleCount(splits.train);
  const steps = o.steps ?? Math.min(6000, Math.max(1500, Math.round((12 * nTrain) / 64)));
  const key = `${ds.name.replace(/[^A-Za-z0-9_.-]/g, "_")}-${datasetHash(ds)}-v${EVALUATOR_VERSION}-s${seed}-t${steps}`;
  if (ds.shape.length !== 3) {
    const ev = pointEvaluator(ds);
    return { evaluator: ev, splits, refA: featuresOf(ev, splits.refA), refB: featuresOf(ev, splits.refB), key, cached: true };
  }
  if (!ds.labels || !ds.numClasses) throw new UserError(`${ds.name} has no class labels: the kit evaluator is a classifier; pass your own with --evaluator MODEL.json`);
  const name = `kit-${ds.name.replace(/@\d+$/, "")}-v${EVALUATOR_VERSION}`;
  const wFile = weightsFile(dir, key);
  const fFile = path.join(dir, `${key}.features.npy`);
  const metaFile = path.join(dir, `${key}.json`);
  const net = new ConvClassifier(ds.shape, ds.numClasses, 32, 128, 0);
  let accuracy: number;
  let cached = false;
  if (fs.existsSync(wFile) && fs.existsSync(metaFile)) {
    const w = parseNpy(fs.readFileSync(wFile), wFile);
    let off = 0;
    for (const [, v] of net.namedVariables()) {
      v.assign(tf.tensor(w.data.subarray(off, off + v.size), v.shape));
      off += v.size;
    }
    if (off !== w.data.length) throw new UserError(`${wFile} does not fit the evaluator (delete ${dir} to retrain it)`);
    accuracy = (JSON.parse(fs.readFileSync(metaFile, "utf8")) as { accuracy: number }).accuracy;
    cached = true;
    if (verbose) console.log(`evaluator ${name}: from the cache (${path.relative(process.cwd(), wFile) || wFile}), held-out accuracy ${(100 * accuracy).toFixed(2)}%`);
  } else {
    if (verbose) console.log(`evaluator ${name}: training on ${nTrain.toLocaleString()} images (${steps} steps of 64), once; cached for later runs`);
    const trained = trainClassifier(splits.train, { steps, batchSize: 64, seed, testSize: 0, onProgress: (s) => o.onProgress?.("training evaluator", s, steps) });
    // Its weights into our net (the same architecture and variable order).
    const src = [...trained.net.namedVariables()];
    [...net.namedVariables()].forEach(([, v], i) => v.assign(src[i][1]));
    accuracy = trained.accuracy(splits.refA);
    trained.dispose();
    fs.mkdirSync(dir, { recursive: true });
    const flat = tf.tidy(() => tf.concat([...net.namedVariables()].map(([, v]) => v.reshape([-1])))).dataSync() as Float32Array;
    writeAtomic(wFile, npyBytes(flat, [flat.length]));
    writeAtomic(metaFile, Buffer.from(JSON.stringify({ name, key, version: EVALUATOR_VERSION, seed, steps, accuracy, trainSize: nTrain, refSize: exampleCount(splits.refA) }, null, 2)));
    if (verbose) console.log(`evaluator ${name}: held-out accuracy ${(100 * accuracy).toFixed(2)}%`);
  }
  const clf: ProbClassifier = {
    numClasses: ds.numClasses,
    inputShape: ds.shape.slice(),
    predictProbs: (x) => tf.tidy(() => tf.softmax(net.logits(x as tf.Tensor4D))),
    features: (x) => net.features(x as tf.Tensor4D),
    dispose: () => net.dispose(),
  };
  const evaluator = classifierEvaluator(name, ds.shape.slice(), clf, accuracy);
  let refA: Features;
  let refB: Features;
  if (cached && fs.existsSync(fFile)) {
    const f = parseNpy(fs.readFileSync(fFile), fFile);
    const [, n, d] = f.shape;
    refA = { n, d, data: f.data.slice(0, n * d) };
    refB = { n, d, data: f.data.slice(n * d) };
  } else {
    const total = 2 * exampleCount(splits.refA);
    refA = featuresOf(evaluator, splits.refA, (k) => o.onProgress?.("reference features", k, total));
    refB = featuresOf(evaluator, splits.refB, (k) => o.onProgress?.("reference features", refA.n + k, total));
    const both = new Float32Array(refA.data.length + refB.data.length);
    both.set(refA.data);
    both.set(refB.data, refA.data.length);
    fs.mkdirSync(dir, { recursive: true });
    writeAtomic(fFile, npyBytes(both, [2, refA.n, refA.d]));
  }
  return { evaluator, splits, refA, refB, key, cached };
}

/** A user's TF.js graph model as the evaluator (its features from `featureNode`, else its output). */
export async function graphEvaluator(file: string, ds: Dataset, options: LoadClassifierOptions = {}): Promise<PreparedEvaluator> {
  const clf = await loadGraphClassifier(file, options);
  const splits = evaluatorSplits(ds);
  const name = `${path.basename(path.resolve(file)).replace(/\.json$/, "")}${options.featureNode ? `:${options.featureNode}` : ""}`;
  const evaluator = classifierEvaluator(name, ds.shape.slice(), clf, null);
  return { evaluator, splits, refA: featuresOf(evaluator, splits.refA), refB: featuresOf(evaluator, splits.refB), key: name, cached: false };
}

function writeAtomic(file: string, bytes: Buffer): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}
