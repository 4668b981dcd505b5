/**
 * The original GAN paper's points, as runnable experiments (used by notebooks/gan.ipynb).
 */
import * as tf from "@tensorflow/tfjs";
import { Dataset } from "../data/dataset";
import { Mixture, ring8 } from "../data/mixtures";
import { Gan, GanConfig, GeneratorLoss } from "../models/gan";
import { meetsTarget, mixtureTarget, modeCoverage } from "../metrics/mode-coverage";
import { Snapshot } from "../train/callbacks";
import { StepRecord } from "../train/trainer";
import { compareModels } from "./compare";
import type { PreparedEvaluator } from "../eval/evaluator";
import { generateSamples } from "../eval/samples";
import { collapsedRecall, scoreSamples } from "./quality";
import { differenceVerdict, gateOnQuality, QualityGate, Verdict } from "./verdict";

/**
 * d/dx log(1 - x) and d/dx log(x) on (0, 1), by autodiff: where D(G(z)) is near 0 (early in
 * training, D easily rejects G's samples) the saturating objective's gradient is about -1 while
 * the non-saturating one's 1/x is large.
 */
export function saturationCurves(points = 199): { x: number[]; saturating: number[]; nonSaturating: number[] } {
  return tf.tidy(() => {
    const x = tf.linspace(0.005, 0.995, points);
    const sat = tf.grad((t: tf.Tensor) => tf.sum(tf.log(tf.sub(1, t))))(x);
    const non = tf.grad((t: tf.Tensor) => tf.sum(tf.log(t)))(x);
    return { x: Array.from(x.dataSync()), saturating: Array.from(sat.dataSync()), nonSaturating: Array.from(non.dataSync()) };
  });
}

export interface LossRun {
  loss: GeneratorLoss;
  seed: number;
  history: StepRecord[];
  snapshots: Snapshot[];
}

export interface CompareOptions {
  steps: number;
  batchSize: number;
  seeds: number[];
  /** Evaluate (and snapshot) every this many steps. */
  every: number;
  /** For the 2-D mixtures: count covered modes and high-quality samples at each evaluation. */
  mixture?: Mixture;
  /** For images: score samples on this evaluator at each evaluation (fd_ratio, precision, recall, min_class, target_met). */
  evaluator?: PreparedEvaluator;
  /** Generated points per evaluation on mixtures (the protocol uses 2,500); samples per image evaluation (default: the evaluator's reference size). */
  evalSamples?: number;
  /** Samples kept per snapshot. */
  snapshotCount?: number;
  gan?: Partial<GanConfig>;
  progress?: boolean;
}

/** Train the same GAN with the saturating and the non-saturating generator loss, for each seed. */
export async function compareGeneratorLosses(data: Dataset, o: CompareOptions): Promise<LossRun[]> {
  const points = data.shape.length === 1;
  const gan = (generatorLoss: GeneratorLoss) => (seed: number) =>
    new Gan({
      dataDim: data.shape.reduce((a, b) => a * b, 1),
      sampleShape: data.shape,
      output: points ? "linear" : "tanh",
      prior: points ? "normal" : "uniform",
      hidden: points ? [128, 128] : [256, 256],
      latentDim: points ? 16 : 100,
      ...o.gan,
      generatorLoss,
      seed,
    });
  const mixture = o.mixture;
  const ev = o.evaluator;
  const collapsed = ev && ev.splits.refB.labels ? collapsedRecall(ev) : 0;
  const runs = await compareModels({ saturating: gan("saturating"), "non-saturating": gan("non-saturating") }, data, {
    steps: o.steps,
    batchSize: o.batchSize,
    seeds: o.seeds,
    every: o.every,
    snapshotCount: o.snapshotCount ?? (points ? 500 : 16),
    progress: o.progress,
    evaluate: mixture
      ? (model) => {
          const x = model.generate(o.evalSamples ?? 2500, 4242);
          const cov = modeCoverage(x.dataSync(), mixture);
          x.dispose();
          return { modes: cov.modes, high_quality: cov.highQuality };
        }
      : ev
        ? (model) => {
            const n = o.evalSamples ?? ev.refA.n;
            const samples = generateSamples({ model, run: { fit: { from: data.shape[0], to: data.shape[0], mode: "none" } } }, n, 4242);
            const q = scoreSamples(ev, samples, collapsed);
            return { fd_ratio: q.fdRatio, precision: q.precision, recall: q.recall, min_class: q.minClass ?? 1, target_met: q.met ? 1 : 0 };
          }
        : undefined,
  });
  return runs.map((r) => ({ loss: r.variant as GeneratorLoss, seed: r.seed, history: r.history, snapshots: r.snapshots }));
}

/** Per generator loss: the mean, min and max over seeds of a logged value at each step it was logged. */
export function summarize(runs: LossRun[], key: string): Record<GeneratorLoss, { step: number[]; mean: number[]; min: number[]; max: number[] }> {
  const out = {} as Record<GeneratorLoss, { step: number[]; mean: number[]; min: number[]; max: number[] }>;
  for (const loss of ["saturating", "non-saturating"] as GeneratorLoss[]) {
    const mine = runs.filter((r) => r.loss === loss);
    const steps = mine[0]?.history.filter((h) => key in h.values).map((h) => h.step) ?? [];
    const at = (step: number) => mine.map((r) => r.history[step].values[key]);
    out[loss] = {
      step: steps.map((s) => s + 1),
      mean: steps.map((s) => at(s).reduce((a, b) => a + b, 0) / mine.length),
      min: steps.map((s) => Math.min(...at(s))),
      max: steps.map((s) => Math.max(...at(s))),
    };
  }
  return out;
}

/** Mean of a logged value over steps [from, to) and over all runs of one loss. */
export function meanOver(runs: LossRun[], loss: GeneratorLoss, key: string, from: number, to: number): number {
  const vals = runs.filter((r) => r.loss === loss).flatMap((r) => r.history.slice(from, to).map((h) => h.values[key]));
  return vals.reduce((a, b) => a + b, 0) / vals.length;
}

/** The ring's quality target (mixtureTarget): at the last evaluation, at least 6 of 8 modes covered and half the points high quality. */
export const RING_TARGET = mixtureTarget(ring8());

/** The last logged value of `key` in a run (NaN if never logged). */
export function lastLogged(run: LossRun, key: string): number {
  for (let i = run.history.length - 1; i >= 0; i--) if (key in run.history[i].values) return run.history[i].values[key];
  return NaN;
}

/** The logged value of `key` at the evaluation nearest to (at or before) step `step` (1-based). */
export function loggedAt(run: LossRun, key: string, step: number): number {
  for (let i = Math.min(step, run.history.length) - 1; i >= 0; i--) if (key in run.history[i].values) return run.history[i].values[key];
  return NaN;
}

/** Whether a run met its quality target at its last evaluation (ring: RING_TARGET; images: the evaluator's target). */
export function metTarget(run: LossRun): boolean {
  if (run.history.some((h) => "target_met" in h.values)) return lastLogged(run, "target_met") === 1;
  return meetsTarget({ modes: lastLogged(run, "modes"), highQuality: lastLogged(run, "high_quality") }, RING_TARGET);
}

/** One quality gate per run of the given losses (the reference model of a claim). */
export function qualityGates(runs: LossRun[], losses: GeneratorLoss[] = ["non-saturating"]): QualityGate[] {
  return runs.filter((r) => losses.includes(r.loss)).map((r) => ({ name: `${r.loss}, seed ${r.seed}`, met: metTarget(r) }));
}

/** Per seed (in seed order), a number computed from each loss's run. */
export function perSeed(runs: LossRun[], loss: GeneratorLoss, f: (r: LossRun) => number): number[] {
  return runs.filter((r) => r.loss === loss).sort((a, b) => a.seed - b.seed).map(f);
}

/** Mean of a logged value over steps [from, to) of one run. */
export function runMean(run: LossRun, key: string, from: number, to: number): number {
  const v = run.history.slice(from, to).map((h) => h.values[key]);
  return v.reduce((a, b) => a + b, 0) / v.length;
}

/**
 * The paper's argument, measured: "log(1 - D(G(z))) saturates where D confidently rejects G's
 * samples; -log D(G(z)) gives G much stronger gradients there". Per seed, the mean norm of G's
 * gradient over steps [from, to) (a window where D(G(z)) is low); claim: larger with the
 * non-saturating loss (A) than with the saturating one (B), fixed before the run as a direction.
 * Judged only if every non-saturating run met its quality target (the set-up can train G).
 */
export function gradientClaim(runs: LossRun[], from: number, to: number): Verdict {
  const a = perSeed(runs, "non-saturating", (r) => runMean(r, "G_grad_norm", from, to));
  const b = perSeed(runs, "saturating", (r) => runMean(r, "G_grad_norm", from, to));
  return gateOnQuality(differenceVerdict(a, b, { direction: "higher" }), qualityGates(runs));
}

/**
 * The practical claim: "-log D(G(z)) trains G faster early in learning". Per seed, a quality
 * value at an early step (`key` at `step`); claim: better with the non-saturating loss, i.e.
 * `higher` for covered modes or recall, `lower` for a Fréchet-distance ratio. Judged only if every
 * non-saturating run met its quality target at the end.
 */
export function earlyClaim(runs: LossRun[], key: string, step: number, direction: "higher" | "lower"): Verdict {
  const a = perSeed(runs, "non-saturating", (r) => loggedAt(r, key, step));
  const b = perSeed(runs, "saturating", (r) => loggedAt(r, key, step));
  return gateOnQuality(differenceVerdict(a, b, { direction }), qualityGates(runs));
}
