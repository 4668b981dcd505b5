/**
 * Feature sets for the feature-space metrics (Fréchet distance, KID, precision/recall,
 * density/coverage): n feature vectors of dimension d, as an evaluator network's penultimate layer
 * gives them. Holds the type, its mean and covariance in float64, the checks every feature metric
 * runs on its inputs (each a UserError with a one-line message), and A·B^T in row blocks on the
 * current tfjs backend, which KID and the k-NN metrics build on.
 */
import * as tf from "@tensorflow/tfjs";
import { UserError } from "../errors";

/** n feature vectors of dimension d, row-major: row i is data[i*d .. (i+1)*d). */
export interface Features {
  n: number;
  d: number;
  data: Float32Array;
}

/** Mean and unbiased covariance (d x d, row-major) of a feature set, in float64. */
export interface FeatureStats {
  n: number;
  d: number;
  mean: Float64Array;
  cov: Float64Array;
}

/** Features from an array of rows (all of the same length). */
export function featuresFromRows(rows: readonly (readonly number[])[], what = "features"): Features {
  if (!Array.isArray(rows) || rows.length === 0) throw new UserError(`${what}: no rows`);
  const d = rows[0].length;
  const data = new Float32Array(rows.length * d);
  rows.forEach((r, i) => {
    if (r.length !== d) throw new UserError(`${what}: row ${i} has ${r.length} values, row 0 has ${d}`);
    data.set(r, i * d);
  });
  const f = { n: rows.length, d, data };
  checkFeatures(f, what);
  return f;
}

/** Shape and values: n, d positive integers, n*d float32 values, all finite. */
export function checkFeatures(f: Features, what: string): void {
  if (!f || typeof f !== "object" || !(f.data instanceof Float32Array)) throw new UserError(`${what}: expected {n, d, data: Float32Array}`);
  const { n, d, data } = f;
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(d) && d >= 1)) throw new UserError(`${what}: n and d must be positive integers, got n = ${n}, d = ${d}`);
  if (data.length !== n * d) throw new UserError(`${what}: ${n} x ${d} features need ${n * d} values, got ${data.length}`);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new UserError(`${what}: row ${Math.floor(i / d)}, feature ${i % d} is ${data[i]}: features must be finite`);
  }
}

/** Two sets to compare: both valid, with the same dimension. */
export function checkPair(real: Features, fake: Features, metric: string): void {
  checkFeatures(real, `${metric}: real features`);
  checkFeatures(fake, `${metric}: fake features`);
  if (real.d !== fake.d) {
    throw new UserError(`${metric}: real features have dimension ${real.d}, fake features ${fake.d}: both must come from the same evaluator layer`);
  }
}

/** At least `min` rows, with the reason in the message (e.g. "for a covariance"). */
export function checkRows(f: Features, min: number, what: string, why: string): void {
  if (f.n < min) throw new UserError(`${what}: ${f.n} rows, at least ${min} needed ${why}`);
}

/** Mean and unbiased covariance (divided by n - 1), accumulated in float64. Needs n >= 2. */
export function featureStats(f: Features, what = "features"): FeatureStats {
  checkFeatures(f, what);
  checkRows(f, 2, what, "for a covariance");
  const { n, d, data } = f;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  // Upper triangle of sum_i (x_i - mean)(x_i - mean)^T, one centred row at a time.
  const cov = new Float64Array(d * d);
  const x = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) x[j] = data[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) {
      const xa = x[a];
      if (xa === 0) continue;
      const row = a * d;
      for (let b = a; b < d; b++) cov[row + b] += xa * x[b];
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b] / (n - 1);
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
  }
  return { n, d, mean, cov };
}

/**
 * Both sets minus the mean of `ref` (float64 mean, float32 result). Distances do not change, but
 * float32 dot products of centred vectors lose less to cancellation in |x|^2 + |y|^2 - 2 x·y.
 */
export function centredOn(ref: Features, sets: Features[]): Features[] {
  const { n, d, data } = ref;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  return sets.map((s) => {
    const out = new Float32Array(s.data.length);
    for (let i = 0; i < s.n; i++) for (let j = 0; j < d; j++) out[i * d + j] = s.data[i * d + j] - mean[j];
    return { n: s.n, d, data: out };
  });
}

/** Squared norms of the rows, float64. */
export function rowNorms2(f: Features): Float64Array {
  const out = new Float64Array(f.n);
  for (let i = 0; i < f.n; i++) {
    let s = 0;
    for (let j = 0; j < f.d; j++) {
      const v = f.data[i * f.d + j];
      s += v * v;
    }
    out[i] = s;
  }
  return out;
}

/** Values per block of A·B^T (float32): 2^23 = 32 MB. */
export const DOT_BLOCK_VALUES = 1 << 23;

/**
 * A·B^T in row blocks of A: `visit(start, rows, block)` gets the dot products of A's rows
 * start .. start+rows-1 with every row of B (block[r * b.n + j], float32). Each block is one
 * MatMul on the current tfjs backend, read back and disposed before the next, so memory stays at
 * about `maxValues` floats whatever the set sizes.
 */
export function forEachDotBlock(
  a: Features,
  b: Features,
  visit: (start: number, rows: number, block: Float32Array) => void,
  maxValues = DOT_BLOCK_VALUES,
): void {
  if (a.d !== b.d) throw new Error(`forEachDotBlock: dimensions ${a.d} and ${b.d} differ`);
  const d = a.d;
  const rowsPer = Math.max(1, Math.floor(maxValues / b.n));
  const tb = tf.tensor2d(b.data, [b.n, d]);
  try {
    for (let start = 0; start < a.n; start += rowsPer) {
      const rows = Math.min(rowsPer, a.n - start);
      const block = tf.tidy(() => tf.matMul(tf.tensor2d(a.data.subarray(start * d, (start + rows) * d), [rows, d]), tb, false, true));
      const values = block.dataSync() as Float32Array;
      block.dispose();
      visit(start, rows, values);
    }
  } finally {
    tb.dispose();
  }
}

/** The whole A·B^T (a.n x b.n, float32), for sets small enough to hold it. */
export function dotMatrix(a: Features, b: Features): Float32Array {
  const out = new Float32Array(a.n * b.n);
  forEachDotBlock(a, b, (start, _rows, block) => out.set(block, start * b.n), Math.max(DOT_BLOCK_VALUES, a.n * b.n));
  return out;
}
