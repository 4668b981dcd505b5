/**
 * Identity without a copy. The stock wasm Identity copies the whole tensor; tfjs calls it often
 * during training (clone, broadcastTo to an equal shape, gradient bookkeeping: ~240 calls per
 * DCGAN step). Tensors are immutable, so sharing the buffer with a reference count is safe; this
 * is what the cpu backend's own Identity does.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { Info, wasmKernel } from "./compose";

export function identity(args: { inputs: { x: Info }; backend: tf.KernelBackend }): Info {
  const { x } = args.inputs;
  (args.backend as unknown as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityConfig = wasmKernel("Identity", identity);
