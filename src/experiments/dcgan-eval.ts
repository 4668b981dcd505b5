/**
 * The DCGAN sweep's eval step (sweeps/dcgan-mnist.json, "eval.command"): the kit's `eval` of the
 * run's checkpoint, then the per-model parts of the DCGAN notebook's checks, added to the same
 * JSON under "checks", and two small images beside it (walks.png, nearest.png). Everything the
 * notebook needs from a trained model is computed here, while the checkpoint exists, so the
 * notebook reads committed files: runs can finish on different machines or cluster nodes, and a
 * fresh clone shows the full budget without training again (checkpoints stay out of git).
 *
 * "checks" = { trainSeconds, seconds (of the checks), liveG (the live G's quality, beside the averaged G's in the eval),
 *   memorisation { n, threshold, copyShare, median, cdf (share below each of CDF_BINS) },
 *   walks { frames, jumpinessG[], jumpinessLookup[] }, arithmetic (latentArithmetic's result) }.
 *
 *   node --import tsx src/experiments/dcgan-eval.ts --checkpoint RUN/latest.ckpt --data mnist \
 *     --json RUN/eval.json [--n 2000] [--walks 100] [--pool 4000] [--trials 100] [kit eval options]
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { intOption, parse, runMain } from "../cli/common";
import { initBackend } from "../backend/select";
import { loadData } from "../data/registry";
import { exampleCount, gather } from "../data/dataset";
import { loadModel } from "../eval/load-model";
import { kitEvaluator } from "../eval/evaluator";
import { cliCommand } from "../sweep/run";
import { trainedSeconds } from "../train/trainer";
import { writeFileDurably } from "../train/durable-write";
import { gridPng } from "../viz/image-grid";
import { UserError } from "../errors";
import { collapsedRecall, scoreSamples } from "./quality";
import { CDF_BINS, latentArithmetic, memorisation, nearestNeighbours, quantile, shareBelow, walkJumpiness } from "./dcgan";
import { summarise } from "./verdict";

const USAGE = `usage: node --import tsx src/experiments/dcgan-eval.ts --checkpoint FILE --json FILE [--data NAME] [--n N]
  [--walks N] [--pool N] [--trials N] [--metrics a,b] [--evaluator-steps N] [--seed S]
The kit's eval (npm run eval) of a DCGAN checkpoint, plus the DCGAN notebook's per-model checks
(the live G's quality, memorisation distances, latent-walk jumpiness, latent arithmetic) under
"checks" in the same JSON, and walks.png / nearest.png beside it.
  --walks   latent walks of 10 frames (default 100)
  --pool    latent codes drawn to find the arithmetic's concepts (default 4,000)
  --trials  arithmetic trials per ordered class pair (default 100)`;

runMain(async () => {
  const { values } = parse(
    {
      checkpoint: { type: "string" }, json: { type: "string" }, data: { type: "string" }, n: { type: "string" }, seed: { type: "string" },
      metrics: { type: "string" }, "evaluator-steps": { type: "string" }, walks: { type: "string" }, pool: { type: "string" }, trials: { type: "string" },
    },
    USAGE,
  );
  if (!values.checkpoint || !values.json) throw new UserError("--checkpoint FILE and --json FILE are required (see --help)");
  const walks = intOption("walks", values.walks, 100);
  const pool = intOption("pool", values.pool, 4000);
  const trials = intOption("trials", values.trials, 100);
  const evaluatorSteps = values["evaluator-steps"] === undefined ? undefined : intOption("evaluator-steps", values["evaluator-steps"], 0);

  // 1. The kit's eval, unchanged (its own process: its table and progress go to this log).
  const passOn = ["checkpoint", "json", "data", "n", "seed", "metrics", "evaluator-steps"].flatMap((k) => {
    const v = values[k as keyof typeof values];
    return v === undefined ? [] : [`--${k}`, String(v)];
  });
  const kitEval = spawnSync(cliCommand("eval")[0], [...cliCommand("eval").slice(1), ...passOn], { stdio: "inherit" });
  if (kitEval.status !== 0) {
    process.exitCode = kitEval.status ?? 1;
    return;
  }
  const json = path.resolve(values.json);
  const report = JSON.parse(fs.readFileSync(json, "utf8"));

  // 2. The per-model checks.
  await initBackend();
  const loaded = await loadModel(values.checkpoint);
  const model = loaded.model as unknown as DcganLike;
  if (loaded.run.model !== "dcgan") throw new UserError(`${values.checkpoint} is a ${loaded.run.model} checkpoint: these checks are the DCGAN notebook's`);
  const data = loadData(values.data ?? loaded.run.data);
  const prepared = kitEvaluator(data, evaluatorSteps === undefined ? {} : { steps: evaluatorSteps });
  const { splits } = prepared;
  const n = intOption("n", values.n, prepared.refA.n);
  const dir = path.dirname(json);
  const t0 = performance.now();
  const log = (s: string) => console.log(`checks: ${s} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);

  // The live G (without the moving average), scored as the eval scored the averaged one.
  let liveG = null;
  if (model.Gavg) {
    const live = tf.tidy(() => model.G.apply(model.latent(n, 777), false));
    const q = scoreSamples(prepared, { data: Float32Array.from(live.dataSync()), shape: data.shape }, collapsedRecall(prepared), { seed: 777 });
    live.dispose();
    liveG = { fdRatio: q.fdRatio, precision: q.precision, recall: q.recall, minClass: q.minClass, met: q.met };
    log(`live G: FD ${q.fdRatio.toFixed(2)}x the floor`);
  }

  // Memorisation: G's samples against the training part, with reference A's 5% quantile as threshold.
  const nMem = Math.min(n, exampleCount(splits.refB), exampleCount(splits.train), exampleCount(splits.refA));
  const refA = gather(splits.refA, Array.from({ length: nMem }, (_, i) => i));
  const samples = model.generate(nMem, 3);
  const mem = memorisation(splits.train, refA.x, { G: samples });
  const g = mem.sets.G;
  const row = samples.slice([0, 0, 0, 0], [Math.min(16, nMem), -1, -1, -1]);
  const nearest = nearestNeighbours(row, splits.train);
  const pairs = tf.tidy(() => tf.concat([row, gather(splits.train, Array.from(nearest.index)).x]) as tf.Tensor4D);
  fs.writeFileSync(path.join(dir, "nearest.png"), gridPng(pairs, { columns: row.shape[0], cellSize: 28 }));
  tf.dispose([pairs, row, samples, refA.x]);
  log(`memorisation: copy share ${(100 * g.copyShare).toFixed(1)}% below ${mem.threshold.toFixed(3)}`);

  // Latent walks against a look-up model; the first four of each kind as an image.
  const w = walkJumpiness(model, splits.train, walks, { keep: 4 });
  const strip = tf.concat(w.kept) as tf.Tensor4D;
  fs.writeFileSync(path.join(dir, "walks.png"), gridPng(strip, { columns: 10, cellSize: 32 }));
  tf.dispose([strip, ...w.kept]);
  log(`walks: jumpiness G ${summarise(w.G).mean.toFixed(2)}, look-up ${summarise(w.lookup).mean.toFixed(2)}`);

  const probs = prepared.evaluator.probs;
  if (!probs) throw new UserError(`the evaluator of ${data.name} has no classes: the arithmetic's concepts need them`);
  const arithmetic = latentArithmetic(model, probs, data.numClasses ?? 10, { pool, trials, seed: loaded.header.seed });
  log(`arithmetic: bold b ${(100 * arithmetic.arithmetic.boldB).toFixed(1)}% against the control's ${(100 * arithmetic.control.boldB).toFixed(1)}%`);
  prepared.evaluator.dispose();
  model.dispose();

  const round = (v: number) => Math.round(v * 1e5) / 1e5;
  report.checks = {
    trainSeconds: trainedSeconds(loaded.header.history),
    /** This step's own time (the kit eval's is the report's "seconds"). */
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    liveG,
    memorisation: { n: nMem, q: mem.q, threshold: mem.threshold, copyShare: g.copyShare, median: quantile(g.distances, 0.5), cdf: CDF_BINS.map((b) => round(shareBelow(g.distances, b))) },
    walks: { frames: 10, jumpinessG: w.G.map(round), jumpinessLookup: w.lookup.map(round) },
    arithmetic: { ...arithmetic, pool, perConcept: 3, confidence: 0.9 },
    images: { nearest: "nearest.png", walks: "walks.png" },
  };
  writeFileDurably(json, [Buffer.from(JSON.stringify(report, null, 2) + "\n")], "eval report");
  console.log(`wrote the checks into ${json}`);
});

interface DcganLike {
  G: { apply(z: tf.Tensor2D, training: boolean): tf.Tensor };
  Gavg?: unknown;
  latent(n: number, seed: number): tf.Tensor2D;
  generate(n: number, seed: number): tf.Tensor4D;
  generateFrom(z: tf.Tensor2D): tf.Tensor;
  dispose(): void;
}
