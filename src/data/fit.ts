/**
 * Fit a dataset's images to the size a model trains at (--image-size): pad with the background
 * value (-1) when the target is at most a quarter larger (MNIST 28 -> 32, exactly invertible by a
 * centre crop), otherwise resize bilinearly. The choice is recorded in the checkpoint so that
 * `generate` and `eval` can map samples back to the data's own size.
 */
import * as tf from "@tensorflow/tfjs";
import { UserError } from "../errors";
import { Dataset, exampleCount, padImages } from "./dataset";

export type FitMode = "pad" | "resize";

export interface ImageFit {
  /** Size of the data's own images. */
  from: number;
  /** Size the model trains at. */
  to: number;
  mode: FitMode | "none";
}

/** The default way to go from `from` to `to` pixels. */
export function defaultFit(from: number, to: number): FitMode | "none" {
  if (from === to) return "none";
  return to > from && to - from <= from / 4 ? "pad" : "resize";
}

/** Resize NHWC images bilinearly, in chunks (bounded memory). */
export function resizeImages(ds: Dataset, size: number): Dataset {
  if (ds.shape.length !== 3) throw new UserError(`${ds.name} holds no images to resize`);
  const [h, w, c] = ds.shape;
  const n = exampleCount(ds);
  const out = new Float32Array(n * size * size * c);
  const chunk = 1000;
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    const part = tf.tidy(() =>
      tf.image.resizeBilinear(tf.tensor4d(ds.data.subarray(s * h * w * c, (s + m) * h * w * c), [m, h, w, c]), [size, size], true).clipByValue(-1, 1),
    );
    out.set(part.dataSync(), s * size * size * c);
    part.dispose();
  }
  return { ...ds, name: `${ds.name}@${size}`, shape: [size, size, c], data: out };
}

/** The data at `fit.to` pixels (unchanged when the mode is "none"). */
export function applyFit(ds: Dataset, fit: ImageFit): Dataset {
  if (fit.mode === "none") return ds;
  if (ds.shape.length !== 3 || ds.shape[0] !== ds.shape[1]) throw new UserError(`--image-size needs square images, ${ds.name} holds ${ds.shape.join("x")}`);
  if (fit.mode === "pad") {
    if (fit.to < fit.from) throw new UserError(`cannot pad ${fit.from}x${fit.from} images down to ${fit.to}: use --fit resize`);
    return padImages(ds, fit.to);
  }
  return resizeImages(ds, fit.to);
}

/** Samples of a model trained on fitted data, mapped back to the data's own size (crop or resize). */
export function unfitSamples(x: tf.Tensor4D, fit: ImageFit): tf.Tensor4D {
  if (fit.mode === "none" || x.shape[1] === fit.from) return x;
  return tf.tidy(() => {
    if (fit.mode === "pad") {
      const top = Math.floor((fit.to - fit.from) / 2);
      return tf.slice(x, [0, top, top, 0], [-1, fit.from, fit.from, -1]) as tf.Tensor4D;
    }
    return tf.image.resizeBilinear(x, [fit.from, fit.from], true).clipByValue(-1, 1) as tf.Tensor4D;
  });
}

/**
 * The fit for training `model` on `ds`: the requested size (or the model's own need) and mode
 * (or the default), with the one line to print when the data is changed.
 */
export function chooseFit(ds: Dataset, need: ((size: number) => number) | undefined, requested?: number, mode?: FitMode): { fit: ImageFit; note: string | null } {
  if (ds.shape.length !== 3) {
    if (requested !== undefined) throw new UserError(`--image-size applies to images, but ${ds.name} holds ${ds.shape.join("x")} points`);
    return { fit: { from: 0, to: 0, mode: "none" }, note: null };
  }
  const from = ds.shape[0];
  const to = requested ?? need?.(from) ?? from;
  const m = mode && to !== from ? mode : defaultFit(from, to);
  if (m === "pad" && to < from) throw new UserError(`cannot pad ${from}x${from} images to ${to}x${to}: use --fit resize or a larger --image-size`);
  const fit: ImageFit = { from, to, mode: m };
  const why = requested !== undefined ? "as asked (--image-size)" : "the size this model needs; --image-size N to choose";
  const how = m === "pad" ? "padding with background" : "resizing bilinearly";
  return { fit, note: m === "none" ? null : `images ${from}x${from} -> ${to}x${to} by ${how} (${why})` };
}
