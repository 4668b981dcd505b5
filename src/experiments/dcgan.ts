/**
 * DCGAN's checks of what G learned (used by notebooks/dcgan.ipynb): nearest training images
 * (memorisation), walks through latent space, and vector arithmetic on averaged latent codes.
 */
import * as tf from "@tensorflow/tfjs";
import { Dataset, exampleCount } from "../data/dataset";

export interface Neighbours {
  /** Index of the nearest training example for each query. */
  index: Int32Array;
  /** Euclidean distance to it, per pixel: sqrt(mean squared difference), images in [-1, 1]. */
  distance: Float32Array;
}

/** Nearest example of `ds` to each of `queries` [n, ...] by pixel distance (chunked matrix products). */
export function nearestNeighbours(queries: tf.Tensor, ds: Dataset, chunk = 2000): Neighbours {
  const n = queries.shape[0];
  const d = ds.shape.reduce((a, b) => a * b, 1);
  const total = exampleCount(ds);
  const best = new Float32Array(n).fill(Infinity);
  const index = new Int32Array(n);
  const q = tf.tidy(() => queries.reshape([n, d]));
  const qq = tf.tidy(() => tf.sum(tf.square(q), 1, true));
  for (let start = 0; start < total; start += chunk) {
    const m = Math.min(chunk, total - start);
    const dist = tf.tidy(() => {
      const x = tf.tensor2d(ds.data.subarray(start * d, (start + m) * d), [m, d]);
      const xx = tf.sum(tf.square(x), 1).reshape([1, m]);
      return tf.add(tf.sub(qq, tf.mul(2, tf.matMul(q, x, false, true))), xx);
    });
    const v = dist.dataSync();
    dist.dispose();
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        if (v[i * m + j] < best[i]) {
          best[i] = v[i * m + j];
          index[i] = start + j;
        }
      }
    }
  }
  tf.dispose([q, qq]);
  return { index, distance: best.map((s) => Math.sqrt(Math.max(0, s) / d)) };
}

/** Points on the straight line from z0 to z1 (inclusive), [steps, dim]. */
export function interpolate(z0: tf.Tensor1D, z1: tf.Tensor1D, steps: number): tf.Tensor2D {
  return tf.tidy(() => {
    const t = tf.linspace(0, 1, steps).reshape([steps, 1]);
    return tf.add(tf.mul(tf.sub(1, t), z0.reshape([1, -1])), tf.mul(t, z1.reshape([1, -1]))) as tf.Tensor2D;
  });
}

/** Root-mean-square pixel change between consecutive frames [n, ...] (a smooth walk keeps them even). */
export function frameSteps(frames: tf.Tensor): number[] {
  return tf.tidy(() => {
    const n = frames.shape[0];
    const a = frames.slice(0, n - 1);
    const b = frames.slice(1, n - 1);
    const axes = frames.shape.slice(1).map((_, i) => i + 1);
    return Array.from(tf.sqrt(tf.mean(tf.square(tf.sub(b, a)), axes)).dataSync());
  });
}

/** Ink of each image: mean of (pixel + 1) / 2, i.e. the share of "white" (the digits are white). */
export function ink(images: tf.Tensor): Float32Array {
  return tf.tidy(() => {
    const axes = images.shape.slice(1).map((_, i) => i + 1);
    return tf.mean(tf.div(tf.add(images, 1), 2), axes).dataSync() as Float32Array;
  });
}
