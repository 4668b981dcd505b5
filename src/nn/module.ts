/**
 * A minimal module system on raw tf.Variables: each layer owns named variables, a network is a
 * tree of layers. Trainable and non-trainable (batch-norm running statistics) variables are kept
 * apart so optimizers only see the former and checkpoints see both.
 */
import * as tf from "@tensorflow/tfjs";

export abstract class Module {
  private readonly own = new Map<string, tf.Variable>();
  private readonly children = new Map<string, Module>();

  protected param(name: string, init: tf.Tensor, trainable = true): tf.Variable {
    const v = tf.variable(init, trainable);
    init.dispose();
    this.own.set(name, v);
    return v;
  }

  protected child<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  /** Every variable under this module, keyed by its path ("block1/conv/kernel"). */
  namedVariables(prefix = ""): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const [n, v] of this.own) out.set(prefix + n, v);
    for (const [n, c] of this.children) for (const [k, v] of c.namedVariables(`${prefix}${n}/`)) out.set(k, v);
    return out;
  }

  trainableVariables(): tf.Variable[] {
    return [...this.namedVariables().values()].filter((v) => v.trainable);
  }

  /** Number of trainable parameters (what papers count). */
  paramCount(): number {
    return this.trainableVariables().reduce((n, v) => n + v.size, 0);
  }

  dispose(): void {
    for (const v of this.namedVariables().values()) v.dispose();
  }
}
