/** Shared test helpers: backends and numeric comparison against the cpu backend. */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../src/backend/select";

export async function useWasm(): Promise<void> {
  await initBackend({ backend: "wasm", quiet: true });
}

/** Run `f` on the cpu backend with copies of `inputs`; returns the result's values. */
export async function onCpu(inputs: tf.Tensor[], f: (...xs: tf.Tensor[]) => tf.Tensor): Promise<Float32Array> {
  const prev = tf.getBackend();
  const values = await Promise.all(inputs.map((t) => t.data()));
  await tf.setBackend("cpu");
  (tf.findBackend("cpu") as unknown as { firstUse: boolean }).firstUse = false;
  try {
    return tf.tidy(() => f(...inputs.map((t, i) => tf.tensor(values[i], t.shape, t.dtype)))).dataSync() as Float32Array;
  } finally {
    await tf.setBackend(prev);
  }
}

/** max |a - b| / max |b| (0 when both are all zero). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}
