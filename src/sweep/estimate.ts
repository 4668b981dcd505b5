/**
 * How long a sweep's unfinished runs will take, from what its runs have logged: each run's
 * evals.jsonl (kept in git) records its training and evaluation seconds at every evaluation, so
 * the seconds per step of the runs of the same model (same data and variant where there are
 * some) give an estimate, also on a fresh clone. It is the machine's that logged them: another
 * machine is faster or slower by its own factor (`npm run bench` shows it). A run whose model no
 * run has timed yet falls back on the committed benchmark row of its model (results/bench/), when
 * that row trained the same batch size and example shape: a lower bound (no evaluations), on the
 * benchmarked machine.
 */
import * as fs from "fs";
import * as path from "path";
import { evalsFile, readEvals } from "../eval/watch";
import { MODELS } from "../models/registry";
import { RESULTS_DIR } from "../results/files";
import type { Run } from "./config";

export interface StepCost {
  /** Median seconds per step (training and its evaluations) over the runs it comes from. */
  secondsPerStep: number;
  /** The runs it comes from (model/data/variant/seedS). */
  from: string[];
}

/** Seconds per step one run logged (training plus evaluations), or null without timings. */
export function loggedSecondsPerStep(r: Run): number | null {
  let lines;
  try {
    lines = readEvals(evalsFile(r.dir));
  } catch {
    return null; // a damaged file tells nothing
  }
  const last = lines[lines.length - 1];
  if (!last || typeof last.train_s !== "number" || last.step <= 0) return null;
  return (last.train_s + (last.eval_s ?? 0)) / last.step;
}

/** The runs that logged their timings, each with its seconds per step (read once per sweep listing). */
export function loggedCosts(runs: Run[]): { run: Run; secondsPerStep: number }[] {
  return runs.flatMap((run) => {
    const s = loggedSecondsPerStep(run);
    return s === null ? [] : [{ run, secondsPerStep: s }];
  });
}

/**
 * The cost of a step of `r` from the other runs of the sweep (`logged`, from loggedCosts): those
 * of the same model, data and variant if any logged timings, else those of the same model; null
 * when none did.
 */
export function stepCost(r: Run, logged: { run: Run; secondsPerStep: number }[]): StepCost | null {
  const timed = logged.filter(({ run }) => run.name !== r.name);
  const same = timed.filter(({ run }) => run.model === r.model && run.data === r.data && run.variant === r.variant);
  const pool = same.length ? same : timed.filter(({ run }) => run.model === r.model);
  if (!pool.length) return null;
  const sorted = pool.map((p) => p.secondsPerStep).sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { secondsPerStep: median, from: pool.map((p) => p.run.name) };
}

/** Example shapes of the built-in datasets a sweep names (folders of images: unknown here). */
const DATA_SHAPES: Record<string, number[]> = {
  "synthetic-digits": [28, 28, 1],
  mnist: [28, 28, 1],
  "fashion-mnist": [28, 28, 1],
  cifar10: [32, 32, 3],
  ring8: [2],
  grid25: [2],
};

/** The shape `train` gives a run's examples: the data's, fitted to --image-size or the model's size. */
export function runShape(model: string, data: string, imageSize?: number): number[] | null {
  const shape = DATA_SHAPES[data];
  if (!shape) return null;
  if (shape.length !== 3) return shape;
  const fitTo = MODELS[model]?.imageSize;
  const side = imageSize ?? (fitTo ? fitTo(shape[0]) : shape[0]);
  return [side, side, shape[2]];
}

export interface BenchCost {
  secondsPerStep: number;
  /** Where it comes from, for the listing: the row's machine, threads and date. */
  source: string;
}

/**
 * A step's training time from `npm run bench`'s committed row for the model (results/bench/MODEL.json)
 * when the row trained the run's batch size and example shape with the model's default settings;
 * null otherwise (a row at another size says little about this run's cost).
 */
export function benchCost(model: string, batchSize: number, shape: number[] | null, dir = path.join(RESULTS_DIR, "bench")): BenchCost | null {
  if (!shape) return null;
  let row: { config?: { shape?: number[]; batchSize?: number; threads?: number; cpuModel?: string | null }; summary?: { msPerStep?: { mean?: number } }; date?: string };
  try {
    row = JSON.parse(fs.readFileSync(path.join(dir, `${model}.json`), "utf8"));
  } catch {
    return null;
  }
  const ms = row.summary?.msPerStep?.mean;
  const c = row.config;
  if (typeof ms !== "number" || !c || c.batchSize !== batchSize || c.shape?.join("x") !== shape.join("x")) return null;
  return { secondsPerStep: ms / 1000, source: `npm run bench's ${model} row: ${c.threads ?? "?"} thread(s) of ${c.cpuModel ?? "an unrecorded CPU"}, ${row.date?.slice(0, 10) ?? "undated"}; training only, default settings` };
}
