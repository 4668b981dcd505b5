/**
 * Slice for the wasm backend, copying on the wasm heap. The stock kernel first reads the whole
 * input out of the heap into a new JavaScript array (backend.readSync copies it) and then copies
 * the slice back in, so every slice (the gradient of each concat, the kit's own crops) moved the
 * entire input through JavaScript. This one copies only the slice, in contiguous runs.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { Info, runStock, wasmKernel } from "./compose";

type Heap = Float32Array | Int32Array | Uint8Array;

export function slice(args: { inputs: { x: Info }; backend: tf.KernelBackend; attrs: { begin: number | number[]; size?: number | number[] } }): Info {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  if (x.dtype === "string" || x.dtype === "complex64") return runStock(backend, "Slice", inputs, attrs);
  const wasm = backend as unknown as BackendWasm;
  const [begin, size] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, attrs.begin, attrs.size);
  const out = wasm.makeOutput(size, x.dtype);
  const total = size.reduce((a, b) => a * b, 1);
  if (total === 0) return out;
  const src = wasm.typedArrayFromHeap(x) as Heap;
  const dst = wasm.typedArrayFromHeap(out) as Heap;
  const shape = x.shape;
  const rank = shape.length;
  const strides = tf.util.computeStrides(shape);
  const stride = (d: number) => (d === rank - 1 ? 1 : strides[d]);
  // Axes after `last` are taken whole, so each run of size[last] * stride(last) elements is contiguous.
  let last = rank - 1;
  while (last > 0 && size[last] === shape[last]) last--;
  const run = size[last] * stride(last);
  const runs = total / run;
  const index = new Array(last).fill(0);
  let from = 0;
  for (let d = 0; d <= last; d++) from += begin[d] * stride(d);
  for (let r = 0, to = 0; r < runs; r++, to += run) {
    if (run >= 16) dst.set(src.subarray(from, from + run), to);
    else for (let i = 0; i < run; i++) dst[to + i] = src[from + i];
    // Advance the outer index (odometer over axes last-1 .. 0) and the source offset with it.
    for (let d = last - 1; d >= 0; d--) {
      if (++index[d] < size[d]) {
        from += stride(d);
        break;
      }
      index[d] = 0;
      from -= (size[d] - 1) * stride(d);
    }
  }
  return out;
}

export const sliceConfig = wasmKernel("Slice", slice);

/** SplitV (the gradient of concat) on the kit's Slice: the stock one calls the stock Slice directly. */
export function splitV(args: { inputs: { x: Info }; backend: tf.KernelBackend; attrs: { numOrSizeSplits: number | number[]; axis: number | number[] } }): Info[] {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as tf.TensorInfo as tf.Tensor, attrs.numOrSizeSplits, axis);
  const begin = new Array(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = x.shape.slice();
    size[axis] = s;
    const part = slice({ inputs: { x }, backend, attrs: { begin: begin.slice(), size } });
    begin[axis] += s;
    return part;
  });
}

/** Unpack (tf.unstack) on the kit's Slice, for the same reason. */
export function unpack(args: { inputs: { value: Info }; backend: tf.KernelBackend; attrs: { axis: number } }): Info[] {
  const { inputs, backend, attrs } = args;
  const x = inputs.value;
  const axis = attrs.axis < 0 ? attrs.axis + x.shape.length : attrs.axis;
  const outShape = x.shape.filter((_, i) => i !== axis);
  const size = x.shape.slice();
  size[axis] = 1;
  const begin = new Array(x.shape.length).fill(0);
  const outs: Info[] = [];
  for (let i = 0; i < x.shape[axis]; i++) {
    begin[axis] = i;
    const part = slice({ inputs: { x }, backend, attrs: { begin: begin.slice(), size } });
    outs.push({ dataId: part.dataId, dtype: part.dtype, shape: outShape });
  }
  return outs;
}

export const splitVConfig = wasmKernel("SplitV", splitV as unknown as (a: unknown) => Info);
export const unpackConfig = wasmKernel("Unpack", unpack as unknown as (a: unknown) => Info);
