/**
 * BEGAN (Berthelot, Schumm, Metz 2017) and the "improved BEGAN" of the seed paper
 * (Park, Kim, Kim: "A Study on Performance Improvement of BEGAN Generative Model").
 *
 * The discriminator is an auto-encoder D = decoder(encoder(v)); its loss on an image is the
 * pixelwise L1 reconstruction error L(v) = mean |v - D(v)|. With k_t balancing the two terms:
 *   L_D = L(x) - k_t L(G(z_D))          L_G = L(G(z_G))
 *   k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z_G))), 0, 1)
 *   M_global = L(x) + |gamma L(x) - L(G(z_G))|        (the convergence measure)
 * G and D are updated simultaneously from the same weights (not alternately).
 *
 * Networks (n filters, 3x3 convolutions, z and the auto-encoder's embedding of size h):
 * - generator = decoder: Dense(h -> 8*8*n), then one stage per resolution 8, 16, ..., size with
 *   `decoderRepeat` convs n -> n each and nearest-neighbour 2x upsampling between stages, then a
 *   conv n -> channels (linear output);
 * - encoder: conv channels -> n, then one block per resolution size, ..., 8 with filters growing
 *   linearly (n, 2n, 3n, ...): `encoderRepeat - 1` convs c -> c, then a stride-2 conv to the next
 *   block's width (the last block: one more conv c -> c), then Dense(8*8*c -> h).
 * With n = 64, h = 32 at 64x64 this gives exactly Table 2's BEGAN counts: generator = decoder
 * 432,323 and encoder 2,960,608 (tests/began.test.ts). The improved model changes the activation
 * to LeakyReLU 0.2 (baseline: ELU) and the encoder to 3 convs per block, as the paper's text says;
 * its Table 2 counts (G 864,963, encoder 2,680,608) are not reached by any architecture the text
 * describes: see the BEGAN notebook for the closest ones and the differences.
 */
import * as tf from "@tensorflow/tfjs";
import { Conv2d, Dense } from "../nn/layers";
import { Module } from "../nn/module";
import { glorotUniform, subSeed } from "../nn/init";
import { gameFlops } from "../train/flops";
import { AdamConfig, Batch, GanModel, LossOutput, Player, StepContext, discriminatorThenGenerator } from "../train/types";
import { UserError } from "../errors";
import { adamRule, checkConfig, rules } from "../train/config";

export interface BeganConfig {
  imageSize: number;
  channels: number;
  /** Base number of filters. */
  n: number;
  /** Size of z and of the auto-encoder's embedding. */
  h: number;
  /** Convolutions per encoder block (the last one downsamples). */
  encoderRepeat: number;
  /** Convolutions per generator / decoder stage. */
  decoderRepeat: number;
  activation: "elu" | "leakyrelu";
  /**
   * "text": the networks above (BEGAN's, and the improved model as its text describes it);
   * "table2": the improved model's closest-count architecture, whose generator + encoder sum
   * matches Table 2 (see TABLE2_IMPROVED_BEGAN). `encoderRepeat` / `decoderRepeat` apply to "text" only.
   */
  layout: "text" | "table2";
  gamma: number;
  lambdaK: number;
  k0: number;
  optimizer: AdamConfig;
  seed: number;
}

/** The paper's settings (Sec. 4.2): gamma 0.5, lambda_k 0.001, k_0 0, z of 32, Adam 1e-3 / 0.9 / 0.999. */
export const BEGAN_DEFAULTS: BeganConfig = {
  imageSize: 64,
  channels: 3,
  n: 64,
  h: 32,
  encoderRepeat: 2,
  decoderRepeat: 2,
  activation: "elu",
  layout: "text",
  gamma: 0.5,
  lambdaK: 0.001,
  k0: 0,
  optimizer: { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  seed: 0,
};

/** The improved BEGAN as its text describes it: LeakyReLU 0.2, encoder blocks of 3, G/decoder 2. */
export const IMPROVED_BEGAN: Partial<BeganConfig> = { activation: "leakyrelu", encoderRepeat: 3, decoderRepeat: 2 };

/**
 * The improved BEGAN with the closest-count architecture to its Table 2 (LeakyReLU 0.2 as its
 * text says). No architecture its text describes reaches Table 2's counts; the nearest natural ones
 * (searched in the BEGAN notebook) miss by +832 (encoder) and -832 (generator = decoder), so G +
 * encoder equals Table 2's sum exactly. For images of size s and width n:
 * - encoder: conv channels -> n, then (n -> 2n stride 2, 2n -> 2n), (2n -> 3n stride 2, 3n -> 3n),
 *   (3n -> 3n), then Dense((s/4)^2 * 3n -> h): at 64x64, n = 64, h = 32: 2,681,440 parameters;
 * - generator = decoder: Dense(h -> (s/8)^2 * 2n), two stages of two convs 2n -> 2n each after a
 *   2x nearest upsampling, a third upsampling, then a conv 2n -> channels: 864,131 parameters.
 */
export const TABLE2_IMPROVED_BEGAN: Partial<BeganConfig> = { activation: "leakyrelu", layout: "table2" };

function stagesFor(size: number): number {
  const stages = Math.log2(size / 8) + 1;
  if (!Number.isInteger(stages) || stages < 1) throw new UserError(`BEGAN image size ${size} is not supported: use 8 * 2^k (8, 16, 32, 64, 128, ...)`);
  return stages;
}

/** One convolution with where it runs (for FLOP counts). */
interface Placed {
  conv: Conv2d;
  outSize: number;
}

export class BeganDecoder extends Module {
  readonly fc: Dense;
  readonly convs: Placed[] = [];
  readonly out: Conv2d;
  /** Size and width of the first feature map. */
  readonly base: number;
  readonly width: number;
  constructor(readonly c: BeganConfig) {
    super();
    const init = glorotUniform;
    const stages = stagesFor(c.imageSize);
    const table2 = c.layout === "table2";
    if (table2 && c.imageSize < 16) throw new UserError(`the table2 BEGAN layout needs images of at least 16x16, got ${c.imageSize}`);
    this.base = table2 ? c.imageSize / 8 : 8;
    this.width = table2 ? 2 * c.n : c.n;
    const w = this.width;
    this.fc = this.child("fc", new Dense(c.h, this.base * this.base * w, { init, seed: subSeed(c.seed, "fc") }));
    // text: one stage per resolution 8 .. size; table2: two stages at 2x and 4x the base size.
    const plan = table2 ? [2 * this.base, 4 * this.base] : Array.from({ length: stages }, (_, s) => 8 * 2 ** s);
    const repeat = table2 ? 2 : c.decoderRepeat;
    plan.forEach((size, s) => {
      for (let r = 0; r < repeat; r++) {
        const conv = this.child(`conv${s}_${r}`, new Conv2d(w, w, 3, 1, "same", { init, seed: subSeed(c.seed, `conv${s}_${r}`) }));
        this.convs.push({ conv, outSize: size });
      }
    });
    this.out = this.child("out", new Conv2d(w, c.channels, 3, 1, "same", { init, seed: subSeed(c.seed, "out") }));
  }

  apply(z: tf.Tensor2D): tf.Tensor4D {
    const { c } = this;
    let x = this.fc.apply(z).reshape([z.shape[0], this.base, this.base, this.width]) as tf.Tensor4D;
    for (const { conv, outSize } of this.convs) {
      if (x.shape[1] < outSize) x = tf.image.resizeNearestNeighbor(x, [outSize, outSize]);
      x = conv.apply(x, c.activation);
    }
    if (x.shape[1] < c.imageSize) x = tf.image.resizeNearestNeighbor(x, [c.imageSize, c.imageSize]);
    return this.out.apply(x);
  }

  layerFlops(): number[] {
    return [this.fc.flops(), ...this.convs.map(({ conv, outSize }) => conv.flops(outSize, outSize)), this.out.flops(this.c.imageSize, this.c.imageSize)];
  }
}

export class BeganEncoder extends Module {
  readonly first: Conv2d;
  readonly convs: Placed[] = [];
  readonly fc: Dense;
  constructor(readonly c: BeganConfig) {
    super();
    const init = glorotUniform;
    this.first = this.child("conv_in", new Conv2d(c.channels, c.n, 3, 1, "same", { init, seed: subSeed(c.seed, "conv_in") }));
    let size = c.imageSize;
    const add = (name: string, from: number, to: number, stride: number) => {
      const conv = this.child(name, new Conv2d(from, to, 3, stride, "same", { init, seed: subSeed(c.seed, name) }));
      if (stride === 2) size /= 2;
      this.convs.push({ conv, outSize: size });
    };
    if (c.layout === "table2") {
      if (c.imageSize < 16) throw new UserError(`the table2 BEGAN layout needs images of at least 16x16, got ${c.imageSize}`);
      const n = c.n;
      // (in, out, stride) per block: (n -> 2n s2, 2n -> 2n), (2n -> 3n s2, 3n -> 3n), (3n -> 3n).
      const blocks: [number, number, number][][] = [[[n, 2 * n, 2], [2 * n, 2 * n, 1]], [[2 * n, 3 * n, 2], [3 * n, 3 * n, 1]], [[3 * n, 3 * n, 1]]];
      blocks.forEach((convs, b) => convs.forEach(([from, to, stride], r) => add(`conv${b}_${r}`, from, to, stride)));
      this.fc = this.child("fc", new Dense((c.imageSize / 4) ** 2 * 3 * n, c.h, { init, seed: subSeed(c.seed, "fc") }));
      return;
    }
    const blocks = stagesFor(c.imageSize);
    for (let b = 0; b < blocks; b++) {
      const width = c.n * (b + 1);
      const last = b === blocks - 1;
      for (let r = 0; r < c.encoderRepeat; r++) {
        const down = !last && r === c.encoderRepeat - 1;
        add(`conv${b}_${r}`, width, down ? c.n * (b + 2) : width, down ? 2 : 1);
      }
    }
    this.fc = this.child("fc", new Dense(8 * 8 * c.n * blocks, c.h, { init, seed: subSeed(c.seed, "fc") }));
  }

  apply(x: tf.Tensor4D): tf.Tensor2D {
    const act = this.c.activation;
    let y = this.first.apply(x, act);
    for (const { conv } of this.convs) y = conv.apply(y, act);
    return this.fc.apply(y.reshape([y.shape[0], -1]));
  }

  layerFlops(): number[] {
    const s = this.c.imageSize;
    return [this.first.flops(s, s), ...this.convs.map(({ conv, outSize }) => conv.flops(outSize, outSize)), this.fc.flops()];
  }
}

/** The auto-encoder discriminator. */
export class BeganDiscriminator extends Module {
  readonly encoder: BeganEncoder;
  readonly decoder: BeganDecoder;
  constructor(c: BeganConfig) {
    super();
    this.encoder = this.child("encoder", new BeganEncoder({ ...c, seed: subSeed(c.seed, "encoder") }));
    this.decoder = this.child("decoder", new BeganDecoder({ ...c, seed: subSeed(c.seed, "decoder") }));
  }
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return this.decoder.apply(this.encoder.apply(x));
  }
}

/** L(v) = mean |v - D(v)|. */
export function reconstructionLoss(v: tf.Tensor4D, reconstruction: tf.Tensor4D): tf.Scalar {
  return tf.mean(tf.abs(tf.sub(v, reconstruction))) as tf.Scalar;
}

/** k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z_G))), 0, 1). */
export function updateK(k: number, lambdaK: number, gamma: number, lossReal: number, lossFake: number): number {
  return Math.min(1, Math.max(0, k + lambdaK * (gamma * lossReal - lossFake)));
}

/** M_global = L(x) + |gamma L(x) - L(G(z_G))|. */
export function mGlobal(gamma: number, lossReal: number, lossFake: number): number {
  return lossReal + Math.abs(gamma * lossReal - lossFake);
}

export class Began implements GanModel {
  readonly name: string;
  readonly config: BeganConfig;
  readonly G: BeganDecoder;
  readonly D: BeganDiscriminator;
  readonly players: Player[];
  readonly updates = "simultaneous" as const;
  readonly divergenceHint = "Lower the learning rate (e.g. 1e-3 -> 5e-4), or lambda_k; a gamma closer to 1 also steadies k_t.";
  /** k_t, the weight of the fake term in L_D. */
  k: number;

  constructor(config: Partial<BeganConfig> = {}, name = "began") {
    const c = (this.config = checkConfig("BEGAN", BEGAN_DEFAULTS, config, {
      imageSize: rules.positiveInt,
      channels: rules.positiveInt,
      n: rules.positiveInt,
      h: rules.positiveInt,
      encoderRepeat: rules.positiveInt,
      decoderRepeat: rules.positiveInt,
      activation: rules.oneOf("elu", "leakyrelu"),
      layout: rules.oneOf("text", "table2"),
      gamma: rules.inHalfOpen(0, 1),
      lambdaK: rules.nonNegative,
      k0: rules.inClosed(0, 1),
      optimizer: adamRule,
      seed: rules.nonNegativeInt,
    }));
    stagesFor(c.imageSize);
    this.name = name;
    this.k = c.k0;
    this.G = new BeganDecoder({ ...c, seed: subSeed(c.seed, "G") });
    this.D = new BeganDiscriminator({ ...c, seed: subSeed(c.seed, "D") });
    this.players = discriminatorThenGenerator(this, c.optimizer, () => this.D.trainableVariables(), () => this.G.trainableVariables());
  }

  latent(n: number, seed: number): tf.Tensor2D {
    return tf.randomUniform([n, this.config.h], -1, 1, "float32", seed);
  }

  dLoss(batch: Batch, ctx: StepContext): LossOutput {
    const x = batch.x as tf.Tensor4D;
    const fake = this.G.apply(this.latent(x.shape[0], ctx.seed));
    const lossReal = reconstructionLoss(x, this.D.apply(x));
    const lossFake = reconstructionLoss(fake, this.D.apply(fake));
    return { loss: tf.sub(lossReal, tf.mul(lossFake, this.k)) as tf.Scalar, logs: { L_x: lossReal, L_GzD: lossFake } };
  }

  gLoss(batch: Batch, ctx: StepContext): LossOutput {
    const fake = this.G.apply(this.latent(batch.x.shape[0], ctx.seed));
    const lossFake = reconstructionLoss(fake, this.D.apply(fake));
    return { loss: lossFake, logs: { L_GzG: tf.clone(lossFake) } };
  }

  afterStep(logs: Record<string, number>): Record<string, number> {
    const { gamma, lambdaK } = this.config;
    const m = mGlobal(gamma, logs.L_x, logs.L_GzG);
    this.k = updateK(this.k, lambdaK, gamma, logs.L_x, logs.L_GzG);
    return { k: this.k, M_global: m };
  }

  modules(): Record<string, Module> {
    return { G: this.G, encoder: this.D.encoder, decoder: this.D.decoder };
  }

  state(): Record<string, unknown> {
    return { k: this.k };
  }

  loadState(state: Record<string, unknown>): void {
    if (typeof state.k !== "number") throw new UserError("BEGAN checkpoint without k_t");
    this.k = state.k;
  }

  generate(n: number, seed: number): tf.Tensor4D {
    return tf.tidy(() => this.G.apply(this.latent(n, seed)));
  }

  /** G from latent codes you choose (latent walks). */
  generateFrom(z: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => this.G.apply(z));
  }

  flopsPerStep(batchSize: number): number {
    return gameFlops(this.G.layerFlops(), [...this.D.encoder.layerFlops(), ...this.D.decoder.layerFlops()], batchSize);
  }

  dispose(): void {
    this.G.dispose();
    this.D.dispose();
  }
}

/**
 * Spread of images across a batch: the mean over pixels (and channels) of the standard deviation
 * across the batch. 0 when every image is the same.
 */
export function batchSpread(x: tf.Tensor4D): number {
  return tf.tidy(() => tf.mean(tf.sqrt(tf.moments(x, 0).variance)).dataSync()[0]);
}

/**
 * How much G's output depends on z: the spread (batchSpread) of `n` samples from different z,
 * relative to the spread of real images. 0 for a generator that ignores its input; about 1 when
 * samples vary across z as much as real images vary; well below 1 for a partly collapsed G.
 */
export function zDependence(model: { generate(n: number, seed: number): tf.Tensor }, real: tf.Tensor4D, n = 64, seed = 12345): number {
  const samples = model.generate(n, seed) as tf.Tensor4D;
  try {
    return batchSpread(samples) / batchSpread(real);
  } finally {
    samples.dispose();
  }
}
