/**
 * How long a sweep's unfinished runs will take, from what its runs have logged: each run's
 * evals.jsonl (kept in git) records its training and evaluation seconds at every evaluation, so
 * the seconds per step of the runs of the same model (same data and variant where there are
 * some) give an estimate, also on a fresh clone. It is the machine's that logged them: another
 * machine is faster or slower by its own factor (`npm run bench` shows it).
 */
import { evalsFile, readEvals } from "../eval/watch";
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
