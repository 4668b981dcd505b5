/**
 * The feature-space metrics: Fréchet distance, KID, improved precision/recall, density/coverage,
 * and their registry entries. Closed forms for Gaussians, values worked out by hand in the
 * comments, properties with known answers (identical, shifted, disjoint and mode-collapsed sets),
 * singular covariances, and bad input.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useWasm } from "./helpers";
import { UserError } from "../src/errors";
import { mulberry32, normalFrom } from "../src/data/rng";
import { dotMatrix, featureStats, Features, featuresFromRows, forEachDotBlock } from "../src/metrics/features";
import { frechetDetail, frechetDistance, frechetFromFeatures, GaussianStats } from "../src/metrics/frechet";
import { kid } from "../src/metrics/kid";
import { precisionRecall } from "../src/metrics/precision-recall";
import { densityCoverage } from "../src/metrics/density-coverage";
import { knnRadii } from "../src/metrics/neighbours";
import { computeMetric, METRIC_NAMES, metricEntry } from "../src/metrics/registry";

// ---------------------------------------------------------------------------------------------
// Small dense-matrix helpers for building test Gaussians (d x d, row-major number[])

function matmul(a: number[], b: number[], d: number): number[] {
  const out = new Array(d * d).fill(0);
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) for (let j = 0; j < d; j++) out[i * d + j] += a[i * d + k] * b[k * d + j];
  return out;
}
function transpose(a: number[], d: number): number[] {
  return a.map((_, idx) => a[(idx % d) * d + Math.floor(idx / d)]);
}
/** Q S Q^T */
function rotate(s: number[], q: number[], d: number): number[] {
  return matmul(matmul(q, s, d), transpose(q, d), d);
}
function rotateVec(v: number[], q: number[], d: number): number[] {
  return Array.from({ length: d }, (_, i) => v.reduce((acc, x, k) => acc + q[i * d + k] * x, 0));
}
/** A random orthogonal matrix: Gram-Schmidt on Gaussian columns. */
function randomRotation(d: number, seed: number): number[] {
  const rnd = normalFrom(mulberry32(seed));
  const cols: number[][] = [];
  for (let c = 0; c < d; c++) {
    let v = Array.from({ length: d }, () => rnd());
    for (const u of cols) {
      const p = v.reduce((acc, x, i) => acc + x * u[i], 0);
      v = v.map((x, i) => x - p * u[i]);
    }
    const norm = Math.hypot(...v);
    cols.push(v.map((x) => x / norm));
  }
  return Array.from({ length: d * d }, (_, idx) => cols[idx % d][Math.floor(idx / d)]);
}
function diag(values: number[]): number[] {
  const d = values.length;
  return Array.from({ length: d * d }, (_, idx) => (idx % (d + 1) === 0 ? values[idx / (d + 1)] : 0));
}
/** Block-diagonal of 2x2 blocks [a, b; b, c]. */
function blocks2(bs: [number, number, number][]): number[] {
  const d = 2 * bs.length;
  const out = new Array(d * d).fill(0);
  bs.forEach(([a, b, c], k) => {
    const o = 2 * k;
    out[o * d + o] = a;
    out[o * d + o + 1] = b;
    out[(o + 1) * d + o] = b;
    out[(o + 1) * d + o + 1] = c;
  });
  return out;
}
function cholesky(s: number[], d: number): number[] {
  const l = new Array(d * d).fill(0);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let v = s[i * d + j];
      for (let k = 0; k < j; k++) v -= l[i * d + k] * l[j * d + k];
      l[i * d + j] = i === j ? Math.sqrt(v) : v / l[j * d + j];
    }
  return l;
}
/** n samples of N(mean, cov). */
function sampleGaussian(n: number, mean: number[], cov: number[], seed: number): Features {
  const d = mean.length;
  const l = cholesky(cov, d);
  const rnd = normalFrom(mulberry32(seed));
  const data = new Float32Array(n * d);
  const z = new Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) z[k] = rnd();
    for (let r = 0; r < d; r++) {
      let v = mean[r];
      for (let k = 0; k <= r; k++) v += l[r * d + k] * z[k];
      data[i * d + r] = v;
    }
  }
  return { n, d, data };
}
/** n standard normal rows of dimension d, plus `shift` on every coordinate. */
function normals(n: number, d: number, seed: number, shift = 0): Features {
  const rnd = normalFrom(mulberry32(seed));
  return { n, d, data: Float32Array.from({ length: n * d }, () => rnd() + shift) };
}
function shifted(f: Features, u: number[]): Features {
  return { n: f.n, d: f.d, data: f.data.map((v, i) => v + u[i % f.d]) };
}
const stats = (mean: number[], cov: number[]): GaussianStats => ({ d: mean.length, mean, cov });
const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tolerance ${tol})`);
const bad = (f: () => unknown, pattern: RegExp) => assert.throws(f, (e: Error) => e instanceof UserError && pattern.test(e.message), `expected a UserError matching ${pattern}`);

/**
 * FD of two 2x2 covariances by an independent route: for a 2x2 matrix M with non-negative
 * eigenvalues l1, l2, Tr M^{1/2} = sqrt(l1) + sqrt(l2) = sqrt(Tr M + 2 sqrt(det M)); with M = S1 S2,
 * Tr M = Tr(S1 S2) and det M = det S1 det S2.
 */
function fd2x2([a1, b1, c1]: [number, number, number], [a2, b2, c2]: [number, number, number]): number {
  const trProduct = a1 * a2 + 2 * b1 * b2 + c1 * c2;
  const dets = (a1 * c1 - b1 * b1) * (a2 * c2 - b2 * b2);
  return a1 + c1 + a2 + c2 - 2 * Math.sqrt(trProduct + 2 * Math.sqrt(dets));
}

// ---------------------------------------------------------------------------------------------
// Fréchet distance

test("FD of Gaussians given as statistics: diagonal, 1-D and 2x2 non-commuting closed forms", () => {
  // Diagonal: |dmu|^2 + sum (sqrt a_i - sqrt b_i)^2.
  // dmu = (-1, 0, 2, 0): 5; variances (1, 4, 9, 0.25) vs (4, 1, 9, 1): (1-2)^2 + (2-1)^2 + 0 + (0.5-1)^2 = 2.25.
  const a = stats([0, 1, 2, 3], diag([1, 4, 9, 0.25]));
  const b = stats([1, 1, 0, 3], diag([4, 1, 9, 1]));
  close(frechetDistance(a, b), 7.25, 1e-9, "diagonal");
  const detail = frechetDetail(a, b);
  close(detail.meanTerm, 5, 1e-12, "mean term");
  close(detail.covTerm, 2.25, 1e-9, "covariance term");

  // 1-D: (m1 - m2)^2 + (s1 - s2)^2 with standard deviations s: means 1, 4; variances 4, 9: 9 + 1.
  close(frechetDistance(stats([1], [4]), stats([4], [9])), 10, 1e-12, "1-D");

  // 2x2, not commuting: S1 = [2 1; 1 2], S2 = [1 0; 0 4] (S1 S2 = [2 4; 1 8] != S2 S1 = [2 1; 4 8]).
  // Tr(S1 S2) = 2 + 8 = 10, det S1 det S2 = 3 * 4 = 12, so Tr (S1 S2)^{1/2} = sqrt(10 + 2 sqrt 12)
  // and FD = 4 + 5 - 2 sqrt(10 + 4 sqrt 3) = 0.771220...
  const s1 = stats([0, 0], [2, 1, 1, 2]);
  const s2 = stats([0, 0], [1, 0, 0, 4]);
  close(frechetDistance(s1, s2), 9 - 2 * Math.sqrt(10 + 4 * Math.sqrt(3)), 1e-12, "2x2 non-commuting");
  close(frechetDistance(s2, s1), 9 - 2 * Math.sqrt(10 + 4 * Math.sqrt(3)), 1e-12, "2x2, arguments swapped");
  // Another pair with means: [3 -1; -1 1] and [0.5 0.2; 0.2 2], dmu = (1, -2).
  close(frechetDistance(stats([1, 0], [3, -1, -1, 1]), stats([0, 2], [0.5, 0.2, 0.2, 2])), 5 + fd2x2([3, -1, 1], [0.5, 0.2, 2]), 1e-12, "2x2 with means");
});

test("FD is invariant under a rotation of both Gaussians; commuting covariances match the diagonal case", () => {
  // S1 = Q diag(a) Q^T and S2 = Q diag(b) Q^T share eigenvectors: FD is the diagonal closed form.
  const q4 = randomRotation(4, 1);
  const a = stats(rotateVec([0, 1, 2, 3], q4, 4), rotate(diag([1, 4, 9, 0.25]), q4, 4));
  const b = stats(rotateVec([1, 1, 0, 3], q4, 4), rotate(diag([4, 1, 9, 1]), q4, 4));
  close(frechetDistance(a, b), 7.25, 1e-9, "commuting, non-diagonal");

  // Two non-commuting 2x2 blocks, then a random 6-D rotation of both (the rotation mixes the
  // blocks): the sum of the blocks' closed forms, before and after.
  const b1: [number, number, number][] = [[2, 1, 2], [1, 0.5, 3], [0.3, 0, 0.8]];
  const b2: [number, number, number][] = [[1, 0, 4], [2, -0.3, 1], [1.5, 0.9, 1]];
  const expected = b1.reduce((acc, blk, i) => acc + fd2x2(blk, b2[i]), 0) + 1 + 4;
  const m1 = [1, 0, 0, 0, 0, 2];
  const m2 = [0, 0, 0, 0, 0, 0];
  const plain = frechetDistance(stats(m1, blocks2(b1)), stats(m2, blocks2(b2)));
  close(plain, expected, 1e-9, "block-diagonal");
  const q6 = randomRotation(6, 2);
  const turned = frechetDistance(stats(rotateVec(m1, q6, 6), rotate(blocks2(b1), q6, 6)), stats(rotateVec(m2, q6, 6), rotate(blocks2(b2), q6, 6)));
  close(turned, expected, 1e-9, "rotated");
});

test("FD of feature sets: itself 0, shifted sets |shift|^2, constant and rank-deficient features stay finite", () => {
  const cov = rotate(diag([4, 2, 1, 1, 0.5, 0.3, 0.2, 0.1]), randomRotation(8, 3), 8);
  const x = sampleGaussian(500, new Array(8).fill(0), cov, 4);
  assert.ok(Math.abs(frechetFromFeatures(x, x)) < 1e-6, `FD(x, x) = ${frechetFromFeatures(x, x)}`);
  assert.ok(frechetFromFeatures(x, { ...x, data: x.data.slice() }) < 1e-6, "an identical copy");

  // Adding the same vector t u to every row moves the mean only: FD = t^2 |u|^2 (|u|^2 = 1 + 4 + 0.25 = 5.25).
  const u = [1, 0, -2, 0, 0, 0.5, 0, 0];
  for (const t of [0.5, 1, 2, 4]) {
    const fd = frechetFromFeatures(x, shifted(x, u.map((v) => v * t)));
    close(fd, t * t * 5.25, 1e-4 * t * t * 5.25 + 1e-6, `shift ${t}`);
  }

  // A constant feature (zero variance in both sets) adds (c1 - c2)^2 and nothing else.
  const y = sampleGaussian(500, [0.3, 0, 0, 0, 0, 0, 0, 0], diag([3, 2, 1, 1, 1, 0.3, 0.2, 0.1]), 5);
  const withConst = (f: Features, c: number): Features => ({ n: f.n, d: 9, data: Float32Array.from({ length: f.n * 9 }, (_, i) => (i % 9 === 8 ? c : f.data[Math.floor(i / 9) * 8 + (i % 9)])) });
  const base = frechetFromFeatures(x, y);
  close(frechetFromFeatures(withConst(x, 1), withConst(y, 1)), base, 1e-8 * base, "same constant feature");
  close(frechetFromFeatures(withConst(x, 1), withConst(y, 3)), base + 4, 1e-8 * base, "constants 1 and 3");

  // Fewer rows than dimensions: both covariances have rank <= 9 in 32 dimensions.
  const p = normals(10, 32, 6);
  const q = normals(10, 32, 7, 0.1);
  const fd = frechetFromFeatures(p, q);
  assert.ok(Number.isFinite(fd) && fd >= 0, `rank-deficient: ${fd}`);
  assert.ok(Math.abs(frechetFromFeatures(p, p)) < 1e-6, `rank-deficient, itself: ${frechetFromFeatures(p, p)}`);
  // Rank-deficient against full-rank: finite, and above the mean term.
  const big = normals(200, 32, 8);
  const d2 = frechetDetail(featureStats(p), featureStats(big));
  assert.ok(Number.isFinite(d2.value) && d2.covTerm > 0, `rank 9 against rank 32: ${JSON.stringify(d2)}`);
});

test("FD from 20,000 samples of two known 4-D Gaussians is within 2% of the closed form", () => {
  // S1, S2: rotated block-diagonal covariances (non-commuting blocks) with means 1.5 apart along a
  // rotated axis; the closed form is the blocks' 2x2 formula plus |dmu|^2.
  const q = randomRotation(4, 9);
  const b1: [number, number, number][] = [[2, 1, 2], [1, 0.5, 3]];
  const b2: [number, number, number][] = [[1, 0, 4], [2, -0.3, 1]];
  const m1 = rotateVec([0, 0, 0, 0], q, 4);
  const m2 = rotateVec([1.5, 0, 0, 1], q, 4);
  const expected = fd2x2(b1[0], b2[0]) + fd2x2(b1[1], b2[1]) + 1.5 ** 2 + 1;
  const real = sampleGaussian(20000, m1, rotate(blocks2(b1), q, 4), 10);
  const fake = sampleGaussian(20000, m2, rotate(blocks2(b2), q, 4), 11);
  const fd = frechetFromFeatures(real, fake);
  assert.ok(Math.abs(fd - expected) < 0.02 * expected, `FD from samples ${fd} vs closed form ${expected}`);
});

test("FD: bad input is a UserError", () => {
  const x = normals(5, 3, 1);
  bad(() => frechetFromFeatures(x, normals(5, 4, 2)), /dimension 3, fake features 4/);
  bad(() => frechetFromFeatures(x, normals(1, 3, 2)), /1 rows, at least 2 needed for a covariance/);
  bad(() => frechetFromFeatures(x, { n: 5, d: 3, data: new Float32Array(14) }), /need 15 values, got 14/);
  const nan = normals(5, 3, 3);
  nan.data[7] = NaN;
  bad(() => frechetFromFeatures(x, nan), /row 2, feature 1 is NaN/);
  bad(() => frechetDistance(stats([0, 0], [1, 2, 0, 1]), stats([0, 0], [1, 0, 0, 1])), /not symmetric/);
  bad(() => frechetDistance(stats([0, 0], [1, 0, 0, 1]), stats([0], [1])), /dimensions 2 and 1/);
  bad(() => frechetDistance(stats([0, 0], [1, 0, 0]), stats([0, 0], [1, 0, 0, 1])), /3 values, d x d = 4/);
});

test("featureStats: hand-computed mean and unbiased covariance", () => {
  // Rows (0, 1), (2, 1), (4, 4): mean (2, 2); deviations (-2, -1), (0, -1), (2, 2):
  // var x = 8 / 2 = 4, var y = 6 / 2 = 3, cov = (2 + 0 + 4) / 2 = 3.
  const s = featureStats(featuresFromRows([[0, 1], [2, 1], [4, 4]]));
  assert.deepEqual([...s.mean], [2, 2]);
  assert.deepEqual([...s.cov], [4, 3, 3, 3]);
});

// ---------------------------------------------------------------------------------------------
// Dot products in blocks

test("dot products in row blocks: any block size gives the same matrix; no tensors leak", async () => {
  await useWasm();
  const a = featuresFromRows([[1, 2], [3, 4], [5, 6]]);
  const b = featuresFromRows([[1, 0], [0, 1], [1, 1], [2, -1]]);
  // Hand: row (1, 2) -> 1, 2, 3, 0; (3, 4) -> 3, 4, 7, 2; (5, 6) -> 5, 6, 11, 4.
  const expected = [1, 2, 3, 0, 3, 4, 7, 2, 5, 6, 11, 4];
  const before = tf.memory().numTensors;
  assert.deepEqual([...dotMatrix(a, b)], expected);
  for (const maxValues of [1, 4, 8, 100]) {
    const got = new Array(12).fill(NaN);
    const starts: number[] = [];
    forEachDotBlock(a, b, (start, rows, block) => {
      starts.push(start);
      for (let i = 0; i < rows * 4; i++) got[start * 4 + i] = block[i];
    }, maxValues);
    assert.deepEqual(got, expected, `maxValues ${maxValues}`);
    assert.equal(starts.length, Math.ceil(3 / Math.max(1, Math.floor(maxValues / 4))));
  }
  assert.equal(tf.memory().numTensors, before, "no tensor leaks");
});

// ---------------------------------------------------------------------------------------------
// KID

test("KID by hand: 3 + 3 points in 1-D and the same points on the diagonal of 2-D", async () => {
  await useWasm();
  // X = {0, 1, 2}, Y = {1, 2, 3}, d = 1: k(x, y) = (xy + 1)^3.
  // Pairs within X: k(0,1) = 1, k(0,2) = 1, k(1,2) = 27: 29 per unordered pair set, mean 29/3.
  // Pairs within Y: k(1,2) = 27, k(1,3) = 64, k(2,3) = 343: 434, mean 434/3.
  // X against Y: x = 0: 1 + 1 + 1 = 3; x = 1: 8 + 27 + 64 = 99; x = 2: 27 + 125 + 343 = 495; 597/9.
  // MMD^2_u = 29/3 + 434/3 - 2 * 597/9 = (1389 - 1194)/9 = 195/9.
  // Every subset of size 3 is a reordering of the whole sets: all subsets give 195/9, std 0.
  const x = featuresFromRows([[0], [1], [2]]);
  const y = featuresFromRows([[1], [2], [3]]);
  const r = kid(x, y, { subsets: 5, seed: 1 });
  close(r.value, 195 / 9, 1e-9, "1-D");
  assert.equal(r.subsetSize, 3);
  assert.equal(r.subsets, 5);
  close(r.stderr, 0, 1e-9, "stderr");
  // In 2-D with rows (a, a): x·y / d = 2ab / 2 = ab, the same kernel values and the same KID.
  const x2 = featuresFromRows([[0, 0], [1, 1], [2, 2]]);
  const y2 = featuresFromRows([[1, 1], [2, 2], [3, 3]]);
  close(kid(x2, y2, { subsets: 2 }).value, 195 / 9, 1e-9, "2-D");
  // Swapping the sets changes nothing (the estimator is symmetric).
  close(kid(y, x, { subsets: 2 }).value, 195 / 9, 1e-9, "swapped");
});

test("KID: the same distribution is within 3 stderr of 0; shifted sets clearly positive and growing", async () => {
  await useWasm();
  // Subsets of 100 from 5,000 rows: the subsets barely overlap, so stderr covers the error.
  const real = normals(5000, 16, 1);
  const same = kid(real, normals(5000, 16, 2), { subsetSize: 100, seed: 3 });
  assert.ok(Math.abs(same.value) < 3 * same.stderr, `same distribution: ${same.value} +- ${same.stderr}`);
  assert.ok(same.stderr > 0 && Math.abs(same.std / Math.sqrt(100) - same.stderr) < 1e-15);
  const byShift = [0.25, 0.5, 1].map((s) => kid(real, normals(5000, 16, 2, s), { subsetSize: 100, seed: 3 }));
  assert.ok(byShift[0].value > 5 * byShift[0].stderr, `shift 0.25: ${byShift[0].value} +- ${byShift[0].stderr}`);
  for (let i = 1; i < byShift.length; i++) assert.ok(byShift[i].value > 2 * byShift[i - 1].value, `KID by shift: ${byShift.map((r) => r.value)}`);
  // Seeded: the same seed gives the same value, another seed another draw of the subsets.
  assert.equal(kid(real, normals(5000, 16, 2), { subsetSize: 100, seed: 3 }).value, same.value);
  assert.notEqual(kid(real, normals(5000, 16, 2), { subsetSize: 100, seed: 4 }).value, same.value);
  // Default subset size: min(1000, n_real, n_fake).
  assert.equal(kid(normals(50, 4, 1), normals(40, 4, 2), { subsets: 2 }).subsetSize, 40);
});

test("KID: bad input is a UserError", () => {
  const x = normals(10, 3, 1);
  bad(() => kid(x, normals(10, 3, 2), { subsets: 1 }), /subsets must be an integer >= 2/);
  bad(() => kid(x, normals(10, 3, 2), { subsetSize: 11 }), /subsetSize 11 is larger than the smaller set/);
  bad(() => kid(x, normals(1, 3, 2)), /at least 2 real and 2 fake rows/);
  bad(() => kid(x, normals(10, 2, 2)), /dimension 3, fake features 2/);
});

// ---------------------------------------------------------------------------------------------
// Precision, recall, density, coverage

test("k-NN metrics by hand: 6 real and 6 fake points in 1-D, k = 2", async () => {
  await useWasm();
  // Real {0, 1, 3, 6, 10, 50}; distance to the 2nd nearest other real point:
  //   0: 1, 3 -> 3;  1: 1, 2 -> 2;  3: 2, 3 -> 3;  6: 3, 4 -> 4;  10: 4, 7 -> 7;  50: 40, 44 -> 44
  // balls [-3, 3], [-1, 3], [0, 6], [2, 10], [3, 17], [6, 94].
  // Fake {-4, -3.5, 3.5, 4.5, 14, 20}; 2nd nearest other fake point:
  //   -4: 0.5, 7.5 -> 7.5;  -3.5: 0.5, 7 -> 7;  3.5: 1, 7 -> 7;  4.5: 1, 8 -> 8;  14: 6, 9.5 -> 9.5;
  //   20: 6, 15.5 -> 15.5; the fake balls' union is [-11.5, 35.5].
  // precision: -4 and -3.5 lie in no real ball, 3.5, 4.5, 14 and 20 do: 4/6.
  // recall: every real point but 50 lies in [-11.5, 35.5]: 5/6.
  // density: real balls holding each fake: -4: 0, -3.5: 0, 3.5: [0,6] [2,10] [3,17] = 3,
  //   4.5: the same 3, 14: [3,17] [6,94] = 2, 20: [6,94] = 1; 9 / (k M) = 9 / 12 = 0.75.
  // coverage: nearest fake to each real point against its radius: 0: 3.5 > 3, 1: 2.5 > 2, 3: 0.5,
  //   6: 1.5, 10: 4 <= 7, 50: 30 <= 44: 4/6.
  const real = featuresFromRows([[0], [1], [3], [6], [10], [50]]);
  const fake = featuresFromRows([[-4], [-3.5], [3.5], [4.5], [14], [20]]);
  const near = (got: Float64Array, want: number[], what: string) => want.forEach((w, i) => close(got[i], w, 1e-4 * w, `${what} radius ${i}`));
  near(knnRadii(real, 2), [3, 2, 3, 4, 7, 44], "real");
  near(knnRadii(fake, 2), [7.5, 7, 7, 8, 9.5, 15.5], "fake");
  const pr = precisionRecall(real, fake, { k: 2 });
  close(pr.precision, 4 / 6, 1e-12, "precision");
  close(pr.recall, 5 / 6, 1e-12, "recall");
  const dc = densityCoverage(real, fake, { k: 2 });
  close(dc.density, 0.75, 1e-12, "density");
  close(dc.coverage, 4 / 6, 1e-12, "coverage");
  assert.deepEqual([pr.k, pr.nReal, pr.nFake, dc.k], [2, 6, 6, 2]);
  // k = 1, radii by hand: real 1, 1, 2, 3, 4, 40; fake 0.5, 0.5, 1, 1, 6, 6. Fake 3.5 lies in [1, 5]
  // (around 3) and 4.5 in [3, 9] (around 6); 14 and 20 in [10, 90] (around 50): precision 4/6.
  // Fake balls: [-4.5, -3.5], [-4, -3], [2.5, 4.5], [3.5, 5.5], [8, 20], [14, 26]: real 3 and 10 are
  // inside: recall 2/6.
  const pr1 = precisionRecall(real, fake, { k: 1 });
  close(pr1.precision, 4 / 6, 1e-12, "precision, k = 1");
  close(pr1.recall, 2 / 6, 1e-12, "recall, k = 1");
});

test("k-NN metrics: identical sets, two samples of one distribution, disjoint sets", async () => {
  await useWasm();
  const real = normals(1000, 8, 1);
  const pr = precisionRecall(real, real);
  assert.deepEqual([pr.precision, pr.recall], [1, 1]);
  // A set against itself: each point lies in its own ball and in the k balls whose k nearest
  // neighbours it is among: density (k + 1) / k, coverage 1.
  const dc = densityCoverage(real, { ...real, data: real.data.slice() });
  close(dc.density, 6 / 5, 1e-3, "density of a set against itself");
  assert.equal(dc.coverage, 1);
  // Two samples of one distribution: E[density] = 1 and E[coverage] = 1 - (N-1)...(N-k) / ((M+N-1)...(M+N-k)),
  // about 1 - 1/2^k = 0.969 for M = N, k = 5 (Naeem et al. 2020).
  const other = densityCoverage(normals(2000, 8, 2), normals(2000, 8, 3));
  close(other.density, 1, 0.06, "density, same distribution");
  close(other.coverage, 1 - 1 / 32, 0.015, "coverage, same distribution");
  // Disjoint: the fakes 1,000 away on every axis.
  const far = normals(1000, 8, 4, 1000);
  const prFar = precisionRecall(real, far);
  const dcFar = densityCoverage(real, far);
  assert.deepEqual([prFar.precision, prFar.recall, dcFar.density, dcFar.coverage], [0, 0, 0, 0]);
});

test("k-NN metrics: one-mode collapse keeps precision high while recall and coverage drop", async () => {
  await useWasm();
  // Real: 10 clusters in 4-D (unit Gaussians around means about 11 apart) of 200 points; fake: 500
  // fresh points of cluster 0 only. (In 4-D a fresh sample of one cluster lies in its k-NN
  // manifold 95-97% of the time; at 16-D only about 78% of the time, collapsed or not: the
  // manifold estimate thins out with the dimension for a fixed number of points.)
  const d = 4;
  const rnd = normalFrom(mulberry32(5));
  const centres = Array.from({ length: 10 }, () => Array.from({ length: d }, () => 4 * rnd()));
  const cluster = (c: number, n: number, seed: number) => shifted(normals(n, d, seed), centres[c]);
  const parts = centres.map((_, c) => cluster(c, 200, 10 + c));
  const real: Features = { n: 2000, d, data: new Float32Array(2000 * d) };
  parts.forEach((p, c) => real.data.set(p.data, c * 200 * d));
  const collapsed = cluster(0, 500, 99);
  const pr = precisionRecall(real, collapsed);
  const dc = densityCoverage(real, collapsed);
  assert.ok(pr.precision >= 0.9, `precision ${pr.precision}`);
  assert.ok(pr.recall <= 0.2, `recall ${pr.recall}`);
  assert.ok(dc.coverage <= 0.2, `coverage ${dc.coverage}`);
  // The same number of fakes spread over all clusters: recall and coverage come back.
  const spread: Features = { n: 500, d, data: new Float32Array(500 * d) };
  centres.forEach((_, c) => spread.data.set(cluster(c, 50, 200 + c).data, c * 50 * d));
  const prAll = precisionRecall(real, spread);
  const dcAll = densityCoverage(real, spread);
  assert.ok(prAll.precision >= 0.9 && prAll.recall >= 0.7 && dcAll.coverage >= 0.6, `all modes: ${JSON.stringify([prAll, dcAll])}`);
});

test("k-NN metrics: bad input is a UserError", () => {
  const x = normals(4, 2, 1);
  bad(() => precisionRecall(x, normals(4, 2, 2), { k: 0 }), /k must be a positive integer, got 0/);
  bad(() => precisionRecall(x, normals(3, 2, 2)), /the fake set has 3 rows: the k-th nearest neighbour \(k = 3\) needs at least 4/);
  bad(() => densityCoverage(x, normals(4, 2, 2)), /the real set has 4 rows: .*\(k = 5\) needs at least 6/);
  bad(() => densityCoverage(x, normals(4, 3, 2), { k: 1 }), /dimension 2, fake features 3/);
});

// ---------------------------------------------------------------------------------------------
// Registry

test("registry: feature metrics by name, their inputs checked, the same values as the direct calls", async () => {
  await useWasm();
  for (const name of ["fd", "kid", "precision", "recall", "density", "coverage"]) {
    assert.ok(METRIC_NAMES.includes(name), name);
    assert.equal(metricEntry(name).input, "features");
    bad(() => computeMetric(name, {}), new RegExp(`metric "${name}" compares feature vectors: pass features: \\{ real, fake \\}`));
  }
  for (const name of ["swd", "ms-ssim", "inception-score", "modified-inception-score"]) assert.equal(metricEntry(name).input, "images");
  const real = normals(300, 6, 1);
  const fake = normals(200, 6, 2, 0.3);
  bad(() => computeMetric("swd", { features: { real, fake } }), /metric "swd" scores images: pass them as fake/);
  bad(() => computeMetric("ms-ssim", { fake: { data: new Float32Array(2 * 64), shape: [2, 8, 8, 1] } }), /needs the images' range/);

  const features = { real, fake };
  const fd = computeMetric("fd", { features });
  assert.deepEqual(fd, { metric: "fd", value: frechetFromFeatures(real, fake), details: { n_real: 300, n_fake: 200, d: 6 } });
  const k = computeMetric("kid", { features, seed: 2, options: { subsets: 10 } });
  const direct = kid(real, fake, { subsets: 10, seed: 2 });
  assert.deepEqual(k, { metric: "kid", value: direct.value, details: { stderr: direct.stderr, std: direct.std, subsets: 10, subsetSize: 200 } });
  const pr = precisionRecall(real, fake, { k: 4 });
  const dc = densityCoverage(real, fake);
  assert.deepEqual(computeMetric("precision", { features, options: { k: 4 } }), { metric: "precision", value: pr.precision, details: { k: 4, n_real: 300, n_fake: 200 } });
  assert.deepEqual(computeMetric("recall", { features, options: { k: 4 } }), { metric: "recall", value: pr.recall, details: { k: 4, n_real: 300, n_fake: 200 } });
  assert.deepEqual(computeMetric("density", { features }), { metric: "density", value: dc.density, details: { k: 5, n_real: 300, n_fake: 200 } });
  assert.deepEqual(computeMetric("coverage", { features }), { metric: "coverage", value: dc.coverage, details: { k: 5, n_real: 300, n_fake: 200 } });
  // Recall with another k after precision: not the cached pass.
  assert.equal(computeMetric("recall", { features, options: { k: 1 } }).value, precisionRecall(real, fake, { k: 1 }).recall);
});
