/**
 * Progressive growing of GANs (Karras, Aila, Laine, Lehtinen 2017: "Progressive Growing of GANs
 * for Improved Quality, Stability, and Variation").
 *
 * Networks (w(r) = min(fmapMax, fmapBase / r) feature maps at resolution r; the paper's
 * fmapBase 16384, fmapMax 512 give 512 up to 32x32, then 256, 128, 64, 32, 16 at 1024x1024):
 * - G: z (normalised) -> dense to 4x4 x w(4) -> LReLU -> PixelNorm -> conv3x3 -> LReLU -> PixelNorm;
 *   then per resolution r = 8, 16, ...: 2x nearest upsampling, twice (conv3x3 -> LReLU -> PixelNorm);
 *   toRGB(r) = linear 1x1 conv.
 * - D mirrors it: fromRGB(r) = 1x1 conv + LReLU; block r: twice (conv3x3 + LReLU), the second going
 *   to w(r/2), then 2x2 average pooling; final 4x4 block: minibatch standard deviation (one extra
 *   channel), conv3x3 + LReLU, conv4x4 "valid" (written as the equivalent dense layer on the
 *   flattened 4x4 map) + LReLU, dense to 1 (linear).
 * - LReLU slope 0.2; PixelNorm b = a / sqrt(mean_c(a^2) + 1e-8) after every conv of G.
 * - Equalized learning rate (src/nn/equalized.ts): N(0, 1) weights, zero biases, weights scaled at
 *   run time by c = gain / sqrt(fan_in). Our choice of gains: sqrt(2) (He) for every layer
 *   followed by a leaky ReLU, including G's first dense layer (fan_in = latentDim), and 1 for the
 *   two linear output layers, toRGB and D's last dense layer (He's derivation for a linear layer;
 *   the paper's text only says "He's initializer"; the authors' released code also uses gain 1 there).
 *
 * Growing: training starts at 4x4; for every new resolution r a fade phase and a stabilise phase
 * follow, each of `imagesPerPhase` real images shown to D (paper: 800k). During the fade,
 *   G(z) = (1 - alpha) * upsample(toRGB(r/2)(h)) + alpha * toRGB(r)(block_r(h))
 *   D(x) continues from (1 - alpha) * fromRGB(r/2)(avgpool(x)) + alpha * block_r(fromRGB(r)(x))
 * and the real images D sees are blended the same way between the two resolutions (the paper's
 * Appendix A.1), with alpha going linearly from 0 to 1 over the phase's images. All layers stay
 * trainable. Every block of every resolution is built at construction (so checkpoints from any
 * phase load into a fresh model); the players hand the optimizers only the variables the current
 * phase uses.
 *
 * Optimizer state: tfjs's Adam keeps its moments by position in the list of gradients, so the
 * variable list must not change under one optimizer. The set does change at every phase boundary
 * (a fade adds a block and a toRGB/fromRGB, the next stabilise phase drops the old toRGB/fromRGB),
 * and the authors' released code resets Adam's state at each of them. We do the same: the
 * optimizers are replaced by fresh ones at every boundary (the shared Trainer does it when
 * `optimizersStale()` says so); a player asked for its variables in a phase its optimizer does not
 * belong to throws a UserError instead of silently mixing moments of different variables.
 *
 * Losses: WGAN-GP (default; lambda 10, drift 0.001 E[D(x)^2]) or least squares (LSGAN) as an option.
 * The gradient penalty differentiates D twice. Stock tfjs cannot do that for three ops D uses
 * (on every backend): LeakyRelu's gradient uses Greater, which has no gradient, and the gradients of
 * AvgPool and ResizeNearestNeighbor (AvgPoolGrad, ResizeNearestNeighborGrad) have none either.
 * The kit gives LeakyRelu (src/nn/gradients.ts) and the fused conv/dense kernels (src/nn/fused.ts)
 * gradients built from Step, and `avgPool2x` and `upsample2x` below are tf.customGrad ops whose
 * gradients use the forward pooling / upsampling kernels, so everything in D can be differentiated
 * twice.
 */
import * as tf from "@tensorflow/tfjs";
import { Module } from "../nn/module";
import { subSeed, tfSeed } from "../nn/init";
import { EqualizedConv2d, EqualizedDense } from "../nn/equalized";
import { averageOf, ganModules, WeightAverage, withAverage } from "../nn/weight-average";
import { gameFlops } from "../train/flops";
import { AdamConfig, Batch, GanModel, LossOutput, Player, StepContext, discriminatorThenGenerator } from "../train/types";
import { adamRule, checkConfig, Rule, rules } from "../train/config";
import { UserError } from "../errors";
import type { BatchSource, StepRecord, Trainer, TrainOptions } from "../train/trainer";

export type PgganLoss = "wgan-gp" | "lsgan";

/** Resolutions a per-resolution minibatch size can be given for. */
export const PGGAN_RESOLUTIONS = [4, 8, 16, 32, 64, 128, 256, 512, 1024] as const;

export interface PgganConfig {
  /** Final resolution: a power of two from 4 to 1024. */
  imageSize: number;
  channels: number;
  latentDim: number;
  /** w(r) = min(fmapMax, floor(fmapBase / r)) feature maps at resolution r. */
  fmapBase: number;
  fmapMax: number;
  /** Minibatch-stddev group size (the largest divisor of the batch not above it is used); 0 = no such layer. */
  mbstdGroupSize: number;
  loss: PgganLoss;
  /** WGAN-GP: lambda of the gradient penalty, and the drift weight epsilon of E[D(x)^2]. */
  gpLambda: number;
  driftEpsilon: number;
  /** Real images shown to D per fade and per stabilise phase. */
  imagesPerPhase: number;
  /** Minibatch size per resolution (used for the fade into r and the stabilisation at r). */
  batchSizes: Record<string, number>;
  /** Train the final network at full resolution from the start (no growing, alpha 1). */
  nonProgressive: boolean;
  optimizer: AdamConfig;
  /**
   * Decay of the exponential moving average of G's weights that samples come from (0: off, the
   * live G). The paper samples from such an average with decay 0.999 (section A.1); it is left
   * off by default so that a short run's samples show the live G.
   */
  ema: number;
  seed: number;
}

/** The paper's minibatch schedule: 16 up to 128x128, 14 at 256, 6 at 512, 3 at 1024. */
export const PAPER_BATCH_SIZES: Record<string, number> = { 4: 16, 8: 16, 16: 16, 32: 16, 64: 16, 128: 16, 256: 14, 512: 6, 1024: 3 };

/**
 * Defaults: the paper's training settings (Adam 1e-3, 0, 0.99, 1e-8; WGAN-GP; 800k images per phase;
 * its minibatch schedule; latent 512) with narrow networks so that 32x32 trains on a CPU:
 * w = 128, 64, 32, 16 at 4, 8, 16, 32 (PGGAN_PAPER_WIDTHS restores the paper's).
 */
export const PGGAN_DEFAULTS: PgganConfig = {
  imageSize: 32,
  channels: 3,
  latentDim: 512,
  fmapBase: 512,
  fmapMax: 128,
  mbstdGroupSize: 4,
  loss: "wgan-gp",
  gpLambda: 10,
  driftEpsilon: 0.001,
  imagesPerPhase: 800_000,
  batchSizes: PAPER_BATCH_SIZES,
  nonProgressive: false,
  optimizer: { lr: 0.001, beta1: 0, beta2: 0.99, epsilon: 1e-8 },
  ema: 0,
  seed: 0,
};

/** The paper's widths: 512 up to 32x32, then halving to 16 at 1024x1024. */
export const PGGAN_PAPER_WIDTHS: Partial<PgganConfig> = { fmapBase: 16384, fmapMax: 512 };

// ---------------------------------------------------------------------------------------------
// Ops (all twice differentiable, for the gradient penalty)

/** 2x nearest-neighbour upsampling (each pixel to a 2x2 block); gradient: 2x2 sum pooling. */
export const upsample2x = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor4D;
  return {
    value: tf.image.resizeNearestNeighbor(x, [x.shape[1] * 2, x.shape[2] * 2]),
    gradFunc: (dy: tf.Tensor) => tf.mul(tf.avgPool(dy as tf.Tensor4D, 2, 2, "valid"), 4),
  };
}) as (x: tf.Tensor4D) => tf.Tensor4D;

/** 2x2 average pooling; gradient: upsample2x(dy) / 4, differentiable again. */
export const avgPool2x = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor4D;
  return {
    value: tf.avgPool(x, 2, 2, "valid"),
    gradFunc: (dy: tf.Tensor) => tf.mul(upsample2x(dy as tf.Tensor4D), 0.25),
  };
}) as (x: tf.Tensor4D) => tf.Tensor4D;

/** Pixelwise feature normalisation: b = a / sqrt(mean over channels of a^2 + eps), per pixel. */
export function pixelNorm<T extends tf.Tensor>(x: T, eps = 1e-8): T {
  return tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))) as T;
}

/** The group size used for a batch of n: the largest divisor of n not above `groupSize`. */
export function mbstdGroup(n: number, groupSize: number): number {
  for (let g = Math.min(groupSize, n); g > 1; g--) if (n % g === 0) return g;
  return 1;
}

/**
 * Minibatch standard deviation: the batch is split into groups of g (sample i is in group i mod
 * (n / g), as in the paper's implementation); per group, the standard deviation of every feature at
 * every pixel over the group's samples, averaged over features and pixels into one scalar, is
 * appended to each of its samples as a constant extra feature map.
 */
export function minibatchStddev(x: tf.Tensor4D, groupSize: number, eps = 1e-8): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const g = mbstdGroup(n, groupSize);
  const m = n / g;
  const y = tf.reshape(x, [g, m, h, w, c]);
  const centered = tf.sub(y, tf.mean(y, 0, true));
  const std = tf.sqrt(tf.add(tf.mean(tf.square(centered), 0), eps)); // [m, h, w, c]
  const perGroup = tf.mean(std, [1, 2, 3]); // [m]
  const fmap = tf.mul(tf.reshape(perGroup, [1, m, 1, 1, 1]), tf.ones([g, 1, h, w, 1]));
  return tf.concat([x, tf.reshape(fmap, [n, h, w, 1]) as tf.Tensor4D], 3);
}

function lerp<T extends tf.Tensor>(a: T, b: T, t: number): T {
  return t === 1 ? b : (tf.add(a, tf.mul(tf.sub(b, a), t)) as T);
}

// ---------------------------------------------------------------------------------------------
// Schedule

export type PhaseKind = "stabilise" | "fade";

export interface Phase {
  index: number;
  kind: PhaseKind;
  /** The resolution G produces and D reads in this phase. */
  resolution: number;
  /** Real images shown to D when the phase starts and when it ends. */
  startImages: number;
  endImages: number;
  /** The schedule's minibatch size for the phase. */
  batchSize: number;
}

/** Feature maps at resolution r. */
export function pgganWidth(c: Pick<PgganConfig, "fmapBase" | "fmapMax">, r: number): number {
  return Math.min(c.fmapMax, Math.floor(c.fmapBase / r));
}

/** Resolutions 4, 8, ..., imageSize. */
export function pgganResolutions(imageSize: number): number[] {
  const out: number[] = [];
  for (let r = 4; r <= imageSize; r *= 2) out.push(r);
  return out;
}

/**
 * The phases: stabilise 4x4, then for each new resolution a fade phase and a stabilise phase, each
 * of imagesPerPhase images. Non-progressive: one phase at the final resolution of as many images
 * as the whole progressive schedule. Training may go on past the last phase's end (it stays there).
 */
export function pgganPhases(c: Pick<PgganConfig, "imageSize" | "imagesPerPhase" | "batchSizes" | "nonProgressive">): Phase[] {
  const res = pgganResolutions(c.imageSize);
  const n = c.imagesPerPhase;
  const bs = (r: number) => c.batchSizes[String(r)] ?? PAPER_BATCH_SIZES[String(r)];
  if (c.nonProgressive) {
    return [{ index: 0, kind: "stabilise", resolution: c.imageSize, startImages: 0, endImages: (2 * res.length - 1) * n, batchSize: bs(c.imageSize) }];
  }
  const phases: Phase[] = [{ index: 0, kind: "stabilise", resolution: 4, startImages: 0, endImages: n, batchSize: bs(4) }];
  for (const r of res.slice(1)) {
    for (const kind of ["fade", "stabilise"] as const) {
      const start = phases.length * n;
      phases.push({ index: phases.length, kind, resolution: r, startImages: start, endImages: start + n, batchSize: bs(r) });
    }
  }
  return phases;
}

// ---------------------------------------------------------------------------------------------
// Networks

/** Forward FLOPs of a stride-1 'same' conv at size x size, per example. */
function convFlops(conv: EqualizedConv2d, size: number): number {
  return conv.flops(size, size);
}

class GBlock extends Module {
  readonly conv0: EqualizedConv2d;
  readonly conv1: EqualizedConv2d;
  constructor(readonly res: number, inCh: number, outCh: number, seed: number) {
    super();
    this.conv0 = this.child("conv0", new EqualizedConv2d(inCh, outCh, 3, "same", { seed: subSeed(seed, "conv0") }));
    this.conv1 = this.child("conv1", new EqualizedConv2d(outCh, outCh, 3, "same", { seed: subSeed(seed, "conv1") }));
  }
  apply(h: tf.Tensor4D): tf.Tensor4D {
    const x = pixelNorm(this.conv0.apply(upsample2x(h), "leakyrelu"));
    return pixelNorm(this.conv1.apply(x, "leakyrelu"));
  }
  layerFlops(): number[] {
    return [convFlops(this.conv0, this.res), convFlops(this.conv1, this.res)];
  }
}

/** G's 4x4 block: normalised z -> dense to 4x4 x w -> LReLU -> PixelNorm -> conv3x3 -> LReLU -> PixelNorm. */
class GFirst extends Module {
  readonly dense: EqualizedDense;
  readonly conv: EqualizedConv2d;
  constructor(readonly latentDim: number, readonly width: number, seed: number) {
    super();
    this.dense = this.child("dense", new EqualizedDense(latentDim, 16 * width, { seed: subSeed(seed, "dense") }));
    this.conv = this.child("conv", new EqualizedConv2d(width, width, 3, "same", { seed: subSeed(seed, "conv") }));
  }
  apply(z: tf.Tensor2D): tf.Tensor4D {
    const x = tf.reshape(this.dense.apply(pixelNorm(z), "leakyrelu"), [z.shape[0], 4, 4, this.width]) as tf.Tensor4D;
    return pixelNorm(this.conv.apply(pixelNorm(x), "leakyrelu"));
  }
  layerFlops(): number[] {
    return [this.dense.flops(), convFlops(this.conv, 4)];
  }
}

export class PgganGenerator extends Module {
  readonly first: GFirst;
  /** Blocks by resolution (8 .. imageSize). */
  readonly blocks = new Map<number, GBlock>();
  /** toRGB by resolution (4 .. imageSize). */
  readonly toRGB = new Map<number, EqualizedConv2d>();

  constructor(readonly c: PgganConfig) {
    super();
    const w = (r: number) => pgganWidth(c, r);
    this.first = this.child("b4", new GFirst(c.latentDim, w(4), subSeed(c.seed, "b4")));
    for (const r of pgganResolutions(c.imageSize)) {
      if (r > 4) this.blocks.set(r, this.child(`b${r}`, new GBlock(r, w(r / 2), w(r), subSeed(c.seed, `b${r}`))));
      this.toRGB.set(r, this.child(`torgb${r}`, new EqualizedConv2d(w(r), c.channels, 1, "same", { seed: subSeed(c.seed, `torgb${r}`), gain: 1 })));
    }
  }

  /** Images at resolution `res`; in a fade, blended with the upsampled output of res / 2. */
  apply(z: tf.Tensor2D, res: number, alpha = 1, fading = false): tf.Tensor4D {
    let h = this.first.apply(z);
    let prev: tf.Tensor4D | null = null;
    for (let r = 8; r <= res; r *= 2) {
      if (r === res && fading) prev = upsample2x(this.toRGB.get(r / 2)!.apply(h));
      h = this.blocks.get(r)!.apply(h);
    }
    const out = this.toRGB.get(res)!.apply(h);
    return prev ? lerp(prev, out, alpha) : out;
  }

  /** The modules a phase uses. */
  private used(res: number, fading: boolean): Module[] {
    const out: Module[] = [this.first];
    for (let r = 8; r <= res; r *= 2) out.push(this.blocks.get(r)!);
    out.push(this.toRGB.get(res)!);
    if (fading) out.push(this.toRGB.get(res / 2)!);
    return out;
  }

  variablesFor(res: number, fading: boolean): tf.Variable[] {
    return this.used(res, fading).flatMap((m) => m.trainableVariables());
  }

  /** Forward FLOPs per example, the input (dense) layer first. */
  layerFlops(res: number, fading: boolean): number[] {
    const out = [...this.first.layerFlops()];
    for (let r = 8; r <= res; r *= 2) out.push(...this.blocks.get(r)!.layerFlops());
    out.push(convFlops(this.toRGB.get(res)!, res));
    if (fading) out.push(convFlops(this.toRGB.get(res / 2)!, res / 2));
    return out;
  }
}

class DBlock extends Module {
  readonly conv0: EqualizedConv2d;
  readonly conv1: EqualizedConv2d;
  constructor(readonly res: number, inCh: number, outCh: number, seed: number) {
    super();
    this.conv0 = this.child("conv0", new EqualizedConv2d(inCh, inCh, 3, "same", { seed: subSeed(seed, "conv0") }));
    this.conv1 = this.child("conv1", new EqualizedConv2d(inCh, outCh, 3, "same", { seed: subSeed(seed, "conv1") }));
  }
  apply(h: tf.Tensor4D): tf.Tensor4D {
    const x = this.conv0.apply(h, "leakyrelu");
    return avgPool2x(this.conv1.apply(x, "leakyrelu"));
  }
  layerFlops(): number[] {
    return [convFlops(this.conv0, this.res), convFlops(this.conv1, this.res)];
  }
}

/** D's 4x4 block: minibatch stddev, conv3x3 + LReLU, conv4x4 valid (= dense on 4x4 x w) + LReLU, dense to 1. */
class DLast extends Module {
  readonly conv: EqualizedConv2d;
  readonly dense0: EqualizedDense;
  readonly dense1: EqualizedDense;
  constructor(readonly width: number, readonly mbstdGroupSize: number, seed: number) {
    super();
    const extra = mbstdGroupSize > 0 ? 1 : 0;
    this.conv = this.child("conv", new EqualizedConv2d(width + extra, width, 3, "same", { seed: subSeed(seed, "conv") }));
    this.dense0 = this.child("dense0", new EqualizedDense(16 * width, width, { seed: subSeed(seed, "dense0") }));
    this.dense1 = this.child("dense1", new EqualizedDense(width, 1, { seed: subSeed(seed, "dense1"), gain: 1 }));
  }
  apply(h: tf.Tensor4D): tf.Tensor2D {
    const x = this.mbstdGroupSize > 0 ? minibatchStddev(h, this.mbstdGroupSize) : h;
    const y = this.conv.apply(x, "leakyrelu");
    return this.dense1.apply(this.dense0.apply(tf.reshape(y, [y.shape[0], 16 * this.width]), "leakyrelu"));
  }
  layerFlops(): number[] {
    return [convFlops(this.conv, 4), this.dense0.flops(), this.dense1.flops()];
  }
}

export class PgganDiscriminator extends Module {
  /** fromRGB by resolution (4 .. imageSize). */
  readonly fromRGB = new Map<number, EqualizedConv2d>();
  /** Blocks by resolution (8 .. imageSize), each ending at res / 2. */
  readonly blocks = new Map<number, DBlock>();
  readonly last: DLast;

  constructor(readonly c: PgganConfig) {
    super();
    const w = (r: number) => pgganWidth(c, r);
    for (const r of pgganResolutions(c.imageSize)) {
      this.fromRGB.set(r, this.child(`fromrgb${r}`, new EqualizedConv2d(c.channels, w(r), 1, "same", { seed: subSeed(c.seed, `fromrgb${r}`) })));
      if (r > 4) this.blocks.set(r, this.child(`b${r}`, new DBlock(r, w(r), w(r / 2), subSeed(c.seed, `b${r}`))));
    }
    this.last = this.child("b4", new DLast(w(4), c.mbstdGroupSize, subSeed(c.seed, "b4")));
  }

  /** Scores [n, 1] for images at resolution `res`. */
  apply(x: tf.Tensor4D, res: number, alpha = 1, fading = false): tf.Tensor2D {
    let h = this.fromRGB.get(res)!.apply(x, "leakyrelu");
    if (res > 4) {
      h = this.blocks.get(res)!.apply(h);
      if (fading) h = lerp(this.fromRGB.get(res / 2)!.apply(avgPool2x(x), "leakyrelu"), h, alpha);
    }
    for (let r = res / 2; r >= 8; r /= 2) h = this.blocks.get(r)!.apply(h);
    return this.last.apply(h);
  }

  private used(res: number, fading: boolean): Module[] {
    const out: Module[] = [this.fromRGB.get(res)!];
    if (fading) out.push(this.fromRGB.get(res / 2)!);
    for (let r = res; r >= 8; r /= 2) out.push(this.blocks.get(r)!);
    out.push(this.last);
    return out;
  }

  variablesFor(res: number, fading: boolean): tf.Variable[] {
    return this.used(res, fading).flatMap((m) => m.trainableVariables());
  }

  /** Forward FLOPs per example, the input layer(s) (fromRGB) first. */
  layerFlops(res: number, fading: boolean): number[] {
    let first = convFlops(this.fromRGB.get(res)!, res);
    if (fading) first += convFlops(this.fromRGB.get(res / 2)!, res / 2);
    const out = [first];
    for (let r = res; r >= 8; r /= 2) out.push(...this.blocks.get(r)!.layerFlops());
    return [...out, ...this.last.layerFlops()];
  }
}

// ---------------------------------------------------------------------------------------------
// Losses

export interface WganGpParts {
  loss: tf.Scalar;
  dReal: tf.Scalar;
  dFake: tf.Scalar;
  /** E[(||grad D(xhat)||_2 - 1)^2], before the lambda weight. */
  penalty: tf.Scalar;
}

/**
 * D's WGAN-GP loss E[D(fake)] - E[D(real)] + lambda E[(||grad_xhat D(xhat)||_2 - 1)^2] + drift E[D(real)^2]
 * with xhat = real + eps (fake - real), eps one number per sample in [0, 1). The gradient is
 * that of sum_i D(xhat)_i, as the batch's samples interact through the minibatch-stddev layer.
 */
export function wganGpDiscriminatorLoss(d: (x: tf.Tensor4D) => tf.Tensor2D, real: tf.Tensor4D, fake: tf.Tensor4D, eps: tf.Tensor, lambda: number, drift: number): WganGpParts {
  const sReal = d(real);
  const sFake = d(fake);
  const xhat = tf.add(real, tf.mul(tf.sub(fake, real), tf.reshape(eps, [-1, 1, 1, 1]))) as tf.Tensor4D;
  const grad = tf.grad((x: tf.Tensor) => tf.sum(d(x as tf.Tensor4D)))(xhat);
  // A tiny constant under the root keeps its gradient finite if a sample's gradient vanishes.
  const norm = tf.sqrt(tf.add(tf.sum(tf.square(grad), [1, 2, 3]), 1e-12));
  const penalty = tf.mean(tf.square(tf.sub(norm, 1))) as tf.Scalar;
  const dReal = tf.mean(sReal) as tf.Scalar;
  const dFake = tf.mean(sFake) as tf.Scalar;
  const loss = tf.addN([tf.sub(dFake, dReal), tf.mul(penalty, lambda), tf.mul(tf.mean(tf.square(sReal)), drift)]) as tf.Scalar;
  return { loss, dReal, dFake, penalty };
}

// ---------------------------------------------------------------------------------------------
// The model

function isPow2(v: number): boolean {
  return Number.isInteger(v) && v > 0 && (v & (v - 1)) === 0;
}

export interface PgganState {
  imagesShown: number;
  phase: number;
  resolution: number;
  alpha: number;
  /** The phase the optimizers' state belongs to. */
  optimizerPhase: number;
}

export class Pggan implements GanModel {
  readonly name: string;
  readonly config: PgganConfig;
  readonly G: PgganGenerator;
  readonly D: PgganDiscriminator;
  /** The moving average of G's weights that samples come from, when `ema` > 0. */
  readonly Gavg: WeightAverage | null;
  readonly players: Player[];
  readonly divergenceHint = "Lower the learning rate (e.g. 1e-3 -> 5e-4) or raise gpLambda; check the data is in [-1, 1].";
  /** The schedule (one phase when nonProgressive). */
  readonly phases: Phase[];
  /** Real images shown to D so far. */
  imagesShown = 0;
  phaseIndex = 0;
  /** Current resolution of G's output and D's input. */
  resolution = 4;
  /** Fade-in weight of the newest block (1 outside fade phases). */
  alpha = 1;
  /** The phase the optimizers' state belongs to (the Trainer resets them when it changes). */
  optimizerPhase = 0;
  private lastBatchSize = 0;

  constructor(config: Partial<PgganConfig> = {}, name = config.nonProgressive ? "pggan-full" : "pggan") {
    const given: Partial<PgganConfig> = { ...config };
    // Nested settings may be given in part.
    if (config.optimizer && typeof config.optimizer === "object") given.optimizer = { ...PGGAN_DEFAULTS.optimizer, ...config.optimizer };
    if (config.batchSizes && typeof config.batchSizes === "object") given.batchSizes = { ...PGGAN_DEFAULTS.batchSizes, ...config.batchSizes };
    const size = given.imageSize ?? PGGAN_DEFAULTS.imageSize;
    const sizeOk = isPow2(size) && size >= 4 && size <= 1024;
    const batchRule: Rule = (v) => {
      const bad = Object.entries(v as Record<string, unknown>).filter(([, b]) => !(Number.isInteger(b) && (b as number) > 0));
      return bad.length ? `must map each resolution to a positive integer (bad: ${bad.map(([k, b]) => `${k}: ${JSON.stringify(b)}`).join(", ")})` : null;
    };
    const c = (this.config = checkConfig("PGGAN", PGGAN_DEFAULTS, given, {
      imageSize: (v) => (isPow2(v as number) && (v as number) >= 4 && (v as number) <= 1024 ? null : "must be a power of two from 4 to 1024"),
      channels: rules.positiveInt,
      latentDim: rules.positiveInt,
      fmapBase: (v) => rules.positiveInt(v) ?? (sizeOk && (v as number) < size ? `must be >= imageSize (${size}) so every resolution has a feature map` : null),
      fmapMax: rules.positiveInt,
      mbstdGroupSize: rules.nonNegativeInt,
      loss: rules.oneOf("wgan-gp", "lsgan"),
      gpLambda: rules.nonNegative,
      driftEpsilon: rules.nonNegative,
      imagesPerPhase: rules.positiveInt,
      batchSizes: batchRule,
      nonProgressive: rules.oneOf(true, false),
      optimizer: adamRule,
      ema: rules.emaDecay,
      seed: rules.nonNegativeInt,
    }));
    this.name = name;
    this.phases = pgganPhases(c);
    this.G = new PgganGenerator({ ...c, seed: subSeed(c.seed, "G") });
    this.D = new PgganDiscriminator({ ...c, seed: subSeed(c.seed, "D") });
    // Every block is built already, so the average covers them all; a block not trained yet keeps
    // its initial weights in both.
    this.Gavg = averageOf(this.G, c.ema);
    this.setProgress(0);
    this.optimizerPhase = this.phaseIndex;
    this.players = discriminatorThenGenerator(this, c.optimizer, () => this.currentVariables("D"), () => this.currentVariables("G"));
  }

  get phase(): Phase {
    return this.phases[this.phaseIndex];
  }

  get fading(): boolean {
    return this.phase.kind === "fade";
  }

  /** Images to show in total for the whole schedule. */
  get totalImages(): number {
    return this.phases[this.phases.length - 1].endImages;
  }

  /** Set resolution, phase and alpha from the number of real images shown to D. */
  setProgress(imagesShown: number): void {
    if (!(Number.isFinite(imagesShown) && imagesShown >= 0)) throw new UserError(`images shown must be a number >= 0, got ${imagesShown}`);
    this.imagesShown = imagesShown;
    let i = this.phases.findIndex((p) => imagesShown < p.endImages);
    if (i < 0) i = this.phases.length - 1;
    const p = this.phases[i];
    this.phaseIndex = i;
    this.resolution = p.resolution;
    this.alpha = p.kind === "fade" ? Math.min(1, Math.max(0, (imagesShown - p.startImages) / (p.endImages - p.startImages))) : 1;
  }

  /** Steps of `batchSize` (default: the phase's) until the current phase ends (at least 1). */
  stepsLeftInPhase(batchSize = this.phase.batchSize): number {
    return Math.max(1, Math.ceil((this.phase.endImages - this.imagesShown) / batchSize));
  }

  /** True when the phase changed since the optimizers were last (re)created. */
  optimizersStale(): boolean {
    return this.optimizerPhase !== this.phaseIndex;
  }

  /** Record that fresh optimizers now serve the current phase. */
  optimizersReset(): void {
    this.optimizerPhase = this.phaseIndex;
  }

  private currentVariables(player: "D" | "G"): tf.Variable[] {
    if (this.optimizersStale()) {
      throw new UserError(
        `${this.name}: training moved from phase ${this.optimizerPhase} to phase ${this.phaseIndex} (${this.phase.kind} at ${this.resolution}x${this.resolution}) ` +
          `without fresh optimizers: they must be reset at every phase boundary; train through the kit's Trainer (it resets them)`,
      );
    }
    const net = player === "D" ? this.D : this.G;
    return net.variablesFor(this.resolution, this.fading);
  }

  latent(n: number, seed: number): tf.Tensor2D {
    return tf.randomNormal([n, this.config.latentDim], 0, 1, "float32", tfSeed(seed));
  }

  /** Real images at the current resolution (average-pooled), blended between resolutions in a fade. */
  realAt(x: tf.Tensor4D): tf.Tensor4D {
    const size = x.shape[1];
    const res = this.resolution;
    const f = size / res;
    if (!isPow2(f) || x.shape[2] !== size) {
      throw new UserError(`${this.name} needs square images whose size is ${res} x a power of two (final size ${this.config.imageSize}), got ${x.shape.slice(1).join("x")}`);
    }
    const xr = f === 1 ? x : tf.avgPool(x, f, f, "valid");
    if (!this.fading) return xr;
    return lerp(upsample2x(tf.avgPool(xr, 2, 2, "valid")), xr, this.alpha);
  }

  /** D's scores in the current phase. */
  score(x: tf.Tensor4D): tf.Tensor2D {
    return this.D.apply(x, this.resolution, this.alpha, this.fading);
  }

  /** G's images in the current phase. */
  synth(z: tf.Tensor2D): tf.Tensor4D {
    return this.G.apply(z, this.resolution, this.alpha, this.fading);
  }

  dLoss(batch: Batch, ctx: StepContext): LossOutput {
    const n = batch.x.shape[0];
    this.lastBatchSize = n;
    const real = this.realAt(batch.x as tf.Tensor4D);
    const fake = this.synth(this.latent(n, subSeed(ctx.seed, "z")));
    const c = this.config;
    if (c.loss === "lsgan") {
      const sReal = this.score(real);
      const sFake = this.score(fake);
      const loss = tf.mul(tf.add(tf.mean(tf.square(tf.sub(sReal, 1))), tf.mean(tf.square(sFake))), 0.5) as tf.Scalar;
      return { loss, logs: { D_real: tf.mean(sReal) as tf.Scalar, D_fake: tf.mean(sFake) as tf.Scalar } };
    }
    const eps = tf.randomUniform([n], 0, 1, "float32", subSeed(ctx.seed, "eps"));
    const parts = wganGpDiscriminatorLoss((x) => this.score(x), real, fake, eps, c.gpLambda, c.driftEpsilon);
    return { loss: parts.loss, logs: { D_real: parts.dReal, D_fake: parts.dFake, GP: parts.penalty } };
  }

  gLoss(batch: Batch, ctx: StepContext): LossOutput {
    const n = batch.x.shape[0];
    this.lastBatchSize = n;
    const s = this.score(this.synth(this.latent(n, subSeed(ctx.seed, "z"))));
    if (this.config.loss === "lsgan") return { loss: tf.mul(tf.mean(tf.square(tf.sub(s, 1))), 0.5) as tf.Scalar };
    return { loss: tf.neg(tf.mean(s)) as tf.Scalar };
  }

  /**
   * Advance the images shown by the step's batch size and update phase and alpha. Logs the
   * resolution and alpha the step trained at, and the thousands of images shown after it.
   */
  afterStep(): Record<string, number> {
    this.Gavg?.update();
    const { resolution, alpha } = this;
    this.setProgress(this.imagesShown + this.lastBatchSize);
    return { resolution, alpha, kimg: this.imagesShown / 1000 };
  }

  modules(): Record<string, Module> {
    return ganModules(this.G, this.D, this.Gavg);
  }

  state(): Record<string, unknown> {
    const s: PgganState = { imagesShown: this.imagesShown, phase: this.phaseIndex, resolution: this.resolution, alpha: this.alpha, optimizerPhase: this.optimizerPhase };
    return { ...s };
  }

  loadState(state: Record<string, unknown>): void {
    const { imagesShown, optimizerPhase } = state;
    if (typeof imagesShown !== "number" || typeof optimizerPhase !== "number") throw new UserError(`${this.name} checkpoint without its progress (images shown, phase)`);
    this.setProgress(imagesShown);
    // The saved optimizers serve `optimizerPhase`: if the schedule now puts these images in
    // another phase, the next phase boundary check resets them.
    this.optimizerPhase = optimizerPhase;
  }

  /** Samples at the current resolution (in a fade: the blended output); from the averaged G when there is one. */
  generate(n: number, seed: number): tf.Tensor4D {
    return withAverage(this.Gavg, () => tf.tidy(() => this.synth(this.latent(n, seed))));
  }

  /** Samples upsampled (nearest neighbour) to `size` (default: the final resolution). */
  generateAt(n: number, seed: number, size = this.config.imageSize): tf.Tensor4D {
    return withAverage(this.Gavg, () =>
      tf.tidy(() => {
        const x = this.synth(this.latent(n, seed));
        return size === this.resolution ? x : tf.image.resizeNearestNeighbor(x, [size, size]);
      }),
    );
  }

  /** G at the current resolution from latent codes you choose (the averaged G when there is one). */
  generateFrom(z: tf.Tensor2D): tf.Tensor4D {
    return withAverage(this.Gavg, () => tf.tidy(() => this.synth(z)));
  }

  /**
   * Convolution and dense FLOPs of one step in the current phase (both toRGB / fromRGB layers in
   * a fade). Without the penalty: gameFlops (D on real and fake, G on one batch; see
   * src/train/flops.ts). WGAN-GP adds per example, with F_D = D's forward FLOPs and F_D1 its
   * input layers': D forward on xhat (F_D), the input gradient of that pass (F_D, every layer
   * including the first), and the outer backward through both: weight and input gradients of the
   * forward ops (2 F_D less the first layer's input gradient F_D1) and the two gradients of each
   * backward op, w.r.t. its filter and its incoming gradient (2 F_D): 6 F_D - F_D1.
   */
  flopsPerStep(batchSize: number): number {
    const g = this.G.layerFlops(this.resolution, this.fading);
    const d = this.D.layerFlops(this.resolution, this.fading);
    const base = gameFlops(g, d, batchSize);
    if (this.config.loss !== "wgan-gp") return base;
    const fd = d.reduce((a, b) => a + b, 0);
    return base + batchSize * (6 * fd - d[0]);
  }

  dispose(): void {
    for (const m of Object.values(this.modules())) m.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Driving the schedule with the shared trainer

/** The trainer's options, with the schedule choosing steps and (by default) batch sizes. */
export interface ProgressiveOptions extends Omit<TrainOptions, "steps" | "batchSize"> {
  /** Stop once this many real images were shown (default: the whole schedule). */
  totalImages?: number;
  /** A fixed batch size instead of the per-resolution schedule. */
  batchSize?: number;
  /** Split phases into runs of at most this many steps (callbacks' onEnd run after each). */
  maxStepsPerRun?: number;
}

/**
 * Train along the schedule: one trainer.run per phase (or chunk of one) with the phase's batch
 * size, the optimizers reset at every phase boundary. Resumes from wherever the model's progress
 * is (e.g. after trainer.load). Returns the trainer's history.
 */
export async function trainProgressive(trainer: Trainer, data: BatchSource, o: ProgressiveOptions = {}): Promise<StepRecord[]> {
  const model = trainer.model;
  if (!(model instanceof Pggan)) throw new UserError(`trainProgressive needs a PGGAN model, got "${model.name}"`);
  const total = o.totalImages ?? model.totalImages;
  let step = o.startStep ?? (trainer.history.length ? trainer.history[trainer.history.length - 1].step + 1 : 0);
  while (model.imagesShown < total) {
    const batchSize = o.batchSize ?? model.phase.batchSize;
    const last = model.phaseIndex === model.phases.length - 1;
    const phaseLeft = last ? Infinity : model.phase.endImages - model.imagesShown;
    const steps = Math.min(Math.max(1, Math.ceil(Math.min(phaseLeft, total - model.imagesShown) / batchSize)), o.maxStepsPerRun ?? Infinity);
    const before = trainer.history.length;
    const { totalImages: _t, maxStepsPerRun: _m, ...runOptions } = o;
    await trainer.run(data, { ...runOptions, steps, batchSize, startStep: step });
    step += trainer.history.length - before;
    if (trainer.interrupted || trainer.reachedDeadline) break;
  }
  return trainer.history;
}
