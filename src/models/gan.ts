/**
 * The original GAN (Goodfellow et al. 2014): the minimax game
 *   min_G max_D V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]
 * with D and G as MLPs, and the generator loss selectable between the saturating
 * log(1 - D(G(z))) of the value function and the non-saturating -log D(G(z)) the paper recommends.
 *
 * D outputs a logit l, D = sigmoid(l); in logits log D = -softplus(-l) and log(1 - D) = -softplus(l),
 * which keeps the losses finite where D saturates.
 */
import * as tf from "@tensorflow/tfjs";
import { Dense, Activation } from "../nn/layers";
import { Module } from "../nn/module";
import { averageOf, ganModules, WeightAverage, withAverage } from "../nn/weight-average";
import { subSeed, tfSeed } from "../nn/init";
import { gameFlops } from "../train/flops";
import { adamRule, checkConfig, rules } from "../train/config";
import { AdamConfig, Batch, GanModel, LossOutput, Player, StepContext, discriminatorThenGenerator } from "../train/types";

export type GeneratorLoss = "saturating" | "non-saturating";

/** D's loss: -V(D, G) = -E[log D(x)] - E[log(1 - D(G(z)))], from logits. */
export function discriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.add(tf.mean(tf.softplus(tf.neg(realLogits))), tf.mean(tf.softplus(fakeLogits))) as tf.Scalar;
}

/**
 * G's loss from D's logits on G(z).
 * saturating:      E[log(1 - D(G(z)))]  = -E[softplus(l)]  (minimised: the minimax game)
 * non-saturating: -E[log D(G(z))]       =  E[softplus(-l)]
 */
export function generatorLoss(fakeLogits: tf.Tensor, kind: GeneratorLoss): tf.Scalar {
  return kind === "saturating"
    ? (tf.neg(tf.mean(tf.softplus(fakeLogits))) as tf.Scalar)
    : (tf.mean(tf.softplus(tf.neg(fakeLogits))) as tf.Scalar);
}

/** The value function V(D, G) itself, for logging. */
export function valueFunction(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.neg(discriminatorLoss(realLogits, fakeLogits)) as tf.Scalar;
}

export class Mlp extends Module {
  readonly layers: Dense[];
  constructor(sizes: number[], readonly hidden: Activation, readonly out: Activation, seed: number) {
    super();
    this.layers = sizes.slice(1).map((n, i) => this.child(`dense${i}`, new Dense(sizes[i], n, { seed: subSeed(seed, `dense${i}`) })));
  }
  apply(x: tf.Tensor): tf.Tensor2D {
    let h = x;
    this.layers.forEach((l, i) => {
      h = l.apply(h, i === this.layers.length - 1 ? this.out : this.hidden);
    });
    return h as tf.Tensor2D;
  }
  /** Forward FLOPs per example, per layer. */
  layerFlops(): number[] {
    return this.layers.map((l) => l.flops());
  }
}

export interface GanConfig {
  /** Data dimension: 2 for the mixtures, 784 for 28x28 images. */
  dataDim: number;
  /** Shape of one sample (e.g. [28, 28, 1]) when the data are images; [] means [dataDim]. */
  sampleShape: number[];
  latentDim: number;
  hidden: number[];
  generatorLoss: GeneratorLoss;
  /** Output activation of G: tanh for images in [-1, 1], linear for points. */
  output: "tanh" | "linear";
  /** Latent prior. */
  prior: "normal" | "uniform";
  optimizer: AdamConfig;
  /**
   * Decay of a moving average of G's weights that samples come from (src/nn/weight-average.ts),
   * e.g. 0.999; 0 (the default, the paper's model) samples the live G.
   */
  ema: number;
  seed: number;
}

export const GAN_DEFAULTS: GanConfig = {
  dataDim: 784,
  sampleShape: [],
  latentDim: 100,
  hidden: [256, 256],
  generatorLoss: "non-saturating",
  output: "tanh",
  prior: "uniform",
  optimizer: { lr: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 },
  ema: 0,
  seed: 0,
};

export function sampleLatent(n: number, dim: number, prior: "normal" | "uniform", seed: number): tf.Tensor2D {
  return prior === "normal" ? tf.randomNormal([n, dim], 0, 1, "float32", tfSeed(seed)) : tf.randomUniform([n, dim], -1, 1, "float32", seed);
}

export class Gan implements GanModel {
  readonly name = "gan";
  readonly config: GanConfig;
  readonly G: Mlp;
  readonly D: Mlp;
  readonly players: Player[];
  /** The moving average of G's weights that samples come from, when `ema` > 0. */
  readonly Gavg: WeightAverage | null;

  constructor(config: Partial<GanConfig> = {}) {
    const c = (this.config = checkConfig("GAN", GAN_DEFAULTS, config, {
      dataDim: rules.positiveInt,
      latentDim: rules.positiveInt,
      hidden: (v) => (Array.isArray(v) && v.every((n) => Number.isInteger(n) && n > 0) ? null : "must be a list of positive integers"),
      generatorLoss: rules.oneOf("saturating", "non-saturating"),
      output: rules.oneOf("tanh", "linear"),
      prior: rules.oneOf("normal", "uniform"),
      optimizer: adamRule,
      ema: rules.emaDecay,
      seed: rules.nonNegativeInt,
    }));
    this.G = new Mlp([c.latentDim, ...c.hidden, c.dataDim], "relu", c.output, subSeed(c.seed, "G"));
    this.D = new Mlp([c.dataDim, ...[...c.hidden].reverse(), 1], "leakyrelu", "linear", subSeed(c.seed, "D"));
    this.Gavg = averageOf(this.G, c.ema);
    this.players = discriminatorThenGenerator(this, c.optimizer, () => this.D.trainableVariables(), () => this.G.trainableVariables());
  }

  private flat(x: tf.Tensor): tf.Tensor2D {
    return x.reshape([x.shape[0], this.config.dataDim]) as tf.Tensor2D;
  }

  private fake(n: number, seed: number): tf.Tensor2D {
    return this.G.apply(this.latent(n, seed));
  }

  latent(n: number, seed: number): tf.Tensor2D {
    return sampleLatent(n, this.config.latentDim, this.config.prior, seed);
  }

  /** G from latent codes you choose (latent walks), in the data's shape; the averaged G when there is one. */
  generateFrom(z: tf.Tensor2D): tf.Tensor {
    return withAverage(this.Gavg, () =>
      tf.tidy(() => {
        const x = this.G.apply(z);
        return this.config.sampleShape.length ? x.reshape([z.shape[0], ...this.config.sampleShape]) : x;
      }),
    );
  }

  dLoss(batch: Batch, ctx: StepContext): LossOutput {
    const n = batch.x.shape[0];
    const real = this.D.apply(this.flat(batch.x));
    const fake = this.D.apply(this.fake(n, ctx.seed));
    return {
      loss: discriminatorLoss(real, fake),
      logs: { D_real: tf.mean(tf.sigmoid(real)) as tf.Scalar, D_fake: tf.mean(tf.sigmoid(fake)) as tf.Scalar },
    };
  }

  gLoss(batch: Batch, ctx: StepContext): LossOutput {
    const fake = this.D.apply(this.fake(batch.x.shape[0], ctx.seed));
    return { loss: generatorLoss(fake, this.config.generatorLoss) };
  }

  afterStep(): void {
    this.Gavg?.update();
  }

  modules(): Record<string, Module> {
    return ganModules(this.G, this.D, this.Gavg);
  }

  generate(n: number, seed: number): tf.Tensor {
    return tf.tidy(() => this.generateFrom(this.latent(n, seed)));
  }

  flopsPerStep(batchSize: number): number {
    return gameFlops(this.G.layerFlops(), this.D.layerFlops(), batchSize);
  }

  dispose(): void {
    for (const m of Object.values(this.modules())) m.dispose();
  }
}
