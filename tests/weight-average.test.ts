/** The moving average of G's weights (src/nn/weight-average.ts), by hand and inside an MLP GAN, a DCGAN, a LatentGan and a PGGAN. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { Module } from "../src/nn/module";
import { WeightAverage } from "../src/nn/weight-average";
import { Dcgan } from "../src/models/dcgan";
import { Gan } from "../src/models/gan";
import { Pggan, PgganConfig, trainProgressive } from "../src/models/pggan";
import { LatentGan, latentGanShape, TGAN_DEFAULTS } from "../src/models/tgan";
import { ring8, sampleMixture } from "../src/data/mixtures";
import { subSeed } from "../src/nn/init";
import { syntheticDigits } from "../src/data/synthetic-digits";
import { ShuffledBatches } from "../src/data/dataset";
import { Trainer } from "../src/train/trainer";
import { GanModel } from "../src/train/types";
import { UserError } from "../src/errors";
import { useWasm } from "./helpers";
import { tempDir } from "./tmp";

/** A tensor's values, the tensor freed. */
const readAndFree = (t: tf.Tensor) => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};

/**
 * `trainer`'s model saved to a checkpoint (at `step`, `seed`) and loaded into `make()`'s fresh model
 * through a trainer of its own; dispose the returned model and trainer.
 */
async function reloaded<M extends GanModel>(trainer: Trainer, make: () => M, step: number, seed: number): Promise<{ model: M; trainer: Trainer; file: string }> {
  const file = path.join(tempDir("ema-"), "latest.ckpt");
  await trainer.save(file, step, seed);
  const model = make();
  const t = new Trainer(model);
  await t.load(file);
  return { model, trainer: t, file };
}

class OneWeight extends Module {
  readonly w = this.param("w", tf.tensor1d([0, 4]));
}

test("WeightAverage follows avg <- d avg + (1 - d) w with d = min(decay, (1 + t) / (10 + t)), and use() swaps the average in and back", async () => {
  await useWasm();
  const net = new OneWeight();
  const avg = new WeightAverage(net, 0.5);
  const read = (v: tf.Tensor) => Array.from(v.dataSync());
  const before = tf.memory().numTensors;
  // t = 0: d = 1/10; t = 1: d = 2/11; t = 2: d = 3/12 (all below 0.5).
  // avg: [0, 4] -> 0.1*[0,4] + 0.9*[10,10] = [9, 9.4]
  //      -> 2/11*[9, 9.4] + 9/11*[20, 20] = [198/11, 198.8/11]
  //      -> 0.25*[198/11, 198.8/11] + 0.75*[30, 30] = [27, 22.5 + 49.7/11]
  const expected = [[9, 9.4], [18, 198.8 / 11], [27, 22.5 + 49.7 / 11]];
  [10, 20, 30].forEach((value, i) => {
    tf.tidy(() => net.w.assign(tf.fill([2], value)));
    avg.update();
    const got = avg.use(() => read(net.w));
    got.forEach((g, j) => assert.ok(Math.abs(g - expected[i][j]) < 1e-4, `after update ${i + 1}: ${got} vs ${expected[i]}`));
    assert.deepEqual(read(net.w), [value, value], "the live weights are back after use()");
  });
  for (let i = 0; i < 7; i++) avg.update();
  // After 10 updates (1 + 10) / (10 + 10) = 0.55 > 0.5: the decay asked for.
  assert.equal(avg.currentDecay(), 0.5);
  assert.throws(() => avg.use(() => { throw new Error("inside"); }), /inside/);
  assert.deepEqual(read(net.w), [30, 30], "the live weights are back after a throw");
  assert.equal(tf.memory().numTensors, before, "no tensor leaks from update() or use()");
  assert.equal(avg.paramCount(), 0, "averages are not trainable parameters");
  assert.throws(() => new WeightAverage(net, 1), /decay/);
  avg.dispose();
  net.dispose();
});

test("an MLP GAN with ema samples from the average on generate and generateFrom and checkpoints it; ema 0 is the paper's model", async () => {
  await useWasm();
  const data = sampleMixture(ring8(), 256, 1);
  const settings = { dataDim: 2, latentDim: 4, hidden: [16, 16], output: "linear" as const, prior: "normal" as const, ema: 0.9 };
  const model = new Gan({ ...settings, seed: 4 });
  assert.deepEqual(Object.keys(model.modules()), ["G", "D", "G_avg"]);
  const plain = new Gan({ ...settings, ema: 0 });
  assert.deepEqual(Object.keys(plain.modules()), ["G", "D"]);
  plain.dispose();
  const trainer = new Trainer(model);
  await trainer.run(new ShuffledBatches(data, 4), { steps: 3, batchSize: 32, progress: false });
  const before = tf.memory().numTensors;
  const sampled = readAndFree(model.generate(8, 2));
  const codes = model.latent(8, 2);
  assert.deepEqual(readAndFree(model.generateFrom(codes)), sampled, "generate(n, seed) = generateFrom(latent(n, seed)), both from the average");
  const live = readAndFree(tf.tidy(() => model.G.apply(codes)));
  codes.dispose();
  assert.ok(sampled.some((v, i) => Math.abs(v - live[i]) > 1e-4), "the averaged G differs from the live one after training");
  assert.equal(tf.memory().numTensors, before, "sampling from the average leaks no tensor");
  const { model: again, trainer: t2 } = await reloaded(trainer, () => new Gan({ ...settings, seed: 4 }), 3, 3);
  assert.deepEqual(readAndFree(again.generate(8, 2)), sampled, "restored average, same samples");
  assert.throws(() => new Gan({ ...settings, ema: 1 }), /ema/);
  for (const m of [model, again]) m.dispose();
  trainer.dispose();
  t2.dispose();
});

test("a DCGAN with ema samples from the average, checkpoints it and restores it exactly; ema 0 is the paper's model", async () => {
  await useWasm();
  const data = syntheticDigits({ count: 64, seed: 3 });
  const settings = { ngf: 8, ndf: 8, latentDim: 8, ema: 0.9 };
  const model = new Dcgan({ ...settings, seed: 3 });
  assert.deepEqual(Object.keys(model.modules()), ["G", "D", "G_avg"]);
  assert.deepEqual(Object.keys(new Dcgan({ ngf: 8, ndf: 8 }).modules()), ["G", "D"]);
  const trainer = new Trainer(model);
  await trainer.run(new ShuffledBatches(data), { steps: 3, batchSize: 8, progress: false });
  const fromAverage = Array.from(model.generate(4, 1).dataSync());
  const live = Array.from(tf.tidy(() => model.G.apply(model.latent(4, 1), false)).dataSync());
  assert.ok(fromAverage.some((v, i) => Math.abs(v - live[i]) > 1e-4), "the averaged G differs from the live one after training");
  const { model: again, trainer: t2, file } = await reloaded(trainer, () => new Dcgan({ ...settings, seed: 3 }), 3, 3);
  assert.deepEqual(Array.from(again.generate(4, 1).dataSync()), fromAverage, "restored average, same samples");
  // A checkpoint without the average does not fit a model with one.
  const plain = new Dcgan({ ngf: 8, ndf: 8, latentDim: 8, seed: 3 });
  await assert.rejects(new Trainer(plain).load(file), (err: Error) => err instanceof UserError && /unexpected G_avg/.test(err.message));
  assert.throws(() => new Dcgan({ ema: 1 }), /ema/);
  assert.throws(() => new Dcgan({ ema: -0.1 }), /ema/);
  for (const m of [model, again, plain]) m.dispose();
  trainer.dispose();
  t2.dispose();
});

test("a t-GAN / DeLiGAN-style LatentGan with ema samples from the average of G and of its latent mixture, the same way on every sampling path, and checkpoints it", async () => {
  await useWasm();
  const data = sampleMixture(ring8(), 256, 1);
  const settings = { ...latentGanShape(data), conditioning: "none" as const, auxClassifier: false, hidden: [16, 16], noiseDim: 4, components: 3, prior: "t-mixture" as const, learnLatent: true, ema: 0.9 };
  const model = new LatentGan("tgan", "t-GAN", TGAN_DEFAULTS, { ...settings, seed: 5 });
  assert.deepEqual(Object.keys(model.modules()), ["G", "D", "G_avg"]);
  assert.deepEqual(Object.keys(new LatentGan("tgan", "t-GAN", TGAN_DEFAULTS, { ...settings, ema: 0 }).modules()), ["G", "D"]);
  const trainer = new Trainer(model);
  await trainer.run(new ShuffledBatches(data, 5), { steps: 3, batchSize: 32, progress: false });
  const before = tf.memory().numTensors;
  const sampled = readAndFree(model.generate(8, 2));
  const codes = model.latent(8, 2);
  assert.deepEqual(readAndFree(model.generateFrom(codes)), sampled, "generate(n, seed) = generateFrom(latent(n, seed)), both from the average");
  codes.dispose();
  const liveCodes = tf.tidy(() => model.G.input(8, null, subSeed(2, "generate") || 1));
  const live = readAndFree(tf.tidy(() => model.G.apply(liveCodes, false)));
  const liveZ = readAndFree(liveCodes);
  assert.ok(sampled.some((v, i) => Math.abs(v - live[i]) > 1e-4), "the averaged G differs from the live one after training");
  assert.ok(readAndFree(model.sampleLatent(8, 2)).some((v, i) => Math.abs(v - liveZ[i]) > 1e-5), "the latent mixture's mu and sigma are averaged too");
  assert.equal(tf.memory().numTensors, before, "sampling from the average leaks no tensor");
  const { model: again, trainer: t2 } = await reloaded(trainer, () => new LatentGan("tgan", "t-GAN", TGAN_DEFAULTS, { ...settings, seed: 5 }), 3, 3);
  assert.deepEqual(readAndFree(again.generate(8, 2)), sampled, "restored average, same samples");
  assert.throws(() => new LatentGan("tgan", "t-GAN", TGAN_DEFAULTS, { ...settings, ema: 1 }), /ema/);
  for (const m of [model, again]) m.dispose();
  trainer.dispose();
  t2.dispose();
});

test("a PGGAN with ema samples from the average on every sampling path while it grows, keeps untrained blocks as they are, and checkpoints the average", async () => {
  await useWasm();
  const data = syntheticDigits({ count: 32, seed: 3, size: 8 });
  // Widths 8 and 4 at 4x4 and 8x8; 16 images per phase, 4 a step: steps 0-3 at 4x4, 4-7 fade into 8x8.
  const cfg: Partial<PgganConfig> = { imageSize: 8, channels: 1, latentDim: 8, fmapBase: 32, fmapMax: 8, imagesPerPhase: 16, batchSizes: { 4: 4, 8: 4 }, ema: 0.9, seed: 2 };
  const model = new Pggan(cfg);
  assert.deepEqual(Object.keys(model.modules()), ["G", "D", "G_avg"]);
  const plain = new Pggan({ ...cfg, ema: 0 });
  assert.deepEqual(Object.keys(plain.modules()), ["G", "D"], "ema 0: the live G, as the paper's training");
  plain.dispose();
  const trainer = new Trainer(model);
  await trainProgressive(trainer, new ShuffledBatches(data, 1), { progress: false, seed: 1, totalImages: 12 });
  assert.equal(model.resolution, 4);
  // The 8x8 block has not trained yet: its average is its live weights (to float rounding of d w + (1 - d) w).
  const live = new Map(model.G.namedVariables());
  const untouched = model.G.variablesFor(8, true).filter((v) => !model.G.variablesFor(4, false).includes(v));
  assert.ok(untouched.length > 0);
  const avgOf = model.Gavg!.namedVariables();
  for (const [name, v] of live) {
    if (!untouched.includes(v)) continue;
    const a = avgOf.get(name)!.dataSync();
    const w = v.dataSync();
    assert.ok(w.every((x, i) => Math.abs(a[i] - x) <= 1e-6 * (1 + Math.abs(x))), `${name}: not trained, not moved`);
  }
  const before = tf.memory().numTensors;
  const sampled = readAndFree(model.generate(4, 1));
  const z = model.latent(4, 1);
  assert.deepEqual(readAndFree(model.generateFrom(z)), sampled, "generate(n, seed) = generateFrom(latent(n, seed))");
  const liveSamples = readAndFree(tf.tidy(() => model.synth(z)));
  z.dispose();
  assert.ok(sampled.some((v, i) => Math.abs(v - liveSamples[i]) > 1e-4), "the averaged G differs from the live one after training");
  assert.equal(readAndFree(model.generateAt(4, 1, 8)).length, 4 * 8 * 8, "generateAt upsamples the average's 4x4 images");
  assert.equal(tf.memory().numTensors, before, "sampling from the average leaks no tensor");
  // Into the fade: the average follows the growing network.
  await trainProgressive(trainer, new ShuffledBatches(data, 1), { progress: false, seed: 1, totalImages: 24 });
  assert.equal(model.phase.kind, "fade");
  const fading = readAndFree(model.generate(4, 1));
  assert.equal(fading.length, 4 * 8 * 8);
  const { model: again, trainer: t2 } = await reloaded(trainer, () => new Pggan(cfg), trainer.history.length, 1);
  assert.deepEqual(readAndFree(again.generate(4, 1)), fading, "restored average and progress, same samples");
  assert.throws(() => new Pggan({ ema: 1 }), /ema/);
  for (const m of [model, again]) m.dispose();
  trainer.dispose();
  t2.dispose();
});
