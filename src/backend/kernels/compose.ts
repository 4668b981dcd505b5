/**
 * Helpers for kernels composed from other kernels of the same backend.
 *
 * A composed kernel calls the backend's own kernel functions directly on TensorInfos (no engine,
 * no tape, no Tensor objects), and frees every intermediate it made. This is how the wasm backend
 * composes its own kernels; it keeps our kernels invisible to autodiff and to tf.memory().
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

export type Info = tf.TensorInfo;
export type Attrs = tf.NamedAttrMap;

/** Run wasm kernel `name` directly. The caller owns (and must free) the result. */
export function run(
  backend: tf.KernelBackend,
  name: string,
  inputs: Record<string, Info> | Info[],
  attrs: Record<string, unknown> = {},
): Info {
  const config = tf.getKernel(name, "wasm");
  if (!config) throw new Error(`kernel ${name} is not registered for the wasm backend`);
  const out = config.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend, attrs: attrs as Attrs });
  if (Array.isArray(out)) throw new Error(`kernel ${name} returned several outputs`);
  return out as Info;
}

const stock = new Map<string, tf.KernelConfig>();
const stockReady = new WeakMap<tf.KernelBackend, Set<string>>();

/** Remember the backend's own kernel before the kit replaces it (for the cases it still serves). */
export function keepStock(name: string): void {
  const config = tf.getKernel(name, "wasm");
  if (config && !stock.has(name)) stock.set(name, config);
}

/** The backend's own kernel that the kit replaced, if any (for benchmarks). */
export function stockKernel(name: string): tf.KernelConfig | undefined {
  return stock.get(name);
}

/** Run the backend's own (replaced) kernel. */
export function runStock(backend: tf.KernelBackend, name: string, inputs: Record<string, Info>, attrs: object): Info {
  const config = stock.get(name);
  if (!config) throw new Error(`no stock wasm kernel ${name}`);
  // The backend runs setup functions only for kernels registered when it starts; ours replaced this one.
  const ready = stockReady.get(backend) ?? new Set<string>();
  stockReady.set(backend, ready);
  if (!ready.has(name)) {
    config.setupFunc?.(backend);
    ready.add(name);
  }
  return config.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend, attrs: attrs as Attrs }) as Info;
}

/** x * factor as a new output (a broadcasting wasm Multiply). */
export function scaled(backend: tf.KernelBackend, x: Info, factor: number): Info {
  const k = makeOutput(backend, []);
  k.data[0] = factor;
  const y = run(backend, "Multiply", { a: x, b: k.info });
  free(backend, k.info);
  return y;
}

/** A wasm KernelConfig for one of the kit's kernel functions. */
export function wasmKernel<A>(kernelName: string, kernelFunc: (args: A) => Info): tf.KernelConfig {
  return { kernelName, backendName: "wasm", kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** Release an intermediate made by `run`. */
export function free(backend: tf.KernelBackend, ...infos: Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Float32 view of a tensor's data on the wasm heap (no copy). */
export function heapView(backend: tf.KernelBackend, info: Info): Float32Array {
  return (backend as unknown as BackendWasm).typedArrayFromHeap(info) as Float32Array;
}

/** A new float32 output of `shape` on the wasm heap and a writable view of it. */
export function makeOutput(backend: tf.KernelBackend, shape: number[]): { info: Info; data: Float32Array } {
  const wasm = backend as unknown as BackendWasm;
  const info = wasm.makeOutput(shape, "float32");
  return { info, data: wasm.typedArrayFromHeap(info) as Float32Array };
}

/** Slice `x` to `size` starting at `begin`; returns `x` itself (with an extra reference) when nothing is cut. */
export function crop(backend: tf.KernelBackend, x: Info, begin: number[], size: number[]): Info {
  if (begin.every((b) => b === 0) && size.every((s, i) => s === x.shape[i])) {
    (backend as unknown as BackendWasm).incRef(x.dataId);
    return x;
  }
  return run(backend, "Slice", { x }, { begin, size });
}
