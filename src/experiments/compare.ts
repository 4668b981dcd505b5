/**
 * Train several models on the same data with the same seeds and step budget, keeping their logs
 * and sample snapshots: the shape of most paper comparisons (BEGAN vs improved BEGAN, ...).
 */
import { Dataset, ShuffledBatches } from "../data/dataset";
import { evaluateEvery, Snapshot, snapshotEvery } from "../train/callbacks";
import { StepRecord, Trainer, TrainCallbacks } from "../train/trainer";
import { GanModel } from "../train/types";

export interface Run {
  variant: string;
  seed: number;
  history: StepRecord[];
  snapshots: Snapshot[];
  /** Seconds of training. */
  seconds: number;
}

export interface CompareModelsOptions {
  steps: number;
  batchSize: number;
  seeds: number[];
  /** Snapshot (and evaluate) every this many steps. */
  every: number;
  snapshotCount?: number;
  /** Optional metric evaluated every `every` steps; its values join the step's log. */
  evaluate?: (model: GanModel, step: number) => Record<string, number> | Promise<Record<string, number>>;
  progress?: boolean;
  /** Called after each run (e.g. to print a line). */
  onRun?: (run: Run) => void;
}

export async function compareModels(variants: Record<string, (seed: number) => GanModel>, data: Dataset, o: CompareModelsOptions): Promise<Run[]> {
  const runs: Run[] = [];
  for (const seed of o.seeds) {
    for (const [variant, create] of Object.entries(variants)) {
      const model = create(seed);
      const trainer = new Trainer(model);
      const snapshots: Snapshot[] = [];
      const last = o.steps - 1;
      const callbacks: TrainCallbacks[] = [snapshotEvery(o.every, o.snapshotCount ?? 16, 999, snapshots, last)];
      if (o.evaluate) {
        const evaluate = o.evaluate;
        callbacks.push(evaluateEvery(o.every, (t, step) => evaluate(t.model, step), last));
      }
      const history = await trainer.run(new ShuffledBatches(data, seed), { steps: o.steps, batchSize: o.batchSize, seed, callbacks, progress: o.progress });
      const run = { variant, seed, history, snapshots, seconds: history[history.length - 1]?.time ?? 0 };
      runs.push(run);
      o.onRun?.(run);
      trainer.dispose();
      model.dispose();
    }
  }
  return runs;
}

/** Mean of a logged value over the last `fraction` of a run's steps. */
export function finalMean(run: Run, key: string, fraction = 0.1): number {
  const n = Math.max(1, Math.round(run.history.length * fraction));
  const tail = run.history.slice(-n).map((h) => h.values[key]);
  return tail.reduce((a, b) => a + b, 0) / tail.length;
}

/** Mean and sample standard deviation. */
export function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = values.length > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { mean, std };
}
