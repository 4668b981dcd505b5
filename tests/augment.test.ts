/** Differentiable augmentation (DiffAugment's translation) for D's inputs, by hand. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { translate, translationShifts } from "../src/nn/augment";
import { Dcgan } from "../src/models/dcgan";
import { syntheticDigits } from "../src/data/synthetic-digits";
import { ShuffledBatches } from "../src/data/dataset";
import { Trainer } from "../src/train/trainer";
import { useWasm } from "./helpers";

test("translate: content moves by (dy, dx) per group, the border fills with the background, gradients flow back", async () => {
  await useWasm();
  // Two 3x3 one-channel images (groups of 1), each with one bright pixel in the middle.
  const img = [-1, -1, -1, -1, 1, -1, -1, -1, -1];
  const x = tf.tensor4d([...img, ...img], [2, 3, 3, 1]);
  // Image 0 moves down 1 and left 1; image 1 does not move.
  const y = translate(x, [[1, -1], [0, 0]], { group: 1 });
  assert.deepEqual(Array.from(y.dataSync()), [
    -1, -1, -1, -1, -1, -1, 1, -1, -1,
    ...img,
  ]);
  // The gradient of sum(y * w) w.r.t. x is w shifted back (pixels pushed out get none).
  const w = tf.tensor4d(Array.from({ length: 18 }, (_, i) => i + 1), [2, 3, 3, 1]);
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(translate(t as tf.Tensor4D, [[1, -1], [0, 0]], { group: 1 }), w)))(x);
  // y0[i][j] = x0[i-1][j+1]: x0[a][b] reaches y0[a+1][b-1] when it exists, so dx0[a][b] = w0[a+1][b-1].
  assert.deepEqual(Array.from(g.dataSync()).slice(0, 9), [0, 4, 5, 0, 7, 8, 0, 0, 0]);
  assert.deepEqual(Array.from(g.dataSync()).slice(9), Array.from({ length: 9 }, (_, i) => i + 10));
  // Shifts: within +-size/8, one per group of 8, the same for the same seed.
  const s = translationShifts(20, 32, 7);
  assert.equal(s.length, 3);
  assert.ok(s.every(([dy, dx]) => Math.abs(dy) <= 4 && Math.abs(dx) <= 4));
  assert.deepEqual(translationShifts(20, 32, 7), s);
  const all = translationShifts(8000, 32, 1).flat();
  assert.deepEqual([Math.min(...all), Math.max(...all)], [-4, 4], "every shift from -4 to 4 occurs");
  tf.dispose([x, y, w, g]);
});

test("a DCGAN with augment: translation trains, deterministic in the seed, and checks the option", async () => {
  await useWasm();
  const data = syntheticDigits({ count: 64, seed: 3 });
  const run = async () => {
    const before = tf.memory().numTensors;
    const m = new Dcgan({ imageSize: 28, channels: 1, ngf: 8, ndf: 8, augment: "translation", seed: 1 });
    const t = new Trainer(m);
    const h = await t.run(new ShuffledBatches(data, 0), { steps: 3, batchSize: 16, seed: 1, progress: false });
    const x = m.generate(2, 5);
    const sample = Array.from(x.dataSync());
    x.dispose();
    t.dispose();
    m.dispose();
    assert.equal(tf.memory().numTensors, before, "no tensor leaks");
    return { losses: h.map((r) => r.values.D_loss), sample };
  };
  const a = await run();
  const b = await run();
  assert.deepEqual(a, b);
  assert.ok(a.losses.every(Number.isFinite));
  assert.throws(() => new Dcgan({ augment: "flip" as never }), /"augment" must be one of "none", "translation", got "flip"/);
});
