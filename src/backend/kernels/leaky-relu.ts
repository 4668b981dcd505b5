/**
 * LeakyRelu for the wasm backend as XNNPACK's PReLU with every channel's slope set to alpha. The
 * stock kernel is a scalar loop: 20 ms on a 64x32x32x64 tensor where PReLU takes 0.7 (2 threads).
 * The slopes are a C-float buffer made and freed per call (a few microseconds).
 */
import * as tf from "@tensorflow/tfjs";
import { free, Info, makeOutput, run, runStock, wasmKernel } from "./compose";

export function leakyRelu(args: { inputs: { x: Info }; backend: tf.KernelBackend; attrs: { alpha: number } }): Info {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const channels = x.shape.length ? x.shape[x.shape.length - 1] : 0;
  if (x.dtype !== "float32" || channels === 0) return runStock(backend, "LeakyRelu", inputs, attrs);
  const slopes = makeOutput(backend, [channels]);
  slopes.data.fill(attrs.alpha);
  const y = run(backend, "Prelu", { x, alpha: slopes.info });
  free(backend, slopes.info);
  return y;
}

export const leakyReluConfig = wasmKernel("LeakyRelu", leakyRelu);
