/** Computed verdicts and quality targets on hand-made results. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { differenceVerdict, gateOnQuality, summarise, verdictLine } from "../src/experiments/verdict";
import { earlyClaim, gradientClaim, lastLogged, loggedAt, LossRun, metTarget } from "../src/experiments/gan";
import { claimFromVerdict } from "../src/results/files";
import { checkQuality, DEFAULT_TARGET } from "../src/experiments/quality";
import type { EvalReport } from "../src/eval/evaluate";

test("summarise: mean and sample standard deviation by hand", () => {
  // 1, 2, 3, 6: mean 3, squared deviations 4 + 1 + 0 + 9 = 14, / 3 -> std sqrt(14/3).
  const s = summarise([1, 2, 3, 6]);
  assert.equal(s.mean, 3);
  assert.ok(Math.abs(s.std - Math.sqrt(14 / 3)) < 1e-12);
  assert.equal(s.n, 4);
  assert.throws(() => summarise([1, NaN]), /non-finite/);
});

test("difference verdicts: held, not held (both ways) and inconclusive on hand-made seeds", () => {
  // A = {0.10, 0.12, 0.14}: mean 0.12, var 0.0004; B = {0.20, 0.21, 0.22}: mean 0.21, var 0.0001.
  // d = -0.09, se = sqrt(0.0004/3 + 0.0001/3) = 0.012910; interval -0.09 ± 0.02582 = [-0.1158, -0.0642].
  const a = [0.1, 0.12, 0.14];
  const b = [0.2, 0.21, 0.22];
  const held = differenceVerdict(a, b, { direction: "lower", effect: 0.072 });
  assert.equal(held.verdict, "held");
  assert.ok(Math.abs(held.difference + 0.09) < 1e-12);
  assert.ok(Math.abs(held.stderr - Math.sqrt(0.0005 / 3)) < 1e-12);
  assert.ok(Math.abs(held.interval[0] + 0.09 + 2 * Math.sqrt(0.0005 / 3)) < 1e-12);
  // Lower, but the interval's far end (-0.1158) falls short of a claimed 0.2: not held.
  const small = differenceVerdict(a, b, { direction: "lower", effect: 0.2 });
  assert.equal(small.verdict, "not held");
  assert.match(small.why, /by less than the claimed 0.200/);
  // The other way round: A higher than B is excluded.
  const wrong = differenceVerdict(a, b, { direction: "higher" });
  assert.equal(wrong.verdict, "not held");
  // Noisy seeds: A = {0.0, 0.2, 0.4} (mean 0.2, var 0.04) vs B = {0.2, 0.25, 0.3} (mean 0.25, var 0.0025):
  // d = -0.05, se = sqrt(0.04/3 + 0.0025/3) = 0.1190: [-0.288, 0.188] holds 0 and -0.072.
  const noisy = differenceVerdict([0, 0.2, 0.4], [0.2, 0.25, 0.3], { direction: "lower", effect: 0.072 });
  assert.equal(noisy.verdict, "inconclusive");
  assert.match(noisy.why, /more seeds would decide/);
  // Two seeds are never enough.
  assert.equal(differenceVerdict([0.1, 0.1], [0.5, 0.5], { direction: "lower" }).verdict, "inconclusive");
  assert.match(verdictLine("improved BEGAN lowers M_global by 0.072", noisy), /^improved BEGAN lowers M_global by 0.072: inconclusive \(A - B = /);
});

test("difference verdicts on ties: no spread and no difference is not held, unless every seed sits at the measure's best value", () => {
  // A = B = {5, 5, 5}: d = 0, se = 0, interval [0, 0]: A is not higher, and more seeds would not change that.
  const tie = differenceVerdict([5, 5, 5], [5, 5, 5], { direction: "higher" });
  assert.equal(tie.verdict, "not held");
  assert.deepEqual(tie.interval, [0, 0]);
  assert.match(tie.why, /every seed of A and B the same value, no difference$/);
  // All 8 of 8 modes on both sides: the measure is at its ceiling and cannot show "more".
  const ceiling = differenceVerdict([8, 8, 8, 8, 8], [8, 8, 8, 8, 8], { direction: "higher", best: 8 });
  assert.equal(ceiling.verdict, "inconclusive");
  assert.match(ceiling.why, /every seed of A and B at the measure's best value \(8\)/);
  // One seed below the ceiling on a side: judged as usual (A {8, 8, 8} vs B {8, 8, 7}: d = 1/3, se = sqrt(1/3 / 3) = 0.333, interval [-0.333, 1]).
  assert.equal(differenceVerdict([8, 8, 8], [8, 8, 7], { direction: "higher", best: 8 }).verdict, "inconclusive");
  assert.match(differenceVerdict([8, 8, 8], [8, 8, 7], { direction: "higher", best: 8 }).why, /more seeds would decide/);
  // A tie at another value than the best is a "no" even with best given.
  assert.equal(differenceVerdict([6, 6, 6], [6, 6, 6], { direction: "higher", best: 8 }).verdict, "not held");
  // "Lower" claims: a tie is not held as well.
  assert.equal(differenceVerdict([0.1, 0.1, 0.1], [0.1, 0.1, 0.1], { direction: "lower", effect: 0.05 }).verdict, "not held");
});

function report(fd: number, floor: number, hist: number[] | null, recall: number, recallFloor: number): EvalReport {
  return {
    evaluator: { name: "kit-x-v1", accuracy: 0.99, key: "k", cached: true },
    n: 100,
    referenceSize: 100,
    seed: 0,
    metrics: { "fd-kit-x-v1": { value: fd, details: {}, floor }, recall: { value: recall, details: {}, floor: recallFloor } },
    classHistogram: hist,
    realClassHistogram: null,
    seconds: 0,
  };
}

test("quality target: each criterion judged, and a model that misses one is not used", () => {
  const even = new Array(10).fill(0.1);
  const ok = checkQuality(report(2.9, 1, even, 0.6, 0.9), { ...DEFAULT_TARGET, fdRatio: 3 }, 0.1);
  assert.equal(ok.met, true, ok.line);
  // FD 3.1x the floor fails; recall 0.49 < 0.1 + 0.5 * (0.9 - 0.1) = 0.5 fails; a 3% class fails.
  assert.equal(checkQuality(report(3.1, 1, even, 0.6, 0.9), { ...DEFAULT_TARGET, fdRatio: 3 }, 0.1).met, false);
  assert.equal(checkQuality(report(2, 1, even, 0.49, 0.9), { ...DEFAULT_TARGET, fdRatio: 3 }, 0.1).met, false);
  const skewed = [0.03, 0.11, ...new Array(8).fill(0.1075)];
  const bad = checkQuality(report(2, 1, skewed, 0.6, 0.9), { ...DEFAULT_TARGET, fdRatio: 3 }, 0.1);
  assert.equal(bad.met, false);
  assert.match(bad.line, /smallest class share 3.0% \(class 0\), needs >= 4.0%/);
});

test("a verdict is judged only on models that met their quality target", () => {
  // A = {3, 3.2, 3.4} vs B = {1, 1.1, 1.2}: clearly higher (d = 2.1; variances 0.04 and 0.01, s.e. = sqrt(0.05 / 3), 2 s.e. = 0.258).
  const v = differenceVerdict([3, 3.2, 3.4], [1, 1.1, 1.2], { direction: "higher" });
  assert.equal(v.verdict, "held");
  assert.deepEqual(gateOnQuality(v, [{ name: "a, seed 0", met: true }]), v, "all met: unchanged");
  const gated = gateOnQuality(v, [{ name: "a, seed 0", met: true }, { name: "a, seed 1", met: false }]);
  assert.equal(gated.verdict, "inconclusive");
  assert.equal(gated.difference, v.difference, "the numbers are kept");
  assert.match(gated.why, /^A - B = 2\.100 ± 0\.258 .*: not judged, below the quality target \(a, seed 1\)$/);
  // As a README claim: the numbers become the summary, the reason the why.
  const claim = claimFromVerdict("A higher", gated);
  assert.equal(claim.why, "not judged, below the quality target (a, seed 1)");
  assert.match(claim.summary, /^A - B = 2\.100 ± 0\.258/);
});

test("the GAN notebook's claims on hand-made runs: gradient and early-learning verdicts, gated on the ring target", () => {
  // Three seeds per loss; G_grad_norm per step and an evaluation (modes, high_quality) at steps 2 and 4.
  const run = (loss: "saturating" | "non-saturating", seed: number, grad: number, modesEarly: number, modesEnd: number, hqEnd: number): LossRun => ({
    loss, seed, snapshots: [],
    history: [1, 2, 3, 4].map((s) => ({
      step: s - 1, time: s, imagesPerSec: 1,
      values: { G_grad_norm: grad + (s === 1 ? 100 : 0), ...(s === 2 ? { modes: modesEarly, high_quality: 0.3 } : s === 4 ? { modes: modesEnd, high_quality: hqEnd } : {}) },
    })),
  });
  const runs = [0, 1, 2].flatMap((seed) => [run("non-saturating", seed, 2 + 0.1 * seed, 6 + seed % 2, 8, 0.7), run("saturating", seed, 1 + 0.1 * seed, 2, 8, 0.7)]);
  // Window [1, 4): steps 2-4 only (step 1's outlier excluded): per seed 2.0/2.1/2.2 against 1.0/1.1/1.2.
  const g = gradientClaim(runs, 1, 4);
  assert.equal(g.verdict, "held");
  assert.ok(Math.abs(g.difference - 1) < 1e-9);
  assert.equal(lastLogged(runs[0], "modes"), 8);
  assert.equal(loggedAt(runs[0], "modes", 3), 6, "the evaluation at or before step 3 is step 2's");
  const early = earlyClaim(runs, "modes", 2, "higher"); // 6, 7, 6 against 2, 2, 2
  assert.equal(early.verdict, "held");
  // One non-saturating run ends below the ring target (5 modes < 6): nothing is judged.
  runs[2].history[3].values.modes = 5;
  assert.equal(metTarget(runs[2]), false);
  const gated = earlyClaim(runs, "modes", 2, "higher");
  assert.equal(gated.verdict, "inconclusive");
  assert.match(gated.why, /below the quality target \(non-saturating, seed 1\)$/);
  // A saturating run below target does not block the claim: only the reference model is gated.
  runs[2].history[3].values.modes = 8;
  runs[3].history[3].values.high_quality = 0.1;
  assert.equal(earlyClaim(runs, "modes", 2, "higher").verdict, "held");
});
