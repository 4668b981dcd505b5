/**
 * DCGAN (Radford, Metz, Chintala 2015), as the notes describe it:
 * - all-convolutional: strided convolutions in D and fractionally-strided (transposed) ones in G,
 *   no pooling, no fully connected hidden layers (G's first layer projects z and is reshaped to a
 *   4x4 (7x7 for 28x28 images) feature map; D's last feature map is flattened into one logit);
 * - batch norm in every layer except G's output and D's input;
 * - ReLU in G with tanh on the output; LeakyReLU 0.2 in D;
 * - weights from N(0, 0.02); Adam with lr 2e-4 and beta1 0.5; the GAN loss with the
 *   non-saturating generator objective.
 * Image sizes: 28 (MNIST: 7 -> 14 -> 28) and any 4 * 2^k (32, 64, ...).
 */
import * as tf from "@tensorflow/tfjs";
import { BatchNorm, ConvTranspose2d, Conv2d, Dense } from "../nn/layers";
import { Module } from "../nn/module";
import { normal002, subSeed } from "../nn/init";
import { gameFlops } from "../train/flops";
import { AdamConfig, Batch, GanModel, LossOutput, Player, StepContext, discriminatorThenGenerator } from "../train/types";
import { discriminatorLoss, generatorLoss, GeneratorLoss, sampleLatent } from "./gan";
import { UserError } from "../errors";
import { augment, AUGMENT_POLICIES, type AugmentPolicy } from "../nn/augment";
import { adamRule, checkConfig, rules } from "../train/config";
import { averageOf, ganModules, WeightAverage, withAverage } from "../nn/weight-average";

export interface DcganConfig {
  imageSize: number;
  channels: number;
  latentDim: number;
  /** Width of G's last hidden layer and D's first; doubled at every resolution step. */
  ngf: number;
  ndf: number;
  generatorLoss: GeneratorLoss;
  optimizer: AdamConfig;
  /**
   * Differentiable augmentation of D's inputs (src/nn/augment.ts): "none" (the paper) or
   * "translation" (DiffAugment's shifts, for small training sets).
   */
  augment: AugmentPolicy;
  /**
   * Decay of a moving average of G's weights used for sampling (src/nn/weight-average.ts), e.g.
   * 0.999; 0 (the paper) samples from the live G.
   */
  ema: number;
  seed: number;
}

export const DCGAN_DEFAULTS: DcganConfig = {
  imageSize: 28,
  channels: 1,
  latentDim: 100,
  ngf: 64,
  ndf: 64,
  generatorLoss: "non-saturating",
  optimizer: { lr: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 },
  augment: "none",
  ema: 0,
  seed: 0,
};

/** Base resolution and number of 2x steps for an image size. */
export function dcganPlan(size: number): { base: number; steps: number } {
  const base = size % 7 === 0 ? 7 : 4;
  const steps = Math.log2(size / base);
  if (!Number.isInteger(steps) || steps < 1) {
    throw new UserError(`DCGAN image size ${size} is not supported: use 28 or 4 * 2^k (8, 16, 32, 64, ...)`);
  }
  return { base, steps };
}

export class DcganGenerator extends Module {
  readonly project: Dense;
  readonly bn0: BatchNorm;
  readonly ups: ConvTranspose2d[] = [];
  readonly bns: BatchNorm[] = [];
  readonly base: number;
  readonly width0: number;

  constructor(readonly c: DcganConfig) {
    super();
    const { base, steps } = dcganPlan(c.imageSize);
    this.base = base;
    this.width0 = c.ngf * 2 ** (steps - 1);
    const init = normal002;
    this.project = this.child("project", new Dense(c.latentDim, base * base * this.width0, { init, seed: subSeed(c.seed, "project"), bias: false }));
    this.bn0 = this.child("bn0", new BatchNorm(base * base * this.width0));
    let w = this.width0;
    for (let i = 0; i < steps; i++) {
      const last = i === steps - 1;
      const out = last ? c.channels : w / 2;
      this.ups.push(this.child(`up${i}`, new ConvTranspose2d(w, out, 4, 2, "same", { init, seed: subSeed(c.seed, `up${i}`), bias: last })));
      if (!last) this.bns.push(this.child(`bn${i + 1}`, new BatchNorm(out)));
      w = out;
    }
  }

  apply(z: tf.Tensor2D, training: boolean): tf.Tensor4D {
    const n = z.shape[0];
    let h = tf.relu(this.bn0.apply(this.project.apply(z), training)).reshape([n, this.base, this.base, this.width0]) as tf.Tensor4D;
    this.ups.forEach((up, i) => {
      const y = up.apply(h);
      h = i < this.bns.length ? tf.relu(this.bns[i].apply(y, training)) : tf.tanh(y);
    });
    return h;
  }

  layerFlops(): number[] {
    const out = [this.project.flops()];
    let s = this.base;
    for (const up of this.ups) {
      out.push(up.flops(s, s));
      s *= 2;
    }
    return out;
  }
}

export class DcganDiscriminator extends Module {
  readonly convs: Conv2d[] = [];
  readonly bns: BatchNorm[] = [];
  readonly head: Dense;
  readonly base: number;

  constructor(readonly c: DcganConfig) {
    super();
    const { base, steps } = dcganPlan(c.imageSize);
    this.base = base;
    const init = normal002;
    let w = c.channels;
    for (let i = 0; i < steps; i++) {
      const out = c.ndf * 2 ** i;
      // No batch norm on D's input layer; biases only where no batch norm follows.
      this.convs.push(this.child(`conv${i}`, new Conv2d(w, out, 4, 2, "same", { init, seed: subSeed(c.seed, `conv${i}`), bias: i === 0 })));
      if (i > 0) this.bns.push(this.child(`bn${i}`, new BatchNorm(out)));
      w = out;
    }
    this.head = this.child("head", new Dense(base * base * w, 1, { init, seed: subSeed(c.seed, "head") }));
  }

  /** The conv trunk's features, flattened: [n, base * base * width]. */
  features(x: tf.Tensor4D, training: boolean): tf.Tensor2D {
    let h = x;
    this.convs.forEach((conv, i) => {
      h = i === 0 ? conv.apply(h, "leakyrelu") : tf.leakyRelu(this.bns[i - 1].apply(conv.apply(h), training), 0.2);
    });
    return h.reshape([h.shape[0], -1]);
  }

  /** Logits [n, 1]. */
  apply(x: tf.Tensor4D, training: boolean): tf.Tensor2D {
    return this.head.apply(this.features(x, training));
  }

  layerFlops(): number[] {
    const out: number[] = [];
    let s = this.c.imageSize;
    for (const conv of this.convs) {
      s = Math.ceil(s / 2);
      out.push(conv.flops(s, s));
    }
    return [...out, this.head.flops()];
  }
}

export class Dcgan implements GanModel {
  readonly name = "dcgan";
  readonly divergenceHint = "Lower the learning rate (e.g. 2e-4 -> 1e-4) or raise the batch size; keep beta1 at 0.5.";
  readonly config: DcganConfig;
  readonly G: DcganGenerator;
  readonly D: DcganDiscriminator;
  readonly players: Player[];
  /** The moving average of G's weights that samples come from, when `ema` > 0. */
  readonly Gavg: WeightAverage | null;

  constructor(config: Partial<DcganConfig> = {}) {
    const c = (this.config = checkConfig("DCGAN", DCGAN_DEFAULTS, config, {
      imageSize: rules.positiveInt,
      channels: rules.positiveInt,
      latentDim: rules.positiveInt,
      ngf: rules.positiveInt,
      ndf: rules.positiveInt,
      generatorLoss: rules.oneOf("saturating", "non-saturating"),
      optimizer: adamRule,
      augment: rules.oneOf(...AUGMENT_POLICIES),
      ema: rules.emaDecay,
      seed: rules.nonNegativeInt,
    }));
    this.G = new DcganGenerator({ ...c, seed: subSeed(c.seed, "G") });
    this.D = new DcganDiscriminator({ ...c, seed: subSeed(c.seed, "D") });
    this.Gavg = averageOf(this.G, c.ema);
    this.players = discriminatorThenGenerator(this, c.optimizer, () => this.D.trainableVariables(), () => this.G.trainableVariables());
  }

  latent(n: number, seed: number): tf.Tensor2D {
    return sampleLatent(n, this.config.latentDim, "uniform", seed);
  }

  dLoss(batch: Batch, ctx: StepContext): LossOutput {
    const n = batch.x.shape[0];
    const fake = this.G.apply(this.latent(n, ctx.seed), true);
    // Real and fake go through D as separate batches, so batch norm never mixes them.
    const a = this.config.augment;
    const realLogits = this.D.apply(augment(batch.x as tf.Tensor4D, a, subSeed(ctx.seed, "augment real")), true);
    const fakeLogits = this.D.apply(augment(fake, a, subSeed(ctx.seed, "augment fake")), true);
    return {
      loss: discriminatorLoss(realLogits, fakeLogits),
      logs: { D_real: tf.mean(tf.sigmoid(realLogits)) as tf.Scalar, D_fake: tf.mean(tf.sigmoid(fakeLogits)) as tf.Scalar },
    };
  }

  gLoss(batch: Batch, ctx: StepContext): LossOutput {
    const fake = augment(this.G.apply(this.latent(batch.x.shape[0], ctx.seed), true), this.config.augment, subSeed(ctx.seed, "augment fake"));
    return { loss: generatorLoss(this.D.apply(fake, true), this.config.generatorLoss) };
  }

  afterStep(): void {
    this.Gavg?.update();
  }

  modules(): Record<string, Module> {
    return ganModules(this.G, this.D, this.Gavg);
  }

  generate(n: number, seed: number): tf.Tensor4D {
    return tf.tidy(() => this.generateFrom(this.latent(n, seed)));
  }

  /** G from latent codes you choose (interpolation, vector arithmetic); the averaged G when there is one. */
  generateFrom(z: tf.Tensor2D): tf.Tensor4D {
    return withAverage(this.Gavg, () => tf.tidy(() => this.G.apply(z, false)));
  }

  flopsPerStep(batchSize: number): number {
    return gameFlops(this.G.layerFlops(), this.D.layerFlops(), batchSize);
  }

  dispose(): void {
    for (const m of Object.values(this.modules())) m.dispose();
  }
}
