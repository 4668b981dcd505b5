/**
 * Gradients of 2x-style nearest-neighbour upsampling and of non-overlapping average pooling
 * (BEGAN and PGGAN use both at every resolution step), composed from fast forward kernels. The
 * stock wasm kernels loop per pixel and run at about a fifth of the forward speed.
 *
 * - Upsampling by integer factors (kh, kw) copies each pixel into a kh x kw block, so its gradient
 *   sums each block: AvgPool(dy, [kh, kw]) * kh * kw.
 * - Average pooling with window = stride and no padding spreads each gradient evenly over its
 *   window: the same block copy, scaled by 1 / (kh * kw).
 * The block copy itself (also registered as the forward ResizeNearestNeighbor for integer
 * factors) is one broadcasting Multiply: dy as [b, h, 1, w, 1, c] times a [1, 1, kh, 1, kw, 1]
 * constant, about twice as fast as the stock resize kernel.
 * Any other configuration falls back to the stock kernel.
 */
import * as tf from "@tensorflow/tfjs";
import { free, Info, makeOutput, run, runStock, scaled, wasmKernel } from "./compose";

function pair(v: number | [number, number]): [number, number] {
  return typeof v === "number" ? [v, v] : v;
}

/** Copy each pixel of x [b, h, w, c] into a kh x kw block, times `scale`. */
function blockUpsample(backend: tf.KernelBackend, x: Info, kh: number, kw: number, scale: number): Info {
  const [b, h, w, c] = x.shape;
  const x6 = run(backend, "Reshape", { x }, { shape: [b, h, 1, w, 1, c] });
  const k = makeOutput(backend, [1, 1, kh, 1, kw, 1]);
  k.data.fill(scale);
  const y6 = run(backend, "Multiply", { a: x6, b: k.info });
  free(backend, x6, k.info);
  const y = run(backend, "Reshape", { x: y6 }, { shape: [b, h * kh, w * kw, c] });
  free(backend, y6);
  return y;
}

export function resizeNearestNeighbor(args: {
  inputs: { images: Info };
  backend: tf.KernelBackend;
  attrs: { alignCorners: boolean; halfPixelCenters: boolean; size: [number, number] };
}): Info {
  const { inputs, backend, attrs } = args;
  const [, h, w] = inputs.images.shape;
  const [H, W] = attrs.size;
  const kh = H / h;
  const kw = W / w;
  if (attrs.alignCorners || !Number.isInteger(kh) || !Number.isInteger(kw) || inputs.images.dtype !== "float32") {
    return runStock(backend, "ResizeNearestNeighbor", inputs, attrs);
  }
  return blockUpsample(backend, inputs.images, kh, kw, 1);
}

export function resizeNearestNeighborGrad(args: {
  inputs: { images: Info; dy: Info };
  backend: tf.KernelBackend;
  attrs: { alignCorners: boolean; halfPixelCenters: boolean };
}): Info {
  const { inputs, backend, attrs } = args;
  const [, h, w] = inputs.images.shape;
  const [, H, W] = inputs.dy.shape;
  const kh = H / h;
  const kw = W / w;
  if (attrs.alignCorners || !Number.isInteger(kh) || !Number.isInteger(kw) || inputs.dy.dtype !== "float32") {
    return runStock(backend, "ResizeNearestNeighborGrad", inputs, attrs);
  }
  const mean = run(backend, "AvgPool", { x: inputs.dy }, { filterSize: [kh, kw], strides: [kh, kw], pad: "valid" });
  const dx = scaled(backend, mean, kh * kw);
  free(backend, mean);
  return dx;
}

export function avgPoolGrad(args: {
  inputs: { dy: Info; input: Info };
  backend: tf.KernelBackend;
  attrs: { filterSize: number | [number, number]; strides: number | [number, number]; pad: unknown; dimRoundingMode?: string };
}): Info {
  const { inputs, backend, attrs } = args;
  const [fh, fw] = pair(attrs.filterSize);
  const [sh, sw] = pair(attrs.strides);
  const [, h, w] = inputs.input.shape;
  const [, oh, ow] = inputs.dy.shape;
  if (inputs.dy.dtype !== "float32") return runStock(backend, "AvgPoolGrad", inputs, attrs);
  const tiles = fh === sh && fw === sw && oh * sh === h && ow * sw === w;
  const noPad = attrs.pad === "valid" || attrs.pad === 0 || (attrs.pad === "same" && h % sh === 0 && w % sw === 0);
  if (!tiles || !noPad) return runStock(backend, "AvgPoolGrad", inputs, attrs);
  return blockUpsample(backend, inputs.dy, fh, fw, 1 / (fh * fw));
}

export const resizeNearestNeighborConfig = wasmKernel("ResizeNearestNeighbor", resizeNearestNeighbor);

export const resizeNearestNeighborGradConfig = wasmKernel("ResizeNearestNeighborGrad", resizeNearestNeighborGrad);

export const avgPoolGradConfig = wasmKernel("AvgPoolGrad", avgPoolGrad);
