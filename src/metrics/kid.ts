/**
 * KID, the kernel distance of Bińkowski et al. 2018 ("Demystifying MMD GANs"): the unbiased
 * estimate of the squared maximum mean discrepancy between real and fake features under the
 * polynomial kernel
 *
 *   k(x, y) = (x·y / d + 1)^3
 *
 * For m real rows X and m fake rows Y:
 *
 *   MMD^2_u = sum_{i != j} k(x_i, x_j) / (m(m-1)) + sum_{i != j} k(y_i, y_j) / (m(m-1))
 *             - 2 sum_{i, j} k(x_i, y_j) / m^2
 *
 * As in the paper, it is averaged over `subsets` random subsets (default 100) of m rows from each
 * set (m = min(1000, n_real, n_fake) by default), each drawn without replacement, seeded. An
 * unbiased estimate can be slightly below 0 when the sets come from the same distribution.
 *
 * Spread: `std` is the sample standard deviation of the subset estimates (what the paper's code and
 * torch-fidelity report); `stderr` = std / sqrt(subsets) is the error of the mean over the subset
 * draws only. When the subsets overlap heavily (m near n) the mean is close to the estimate on the
 * whole sets, whose own sampling error (other images of the same distributions) stderr does not
 * include: with n = 2m, two sets of one distribution can give KID a few stderr from 0.
 *
 * Dot products are float32 MatMuls on the current tfjs backend; kernel values and sums are float64.
 */
import { UserError } from "../errors";
import { mulberry32 } from "../data/rng";
import { checkPair, dotMatrix, Features } from "./features";

export interface KidOptions {
  /** Random subsets averaged (default 100; at least 2 for a standard error). */
  subsets?: number;
  /** Rows per subset from each set (default min(1000, n_real, n_fake)). */
  subsetSize?: number;
  /** Seed of the subset draws (default 0). */
  seed?: number;
}

export interface KidResult {
  /** Mean of the unbiased MMD^2 over the subsets. */
  value: number;
  /** Sample standard deviation of the subset estimates. */
  std: number;
  /** std / sqrt(subsets): the error of the mean over the subset draws (see the header). */
  stderr: number;
  subsets: number;
  subsetSize: number;
}

/** Draw m of 0..n-1 without replacement (partial Fisher-Yates on a reused index array). */
function drawRows(f: Features, m: number, idx: Int32Array, rand: () => number): Features {
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rand() * (f.n - i));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  const d = f.d;
  const data = new Float32Array(m * d);
  for (let i = 0; i < m; i++) data.set(f.data.subarray(idx[i] * d, (idx[i] + 1) * d), i * d);
  return { n: m, d, data };
}

/** Sum of k over the entries of a dot-product matrix, without its diagonal if `offDiagonal`. */
function kernelSum(dots: Float32Array, rows: number, cols: number, d: number, offDiagonal: boolean): number {
  let s = 0;
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) {
      if (offDiagonal && i === j) continue;
      const u = dots[base + j] / d + 1;
      s += u * u * u;
    }
  }
  return s;
}

/** The unbiased MMD^2 of two equal-sized sets under the cubic polynomial kernel. */
export function mmdUnbiased(x: Features, y: Features): number {
  const m = x.n;
  if (y.n !== m) throw new Error(`mmdUnbiased: ${m} and ${y.n} rows`);
  const d = x.d;
  const xx = kernelSum(dotMatrix(x, x), m, m, d, true);
  const yy = kernelSum(dotMatrix(y, y), m, m, d, true);
  const xy = kernelSum(dotMatrix(x, y), m, m, d, false);
  return (xx + yy) / (m * (m - 1)) - (2 * xy) / (m * m);
}

/** KID of fake features against real ones, with its standard error over the subsets. */
export function kid(real: Features, fake: Features, options: KidOptions = {}): KidResult {
  checkPair(real, fake, "KID");
  const subsets = options.subsets ?? 100;
  if (!Number.isInteger(subsets) || subsets < 2) throw new UserError(`KID: subsets must be an integer >= 2 (the standard error needs two), got ${subsets}`);
  const most = Math.min(real.n, fake.n);
  const m = options.subsetSize ?? Math.min(1000, most);
  if (!Number.isInteger(m) || m < 2) {
    throw new UserError(options.subsetSize === undefined ? `KID: needs at least 2 real and 2 fake rows, got ${real.n} and ${fake.n}` : `KID: subsetSize must be an integer >= 2, got ${m}`);
  }
  if (m > most) throw new UserError(`KID: subsetSize ${m} is larger than the smaller set (${real.n} real, ${fake.n} fake rows)`);
  const rand = mulberry32(options.seed ?? 0);
  const realIdx = Int32Array.from({ length: real.n }, (_, i) => i);
  const fakeIdx = Int32Array.from({ length: fake.n }, (_, i) => i);
  const values: number[] = [];
  for (let s = 0; s < subsets; s++) values.push(mmdUnbiased(drawRows(real, m, realIdx, rand), drawRows(fake, m, fakeIdx, rand)));
  const mean = values.reduce((a, b) => a + b, 0) / subsets;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (subsets - 1);
  return { value: mean, std: Math.sqrt(variance), stderr: Math.sqrt(variance / subsets), subsets, subsetSize: m };
}
