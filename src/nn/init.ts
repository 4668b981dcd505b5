/** Weight initialisers used by the papers. Each takes a shape and a seed (deterministic runs). */
import * as tf from "@tensorflow/tfjs";

export type Init = (shape: number[], fanIn: number, fanOut: number, seed: number) => tf.Tensor;

/** tfjs's randomNormal treats seed 0 as "no seed" (not reproducible): never hand it a 0. */
export function tfSeed(seed: number): number {
  return seed === 0 ? 2147483646 : seed;
}

/** DCGAN: N(0, 0.02). */
export const normal002: Init = (shape, _i, _o, seed) => tf.randomNormal(shape, 0, 0.02, "float32", tfSeed(seed));

/** Glorot (Xavier) uniform: U(-l, l), l = sqrt(6 / (fanIn + fanOut)). BEGAN's choice. */
export const glorotUniform: Init = (shape, fanIn, fanOut, seed) => {
  const l = Math.sqrt(6 / (fanIn + fanOut));
  return tf.randomUniform(shape, -l, l, "float32", seed);
};

/** N(0, 1): PGGAN's equalized learning rate scales the weights at run time instead. */
export const standardNormal: Init = (shape, _i, _o, seed) => tf.randomNormal(shape, 0, 1, "float32", tfSeed(seed));

export const zeros = (shape: number[]): tf.Tensor => tf.zeros(shape);

/** Derive a child seed from a parent seed and a label, so every layer gets its own stream. */
export function subSeed(seed: number, label: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h % 2147483647;
}
