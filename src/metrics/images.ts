/**
 * What the image metrics accept, and how it becomes the uint8 range [0, 255] the published SWD and
 * MS-SSIM work in. Shared by the metric files; it knows no metric.
 */
import * as tf from "@tensorflow/tfjs";
import { UserError } from "../errors";

/** The value range of the input pixels; always stated by the caller, never guessed. */
export type PixelRange = "[-1,1]" | "[0,255]";
export const PIXEL_RANGES: readonly PixelRange[] = ["[-1,1]", "[0,255]"];

/**
 * A batch of images, NHWC: a rank-4 tensor [n, h, w, c] (rank 3 [h, w, c] is one image), or values
 * with a shape: [n, h, w, c], or the shape of one image [h, w, c] with the count implied by the
 * length (as a Dataset stores it, so a Dataset can be passed as is). c is 1 (grayscale) or 3 (RGB).
 */
export type ImageInput = tf.Tensor | { data: ArrayLike<number>; shape: readonly number[] };

export interface ConvertOptions {
  /** The range of the input values (required: "[-1,1]" for generator outputs and Datasets). */
  range: PixelRange;
  /**
   * Round to whole levels as the reference's uint8 images are (default true). Values may overshoot
   * the range by half a level (they are clipped); beyond that the range was probably stated wrong,
   * which is a UserError.
   */
  quantize?: boolean;
}

/** Images as float32 NHWC in [0, 255]. */
export interface ImageBatch {
  n: number;
  h: number;
  w: number;
  c: number;
  data: Float32Array;
}

/** Convert and check a batch; `what` names it in error messages ("real images", "image a"). */
export function toImageBatch(input: ImageInput, options: ConvertOptions, what: string): ImageBatch {
  const { range } = options;
  if (!PIXEL_RANGES.includes(range)) {
    throw new UserError(`${what}: range must be one of ${PIXEL_RANGES.join(", ")}, got ${JSON.stringify(range)}`);
  }
  let values: ArrayLike<number>;
  let shape: number[];
  if (input instanceof tf.Tensor) {
    if (input.rank !== 3 && input.rank !== 4) throw new UserError(`${what}: expected an NHWC tensor of rank 4 (or one HWC image), got shape [${input.shape}]`);
    values = input.dataSync();
    shape = input.shape.slice();
  } else if (input && typeof input === "object" && "data" in input && "shape" in input) {
    values = input.data;
    shape = Array.from(input.shape);
  } else {
    throw new UserError(`${what}: expected a tensor or {data, shape}`);
  }
  if (shape.length !== 3 && shape.length !== 4) throw new UserError(`${what}: shape [${shape}] is neither [n, h, w, c] nor [h, w, c]`);
  if (!shape.every((d) => Number.isInteger(d) && d > 0)) throw new UserError(`${what}: bad shape [${shape}]`);
  const [h, w, c] = shape.slice(-3);
  if (c !== 1 && c !== 3) throw new UserError(`${what}: images need 1 (grayscale) or 3 (RGB) channels, got ${c} (shape [${shape}])`);
  const per = h * w * c;
  let n: number;
  if (shape.length === 4) {
    n = shape[0];
    if (values.length !== n * per) throw new UserError(`${what}: shape [${shape}] needs ${n * per} values, got ${values.length}`);
  } else {
    n = values.length / per;
    if (!Number.isInteger(n) || n < 1) throw new UserError(`${what}: ${values.length} values are not a whole number of ${h}x${w}x${c} images`);
  }

  const scale = range === "[-1,1]" ? 127.5 : 1;
  const offset = range === "[-1,1]" ? 127.5 : 0;
  const quantize = options.quantize ?? true;
  const data = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] * scale + offset;
    if (!(v >= -0.5 && v <= 255.5)) {
      const idx = Math.floor(i / per);
      throw new UserError(
        `${what}: value ${values[i]} (image ${idx}) is outside the stated range ${range}` +
          (Number.isFinite(values[i]) ? "; state the right range, or clip the images first" : ""),
      );
    }
    const q = quantize ? Math.round(v) : v;
    data[i] = q < 0 ? 0 : q > 255 ? 255 : q;
  }
  return { n, h, w, c, data };
}

/** One channel of image i as a plane (h*w), copied into `out` at `offset`. */
export function copyPlane(img: ImageBatch, i: number, channel: number, out: Float32Array | Float64Array, offset = 0): void {
  const { h, w, c, data } = img;
  const base = i * h * w * c + channel;
  for (let p = 0; p < h * w; p++) out[offset + p] = data[base + p * c];
}

/** Mix a seed with small integers into a new 32-bit seed (for independent random streams). */
export function mixSeed(seed: number, ...parts: number[]): number {
  let x = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  for (const p of [...parts, parts.length]) {
    x = Math.imul(x ^ (x >>> 16) ^ (p >>> 0), 0x85ebca6b) >>> 0;
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
    x = (x ^ (x >>> 16)) >>> 0;
  }
  return x;
}
