/**
 * The t-GAN notebook's image claims (src/experiments/tgan.ts): reading a run's eval.json, the gate
 * of conditional models, and "higher than every baseline" combined from per-baseline verdicts.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { againstEvery, CLASS_ACCURACY_TARGET, imageGateMet, imageScore } from "../src/experiments/tgan";
import { differenceVerdict, gateOnQuality } from "../src/experiments/verdict";

const evalJson = (classAcc: number | null, met: boolean) => ({
  metrics: {
    "fd-kit-mnist-v2": { value: 30, floor: 6 },
    precision: { value: 0.7, floor: 0.9 },
    recall: { value: 0.6, floor: 0.9 },
    "inception-score": { value: 8.5, floor: 9.6 },
    "modified-inception-score": { value: 7.9, floor: 9.1 },
    ...(classAcc === null ? {} : { "class-accuracy": { value: classAcc, floor: 0.97 } }),
  },
  quality: { met },
});

test("imageScore reads an eval.json; a missing inception score is a clear error", () => {
  const s = imageScore(evalJson(0.93, true), "tgan", 2);
  assert.deepEqual(s, { model: "tgan", seed: 2, is: 8.5, mis: 7.9, classAccuracy: 0.93, fdRatio: 5, precision: 0.7, recall: 0.6, met: true });
  assert.equal(imageScore(evalJson(null, false), "dcgan", 0).classAccuracy, null);
  const bare = { metrics: { "fd-kit-mnist-v2": { value: 1, floor: 1 } } };
  assert.throws(() => imageScore(bare, "gan", 1), /gan seed 1 has no inception-score/);
});

test("the gate: the quality target, and for class-conditional models the requested class at least 90% of the time", () => {
  assert.equal(CLASS_ACCURACY_TARGET, 0.9);
  assert.equal(imageGateMet(imageScore(evalJson(0.95, true), "acgan", 0)), true);
  assert.equal(imageGateMet(imageScore(evalJson(0.85, true), "acgan", 0)), false, "met the target but drew the wrong classes");
  assert.equal(imageGateMet(imageScore(evalJson(0.99, false), "tgan", 0)), false);
  assert.equal(imageGateMet(imageScore(evalJson(null, true), "dcgan", 0)), true, "unconditional: the target alone");
});

test("againstEvery: held only when every baseline's comparison is held; one not held decides; else inconclusive, naming the comparison", () => {
  const t = [8.4, 8.6, 8.5];
  const lower = [6.0, 6.2, 6.1];
  const close = [8.3, 8.8, 8.2];
  const higher = [9.5, 9.6, 9.7];
  const held = againstEvery([
    { baseline: "gan", verdict: differenceVerdict(t, lower, { direction: "higher" }) },
    { baseline: "dcgan", verdict: differenceVerdict(t, [7.9, 8.0, 8.1], { direction: "higher" }) },
  ]);
  assert.equal(held.verdict, "held");
  assert.match(held.why, /^against dcgan, A - B = 0\.500 .*\(gan held, dcgan held\): higher than every baseline$/, "the closest comparison carries the numbers");
  const open = againstEvery([
    { baseline: "gan", verdict: differenceVerdict(t, lower, { direction: "higher" }) },
    { baseline: "deligan", verdict: differenceVerdict(t, close, { direction: "higher" }) },
  ]);
  assert.equal(open.verdict, "inconclusive");
  assert.match(open.why, /^against deligan, .*\(gan held, deligan inconclusive\): deligan: the interval holds both/);
  const no = againstEvery([
    { baseline: "deligan", verdict: differenceVerdict(t, close, { direction: "higher" }) },
    { baseline: "acgan", verdict: differenceVerdict(t, higher, { direction: "higher" }) },
  ]);
  assert.equal(no.verdict, "not held");
  assert.match(no.why, /^against acgan, A - B = -1\.10/);
  const gated = againstEvery([{ baseline: "gan", verdict: gateOnQuality(differenceVerdict(t, lower, { direction: "higher" }), [{ name: "gan seed 0", met: false }]) }]);
  assert.equal(gated.verdict, "inconclusive");
  assert.match(gated.why, /gan: not judged, below the quality target \(gan seed 0\)$/);
  assert.throws(() => againstEvery([]), /no baselines/);
});
