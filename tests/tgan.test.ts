/** t-GAN and its baselines (DeLiGAN, ACGAN): the mixture-of-t sampler, codewords, L_C, tiny runs. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useWasm } from "./helpers";
import {
  chiSquareSample,
  classificationLoss,
  Codewords,
  drawMixtureNoise,
  LatentGan,
  LatentGanConfig,
  MixtureLatent,
  MixtureLatentConfig,
  Tgan,
  tganFor,
} from "../src/models/tgan";
import { Deligan, deliganFor } from "../src/models/deligan";
import { Acgan, acganFor } from "../src/models/acgan";
import { mulberry32, normalFrom } from "../src/data/rng";
import { Dataset, ShuffledBatches } from "../src/data/dataset";
import { ConditionBench, conditionAccuracy, conditionBench, CONDITION_NETS, summariseReadings, trainConditional } from "../src/experiments/tgan-codewords";
import { syntheticDigits } from "../src/data/synthetic-digits";
import { ring8, sampleMixture } from "../src/data/mixtures";
import { Trainer } from "../src/train/trainer";
import { modelVariables } from "../src/train/checkpoint";
import { UserError } from "../src/errors";

function moments(v: ArrayLike<number>): { mean: number; variance: number; kurtosis: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  const mean = s / v.length;
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < v.length; i++) {
    const d = (v[i] - mean) ** 2;
    m2 += d;
    m4 += d * d;
  }
  m2 /= v.length;
  m4 /= v.length;
  return { mean, variance: m2, kurtosis: m4 / (m2 * m2) };
}

const shareBeyond = (v: ArrayLike<number>, t: number) => Array.from(v).filter((x) => Math.abs(x) > t).length / v.length;

const latentConfig = (over: Partial<MixtureLatentConfig>): MixtureLatentConfig => ({
  prior: "t-mixture",
  components: 1,
  dim: 10,
  nu: 3,
  weights: [],
  learned: false,
  muInit: 0,
  sigmaInit: 0.5,
  seed: 7,
  ...over,
});

test("chi-square draws have mean nu and variance 2 nu", () => {
  for (const nu of [0.6, 3, 12]) {
    const rand = mulberry32(11);
    const normal = normalFrom(rand);
    const w = Array.from({ length: 40000 }, () => chiSquareSample(nu, rand, normal));
    const m = moments(w);
    assert.ok(Math.abs(m.mean - nu) < 0.03 * nu + 0.02, `nu ${nu}: mean ${m.mean}`);
    assert.ok(Math.abs(m.variance - 2 * nu) < 0.08 * 2 * nu, `nu ${nu}: variance ${m.variance}`);
  }
});

test("mixture of t: huge nu approaches the Gaussian, small nu has heavy tails", async () => {
  await useWasm();
  const scale = 0.5;
  const draw = (nu: number) => {
    const latent = new MixtureLatent(latentConfig({ nu, sigmaInit: scale }));
    const z = latent.sample(4000, 3);
    const v = z.dataSync().slice();
    tf.dispose(z);
    latent.dispose();
    return v;
  };
  const gauss = draw(1e6);
  const g = moments(gauss);
  assert.ok(Math.abs(g.variance - scale * scale) < 0.03 * scale * scale, `variance ${g.variance} vs ${scale * scale}`);
  assert.ok(Math.abs(g.kurtosis - 3) < 0.15, `kurtosis ${g.kurtosis}`);
  assert.ok(shareBeyond(gauss, 3 * scale) < 0.006, "Gaussian: about 0.27% beyond 3 scale");
  // A t_3 marginal has P(|T| > 3) = 0.058 and infinite kurtosis.
  const heavy = draw(3);
  const t = moments(heavy);
  assert.ok(shareBeyond(heavy, 3 * scale) > 0.04, `t_3: ${shareBeyond(heavy, 3 * scale)} beyond 3 scale`);
  assert.ok(t.kurtosis > 6, `t_3 kurtosis ${t.kurtosis}`);
  // t_5 has variance nu / (nu - 2) scale^2.
  const t5 = moments(draw(5));
  assert.ok(Math.abs(t5.variance - (5 / 3) * scale * scale) < 0.15 * (5 / 3) * scale * scale, `t_5 variance ${t5.variance}`);
});

test("mixture components follow pi, and draws are deterministic in the seed", () => {
  const weights = [5, 3, 2]; // normalised to 0.5, 0.3, 0.2
  const d = drawMixtureNoise(20000, 2, weights, 4, 9);
  const counts = [0, 0, 0];
  for (const k of d.component) counts[k]++;
  counts.forEach((c, k) => assert.ok(Math.abs(c / 20000 - weights[k] / 10) < 0.015, `component ${k}: ${c / 20000}`));
  const again = drawMixtureNoise(50, 3, weights, 4, 9);
  const same = drawMixtureNoise(50, 3, weights, 4, 9);
  const other = drawMixtureNoise(50, 3, weights, 4, 10);
  assert.deepEqual(Array.from(again.noise), Array.from(same.noise));
  assert.deepEqual(Array.from(again.component), Array.from(same.component));
  assert.notDeepEqual(Array.from(again.noise), Array.from(other.noise));
});

test("each draw sits on its component's mean and scale", async () => {
  await useWasm();
  const latent = new MixtureLatent(latentConfig({ prior: "gaussian-mixture", components: 3, dim: 2, muInit: 1, sigmaInit: 0.2 }));
  const draw = drawMixtureNoise(3000, 2, latent.weights, null, 5);
  const z = latent.fromNoise(draw);
  const zs = z.dataSync();
  const mu = latent.mu.dataSync();
  for (let k = 0; k < 3; k++) {
    const dev: number[] = [];
    draw.component.forEach((c, i) => {
      if (c === k) dev.push(zs[2 * i] - mu[2 * k], zs[2 * i + 1] - mu[2 * k + 1]);
    });
    const m = moments(dev);
    assert.ok(Math.abs(m.mean) < 0.02 && Math.abs(Math.sqrt(m.variance) - 0.2) < 0.02, `component ${k}: mean ${m.mean}, std ${Math.sqrt(m.variance)}`);
  }
  tf.dispose(z);
  latent.dispose();
});

test("class codewords: mean l = y + 1 in every component and std 0.2; one-hot labels exact", async () => {
  await useWasm();
  const cw = new Codewords({ kind: "codeword", numClasses: 10, dim: 6, std: 0.2, mean: "class-index", seed: 1 });
  const c = cw.sample(new Int32Array(2000).fill(3), 4);
  const v = c.dataSync();
  const m = moments(v);
  assert.ok(Math.abs(m.mean - 4) < 0.01, `mean ${m.mean}`);
  assert.ok(Math.abs(Math.sqrt(m.variance) - 0.2) < 0.01, `std ${Math.sqrt(m.variance)}`);
  const oh = new Codewords({ kind: "one-hot", numClasses: 4, dim: 99, std: 0.2, mean: "class-index", seed: 1 });
  const e = oh.sample(Int32Array.from([2, 0]), 4);
  assert.deepEqual(Array.from(e.dataSync()), [0, 0, 1, 0, 1, 0, 0, 0]);
  tf.dispose([c, e]);
  cw.dispose();
  oh.dispose();
});

test("learned codeword means are trained by G's optimizer (and kept in checkpoints); the other readings' stay fixed", async () => {
  await useWasm();
  const data = syntheticDigits({ count: 32, seed: 3, size: 16 });
  for (const reading of ["class-index", "one-hot", "random", "learned"] as const) {
    const model = new Tgan({ ...CONDITION_NETS, numClasses: 10, codewordMean: reading });
    const means = model.G.codewords!.means;
    assert.equal(model.G.trainableVariables().includes(means), reading === "learned", `${reading}: among G's trainable variables`);
    assert.ok([...modelVariables(model).values()].includes(means), `${reading}: in the checkpoint's variables`);
    const before = means.dataSync().slice();
    const trainer = new Trainer(model);
    await trainer.run(new ShuffledBatches(data, 0), { steps: 2, batchSize: 8, seed: 0, progress: false });
    const moved = Math.max(...Array.from(means.dataSync(), (v, i) => Math.abs(v - before[i])));
    if (reading === "learned") assert.ok(moved > 1e-5, `learned means moved by at most ${moved}`);
    else assert.equal(moved, 0, `${reading} means moved`);
    trainer.dispose();
    model.dispose();
  }
});

test("codeword readings are summarised per reading in a fixed order; a reading passes only if every seed reaches the bar", () => {
  const run = (reading: "class-index" | "one-hot" | "random" | "learned", seed: number, overall: number, perClass: number[], classHead: number) =>
    ({ reading, seed, steps: 1, seconds: 0, overall, perClass, classHead });
  const s = summariseReadings([
    run("random", 0, 0.95, [1, 0.9], 1), run("class-index", 0, 0.3, [0.6, 0], 0.5), run("random", 1, 0.9, [0.8, 1], 0.9),
    run("class-index", 1, 0.99, [1, 0.98], 0.7), run("one-hot", 0, 0.899, [0.9, 0.898], 1),
  ], 0.9);
  assert.deepEqual(s.map((x) => [x.reading, x.accuracies, x.passes]), [["class-index", [0.3, 0.99], false], ["one-hot", [0.899], false], ["random", [0.95, 0.9], true]]);
  const random = s[2];
  // mean 0.925, sample std sqrt(2 * 0.025^2 / 1) = 0.0353553...; worst class 0.8 (seed 1); class head (1 + 0.9) / 2
  assert.ok(Math.abs(random.mean - 0.925) < 1e-12 && Math.abs(random.std - 0.035355339) < 1e-8 && random.min === 0.9, JSON.stringify(random));
  assert.equal(random.worstClass, 0.8);
  assert.ok(Math.abs(random.classHead - 0.95) < 1e-12);
  assert.equal(s[0].worstClass, 0);
  assert.ok(Number.isNaN(s[1].std), "one seed: no spread");
});

test("L_C = -E log C(y|x_real) - E log C(y|G(z, c)), by hand", async () => {
  await useWasm();
  const real = [[1, 2, 0], [0, 0, 3]];
  const fake = [[2, 0, -1]];
  const ce = (l: number[], y: number) => Math.log(l.reduce((s, v) => s + Math.exp(v), 0)) - l[y];
  const expected = (ce(real[0], 1) + ce(real[1], 0)) / 2 + ce(fake[0], 2);
  const out = tf.tidy(() =>
    classificationLoss(tf.tensor2d(real), tf.tensor1d([1, 0], "int32"), tf.tensor2d(fake), tf.tensor1d([2], "int32")).dataSync()[0],
  );
  assert.ok(Math.abs(out - expected) < 1e-5, `${out} vs ${expected}`);
});

test("tiny t-GAN, DeLiGAN and ACGAN train through the shared trainer without leaks", async () => {
  await useWasm();
  const data = syntheticDigits({ count: 32, seed: 3, size: 16 });
  const small = { imageSize: 16, channels: 1, ngf: 4, ndf: 4, noiseDim: 8, components: 3, codewordDim: 4, seed: 1 };
  const models: LatentGan[] = [new Tgan(small), new Deligan(small), new Acgan(small)];
  for (const model of models) {
    const mu0 = model.G.latent.mu.dataSync().slice();
    const trainer = new Trainer(model);
    const counts: number[] = [];
    const history = await trainer.run(new ShuffledBatches(data, 2), {
      steps: 4,
      batchSize: 4,
      progress: false,
      callbacks: [{ onStep: () => void counts.push(tf.memory().numTensors) }],
    });
    assert.equal(counts[1], counts[3], `${model.name}: numTensors flat after step 2`);
    const losses = history.map((r) => r.values.D_loss);
    assert.ok(losses.every(Number.isFinite) && new Set(losses).size > 1, `${model.name}: D losses change`);
    assert.ok(history.every((r) => Number.isFinite(r.values.G_loss)));
    if (model.config.auxClassifier) {
      assert.ok(history.every((r) => r.values.L_C > 0 && r.values.L_C_fake > 0), `${model.name}: L_C logged`);
    }
    const learned = model.G.latent.mu.trainable;
    assert.equal(learned, model.name !== "acgan", `${model.name}: mixture learned`);
    if (learned) assert.notDeepEqual(Array.from(model.G.latent.mu.dataSync()), Array.from(mu0), "mu moved");
    assert.ok(modelVariables(model).has("G/latent/mu"), "checkpoints hold the latent parameters");
    const x = model.generate(5, 0);
    assert.deepEqual(x.shape, [5, 16, 16, 1]);
    const v = x.dataSync();
    assert.ok(v.every((p) => p >= -1 && p <= 1));
    const again = model.generate(5, 0);
    assert.deepEqual(Array.from(again.dataSync()), Array.from(v), "generate is deterministic in the seed");
    tf.dispose([x, again]);
    if (model.conditional) {
      const one = model.generateClass(3, 7, 1);
      assert.deepEqual(one.shape, [3, 16, 16, 1]);
      one.dispose();
      assert.throws(() => model.generateClass(1, 10, 1), UserError);
    } else {
      assert.throws(() => model.generateClass(1, 0, 1), UserError);
    }
    assert.ok(model.flopsPerStep(4) > 0);
    trainer.dispose();
    model.dispose();
  }
});

test("the MLP t-GAN on ring8 trains and returns points", async () => {
  await useWasm();
  const data = sampleMixture(ring8(), 64, 1);
  for (const model of [tganFor(data, 2), deliganFor(data, 2), acganFor(data, 2)]) {
    assert.equal(model.config.network, "mlp");
    const trainer = new Trainer(model);
    const history = await trainer.run(new ShuffledBatches(data, 1), { steps: 2, batchSize: 8, progress: false });
    assert.ok(history.every((r) => Number.isFinite(r.values.D_loss) && Number.isFinite(r.values.G_loss)));
    const x = model.generate(16, 3);
    assert.deepEqual(x.shape, [16, 2]);
    x.dispose();
    trainer.dispose();
    model.dispose();
  }
});

test("bad t-GAN settings and unlabelled data for ACGAN are UserErrors", async () => {
  await useWasm();
  assert.throws(() => new Tgan({ nu: 0, components: 0 }), (e: Error) => e instanceof UserError && /"nu"/.test(e.message) && /"components"/.test(e.message));
  assert.throws(() => new Tgan({ components: 3, mixtureWeights: [1, 2] }), UserError);
  assert.throws(() => new Tgan({ conditioning: "none" }), /auxiliary classifier needs class conditioning/);
  assert.throws(() => new Tgan({ imageSize: 30 }), UserError);
  const unlabelled = { ...syntheticDigits({ count: 4, seed: 1, size: 16 }), labels: undefined, numClasses: undefined };
  assert.throws(() => acganFor(unlabelled, 0), UserError);
  const t = tganFor(unlabelled, 0);
  assert.equal(t.config.conditioning, "none");
  t.dispose();
  // Labels outside 0..K-1 are refused at the first step.
  const model = new Tgan({ imageSize: 16, ngf: 2, ndf: 2, noiseDim: 4, components: 2, numClasses: 3 });
  const trainer = new Trainer(model);
  const digits = syntheticDigits({ count: 16, seed: 1, size: 16 });
  await assert.rejects(trainer.run(new ShuffledBatches(digits, 1), { steps: 1, batchSize: 16, progress: false }), /outside 0..2/);
  trainer.dispose();
  model.dispose();
});

test("labels outside 0..numClasses-1 are a clear error, from the pipeline's range or read back", async () => {
  await useWasm();
  const small = { imageSize: 16, channels: 1, ngf: 4, ndf: 4, noiseDim: 8, components: 3, codewordDim: 4, numClasses: 5, seed: 1 };
  const data = syntheticDigits({ count: 20, seed: 3, size: 16 }); // labels 0..9
  const model = new Tgan(small);
  const trainer = new Trainer(model);
  const batch = new ShuffledBatches(data, 0).batch(0, 20);
  const top = Math.max(...batch.labels!.dataSync());
  assert.deepEqual(batch.labelRange, [Math.min(...batch.labels!.dataSync()), top]);
  assert.ok(top >= 5);
  assert.throws(() => trainer.step(batch, 0, 0), (e: Error) => e instanceof UserError && e.message.includes(`label ${top} is outside 0..4 (numClasses = 5)`));
  // A hand-made batch without a range: the labels are read back and checked the same way.
  const own = { x: batch.x, labels: tf.tensor1d([0, 1, -1, 2], "int32") };
  assert.throws(() => trainer.step({ x: tf.slice(batch.x, 0, 4), labels: own.labels }, 0, 0), /label -1 is outside 0\.\.4/);
  tf.dispose([batch.x, batch.labels!, own.labels]);
  trainer.dispose();
  model.dispose();
});

// ---------------------------------------------------------------------------------------------
// Class conditioning reaches a fixed accuracy under a classifier trained on real images

// The four-digit bench (data, classifier, accuracy) is the codeword-reading comparison's
// (src/experiments/tgan-codewords.ts), built once per file; its classifier's held-out accuracy 0.994.
let bench: ConditionBench | null = null;

function conditionEvaluator(): ConditionBench {
  if (!bench) {
    bench = conditionBench();
    assert.ok(bench.clf.testAccuracy >= 0.97, `classifier held-out accuracy ${bench.clf.testAccuracy}`);
  }
  return bench;
}

/** Train `steps`, then: untrained below 50%, at least 90% overall and 75% in every class. */
async function assertConditions(t: { diagnostic(msg: string): void }, model: LatentGan, steps: number): Promise<void> {
  const before = conditionAccuracy(model, conditionEvaluator().clf).overall;
  const { after } = await trainConditional(model, conditionEvaluator(), steps);
  t.diagnostic(`untrained ${before.toFixed(3)}; after ${steps} steps ${after.overall.toFixed(3)} (per class ${after.perClass}, D's class head ${after.classHead.toFixed(3)})`);
  assert.ok(before < 0.5, `untrained: ${before}`);
  assert.ok(after.overall >= 0.9, `accuracy ${after.overall.toFixed(3)} < 0.9 (per class ${after.perClass})`);
  assert.ok(Math.min(...after.perClass) >= 0.75, `per class ${after.perClass}`);
  model.dispose();
}

test("ACGAN: >= 90% of class-conditioned samples get the requested class from a real-data classifier after 300 steps (4 digit classes)", async (t) => {
  await useWasm();
  // Measured after 300 steps with seeds 0, 1, 2: 0.995, 1.000, 1.000 (every class >= 0.98); after
  // 100 steps 0.71-0.84.
  const model = new Acgan(CONDITION_NETS);
  await assertConditions(t, model, 300);
});

test("t-GAN with random codeword means: >= 90% of class-conditioned samples get the requested class after 200 steps (4 digit classes)", async (t) => {
  await useWasm();
  // t-GAN's defaults (mixture of 10 t_3 components, learned; q = 10, std 0.2, alpha 1) with the
  // "random" codeword means. Measured after 200 steps with seeds 0, 1, 2: 0.990, 0.995, 1.000 (every
  // class >= 0.98). The other readings: notebooks/tgan.ipynb's comparison (compareReadings in
  // src/experiments/tgan-codewords.ts); the default "class-index" means: see the todo test below.
  const model = new Tgan({ ...CONDITION_NETS, codewordMean: "random" });
  await assertConditions(t, model, 200);
});

test("D's class head on real images only (classifierTrainsOnFakes false): the class-index t-GAN that fails below reaches >= 90% after 200 steps (4 digit classes)", async (t) => {
  await useWasm();
  // Same model, data, seed and steps as the todo test below, which reaches 0.515 with the notes' L_D
  // (D's class head also fitted to the fakes' requested classes).
  const model = new Tgan({ ...CONDITION_NETS, classifierTrainsOnFakes: false });
  assert.equal(model.config.codewordMean, "class-index");
  await assertConditions(t, model, 200);
});

// The default reading m_y = (y + 1, ..., y + 1) puts every class on one line through the origin:
// G gets the class as one scalar (its distance along (1, ..., 1)) that it has to decode into K
// digits. What was checked (4 classes, seed 0): the codewords and L_C's fake labels are the same
// draw (shifting the labels by one class drives ACGAN and the "random" t-GAN above to 0.000); G's
// loss does get the class head's gradient (without that term ACGAN stays at 0.265); the failure is
// the same in training mode (batch statistics) as in eval mode, with a Gaussian prior instead of
// the t mixture, and with codeword std 0.
test(
  "t-GAN with the default class-index codewords (mean y + 1 in every dimension): >= 90% of class-conditioned samples get the requested class after 200 steps",
  {
    todo:
      "fails: 0.515 at 200 steps (0.36-0.51 at 100-600 steps; all 10 classes: 0.12-0.18 at 200-1,200 steps) while D's class head gives the " +
      "requested class to 99.5% of the same samples: G and D agree on a class signature the real-data classifier does not read. With D's " +
      "L_C on real images only (classifierTrainsOnFakes false, the test above; G's unchanged) it reaches 0.99 at 200 steps on these 4 classes (10 classes: 0.26-0.37)",
  },
  async (t) => {
    await useWasm();
    const model = new Tgan(CONDITION_NETS);
    assert.equal(model.config.codewordMean, "class-index");
    const { after } = await trainConditional(model, conditionEvaluator(), 200);
    t.diagnostic(`after 200 steps ${after.overall.toFixed(3)} (per class ${after.perClass}); D's class head on the same samples ${after.classHead.toFixed(3)}`);
    assert.ok(after.overall >= 0.9, `accuracy ${after.overall.toFixed(3)} < 0.9 (per class ${after.perClass})`);
    model.dispose();
  },
);
