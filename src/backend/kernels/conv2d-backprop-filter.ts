/**
 * Conv2DBackpropFilter for the wasm backend (the stock wasm backend has none, so no conv net can
 * train on it).
 *
 * The filter gradient of a stride-s convolution is itself a convolution, which wasm runs fast
 * (XNNPACK): with batch and channels of x swapped (x^T: [ci, H, W, b]) and the output gradient
 * used as the filter (dy^T: [OH, OW, b, co]), a stride-1 convolution dilated by s gives
 * dW^T[ci, kh, kw, co] = sum_{b,oh,ow} x[b, oh*s + kh - pad, ow*s + kw - pad, ci] * dy[b, oh, ow, co].
 */
import * as tf from "@tensorflow/tfjs";
import { crop, free, Info, run, wasmKernel } from "./compose";

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
