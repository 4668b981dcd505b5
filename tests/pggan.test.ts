/** PGGAN: shapes per phase, the schedule, PixelNorm, minibatch stddev, equalized lr, WGAN-GP's second-order gradients, training and resuming. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { onCpu, relativeError, useWasm } from "./helpers";
import { mulberry32 } from "../src/data/rng";
import {
  PGGAN_PAPER_WIDTHS,
  mbstdGroup,
  minibatchStddev,
  Pggan,
  PgganConfig,
  pgganPhases,
  pgganWidth,
  pixelNorm,
  trainProgressive,
  wganGpDiscriminatorLoss,
} from "../src/models/pggan";
import { EqualizedConv2d, EqualizedDense, heConstant } from "../src/nn/equalized";
import { ShuffledBatches } from "../src/data/dataset";
import { syntheticDigits } from "../src/data/synthetic-digits";
import { Trainer } from "../src/train/trainer";
import { modelVariables } from "../src/train/checkpoint";
import { gameFlops } from "../src/train/flops";
import { UserError } from "../src/errors";
import { MODELS } from "../src/models/registry";
import { tempDir } from "./tmp";

/** Tiny networks: widths 8, 4, 2 at 4, 8, 16. */
const TINY: Partial<PgganConfig> = { channels: 1, latentDim: 8, fmapBase: 32, fmapMax: 8, imagesPerPhase: 16 };

const near = (a: number, b: number, tol = 1e-6) => Math.abs(a - b) <= tol * (1 + Math.abs(b));

test("output shapes at every resolution and during fades; generateAt upsamples to the final size", async () => {
  await useWasm();
  const m = new Pggan({ ...TINY, imageSize: 16, channels: 3 });
  assert.deepEqual(m.phases.map((p) => `${p.kind}@${p.resolution}`), ["stabilise@4", "fade@8", "stabilise@8", "fade@16", "stabilise@16"]);
  for (const p of m.phases) {
    m.setProgress(p.startImages + 4);
    assert.equal(m.resolution, p.resolution);
    const x = m.generate(3, 1);
    assert.deepEqual(x.shape, [3, p.resolution, p.resolution, 3], `G at phase ${p.index}`);
    const s = tf.tidy(() => m.score(x));
    assert.deepEqual(s.shape, [3, 1], `D at phase ${p.index}`);
    const up = m.generateAt(2, 1);
    assert.deepEqual(up.shape, [2, 16, 16, 3]);
    const real = tf.tidy(() => m.realAt(tf.zeros([2, 16, 16, 3])));
    assert.deepEqual(real.shape, [2, p.resolution, p.resolution, 3]);
    tf.dispose([x, s, up, real]);
  }
  const full = new Pggan({ ...TINY, imageSize: 16, nonProgressive: true });
  assert.equal(full.name, "pggan-full");
  assert.equal(full.phases.length, 1);
  assert.equal(full.resolution, 16);
  assert.equal(full.alpha, 1);
  assert.equal(full.phases[0].endImages, m.totalImages, "the same number of images as the progressive schedule");
  const y = full.generate(2, 0);
  assert.deepEqual(y.shape, [2, 16, 16, 1]);
  y.dispose();
  // Every block of every resolution exists from the start, in both variants.
  assert.equal(modelVariables(full).size, modelVariables(new Pggan({ ...TINY, imageSize: 16 })).size);
  m.dispose();
  full.dispose();
});

test("up to 1024x1024: the paper's widths give Table 2's 23.1M parameters per network; a narrow 1024 model runs", async () => {
  await useWasm();
  const paper = new Pggan({ ...PGGAN_PAPER_WIDTHS, imageSize: 1024 });
  const count = (mods: { paramCount(): number }[]) => mods.reduce((n, m) => n + m.paramCount(), 0);
  // The networks of the last phase (one toRGB / fromRGB): the paper's Table 2 says 23.1M each.
  const g = count([paper.G.first, ...paper.G.blocks.values(), paper.G.toRGB.get(1024)!]);
  const d = count([paper.D.fromRGB.get(1024)!, ...paper.D.blocks.values(), paper.D.last]);
  assert.equal(g, 23_079_187);
  assert.equal(d, 23_077_137);
  paper.dispose();
  const narrow = new Pggan({ imageSize: 1024, fmapBase: 1024, fmapMax: 2, latentDim: 4 });
  narrow.setProgress(narrow.phases[15].startImages + 200_000); // a quarter into the fade to 1024
  assert.deepEqual([narrow.phase.kind, narrow.resolution, narrow.alpha, narrow.phase.batchSize], ["fade", 1024, 0.25, 3]);
  const x = narrow.generate(1, 0);
  assert.deepEqual(x.shape, [1, 1024, 1024, 3]);
  const s = tf.tidy(() => narrow.score(x));
  assert.deepEqual(s.shape, [1, 1]);
  tf.dispose([x, s]);
  narrow.dispose();
  const smallest = new Pggan({ ...TINY, imageSize: 4 });
  assert.equal(smallest.phases.length, 1);
  const y = smallest.generate(2, 0);
  assert.deepEqual(y.shape, [2, 4, 4, 1]);
  y.dispose();
  smallest.dispose();
});

test("widths, phases and alpha follow the schedule; alpha is linear in images shown", async () => {
  const paper = { fmapBase: 16384, fmapMax: 512 };
  assert.deepEqual([4, 8, 16, 32, 64, 128, 256, 512, 1024].map((r) => pgganWidth(paper, r)), [512, 512, 512, 512, 256, 128, 64, 32, 16]);
  const phases = pgganPhases({ imageSize: 1024, imagesPerPhase: 800_000, batchSizes: {}, nonProgressive: false });
  assert.equal(phases.length, 17);
  assert.deepEqual(phases.slice(-2).map((p) => [p.kind, p.resolution, p.batchSize, p.startImages]), [
    ["fade", 1024, 3, 15 * 800_000],
    ["stabilise", 1024, 3, 16 * 800_000],
  ]);
  assert.equal(phases.find((p) => p.resolution === 256)!.batchSize, 14);
  assert.equal(phases.find((p) => p.resolution === 512)!.batchSize, 6);
  await useWasm();
  const m = new Pggan({ ...TINY, imageSize: 16, imagesPerPhase: 100, batchSizes: { 8: 5 } });
  const at = (n: number) => {
    m.setProgress(n);
    return [m.phaseIndex, m.resolution, m.alpha];
  };
  assert.deepEqual(at(0), [0, 4, 1]);
  assert.deepEqual(at(99), [0, 4, 1]);
  assert.deepEqual(at(100), [1, 8, 0]);
  assert.deepEqual(at(125), [1, 8, 0.25]);
  assert.deepEqual(at(150), [1, 8, 0.5]);
  assert.deepEqual(at(200), [2, 8, 1]);
  assert.deepEqual(at(310), [3, 16, 0.1]);
  assert.deepEqual(at(400), [4, 16, 1]);
  assert.deepEqual(at(10_000), [4, 16, 1], "stays in the last phase");
  for (let n = 100; n < 200; n += 7) {
    m.setProgress(n);
    assert.ok(near(m.alpha, (n - 100) / 100, 1e-12), "linear");
  }
  m.setProgress(130);
  assert.equal(m.phase.batchSize, 5, "partial batch-size schedules merge with the paper's");
  assert.equal(m.stepsLeftInPhase(), 14, "ceil(70 / 5)");
  m.dispose();
});

test("pixel norm gives every pixel's feature vector unit mean square", async () => {
  await useWasm();
  const x = tf.mul(tf.randomNormal([2, 3, 3, 16], 0, 1, "float32", 4), tf.linspace(0.1, 30, 16));
  const ms = tf.tidy(() => tf.mean(tf.square(pixelNorm(x)), -1)).dataSync();
  assert.equal(ms.length, 18);
  for (const v of ms) assert.ok(Math.abs(v - 1) < 1e-4, `mean square ${v}`);
  x.dispose();
});

test("minibatch stddev appends the mean over features and pixels of the per-group std", async () => {
  await useWasm();
  // 4 samples, 1x2 pixels, 2 features: x[i] = [[a_i, b_i], [c_i, d_i]].
  const vals = [
    [[[1, 0], [2, 5]]],
    [[[3, 0], [2, 1]]],
    [[[5, 0], [4, 5]]],
    [[[7, 0], [4, 1]]],
  ];
  const x = tf.tensor4d(vals);
  const std = (v: number[]) => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length + 1e-8);
  };
  const column = (idx: number[], px: number, ch: number) => idx.map((i) => vals[i][0][px][ch]);
  const statOf = (idx: number[]) => (std(column(idx, 0, 0)) + std(column(idx, 0, 1)) + std(column(idx, 1, 0)) + std(column(idx, 1, 1))) / 4;
  // One group of 4: std over the whole batch.
  const y = minibatchStddev(x, 4);
  assert.deepEqual(y.shape, [4, 1, 2, 3]);
  const out = y.arraySync() as number[][][][];
  const s4 = statOf([0, 1, 2, 3]); // (sqrt 5 + 0 + 1 + 2) / 4, up to the 1e-8 under each root
  assert.ok(near(s4, (Math.sqrt(5) + 3) / 4, 1e-4));
  for (let i = 0; i < 4; i++) for (let p = 0; p < 2; p++) {
    assert.ok(near(out[i][0][p][2], s4, 1e-5), "the extra channel holds the batch statistic everywhere");
    assert.deepEqual(out[i][0][p].slice(0, 2), vals[i][0][p], "the input channels pass through");
  }
  // Groups of 2: sample i is in group i mod 2, i.e. {0, 2} and {1, 3}.
  const y2 = minibatchStddev(x, 2).arraySync() as number[][][][];
  assert.ok(near(y2[0][0][0][2], statOf([0, 2]), 1e-5));
  assert.ok(near(y2[2][0][1][2], statOf([0, 2]), 1e-5));
  assert.ok(near(y2[1][0][0][2], statOf([1, 3]), 1e-5));
  assert.ok(near(y2[3][0][1][2], statOf([1, 3]), 1e-5));
  // Group sizes: the largest divisor of the batch not above the setting.
  assert.deepEqual([mbstdGroup(16, 4), mbstdGroup(14, 4), mbstdGroup(6, 4), mbstdGroup(3, 4), mbstdGroup(2, 4), mbstdGroup(5, 4)], [4, 2, 3, 3, 2, 1]);
  tf.dispose([x, y]);
});

test("equalized learning rate: N(0, 1) weights, zero biases, the He constant applied at run time", async () => {
  await useWasm();
  const conv = new EqualizedConv2d(16, 32, 3, "same", { seed: 3 });
  assert.ok(near(conv.wscale, Math.sqrt(2) / Math.sqrt(3 * 3 * 16), 1e-12));
  assert.ok(near(heConstant(512), Math.sqrt(2 / 512), 1e-12));
  const w = Array.from(conv.kernel.dataSync());
  const mean = w.reduce((a, b) => a + b, 0) / w.length;
  const sd = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
  assert.ok(Math.abs(mean) < 0.05 && Math.abs(sd - 1) < 0.05, `weights N(0, 1): mean ${mean}, sd ${sd}`);
  assert.ok(conv.bias!.dataSync().every((v) => v === 0));
  const x = tf.randomNormal([2, 5, 5, 16], 0, 1, "float32", 1) as tf.Tensor4D;
  const got = conv.apply(x);
  const want = tf.conv2d(x, tf.mul(conv.kernel, conv.wscale) as tf.Tensor4D, 1, "same");
  assert.ok(relativeError(got.dataSync(), want.dataSync()) < 1e-5);
  const dense = new EqualizedDense(10, 4, { seed: 1, gain: 1 });
  assert.ok(near(dense.wscale, 1 / Math.sqrt(10), 1e-12));
  const z = tf.randomNormal([3, 10], 0, 1, "float32", 2);
  assert.ok(relativeError(dense.apply(z).dataSync(), tf.matMul(z, tf.mul(dense.kernel, dense.wscale) as tf.Tensor2D).dataSync()) < 1e-5);
  // In the model: gain sqrt(2) before leaky ReLUs, 1 for toRGB and D's output layer.
  const m = new Pggan({ ...TINY, imageSize: 8 });
  assert.ok(near(m.G.toRGB.get(8)!.wscale, 1 / Math.sqrt(4), 1e-12));
  assert.ok(near(m.D.last.dense1.wscale, 1 / Math.sqrt(8), 1e-12));
  assert.ok(near(m.D.fromRGB.get(8)!.wscale, Math.sqrt(2), 1e-12));
  assert.ok(near(m.G.first.dense.wscale, Math.sqrt(2 / 8), 1e-12));
  tf.dispose([x, got, want, z]);
  conv.dispose();
  dense.dispose();
  m.dispose();
});

test("WGAN-GP: D's loss gradients (second order) on wasm match the cpu backend", async (t) => {
  await useWasm();
  // 8x8 in a fade: fromRGB at both resolutions, a block with average pooling, minibatch stddev.
  const m = new Pggan({ ...TINY, channels: 3, imageSize: 8, imagesPerPhase: 100 });
  m.setProgress(140);
  assert.equal(m.phase.kind, "fade");
  const real = tf.randomUniform([4, 8, 8, 3], -1, 1, "float32", 1) as tf.Tensor4D;
  const fake = tf.randomUniform([4, 8, 8, 3], -1, 1, "float32", 2) as tf.Tensor4D;
  const eps = tf.tensor1d([0.1, 0.5, 0.7, 0.95]);
  const vars = m.D.variablesFor(8, true);
  const backends = new Set<string>();
  const grads = (r: tf.Tensor, f: tf.Tensor, e: tf.Tensor) => {
    backends.add(tf.getBackend());
    const { value, grads: g } = tf.variableGrads(
      () => wganGpDiscriminatorLoss((x) => m.score(x), r as tf.Tensor4D, f as tf.Tensor4D, e, 10, 0.001).loss,
      vars,
    );
    assert.equal(Object.keys(g).length, vars.length, "every variable of the phase gets a gradient");
    return tf.concat([value.reshape([1]), ...vars.map((v) => g[v.name].reshape([-1]))]);
  };
  const onWasm = tf.tidy(() => grads(real, fake, eps)).dataSync();
  const cpu = await onCpu([real, fake, eps], grads);
  assert.equal(tf.getBackend(), "wasm");
  assert.deepEqual([...backends], ["wasm", "cpu"]);
  assert.ok(onWasm.every(Number.isFinite));
  const err = relativeError(onWasm, cpu);
  assert.ok(err < 1e-4, `relative error ${err}`);
  t.diagnostic(`WGAN-GP gradients, wasm vs cpu: relative error ${err.toExponential(2)} over ${cpu.length} values`);
  // The penalty really contributes second-order terms: without it the gradients differ.
  const noGp = tf.tidy(() => {
    const { grads: g } = tf.variableGrads(() => wganGpDiscriminatorLoss((x) => m.score(x), real, fake, eps, 0, 0.001).loss, vars);
    return tf.concat(vars.map((v) => g[v.name].reshape([-1])));
  }).dataSync();
  assert.ok(relativeError(noGp, onWasm.slice(1)) > 1e-3);
  tf.dispose([real, fake, eps]);
  m.dispose();
});

test("WGAN-GP by hand: a quadratic critic D(x) = ||x||^2 / 2 has gradient xhat, so the penalty is known in closed form", async () => {
  await useWasm();
  // Two 1x2 grayscale samples; xhat = real + eps (fake - real).
  //   sample 1: real (0, 4), fake (4, 4), eps 0.75 -> xhat (3, 4), ||grad|| = 5, (5 - 1)^2 = 16
  //   sample 2: real (0, 0), fake (0, 4), eps 0.25 -> xhat (0, 1), ||grad|| = 1, (1 - 1)^2 = 0
  // penalty = (16 + 0) / 2 = 8. (eps applied from the fake side would give xhat (1, 4) and (0, 3):
  // (sqrt 17 - 1)^2 and 4; one norm over the whole batch would give (sqrt 26 - 1)^2 = 16.80.)
  // D(real) = 8, 0 -> mean 4; D(fake) = 16, 8 -> mean 12; drift term E[D(real)^2] = (64 + 0) / 2 = 32.
  // loss = 12 - 4 + 10 * 8 + 0.001 * 32 = 88.032.
  const real = tf.tensor4d([[[[0], [4]]], [[[0], [0]]]]);
  const fake = tf.tensor4d([[[[4], [4]]], [[[0], [4]]]]);
  const eps = tf.tensor1d([0.75, 0.25]);
  const critic = (x: tf.Tensor4D) => tf.reshape(tf.mul(tf.sum(tf.square(x), [1, 2, 3]), 0.5), [-1, 1]) as tf.Tensor2D;
  const parts = tf.tidy(() => {
    const p = wganGpDiscriminatorLoss(critic, real, fake, eps, 10, 0.001);
    return tf.stack([p.loss, p.dReal, p.dFake, p.penalty]);
  });
  const [loss, dReal, dFake, penalty] = Array.from(parts.dataSync());
  assert.ok(near(penalty, 8, 1e-6), `penalty ${penalty}, by hand 8`);
  assert.ok(near(dReal, 4, 1e-6) && near(dFake, 12, 1e-6), `D(real) ${dReal}, D(fake) ${dFake}`);
  assert.ok(near(loss, 88.032, 1e-6), `loss ${loss}, by hand 88.032`);
  // lambda and drift enter linearly: lambda 0 and drift 0 leave the Wasserstein estimate 12 - 4 = 8;
  // lambda 1, drift 0.5: 8 + 8 + 16 = 32.
  const bare = tf.tidy(() => wganGpDiscriminatorLoss(critic, real, fake, eps, 0, 0).loss.dataSync()[0]);
  const other = tf.tidy(() => wganGpDiscriminatorLoss(critic, real, fake, eps, 1, 0.5).loss.dataSync()[0]);
  assert.ok(near(bare, 8, 1e-6) && near(other, 32, 1e-6), `${bare} (by hand 8), ${other} (by hand 32)`);
  // A 1-Lipschitz linear critic D(x) = 0.6 x_1 + 0.8 x_2 (||grad|| = 1 everywhere) has no penalty.
  const unit = (x: tf.Tensor4D) => tf.reshape(tf.sum(tf.mul(x, tf.tensor4d([[[[0.6], [0.8]]]])), [1, 2, 3]), [-1, 1]) as tf.Tensor2D;
  const zero = tf.tidy(() => wganGpDiscriminatorLoss(unit, real, fake, eps, 10, 0).penalty.dataSync()[0]);
  assert.ok(Math.abs(zero) < 1e-6, `penalty of a unit-gradient critic: ${zero}`);
  tf.dispose([real, fake, eps, parts]);
});

test("WGAN-GP inside the model: PGGAN's D loss with a hand-made linear critic uses lambda 10 and drift 0.001", async () => {
  await useWasm();
  // D(x) = sum over the 4x4 pixels of 0.75 x: gradient 0.75 everywhere, ||grad|| = sqrt(16 * 0.75^2)
  // = 3 for every xhat whatever eps the model draws, so GP = (3 - 1)^2 = 4.
  // real: constant 0.5 and -0.25 -> D = 6, -3 (mean 1.5, mean square (36 + 9) / 2 = 22.5);
  // fake: constant 0 and 1 -> D = 0, 12 (mean 6).
  // D loss = 6 - 1.5 + 10 * 4 + 0.001 * 22.5 = 44.5225; G loss = -6.
  const fixedFake = tf.keep(tf.concat([tf.zeros([1, 4, 4, 1]), tf.ones([1, 4, 4, 1])]) as tf.Tensor4D);
  class HandCritic extends Pggan {
    score(x: tf.Tensor4D): tf.Tensor2D {
      return tf.reshape(tf.mul(tf.sum(x, [1, 2, 3]), 0.75), [-1, 1]) as tf.Tensor2D;
    }
    synth(): tf.Tensor4D {
      return tf.clone(fixedFake);
    }
  }
  const m = new HandCritic({ ...TINY, imageSize: 4 });
  assert.deepEqual([m.config.gpLambda, m.config.driftEpsilon], [10, 0.001], "the paper's lambda and drift are the defaults");
  const x = tf.concat([tf.fill([1, 4, 4, 1], 0.5), tf.fill([1, 4, 4, 1], -0.25)]) as tf.Tensor4D;
  const [loss, gp, dReal, dFake, gLoss] = tf.tidy(() => {
    const d = m.dLoss({ x }, { step: 0, seed: 11 });
    const g = m.gLoss({ x }, { step: 0, seed: 12 });
    return [d.loss, d.logs!.GP, d.logs!.D_real, d.logs!.D_fake, g.loss].map((t) => t.dataSync()[0]);
  });
  assert.ok(near(gp, 4, 1e-6), `GP ${gp}, by hand 4`);
  assert.ok(near(dReal, 1.5, 1e-6) && near(dFake, 6, 1e-6), `D_real ${dReal}, D_fake ${dFake}`);
  assert.ok(near(loss, 44.5225, 1e-6), `D loss ${loss}, by hand 44.5225`);
  assert.ok(near(gLoss, -6, 1e-6), `G loss ${gLoss}, by hand -6`);
  tf.dispose([x, fixedFake]);
  m.dispose();
});

/** Nearest-neighbour 2x upsampling of NHWC values, by hand (each pixel to a 2x2 block). */
function upsampleByHand(v: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const out = new Float32Array(n * 4 * h * w * c);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < 2 * h; y++)
      for (let x = 0; x < 2 * w; x++)
        for (let k = 0; k < c; k++) out[((i * 2 * h + y) * 2 * w + x) * c + k] = v[((i * h + (y >> 1)) * w + (x >> 1)) * c + k];
  return out;
}

/** 2x2 average pooling of NHWC values, by hand. */
function poolByHand(v: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const out = new Float32Array((n * h * w * c) / 4);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h / 2; y++)
      for (let x = 0; x < w / 2; x++)
        for (let k = 0; k < c; k++) {
          const at = (yy: number, xx: number) => v[((i * h + yy) * w + xx) * c + k];
          out[((i * (h / 2) + y) * (w / 2) + x) * c + k] = (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4;
        }
  return out;
}

test("fade direction: alpha 0 is exactly the previous phase's network (upsampled / pooled), alpha 1 exactly the next one's", async () => {
  await useWasm();
  const m = new Pggan({ ...TINY, imageSize: 16, channels: 3, imagesPerPhase: 100, seed: 4 });
  const z = m.latent(4, 3);
  // Real images at 16, 8 and 4, each resolution the 2x2 average of the one above (by hand).
  const rand = mulberry32(8);
  const byRes = new Map<number, Float32Array>([[16, Float32Array.from({ length: 4 * 16 * 16 * 3 }, () => 2 * rand() - 1)]]);
  byRes.set(8, poolByHand(byRes.get(16)!, [4, 16, 16, 3]));
  byRes.set(4, poolByHand(byRes.get(8)!, [4, 8, 8, 3]));
  const images = (r: number) => tf.tensor4d(byRes.get(r)!, [4, r, r, 3]);
  const values = (t: tf.Tensor) => {
    const v = t.dataSync() as Float32Array;
    t.dispose();
    return v;
  };
  const at = (shown: number) => {
    m.setProgress(shown);
    return m.resolution;
  };
  const x16 = images(16);
  // Phase starts: 0 stabilise 4, 100 fade 8, 200 stabilise 8, 300 fade 16, 400 stabilise 16.
  for (const [fadeStart, r] of [[100, 8], [300, 16]]) {
    const xOld = images(r / 2);
    const xNew = images(r);
    // The previous stabilise phase (at r / 2) and the next one (at r), same weights.
    assert.equal(at(fadeStart - 1), r / 2);
    const gOld = values(m.generateFrom(z));
    const dOld = values(tf.tidy(() => m.score(xOld)));
    assert.equal(at(fadeStart + 100), r);
    assert.equal(m.phase.kind, "stabilise");
    const gNew = values(m.generateFrom(z));
    const dNew = values(tf.tidy(() => m.score(xNew)));
    // The fade's first step: alpha 0.
    assert.equal(at(fadeStart), r);
    assert.deepEqual([m.phase.kind, m.alpha], ["fade", 0]);
    const shape = [4, r / 2, r / 2, 3];
    // G: the old toRGB's image, each pixel repeated as a 2x2 block (nearest neighbour), exactly.
    assert.deepEqual(Array.from(values(m.generateFrom(z))), Array.from(upsampleByHand(gOld, shape)), `G at alpha 0, fade to ${r}`);
    // D: fromRGB at r / 2 on the 2x2-averaged image, i.e. the old D's score of the pooled image.
    assert.ok(relativeError(values(tf.tidy(() => m.score(xNew))), dOld) < 1e-5, `D at alpha 0, fade to ${r}`);
    // The real images D is shown at alpha 0: the half-resolution images, upsampled.
    assert.ok(relativeError(values(tf.tidy(() => m.realAt(x16))), upsampleByHand(byRes.get(r / 2)!, shape)) < 1e-6, `real images at alpha 0, fade to ${r}`);
    // alpha 1 (the fade's end): exactly the new block's G and D.
    assert.deepEqual(Array.from(values(tf.tidy(() => m.G.apply(z, r, 1, true)))), Array.from(gNew), `G at alpha 1, fade to ${r}`);
    assert.deepEqual(Array.from(values(tf.tidy(() => m.D.apply(xNew, r, 1, true)))), Array.from(dNew), `D at alpha 1, fade to ${r}`);
    // A quarter into the fade, G's image is 0.75 old (upsampled) + 0.25 new.
    at(fadeStart + 25);
    assert.equal(m.alpha, 0.25);
    const up = upsampleByHand(gOld, shape);
    assert.ok(relativeError(values(m.generateFrom(z)), up.map((v, i) => 0.75 * v + 0.25 * gNew[i])) < 1e-5, `G at alpha 0.25, fade to ${r}`);
    // Old and new differ, so the checks tell the two ends apart.
    assert.ok(relativeError(up, gNew) > 0.1 && relativeError(dOld, dNew) > 0.01, `old and new outputs differ at ${r}`);
    tf.dispose([xOld, xNew]);
  }
  tf.dispose([z, x16]);
  m.dispose();
});

test("a tiny progressive run (4x4 -> 8x8) through the shared Trainer: schedule, optimizer resets, no leaks", async () => {
  await useWasm();
  const before = tf.memory().numTensors;
  const data = syntheticDigits({ count: 32, seed: 3, size: 8 });
  const model = new Pggan({ ...TINY, imageSize: 8, batchSizes: { 4: 4, 8: 4 } });
  const trainer = new Trainer(model);
  const counts: number[] = [];
  const history = await trainProgressive(trainer, new ShuffledBatches(data, 1), {
    progress: false,
    seed: 1,
    callbacks: [{ onStep: () => void counts.push(tf.memory().numTensors) }],
  });
  // 16 images per phase, batch 4: 4 steps each of stabilise 4, fade 8, stabilise 8.
  assert.equal(history.length, 12);
  assert.deepEqual(history.map((r) => r.step), [...Array(12).keys()]);
  assert.deepEqual(history.map((r) => r.values.resolution), [4, 4, 4, 4, 8, 8, 8, 8, 8, 8, 8, 8]);
  // Each fade step trains at alpha = (images shown before it - 16) / 16.
  assert.deepEqual(history.map((r) => r.values.alpha), [1, 1, 1, 1, 0, 0.25, 0.5, 0.75, 1, 1, 1, 1]);
  assert.deepEqual(history.map((r) => r.values.kimg * 1000), [...Array(12).keys()].map((i) => 4 * (i + 1)));
  assert.equal(model.imagesShown, 48);
  for (const r of history) {
    for (const k of ["D_loss", "G_loss", "GP", "D_real", "D_fake"]) assert.ok(Number.isFinite(r.values[k]), `${k} at step ${r.step}`);
  }
  // numTensors is flat within each phase (it changes at boundaries: fresh optimizer state).
  for (const start of [0, 4, 8]) assert.deepEqual(counts.slice(start + 1, start + 4), Array(3).fill(counts[start + 1]), `phase from step ${start}`);
  assert.ok(model.flopsPerStep(4) > 0);
  trainer.dispose();
  model.dispose();
  assert.equal(tf.memory().numTensors, before, "everything released after dispose");
});

test("the non-progressive variant and the LSGAN loss train with a plain trainer.run", async () => {
  await useWasm();
  const data = syntheticDigits({ count: 16, seed: 3, size: 8 });
  const model = new Pggan({ ...TINY, imageSize: 8, imagesPerPhase: 4, nonProgressive: true, loss: "lsgan" });
  const trainer = new Trainer(model);
  const history = await trainer.run(new ShuffledBatches(data, 1), { steps: 3, batchSize: 4, progress: false });
  assert.deepEqual(history.map((r) => [r.values.resolution, r.values.alpha]), [[8, 1], [8, 1], [8, 1]]);
  assert.ok(history.every((r) => Number.isFinite(r.values.D_loss) && Number.isFinite(r.values.G_loss) && r.values.GP === undefined));
  trainer.dispose();
  model.dispose();
});

test("crossing a phase boundary inside one trainer.run gives the players fresh optimizers", async () => {
  await useWasm();
  const data = syntheticDigits({ count: 16, seed: 3, size: 8 });
  const model = new Pggan({ ...TINY, imageSize: 8, imagesPerPhase: 8 });
  const trainer = new Trainer(model);
  const before = trainer.optimizers.get("D");
  await trainer.run(new ShuffledBatches(data, 1), { steps: 6, batchSize: 4, progress: false });
  assert.ok(model.phaseIndex >= 1, "training crossed into the fade");
  assert.notEqual(trainer.optimizers.get("D"), before, "a new Adam serves the new phase");
  assert.equal(model.optimizersStale(), false);
  trainer.dispose();
  model.dispose();
  // A model driven outside the Trainer still refuses to mix phases under one optimizer.
  const bare = new Pggan({ ...TINY, imageSize: 8, imagesPerPhase: 8 });
  bare.setProgress(8);
  assert.throws(() => bare.players[0].variables(), (e: Error) => e instanceof UserError && /phase 0 to phase 1/.test(e.message));
  bare.dispose();
});

test("resuming from a checkpoint taken mid-fade gives the same weights as a straight run", async () => {
  await useWasm();
  const dir = tempDir("pggan-");
  const data = syntheticDigits({ count: 32, seed: 5, size: 8 });
  const cfg: Partial<PgganConfig> = { ...TINY, imageSize: 8, imagesPerPhase: 12, batchSizes: { 4: 4, 8: 4 }, seed: 2 };
  const opts = { progress: false, seed: 7, totalImages: 32 };
  const weights = (m: Pggan) => [...modelVariables(m).values()].map((v) => Array.from(v.dataSync()));

  const straight = new Pggan(cfg);
  const t1 = new Trainer(straight);
  await trainProgressive(t1, new ShuffledBatches(data, 7), opts);

  const first = new Pggan(cfg);
  const t2 = new Trainer(first);
  await trainProgressive(t2, new ShuffledBatches(data, 7), { ...opts, totalImages: 20 }); // 8 images into the fade
  assert.equal(first.phase.kind, "fade");
  assert.ok(first.alpha > 0 && first.alpha < 1);
  const file = path.join(dir, "latest.ckpt");
  await t2.save(file, t2.history.length, 7);

  const resumed = new Pggan(cfg);
  const t3 = new Trainer(resumed);
  const header = await t3.load(file);
  assert.equal(header.step, 5);
  assert.deepEqual([resumed.imagesShown, resumed.phaseIndex, resumed.alpha], [20, 1, first.alpha]);
  await trainProgressive(t3, new ShuffledBatches(data, 7), opts);

  assert.deepEqual([resumed.imagesShown, resumed.phaseIndex, resumed.alpha], [straight.imagesShown, straight.phaseIndex, straight.alpha]);
  const a = weights(straight);
  const b = weights(resumed);
  const worst = Math.max(...a.map((row, i) => relativeError(b[i], row)));
  assert.ok(worst < 1e-5, `resumed weights differ from the straight run's (relative ${worst})`);
  assert.deepEqual(t3.history.map((r) => r.step), t1.history.map((r) => r.step));
  for (const t of [t1, t2, t3]) t.dispose();
  for (const m of [straight, first, resumed]) m.dispose();
});

test("FLOPs per step: conv and dense layers of the current phase, plus the gradient penalty's passes", async () => {
  await useWasm();
  const ls = new Pggan({ ...TINY, imageSize: 8, loss: "lsgan", nonProgressive: true });
  const g = ls.G.layerFlops(8, false);
  const d = ls.D.layerFlops(8, false);
  assert.equal(ls.flopsPerStep(4), gameFlops(g, d, 4));
  // G: dense 8 -> 16*8, conv 8->8 at 4x4, block 8 (8->4, 4->4 at 8x8), toRGB 4->1 at 8x8.
  assert.deepEqual(g, [2 * 8 * 128, 2 * 16 * 9 * 64, 2 * 64 * 9 * 8 * 4, 2 * 64 * 9 * 16, 2 * 64 * 4]);
  const gp = new Pggan({ ...TINY, imageSize: 8, nonProgressive: true });
  const fd = d.reduce((a, b) => a + b, 0);
  assert.equal(gp.flopsPerStep(4), gameFlops(g, d, 4) + 4 * (6 * fd - d[0]));
  const prog = new Pggan({ ...TINY, imageSize: 8, imagesPerPhase: 10 });
  prog.setProgress(15);
  assert.ok(prog.flopsPerStep(4) > gp.flopsPerStep(4), "a fade runs both toRGB and both fromRGB layers");
  for (const m of [ls, gp, prog]) m.dispose();
});

test("npm run bench times PGGAN at its final level, the network pggan-full trains, not the 4x4 one it starts with", async () => {
  await useWasm();
  const shapeOnly = { name: "shape", shape: [16, 16, 1], data: new Float32Array(0) };
  const settings = { latentDim: 8, fmapBase: 32, fmapMax: 8, imagesPerPhase: 16 };
  const prog = MODELS.pggan.create(shapeOnly, 0, settings) as Pggan;
  const full = MODELS["pggan-full"].create(shapeOnly, 0, settings) as Pggan;
  assert.equal(prog.resolution, 4);
  assert.equal(MODELS.pggan.benchAt?.(prog), "final 16x16 level");
  assert.equal(prog.resolution, 16);
  assert.equal(prog.alpha, 1);
  assert.equal(prog.flopsPerStep(4), full.flopsPerStep(4));
  assert.equal(MODELS["pggan-full"].benchAt, undefined, "a fresh non-progressive model is already its final network");
  prog.dispose();
  full.dispose();
});

test("bad PGGAN settings are rejected, all problems at once", () => {
  assert.throws(
    () => new Pggan({ imageSize: 48, loss: "hinge" as never, mbstdGroupSize: -1, batchSizes: { 8: 0 } }),
    (e: Error) => e instanceof UserError && /"imageSize" must be a power of two from 4 to 1024/.test(e.message) && /"loss"/.test(e.message) && /"mbstdGroupSize"/.test(e.message) && /"batchSizes"/.test(e.message),
  );
  assert.throws(() => new Pggan({ imageSize: 2048 }), /power of two from 4 to 1024/);
  assert.throws(() => new Pggan({ imageSize: 2 }), UserError);
  assert.throws(() => new Pggan({ imageSize: 64, fmapBase: 32 }), /"fmapBase" must be >= imageSize/);
  assert.throws(() => new Pggan({ batchSizes: { 2048: 1 } }), /unknown key "batchSizes.2048"/);
  assert.throws(() => new Pggan({ optimizer: { lr: -1 } as never }), /"optimizer" needs lr > 0/);
  assert.throws(() => new Pggan({ nonProgresive: true } as never), /unknown key "nonProgresive"/);
});
