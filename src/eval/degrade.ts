/**
 * Light degradations of real images (batches [n, H, W, C] in [-1, 1], background -1): what the
 * calibration scores against the quality target (src/eval/calibrate.ts) and what the target's
 * Fréchet-distance bar is measured with (src/experiments/quality.ts, `resolveTarget`).
 */
import * as tf from "@tensorflow/tfjs";

function gaussianKernel(sigma: number): tf.Tensor4D {
  const k = [-1, 0, 1].map((i) => Math.exp(-(i * i) / (2 * sigma * sigma)));
  const z = k.reduce((a, b) => a + b, 0);
  return tf.tensor4d(k.flatMap((a) => k.map((b) => (a * b) / (z * z))), [3, 3, 1, 1]);
}

/** A 3x3 Gaussian blur of standard deviation `sigma` pixels, per channel. */
export function blur(x: tf.Tensor4D, sigma: number): tf.Tensor4D {
  return tf.tidy(() => {
    const k = gaussianKernel(sigma);
    const c = x.shape[3];
    return (c === 1 ? tf.conv2d(x, k, 1, "same") : tf.depthwiseConv2d(x, tf.tile(k, [1, 1, c, 1]) as tf.Tensor4D, 1, "same")) as tf.Tensor4D;
  });
}

/** The images moved right by `d` pixels, the uncovered columns filled with background (-1). */
export function shiftRight(x: tf.Tensor4D, d: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => tf.pad(x, [[0, 0], [0, 0], [d, 0], [0, 0]], -1).slice([0, 0, 0, 0], [n, h, w, c]) as tf.Tensor4D);
}
