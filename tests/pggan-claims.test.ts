/** PGGAN's claims as computed verdicts (src/experiments/pggan.ts) on hand-made runs. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { kimgAt, levelLead, msSsimBlindVerdict, pgganClaims, settleTime } from "../src/experiments/pggan";

const evals = [
  { wall: 10, kimg: 1, swd: { 8: 50, 16: 90 } },
  { wall: 20, kimg: 3, swd: { 8: 21, 16: 80 } },
  { wall: 30, kimg: 5, swd: { 8: 20, 16: 60 } },
  { wall: 40, kimg: 7, swd: { 8: 19, 16: 41 } },
  { wall: 50, kimg: 9, swd: { 8: 20, 16: 40 } },
];

test("kimg at a wall time, settle times and the coarse-to-fine lead by hand", () => {
  assert.equal(kimgAt({ evaluations: evals as never }, 35), 5);
  assert.equal(kimgAt({ evaluations: evals as never }, 5), 0);
  // Level 8 ends at 20: within 20% (16..24) from wall 20 on. Level 16 ends at 40: within 32..48 from wall 40 on.
  assert.equal(settleTime(evals, 8), 20);
  assert.equal(settleTime(evals, 16), 40);
  assert.equal(levelLead(evals), 20);
  // A level measured only from the second evaluation on (a progressive run's new level).
  assert.equal(settleTime([{ wall: 1, swd: { 8: 5 } }, { wall: 2, swd: { 8: 5, 16: 9 } }], 16), 2);
  assert.ok(Number.isNaN(settleTime(evals, 32)));
});

test("PGGAN verdicts on hand-made results: held, not held, inconclusive", () => {
  assert.equal(pgganClaims.throughput([120, 125, 118], [60, 62, 61]).verdict, "held");
  assert.equal(pgganClaims.throughput([60, 62, 61], [120, 125, 118]).verdict, "not held");
  assert.equal(pgganClaims.finalSwd([20, 22, 21], [40, 41, 39]).verdict, "held");
  assert.equal(pgganClaims.finalSwd([20, 45, 30], [40, 21, 35]).verdict, "inconclusive");
  assert.equal(pgganClaims.lowerLevelsFirst([200, 220, 210], [50, 40, 60]).verdict, "held");
  // SWD separates the sets (worse: 30 against 10); MS-SSIM within +-0.02: blind, held.
  assert.equal(msSsimBlindVerdict([30, 31, 29], [10, 11, 9], [0.300, 0.301, 0.299], [0.295, 0.296, 0.294], 0.02).verdict, "held");
  // MS-SSIM moves by 0.1: not blind.
  assert.equal(msSsimBlindVerdict([30, 31, 29], [10, 11, 9], [0.40, 0.41, 0.39], [0.30, 0.31, 0.29], 0.02).verdict, "not held");
  // SWD does not separate the sets: nothing to be blind to.
  const none = msSsimBlindVerdict([10, 11, 9], [10, 11, 9], [0.3, 0.3, 0.3], [0.3, 0.3, 0.3], 0.02);
  assert.equal(none.verdict, "inconclusive");
  assert.match(none.why, /SWD does not separate/);
});
