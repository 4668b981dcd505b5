/**
 * Samples of a loaded model, in chunks (bounded memory, deterministic in the seed whatever the
 * chunking), optionally of one class, optionally mapped back to the data's own image size; and
 * latent walks between the codes of two seeds.
 */
import * as tf from "@tensorflow/tfjs";
import { UserError } from "../errors";
import { unfitSamples } from "../data/fit";
import { subSeed } from "../nn/init";
import { cycleClasses, LatentGan } from "../models/tgan";
import { Pggan } from "../models/pggan";
import { LoadedModel } from "./load-model";

export interface SampleOptions {
  /** Only this class (class-conditional models). */
  classIndex?: number;
  /** Map images back to the training data's own size (e.g. 32 -> 28 by a centre crop after padding). */
  dataSize?: boolean;
  /** Examples per generator call (default 250). */
  chunk?: number;
  onProgress?: (done: number) => void;
}

/**
 * n samples: [n, ...shape] values in the data's range, their shape, and for class-conditional
 * models the class each was generated for (`classIndex`, or 0, 1, ..., K-1 in turn: sample i is of
 * class i mod K, as chunks hold a multiple of K samples).
 */
export function generateSamples(loaded: { model: LoadedModel["model"]; run: Pick<LoadedModel["run"], "fit"> }, n: number, seed: number, o: SampleOptions = {}): { data: Float32Array; shape: number[]; classes?: Int32Array } {
  const { model, run } = loaded;
  if (!Number.isInteger(n) || n < 1) throw new UserError(`the number of samples must be a positive integer, got ${n}`);
  if (o.classIndex !== undefined && !(model instanceof LatentGan && model.conditional)) {
    throw new UserError(`${model.name} is not class-conditional: --class needs tgan or acgan (trained on labelled data)`);
  }
  const conditional = model instanceof LatentGan && model.conditional;
  const k = conditional ? (model as LatentGan).config.numClasses : 1;
  const chunk = Math.max(k, Math.floor((o.chunk ?? 250) / k) * k);
  const classes = conditional ? new Int32Array(n) : undefined;
  let out: Float32Array | null = null;
  let shape: number[] = [];
  for (let s = 0, i = 0; s < n; s += chunk, i++) {
    const m = Math.min(chunk, n - s);
    const part = tf.tidy(() => {
      const seedI = subSeed(seed, `chunk${i}`);
      // A progressive GAN still growing draws at its current resolution: upsample to the final one.
      let x =
        o.classIndex !== undefined
          ? (model as LatentGan).generateClass(m, o.classIndex, seedI)
          : model instanceof Pggan
            ? model.generateAt(m, seedI)
            : model.generate(m, seedI);
      if (o.dataSize && x.rank === 4) x = unfitSamples(x as tf.Tensor4D, run.fit);
      return x;
    });
    if (!out) {
      shape = part.shape.slice(1);
      out = new Float32Array(n * part.size / m);
    }
    out.set(part.dataSync(), s * (part.size / m));
    if (classes) classes.set(o.classIndex !== undefined ? new Int32Array(m).fill(o.classIndex) : cycleClasses(m, k), s);
    part.dispose();
    o.onProgress?.(s + m);
  }
  return { data: out!, shape, classes };
}

/**
 * A latent walk: `steps` samples whose codes go in a straight line from seed A's code to seed
 * B's (spherical interpolation for Gaussian codes would differ little at these sizes; linear is
 * what DCGAN's walks use). Returns images [steps, H, W, C] at the model's size.
 */
export function latentWalk(loaded: LoadedModel, seedA: number, seedB: number, steps: number, classIndex?: number): tf.Tensor {
  const { model } = loaded;
  if (!model.latent || !model.generateFrom) throw new UserError(`${model.name} has no latent codes to walk between`);
  if (!Number.isInteger(steps) || steps < 2) throw new UserError(`a latent walk needs at least 2 steps, got ${steps}`);
  return tf.tidy(() => {
    const code = (seed: number) =>
      model instanceof LatentGan ? model.latent(1, seed, classIndex) : model.latent!(1, seed);
    const a = code(seedA);
    const b = code(seedB);
    const t = tf.linspace(0, 1, steps).reshape([steps, 1]);
    const z = tf.add(tf.mul(a, tf.sub(1, t)), tf.mul(b, t)) as tf.Tensor2D;
    return model.generateFrom!(z);
  });
}

/**
 * Columns for a grid of a model's samples: a class-conditional model draws classes 0, 1, ..., K-1
 * in turn (`generate`, `generateSamples` without a class), so K columns put one class in each
 * (for K up to 16); any other model gets `otherwise`.
 */
export function classColumns(model: unknown, otherwise: number): number {
  const k = model instanceof LatentGan && model.conditional ? model.config.numClasses : 0;
  return k > 1 && k <= 16 ? k : otherwise;
}
