/**
 * Probe (issue 14): does sampling from a moving average of G's weights (the PGGAN paper's decay
 * 0.999) steady the progressive run at 32x32, and does more training there bring it to the target?
 *
 * Resumes the sweep's progressive seed 0 (trained without an average) from a copy of its folder,
 * trains on at 32x32 with the sweep's settings, and scores two generators at every evaluation on
 * the same 4,096 latent codes: the live G (the run's own watch, <out>/evals.jsonl) and an average
 * of G's weights started from the checkpoint's G, with decay 0.999 from the first step
 * (<out>/avg/evals.jsonl). Training itself is the same as a plain resume: the average only reads.
 *
 *   cp -r results/runs/pggan-mnist/pggan/mnist/p20k/seed0 out/probes/pggan-ema   # needs its latest.ckpt
 *   node --import tsx results/pggan/ema-probe/probe.ts out/probes/pggan-ema 11875
 */
import * as path from "node:path";
import { trainAndReport } from "../../../src/cli/report";
import { qualityWatch } from "../../../src/eval/watch";
import { kitEvaluator } from "../../../src/eval/evaluator";
import { loadData } from "../../../src/data/registry";
import { WeightAverage } from "../../../src/nn/weight-average";
import { Pggan } from "../../../src/models/pggan";
import type { Trainer, TrainCallbacks } from "../../../src/train/trainer";

const [out, stepsArg] = process.argv.slice(2);
const steps = Number(stepsArg);
const START = 10_000;
const watchOptions = { every: 625, n: 4096, fit: { from: 28, to: 32, mode: "pad" as const }, lastStep: steps - 1, startStep: START, batchSize: 16, imageMetrics: ["swd", "ms-ssim"] };

let avg: WeightAverage | null = null;
let proxy: Pggan | null = null;
let avgWatch: TrainCallbacks | null = null;
const averaged: TrainCallbacks = {
  onStep: (rec, trainer) => {
    const model = trainer.model as Pggan;
    if (!avg) {
      avg = new WeightAverage(model.G, 0.999);
      // As if averaging had run all along: decay 0.999 from the first update (no warm-up).
      avg.namedVariables().get("@updates")!.assign(avg.namedVariables().get("@updates")!.add(1e6));
      // The same model, sampling from the average (generateAt is what the watch draws with).
      proxy = Object.create(model) as Pggan;
      proxy.generateAt = (n: number, seed: number, size?: number) => avg!.use(() => model.generateAt(n, seed, size));
      avgWatch = qualityWatch({ ...watchOptions, out: path.join(out, "avg"), prepared: kitEvaluator(loadData("mnist"), {}), log: (l) => console.log(`average of G: ${l}`) });
    }
    avg.update();
    return avgWatch!.onStep!(rec, { model: proxy } as unknown as Trainer);
  },
};

trainAndReport({
  model: "pggan",
  data: "mnist",
  steps,
  batchSize: 16,
  seed: 0,
  out,
  checkpointEvery: 250,
  resume: true,
  holdOut: true,
  evalEvery: 625,
  evalN: 4096,
  evalMetrics: ["swd", "ms-ssim"],
  callbacks: [averaged],
  resumeCommand: `node --import tsx results/pggan/ema-probe/probe.ts ${out} ${steps}`,
}).catch((e) => {
  console.error(e);
  process.exit(1);
});
