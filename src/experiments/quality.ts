/**
 * Quality targets: a generative model may be used to test a paper's claim only once its samples
 * are recognised by the evaluator. The target is stated before the run and checked in code on an
 * `eval` report (src/eval/evaluate.ts):
 *   - Fréchet distance at most `fdRatio` times the real-vs-real floor (default 3);
 *   - every class at least `minClassShare` of the samples (default 4%), where the data has classes;
 *   - recall clearly above a collapsed model's: at least halfway from the recall of a one-class
 *     collapse (real images of a single class, `collapsedRecall`) to the real-vs-real recall.
 * A model that misses the target is reported with how far it got, and no claim is judged on it.
 */
import { EvalReport, evaluateSamples, SampleSet } from "../eval/evaluate";
import type { PreparedEvaluator } from "../eval/evaluator";

export interface QualityTarget {
  fdRatio: number;
  minClassShare: number;
  /** Recall must reach collapsed + recallShare * (floor - collapsed). */
  recallShare: number;
}

export const DEFAULT_TARGET: QualityTarget = { fdRatio: 3, minClassShare: 0.04, recallShare: 0.5 };

export interface QualityCheck {
  met: boolean;
  /** One entry per criterion: what was asked, what was measured, whether it passed. */
  criteria: { name: string; target: string; value: string; ok: boolean }[];
  /** One line for a notebook or a log. */
  line: string;
}

/** The target in words, for the top of a notebook. */
export function describeTarget(t: QualityTarget = DEFAULT_TARGET): string {
  return `Fréchet distance on the evaluator's features at most ${t.fdRatio}x the real-vs-real floor; every class at least ${(100 * t.minClassShare).toFixed(0)}% of the samples; recall at least ${(100 * t.recallShare).toFixed(0)}% of the way from a one-class collapse's recall to the real-vs-real recall`;
}

/**
 * Check a report against the target. `collapsedRecall` is the recall of a one-class collapse under
 * the same evaluator (`collapsedRecall`); without it the recall criterion uses 0.
 */
export function checkQuality(report: EvalReport, t: QualityTarget = DEFAULT_TARGET, collapsedRecall = 0): QualityCheck {
  const criteria: QualityCheck["criteria"] = [];
  const fdKey = Object.keys(report.metrics).find((k) => k.startsWith("fd-"));
  if (fdKey) {
    const { value, floor } = report.metrics[fdKey];
    const ratio = value / (floor as number);
    criteria.push({ name: fdKey, target: `<= ${t.fdRatio}x floor (${(t.fdRatio * (floor as number)).toFixed(3)})`, value: `${value.toFixed(3)} (${ratio.toFixed(2)}x)`, ok: ratio <= t.fdRatio });
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
  met: boolean;
}

/**
 * Score samples on the evaluator (Fréchet distance, precision, recall, class histogram) and check
 * them against the target; `collapsed` is the one-class collapse's recall (`collapsedRecall`).
 */
export function scoreSamples(p: PreparedEvaluator, samples: SampleSet, collapsed: number, o: { target?: QualityTarget; seed?: number } = {}): QualityScore {
  const report = evaluateSamples(p, samples, { metrics: ["fd", "precision", "recall"], seed: o.seed ?? 0 });
  const [fdKey, fd] = Object.entries(report.metrics).find(([k]) => k.startsWith("fd-"))!;
  return {
    fdKey,
    fd: fd.value,
    fdRatio: fd.value / (fd.floor as number),
    precision: report.metrics.precision.value,
    recall: report.metrics.recall.value,
    minClass: report.classHistogram ? Math.min(...report.classHistogram) : null,
    met: checkQuality(report, o.target ?? DEFAULT_TARGET, collapsed).met,
  };
}
