/**
 * Score samples against the held-out real set on the evaluator (src/eval/evaluator.ts): every
 * feature metric of the registry (Fréchet distance, KID, precision, recall, density, coverage),
 * the inception scores and the class histogram (and, for class-conditional samples, the share the
 * evaluator puts in the class asked for), each next to its real-vs-real floor (reference B
 * against reference A, the same number of images), so a reader sees what "as good as real" is.
 */
import * as tf from "@tensorflow/tfjs";
import { UserError } from "../errors";
import { exampleCount } from "../data/dataset";
import { computeMetric, MetricInputs } from "../metrics/registry";
import { Features } from "../metrics/features";
import { argmaxRows, inceptionScore, modifiedInceptionScore } from "../metrics/inception-score";
import { PreparedEvaluator } from "./evaluator";

/** The feature metrics `eval` computes by default, in report order. */
export const FEATURE_METRICS = ["fd", "kid", "precision", "recall", "density", "coverage"];
/** Metrics from the evaluator's class probabilities. */
export const CLASS_METRICS = ["inception-score", "modified-inception-score", "class-accuracy"];
export const EVAL_METRICS = [...FEATURE_METRICS, ...CLASS_METRICS];

export interface MetricReport {
  value: number;
  details: Record<string, number>;
  /** The same metric for reference B against reference A (null where it has none). */
  floor: number | null;
}

export interface EvalReport {
  evaluator: { name: string; accuracy: number | null; key: string; cached: boolean };
  n: number;
  referenceSize: number;
  seed: number;
  /** By metric name; the Fréchet distance appears as fd-<evaluator>. */
  metrics: Record<string, MetricReport>;
  /** Share of samples the evaluator assigns to each class (null: no classes). */
  classHistogram: number[] | null;
  /** The same for reference B. */
  realClassHistogram: number[] | null;
  seconds: number;
}

/** The Fréchet distance among a report's metrics (named fd-<evaluator>), if it has one. */
export function fdEntry<M>(metrics: Record<string, M>): { key: string; metric: M } | null {
  const key = Object.keys(metrics).find((k) => k.startsWith("fd-"));
  return key ? { key, metric: metrics[key] } : null;
}

export interface SampleSet {
  data: Float32Array;
  shape: number[];
  /** The class each sample was generated for (class-conditional models), for class-accuracy. */
  classes?: Int32Array;
}

export interface EvaluateOptions {
  metrics?: string[];
  seed?: number;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** Check metric names (unknown ones listed with the valid ones). */
export function checkEvalMetrics(names: string[]): void {
  const bad = names.filter((m) => !EVAL_METRICS.includes(m));
  if (bad.length) throw new UserError(`unknown metric${bad.length > 1 ? "s" : ""} ${bad.map((b) => `"${b}"`).join(", ")}: eval computes ${EVAL_METRICS.join(", ")}`);
}

function featuresOfSamples(p: PreparedEvaluator, s: SampleSet, onProgress?: (done: number) => void): { features: Features; probs: Float32Array | null } {
  const per = s.shape.reduce((a, b) => a * b, 1);
  const n = s.data.length / per;
  const ev = p.evaluator;
  let feats: Float32Array | null = null;
  let d = 0;
  const probs = ev.probs && ev.numClasses ? new Float32Array(n * ev.numClasses) : null;
  for (let a = 0; a < n; a += 500) {
    const m = Math.min(500, n - a);
    const x = tf.tensor(s.data.subarray(a * per, (a + m) * per), [m, ...s.shape]);
    const f = ev.features(x);
    if (!feats) {
      d = f.d;
      feats = new Float32Array(n * d);
    }
    feats.set(f.data, a * d);
    if (probs) probs.set(ev.probs!(x), a * ev.numClasses!);
    x.dispose();
    onProgress?.(a + m);
  }
  return { features: { n, d, data: feats! }, probs };
}

function histogram(probs: Float32Array, k: number): number[] {
  const n = probs.length / k;
  const counts = new Array(k).fill(0);
  for (const best of argmaxRows(probs, k)) counts[best]++;
  return counts.map((c) => c / n);
}

/** Score a set of samples (images in [-1, 1] of the evaluator's shape, or points). */
export function evaluateSamples(p: PreparedEvaluator, samples: SampleSet, o: EvaluateOptions = {}): EvalReport {
  const t0 = performance.now();
  const names = o.metrics ?? EVAL_METRICS;
  checkEvalMetrics(names);
  const ev = p.evaluator;
  if (samples.shape.join("x") !== ev.shape.join("x")) {
    throw new UserError(`the samples are ${samples.shape.join("x")}, but the evaluator for this data takes ${ev.shape.join("x")}: check --data (or the checkpoint's image size)`);
  }
  const seed = o.seed ?? 0;
  const per = samples.shape.reduce((a, b) => a * b, 1);
  const n = samples.data.length / per;
  const fake = featuresOfSamples(p, samples, (d) => o.onProgress?.("sample features", d, n));
  const realProbs = ev.probs ? realProbsOf(p) : null;
  const metrics: Record<string, MetricReport> = {};
  for (const name of names.filter((m) => FEATURE_METRICS.includes(m))) {
    o.onProgress?.(name, 0, 1);
    const run = (real: Features, f: Features) => computeMetric(name, { features: { real, fake: f }, seed } as MetricInputs);
    const v = run(p.refA, fake.features);
    const floor = run(p.refA, p.refB);
    metrics[name === "fd" ? `fd-${ev.name}` : name] = { value: v.value, details: v.details, floor: floor.value };
    o.onProgress?.(name, 1, 1);
  }
  const k = ev.numClasses;
  if (fake.probs && k && realProbs) {
    const asMatrix = (v: Float32Array) => ({ data: v, shape: [v.length / k, k] as const });
    if (names.includes("inception-score")) {
      const a = inceptionScore(asMatrix(fake.probs), { splits: 10 });
      const b = inceptionScore(asMatrix(realProbs), { splits: 10 });
      metrics["inception-score"] = { value: a.score, details: { std: a.std }, floor: b.score };
    }
    if (names.includes("modified-inception-score")) {
      const a = modifiedInceptionScore(asMatrix(fake.probs), undefined, { splits: 10 });
      const b = modifiedInceptionScore(asMatrix(realProbs), undefined, { splits: 10 });
      metrics["modified-inception-score"] = { value: a.score, details: { std: a.std }, floor: b.score };
    }
    if (names.includes("class-accuracy") && samples.classes) {
      let hit = 0;
      argmaxRows(fake.probs, k).forEach((best, i) => {
        if (best === samples.classes![i]) hit++;
      });
      metrics["class-accuracy"] = { value: hit / n, details: { n }, floor: ev.accuracy };
    }
  }
  return {
    evaluator: { name: ev.name, accuracy: ev.accuracy, key: p.key, cached: p.cached },
    n,
    referenceSize: p.refA.n,
    seed,
    metrics,
    classHistogram: fake.probs && k ? histogram(fake.probs, k) : null,
    realClassHistogram: realProbs && k ? histogram(realProbs, k) : null,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** p(y|x) of reference B (the real set the floors use). */
function realProbsOf(p: PreparedEvaluator): Float32Array {
  const ds = p.splits.refB;
  const n = exampleCount(ds);
  const per = ds.shape.reduce((a, b) => a * b, 1);
  return featuresOfSamples(p, { data: ds.data.subarray(0, n * per), shape: ds.shape }).probs!;
}
