/**
 * Quality targets: a generative model may be used to test a paper's claim only once its samples
 * are recognised by the evaluator. The target is stated before the run and checked in code on an
 * `eval` report (src/eval/evaluate.ts):
 *   - Fréchet distance no further above the real-vs-real floor than real images moved by one pixel
 *     (`fdRatio: "shift-1px"`, resolved per evaluator and sample count by `resolveTarget`), or at
 *     most a fixed multiple of the floor (`fdRatio: 3`);
 *   - every class at least `minClassShare` of the samples (default 4%), where the data has classes;
 *   - recall clearly above a collapsed model's: at least halfway from the recall of a one-class
 *     collapse (real images of a single class, `collapsedRecall`) to the real-vs-real recall.
 * A model that misses the target is reported with how far it got, and no claim is judged on it.
 *
 * Why the Fréchet bar is "real images shifted by 1 px" and not the issue's yardstick of 3x the
 * floor: the kit evaluator is a small classifier trained on the dataset itself, whose features
 * move with position and stroke width. Its calibration
 * (`npm run eval -- --calibrate`, results/evaluator/) scores the real digits of its own training
 * part, moved right by one pixel, at several times the floor (more than 3x on MNIST and on
 * Fashion-MNIST), so a 3x bar would reject real images for a one-pixel offset: it would not measure
 * what the rule asks ("samples the evaluator recognises"). A one-pixel shift loses nothing a reader
 * could see, so its score is the loosest bar that still asks for real-looking images; it is
 * measured, not chosen, and is recomputed for every evaluator. The fixed form stays available.
 */
import * as tf from "@tensorflow/tfjs";
import { exampleCount } from "../data/dataset";
import { EvalReport, evaluateSamples, fdEntry, SampleSet } from "../eval/evaluate";
import type { PreparedEvaluator } from "../eval/evaluator";
import { shiftRight } from "../eval/degrade";

export interface QualityTarget {
  /**
   * The Fréchet-distance bar, as a multiple of the real-vs-real floor: a number, or "shift-1px":
   * what real images of the evaluator's training part score when moved right by one pixel, on the
   * same evaluator with as many images as the samples (`resolveTarget`).
   */
  fdRatio: number | "shift-1px";
  minClassShare: number;
  /** Recall must reach collapsed + recallShare * (floor - collapsed). */
  recallShare: number;
}

/** A target whose Fréchet bar is a number (`resolveTarget`); `fdBar` says where it came from. */
export interface ResolvedTarget extends QualityTarget {
  fdRatio: number;
  fdBar: string;
}

export const DEFAULT_TARGET: QualityTarget = { fdRatio: "shift-1px", minClassShare: 0.04, recallShare: 0.5 };

/** The Fréchet bar of point sets (no pixels to shift): the issue's yardstick of 3x the floor. */
export const POINTS_FD_RATIO = 3;

const shiftBars = new WeakMap<PreparedEvaluator, Map<number, number>>();

/**
 * The target with its Fréchet bar as a number, for samples of `n` images (default: the reference
 * size) on this evaluator. "shift-1px" scores the first n images of the evaluator's training part
 * (all of them when it holds fewer), moved right by one pixel, like samples; the value is kept for
 * the evaluator's lifetime.
 */
export function resolveTarget(p: PreparedEvaluator, t: QualityTarget = DEFAULT_TARGET, n = p.refA.n): ResolvedTarget {
  if (typeof t.fdRatio === "number") return { ...t, fdRatio: t.fdRatio, fdBar: `${t.fdRatio}x the floor` };
  const ds = p.splits.train;
  if (ds.shape.length !== 3) return { ...t, fdRatio: POINTS_FD_RATIO, fdBar: `${POINTS_FD_RATIO}x the floor (point sets: nothing to shift)` };
  const count = Math.min(n, exampleCount(ds));
  let bars = shiftBars.get(p);
  if (!bars) shiftBars.set(p, (bars = new Map()));
  let ratio = bars.get(count);
  if (ratio === undefined) {
    const per = ds.shape.reduce((a, b) => a * b, 1);
    const data = tf.tidy(() => {
      const base = tf.tensor4d(ds.data.subarray(0, count * per), [count, ...ds.shape] as [number, number, number, number]);
      return shiftRight(base, 1).dataSync() as Float32Array;
    });
    const fd = fdEntry(evaluateSamples(p, { data, shape: ds.shape }, { metrics: ["fd"] }).metrics)!.metric;
    ratio = fd.value / (fd.floor as number);
    bars.set(count, ratio);
  }
  return { ...t, fdRatio: ratio, fdBar: `${ratio.toFixed(2)}x the floor: real ${ds.name} images shifted by 1 px, ${count} of them` };
}

export interface QualityCheck {
  met: boolean;
  /** One entry per criterion: what was asked, what was measured, whether it passed. */
  criteria: { name: string; target: string; value: string; ok: boolean }[];
  /** One line for a notebook or a log. */
  line: string;
}

/** The target in words, for the top of a notebook (with the bar's value when resolved). */
export function describeTarget(t: QualityTarget | ResolvedTarget = DEFAULT_TARGET): string {
  const bar =
    "fdBar" in t ? `at most ${t.fdBar}` : t.fdRatio === "shift-1px" ? "no further above the real-vs-real floor than real images of the evaluator's training part shifted by 1 pixel" : `at most ${t.fdRatio}x the real-vs-real floor`;
  return `Fréchet distance on the evaluator's features ${bar}; every class at least ${(100 * t.minClassShare).toFixed(0)}% of the samples; recall at least ${(100 * t.recallShare).toFixed(0)}% of the way from a one-class collapse's recall to the real-vs-real recall`;
}

/**
 * Check a report against the target. `collapsedRecall` is the recall of a one-class collapse under
 * the same evaluator (`collapsedRecall`); without it the recall criterion uses 0.
 */
export function checkQuality(report: EvalReport, t: ResolvedTarget | (QualityTarget & { fdRatio: number }), collapsedRecall = 0): QualityCheck {
  const criteria: QualityCheck["criteria"] = [];
  const fd = fdEntry(report.metrics);
  if (fd) {
    const fdKey = fd.key;
    const { value, floor } = fd.metric;
    const ratio = value / (floor as number);
    criteria.push({ name: fdKey, target: `<= ${t.fdRatio.toFixed(2)}x floor (${(t.fdRatio * (floor as number)).toFixed(3)})`, value: `${value.toFixed(3)} (${ratio.toFixed(2)}x)`, ok: ratio <= t.fdRatio });
  }
  if (report.classHistogram) {
    const min = Math.min(...report.classHistogram);
    const cls = report.classHistogram.indexOf(min);
    criteria.push({ name: "smallest class share", target: `>= ${(100 * t.minClassShare).toFixed(1)}%`, value: `${(100 * min).toFixed(1)}% (class ${cls})`, ok: min >= t.minClassShare });
  }
  const rec = report.metrics.recall;
  if (rec && rec.floor !== null) {
    const need = collapsedRecall + t.recallShare * (rec.floor - collapsedRecall);
    criteria.push({ name: "recall", target: `>= ${need.toFixed(3)} (collapse ${collapsedRecall.toFixed(3)}, real ${rec.floor.toFixed(3)})`, value: rec.value.toFixed(3), ok: rec.value >= need });
  }
  const met = criteria.length > 0 && criteria.every((c) => c.ok);
  const failed = criteria.filter((c) => !c.ok).map((c) => `${c.name} ${c.value}, needs ${c.target}`);
  return { met, criteria, line: met ? `quality target met (${criteria.map((c) => `${c.name} ${c.value}`).join("; ")})` : `quality target NOT met: ${failed.join("; ") || "no metrics to judge"}` };
}

/**
 * Recall of a one-class collapse: the real held-out images (reference B) of one class (`cls`,
 * default 0), each once (repeated copies would shrink the k-NN balls to nothing), scored like
 * samples. A model whose recall is near this covers about one class.
 */
export function collapsedRecall(p: PreparedEvaluator, cls = 0): number {
  const ds = p.splits.refB;
  if (!ds.labels) return 0;
  const per = ds.shape.reduce((a, b) => a * b, 1);
  const idx = Array.from(ds.labels).flatMap((l, i) => (l === cls ? [i] : []));
  if (!idx.length) throw new Error(`collapsedRecall: no image of class ${cls} in ${ds.name}`);
  const data = new Float32Array(idx.length * per);
  idx.forEach((j, i) => data.set(ds.data.subarray(j * per, (j + 1) * per), i * per));
  return evaluateSamples(p, { data, shape: ds.shape }, { metrics: ["recall"] }).metrics.recall.value;
}

/** A sample set's figures against the target: what the evaluation lines during training, the notebooks and the calibration report. */
export interface QualityScore {
  /** The Fréchet distance's name in reports, e.g. fd-kit-mnist-v2. */
  fdKey: string;
  fd: number;
  /** fd over its real-vs-real floor. */
  fdRatio: number;
  precision: number;
  recall: number;
  /** The smallest share of any class among the samples (null without classes). */
  minClass: number | null;
  /**
   * Class-conditioned samples (samples.classes): the share the evaluator labels with the class
   * they were drawn for (null for unconditional samples or an evaluator without classes).
   */
  classAccuracy: number | null;
  met: boolean;
}

/**
 * Score samples on the evaluator (Fréchet distance, precision, recall, class histogram) and check
 * them against the target; `collapsed` is the one-class collapse's recall (`collapsedRecall`).
 */
export function scoreSamples(p: PreparedEvaluator, samples: SampleSet, collapsed: number, o: { target?: QualityTarget; seed?: number } = {}): QualityScore {
  const report = evaluateSamples(p, samples, { metrics: ["fd", "precision", "recall", ...(samples.classes ? ["class-accuracy"] : [])], seed: o.seed ?? 0 });
  const { key: fdKey, metric: fd } = fdEntry(report.metrics)!;
  return {
    fdKey,
    fd: fd.value,
    fdRatio: fd.value / (fd.floor as number),
    precision: report.metrics.precision.value,
    recall: report.metrics.recall.value,
    minClass: report.classHistogram ? Math.min(...report.classHistogram) : null,
    classAccuracy: report.metrics["class-accuracy"]?.value ?? null,
    met: checkQuality(report, resolveTarget(p, o.target, report.n), collapsed).met,
  };
}
