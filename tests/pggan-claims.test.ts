/** PGGAN's claims as computed verdicts (src/experiments/pggan.ts) on hand-made runs. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { kimgAt, levelLead, measurePhaseCosts, measureRunCosts, modelledSeconds, msSsimBlindVerdict, pgganClaims, settleTime } from "../src/experiments/pggan";
import { useWasm } from "./helpers";

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

test("modelled training time by hand: each phase's steps times its cost, the last phase going on past its end", async () => {
  const { pgganPhases } = await import("../src/models/pggan");
  // Stabilise 4x4 [0, 100), fade 8x8 [100, 200), stabilise 8x8 [200, 300); 10 images a step.
  const phases = pgganPhases({ imageSize: 8, imagesPerPhase: 100, batchSizes: {}, nonProgressive: false });
  assert.deepEqual(phases.map((p) => [p.kind, p.resolution, p.startImages, p.endImages]), [["stabilise", 4, 0, 100], ["fade", 8, 100, 200], ["stabilise", 8, 200, 300]]);
  const costs = [1, 2, 3].map((c, i) => ({ phase: i, kind: phases[i].kind, resolution: phases[i].resolution, startImages: phases[i].startImages, endImages: phases[i].endImages, batchSize: 10, secondsPerStep: c, timedSteps: 6 }));
  assert.equal(modelledSeconds(costs, 0, 10), 0);
  assert.equal(modelledSeconds(costs, 50, 10), 5); // 5 steps at 1 s
  assert.equal(modelledSeconds(costs, 250, 10), 45); // 10 x 1 + 10 x 2 + 5 x 3
  assert.equal(modelledSeconds(costs, 400, 10), 90); // 10 + 20 + 20 x 3: training went on at 8x8
  // Non-progressive: one phase at the final size, as many images as the whole schedule.
  const [full] = pgganPhases({ imageSize: 8, imagesPerPhase: 100, batchSizes: {}, nonProgressive: true });
  assert.deepEqual([full.startImages, full.endImages], [0, 300]);
  assert.equal(modelledSeconds([{ ...costs[2], phase: 0, startImages: 0, endImages: 300 }], 250, 10), 75);
});

test("measurePhaseCosts times a step of every phase of the schedule, leaving no tensors behind", async () => {
  await useWasm();
  const tf = await import("@tensorflow/tfjs");
  const { Pggan } = await import("../src/models/pggan");
  const { ShuffledBatches } = await import("../src/data/dataset");
  const { syntheticDigits } = await import("../src/data/synthetic-digits");
  const model = new Pggan({ channels: 1, latentDim: 8, fmapBase: 32, fmapMax: 8, imagesPerPhase: 16, imageSize: 8 });
  const data = syntheticDigits({ count: 16, seed: 1, size: 8 });
  const before = tf.memory().numTensors;
  const costs = measurePhaseCosts(model, new ShuffledBatches(data, 0), { batchSize: 4, steps: 3, warmup: 1 });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(costs.map((c) => [c.phase, c.kind, c.resolution, c.startImages, c.endImages, c.batchSize, c.timedSteps]), [[0, "stabilise", 4, 0, 16, 4, 3], [1, "fade", 8, 16, 32, 4, 3], [2, "stabilise", 8, 32, 48, 4, 3]]);
  for (const c of costs) assert.ok(Number.isFinite(c.secondsPerStep) && c.secondsPerStep > 0, `phase ${c.phase}: ${c.secondsPerStep}`);
  model.dispose();
  const empty = tf.memory().numTensors;
  // From a run's record: the non-progressive model has one phase, at the final size.
  const run = { model: "pggan-full", settings: { latentDim: 8, fmapBase: 32, fmapMax: 8, imagesPerPhase: 16 }, dataShape: [8, 8, 1], batchSize: 4 };
  assert.deepEqual(measureRunCosts(run, { steps: 1, warmup: 1 }).map((c) => [c.kind, c.resolution]), [["stabilise", 8]]);
  assert.throws(() => measureRunCosts({ ...run, model: "dcgan", settings: {} }), /needs a PGGAN run/);
  assert.equal(tf.memory().numTensors, empty, "the models made from run records are disposed");
});
