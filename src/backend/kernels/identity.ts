/**
 * Identity without a copy. The stock wasm Identity copies the whole tensor; tfjs calls it often
 * during training (clone, broadcastTo to an equal shape, gradient bookkeeping: ~240 calls per
 * DCGAN step). Tensors are immutable, so sharing the buffer with a reference count is safe; this
 * is what the cpu backend's own Identity does.
 *
 * Cast to the dtype a tensor already has is the same thing: tfjs's Multiply, Square and Sqrt
 * gradients cast their float32 inputs to float32 (about 170 full copies per PGGAN step on the
 * stock kernel). Conversions to bool are done here too: the stock kernel copies the numbers into
 * the bytes unconverted (-2.2 became 254, 5 stayed 5; the cpu backend gives 1 and 1). Other
 * conversions go to the stock Cast.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { Info, runStock, wasmKernel } from "./compose";

export function identity(args: { inputs: { x: Info }; backend: tf.KernelBackend }): Info {
  const { x } = args.inputs;
  (args.backend as unknown as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityConfig = wasmKernel("Identity", identity);

export function cast(args: { inputs: { x: Info }; backend: tf.KernelBackend; attrs: { dtype: tf.DataType } }): Info {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  if (x.dtype === "string" || x.dtype === "complex64") return runStock(backend, "Cast", inputs, attrs);
  if (attrs.dtype === x.dtype) return identity({ inputs, backend });
  if (attrs.dtype === "bool") {
    const wasm = backend as unknown as BackendWasm;
    const out = wasm.makeOutput(x.shape, "bool");
    const src = wasm.typedArrayFromHeap(x);
    const dst = wasm.typedArrayFromHeap(out);
    for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
    return out;
  }
  return runStock(backend, "Cast", inputs, attrs);
}

export const castConfig = wasmKernel("Cast", cast);
