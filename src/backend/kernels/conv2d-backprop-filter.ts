/**
 * Conv2DBackpropFilter for the wasm backend (the stock wasm backend has none, so no conv net can
 * train on it).
 *
 * The filter gradient of a stride-s convolution is itself a convolution, which wasm runs fast
 * (XNNPACK): with batch and channels of x swapped (x^T: [ci, H, W, b]) and the output gradient
 * used as the filter (dy^T: [OH, OW, b, co]), a stride-1 convolution dilated by s gives
 * dW^T[ci, kh, kw, co] = sum_{b,oh,ow} x[b, oh*s + kh - pad, ow*s + kw - pad, ci] * dy[b, oh, ow, co].
 *
 * That conv has only kh * kw * ci output rows, which XNNPACK runs at a few GFLOP/s when they are
 * few (a first layer on 1- or 3-channel images: 16 or 27 rows). There the kit builds the patch
 * matrix P^T [kh * kw * ci, b * oh * ow] on the heap and takes one MatMul P^T x dy.
 */
import * as tf from "@tensorflow/tfjs";
import { crop, free, heapView, Info, makeOutput, run, runStock, wasmKernel } from "./compose";

/** At or below this many filter rows (kh * kw * ci) the patch-matrix MatMul is used. */
export const PATCH_MATMUL_MAX_ROWS = 64;

/** dW via the patch matrix: P^T [kh*kw*ci, R] (R = b*oh*ow, zero where the window is in the padding) times dy [R, co]. */
function patchMatMulFilterGrad(backend: tf.KernelBackend, x: Info, dy: Info, info: tf.backend_util.Conv2DInfo): Info {
  const { batchSize: b, inHeight: H, inWidth: W, inChannels: ci, outHeight: OH, outWidth: OW, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const R = b * OH * OW;
  const M = kh * kw * ci;
  const pt = makeOutput(backend, [1, M, R]);
  const src = heapView(backend, x);
  const dst = pt.data;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let c = 0; c < ci; c++) {
        let o = ((i * kw + j) * ci + c) * R;
        for (let n = 0; n < b; n++) {
          for (let oh = 0; oh < OH; oh++) {
            const y = oh * sh + i - top;
            if (y < 0 || y >= H) {
              dst.fill(0, o, o + OW);
              o += OW;
              continue;
            }
            const row = (n * H + y) * W;
            for (let ow = 0, xx = j - left; ow < OW; ow++, xx += sw) dst[o++] = xx >= 0 && xx < W ? src[(row + xx) * ci + c] : 0;
          }
        }
      }
    }
  }
  const dy3 = run(backend, "Reshape", { x: dy }, { shape: [1, R, co] });
  const prod = runStock(backend, "BatchMatMul", { a: pt.info, b: dy3 }, { transposeA: false, transposeB: false });
  free(backend, pt.info, dy3);
  const dw = run(backend, "Reshape", { x: prod }, { shape: [kh, kw, ci, co] });
  free(backend, prod);
  return dw;
}

interface Attrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
}

export function conv2dBackpropFilter(args: {
  inputs: { x: Info; dy: Info };
  backend: tf.KernelBackend;
  attrs: Attrs;
}): Info {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  if (attrs.dataFormat === "NCHW") throw new Error("Conv2DBackpropFilter on wasm supports NHWC only");
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = info;
  if (kh * kw * info.inChannels <= PATCH_MATMUL_MAX_ROWS && x.dtype === "float32") return patchMatMulFilterGrad(backend, x, dy, info);
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Pad after so that the output covers all kh x kw taps; extra rows (never negative) are cropped.
  const bottom = Math.max(0, kh + (OH - 1) * sh - H - top);
  const right = Math.max(0, kw + (OW - 1) * sw - W - left);

  const xT = run(backend, "Transpose", { x }, { perm: [3, 1, 2, 0] });
  const dyT = run(backend, "Transpose", { x: dy }, { perm: [1, 2, 0, 3] });
  const full = run(
    backend,
    "Conv2D",
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      dilations: [sh, sw],
      pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
      dataFormat: "NHWC",
    },
  );
  free(backend, xT, dyT);
  const ci = info.inChannels;
  const co = info.outChannels;
  const cut = crop(backend, full, [0, 0, 0, 0], [ci, kh, kw, co]);
  free(backend, full);
  const dw = run(backend, "Transpose", { x: cut }, { perm: [1, 2, 0, 3] });
  free(backend, cut);
  return dw;
}

export const conv2dBackpropFilterConfig = wasmKernel("Conv2DBackpropFilter", conv2dBackpropFilter);
