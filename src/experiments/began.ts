/**
 * The BEGAN papers' claims as computed verdicts (used by notebooks/began.ipynb):
 * - does M_global track sample quality? (BEGAN: "a measure of convergence" that "correlates with
 *   image fidelity"): per run, the rank correlation between M_global, averaged over the steps
 *   before each evaluation, and the evaluator's Fréchet distance at that evaluation;
 * - the improved model's M_global is lower by 0.072 (the seed paper), with its confound measured
 *   on the evaluator's metrics (M_global contains L(x), so a bigger auto-encoder lowers it);
 * - gamma trades diversity for quality (BEGAN, section 3.3: lower gamma, lower diversity).
 */
import type { QualityLine } from "../eval/watch";
import type { StepRecord } from "../train/trainer";
import { differenceVerdict, Verdict } from "./verdict";

/** Ranks 1..n, ties sharing their mean rank. */
export function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const mean = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k][1]] = mean;
    i = j + 1;
  }
  return out;
}

/** Pearson's correlation (NaN when either side is constant or the lengths differ). */
export function pearson(x: number[], y: number[]): number {
  const n = x.length;
  if (n !== y.length || n < 2) return NaN;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

/** Spearman's rank correlation: Pearson's on the ranks (ties at their mean rank). */
export function spearman(x: number[], y: number[]): number {
  return pearson(ranks(x), ranks(y));
}

export interface TrackPoint {
  step: number;
  /** A logged value's mean over the `window` steps up to and including the evaluation's. */
  value: number;
  fdRatio: number;
}

/**
 * Pair each evaluation of a run (evals.jsonl lines) with the mean of a logged value (default
 * M_global) over the `window` steps before it in the run's history: a single step's M_global is
 * as noisy as its minibatch.
 */
export function trackPoints(history: StepRecord[], evals: QualityLine[], key = "M_global", window = 100): TrackPoint[] {
  const byStep = new Map(history.map((h) => [h.step + 1, h.values[key]]));
  return evals.flatMap((e) => {
    const vals: number[] = [];
    for (let s = e.step - window + 1; s <= e.step; s++) {
      const v = byStep.get(s);
      if (v !== undefined && Number.isFinite(v)) vals.push(v);
    }
    return vals.length ? [{ step: e.step, value: vals.reduce((a, b) => a + b, 0) / vals.length, fdRatio: e.fd_ratio }] : [];
  });
}

/**
 * "M_global tracks sample quality": per run, Spearman's correlation between windowed M_global and
 * the Fréchet distance over the run's evaluations (positive: lower M_global with better samples).
 * Held when the runs' correlations are above 0 (2-standard-error interval, at least 3 runs).
 */
export function trackingVerdict(correlations: number[]): Verdict {
  return differenceVerdict(correlations, correlations.map(() => 0), { direction: "higher" });
}

/** The seed paper's claim: the improved model's final M_global is lower than BEGAN's by 0.072. */
export const M_GLOBAL_EFFECT = 0.072;

export function mGlobalVerdict(improved: number[], baseline: number[]): Verdict {
  return differenceVerdict(improved, baseline, { direction: "lower", effect: M_GLOBAL_EFFECT });
}

/**
 * The confound of the M_global claim, measured: is the improved model better on the evaluator
 * (lower Fréchet distance ratio) too? A lower M_global with samples no better says the difference
 * comes from the auto-encoder, not from G.
 */
export function qualityVerdict(improvedFd: number[], baselineFd: number[]): Verdict {
  return differenceVerdict(improvedFd, baselineFd, { direction: "lower" });
}

/**
 * BEGAN's diversity trade-off: a lower gamma gives less diverse samples. Per seed, a diversity
 * measure at a low and a high gamma (recall: higher is more diverse); held when the low gamma's
 * recall is lower.
 */
export function diversityVerdict(recallLowGamma: number[], recallHighGamma: number[]): Verdict {
  return differenceVerdict(recallLowGamma, recallHighGamma, { direction: "lower" });
}
