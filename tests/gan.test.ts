/** The original GAN: its losses by hand, mode coverage, the gradient comparison. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useWasm } from "./helpers";
import { discriminatorLoss, generatorLoss, valueFunction } from "../src/models/gan";
import { modeCoverage } from "../src/metrics/mode-coverage";
import { ring8, grid25 } from "../src/data/mixtures";
import { saturationCurves } from "../src/experiments/gan";
import { loadData } from "../src/data/registry";
import { ShuffledBatches } from "../src/data/dataset";
import { MODELS } from "../src/models/registry";
import { Trainer } from "../src/train/trainer";

test("GAN losses equal the value function's terms, by hand", async () => {
  await useWasm();
  const real = tf.tensor1d([2, -1]);
  const fake = tf.tensor1d([0.5, -3]);
  const sig = (l: number) => 1 / (1 + Math.exp(-l));
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const V = mean([2, -1].map((l) => Math.log(sig(l)))) + mean([0.5, -3].map((l) => Math.log(1 - sig(l))));
  assert.ok(Math.abs(valueFunction(real, fake).dataSync()[0] - V) < 1e-5);
  assert.ok(Math.abs(discriminatorLoss(real, fake).dataSync()[0] + V) < 1e-5);
  const sat = mean([0.5, -3].map((l) => Math.log(1 - sig(l))));
  const non = -mean([0.5, -3].map((l) => Math.log(sig(l))));
  assert.ok(Math.abs(generatorLoss(fake, "saturating").dataSync()[0] - sat) < 1e-5);
  assert.ok(Math.abs(generatorLoss(fake, "non-saturating").dataSync()[0] - non) < 1e-5);
  tf.dispose([real, fake]);
});

test("the saturating loss's gradient stays near -1 where D(G(z)) is small; the non-saturating one's grows as 1/x", async () => {
  await useWasm();
  const c = saturationCurves(99);
  const i = 0; // x = 0.005
  assert.ok(Math.abs(c.saturating[i] + 1 / (1 - c.x[i])) < 1e-3);
  assert.ok(Math.abs(c.nonSaturating[i] - 1 / c.x[i]) < 1e-2 * (1 / c.x[i]));
  assert.ok(c.nonSaturating[i] > 100 * Math.abs(c.saturating[i]));
});

test("mode coverage: points on every mode, on one mode, and off every mode", () => {
  for (const m of [ring8(), grid25()]) {
    const k = m.modes.length;
    const onAll = new Float32Array(2 * 100 * k);
    m.modes.forEach(([x, y], j) => {
      for (let i = 0; i < 100; i++) {
        onAll[2 * (j * 100 + i)] = x + m.std * ((i % 5) - 2) * 0.5;
        onAll[2 * (j * 100 + i) + 1] = y;
      }
    });
    const all = modeCoverage(onAll, m);
    assert.equal(all.modes, k);
    assert.equal(all.highQuality, 1);
    const one = new Float32Array(2000).map((_, i) => m.modes[0][i % 2]);
    assert.deepEqual([modeCoverage(one, m).modes, modeCoverage(one, m).highQuality], [1, 1]);
    const off = new Float32Array(2000).fill(100);
    assert.deepEqual([modeCoverage(off, m).modes, modeCoverage(off, m).highQuality], [0, 0]);
  }
  // A mode needs 0.8% of the samples: 19 of 2,500 is not enough, 20 is.
  const m = ring8();
  const pts = (n: number) => {
    const p = new Float32Array(2 * 2500).fill(100);
    for (let i = 0; i < n; i++) [p[2 * i], p[2 * i + 1]] = m.modes[3];
    return p;
  };
  assert.equal(modeCoverage(pts(19), m).modes, 0);
  assert.equal(modeCoverage(pts(20), m).modes, 1);
});

test("learns: a small GAN on the 8-Gaussian ring covers at least 6 of 8 modes in 3,000 steps, most points near a mode", async () => {
  await useWasm();
  const data = loadData("ring8");
  const model = MODELS.gan.create(data, 0, { hidden: [64, 64], optimizer: { lr: 1e-3 } });
  const trainer = new Trainer(model);
  await trainer.run(new ShuffledBatches(data, 0), { steps: 3000, batchSize: 128, seed: 0, progress: false });
  const x = model.generate(2000, 99);
  const cov = modeCoverage(x.dataSync(), ring8());
  // Measured: 7 (seed 0), 8 (seed 1), 8 (seed 2) modes, 60-67% of points within 3 std of a mode;
  // the same G after 600 steps covered 0.
  assert.ok(cov.modes >= 6, `modes covered: ${cov.modes} (${cov.perMode.join(", ")})`);
  assert.ok(cov.highQuality >= 0.5, `share near a mode: ${cov.highQuality}`);
  x.dispose();
  trainer.dispose();
  model.dispose();
});
