/**
 * Equalized learning rate (Karras et al. 2017, Sec. 4.1): weights are drawn from N(0, 1), biases
 * start at 0, and at run time every layer multiplies its weights by the per-layer constant of He's
 * initialiser, c = gain / sqrt(fan_in) (gain sqrt(2) before a leaky ReLU, 1 for a linear output).
 * Adam's updates are scale-invariant per parameter, so scaling at run time instead of at
 * initialisation gives every weight the same effective learning rate.
 */
import * as tf from "@tensorflow/tfjs";
import { Conv2d, Dense, Padding } from "./layers";
import { standardNormal } from "./init";

/** He's gain for ReLU-like layers. */
export const HE_GAIN = Math.SQRT2;

/** c = gain / sqrt(fan_in). */
export function heConstant(fanIn: number, gain = HE_GAIN): number {
  return gain / Math.sqrt(fanIn);
}

export interface EqualizedOptions {
  seed: number;
  /** sqrt(2) (default) before a leaky ReLU; 1 for linear outputs. */
  gain?: number;
  bias?: boolean;
}

/** A stride-1 convolution whose N(0, 1) weights are scaled by c = gain / sqrt(k * k * inCh) at run time. */
export class EqualizedConv2d extends Conv2d {
  readonly wscale: number;
  constructor(inCh: number, outCh: number, k: number, pad: Padding, opts: EqualizedOptions) {
    super(inCh, outCh, k, 1, pad, { seed: opts.seed, init: standardNormal, bias: opts.bias });
    this.wscale = heConstant(k * k * inCh, opts.gain ?? HE_GAIN);
    this.weightScale = this.wscale;
  }
}

/** A dense layer whose N(0, 1) weights are scaled by c = gain / sqrt(inUnits) at run time. */
export class EqualizedDense extends Dense {
  readonly wscale: number;
  constructor(inUnits: number, units: number, opts: EqualizedOptions) {
    super(inUnits, units, { seed: opts.seed, init: standardNormal, bias: opts.bias });
    this.wscale = heConstant(inUnits, opts.gain ?? HE_GAIN);
    this.weightScale = this.wscale;
  }
}
