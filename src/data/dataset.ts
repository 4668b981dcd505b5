/**
 * The one data pipeline: an in-memory dataset of images (NHWC, float32 in [-1, 1]) or points,
 * with optional integer labels, served as seeded, shuffled batches. Batch k of a run depends only
 * on the seed and k, so runs are reproducible and a resumed run sees the same batches.
 */
import * as tf from "@tensorflow/tfjs";
import { UserError } from "../errors";
import { BatchSource } from "../train/trainer";
import { Batch } from "../train/types";
import { permutation } from "./rng";

export interface Dataset {
  name: string;
  /** Shape of one example: [H, W, C] for images, [d] for points. */
  shape: number[];
  /** All examples back to back, float32 (images in [-1, 1]). */
  data: Float32Array;
  labels?: Int32Array;
  numClasses?: number;
  /** Human-readable class names, where known. */
  classNames?: string[];
}

export function exampleCount(ds: Dataset): number {
  return ds.data.length / ds.shape.reduce((a, b) => a * b, 1);
}

/** The smallest and largest of some class labels. */
export function labelRange(labels: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < lo) lo = labels[i];
    if (labels[i] > hi) hi = labels[i];
  }
  return [lo, hi];
}

/** Gather examples by index into one tensor (and labels, with their range). */
export function gather(ds: Dataset, indices: ArrayLike<number>): Batch {
  const size = ds.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(indices.length * size);
  const labels = ds.labels ? new Int32Array(indices.length) : null;
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    out.set(ds.data.subarray(j * size, (j + 1) * size), i * size);
    if (labels) labels[i] = ds.labels![j];
  }
  return {
    x: tf.tensor(out, [indices.length, ...ds.shape]),
    labels: labels ? tf.tensor1d(labels, "int32") : undefined,
    labelRange: labels && labels.length ? labelRange(labels) : undefined,
  };
}

/** Seeded shuffled batches, a fresh permutation every epoch. */
export class ShuffledBatches implements BatchSource {
  private epoch = -1;
  private order: Int32Array = new Int32Array(0);
  readonly n: number;

  constructor(readonly ds: Dataset, readonly seed = 0) {
    this.n = exampleCount(ds);
    if (this.n === 0) throw new UserError(`dataset ${ds.name} is empty`);
  }

  private orderFor(epoch: number): Int32Array {
    if (epoch !== this.epoch) {
      this.order = permutation(this.n, (this.seed * 1000003 + epoch) >>> 0);
      this.epoch = epoch;
    }
    return this.order;
  }

  batch(step: number, batchSize: number): Batch {
    const idx = new Int32Array(batchSize);
    for (let i = 0; i < batchSize; i++) {
      const k = step * batchSize + i;
      idx[i] = this.orderFor(Math.floor(k / this.n))[k % this.n];
    }
    return gather(this.ds, idx);
  }
}

/** Keep the first n examples (after a seeded shuffle), e.g. the 500-image MNIST subset of t-GAN. */
export function subset(ds: Dataset, n: number, seed = 0): Dataset {
  const total = exampleCount(ds);
  if (n > total) throw new UserError(`cannot take ${n} examples from ${ds.name}: it has ${total}`);
  const idx = permutation(total, seed).subarray(0, n);
  const b = gather(ds, idx);
  const out: Dataset = { ...ds, name: `${ds.name}[${n}]`, data: b.x.dataSync() as Float32Array, labels: b.labels ? (b.labels.dataSync() as Int32Array) : undefined };
  tf.dispose([b.x, b.labels ?? []]);
  return out;
}

/** The first `n` examples and the rest, as two datasets (shuffle first with `subset` if needed). */
export function split(ds: Dataset, n: number): [Dataset, Dataset] {
  const total = exampleCount(ds);
  if (n < 0 || n > total) throw new UserError(`cannot split ${ds.name} of ${total} examples at ${n}`);
  const size = ds.shape.reduce((a, b) => a * b, 1);
  const part = (from: number, to: number, tag: string): Dataset => ({
    ...ds,
    name: `${ds.name}[${tag}]`,
    data: ds.data.subarray(from * size, to * size),
    labels: ds.labels?.subarray(from, to),
  });
  return [part(0, n, `:${n}`), part(n, total, `${n}:`)];
}

/** Pad images [H, W, C] with `value` (default -1, the black background) to size x size, centred. */
export function padImages(ds: Dataset, size: number, value = -1): Dataset {
  if (ds.shape.length !== 3) throw new UserError(`${ds.name} holds no images to pad`);
  const [h, w, c] = ds.shape;
  if (size < h || size < w) throw new UserError(`cannot pad ${h}x${w} images to ${size}x${size}`);
  const n = exampleCount(ds);
  const top = Math.floor((size - h) / 2);
  const left = Math.floor((size - w) / 2);
  const out = new Float32Array(n * size * size * c).fill(value);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < h; y++) {
      const src = ((i * h + y) * w) * c;
      out.set(ds.data.subarray(src, src + w * c), ((i * size + y + top) * size + left) * c);
    }
  }
  return { ...ds, name: `${ds.name}@${size}`, shape: [size, size, c], data: out };
}
