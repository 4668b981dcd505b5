/**
 * What the quality target means on a dataset: real images the evaluator never used as references
 * (its training part), as they are and lightly degraded (blur, noise, a shift, thicker or thinner
 * strokes), scored like samples and checked against the target (src/experiments/quality.ts). Real
 * images should pass; a visible degradation should not. `npm run eval -- --calibrate --data NAME`.
 */
import * as tf from "@tensorflow/tfjs";
import { exampleCount } from "../data/dataset";
import type { PreparedEvaluator } from "./evaluator";
import { blur, shiftRight } from "./degrade";
import { collapsedRecall, QualityScore, scoreSamples } from "../experiments/quality";

/** One degradation's figures against the target. */
export type CalibrationRow = { name: string } & Omit<QualityScore, "fdKey">;

/** The degradations, each a function of a batch of images [n, H, W, C] in [-1, 1] (background -1). */
export const DEGRADATIONS: [string, (x: tf.Tensor4D) => tf.Tensor4D][] = [
  ["real images (none)", (x) => x.clone()],
  ["gaussian noise, std 0.1", (x) => tf.clipByValue(tf.add(x, tf.randomNormal(x.shape, 0, 0.1, "float32", 1)), -1, 1) as tf.Tensor4D],
  ["gaussian noise, std 0.2", (x) => tf.clipByValue(tf.add(x, tf.randomNormal(x.shape, 0, 0.2, "float32", 1)), -1, 1) as tf.Tensor4D],
  ["blur, sigma 0.5 px", (x) => blur(x, 0.5)],
  ["blur, sigma 1 px", (x) => blur(x, 1)],
  ["shifted right 1 px", (x) => shiftRight(x, 1)],
  ["shifted right 2 px", (x) => shiftRight(x, 2)],
  ["thicker strokes (3x3 max)", (x) => tf.maxPool(x, 3, 1, "same") as tf.Tensor4D],
  ["thinner strokes (2x2 min)", (x) => tf.neg(tf.maxPool(tf.neg(x), 2, 1, "same")) as tf.Tensor4D],
];

/** Score each degradation of `n` real training-part images (default: the reference size). */
export function calibrateTarget(p: PreparedEvaluator, n?: number, onRow?: (r: CalibrationRow) => void): CalibrationRow[] {
  const ds = p.splits.train;
  const count = Math.min(n ?? p.refA.n, exampleCount(ds));
  const per = ds.shape.reduce((a, b) => a * b, 1);
  const base = tf.tensor4d(ds.data.subarray(0, count * per), [count, ...ds.shape] as [number, number, number, number]);
  const collapsed = ds.labels ? collapsedRecall(p) : 0;
  const rows: CalibrationRow[] = [];
  try {
    for (const [name, f] of DEGRADATIONS) {
      const data = tf.tidy(() => f(base).dataSync() as Float32Array);
      const { fdKey, ...score } = scoreSamples(p, { data, shape: ds.shape }, collapsed);
      const row: CalibrationRow = { name, ...score };
      rows.push(row);
      onRow?.(row);
    }
  } finally {
    base.dispose();
  }
  return rows;
}
