/**
 * DCGAN's checks of what G learned (used by notebooks/dcgan.ipynb): nearest training images
 * (memorisation, against real unseen images and a copying control), walks through latent space,
 * and vector arithmetic on averaged latent codes judged by the evaluator against a control.
 */
import * as tf from "@tensorflow/tfjs";
import { Dataset, exampleCount, gather } from "../data/dataset";
import { mulberry32 } from "../data/rng";
import { argmaxRows } from "../metrics/inception-score";
import { differenceVerdict, Verdict } from "./verdict";

export interface Neighbours {
  /** Index of the nearest training example for each query. */
  index: Int32Array;
  /** Euclidean distance to it, per pixel: sqrt(mean squared difference), images in [-1, 1]. */
  distance: Float32Array;
}

/** Nearest example of `ds` to each of `queries` [n, ...] by pixel distance (chunked matrix products). */
export function nearestNeighbours(queries: tf.Tensor, ds: Dataset, chunk = 2000): Neighbours {
  const n = queries.shape[0];
  const d = ds.shape.reduce((a, b) => a * b, 1);
  const total = exampleCount(ds);
  const best = new Float32Array(n).fill(Infinity);
  const index = new Int32Array(n);
  const q = tf.tidy(() => queries.reshape([n, d]));
  const qq = tf.tidy(() => tf.sum(tf.square(q), 1, true));
  for (let start = 0; start < total; start += chunk) {
    const m = Math.min(chunk, total - start);
    const dist = tf.tidy(() => {
      const x = tf.tensor2d(ds.data.subarray(start * d, (start + m) * d), [m, d]);
      const xx = tf.sum(tf.square(x), 1).reshape([1, m]);
      return tf.add(tf.sub(qq, tf.mul(2, tf.matMul(q, x, false, true))), xx);
    });
    const v = dist.dataSync();
    dist.dispose();
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        if (v[i * m + j] < best[i]) {
          best[i] = v[i * m + j];
          index[i] = start + j;
        }
      }
    }
  }
  tf.dispose([q, qq]);
  return { index, distance: best.map((s) => Math.sqrt(Math.max(0, s) / d)) };
}

/** Points on the straight line from z0 to z1 (inclusive), [steps, dim]. */
export function interpolate(z0: tf.Tensor1D, z1: tf.Tensor1D, steps: number): tf.Tensor2D {
  return tf.tidy(() => {
    const t = tf.linspace(0, 1, steps).reshape([steps, 1]);
    return tf.add(tf.mul(tf.sub(1, t), z0.reshape([1, -1])), tf.mul(t, z1.reshape([1, -1]))) as tf.Tensor2D;
  });
}

/** Root-mean-square pixel change between consecutive frames [n, ...] (a smooth walk keeps them even). */
export function frameSteps(frames: tf.Tensor): number[] {
  return tf.tidy(() => {
    const n = frames.shape[0];
    const a = frames.slice(0, n - 1);
    const b = frames.slice(1, n - 1);
    const axes = frames.shape.slice(1).map((_, i) => i + 1);
    return Array.from(tf.sqrt(tf.mean(tf.square(tf.sub(b, a)), axes)).dataSync());
  });
}

/** A walk's jumpiness: its largest frame-to-frame change over its mean change (1: perfectly even, also for a walk that never changes). */
export function jumpiness(steps: number[]): number {
  const mean = steps.reduce((a, b) => a + b, 0) / steps.length;
  return mean > 0 ? Math.max(...steps) / mean : 1;
}

/**
 * Latent walks and their look-up baseline: `walks` straight lines of `frames` frames between
 * random pairs of latent codes (pair k from seed 1000 + k); for each, the jumpiness of G's frames
 * and of a model that looks training images up (each frame replaced by its nearest training
 * image of `train`). The first `keep` walks' frames are returned as tensors (G's, then the
 * look-up's, per walk; the caller disposes them).
 */
export function walkJumpiness(
  model: { latent(n: number, seed: number): tf.Tensor2D; generateFrom(z: tf.Tensor2D): tf.Tensor },
  train: Dataset,
  walks: number,
  o: { frames?: number; keep?: number } = {},
): { G: number[]; lookup: number[]; kept: tf.Tensor[] } {
  const frames = o.frames ?? 10;
  const G: number[] = [];
  const lookup: number[] = [];
  const kept: tf.Tensor[] = [];
  for (let k = 0; k < walks; k++) {
    const walk = tf.tidy(() => {
      const [z0, z1] = tf.unstack(model.latent(2, 1000 + k)) as tf.Tensor1D[];
      return model.generateFrom(interpolate(z0, z1, frames));
    });
    const looked = gather(train, Array.from(nearestNeighbours(walk, train).index)).x;
    G.push(jumpiness(frameSteps(walk)));
    lookup.push(jumpiness(frameSteps(looked)));
    if (k < (o.keep ?? 0)) kept.push(walk, looked);
    else tf.dispose([walk, looked]);
  }
  return { G, lookup, kept };
}

/** Ink of each image: mean of (pixel + 1) / 2, i.e. the share of "white" (the digits are white). */
export function ink(images: tf.Tensor): Float32Array {
  return tf.tidy(() => {
    const axes = images.shape.slice(1).map((_, i) => i + 1);
    return tf.mean(tf.div(tf.add(images, 1), 2), axes).dataSync() as Float32Array;
  });
}

/** Share of `values` strictly below `threshold`. */
export function shareBelow(values: ArrayLike<number>, threshold: number): number {
  let k = 0;
  for (let i = 0; i < values.length; i++) if (values[i] < threshold) k++;
  return values.length ? k / values.length : NaN;
}

/** Distances (RMS pixel, [-1, 1] images) at which memorisation CDFs are drawn and kept (dcgan-eval.ts, the notebook). */
export const CDF_BINS = Array.from({ length: 41 }, (_, i) => i / 40);

/** The q-quantile of `values` (nearest rank on the sorted values). */
export function quantile(values: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.floor(q * (s.length - 1))))];
}

export interface Memorisation {
  /** The q-quantile of reference A's distances to the training set: "as close as a real unseen image rarely gets". */
  threshold: number;
  q: number;
  /** Per set: the share of its images closer to a training image than `threshold` ("copy share"), and its median distance. */
  sets: Record<string, { copyShare: number; median: number; distances: Float32Array }>;
}

/**
 * The memorisation check with a yardstick: every set's images are matched to their nearest training
 * image (RMS pixel distance); the threshold is the q-quantile (default 5%) of the same distance for
 * real images the model never saw (`reference`, e.g. the evaluator's reference A). Real unseen
 * images of another set (reference B) then have a copy share near q, a model that copies training
 * images (a copying control: training images plus a little noise) near 1.
 */
export function memorisation(train: Dataset, reference: tf.Tensor, sets: Record<string, tf.Tensor>, q = 0.05): Memorisation {
  const threshold = quantile(nearestNeighbours(reference, train).distance, q);
  const out: Memorisation["sets"] = {};
  for (const [name, x] of Object.entries(sets)) {
    const { distance } = nearestNeighbours(x, train);
    out[name] = { copyShare: shareBelow(distance, threshold), median: quantile(distance, 0.5), distances: distance };
  }
  return { threshold, q, sets: out };
}

/** The most a model's copy share may be for "no memorisation": twice what real unseen images give at q = 5%. */
export const COPY_SHARE_LIMIT = 0.1;

/**
 * "G does not memorise its training set": held when the models' copy shares (one per seed) lie
 * below `limit` (the interval of their mean, 2 standard errors, wholly below it); not held when
 * they lie above it. The check must also have power: when the copying control's share is not
 * above the limit either, the verdict is inconclusive (the check could not have seen copying).
 */
export function memorisationVerdict(copyShares: number[], controlShare: number, limit = COPY_SHARE_LIMIT): Verdict {
  const v = differenceVerdict(copyShares, copyShares.map(() => limit), { direction: "lower" });
  if (controlShare <= limit) {
    return { ...v, verdict: "inconclusive", why: `the copying control's copy share ${controlShare.toFixed(3)} is not above the limit ${limit}: this check would not have seen copying` };
  }
  return v;
}

export interface ArithmeticOptions {
  /** Latent codes drawn to find the concepts (default 4,000). */
  pool?: number;
  /** Trials per ordered class pair (default 100). */
  trials?: number;
  /** Codes averaged per concept, as in the paper (default 3). */
  perConcept?: number;
  /** Smallest evaluator confidence for a pool sample to stand for its class (default 0.9). */
  confidence?: number;
  seed?: number;
}

export interface ArithmeticResult {
  /** Ordered class pairs (a, b) tried. */
  pairs: [number, number][];
  trials: number;
  /** Share of results the evaluator calls b and whose ink is above b's median ("a bold b"), for the arithmetic and the control. */
  arithmetic: { boldB: number; isB: number; bold: number };
  control: { boldB: number; isB: number; bold: number };
}

/**
 * DCGAN's vector arithmetic on averaged latent codes, judged by the evaluator over many random
 * triples. A concept is digit class x stroke weight: pool samples the evaluator assigns to class c
 * with confidence >= `confidence`, the bold ones in the top third of c's ink, the thin ones in
 * the bottom third. For every ordered pair (a, b), `trials` times: three random codes per concept,
 *     z = mean z(bold a) - mean z(thin a) + mean z(thin b)      (should draw a bold b)
 * and a control that replaces the stroke-weight direction by the difference of two means of three
 * random pool codes:  z = mean z(random) - mean z(random') + mean z(thin b).
 * A result counts when the evaluator calls it b and its ink is above the median ink of b's pool samples.
 * Classes with fewer than 3 * perConcept recognised pool samples are left out; with fewer than two
 * classes left there is no pair and every share is 0.
 */
export function latentArithmetic(
  model: { latent(n: number, seed: number): tf.Tensor2D; generateFrom(z: tf.Tensor2D): tf.Tensor },
  probs: (x: tf.Tensor) => Float32Array,
  numClasses: number,
  o: ArithmeticOptions = {},
): ArithmeticResult {
  const N = o.pool ?? 4000;
  const trials = o.trials ?? 100;
  const per = o.perConcept ?? 3;
  const minConf = o.confidence ?? 0.9;
  const rand = mulberry32(o.seed ?? 0);
  const z = model.latent(N, o.seed ?? 0);
  const dim = z.shape[1];
  const zs = Float32Array.from(z.dataSync());
  const judge = (codes: Float32Array) => {
    const k = numClasses;
    const cls: number[] = [];
    const inkOf: number[] = [];
    for (let s = 0; s < codes.length / dim; s += 250) {
      const m = Math.min(250, codes.length / dim - s);
      const x = tf.tidy(() => model.generateFrom(tf.tensor2d(codes.subarray(s * dim, (s + m) * dim), [m, dim])));
      const p = probs(x);
      const ik = ink(x);
      x.dispose();
      argmaxRows(p, k).forEach((best, i) => {
        cls.push(p[i * k + best] >= minConf ? best : -1);
        inkOf.push(ik[i]);
      });
    }
    return { cls, ink: inkOf };
  };
  const pool = judge(zs);
  z.dispose();
  const byClass = Array.from({ length: numClasses }, (_, c) => pool.cls.flatMap((l, i) => (l === c ? [i] : [])).sort((i, j) => pool.ink[i] - pool.ink[j]));
  const classes = byClass.flatMap((idx, c) => (idx.length >= 3 * per ? [c] : []));
  const median = byClass.map((idx) => (idx.length ? pool.ink[idx[Math.floor(idx.length / 2)]] : NaN));
  const third = (idx: number[], top: boolean) => (top ? idx.slice(idx.length - Math.floor(idx.length / 3)) : idx.slice(0, Math.floor(idx.length / 3)));
  const pick = (from: number[]) => Array.from({ length: per }, () => from[Math.floor(rand() * from.length)]);
  const all = Array.from({ length: N }, (_, i) => i);
  const meanOf = (idx: number[], out: Float32Array, sign: number) => {
    for (const i of idx) for (let d = 0; d < dim; d++) out[d] += (sign * zs[i * dim + d]) / idx.length;
  };
  const pairs: [number, number][] = [];
  for (const a of classes) for (const b of classes) if (a !== b) pairs.push([a, b]);
  const total = pairs.length * trials;
  const arith = new Float32Array(total * dim);
  const control = new Float32Array(total * dim);
  const target: number[] = [];
  pairs.forEach(([a, b], p) => {
    for (let t = 0; t < trials; t++) {
      const row = p * trials + t;
      const za = arith.subarray(row * dim, (row + 1) * dim);
      const zc = control.subarray(row * dim, (row + 1) * dim);
      const thinB = pick(third(byClass[b], false));
      meanOf(pick(third(byClass[a], true)), za, 1);
      meanOf(pick(third(byClass[a], false)), za, -1);
      meanOf(thinB, za, 1);
      meanOf(pick(all), zc, 1);
      meanOf(pick(all), zc, -1);
      meanOf(thinB, zc, 1);
      target.push(b);
    }
  });
  const score = (codes: Float32Array) => {
    const r = judge(codes);
    let isB = 0;
    let bold = 0;
    let both = 0;
    target.forEach((b, i) => {
      const c = r.cls[i] === b;
      const h = r.ink[i] > median[b];
      if (c) isB++;
      if (h) bold++;
      if (c && h) both++;
    });
    // No class pair (fewer than two classes recognised in the pool): nothing counts.
    return total ? { boldB: both / total, isB: isB / total, bold: bold / total } : { boldB: 0, isB: 0, bold: 0 };
  };
  return { pairs, trials, arithmetic: score(arith), control: score(control) };
}
