/**
 * PGGAN's comparison (used by notebooks/pggan.ipynb): progressive against non-progressive training
 * of the same final network on the same data with the same wall-clock budget, scored over time
 * with SWD (per pyramid level) and MS-SSIM.
 */
import * as tf from "@tensorflow/tfjs";
import { Dataset, ShuffledBatches, gather } from "../data/dataset";
import { PhaseKind, Pggan, PgganConfig, trainProgressive } from "../models/pggan";
import { ModelSettings, modelEntry } from "../models/registry";
import { swd } from "../metrics/swd";
import { msSsimDiversity } from "../metrics/ms-ssim";
import { evaluateEverySeconds } from "../train/callbacks";
import { BatchSource, StepRecord, Trainer } from "../train/trainer";
import { differenceVerdict, Verdict, whyParts } from "./verdict";

export interface Evaluation {
  wall: number;
  kimg: number;
  resolution: number;
  alpha: number;
  /** SWD x 1e3 per pyramid level (keyed by resolution) and averaged. */
  swd: Record<number, number>;
  swdAverage: number;
  msSsim: number;
  /** A few samples at the final size, same latent codes every time. */
  samples: tf.Tensor4D;
}

export interface TimedRun {
  name: string;
  history: StepRecord[];
  evaluations: Evaluation[];
  seconds: number;
}

export interface TimedOptions {
  budgetSeconds: number;
  evalEverySeconds: number;
  /** Generated (and real) images per SWD evaluation. */
  evalImages: number;
  seed: number;
  progress?: boolean;
}

/** Train a PGGAN (progressive or not) for a wall-clock budget, evaluating as it goes. */
export async function trainForBudget(name: string, config: Partial<PgganConfig>, data: Dataset, o: TimedOptions): Promise<TimedRun> {
  const model = new Pggan({ ...config, seed: o.seed });
  const trainer = new Trainer(model);
  const real = gather(data, Array.from({ length: o.evalImages }, (_, i) => i));
  const evaluations: Evaluation[] = [];
  const t0 = performance.now();
  const evaluate = () => {
    // G's output is linear; as in the paper's metrics, images are clipped to the pixel range.
    const fake = tf.tidy(() => tf.clipByValue(model.generateAt(o.evalImages, 31337), -1, 1) as tf.Tensor4D);
    const s = swd(real.x, fake, { range: "[-1,1]", seed: 1 });
    const ms = msSsimDiversity(fake, { range: "[-1,1]", pairs: 500, seed: 2 });
    const levels: Record<number, number> = {};
    for (const l of s.levels) levels[l.resolution] = l.swd;
    evaluations.push({
      wall: (performance.now() - t0) / 1000,
      kimg: model.imagesShown / 1000,
      resolution: model.resolution,
      alpha: model.alpha,
      swd: levels,
      swdAverage: s.average,
      msSsim: ms,
      samples: fake.slice([0, 0, 0, 0], [8, -1, -1, -1]),
    });
    fake.dispose();
    return { swd: s.average, ms_ssim: ms };
  };
  await trainProgressive(trainer, new ShuffledBatches(data, o.seed), {
    seed: o.seed,
    deadline: t0 + o.budgetSeconds * 1000,
    callbacks: [evaluateEverySeconds(o.evalEverySeconds, evaluate)],
    progress: o.progress,
  });
  const run = { name, history: trainer.history.slice(), evaluations, seconds: (performance.now() - t0) / 1000 };
  tf.dispose([real.x, real.labels ?? []]);
  trainer.dispose();
  model.dispose();
  return run;
}

/** What a training step of one phase of a PGGAN schedule costs on the machine that measured it. */
export interface PhaseCost {
  phase: number;
  kind: PhaseKind;
  resolution: number;
  /** Real images shown to D when the phase starts and when it ends (the schedule's). */
  startImages: number;
  endImages: number;
  batchSize: number;
  /** The median of the timed steps. */
  secondsPerStep: number;
  timedSteps: number;
}

/**
 * Time a training step of every phase of `model`'s schedule on this machine: the model is put in
 * the middle of each phase (`setProgress`) and trained `warmup` steps there (the phase's fresh
 * optimizers, kernels compiled), then `steps` timed steps, whose median is the phase's cost. The
 * model's weights and progress change: measure on a model made for it.
 *
 * Why: runs that span sittings train on several machines, at different speeds and beside other
 * jobs, so the training seconds they log cannot be compared between runs. What progressive growing
 * changes is the cost of a step in each phase and the steps spent there; `modelledSeconds` puts
 * the two together, on one machine, for every run.
 */
export function measurePhaseCosts(model: Pggan, data: BatchSource, o: { batchSize: number; steps?: number; warmup?: number; seed?: number }): PhaseCost[] {
  const steps = o.steps ?? 6, warmup = o.warmup ?? 2, seed = o.seed ?? 0;
  const trainer = new Trainer(model);
  const costs: PhaseCost[] = [];
  let k = 0;
  try {
    for (const p of model.phases) {
      model.setProgress((p.startImages + p.endImages) / 2);
      const times: number[] = [];
      for (let i = 0; i < warmup + steps; i++, k++) {
        const batch = data.batch(k, o.batchSize);
        const t = performance.now();
        try {
          trainer.step(batch, k, seed); // returns the step's logged scalars, read back: the step is done
        } finally {
          tf.dispose([batch.x, batch.labels ?? []]);
        }
        if (i >= warmup) times.push((performance.now() - t) / 1000);
      }
      times.sort((a, b) => a - b);
      const mid = times.length >> 1;
      const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
      costs.push({ phase: p.index, kind: p.kind, resolution: p.resolution, startImages: p.startImages, endImages: p.endImages, batchSize: o.batchSize, secondsPerStep: median, timedSteps: times.length });
    }
  } finally {
    trainer.dispose();
  }
  return costs;
}

/**
 * `measurePhaseCosts` for a run as its run.json records it (model, settings, image shape, batch
 * size), on a fresh model of that run's architecture fed random images of its shape (a step's cost
 * does not depend on what the images show).
 */
export function measureRunCosts(run: { model: string; settings: ModelSettings; dataShape: number[]; batchSize: number }, o: { steps?: number; warmup?: number } = {}): PhaseCost[] {
  const n = 4 * run.batchSize, size = run.dataShape.reduce((a, b) => a * b, 1);
  const data: Dataset = { name: "random", shape: run.dataShape, data: Float32Array.from({ length: n * size }, (_, i) => Math.sin(i * 12.9898) % 1) };
  const model = modelEntry(run.model).create(data, 0, run.settings);
  if (!(model instanceof Pggan)) {
    model.dispose();
    throw new Error(`measureRunCosts needs a PGGAN run, got model "${run.model}"`);
  }
  try {
    return measurePhaseCosts(model, new ShuffledBatches(data, 0), { batchSize: run.batchSize, ...o });
  } finally {
    model.dispose();
  }
}

/**
 * The training seconds a run would have taken by the time it had shown `images` real images, on
 * the machine that measured `costs` (its schedule's phases, in order): each phase's steps up to
 * then, at `batchSize` images a step, times that phase's cost. Training goes on in the last phase
 * after its end, as the trainer does.
 */
export function modelledSeconds(costs: PhaseCost[], images: number, batchSize: number): number {
  let s = 0;
  costs.forEach((c, i) => {
    const end = i === costs.length - 1 ? Infinity : c.endImages;
    const shown = Math.max(0, Math.min(images, end) - c.startImages);
    s += (shown / batchSize) * c.secondsPerStep;
  });
  return s;
}

/** Images per second by resolution over a run's log (training time only). */
export function imagesPerSecondByResolution(history: StepRecord[]): { resolution: number; steps: number; imagesPerSec: number }[] {
  const by = new Map<number, number[]>();
  for (const r of history) {
    const res = r.values.resolution;
    if (!by.has(res)) by.set(res, []);
    by.get(res)!.push(r.imagesPerSec);
  }
  return [...by.entries()].sort((a, b) => a[0] - b[0]).map(([resolution, v]) => {
    const sorted = v.slice().sort((a, b) => a - b);
    return { resolution, steps: v.length, imagesPerSec: sorted[Math.floor(sorted.length / 2)] };
  });
}

/** Thousands of images shown by `seconds` of wall time: the last evaluation at or before it (0 before the first). */
export function kimgAt(run: Pick<TimedRun, "evaluations">, seconds: number): number {
  let k = 0;
  for (const e of run.evaluations) if (e.wall <= seconds) k = e.kimg;
  return k;
}

/**
 * When a pyramid level's SWD settled: the wall time of the first evaluation from which the level's
 * SWD stays within `tolerance` (relative) of its final value. NaN when the level was never measured.
 */
export function settleTime(evals: Pick<Evaluation, "wall" | "swd">[], resolution: number, tolerance = 0.2): number {
  const seen = evals.filter((e) => e.swd[resolution] !== undefined);
  if (!seen.length) return NaN;
  const final = seen[seen.length - 1].swd[resolution];
  let t = seen[seen.length - 1].wall;
  for (let i = seen.length - 1; i >= 0; i--) {
    if (Math.abs(seen[i].swd[resolution] - final) > tolerance * Math.abs(final)) break;
    t = seen[i].wall;
  }
  return t;
}

/**
 * How far the coarsest level leads the finest: settle time of the finest level minus that of the
 * coarsest (seconds). Progressive growing should make this lead larger than training all levels at
 * once does (the point: a non-progressive run's coarse levels lead too, so the lead alone is no evidence).
 */
export function levelLead(evals: Pick<Evaluation, "wall" | "swd">[], tolerance = 0.2): number {
  const levels = [...new Set(evals.flatMap((e) => Object.keys(e.swd).map(Number)))].sort((a, b) => a - b);
  if (levels.length < 2) return NaN;
  return settleTime(evals, levels[levels.length - 1], tolerance) - settleTime(evals, levels[0], tolerance);
}

/** PGGAN's claims, each from per-seed values of the progressive (A) and the non-progressive (B) runs. */
export const pgganClaims = {
  /** "Progressive growing shows more images per hour": kimg at equal wall time, A higher. */
  throughput: (progressiveKimg: number[], fixedKimg: number[]): Verdict => differenceVerdict(progressiveKimg, fixedKimg, { direction: "higher" }),
  /** "...and ends at a lower SWD" at equal wall time (the final evaluation's average SWD), A lower. */
  finalSwd: (progressiveSwd: number[], fixedSwd: number[]): Verdict => differenceVerdict(progressiveSwd, fixedSwd, { direction: "lower" }),
  /** "The lower levels are learned first": the coarse-to-fine lead (levelLead), A larger. */
  lowerLevelsFirst: (progressiveLead: number[], fixedLead: number[]): Verdict => differenceVerdict(progressiveLead, fixedLead, { direction: "higher" }),
};

/**
 * "MS-SSIM is blind to quality" (the notes: configuration (h)'s images are clearly cleaner than
 * (a)'s, yet their MS-SSIM is almost the same, while SWD improves a lot): for two sample sets of
 * different quality, per seed, held when SWD separates them (A's SWD higher, 2-standard-error
 * interval above 0) while MS-SSIM does not move by more than `tolerance` (the interval of the
 * MS-SSIM difference wholly inside ±tolerance); not held when the MS-SSIM difference's interval lies
 * wholly outside it; inconclusive otherwise, or when SWD does not separate the sets.
 */
export function msSsimBlindVerdict(swdWorse: number[], swdBetter: number[], msWorse: number[], msBetter: number[], tolerance: number): Verdict {
  const separated = differenceVerdict(swdWorse, swdBetter, { direction: "higher" });
  const ms = differenceVerdict(msWorse, msBetter, { direction: "higher" });
  const [lo, hi] = ms.interval;
  const numbers = `SWD: ${whyParts(separated).numbers}; MS-SSIM: ${whyParts(ms).numbers}; tolerance ±${tolerance}`;
  const base = { difference: ms.difference, stderr: ms.stderr, interval: ms.interval };
  if (separated.verdict !== "held") return { verdict: "inconclusive", why: `${numbers}: SWD does not separate the two sets, so there is no quality difference to be blind to`, ...base };
  if (msWorse.length < 3 || msBetter.length < 3) return { verdict: "inconclusive", why: `${numbers}: fewer than 3 seeds`, ...base };
  if (lo >= -tolerance && hi <= tolerance) return { verdict: "held", why: `${numbers}: SWD separates the sets, MS-SSIM stays within the tolerance`, ...base };
  if (hi < -tolerance || lo > tolerance) return { verdict: "not held", why: `${numbers}: MS-SSIM moves by more than the tolerance`, ...base };
  return { verdict: "inconclusive", why: `${numbers}: the MS-SSIM difference's interval crosses the tolerance; more seeds would decide`, ...base };
}
