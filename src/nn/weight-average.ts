/**
 * An exponential moving average of a network's weights (Karras et al. 2018, PGGAN, section A.1:
 * "a moving average of G's weights with decay 0.999" for every image shown; Yazici et al. 2019 for
 * its effect on sample quality): after every training step
 *     avg <- d * avg + (1 - d) * w,   d = min(decay, (1 + t) / (10 + t)),
 * t the number of updates so far (the smaller early decay keeps the first steps' random weights
 * from lingering). Batch-norm running statistics are averaged like the weights.
 *
 * The averages are a Module of non-trainable variables (so checkpoints save and restore them with
 * the model, optimizers never see them and parameter counts leave them out), and `use(fn)` runs
 * `fn` with the averaged weights swapped into the source network, then puts the live ones back.
 */
import * as tf from "@tensorflow/tfjs";
import { Module } from "./module";

export class WeightAverage extends Module {
  private readonly pairs: { live: tf.Variable; avg: tf.Variable }[] = [];
  private readonly updates: tf.Variable;

  constructor(readonly source: Module, readonly decay: number) {
    super();
    if (!(decay > 0 && decay < 1)) throw new Error(`WeightAverage: decay must be in (0, 1), got ${decay}`);
    for (const [name, v] of source.namedVariables()) this.pairs.push({ live: v, avg: this.param(name, v.clone(), false) });
    this.updates = this.param("@updates", tf.scalar(0), false);
  }

  /** The decay the next update uses. */
  currentDecay(): number {
    const t = this.updates.dataSync()[0];
    return Math.min(this.decay, (1 + t) / (10 + t));
  }

  /** One averaging step (call after every optimizer step). */
  update(): void {
    const d = this.currentDecay();
    tf.tidy(() => {
      for (const { live, avg } of this.pairs) avg.assign(tf.add(tf.mul(avg, d), tf.mul(live, 1 - d)));
      this.updates.assign(tf.add(this.updates, 1));
    });
  }

  /** Run `fn` on the source network holding the averaged weights; the live weights are back afterwards, even if `fn` throws. */
  use<T>(fn: () => T): T {
    const saved = this.pairs.map(({ live, avg }) => {
      const keep = tf.keep(live.clone());
      live.assign(avg);
      return keep;
    });
    try {
      return fn();
    } finally {
      this.pairs.forEach(({ live }, i) => {
        live.assign(saved[i]);
        saved[i].dispose();
      });
    }
  }
}

/** `fn` run on the source network with the averaged weights in place when there is an average, as it is otherwise (sampling, never training). */
export function withAverage<T>(avg: WeightAverage | null, fn: () => T): T {
  return avg ? avg.use(fn) : fn();
}

/** G's moving average when `decay` > 0 (a model's `ema` setting), else null: samples then come from the live G. */
export function averageOf(G: Module, decay: number): WeightAverage | null {
  return decay > 0 ? new WeightAverage(G, decay) : null;
}

/** A G-and-D model's networks as its checkpoints name them: G, D and, when it has one, G's moving average as G_avg. */
export function ganModules(G: Module, D: Module, avg: WeightAverage | null): Record<string, Module> {
  return avg ? { G, D, G_avg: avg } : { G, D };
}
