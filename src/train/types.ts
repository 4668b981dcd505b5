/** The contract between models and the one shared trainer. */
import * as tf from "@tensorflow/tfjs";
import type { Module } from "../nn/module";

export interface Batch {
  /** Images NHWC in [-1, 1], or points [n, d] for the 2-D mixtures. */
  x: tf.Tensor;
  /** Integer class labels, where the data has them. */
  labels?: tf.Tensor1D;
  /** The smallest and largest label, where the pipeline knew them (checking them needs no read-back). */
  labelRange?: [number, number];
}

export interface StepContext {
  /** 0-based step index. */
  step: number;
  /** A seed unique to this step and player, for latent draws (runs are reproducible and resumable). */
  seed: number;
}

export interface LossOutput {
  /** What this player's optimizer minimises. */
  loss: tf.Scalar;
  /** Extra scalars to log (each is kept alive by the trainer and disposed after reading). */
  logs?: Record<string, tf.Scalar>;
}

export interface AdamConfig {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** One optimiser's side of the game: D, G, or any other network with its own update. */
export interface Player {
  name: string;
  variables(): tf.Variable[];
  loss(batch: Batch, ctx: StepContext): LossOutput;
  optimizer: AdamConfig;
}

/** A model with the usual two losses. */
export interface TwoLosses {
  dLoss(batch: Batch, ctx: StepContext): LossOutput;
  gLoss(batch: Batch, ctx: StepContext): LossOutput;
}

/** The usual players, updated D first, then G: each its network's variables, its loss and the Adam settings. */
export function discriminatorThenGenerator(model: TwoLosses, optimizer: AdamConfig, dVariables: () => tf.Variable[], gVariables: () => tf.Variable[]): Player[] {
  return [
    { name: "D", variables: dVariables, optimizer, loss: (b, ctx) => model.dLoss(b, ctx) },
    { name: "G", variables: gVariables, optimizer, loss: (b, ctx) => model.gLoss(b, ctx) },
  ];
}

export interface GanModel {
  /** Registry name, e.g. "dcgan". */
  readonly name: string;
  /** Updated in this order every step. */
  readonly players: Player[];
  /** Networks by name, for parameter counts and checkpoints. */
  modules(): Record<string, Module>;
  /** Samples in the data's range, eval mode, deterministic for a seed. */
  generate(n: number, seed: number): tf.Tensor;
  /** G's input codes [n, dim], deterministic in `seed` (for latent walks), where the model has one. */
  latent?(n: number, seed: number): tf.Tensor2D;
  /** Samples (eval mode) from codes of `latent`. */
  generateFrom?(z: tf.Tensor2D): tf.Tensor;
  /** Convolution and dense FLOPs of one full training step (every player's forward and backward). */
  flopsPerStep(batchSize: number): number;
  /**
   * "alternating" (default): each player steps in turn and sees the previous players' update.
   * "simultaneous": every player's gradient is taken at the same weights, then all are applied
   * (BEGAN: "G and D are not trained alternately").
   */
  readonly updates?: "alternating" | "simultaneous";
  /**
   * Model state outside variables that a step changes (e.g. BEGAN's k_t), called after each step
   * with the step's logs; returns extra values to log (e.g. k_t, M_global).
   */
  afterStep?(logs: Record<string, number>): Record<string, number> | void;
  /**
   * True when the players' variable sets changed (PGGAN at a phase boundary): the trainer then
   * gives them fresh optimizers (Adam keeps its moments by position) and calls optimizersReset().
   */
  optimizersStale?(): boolean;
  optimizersReset?(): void;
  /** What to change when training diverges (shown in the error). */
  divergenceHint?: string;
  /** State outside variables to checkpoint (e.g. BEGAN's k_t), JSON-serialisable. */
  state?(): Record<string, unknown>;
  loadState?(state: Record<string, unknown>): void;
  dispose(): void;
}
