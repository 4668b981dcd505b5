/** DCGAN's checks of what G learned (src/experiments/dcgan.ts) on sets whose answers are known. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Dataset } from "../src/data/dataset";
import { jumpiness, latentArithmetic, memorisation, memorisationVerdict, nearestNeighbours, quantile, shareBelow, walkJumpiness } from "../src/experiments/dcgan";
import { useWasm } from "./helpers";

test("nearest neighbours, quantiles and copy shares by hand", async () => {
  await useWasm();
  // Training "images" of 4 pixels: all -1, and all +1.
  const train: Dataset = { name: "two", shape: [2, 2, 1], data: Float32Array.from([-1, -1, -1, -1, 1, 1, 1, 1]) };
  // Query 0 differs from image 0 in one pixel by 0.4: RMS distance sqrt(0.16 / 4) = 0.2. Query 1 equals image 1.
  const q = tf.tensor4d([-0.6, -1, -1, -1, 1, 1, 1, 1], [2, 2, 2, 1]);
  const nn = nearestNeighbours(q, train);
  assert.deepEqual(Array.from(nn.index), [0, 1]);
  assert.ok(Math.abs(nn.distance[0] - 0.2) < 1e-6 && Math.abs(nn.distance[1]) < 1e-3, `${nn.distance}`);
  assert.equal(quantile([5, 1, 4, 2, 3], 0.5), 3);
  assert.equal(quantile([5, 1, 4, 2, 3], 0), 1);
  assert.equal(shareBelow([0.1, 0.2, 0.3, 0.4], 0.3), 0.5);
  // The threshold is the 5% quantile of the reference's distances; set X sits closer, set Y farther.
  const ref = tf.tensor4d(Array.from({ length: 20 }, (_, i) => [-1 + 0.1 + 0.02 * i, -1, -1, -1]).flat(), [20, 2, 2, 1]);
  const m = memorisation(train, ref, { X: q, Y: tf.fill([3, 2, 2, 1], 0) });
  assert.ok(Math.abs(m.threshold - 0.05) < 1e-6, `threshold ${m.threshold}: the smallest of 20 distances 0.05, 0.06, ...`);
  assert.equal(m.sets.X.copyShare, 0.5, "query 1 is a copy (0 < 0.05), query 0 is not (0.2)");
  assert.equal(m.sets.Y.copyShare, 0);
  assert.ok(Math.abs(m.sets.Y.median - 1) < 1e-6);
  tf.dispose([q, ref]);
});

test("latent walks by hand: an even walk has jumpiness 1, a look-up model that switches once has 9 (one step of 9 carries all the change)", async () => {
  await useWasm();
  assert.equal(jumpiness([1, 1, 1]), 1);
  assert.equal(jumpiness([1, 3]), 1.5);
  assert.equal(jumpiness([0, 0]), 1, "a walk that never changes is even");
  // G draws z[0] in every pixel; walk k goes from -0.9 to +0.9 (whatever k), so its 9 frame steps are all 0.2.
  const model = {
    latent: (n: number) => tf.tensor2d(Array.from({ length: n }, (_, i) => (i % 2 === 0 ? [-0.9, 0] : [0.9, 0])).flat(), [n, 2]),
    generateFrom: (z: tf.Tensor2D) => tf.tidy(() => tf.tile(z.slice([0, 0], [-1, 1]).reshape([-1, 1, 1, 1]), [1, 2, 2, 1])),
  };
  // The training set: all -1 and all +1. The look-up model shows image 0 for the five frames below 0
  // and image 1 for the five above: 8 steps of 0 and one of 2, so largest / mean = 2 / (2 / 9) = 9.
  const train: Dataset = { name: "two", shape: [2, 2, 1], data: Float32Array.from([-1, -1, -1, -1, 1, 1, 1, 1]) };
  const before = tf.memory().numTensors;
  const w = walkJumpiness(model, train, 3, { keep: 1 });
  assert.equal(w.G.length, 3);
  for (const g of w.G) assert.ok(Math.abs(g - 1) < 1e-5, `G ${w.G}`);
  for (const l of w.lookup) assert.ok(Math.abs(l - 9) < 1e-4, `look-up ${w.lookup}`);
  assert.equal(w.kept.length, 2, "walk 0's frames and its look-up frames");
  assert.deepEqual(w.kept[0].shape, [10, 2, 2, 1]);
  assert.deepEqual(Array.from(w.kept[1].dataSync()).filter((_, i) => i % 4 === 0), [-1, -1, -1, -1, -1, 1, 1, 1, 1, 1]);
  tf.dispose(w.kept);
  assert.equal(tf.memory().numTensors, before, "no tensors left behind");
});

test("memorisation verdict: held below the limit, not held above it, inconclusive when the copying control goes unseen", () => {
  assert.equal(memorisationVerdict([0.04, 0.05, 0.06], 0.9).verdict, "held");
  assert.equal(memorisationVerdict([0.3, 0.35, 0.4], 0.9).verdict, "not held");
  assert.equal(memorisationVerdict([0.02, 0.2, 0.09], 0.9).verdict, "inconclusive");
  const blind = memorisationVerdict([0.04, 0.05, 0.06], 0.08);
  assert.equal(blind.verdict, "inconclusive");
  assert.match(blind.why, /would not have seen copying/);
});

test("latent arithmetic finds a stroke-weight direction where there is one, and the random control does not", async () => {
  await useWasm();
  // A model whose code (z0, z1) draws 4 pixels: three of ink z1 and one that says the class (z0 > 0: class 1).
  const model = {
    latent: (n: number, seed: number) => tf.randomUniform([n, 2], -1, 1, "float32", seed) as tf.Tensor2D,
    generateFrom: (z: tf.Tensor2D) =>
      tf.tidy(() => {
        const [z0, z1] = tf.split(z, 2, 1);
        return tf.concat([z1, z1, z1, tf.mul(tf.sign(z0), 0.001)], 1).reshape([-1, 2, 2, 1]);
      }),
  };
  const probs = (x: tf.Tensor) =>
    tf.tidy(() => {
      const c = tf.cast(tf.greater(x.reshape([-1, 4]).slice([0, 3], [-1, 1]), 0), "float32");
      return tf.concat([tf.sub(1, c), c], 1).dataSync() as Float32Array;
    });
  const r = latentArithmetic(model, probs, 2, { pool: 600, trials: 50, seed: 1 });
  assert.deepEqual(r.pairs, [[0, 1], [1, 0]]);
  // bold a - thin a + thin b: the ink of a bold code, the class of b.
  // (The class term is a-mean minus another a-mean plus a b-mean: its noise flips a few to a.)
  assert.ok(r.arithmetic.isB > 0.85 && r.arithmetic.bold > 0.9 && r.arithmetic.boldB > 0.85, JSON.stringify(r.arithmetic));
  // random - random + thin b: still b, but mostly thin.
  assert.ok(r.control.isB > 0.8 && r.control.boldB < 0.3, JSON.stringify(r.control));
});
