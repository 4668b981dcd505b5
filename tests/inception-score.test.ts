/** Inception score and modified inception score on hand-made p(y|x); the classifiers behind them. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { useWasm } from "./helpers";
import { inceptionMetric, inceptionScore, modifiedInceptionScore, scoreImages } from "../src/metrics/inception-score";
import { loadGraphClassifier, trainClassifier } from "../src/metrics/classifier";
import { graphEvaluator } from "../src/eval/evaluator";
import { evaluateSamples } from "../src/eval/evaluate";
import { syntheticDigits } from "../src/data/synthetic-digits";
import { UserError } from "../src/errors";
import { tempDir } from "./tmp";

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);
const oneHot = (k: number, c: number) => Array.from({ length: k }, (_, i) => (i === c ? 1 : 0));
/** KL(p || q) written out. */
const kl = (p: number[], q: number[]) => p.reduce((s, pi, i) => s + (pi > 0 ? pi * Math.log(pi / q[i]) : 0), 0);

test("IS: uniform p(y|x) gives 1, confident and balanced gives K, confident on one class gives 1", async () => {
  await useWasm();
  const k = 5;
  close(inceptionScore(Array.from({ length: 7 }, () => new Array(k).fill(1 / k))).score, 1);
  const balanced = Array.from({ length: 20 }, (_, i) => oneHot(k, i % k));
  close(inceptionScore(balanced).score, k);
  const split = inceptionScore(balanced, { splits: 4 });
  assert.deepEqual(split.perSplit.map((s) => +s.toFixed(9)), [5, 5, 5, 5]);
  close(split.std, 0);
  close(inceptionScore(Array.from({ length: 9 }, () => oneHot(k, 2))).score, 1);
  // as a tensor too
  const t = tf.tensor2d(balanced);
  close(inceptionScore(t).score, k, 1e-6);
  t.dispose();
});

test("IS on a small matrix, by hand", () => {
  const rows = [
    [0.7, 0.2, 0.1],
    [0.1, 0.8, 0.1],
    [0.3, 0.3, 0.4],
  ];
  const py = [0, 1, 2].map((c) => (rows[0][c] + rows[1][c] + rows[2][c]) / 3); // [1.1/3, 1.3/3, 0.6/3]
  const expected = Math.exp((kl(rows[0], py) + kl(rows[1], py) + kl(rows[2], py)) / 3);
  close(inceptionScore(rows).score, expected, 1e-12);
  // splits: [0, 1) and [1, 3) are scored with their own p(y); a single row scores 1.
  const second = [0, 1, 2].map((c) => (rows[1][c] + rows[2][c]) / 2);
  const s2 = Math.exp((kl(rows[1], second) + kl(rows[2], second)) / 2);
  const r = inceptionScore(rows, { splits: 2 });
  close(r.perSplit[0], 1);
  close(r.perSplit[1], s2, 1e-12);
  close(r.score, (1 + s2) / 2, 1e-12);
  close(r.std, Math.abs(s2 - 1) / 2, 1e-12);
});

test("modified IS on small hand-made distributions", () => {
  // Class 0: a, b. Class 1: c, d, e.
  const a = [0.6, 0.4];
  const b = [0.9, 0.1];
  const c = [0.2, 0.8];
  const d = [0.5, 0.5];
  const e = [0.1, 0.9];
  // E_xi E_xj: each image's mean KL to the other members of its class, averaged over images.
  const perImage = [
    kl(a, b),
    kl(b, a),
    (kl(c, d) + kl(c, e)) / 2,
    (kl(d, c) + kl(d, e)) / 2,
    (kl(e, c) + kl(e, d)) / 2,
  ];
  const expected = Math.exp(perImage.reduce((s, v) => s + v, 0) / 5);
  const r = modifiedInceptionScore([a, b, c, d, e], [0, 0, 1, 1, 1]);
  close(r.score, expected, 1e-12);
  close(r.perClass[0], Math.exp((kl(a, b) + kl(b, a)) / 2), 1e-12);
  close(r.perClass[1], Math.exp((perImage[2] + perImage[3] + perImage[4]) / 3), 1e-12);
  assert.equal(r.pairs, 2 + 6);
  assert.equal(r.singletons, 0);
  // Without classes the argmax groups them: {a, b, d} (d ties -> class 0) and {c, e}.
  const byArgmax = modifiedInceptionScore([a, b, c, d, e]);
  const g0 = [(kl(a, b) + kl(a, d)) / 2, (kl(b, a) + kl(b, d)) / 2, (kl(d, a) + kl(d, b)) / 2];
  const g1 = [kl(c, e), kl(e, c)];
  close(byArgmax.score, Math.exp([...g0, ...g1].reduce((s, v) => s + v, 0) / 5), 1e-12);
  // Identical outputs within every class: no intra-class diversity, score 1; a lone image is skipped.
  const same = modifiedInceptionScore([a, a, c, c, c, e], [0, 0, 1, 1, 1, 2]);
  close(same.score, 1);
  assert.equal(same.singletons, 1);
});

test("bad probabilities, shapes and options are UserErrors", async () => {
  await useWasm();
  const isUser = (f: () => unknown) => assert.throws(f, UserError);
  isUser(() => inceptionScore([[0.5, 0.6]])); // sums to 1.1
  isUser(() => inceptionScore([[2, -1]])); // negative
  isUser(() => inceptionScore([[NaN, 1]]));
  isUser(() => inceptionScore([[0.5, 0.5], [1]])); // ragged
  isUser(() => inceptionScore([]));
  isUser(() => inceptionScore({ data: [0.5, 0.5, 1], shape: [2, 2] }));
  const v = tf.tensor1d([0.5, 0.5]);
  const cube = tf.ones([1, 1, 1]);
  isUser(() => inceptionScore(v));
  isUser(() => inceptionScore(cube));
  tf.dispose([v, cube]);
  isUser(() => inceptionScore([[1, 0]], { splits: 2 }));
  isUser(() => inceptionScore([[1, 0]], { splits: 0 }));
  isUser(() => modifiedInceptionScore([[1, 0], [0, 1]], [0]));
  isUser(() => modifiedInceptionScore([[1, 0], [0, 1]], [0, 1.5]));
  isUser(() => modifiedInceptionScore([[1, 0], [0, 1]], [0, 1])); // no class has two images
  assert.throws(() => inceptionScore([[3, -2]]), /probabilities must be finite and >= 0/);
  assert.throws(() => inceptionScore([[3, 2]]), /not logits/);
});

test("the kit's classifier trains, reports held-out accuracy and gives probabilities", async () => {
  await useWasm();
  const data = syntheticDigits({ count: 400, seed: 4, size: 16 });
  const before = tf.memory().numTensors;
  const c = trainClassifier(data, { steps: 60, batchSize: 32, seed: 1, testSize: 100, width: 8, hidden: 32, lr: 3e-3 });
  assert.equal(c.testSize, 100);
  assert.equal(c.trainSize, 300);
  assert.equal(c.losses.length, 60);
  assert.ok(c.testAccuracy > 0.3, `held-out accuracy ${c.testAccuracy} (chance 0.1)`);
  const images = tf.tensor4d(data.data.subarray(0, 20 * 256), [20, 16, 16, 1]);
  const p = c.predictProbs(images);
  assert.deepEqual(p.shape, [20, 10]);
  const scores = scoreImages(c, images, { classes: Array.from(data.labels!.subarray(0, 20)), batchSize: 7 });
  assert.ok(scores.is.score >= 1 && scores.is.score <= 10);
  assert.ok(scores.mis.score >= 1);
  assert.ok(scores.classAccuracy! >= 0 && scores.classAccuracy! <= 1);
  // Through the metric-registry entry point, from [0, 255] values.
  const px = Array.from(data.data.subarray(0, 20 * 256), (v) => (v + 1) * 127.5);
  const viaRegistry = inceptionMetric("inception-score", { fake: { data: px, shape: [20, 16, 16, 1] }, range: "[0,255]", options: { classifier: c } });
  close(viaRegistry.value, scores.is.score, 1e-4);
  const mis = inceptionMetric("modified-inception-score", { fake: images, range: "[-1,1]", options: { classifier: c, classes: Array.from(data.labels!.subarray(0, 20)) } });
  close(mis.value, scores.mis.score, 1e-5);
  assert.throws(() => inceptionMetric("inception-score", { fake: images, range: "[-1,1]" }), /needs a classifier/);
  const wrong = tf.zeros([2, 28, 28, 1]);
  assert.throws(() => c.predictProbs(wrong), UserError);
  tf.dispose([images, p, wrong]);
  c.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensors left behind");
  assert.throws(() => trainClassifier({ ...data, labels: undefined }, { steps: 1, batchSize: 2 }), UserError);
});

/** A TF.js graph model written by hand: softmax(reshape(x, [-1, 4]) @ W), W split over two shards. */
function writeGraphModel(dir: string, w: number[][]): void {
  const dim = (...s: number[]) => ({ dim: s.map((v) => ({ size: String(v) })) });
  const f32 = { type: "DT_FLOAT" };
  const model = {
    format: "graph-model",
    generatedBy: "hand",
    convertedBy: "hand",
    modelTopology: {
      node: [
        { name: "x", op: "Placeholder", attr: { dtype: f32, shape: { shape: dim(-1, 2, 2, 1) } } },
        { name: "shape", op: "Const", attr: { dtype: { type: "DT_INT32" }, value: { tensor: { dtype: "DT_INT32", tensorShape: dim(2) } } } },
        { name: "W", op: "Const", attr: { dtype: f32, value: { tensor: { dtype: "DT_FLOAT", tensorShape: dim(4, 3) } } } },
        { name: "flat", op: "Reshape", input: ["x", "shape"], attr: { T: f32, Tshape: { type: "DT_INT32" } } },
        { name: "logits", op: "MatMul", input: ["flat", "W"], attr: { T: f32, transpose_a: { b: false }, transpose_b: { b: false } } },
        { name: "probs", op: "Softmax", input: ["logits"], attr: { T: f32 } },
      ],
      library: {},
      versions: { producer: 1 },
    },
    weightsManifest: [
      {
        paths: ["group1-shard1of2.bin", "group1-shard2of2.bin"],
        weights: [
          { name: "shape", shape: [2], dtype: "int32" },
          { name: "W", shape: [4, 3], dtype: "float32" },
        ],
      },
    ],
  };
  const bytes = Buffer.concat([Buffer.from(new Int32Array([-1, 4]).buffer), Buffer.from(new Float32Array(w.flat()).buffer)]);
  fs.writeFileSync(path.join(dir, "model.json"), JSON.stringify(model));
  fs.writeFileSync(path.join(dir, "group1-shard1of2.bin"), bytes.subarray(0, 20));
  fs.writeFileSync(path.join(dir, "group1-shard2of2.bin"), bytes.subarray(20));
}

/** The hand-made graph model's weights W [4, 3]. */
const HAND_W = [
  [1, 0, -1],
  [0.5, 2, 0],
  [0, -1, 1],
  [2, 0.5, 0.5],
];

test("loadGraphClassifier reads a graph model and its shards from disk with pure tfjs", async () => {
  await useWasm();
  const dir = tempDir("graph-clf-");
  const w = HAND_W;
  writeGraphModel(dir, w);
  const c = await loadGraphClassifier(dir, { inputRange: "[0,1]" });
  assert.equal(c.numClasses, 3);
  assert.deepEqual(c.inputShape, [2, 2, 1]);
  const px = [-1, 0, 1, 0.5]; // in [-1, 1]; the model sees (x + 1) / 2
  const x = tf.tensor4d(px, [1, 2, 2, 1]);
  const p = c.predictProbs(x);
  const seen = px.map((v) => (v + 1) / 2);
  const logits = [0, 1, 2].map((j) => seen.reduce((s, v, i) => s + v * w[i][j], 0));
  const z = logits.reduce((s, l) => s + Math.exp(l), 0);
  const expected = logits.map((l) => Math.exp(l) / z);
  p.dataSync().forEach((v, j) => close(v, expected[j], 1e-5));
  // Larger images are resized to the declared 2x2 input; output is [n, K].
  const big = tf.zeros([3, 4, 4, 1]);
  const pb = c.predictProbs(big);
  assert.deepEqual(pb.shape, [3, 3]);
  tf.dispose([x, p, big, pb]);
  c.dispose();
  fs.unlinkSync(path.join(dir, "group1-shard2of2.bin"));
  await assert.rejects(loadGraphClassifier(path.join(dir, "model.json")), /missing/);
  await assert.rejects(loadGraphClassifier(path.join(dir, "nothing")), UserError);
});

test("loadGraphClassifier also takes a layers model and applies softmax to logits", async () => {
  await useWasm();
  const dir = tempDir("layers-clf-");
  const m = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 4, kernelInitializer: "ones" })] });
  await m.save(
    tf.io.withSaveHandler(async (a) => {
      const { weightData, ...rest } = a;
      fs.writeFileSync(path.join(dir, "model.json"), JSON.stringify({ ...rest, weightsManifest: [{ paths: ["w.bin"], weights: a.weightSpecs }] }));
      fs.writeFileSync(path.join(dir, "w.bin"), Buffer.from(weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  m.dispose();
  const c = await loadGraphClassifier(dir);
  assert.equal(c.numClasses, 4);
  const x = tf.tensor4d([0.1, 0.2, 0.3, 0.4], [1, 2, 2, 1]);
  const p = c.predictProbs(x);
  p.dataSync().forEach((v) => close(v, 0.25, 1e-6)); // equal logits 1.0 -> uniform
  tf.dispose([x, p]);
  c.dispose();
});

test("a graph model stands in for the evaluator: features from a named node (e.g. Inception's pool_3 for real FID)", async () => {
  await useWasm();
  const dir = tempDir("graph-eval-");
  const w = HAND_W;
  writeGraphModel(dir, w);
  const c = await loadGraphClassifier(dir, { featureNode: "logits" });
  const px = [-1, 0, 1, 0.5, 0.25, -0.5, 0, 1];
  const f = c.features!(tf.tensor4d(px, [2, 2, 2, 1]));
  assert.deepEqual(f.shape, [2, 3]);
  // logits = flat(x) @ W, by hand for both images.
  const want = [0, 1].flatMap((k) => [0, 1, 2].map((j) => px.slice(4 * k, 4 * k + 4).reduce((s, v, i) => s + v * w[i][j], 0)));
  Array.from(f.dataSync()).forEach((v, i) => close(v, want[i], 1e-5));
  f.dispose();
  c.dispose();
  await assert.rejects(loadGraphClassifier(dir, { featureNode: "nope" }).then((g) => g.features!(tf.zeros([1, 2, 2, 1]))), /could not read node "nope"/);
  // The same model as `eval`'s evaluator: reference B scored against A gives each metric's floor.
  const n = 1000;
  const rng = Array.from({ length: n * 4 }, (_, i) => Math.sin(i * 12.9898) * 0.9);
  const ds = { name: "tiny", shape: [2, 2, 1], data: Float32Array.from(rng), labels: Int32Array.from({ length: n }, (_, i) => i % 3), numClasses: 3 };
  const p = await graphEvaluator(dir, ds, { featureNode: "logits" });
  assert.equal(p.evaluator.name, `${path.basename(dir)}:logits`);
  const r = evaluateSamples(p, { data: p.splits.refB.data, shape: [2, 2, 1] }, { metrics: ["fd", "recall"] });
  const fd = r.metrics[`fd-${p.evaluator.name}`];
  assert.equal(fd.value, fd.floor);
  p.evaluator.dispose();
});
