/** Callbacks for the shared trainer: periodic evaluation, sample snapshots, checkpoints. */
import * as tf from "@tensorflow/tfjs";
import type { StepRecord, TrainCallbacks, Trainer } from "./trainer";

/** Steps at which an every-N callback fires: N, 2N, ... and the last step. */
function due(step: number, every: number, lastStep?: number): boolean {
  return (step + 1) % every === 0 || step === lastStep;
}

/**
 * Evaluate a metric every `every` steps (and at `lastStep`) and add its values to that step's
 * log record, so they land in the history, the CSV and the charts.
 */
export function evaluateEvery(every: number, evaluate: (trainer: Trainer, step: number) => Record<string, number> | Promise<Record<string, number>>, lastStep?: number): TrainCallbacks {
  return {
    onStep: async (rec: StepRecord, trainer: Trainer) => {
      if (due(rec.step, every, lastStep)) Object.assign(rec.values, await evaluate(trainer, rec.step));
    },
  };
}

/**
 * Evaluate every `seconds` of wall-clock time since the callback was made (and once more at the
 * end of each run), adding the values to that step's log record: for comparisons at equal time.
 */
export function evaluateEverySeconds(seconds: number, evaluate: (trainer: Trainer, step: number) => Record<string, number> | Promise<Record<string, number>>): TrainCallbacks {
  const t0 = performance.now();
  let next = seconds;
  let lastDone = -1;
  return {
    onStep: async (rec: StepRecord, trainer: Trainer) => {
      if ((performance.now() - t0) / 1000 >= next) {
        Object.assign(rec.values, await evaluate(trainer, rec.step), { wall_s: (performance.now() - t0) / 1000 });
        lastDone = rec.step;
        while ((performance.now() - t0) / 1000 >= next) next += seconds;
      }
    },
    onEnd: async (history: StepRecord[], trainer: Trainer) => {
      const rec = history[history.length - 1];
      if (rec && rec.step !== lastDone) {
        Object.assign(rec.values, await evaluate(trainer, rec.step), { wall_s: (performance.now() - t0) / 1000 });
        lastDone = rec.step;
      }
    },
  };
}

export interface Snapshot {
  step: number;
  /** Generated samples [n, ...] (the caller disposes them, or calls disposeSnapshots). */
  samples: tf.Tensor;
}

/** Keep generated samples (same latent seed every time) every `every` steps. */
export function snapshotEvery(every: number, count: number, seed: number, into: Snapshot[], lastStep?: number): TrainCallbacks {
  return {
    onStep: (rec: StepRecord, trainer: Trainer) => {
      if (due(rec.step, every, lastStep)) into.push({ step: rec.step, samples: trainer.model.generate(count, seed) });
    },
  };
}

export function disposeSnapshots(snaps: Snapshot[]): void {
  tf.dispose(snaps.map((s) => s.samples));
  snaps.length = 0;
}

/** Save a checkpoint every `every` steps and at the end of the run. */
export function checkpointEvery(file: string, every: number, seed: number, info: Record<string, unknown> = {}): TrainCallbacks {
  return {
    onStep: async (rec: StepRecord, trainer: Trainer) => {
      if ((rec.step + 1) % every === 0) await trainer.save(file, rec.step + 1, seed, info);
    },
    onEnd: async (history: StepRecord[], trainer: Trainer) => {
      if (history.length) await trainer.save(file, history[history.length - 1].step + 1, seed, info);
    },
  };
}
