/**
 * Convolutions and dense layers with their bias and activation fused into one kernel, in training too.
 *
 * tfjs's own fused ops (tf.fused.conv2d / matMul) fall back to separate conv, add and activation
 * kernels whenever gradients are recorded and the activation is not linear, because tfjs-core has no
 * gradient for the FusedConv2D and _FusedMatMul kernels. This module registers those gradients, so
 * the kit can run the fused kernels (which every backend has: wasm, cpu and tfjs-node) in the
 * training step: one kernel and one output tensor instead of three. The gradient at the
 * pre-activation is computed from the saved output y (dy * step(y, alpha) for leaky ReLU, EluGrad
 * for ELU, ...), then each input's gradient is built lazily, so a pass that needs only dL/dx (the
 * WGAN-GP penalty) does not compute the filter's gradient. Every op used in these gradients has a
 * gradient itself, so they can be differentiated again.
 */
import * as tf from "@tensorflow/tfjs";
import "./gradients"; // the kit's Sum, Mean and LeakyRelu gradients (src/nn/gradients.ts)

export type Activation = "linear" | "relu" | "leakyrelu" | "elu" | "tanh" | "sigmoid";

/** Activations the backends' fused kernels apply (tfjs has no fused tanh). */
const FUSABLE: ReadonlySet<Activation> = new Set<Activation>(["linear", "relu", "leakyrelu", "elu", "sigmoid"]);

export function isFusable(act: Activation): boolean {
  return FUSABLE.has(act);
}

/** The activation on its own (for the layers that cannot fuse it). */
export function activate(x: tf.Tensor, act: Activation, alpha = 0.2): tf.Tensor {
  switch (act) {
    case "linear":
      return x;
    case "relu":
      return tf.relu(x);
    case "leakyrelu":
      return tf.leakyRelu(x, alpha);
    case "elu":
      return tf.elu(x);
    case "tanh":
      return tf.tanh(x);
    case "sigmoid":
      return tf.sigmoid(x);
  }
}

/** dL/d(pre-activation) from dL/dy and the activation's output y. */
function preActivationGrad(dy: tf.Tensor, y: tf.Tensor, act: string, alpha: number): tf.Tensor {
  switch (act) {
    case "linear":
      return dy;
    case "relu":
      return tf.mul(dy, tf.step(y, 0));
    case "leakyrelu":
      // y > 0 exactly where x > 0 (alpha > 0), so the mask can come from the output.
      return tf.mul(dy, tf.step(y, alpha));
    case "elu":
      return tf.engine().runKernel("EluGrad", { dy, y });
    case "sigmoid":
      return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
    default:
      throw new Error(`no gradient for the fused activation "${act}"`);
  }
}

interface FusedAttrs {
  activation: string;
  leakyreluAlpha?: number;
}

function registerGradients(): void {
  tf.registerGradient({
    kernelName: "FusedConv2D",
    inputsToSave: ["x", "filter"],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as FusedAttrs & { strides: [number, number] | number; pad: any; dataFormat: string; dimRoundingMode?: string; dilations: number | [number, number] };
      const dilations = typeof a.dilations === "number" ? [a.dilations, a.dilations] : a.dilations;
      if (dilations && (dilations[0] !== 1 || dilations[1] !== 1)) throw new Error("FusedConv2D gradient: dilations are not supported");
      const dz = preActivationGrad(dy as tf.Tensor, y, a.activation, a.leakyreluAlpha ?? 0.2);
      const convAttrs = { strides: a.strides, pad: a.pad, dataFormat: a.dataFormat, dimRoundingMode: a.dimRoundingMode };
      return {
        x: () => tf.engine().runKernel("Conv2DBackpropInput", { dy: dz, filter }, { ...convAttrs, inputShape: x.shape } as any) as tf.Tensor,
        filter: () => tf.engine().runKernel("Conv2DBackpropFilter", { x, dy: dz }, { ...convAttrs, filterShape: filter.shape } as any) as tf.Tensor,
        bias: () => tf.sum(dz, [0, 1, 2]),
      };
    },
  });
  tf.registerGradient({
    kernelName: "_FusedMatMul",
    inputsToSave: ["a", "b"],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [a, b, y] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
      const at = attrs as unknown as FusedAttrs & { transposeA: boolean; transposeB: boolean };
      if (at.transposeA || at.transposeB) throw new Error("_FusedMatMul gradient: transposed inputs are not supported");
      const dz = preActivationGrad(dy as tf.Tensor, y, at.activation, at.leakyreluAlpha ?? 0.2) as tf.Tensor3D;
      return {
        a: () => tf.matMul(dz, b, false, true),
        b: () => tf.matMul(a, dz, true, false),
        bias: () => tf.sum(dz, [0, 1]),
      };
    },
  });
}
registerGradients();

/** Attributes of a stride-s, dilation-1 NHWC convolution. */
type ConvPad = "same" | "valid" | tf.backend_util.ExplicitPadding;

/**
 * Whether the active backend's fused kernels should apply `act`. wasm's fused leaky ReLU is a
 * scalar loop (21 ms on a 64x32x32x64 output, where the kit's LeakyRelu kernel, XNNPACK's PReLU,
 * takes 0.7), so on wasm the kernel adds only the bias and LeakyRelu follows it.
 */
function fuseHere(act: Activation): boolean {
  return isFusable(act) && !(act === "leakyrelu" && tf.getBackend() === "wasm");
}

/** act(conv2d(x, filter) + bias): one FusedConv2D kernel, with the activation fused where the backend does that well. */
export function conv2dAct(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | null, stride: number, pad: ConvPad, act: Activation = "linear", alpha = 0.2): tf.Tensor4D {
  // The kernel always takes the bias; an activation it should not apply follows it.
  if (!fuseHere(act)) return activate(conv2dAct(x, filter, bias, stride, pad, "linear"), act, alpha) as tf.Tensor4D;
  const inputs: tf.NamedTensorMap = bias ? { x, filter, bias } : { x, filter };
  const attrs = { strides: [stride, stride], pad, dataFormat: "NHWC", dilations: [1, 1], dimRoundingMode: undefined, activation: act, leakyreluAlpha: alpha };
  return tf.engine().runKernel("FusedConv2D", inputs, attrs as any) as tf.Tensor4D;
}

/** act(x W + bias) for x [n, in], W [in, out]: one _FusedMatMul kernel, with the activation fused where the backend does that well. */
export function denseAct(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D | null, act: Activation = "linear", alpha = 0.2): tf.Tensor2D {
  if (!fuseHere(act)) return activate(denseAct(x, kernel, bias, "linear"), act, alpha) as tf.Tensor2D;
  const [n, k] = x.shape;
  const units = kernel.shape[1];
  const a = tf.reshape(x, [1, n, k]);
  const b = tf.reshape(kernel, [1, k, units]);
  const inputs: tf.NamedTensorMap = bias ? { a, b, bias } : { a, b };
  const attrs = { transposeA: false, transposeB: false, activation: act, leakyreluAlpha: alpha };
  const y = tf.engine().runKernel("_FusedMatMul", inputs, attrs as any) as tf.Tensor3D;
  const out = tf.reshape(y, [n, units]) as tf.Tensor2D;
  tf.dispose([a, b, y]);
  return out;
}
