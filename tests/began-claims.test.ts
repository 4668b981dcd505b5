/** The BEGAN claims' computations (src/experiments/began.ts) on hand-made runs. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { diversityVerdict, mGlobalVerdict, pearson, qualityVerdict, ranks, spearman, trackingVerdict, trackPoints } from "../src/experiments/began";
import type { QualityLine } from "../src/eval/watch";
import type { StepRecord } from "../src/train/trainer";

test("ranks, Pearson and Spearman by hand", () => {
  assert.deepEqual(ranks([10, 30, 20, 20]), [1, 4, 2.5, 2.5]);
  // x = 1..4, y = 2, 4, 5, 9: means 2.5 and 5; sxy = 1.5*3 + 0.5*1 + 0 + 1.5*4 = 11, sxx = 5, syy = 9 + 1 + 0 + 16 = 26.
  assert.ok(Math.abs(pearson([1, 2, 3, 4], [2, 4, 5, 9]) - 11 / Math.sqrt(5 * 26)) < 1e-12);
  assert.equal(spearman([1, 2, 3, 4], [2, 4, 5, 90]), 1, "monotone: rank correlation 1 whatever the spacing");
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  // ranks of y = [1, 3, 2, 4] against 1..4: d^2 = 0 + 1 + 1 + 0 = 2, rho = 1 - 6*2/(4*15) = 0.8.
  assert.ok(Math.abs(spearman([1, 2, 3, 4], [5, 7, 6, 8]) - 0.8) < 1e-12);
  assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])), "a constant side has no correlation");
});

test("trackPoints averages M_global over the window before each evaluation", () => {
  const history: StepRecord[] = Array.from({ length: 6 }, (_, step) => ({ step, time: step, imagesPerSec: 1, values: { M_global: step + 1 } }));
  const evals = [3, 6].map((step, i) => ({ step, fd_ratio: 10 - i } as QualityLine));
  // step 3: steps 2 and 3 (values 2, 3) -> 2.5; step 6: 5 and 6 -> 5.5
  assert.deepEqual(trackPoints(history, evals, "M_global", 2), [{ step: 3, value: 2.5, fdRatio: 10 }, { step: 6, value: 5.5, fdRatio: 9 }]);
});

test("the BEGAN verdicts on hand-made results: held, not held, inconclusive", () => {
  assert.equal(trackingVerdict([0.8, 0.7, 0.9]).verdict, "held");
  assert.equal(trackingVerdict([-0.8, -0.7, -0.9]).verdict, "not held");
  assert.equal(trackingVerdict([0.8, -0.7, 0.1]).verdict, "inconclusive");
  // improved lower by about 0.1 (> 0.072) with little spread: held
  assert.equal(mGlobalVerdict([0.10, 0.11, 0.09], [0.20, 0.21, 0.19]).verdict, "held");
  // lower, but by 0.02 only: not held
  assert.equal(mGlobalVerdict([0.18, 0.19, 0.18], [0.20, 0.21, 0.20]).verdict, "not held");
  assert.equal(mGlobalVerdict([0.1, 0.3], [0.2, 0.2]).verdict, "inconclusive", "two seeds");
  assert.equal(qualityVerdict([5, 6, 5.5], [9, 10, 9.5]).verdict, "held");
  assert.equal(diversityVerdict([0.2, 0.25, 0.22], [0.6, 0.62, 0.58]).verdict, "held");
  assert.equal(diversityVerdict([0.6, 0.62, 0.58], [0.2, 0.25, 0.22]).verdict, "not held");
});
