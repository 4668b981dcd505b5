/**
 * The original GAN paper's points, as runnable experiments (used by notebooks/gan.ipynb).
 */
import * as tf from "@tensorflow/tfjs";
import { Dataset } from "../data/dataset";
import { Mixture } from "../data/mixtures";
import { Gan, GanConfig, GeneratorLoss } from "../models/gan";
import { modeCoverage } from "../metrics/mode-coverage";
import { Snapshot } from "../train/callbacks";
import { StepRecord } from "../train/trainer";
import { compareModels } from "./compare";

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
  /** Generated points per evaluation on mixtures (the protocol uses 2,500). */
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
