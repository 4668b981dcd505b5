/**
 * Layers shared by all models. Convolutions are NHWC with filters [kh, kw, in, out], as tfjs.
 */
import * as tf from "@tensorflow/tfjs";
import { glorotUniform, Init, subSeed, zeros } from "./init";
import { Module } from "./module";
import { Activation, conv2dAct, denseAct } from "./fused";

export { activate } from "./fused";
export type { Activation } from "./fused";

export interface LayerOptions {
  seed: number;
  init?: Init;
  bias?: boolean;
}

export class Dense extends Module {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable | null;
  constructor(readonly inUnits: number, readonly units: number, opts: LayerOptions) {
    super();
    const init = opts.init ?? glorotUniform;
    this.kernel = this.param("kernel", init([inUnits, units], inUnits, units, subSeed(opts.seed, "kernel")));
    this.bias = opts.bias === false ? null : this.param("bias", zeros([units]));
  }
  /** FLOPs (multiply-adds x 2) of the forward pass per example. */
  flops(): number {
    return 2 * this.inUnits * this.units;
  }
  /** Multiplies the kernel at run time (equalized learning rate); 1 = none. */
  protected weightScale = 1;
  /** act(x W + b), as one fused kernel where the backend has the activation. */
  apply(x: tf.Tensor, act: Activation = "linear", alpha = 0.2): tf.Tensor2D {
    return tf.tidy(() => {
      const w = this.weightScale === 1 ? this.kernel : tf.mul(this.kernel, this.weightScale);
      return denseAct(x as tf.Tensor2D, w as tf.Tensor2D, this.bias as tf.Tensor1D | null, act, alpha);
    });
  }
}

export type Padding = "same" | "valid" | number;

export class Conv2d extends Module {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable | null;
  constructor(
    readonly inCh: number,
    readonly outCh: number,
    readonly k: number,
    readonly stride: number,
    readonly pad: Padding,
    opts: LayerOptions,
  ) {
    super();
    const init = opts.init ?? glorotUniform;
    this.kernel = this.param("kernel", init([k, k, inCh, outCh], k * k * inCh, k * k * outCh, subSeed(opts.seed, "kernel")));
    this.bias = opts.bias === false ? null : this.param("bias", zeros([outCh]));
  }
  /** Forward FLOPs for an output of spatial size oh x ow (per example). */
  flops(oh: number, ow: number): number {
    return 2 * oh * ow * this.k * this.k * this.inCh * this.outCh;
  }
  /** Multiplies the filter at run time (equalized learning rate); 1 = none. */
  protected weightScale = 1;
  /** act(conv(x) + b), as one fused kernel where the backend has the activation. */
  apply(x: tf.Tensor4D, act: Activation = "linear", alpha = 0.2): tf.Tensor4D {
    return tf.tidy(() => {
      const w = this.weightScale === 1 ? this.kernel : tf.mul(this.kernel, this.weightScale);
      const pad = typeof this.pad === "number" ? ([[0, 0], [this.pad, this.pad], [this.pad, this.pad], [0, 0]] as tf.backend_util.ExplicitPadding) : this.pad;
      return conv2dAct(x, w as tf.Tensor4D, this.bias as tf.Tensor1D | null, this.stride, pad, act, alpha);
    });
  }
}

/** Transposed convolution ("fractionally strided"): the gradient of a Conv2d with the same settings. */
export class ConvTranspose2d extends Module {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable | null;
  constructor(
    readonly inCh: number,
    readonly outCh: number,
    readonly k: number,
    readonly stride: number,
    readonly pad: "same" | "valid",
    opts: LayerOptions,
  ) {
    super();
    const init = opts.init ?? glorotUniform;
    // tfjs stores transposed-conv filters as [kh, kw, out, in].
    this.kernel = this.param("kernel", init([k, k, outCh, inCh], k * k * inCh, k * k * outCh, subSeed(opts.seed, "kernel")));
    this.bias = opts.bias === false ? null : this.param("bias", zeros([outCh]));
  }
  outSize(inSize: number): number {
    return this.pad === "same" ? inSize * this.stride : (inSize - 1) * this.stride + this.k;
  }
  /** Forward FLOPs for an input of spatial size ih x iw (per example). */
  flops(ih: number, iw: number): number {
    return 2 * ih * iw * this.k * this.k * this.inCh * this.outCh;
  }
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const [b, h, w] = x.shape;
    const y = tf.conv2dTranspose(x, this.kernel as tf.Tensor4D, [b, this.outSize(h), this.outSize(w), this.outCh], this.stride, this.pad);
    return this.bias ? tf.add(y, this.bias) : y;
  }
}

/**
 * Batch normalisation over all axes but the last, with its gradient written out in closed form
 * (tfjs's own batchNorm gradient tiles its statistics, which is slow on wasm).
 * Training mode uses the batch statistics and updates running averages; eval mode uses those.
 */
export class BatchNorm extends Module {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  constructor(readonly channels: number, readonly momentum = 0.9, readonly eps = 1e-5) {
    super();
    this.gamma = this.param("gamma", tf.ones([channels]));
    this.beta = this.param("beta", tf.zeros([channels]));
    this.runningMean = this.param("running_mean", tf.zeros([channels]), false);
    this.runningVar = this.param("running_var", tf.ones([channels]), false);
  }
  apply<T extends tf.Tensor>(x: T, training: boolean): T {
    if (!training) {
      return tf.tidy(() => {
        const scale = tf.mul(this.gamma, tf.rsqrt(tf.add(this.runningVar, this.eps)));
        return tf.add(tf.mul(tf.sub(x, this.runningMean), scale), this.beta) as T;
      });
    }
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const n = x.size / this.channels;
    const { mean, variance } = tf.moments(x, axes);
    tf.tidy(() => {
      const m = this.momentum;
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, m), tf.mul(mean, 1 - m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, m), tf.mul(variance, (1 - m) * n / Math.max(1, n - 1))));
    });
    const eps = this.eps;
    const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [xx, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      const rstd = tf.rsqrt(tf.add(variance, eps));
      const xhat = tf.mul(tf.sub(xx, mean), rstd);
      save([xhat, rstd, gamma]);
      return {
        value: tf.add(tf.mul(xhat, gamma), beta),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xh, rs, g] = saved;
          const sumDy = tf.sum(dy, axes);
          const sumDyXhat = tf.sum(tf.mul(dy, xh), axes);
          // dx = gamma * rstd / n * (n * dy - sum(dy) - xhat * sum(dy * xhat))
          const dx = tf.mul(
            tf.mul(g, tf.div(rs, n)),
            tf.sub(tf.sub(tf.mul(dy, n), sumDy), tf.mul(xh, sumDyXhat)),
          );
          return [dx, sumDyXhat, sumDy];
        },
      };
    });
    const y = f(x, this.gamma, this.beta) as T;
    mean.dispose();
    variance.dispose();
    return y;
  }
}
