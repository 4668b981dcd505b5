/** BEGAN and the improved BEGAN: Table 2 counts, the k_t and M_global rules, a tiny training run. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useWasm } from "./helpers";
import { Began, IMPROVED_BEGAN, mGlobal, reconstructionLoss, updateK } from "../src/models/began";
import { ShuffledBatches } from "../src/data/dataset";
import { syntheticDigits } from "../src/data/synthetic-digits";
import { Trainer } from "../src/train/trainer";
import { UserError } from "../src/errors";

test("baseline BEGAN at 64x64 has Table 2's parameter counts exactly", async () => {
  await useWasm();
  const m = new Began({ imageSize: 64 });
  assert.equal(m.G.paramCount(), 432_323);
  assert.equal(m.D.decoder.paramCount(), 432_323);
  assert.equal(m.D.encoder.paramCount(), 2_960_608);
  m.dispose();
});

test("k_t update and clipping, by hand", () => {
  // k + lambda (gamma L(x) - L(G(z))) = 0.5 + 0.001 (0.5 * 0.3 - 0.05) = 0.5001
  assert.ok(Math.abs(updateK(0.5, 0.001, 0.5, 0.3, 0.05) - 0.5001) < 1e-12);
  assert.equal(updateK(0, 0.001, 0.5, 0.1, 0.2), 0, "clipped at 0");
  assert.equal(updateK(0.9995, 0.01, 1, 0.5, 0.0), 1, "clipped at 1");
  // M_global = L(x) + |gamma L(x) - L(G(z))| = 0.3 + |0.15 - 0.2| = 0.35
  assert.ok(Math.abs(mGlobal(0.5, 0.3, 0.2) - 0.35) < 1e-12);
  assert.ok(Math.abs(mGlobal(0.5, 0.3, 0.1) - 0.35) < 1e-12);
});

test("L(v) is the mean absolute reconstruction error", async () => {
  await useWasm();
  const v = tf.tensor4d([1, -1, 0.5, 0], [1, 2, 2, 1]);
  const r = tf.tensor4d([0, -1, 1, 0.5], [1, 2, 2, 1]);
  assert.ok(Math.abs(reconstructionLoss(v, r).dataSync()[0] - (1 + 0 + 0.5 + 0.5) / 4) < 1e-7);
  tf.dispose([v, r]);
});

test("a tiny BEGAN and improved BEGAN train: simultaneous updates, k_t follows its rule, no leaks", async () => {
  await useWasm();
  const data = syntheticDigits({ count: 32, seed: 3, size: 16 });
  for (const cfg of [{}, IMPROVED_BEGAN]) {
    const model = new Began({ ...cfg, imageSize: 16, channels: 1, n: 4, h: 8, lambdaK: 0.05, seed: 1 });
    const trainer = new Trainer(model);
    const counts: number[] = [];
    let k = 0;
    const ks: number[] = []; // k_t after each step: step t uses ks[t - 1]
    const history = await trainer.run(new ShuffledBatches(data, 2), {
      steps: 10,
      batchSize: 4,
      progress: false,
      callbacks: [
        {
          onStep: (rec) => {
            counts.push(tf.memory().numTensors);
            const v = rec.values;
            k = updateK(k, 0.05, 0.5, v.L_x, v.L_GzG);
            assert.ok(Math.abs(v.k - k) < 1e-12, "k_t follows the update rule");
            assert.ok(Math.abs(v.M_global - mGlobal(0.5, v.L_x, v.L_GzG)) < 1e-12);
            assert.ok(Math.abs(v.D_loss - (v.L_x - (rec.step === 0 ? 0 : ks[rec.step - 1]) * v.L_GzD)) < 1e-5, "L_D = L(x) - k_t L(G(z_D))");
            ks.push(v.k);
          },
        },
      ],
    });
    assert.equal(counts[1], counts[9], "numTensors flat");
    assert.ok(history.some((r) => r.values.k > 0), "k_t moved off k_0 = 0");
    const x = model.generate(2, 0);
    assert.deepEqual(x.shape, [2, 16, 16, 1]);
    x.dispose();
    trainer.dispose();
    model.dispose();
  }
});

test("bad BEGAN settings are rejected, all at once", () => {
  assert.throws(() => new Began({ gamma: 1.5, k0: 2 }), (e: Error) => e instanceof UserError && /"gamma"/.test(e.message) && /"k0"/.test(e.message));
  assert.throws(() => new Began({ imageSize: 48 }), UserError);
});

test("the improved model's Table 2 counts: the closest architectures the notebook reports", () => {
  // Counted with Keras's rules (weights + biases), as Table 2 is.
  const conv = (i: number, o: number, k = 3, bias = true) => k * k * i * o + (bias ? o : 0);
  const dense = (i: number, o: number) => i * o + o;
  // Encoder: 3 blocks of two 3x3 convolutions, 64 -> 128 -> 192 filters, stride-2 downsampling
  // 64 -> 16, then Dense(16*16*192 -> 32).
  const encoder = (bias: boolean) =>
    conv(3, 64) + conv(64, 128, 3, bias) + conv(128, 128, 3, bias) + conv(128, 192, 3, bias) + 2 * conv(192, 192, 3, bias) + dense(16 * 16 * 192, 32);
  assert.equal(encoder(true), 2_681_440, "with biases: 832 more than Table 2");
  assert.equal(encoder(false), 2_680_608, "Table 2's number exactly, only without the convolutions' biases");
  // Generator = decoder: Dense(32 -> 8*8*128), 2 blocks of two 3x3 convolutions at 128 filters, 3x3 to RGB.
  const generator = dense(32, 8 * 8 * 128) + 4 * conv(128, 128) + conv(128, 3);
  assert.equal(generator, 864_131, "832 fewer than Table 2");
  assert.equal(encoder(true) + generator, 2_680_608 + 864_963, "the two misses cancel: same sum as Table 2");
});
