/**
 * Kernel speed, the kit's kernel against the stock wasm one, on the shapes of the kit's models.
 * Used by `npm run bench -- --kernels`.
 */
import * as tf from "@tensorflow/tfjs";
import { free, Info, run, runStock, stockKernel } from "./compose";
import { KIT_WASM_KERNELS } from "./register";

export interface KernelSpeed {
  kernel: string;
  shapes: string;
  kitMs: number;
  /** null where wasm has no such kernel. */
  stockMs: number | null;
}

interface Case {
  kernel: string;
  shapes: string;
  inputs: () => Record<string, tf.Tensor>;
  attrs: Record<string, unknown>;
}

const CASES: Case[] = [
  { kernel: "Conv2DBackpropFilter", shapes: "x 64x14x14x64, dy 64x7x7x128, k4 s2", inputs: () => ({ x: tf.randomNormal([64, 14, 14, 64]), dy: tf.randomNormal([64, 7, 7, 128]) }), attrs: { strides: [2, 2], pad: "same", dataFormat: "NHWC", filterShape: [4, 4, 64, 128] } },
  { kernel: "Conv2DBackpropFilter", shapes: "x 64x32x32x3, dy 64x32x32x64, k3 s1", inputs: () => ({ x: tf.randomNormal([64, 32, 32, 3]), dy: tf.randomNormal([64, 32, 32, 64]) }), attrs: { strides: [1, 1], pad: "same", dataFormat: "NHWC", filterShape: [3, 3, 3, 64] } },
  { kernel: "Conv2DBackpropInput", shapes: "dy 64x7x7x128 -> 64x14x14x64, k4 s2", inputs: () => ({ dy: tf.randomNormal([64, 7, 7, 128]), filter: tf.randomNormal([4, 4, 64, 128]) }), attrs: { strides: [2, 2], pad: "same", dataFormat: "NHWC", inputShape: [64, 14, 14, 64] } },
  { kernel: "Conv2DBackpropInput", shapes: "dy 64x14x14x64 -> 64x28x28x1, k4 s2", inputs: () => ({ dy: tf.randomNormal([64, 14, 14, 64]), filter: tf.randomNormal([4, 4, 1, 64]) }), attrs: { strides: [2, 2], pad: "same", dataFormat: "NHWC", inputShape: [64, 28, 28, 1] } },
  { kernel: "ResizeNearestNeighbor", shapes: "64x16x16x64 -> 32x32", inputs: () => ({ images: tf.randomNormal([64, 16, 16, 64]) }), attrs: { size: [32, 32], alignCorners: false, halfPixelCenters: false } },
  { kernel: "ResizeNearestNeighborGrad", shapes: "dy 64x32x32x64 -> 64x16x16x64", inputs: () => ({ images: tf.randomNormal([64, 16, 16, 64]), dy: tf.randomNormal([64, 32, 32, 64]) }), attrs: { alignCorners: false, halfPixelCenters: false } },
  { kernel: "AvgPoolGrad", shapes: "dy 64x16x16x64 -> 64x32x32x64, 2x2", inputs: () => ({ dy: tf.randomNormal([64, 16, 16, 64]), input: tf.randomNormal([64, 32, 32, 64]) }), attrs: { filterSize: [2, 2], strides: [2, 2], pad: "valid" } },
  { kernel: "BatchMatMul", shapes: "64x100^T x 64x6272", inputs: () => ({ a: tf.randomNormal([64, 100]), b: tf.randomNormal([64, 6272]) }), attrs: { transposeA: true, transposeB: false } },
  { kernel: "Sum", shapes: "64x14x14x64 over N,H,W", inputs: () => ({ x: tf.randomNormal([64, 14, 14, 64]) }), attrs: { axis: [0, 1, 2], keepDims: false } },
  { kernel: "Mean", shapes: "64x7x7x128 over N,H,W", inputs: () => ({ x: tf.randomNormal([64, 7, 7, 128]) }), attrs: { axis: [0, 1, 2], keepDims: false } },
  { kernel: "Identity", shapes: "64x14x14x64", inputs: () => ({ x: tf.randomNormal([64, 14, 14, 64]) }), attrs: {} },
  { kernel: "Cast", shapes: "64x14x14x64 float32 -> float32", inputs: () => ({ x: tf.randomNormal([64, 14, 14, 64]) }), attrs: { dtype: "float32" } },
  { kernel: "LeakyRelu", shapes: "64x32x32x64", inputs: () => ({ x: tf.randomNormal([64, 32, 32, 64]) }), attrs: { alpha: 0.2 } },
  { kernel: "Slice", shapes: "64x4x4x129 -> 64x4x4x128", inputs: () => ({ x: tf.randomNormal([64, 4, 4, 129]) }), attrs: { begin: [0, 0, 0, 0], size: [64, 4, 4, 128] } },
  { kernel: "Slice", shapes: "64x32x32x64 -> 32 channels", inputs: () => ({ x: tf.randomNormal([64, 32, 32, 64]) }), attrs: { begin: [0, 0, 0, 16], size: [64, 32, 32, 32] } },
];

function timeIt(f: () => Info, backend: tf.KernelBackend, reps: number): number {
  for (let i = 0; i < 3; i++) free(backend, f()); // warm-up (plans, operator caches, the JIT)
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) free(backend, f());
  return (performance.now() - t0) / reps;
}

/** Time every kit kernel against its stock version. Needs the wasm backend active. */
export function kernelSpeeds(reps = 5): KernelSpeed[] {
  if (tf.getBackend() !== "wasm") throw new Error("kernel speeds are measured on the wasm backend");
  const backend = tf.backend();
  const kit = new Set(KIT_WASM_KERNELS.map((k) => k.kernelName));
  const out: KernelSpeed[] = [];
  for (const c of CASES) {
    if (!kit.has(c.kernel)) continue;
    const tensors = c.inputs();
    const inputs = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t as Info]));
    const kitMs = timeIt(() => run(backend, c.kernel, inputs, c.attrs), backend, reps);
    const stockMs = stockKernel(c.kernel) ? timeIt(() => runStock(backend, c.kernel, inputs, c.attrs), backend, reps) : null;
    out.push({ kernel: c.kernel, shapes: c.shapes, kitMs, stockMs });
    tf.dispose(Object.values(tensors));
  }
  return out;
}
