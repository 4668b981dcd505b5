/**
 * t-GAN (Sun, Gao, Wang et al., "Generative adversarial networks with mixture of t-distributions
 * noise for diverse image generation", Neural Networks 122, 2020), as the notes describe it:
 *
 * - Latent noise from a mixture of N multivariate t-distributions,
 *     p(z') = sum_i pi_i t_nu(mu_i, Sigma_i):
 *   pick component i with probability pi_i, then z' = mu_i + L_i y / sqrt(w / nu) with
 *   y ~ N(0, I_p) and w ~ chi-square(nu) (L_i diagonal here: the scale vector sigma_i).
 *   As in DeLiGAN, which t-GAN extends, mu_i and sigma_i are learned by G's optimizer
 *   (reparameterised: the draw y, w is a constant, z' is differentiable in mu and sigma).
 * - A q-dimensional class codeword per class, c ~ N(m_y, 0.2^2 I_q), concatenated to the noise:
 *   G(z', c). The notes give the mean as "mu_i = l (1 <= i <= q)" for class l: every component of
 *   class l's codeword has mean l. We take l = y + 1 (classes numbered from 1 as in the notes)
 *   ("class-index", the default); "one-hot" (m_y = e_y), "random" (m_y ~ N(0, I) fixed by the
 *   seed) and "learned" (m_y starts as "random" and G's optimizer trains it: a class embedding) are
 *   offered as alternatives (src/experiments/tgan-codewords.ts compares them). The means are a
 *   variable in G (trainable only when "learned"), so checkpoints carry them.
 * - An auxiliary classifier C as a second head on D's features:
 *     L_C = -E_x[log C(y|x)] - E_{z',c}[log C(y_c|G(z', c))]
 *     L_G = G_loss + alpha L_C        L_D = D_loss + alpha L_C
 *   with G_loss = -E log D(G(z', c)) (non-saturating) and D_loss the GAN cross-entropy; both
 *   players minimise their L. The real term of L_C does not depend on G, so G's loss computes
 *   only the fake term (same gradient, one D pass less).
 *   `classifierTrainsOnFakes: false` drops the fake term from D's L_C (D fits its class head to
 *   real images only; G's loss is unchanged). The notes' L_D lets D learn the classes G's fakes
 *   were asked for, and on ten MNIST classes G and D then agreed on class signatures a real-data
 *   classifier does not read; the image sweep's t-GAN therefore sets it (results/tgan/class-probe).
 *
 * Not in the notes, our choices (documented defaults): nu = 3, N = 10 components with pi uniform,
 * mu_i ~ U(-1, 1) and sigma_i = 0.2 at start (DeLiGAN's initialisation), noise p = 100,
 * codeword q = 10, alpha = 1, no sigma regulariser (the notes mention none; DeLiGAN's
 * lambda sum (1 - sigma)^2 is available as `sigmaReg`).
 *
 * The same configurable implementation (latent prior: gaussian | gaussian-mixture | t-mixture;
 * conditioning: none | one-hot | codeword; auxiliary classifier on or off; conv or MLP networks)
 * also gives the baselines: DeLiGAN (src/models/deligan.ts) and ACGAN (src/models/acgan.ts).
 * Networks: the DCGAN generator and discriminator of src/models/dcgan.ts for images (D gets a
 * class head on its last feature map), or MLPs (ReLU G, LeakyReLU D, as src/models/gan.ts) for
 * the 2-D mixtures.
 */
import { ModelSettings, userSettings } from "./settings";
import * as tf from "@tensorflow/tfjs";
import { Dense } from "../nn/layers";
import { Module } from "../nn/module";
import { averageOf, ganModules, WeightAverage, withAverage } from "../nn/weight-average";
import { normal002, subSeed } from "../nn/init";
import { gameFlops } from "../train/flops";
import { adamRule, checkConfig, Rule, rules } from "../train/config";
import { AdamConfig, Batch, GanModel, LossOutput, Player, StepContext, discriminatorThenGenerator } from "../train/types";
import { UserError } from "../errors";
import { mulberry32, normalFrom } from "../data/rng";
import { labelRange, type Dataset } from "../data/dataset";
import { discriminatorLoss, generatorLoss, GeneratorLoss, Mlp } from "./gan";
import { DcganConfig, DcganDiscriminator, DcganGenerator } from "./dcgan";

// ---------------------------------------------------------------------------------------------
// Sampling: mixture of t (or Gaussian) noise, drawn in JavaScript from a seed.
// ---------------------------------------------------------------------------------------------

/**
 * Gamma(shape, scale 1) by Marsaglia and Tsang (2000), with the U^(1/shape) boost for shape < 1.
 * (tf.randomGamma is not used: it treats a seed of 0 as "no seed", and its beta acts as a scale
 * although documented as a rate.)
 */
export function gammaSample(shape: number, rand: () => number, normal: () => number): number {
  if (!(shape > 0)) throw new UserError(`gamma shape must be > 0, got ${shape}`);
  const boost = shape < 1;
  const d = (boost ? shape + 1 : shape) - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = Math.max(rand(), 1e-300);
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
      const g = d * v;
      return boost ? g * Math.pow(Math.max(rand(), 1e-300), 1 / shape) : g;
    }
  }
}

/** chi-square(nu) = 2 Gamma(nu / 2, 1). */
export function chiSquareSample(nu: number, rand: () => number, normal: () => number): number {
  return 2 * gammaSample(nu / 2, rand, normal);
}

export interface MixtureNoise {
  /** Component of each draw. */
  component: Int32Array;
  /** y sqrt(nu / w) per draw, [n * p] row-major (y alone for Gaussian components). */
  noise: Float32Array;
}

/**
 * The random part of n mixture draws: components with probabilities `weights` (normalised) and
 * standard noise y / sqrt(w / nu), y ~ N(0, I_p), w ~ chi-square(nu); nu = null gives Gaussian
 * noise. z = mu_component + sigma_component * noise. Deterministic in `seed`.
 */
export function drawMixtureNoise(n: number, p: number, weights: number[], nu: number | null, seed: number): MixtureNoise {
  const rand = mulberry32(seed);
  const normal = normalFrom(rand);
  const total = weights.reduce((a, b) => a + b, 0);
  const cum: number[] = [];
  let acc = 0;
  for (const w of weights) cum.push((acc += w / total));
  const component = new Int32Array(n);
  const noise = new Float32Array(n * p);
  for (let i = 0; i < n; i++) {
    const u = rand();
    let k = 0;
    while (k < cum.length - 1 && u >= cum[k]) k++;
    component[i] = k;
    const scale = nu === null ? 1 : Math.sqrt(nu / Math.max(chiSquareSample(nu, rand, normal), 1e-30));
    for (let j = 0; j < p; j++) noise[i * p + j] = normal() * scale;
  }
  return { component, noise };
}

function oneHotRows(index: ArrayLike<number>, k: number): tf.Tensor2D {
  const out = new Float32Array(index.length * k);
  for (let i = 0; i < index.length; i++) out[i * k + index[i]] = 1;
  return tf.tensor2d(out, [index.length, k]);
}

export interface MixtureLatentConfig {
  /** "gaussian": a single N(0, I) (nothing learned); otherwise a mixture of Gaussians or of t. */
  prior: LatentPrior;
  components: number;
  dim: number;
  nu: number;
  /** Mixture weights pi (normalised); [] means uniform. */
  weights: number[];
  /** mu and sigma trainable (DeLiGAN) or fixed at their initial values. */
  learned: boolean;
  /** mu_i ~ U(-muInit, muInit). */
  muInit: number;
  /** sigma_i = sigmaInit at start. */
  sigmaInit: number;
  seed: number;
}

/** The latent prior as a module: mu and sigma [N, p] are variables (checkpointed either way). */
export class MixtureLatent extends Module {
  readonly mu: tf.Variable;
  readonly sigma: tf.Variable;
  readonly weights: number[];
  readonly nu: number | null;

  constructor(readonly c: MixtureLatentConfig) {
    super();
    const single = c.prior === "gaussian";
    const n = single ? 1 : c.components;
    this.weights = single ? [1] : c.weights.length ? c.weights.slice() : new Array(n).fill(1);
    this.nu = c.prior === "t-mixture" ? c.nu : null;
    const trainable = c.learned && !single;
    const mu = single ? tf.zeros([1, c.dim]) : tf.randomUniform([n, c.dim], -c.muInit, c.muInit, "float32", subSeed(c.seed, "mu") || 1);
    this.mu = this.param("mu", mu, trainable);
    this.sigma = this.param("sigma", tf.fill([n, c.dim], single ? 1 : c.sigmaInit), trainable);
  }

  get components(): number {
    return this.weights.length;
  }

  /** z [n, p] = onehot(i) mu + onehot(i) sigma * noise, differentiable in mu and sigma. */
  fromNoise(draw: MixtureNoise): tf.Tensor2D {
    return tf.tidy(() => {
      const n = draw.component.length;
      const pick = oneHotRows(draw.component, this.components);
      const noise = tf.tensor2d(draw.noise, [n, this.c.dim]);
      return tf.add(tf.matMul(pick, this.mu as tf.Tensor2D), tf.mul(tf.matMul(pick, this.sigma as tf.Tensor2D), noise)) as tf.Tensor2D;
    });
  }

  sample(n: number, seed: number): tf.Tensor2D {
    return this.fromNoise(drawMixtureNoise(n, this.c.dim, this.weights, this.nu, seed));
  }

  /** DeLiGAN's regulariser sum_i sum_j (1 - sigma_ij)^2 / N (keeps the scales from collapsing). */
  sigmaPenalty(): tf.Scalar {
    return tf.tidy(() => tf.div(tf.sum(tf.square(tf.sub(1, this.sigma))), this.components) as tf.Scalar);
  }

  flops(): number {
    return 4 * this.components * this.c.dim;
  }
}

// ---------------------------------------------------------------------------------------------
// Class conditioning: one-hot labels (ACGAN) or noisy class codewords (t-GAN).
// ---------------------------------------------------------------------------------------------

export type Conditioning = "none" | "one-hot" | "codeword";
export type CodewordMean = "class-index" | "one-hot" | "random" | "learned";

export interface CodewordConfig {
  kind: Exclude<Conditioning, "none">;
  numClasses: number;
  /** q (one-hot: numClasses). */
  dim: number;
  std: number;
  mean: CodewordMean;
  seed: number;
}

/** Class means m_y [K, q] as a variable (trained by G's optimizer only when "learned"); c = m_y (+ std * N(0, I) for codewords). */
export class Codewords extends Module {
  readonly means: tf.Variable;
  readonly dim: number;

  constructor(readonly c: CodewordConfig) {
    super();
    const k = c.numClasses;
    const q = (this.dim = c.kind === "one-hot" ? k : c.dim);
    let means: tf.Tensor;
    if (c.kind === "one-hot" || c.mean === "one-hot") {
      const m = new Float32Array(k * q);
      for (let y = 0; y < k; y++) m[y * q + y] = 1;
      means = tf.tensor2d(m, [k, q]);
    } else if (c.mean === "class-index") {
      const m = new Float32Array(k * q);
      for (let y = 0; y < k; y++) m.fill(y + 1, y * q, (y + 1) * q);
      means = tf.tensor2d(m, [k, q]);
    } else {
      const normal = normalFrom(mulberry32(subSeed(c.seed, "means")));
      means = tf.tensor2d(Float32Array.from({ length: k * q }, normal), [k, q]);
    }
    this.means = this.param("means", means, c.kind === "codeword" && c.mean === "learned");
  }

  /** Codewords [n, q] for the given classes, deterministic in `seed`. */
  sample(classes: ArrayLike<number>, seed: number): tf.Tensor2D {
    return tf.tidy(() => {
      const n = classes.length;
      const m = tf.matMul(oneHotRows(classes, this.c.numClasses), this.means as tf.Tensor2D);
      if (this.c.kind === "one-hot" || this.c.std === 0) return m as tf.Tensor2D;
      const normal = normalFrom(mulberry32(seed));
      const eps = Float32Array.from({ length: n * this.dim }, normal);
      return tf.add(m, tf.mul(tf.tensor2d(eps, [n, this.dim]), this.c.std)) as tf.Tensor2D;
    });
  }
}

/** Classes drawn uniformly from 0..k-1, deterministic in `seed`. */
export function drawClasses(n: number, k: number, seed: number): Int32Array {
  const rand = mulberry32(seed);
  return Int32Array.from({ length: n }, () => Math.min(k - 1, Math.floor(rand() * k)));
}

/** Classes 0, 1, ..., k-1, 0, 1, ...: a balanced set for samples and scores. */
export function cycleClasses(n: number, k: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i % k);
}

// ---------------------------------------------------------------------------------------------
// The auxiliary classification loss.
// ---------------------------------------------------------------------------------------------

/** Mean cross-entropy -E[log C(y|x)] from class logits [n, K] and int32 labels [n]. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const target = tf.oneHot(tf.cast(labels, "int32") as tf.Tensor1D, k);
    return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  });
}

/** L_C = -E_x[log C(y|x)] - E[log C(y_c|G(z', c))]. */
export function classificationLoss(realLogits: tf.Tensor2D, realLabels: tf.Tensor1D, fakeLogits: tf.Tensor2D, fakeLabels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.add(crossEntropy(realLogits, realLabels), crossEntropy(fakeLogits, fakeLabels)) as tf.Scalar);
}

// ---------------------------------------------------------------------------------------------
// Networks.
// ---------------------------------------------------------------------------------------------

export type LatentPrior = "gaussian" | "gaussian-mixture" | "t-mixture";

export interface LatentGanConfig {
  /** "conv": DCGAN G and D for images; "mlp": MLPs (2-D mixtures, or flattened images). */
  network: "conv" | "mlp";
  // conv networks
  imageSize: number;
  channels: number;
  ngf: number;
  ndf: number;
  // MLP networks
  /** Data dimension (MLP): 2 for the mixtures. */
  dataDim: number;
  /** Shape of one MLP sample; [] means [dataDim]. */
  sampleShape: number[];
  hidden: number[];
  /** Output of the MLP G: linear for points, tanh for images in [-1, 1]. */
  output: "tanh" | "linear";
  // latent prior
  prior: LatentPrior;
  /** N. */
  components: number;
  /** p. */
  noiseDim: number;
  /** Degrees of freedom of the t components. */
  nu: number;
  /** pi; [] means uniform. */
  mixtureWeights: number[];
  /** Learn mu and sigma (DeLiGAN, t-GAN); else they stay at their initial values. */
  learnLatent: boolean;
  muInit: number;
  sigmaInit: number;
  /** lambda of DeLiGAN's regulariser lambda sum (1 - sigma)^2 / N in G's loss; 0 = off. */
  sigmaReg: number;
  // conditioning
  conditioning: Conditioning;
  numClasses: number;
  /** q. */
  codewordDim: number;
  codewordStd: number;
  codewordMean: CodewordMean;
  // auxiliary classifier
  auxClassifier: boolean;
  alpha: number;
  /**
   * D's class head learns from fakes too, with the classes they were drawn for (the notes' L_D,
   * true); false: from real images only, so D's L_C is -E_x[log C(y|x)] (G's L_C is unchanged).
   */
  classifierTrainsOnFakes: boolean;
  generatorLoss: GeneratorLoss;
  optimizer: AdamConfig;
  /**
   * Decay of a moving average of G's weights (latent prior included) used for sampling
   * (src/nn/weight-average.ts), e.g. 0.999; 0 (the papers) samples from the live G.
   */
  ema: number;
  seed: number;
}

/** t-GAN's settings (see the header for which come from the notes and which are ours). */
export const TGAN_DEFAULTS: LatentGanConfig = {
  network: "conv",
  imageSize: 28,
  channels: 1,
  ngf: 64,
  ndf: 64,
  dataDim: 2,
  sampleShape: [],
  hidden: [128, 128],
  output: "linear",
  prior: "t-mixture",
  components: 10,
  noiseDim: 100,
  nu: 3,
  mixtureWeights: [],
  learnLatent: true,
  muInit: 1,
  sigmaInit: 0.2,
  sigmaReg: 0,
  conditioning: "codeword",
  numClasses: 10,
  codewordDim: 10,
  codewordStd: 0.2,
  codewordMean: "class-index",
  auxClassifier: true,
  alpha: 1,
  classifierTrainsOnFakes: true,
  generatorLoss: "non-saturating",
  optimizer: { lr: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 },
  ema: 0,
  seed: 0,
};

const positiveList: Rule = (v) => (Array.isArray(v) && v.every((n) => Number.isInteger(n) && n > 0) ? null : "must be a list of positive integers");

const CHECKS: Partial<Record<keyof LatentGanConfig, Rule>> = {
  network: rules.oneOf("conv", "mlp"),
  imageSize: rules.positiveInt,
  channels: rules.positiveInt,
  ngf: rules.positiveInt,
  ndf: rules.positiveInt,
  dataDim: rules.positiveInt,
  sampleShape: (v) => (Array.isArray(v) && v.every((n) => Number.isInteger(n) && n > 0) ? null : "must be a list of positive integers"),
  hidden: positiveList,
  output: rules.oneOf("tanh", "linear"),
  prior: rules.oneOf("gaussian", "gaussian-mixture", "t-mixture"),
  components: rules.positiveInt,
  noiseDim: rules.positiveInt,
  nu: rules.positive,
  mixtureWeights: (v) => (Array.isArray(v) && v.every((w) => typeof w === "number" && w > 0 && Number.isFinite(w)) ? null : "must be a list of positive numbers"),
  muInit: rules.nonNegative,
  sigmaInit: rules.positive,
  sigmaReg: rules.nonNegative,
  conditioning: rules.oneOf("none", "one-hot", "codeword"),
  numClasses: rules.positiveInt,
  codewordDim: rules.positiveInt,
  codewordStd: rules.nonNegative,
  codewordMean: rules.oneOf("class-index", "one-hot", "random", "learned"),
  alpha: rules.nonNegative,
  generatorLoss: rules.oneOf("saturating", "non-saturating"),
  optimizer: adamRule,
  ema: rules.emaDecay,
  seed: rules.nonNegativeInt,
};

/** Validate a configuration against `defaults` (all problems at once), with the cross-field rules. */
export function checkLatentGanConfig(what: string, defaults: LatentGanConfig, given: Partial<LatentGanConfig>): LatentGanConfig {
  const c = checkConfig(what, defaults, given, CHECKS);
  const problems: string[] = [];
  if (c.mixtureWeights.length && c.prior !== "gaussian" && c.mixtureWeights.length !== c.components) {
    problems.push(`"mixtureWeights" has ${c.mixtureWeights.length} weights for ${c.components} components`);
  }
  if (c.conditioning !== "none" && c.numClasses < 2) problems.push(`"numClasses" must be at least 2 with conditioning "${c.conditioning}"`);
  if (c.conditioning === "codeword" && c.codewordMean === "one-hot" && c.codewordDim < c.numClasses) {
    problems.push(`one-hot codeword means need "codewordDim" >= numClasses (${c.codewordDim} < ${c.numClasses})`);
  }
  if (c.auxClassifier && c.conditioning === "none") problems.push(`the auxiliary classifier needs class conditioning (conditioning is "none")`);
  if (c.network === "mlp" && c.sampleShape.length && c.sampleShape.reduce((a, b) => a * b, 1) !== c.dataDim) {
    problems.push(`"sampleShape" [${c.sampleShape}] does not hold dataDim = ${c.dataDim} values`);
  }
  if (problems.length) throw new UserError(`bad ${what} configuration: ${problems.join("; ")}`);
  return c;
}

/** G: the latent prior, the codewords and the network, one module (so checkpoints hold all three). */
export class LatentGenerator extends Module {
  readonly latent: MixtureLatent;
  readonly codewords: Codewords | null;
  readonly conv: DcganGenerator | null = null;
  readonly mlp: Mlp | null = null;

  constructor(readonly c: LatentGanConfig, dcgan: DcganConfig | null) {
    super();
    this.latent = this.child(
      "latent",
      new MixtureLatent({
        prior: c.prior,
        components: c.components,
        dim: c.noiseDim,
        nu: c.nu,
        weights: c.mixtureWeights,
        learned: c.learnLatent,
        muInit: c.muInit,
        sigmaInit: c.sigmaInit,
        seed: subSeed(c.seed, "latent"),
      }),
    );
    this.codewords =
      c.conditioning === "none"
        ? null
        : this.child(
            "codewords",
            new Codewords({ kind: c.conditioning, numClasses: c.numClasses, dim: c.codewordDim, std: c.codewordStd, mean: c.codewordMean, seed: subSeed(c.seed, "codewords") }),
          );
    const inDim = c.noiseDim + (this.codewords?.dim ?? 0);
    if (dcgan) this.conv = this.child("net", new DcganGenerator({ ...dcgan, latentDim: inDim, seed: subSeed(c.seed, "net") }));
    else this.mlp = this.child("net", new Mlp([inDim, ...c.hidden, c.dataDim], "relu", c.output, subSeed(c.seed, "net")));
  }

  /** G's input [n, p + q]: z' (and the codewords of `classes`), deterministic in `seed`. */
  input(n: number, classes: Int32Array | null, seed: number): tf.Tensor2D {
    return tf.tidy(() => {
      const z = this.latent.sample(n, subSeed(seed, "z") || 1);
      if (!this.codewords) return z;
      return tf.concat([z, this.codewords.sample(classes!, subSeed(seed, "c") || 1)], 1) as tf.Tensor2D;
    });
  }

  /** Samples from G's input [n, p + q]: images NHWC, or [n, dataDim] from the MLP. */
  apply(input: tf.Tensor2D, training: boolean): tf.Tensor {
    return this.conv ? this.conv.apply(input, training) : this.mlp!.apply(input);
  }

  layerFlops(): number[] {
    const net = this.conv ? this.conv.layerFlops() : this.mlp!.layerFlops();
    return [this.latent.flops(), ...net];
  }
}

/** D with the GAN logit and (optionally) the class head C on the same features. */
export class AuxDiscriminator extends Module {
  readonly conv: DcganDiscriminator | null = null;
  readonly trunk: Mlp | null = null;
  readonly head: Dense | null = null;
  readonly classHead: Dense | null;
  readonly featureDim: number;

  constructor(readonly c: LatentGanConfig, dcgan: DcganConfig | null) {
    super();
    if (dcgan) {
      this.conv = this.child("body", new DcganDiscriminator({ ...dcgan, seed: subSeed(c.seed, "body") }));
      this.featureDim = this.conv.head.inUnits;
    } else {
      const sizes = [c.dataDim, ...[...c.hidden].reverse()];
      this.trunk = this.child("trunk", new Mlp(sizes, "leakyrelu", "leakyrelu", subSeed(c.seed, "trunk")));
      this.featureDim = sizes[sizes.length - 1];
      this.head = this.child("head", new Dense(this.featureDim, 1, { seed: subSeed(c.seed, "head") }));
    }
    this.classHead = c.auxClassifier
      ? this.child("classHead", new Dense(this.featureDim, c.numClasses, { seed: subSeed(c.seed, "classHead"), init: dcgan ? normal002 : undefined }))
      : null;
  }

  /** Features [n, F] of images NHWC (conv) or points/flattened samples (MLP). */
  features(x: tf.Tensor, training: boolean): tf.Tensor2D {
    if (this.conv) return this.conv.features(x as tf.Tensor4D, training);
    return this.trunk!.apply(x.reshape([x.shape[0], this.c.dataDim]));
  }

  /** The GAN logit [n, 1] and the class logits [n, K] (null without the auxiliary classifier). */
  apply(x: tf.Tensor, training: boolean): { logit: tf.Tensor2D; classLogits: tf.Tensor2D | null } {
    const f = this.features(x, training);
    const logit = this.conv ? this.conv.head.apply(f) : this.head!.apply(f);
    return { logit, classLogits: this.classHead ? this.classHead.apply(f) : null };
  }

  layerFlops(): number[] {
    const base = this.conv ? this.conv.layerFlops() : [...this.trunk!.layerFlops(), this.head!.flops()];
    return this.classHead ? [...base, this.classHead.flops()] : base;
  }
}

// ---------------------------------------------------------------------------------------------
// The model.
// ---------------------------------------------------------------------------------------------

/**
 * One GAN with a configurable latent prior, class conditioning and auxiliary classifier.
 * t-GAN, DeLiGAN and ACGAN are presets of it (Tgan below, Deligan, Acgan).
 */
export class LatentGan implements GanModel {
  readonly config: LatentGanConfig;
  readonly G: LatentGenerator;
  readonly D: AuxDiscriminator;
  readonly players: Player[];
  /** The moving average of G's weights that samples come from, when `ema` > 0. */
  readonly Gavg: WeightAverage | null;
  readonly divergenceHint = "Lower the learning rate (e.g. 2e-4 -> 1e-4) or alpha; with learned t-mixture scales, a sigmaReg > 0 keeps sigma from collapsing.";

  constructor(
    readonly name: string,
    what: string,
    defaults: LatentGanConfig,
    config: Partial<LatentGanConfig>,
  ) {
    const c = (this.config = checkLatentGanConfig(what, defaults, config));
    const dcgan: DcganConfig | null =
      c.network === "conv"
        ? { imageSize: c.imageSize, channels: c.channels, latentDim: 0, ngf: c.ngf, ndf: c.ndf, generatorLoss: c.generatorLoss, optimizer: c.optimizer, augment: "none", ema: 0, seed: 0 }
        : null;
    this.G = new LatentGenerator({ ...c, seed: subSeed(c.seed, "G") }, dcgan);
    this.D = new AuxDiscriminator({ ...c, seed: subSeed(c.seed, "D") }, dcgan);
    this.Gavg = averageOf(this.G, c.ema);
    this.players = discriminatorThenGenerator(this, c.optimizer, () => this.D.trainableVariables(), () => this.G.trainableVariables());
  }

  get conditional(): boolean {
    return this.config.conditioning !== "none";
  }

  /** Fakes for a step: classes drawn uniformly (conditional models) and G's output (training mode). */
  private fakes(n: number, seed: number): { x: tf.Tensor; classes: Int32Array | null } {
    const classes = this.conditional ? drawClasses(n, this.config.numClasses, subSeed(seed, "y") || 1) : null;
    return { x: this.G.apply(this.G.input(n, classes, seed), true), classes };
  }

  private realLabels(batch: Batch): tf.Tensor1D {
    if (!batch.labels) throw new UserError(`${this.name} with an auxiliary classifier needs class labels, but the data has none`);
    const k = this.config.numClasses;
    // The pipeline's label range saves reading the labels back every step; other sources are read.
    const [lo, hi] = batch.labelRange ?? labelRange(batch.labels.dataSync());
    const bad = !(lo >= 0) ? lo : !(hi < k) ? hi : undefined;
    if (bad !== undefined) throw new UserError(`${this.name}: label ${bad} is outside 0..${k - 1} (numClasses = ${k})`);
    return batch.labels;
  }

  dLoss(batch: Batch, ctx: StepContext): LossOutput {
    const n = batch.x.shape[0];
    const labels = this.config.auxClassifier ? this.realLabels(batch) : null;
    const fake = this.fakes(n, ctx.seed);
    // Real and fake go through D as separate batches, so batch norm never mixes them.
    const real = this.D.apply(batch.x, true);
    const faked = this.D.apply(fake.x, true);
    const dLoss = discriminatorLoss(real.logit, faked.logit);
    const logs: Record<string, tf.Scalar> = {
      D_real: tf.mean(tf.sigmoid(real.logit)) as tf.Scalar,
      D_fake: tf.mean(tf.sigmoid(faked.logit)) as tf.Scalar,
    };
    if (!labels) return { loss: dLoss, logs };
    const lc = this.config.classifierTrainsOnFakes
      ? classificationLoss(real.classLogits!, labels, faked.classLogits!, tf.tensor1d(fake.classes!, "int32"))
      : crossEntropy(real.classLogits!, labels);
    logs.L_C = lc;
    logs.C_acc_real = tf.mean(tf.cast(tf.equal(tf.argMax(real.classLogits!, 1), tf.cast(labels, "int32")), "float32")) as tf.Scalar;
    return { loss: tf.add(dLoss, tf.mul(lc, this.config.alpha)) as tf.Scalar, logs };
  }

  gLoss(batch: Batch, ctx: StepContext): LossOutput {
    const fake = this.fakes(batch.x.shape[0], ctx.seed);
    const out = this.D.apply(fake.x, true);
    let loss = generatorLoss(out.logit, this.config.generatorLoss);
    const logs: Record<string, tf.Scalar> = {};
    if (out.classLogits) {
      const lcFake = crossEntropy(out.classLogits, tf.tensor1d(fake.classes!, "int32"));
      logs.L_C_fake = lcFake;
      loss = tf.add(loss, tf.mul(lcFake, this.config.alpha)) as tf.Scalar;
    }
    if (this.config.sigmaReg > 0 && this.G.latent.sigma.trainable) {
      const pen = this.G.latent.sigmaPenalty();
      logs.sigma_penalty = pen;
      loss = tf.add(loss, tf.mul(pen, this.config.sigmaReg)) as tf.Scalar;
    }
    return { loss, logs };
  }

  afterStep(): void {
    this.Gavg?.update();
  }

  modules(): Record<string, Module> {
    return ganModules(this.G, this.D, this.Gavg);
  }

  private shaped(x: tf.Tensor): tf.Tensor {
    const c = this.config;
    return c.network === "mlp" && c.sampleShape.length ? x.reshape([x.shape[0], ...c.sampleShape]) : x;
  }

  /** Samples for given classes (null: unconditional), eval mode, deterministic in `seed`. */
  generateFor(classes: Int32Array | null, n: number, seed: number): tf.Tensor {
    return withAverage(this.Gavg, () => tf.tidy(() => this.shaped(this.G.apply(this.G.input(n, classes, subSeed(seed, "generate") || 1), false))));
  }

  /** n samples; class-conditional models cycle through the classes 0, 1, ..., K-1, 0, ... */
  generate(n: number, seed: number): tf.Tensor {
    return this.generateFor(this.conditional ? cycleClasses(n, this.config.numClasses) : null, n, seed);
  }

  /** G's input codes [n, p + q] (conditional models: classes 0, 1, ..., K-1, 0, ...). */
  latent(n: number, seed: number, classIndex?: number): tf.Tensor2D {
    const classes = !this.conditional ? null : classIndex === undefined ? cycleClasses(n, this.config.numClasses) : this.oneClass(n, classIndex);
    return withAverage(this.Gavg, () => this.G.input(n, classes, subSeed(seed, "generate") || 1));
  }

  /** Samples (eval mode) from G's input codes of `latent`. */
  generateFrom(z: tf.Tensor2D): tf.Tensor {
    return withAverage(this.Gavg, () => tf.tidy(() => this.shaped(this.G.apply(z, false))));
  }

  private oneClass(n: number, classIndex: number): Int32Array {
    if (!this.conditional) throw new UserError(`${this.name} is not class-conditional (conditioning "none")`);
    const k = this.config.numClasses;
    if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= k) throw new UserError(`class ${classIndex} is outside 0..${k - 1}`);
    return new Int32Array(n).fill(classIndex);
  }

  /** n samples of one class (class-conditional models only). */
  generateClass(n: number, classIndex: number, seed: number): tf.Tensor {
    return this.generateFor(this.oneClass(n, classIndex), n, seed);
  }

  /** Draws of the latent prior z' [n, p] (without codewords), e.g. to plot the mixture. */
  sampleLatent(n: number, seed: number): tf.Tensor2D {
    return withAverage(this.Gavg, () => this.G.latent.sample(n, seed || 1));
  }

  flopsPerStep(batchSize: number): number {
    return gameFlops(this.G.layerFlops(), this.D.layerFlops(), batchSize);
  }

  dispose(): void {
    for (const m of Object.values(this.modules())) m.dispose();
  }
}

/** t-GAN: mixture-of-t latent, class codewords, auxiliary classifier (TGAN_DEFAULTS). */
export class Tgan extends LatentGan {
  constructor(config: Partial<LatentGanConfig> = {}, name = "tgan") {
    super(name, "t-GAN", TGAN_DEFAULTS, config);
  }
}

/**
 * Network and class settings that fit a dataset, for the registry: DCGAN convs for images,
 * MLPs (hidden [128, 128], linear output, p = 16) for points; numClasses from the data; data
 * without labels turns conditioning and the auxiliary classifier off.
 */
export function latentGanShape(data: Dataset): Partial<LatentGanConfig> {
  const labelled = !!data.labels && (data.numClasses ?? 0) >= 2;
  const classes: Partial<LatentGanConfig> = labelled ? { numClasses: data.numClasses! } : { conditioning: "none", auxClassifier: false };
  if (data.shape.length === 3) return { network: "conv", imageSize: data.shape[0], channels: data.shape[2], ...classes };
  const dataDim = data.shape.reduce((a, b) => a * b, 1);
  return { network: "mlp", dataDim, sampleShape: data.shape.slice(), hidden: [128, 128], output: data.shape.length === 1 ? "linear" : "tanh", noiseDim: 16, ...classes };
}

/** t-GAN with networks fitting a dataset (registry): unconditional if the data has no labels. */
export function tganFor(data: Dataset, seed: number, settings?: ModelSettings): Tgan {
  return new Tgan({ ...latentGanShape(data), ...userSettings<LatentGanConfig>("tgan", settings), seed });
}
