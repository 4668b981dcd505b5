/**
 * The inception score (Salimans et al. 2016) and the modified inception score (Gurumurthy et al.,
 * DeLiGAN 2017), the t-GAN paper's two metrics, computed from a classifier's class probabilities
 * p(y|x) for n generated images: an [n, K] matrix whose rows sum to 1. They need no network, so
 * they are tested on hand-made matrices; `scoreImages` runs a classifier (src/metrics/classifier.ts)
 * over images first.
 *
 *   IS   = exp( E_x KL(p(y|x) || p(y)) ),   p(y) = E_x p(y|x)  (the marginal of the scored set)
 *   m-IS = exp( E_xi E_xj KL(p(y|xi) || p(y|xj)) ),  xi, xj of the same class
 *
 * IS is 1 for uniform or single-class outputs and K for confident outputs balanced over K
 * classes. m-IS rewards diversity within a class: it is 1 when all images of a class get the
 * same p(y|x) and grows as they differ.
 *
 * Conventions (ours, stated because papers differ):
 * - 0 log 0 = 0; other logarithms are taken of max(p, 1e-12), so a p(y|xj) of exactly 0 where
 *   p(y|xi) > 0 adds about 27.6 p(y|xi) instead of infinity.
 * - m-IS: "the same class" is the class the generator was asked for (class-conditional models:
 *   pass `classes`), else the classifier's argmax. E_xj runs over the other members of xi's class
 *   (pairs i != j); E_xi over all images in classes with at least two members. Per-class scores
 *   exp(mean KL within the class) are returned too.
 * - splits: like the IS paper's code, the images are cut into `splits` consecutive chunks, each
 *   scored on its own (with its own p(y)), and the mean and standard deviation of the chunk
 *   scores are reported (the paper uses 10 splits of 50,000 images). Default 1: the whole set.
 */
import * as tf from "@tensorflow/tfjs";
import { UserError } from "../errors";
import type { ProbClassifier } from "./classifier";
import { ImageInput, PixelRange, toImageBatch } from "./images";

/** Probabilities [n, K]: a rank-2 tensor, rows as arrays, or values with their shape. */
export type ProbInput = tf.Tensor | number[][] | { data: ArrayLike<number>; shape: readonly number[] };

export interface ProbMatrix {
  n: number;
  k: number;
  /** Row-major [n * k], as float64. */
  p: Float64Array;
}

const EPS = 1e-12;
/** Largest |row sum - 1| accepted (float32 softmax rows are within ~1e-6). */
const SUM_TOLERANCE = 1e-3;

/** Check and read a probability matrix; anything malformed is a UserError saying what. */
export function toProbMatrix(input: ProbInput, what = "probabilities"): ProbMatrix {
  let values: ArrayLike<number>;
  let shape: number[];
  if (input instanceof tf.Tensor) {
    values = input.dataSync();
    shape = input.shape.slice();
  } else if (Array.isArray(input)) {
    const rows = input as unknown[];
    if (!rows.length) throw new UserError(`${what}: no rows`);
    if (!rows.every((r) => Array.isArray(r))) throw new UserError(`${what}: expected an array of rows (number[][])`);
    const k = (rows[0] as number[]).length;
    const bad = rows.findIndex((r) => (r as number[]).length !== k);
    if (bad >= 0) throw new UserError(`${what}: row ${bad} has ${(rows[bad] as number[]).length} values, row 0 has ${k}`);
    values = (rows as number[][]).flat();
    shape = [rows.length, k];
  } else if (input && typeof input === "object" && "data" in input && "shape" in input) {
    values = input.data;
    shape = Array.from(input.shape);
  } else {
    throw new UserError(`${what}: expected a tensor [n, K], number[][] or {data, shape}`);
  }
  if (shape.length !== 2) throw new UserError(`${what}: expected shape [n, K], got [${shape}]`);
  const [n, k] = shape;
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(k) && k >= 1)) throw new UserError(`${what}: bad shape [${shape}]`);
  if (values.length !== n * k) throw new UserError(`${what}: shape [${shape}] needs ${n * k} values, got ${values.length}`);
  const p = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const v = Number(values[i * k + j]);
      if (!Number.isFinite(v) || v < 0) throw new UserError(`${what}: row ${i} holds ${v}: probabilities must be finite and >= 0`);
      p[i * k + j] = v;
      sum += v;
    }
    if (Math.abs(sum - 1) > SUM_TOLERANCE) {
      throw new UserError(`${what}: row ${i} sums to ${sum}, not 1: pass probabilities (softmax of the logits), not logits or scores`);
    }
  }
  return { n, k, p };
}

/** KL(p || q) of two rows, with 0 log 0 = 0 and logs of max(., 1e-12). */
function kl(a: Float64Array, i: number, b: Float64Array, j: number, k: number): number {
  let s = 0;
  for (let c = 0; c < k; c++) {
    const p = a[i * k + c];
    if (p > 0) s += p * (Math.log(Math.max(p, EPS)) - Math.log(Math.max(b[j * k + c], EPS)));
  }
  return s;
}

export interface ScoreOptions {
  /** Consecutive chunks scored separately (mean and std reported); default 1. */
  splits?: number;
}

export interface Score {
  /** Mean over the splits (the score itself with one split). */
  score: number;
  /** Standard deviation over the splits (0 with one split). */
  std: number;
  perSplit: number[];
}

function chunks(n: number, splits: number | undefined): [number, number][] {
  const s = splits ?? 1;
  if (!Number.isInteger(s) || s < 1) throw new UserError(`splits must be a positive integer, got ${s}`);
  if (s > n) throw new UserError(`cannot cut ${n} images into ${s} splits`);
  return Array.from({ length: s }, (_, i) => [Math.floor((i * n) / s), Math.floor(((i + 1) * n) / s)] as [number, number]);
}

function summarise(perSplit: number[]): Score {
  const mean = perSplit.reduce((a, b) => a + b, 0) / perSplit.length;
  const std = Math.sqrt(perSplit.reduce((a, b) => a + (b - mean) ** 2, 0) / perSplit.length);
  return { score: mean, std, perSplit };
}

/** IS = exp(E_x KL(p(y|x) || p(y))) of one range of rows. */
function isOf(m: ProbMatrix, from: number, to: number): number {
  const { k, p } = m;
  const marginal = new Float64Array(k);
  for (let i = from; i < to; i++) for (let c = 0; c < k; c++) marginal[c] += p[i * k + c];
  for (let c = 0; c < k; c++) marginal[c] /= to - from;
  let s = 0;
  for (let i = from; i < to; i++) s += kl(p, i, marginal, 0, k);
  return Math.exp(s / (to - from));
}

/** The inception score of class probabilities [n, K]. */
export function inceptionScore(probs: ProbInput, options: ScoreOptions = {}): Score {
  const m = toProbMatrix(probs);
  return summarise(chunks(m.n, options.splits).map(([a, b]) => isOf(m, a, b)));
}

export interface ModifiedScore extends Score {
  /** exp(mean KL over ordered pairs within the class), by class index (whole set). */
  perClass: Record<number, number>;
  /** Ordered pairs (i, j), i != j, of the same class that were compared (whole set). */
  pairs: number;
  /** Images left out because they were alone in their class (whole set). */
  singletons: number;
}

/** The class used for each row: given, or the argmax of the row. */
export function classesOf(m: ProbMatrix, classes?: ArrayLike<number>): Int32Array {
  if (classes !== undefined) {
    if (classes.length !== m.n) throw new UserError(`classes: ${classes.length} given for ${m.n} images`);
    const out = Int32Array.from(classes);
    const bad = Array.from(classes).findIndex((c, i) => !Number.isInteger(c) || c < 0 || out[i] !== c);
    if (bad >= 0) throw new UserError(`classes: entry ${bad} (${classes[bad]}) is not a non-negative integer`);
    return out;
  }
  return argmaxRows(m.p, m.k);
}

/** The index of each row's largest entry (the first on ties) of row-major probabilities [n * k]. */
export function argmaxRows(p: ArrayLike<number>, k: number): Int32Array {
  const n = Math.floor(p.length / k);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** m-IS of one range: the mean over images i of the mean KL(p_i || p_j) over j != i of i's class. */
function misOf(m: ProbMatrix, cls: Int32Array, from: number, to: number) {
  const byClass = new Map<number, number[]>();
  for (let i = from; i < to; i++) {
    const list = byClass.get(cls[i]) ?? [];
    list.push(i);
    byClass.set(cls[i], list);
  }
  let total = 0;
  let counted = 0;
  let pairs = 0;
  let singletons = 0;
  const perClass: Record<number, number> = {};
  for (const [c, members] of [...byClass.entries()].sort((a, b) => a[0] - b[0])) {
    if (members.length < 2) {
      singletons += members.length;
      continue;
    }
    let classSum = 0;
    for (const i of members) {
      let s = 0;
      for (const j of members) if (j !== i) s += kl(m.p, i, m.p, j, m.k);
      const meanI = s / (members.length - 1);
      total += meanI;
      classSum += meanI;
      counted++;
    }
    pairs += members.length * (members.length - 1);
    perClass[c] = Math.exp(classSum / members.length);
  }
  if (!counted) throw new UserError(`modified inception score: no class has two images to compare (${to - from} images)`);
  return { score: Math.exp(total / counted), perClass, pairs, singletons };
}

/**
 * The modified inception score of class probabilities [n, K]; `classes` are the classes the
 * generator was asked for (omit for unconditional models: the argmax of each row is used).
 */
export function modifiedInceptionScore(probs: ProbInput, classes?: ArrayLike<number>, options: ScoreOptions = {}): ModifiedScore {
  const m = toProbMatrix(probs);
  const cls = classesOf(m, classes);
  const split = chunks(m.n, options.splits).map(([a, b]) => misOf(m, cls, a, b).score);
  const whole = misOf(m, cls, 0, m.n);
  return { ...summarise(split), perClass: whole.perClass, pairs: whole.pairs, singletons: whole.singletons };
}

export interface ImageScores {
  is: Score;
  mis: ModifiedScore;
  /** Share of images whose argmax is the class asked for (when `classes` were given). */
  classAccuracy?: number;
}

/**
 * Both scores of images (NHWC in [-1, 1], as G outputs them) under a classifier, which is run in
 * chunks of `batchSize`. `classes`: the generator's conditioning, if any.
 */
export function scoreImages(
  classifier: ProbClassifier,
  images: tf.Tensor,
  options: ScoreOptions & { classes?: ArrayLike<number>; batchSize?: number } = {},
): ImageScores {
  const probs = classifierProbs(classifier, images, options.batchSize);
  const is = inceptionScore(probs, options);
  const mis = modifiedInceptionScore(probs, options.classes, options);
  let classAccuracy: number | undefined;
  if (options.classes) {
    const m = toProbMatrix(probs);
    const arg = classesOf(m);
    classAccuracy = Array.from(arg).filter((c, i) => c === options.classes![i]).length / m.n;
  }
  return { is, mis, classAccuracy };
}

/** p(y|x) [n, K] of images, in chunks (kept off the tensor count: plain values). */
export function classifierProbs(classifier: ProbClassifier, images: tf.Tensor, batchSize = 256): { data: Float32Array; shape: [number, number] } {
  const n = images.shape[0];
  const out = new Float32Array(n * classifier.numClasses);
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    const p = tf.tidy(() => classifier.predictProbs(tf.slice(images, s, e - s)));
    out.set(p.dataSync(), s * classifier.numClasses);
    p.dispose();
  }
  return { data: out, shape: [n, classifier.numClasses] };
}

/** Images of a stated range as a [-1, 1] NHWC tensor (what the classifiers take). */
function toUnitTensor(images: ImageInput, range: PixelRange): tf.Tensor4D {
  const b = toImageBatch(images, { range, quantize: false }, "images");
  const x = new Float32Array(b.data.length);
  for (let i = 0; i < x.length; i++) x[i] = b.data[i] / 127.5 - 1;
  return tf.tensor4d(x, [b.n, b.h, b.w, b.c]);
}

/**
 * For the metric registry: "inception-score" or "modified-inception-score" of images, with the
 * classifier in options.classifier (from trainClassifier or loadGraphClassifier) and optionally
 * options.splits, options.classes (the generator's conditioning) and options.batchSize.
 */
export function inceptionMetric(
  metric: "inception-score" | "modified-inception-score",
  inputs: { fake: ImageInput; range: PixelRange; options?: Record<string, unknown> },
): { metric: string; value: number; details: Record<string, number> } {
  const o = inputs.options ?? {};
  const classifier = o.classifier as ProbClassifier | undefined;
  if (!classifier || typeof classifier.predictProbs !== "function") {
    throw new UserError(`metric "${metric}" needs a classifier: pass options.classifier (from trainClassifier or loadGraphClassifier)`);
  }
  const x = toUnitTensor(inputs.fake, inputs.range);
  try {
    const probs = classifierProbs(classifier, x, o.batchSize as number | undefined);
    const splits = o.splits as number | undefined;
    if (metric === "inception-score") {
      const r = inceptionScore(probs, { splits });
      return { metric, value: r.score, details: { std: r.std, splits: r.perSplit.length } };
    }
    const r = modifiedInceptionScore(probs, o.classes as ArrayLike<number> | undefined, { splits });
    const details: Record<string, number> = { std: r.std, pairs: r.pairs, singletons: r.singletons };
    for (const [c, v] of Object.entries(r.perClass)) details[`class-${c}`] = v;
    return { metric, value: r.score, details };
  } finally {
    x.dispose();
  }
}
