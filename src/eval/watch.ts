/**
 * Sample quality over training: every `every` steps (and at the last step) the run's generator
 * draws `n` samples (a fixed seed, so evaluations differ only by the weights), the evaluator scores
 * them (Fréchet distance, precision, recall, class histogram) and the quality target is checked
 * (src/experiments/quality.ts). One JSON line per evaluation goes to <out>/evals.jsonl, with the
 * model's own logged values at that step (e.g. BEGAN's M_global and k_t), so a quality curve and a
 * training statistic can be compared on the same checkpoints; `means` holds each logged value's mean
 * over the steps since the previous evaluation. `npm run train -- --eval-every N`.
 *
 * On resume the lines after the resumed step (written by the interrupted run after its last
 * checkpoint) are dropped first, so the file stays one line per evaluated step.
 */
import * as fs from "fs";
import * as path from "path";
import type { GanModel } from "../train/types";
import type { TrainCallbacks } from "../train/trainer";
import type { ImageFit } from "../data/fit";
import type { PreparedEvaluator } from "./evaluator";
import { generateSamples } from "./samples";
import { collapsedRecall, QualityTarget, scoreSamples } from "../experiments/quality";
import * as tf from "@tensorflow/tfjs";
import { applyFit, unfitSamples } from "../data/fit";
import { Dataset, exampleCount, gather } from "../data/dataset";
import { computeMetric } from "../metrics/registry";
import { UserError } from "../errors";

export interface QualityLine {
  step: number;
  /** Seconds since the watch started (training plus earlier evaluations). */
  wall_s: number;
  fd: number;
  /** fd over its real-vs-real floor. */
  fd_ratio: number;
  precision: number;
  recall: number;
  /** The smallest share of any class among the samples (null without classes). */
  min_class: number | null;
  /**
   * Class-conditional models (t-GAN, ACGAN): the share of the samples the evaluator labels with
   * the class they were drawn for. Absent for unconditional models and in older files.
   */
  class_acc?: number;
  met: boolean;
  /** The model's logged values at this step (losses, M_global, k, ...). */
  values: Record<string, number>;
  /**
   * Each logged value's mean over the steps since the previous evaluation (or since the run
   * started or resumed): one step's value is as noisy as its minibatch. Absent in older files.
   */
  means?: Record<string, number>;
  /** How many steps `means` averages. */
  means_steps?: number;
  /**
   * Training seconds up to this step: the trainer's clock without this watch's own evaluations
   * (checkpoint saves included); a resumed run continues from the last kept line's value.
   */
  train_s?: number;
  /** Seconds this watch has spent evaluating so far (this line's evaluation excluded; resumed runs continue the count). */
  eval_s?: number;
  /** Images shown to the model so far (its own count where it keeps one, as PGGAN does; else steps x batch). */
  images?: number;
  /** With `imageMetrics`: SWD x 1e3 (average and per pyramid level) against the training images, at the training size. */
  swd?: number;
  swd_levels?: Record<string, number>;
  /** With `imageMetrics`: mean MS-SSIM between random pairs of the samples (lower = more diverse). */
  ms_ssim?: number;
}

/** The image metrics a watch can add to each line (src/metrics/registry.ts). */
export const WATCH_IMAGE_METRICS = ["swd", "ms-ssim"];

export interface WatchOptions {
  every: number;
  /** Samples per evaluation (default: the reference set's size, so the floor is comparable). */
  n?: number;
  out: string;
  prepared: PreparedEvaluator;
  /** How the training images were fitted (samples are mapped back to the data's size). */
  fit: ImageFit;
  /** The last step of the run (always evaluated). */
  lastStep: number;
  /** Resumed from this step: drop lines after it. */
  startStep?: number;
  target?: QualityTarget;
  seed?: number;
  log?: (line: string) => void;
  /** Images per step, for `images` when the model keeps no count of its own. */
  batchSize?: number;
  /**
   * Also score the samples at the training size with these image metrics (WATCH_IMAGE_METRICS):
   * SWD against the first n training images (the data the model learns), MS-SSIM between
   * `msSsimPairs` random pairs of samples (default 10,000, as PGGAN).
   */
  imageMetrics?: string[];
  msSsimPairs?: number;
}

export function evalsFile(out: string): string {
  return path.join(out, "evals.jsonl");
}

/** The lines of an evals.jsonl (empty when it does not exist). */
export function readEvals(file: string): QualityLine[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as QualityLine);
}

export function qualityWatch(o: WatchOptions): TrainCallbacks {
  const file = evalsFile(o.out);
  const keep = readEvals(file).filter((l) => l.step <= (o.startStep ?? 0));
  const bad = (o.imageMetrics ?? []).filter((m) => !WATCH_IMAGE_METRICS.includes(m));
  if (bad.length) throw new UserError(`--eval-metrics: ${bad.join(", ")} not one of ${WATCH_IMAGE_METRICS.join(", ")}`);
  const trainOffset = keep.length ? (keep[keep.length - 1].train_s ?? 0) : 0;
  const evalOffset = keep.length ? (keep[keep.length - 1].eval_s ?? 0) : 0;
  let evalSeconds = 0;
  fs.mkdirSync(o.out, { recursive: true });
  fs.writeFileSync(file, keep.map((l) => JSON.stringify(l) + "\n").join(""));
  const labelled = o.prepared.splits.refB.labels !== undefined;
  const collapsed = labelled ? collapsedRecall(o.prepared) : 0;
  const n = o.n ?? o.prepared.refA.n;
  const seed = o.seed ?? 777;
  const t0 = performance.now();
  const log = o.log ?? ((s: string) => console.log(s));
  if (o.imageMetrics?.includes("swd") && exampleCount(o.prepared.splits.train) < n) {
    throw new UserError(`SWD needs as many real images as samples: the training part holds ${exampleCount(o.prepared.splits.train)}, the watch draws ${n} (lower --eval-n)`);
  }
  // The training images at the training size, the SWD's real set (fitted once, when first needed).
  let fitted: Dataset | null = null;
  const trainAtSize = () => (fitted ??= applyFit(o.prepared.splits.train, o.fit));
  let sums: Record<string, number> = {};
  let counts: Record<string, number> = {};
  let counted = 0;
  return {
    onStep: (rec, trainer) => {
      const step = rec.step + 1;
      for (const [k, v] of Object.entries(rec.values)) {
        if (!Number.isFinite(v)) continue;
        sums[k] = (sums[k] ?? 0) + v;
        counts[k] = (counts[k] ?? 0) + 1;
      }
      counted++;
      if (step % o.every !== 0 && rec.step !== o.lastStep) return;
      const means = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / counts[k]]));
      const meansSteps = counted;
      sums = {};
      counts = {};
      counted = 0;
      const e0 = performance.now();
      const model = trainer.model as GanModel;
      // With image metrics the samples are drawn once, at the training size, and cropped or resized
      // back for the evaluator (what generateSamples' dataSize does to each chunk).
      const atTrainingSize = o.imageMetrics?.length ? generateSamples({ model, run: { fit: o.fit } }, n, seed, { dataSize: false }) : null;
      const samples = atTrainingSize ? toDataSize(atTrainingSize, o.fit) : generateSamples({ model, run: { fit: o.fit } }, n, seed, { dataSize: true });
      const q = scoreSamples(o.prepared, samples, collapsed, { target: o.target, seed });
      const extra = atTrainingSize ? imageMetricsOf(atTrainingSize, o, trainAtSize) : {};
      const shown = (model as { imagesShown?: unknown }).imagesShown;
      const line: QualityLine = {
        step,
        wall_s: Math.round((performance.now() - t0) / 1000),
        fd: q.fd,
        fd_ratio: q.fdRatio,
        precision: q.precision,
        recall: q.recall,
        min_class: q.minClass,
        ...(q.classAccuracy !== null ? { class_acc: q.classAccuracy } : {}),
        met: q.met,
        values: rec.values,
        means,
        means_steps: meansSteps,
        train_s: Math.round((trainOffset + rec.time - evalSeconds) * 10) / 10,
        eval_s: Math.round((evalOffset + evalSeconds) * 10) / 10,
        images: typeof shown === "number" ? shown : o.batchSize !== undefined ? step * o.batchSize : undefined,
        ...extra,
      };
      evalSeconds += (performance.now() - e0) / 1000;
      fs.appendFileSync(file, JSON.stringify(line) + "\n");
      const smallest = line.min_class === null ? "" : `  smallest class ${(100 * line.min_class).toFixed(1)}%`;
      const requested = line.class_acc === undefined ? "" : `  requested class ${(100 * line.class_acc).toFixed(1)}%`;
      const more = `${line.swd !== undefined ? `  SWD ${line.swd.toFixed(1)}` : ""}${line.ms_ssim !== undefined ? `  MS-SSIM ${line.ms_ssim.toFixed(3)}` : ""}`;
      log(`step ${step}: ${q.fdKey} ${q.fd.toFixed(2)} (${line.fd_ratio.toFixed(1)}x floor)  precision ${line.precision.toFixed(3)}  recall ${line.recall.toFixed(3)}${smallest}${requested}  target ${q.met ? "met" : "not met"}${more}`);
    },
  };
}

type Samples = ReturnType<typeof generateSamples>;

/** Samples drawn at the training size, mapped back to the data's size (unfitSamples). */
function toDataSize(s: Samples, fit: ImageFit): Samples {
  const x = tf.tensor4d(s.data, [s.data.length / s.shape.reduce((a, b) => a * b, 1), ...s.shape] as [number, number, number, number]);
  const y = unfitSamples(x, fit);
  if (y === x) {
    x.dispose();
    return s;
  }
  const out = { data: y.dataSync() as Float32Array, shape: y.shape.slice(1), classes: s.classes };
  tf.dispose([x, y]);
  return out;
}

/** SWD and MS-SSIM of samples at the training size (the watch's `imageMetrics`). */
function imageMetricsOf(g: Samples, o: WatchOptions, trainAtSize: () => Dataset): Pick<QualityLine, "swd" | "swd_levels" | "ms_ssim"> {
  const n = g.data.length / g.shape.reduce((a, b) => a * b, 1);
  // A generator with a linear output (PGGAN) can leave the pixel range: images are clipped to it, as when shown.
  const fake = tf.tidy(() => tf.clipByValue(tf.tensor4d(g.data, [n, ...g.shape] as [number, number, number, number]), -1, 1) as tf.Tensor4D);
  const out: Pick<QualityLine, "swd" | "swd_levels" | "ms_ssim"> = {};
  try {
    if (o.imageMetrics!.includes("swd")) {
      const real = gather(trainAtSize(), Array.from({ length: n }, (_, i) => i));
      try {
        const v = computeMetric("swd", { fake, real: real.x, range: "[-1,1]", seed: 1 });
        out.swd = v.value;
        out.swd_levels = Object.fromEntries(Object.entries(v.details).map(([k, x]) => [k.replace("swd-", ""), x]));
      } finally {
        tf.dispose([real.x, real.labels ?? []]);
      }
    }
    if (o.imageMetrics!.includes("ms-ssim")) out.ms_ssim = computeMetric("ms-ssim", { fake, range: "[-1,1]", seed: 2, options: { pairs: o.msSsimPairs ?? 10_000 } }).value;
  } finally {
    fake.dispose();
  }
  return out;
}
