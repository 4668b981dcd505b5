/**
 * Differentiable augmentation for D (DiffAugment, Zhao et al. 2020, "Differentiable Augmentation
 * for Data-Efficient GAN Training"): the same random transformation is applied to real and
 * generated images before D sees them, in D's loss and in G's, so D cannot memorise a small
 * training set while G still gets gradients through the transformation. Not in the papers the kit
 * reproduces: an option for training on small data (MNIST here has 10,000 images).
 *
 * "translation": shift images by up to `fraction` of their size in x and y (DiffAugment's policy
 * uses 1/8), filling the uncovered border with `fill` (the background of the kit's image data,
 * -1, by default). The shift is drawn per group of `group` images (a slice of a padded batch, so
 * the gradient is exact and cheap) from the step's seed: runs stay deterministic and resumable.
 */
import * as tf from "@tensorflow/tfjs";
import { mulberry32 } from "../data/rng";

export type AugmentPolicy = "none" | "translation";
export const AUGMENT_POLICIES: readonly AugmentPolicy[] = ["none", "translation"];

export interface TranslateOptions {
  fraction?: number;
  fill?: number;
  group?: number;
}

/** The shifts (dy, dx) in pixels for each group of a batch of n images, from a seed. */
export function translationShifts(n: number, size: number, seed: number, o: TranslateOptions = {}): [number, number][] {
  const r = Math.round((o.fraction ?? 1 / 8) * size);
  const group = o.group ?? 8;
  const rand = mulberry32(seed);
  const pick = () => Math.min(r, Math.floor(rand() * (2 * r + 1)) - r);
  return Array.from({ length: Math.ceil(n / group) }, () => [pick(), pick()] as [number, number]);
}

/** Images [n, H, W, C] shifted by the given (dy, dx) per group; positive dy moves content down. */
export function translate(x: tf.Tensor4D, shifts: [number, number][], o: TranslateOptions = {}): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const group = o.group ?? 8;
  const r = Math.max(0, ...shifts.map(([dy, dx]) => Math.max(Math.abs(dy), Math.abs(dx))));
  if (r === 0) return x.clone();
  return tf.tidy(() => {
    const padded = tf.pad(x, [[0, 0], [r, r], [r, r], [0, 0]], o.fill ?? -1);
    const parts = shifts.map(([dy, dx], g) => {
      const start = g * group;
      const size = Math.min(group, n - start);
      return tf.slice(padded, [start, r - dy, r - dx, 0], [size, h, w, c]);
    });
    return (parts.length === 1 ? parts[0] : tf.concat(parts, 0)) as tf.Tensor4D;
  });
}

/** Apply a policy to a batch of images with the step's seed. */
export function augment(x: tf.Tensor4D, policy: AugmentPolicy, seed: number): tf.Tensor4D {
  if (policy === "none") return x;
  return translate(x, translationShifts(x.shape[0], x.shape[1], seed));
}
