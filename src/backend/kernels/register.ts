/** Registers the kit's wasm kernels (replacing or adding to the stock ones). Idempotent. */
import * as tf from "@tensorflow/tfjs";
import { conv2dBackpropFilterConfig } from "./conv2d-backprop-filter";
import { conv2dBackpropInputConfig } from "./conv2d-backprop-input";
import { avgPoolGradConfig, resizeNearestNeighborConfig, resizeNearestNeighborGradConfig } from "./pool-resize-grads";
import { keepStock } from "./compose";
import { batchMatMulConfig, meanConfig, sumConfig } from "./matmul-reduce";
import { castConfig, identityConfig } from "./identity";
import { sliceConfig, splitVConfig, unpackConfig } from "./slice";
import { leakyReluConfig } from "./leaky-relu";

export const KIT_WASM_KERNELS: tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  resizeNearestNeighborConfig,
  resizeNearestNeighborGradConfig,
  avgPoolGradConfig,
  batchMatMulConfig,
  sumConfig,
  meanConfig,
  identityConfig,
  castConfig,
  sliceConfig,
  splitVConfig,
  unpackConfig,
  leakyReluConfig,
];

let registered = false;

export function registerWasmKernels(): void {
  if (registered) return;
  for (const config of KIT_WASM_KERNELS) {
    keepStock(config.kernelName);
    if (tf.getKernel(config.kernelName, "wasm")) tf.unregisterKernel(config.kernelName, "wasm");
    tf.registerKernel(config);
  }
  registered = true;
}
