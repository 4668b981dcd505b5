/**
 * PGGAN's comparison (used by notebooks/pggan.ipynb): progressive against non-progressive training
 * of the same final network on the same data with the same wall-clock budget, scored over time
 * with SWD (per pyramid level) and MS-SSIM.
 */
import * as tf from "@tensorflow/tfjs";
import { Dataset, ShuffledBatches, gather } from "../data/dataset";
import { Pggan, PgganConfig, trainProgressive } from "../models/pggan";
import { swd } from "../metrics/swd";
import { msSsimDiversity } from "../metrics/ms-ssim";
import { evaluateEverySeconds } from "../train/callbacks";
import { StepRecord, Trainer } from "../train/trainer";

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
