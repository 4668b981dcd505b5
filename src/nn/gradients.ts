/**
 * Gradients the kit registers in place of tfjs-core's own, for speed and for second derivatives.
 * Same values; each is tested against the stock gradient on the cpu backend.
 *
 * - Sum and Mean: tfjs multiplies dy by ones(x.shape), a tensor it fills in JavaScript and copies
 *   to the backend on every backward pass (three image-sized copies per BEGAN step). Here the ones
 *   come from the backend's OnesLike kernel: nothing crosses from JavaScript. (Broadcasting with
 *   Tile instead would break second derivatives: tfjs has no Tile gradient above rank 4.)
 * - LeakyRelu: tfjs uses Greater, Multiply and Select, and Greater has no gradient, so a second
 *   derivative (the WGAN-GP penalty) fails through it. dy * step(x, alpha) is the same in two
 *   kernels and differentiable again.
 */
import * as tf from "@tensorflow/tfjs";

/** dy reshaped to keep the reduced axes as 1s, broadcast back to x's shape; divided by their count for a mean. */
function broadcastBack(dy: tf.Tensor, x: tf.Tensor, axis: number | number[] | undefined, mean: boolean): tf.Tensor {
  const axes = tf.util.parseAxisParam((axis ?? null) as number[], x.shape);
  const kept = x.shape.slice();
  for (const a of axes) kept[a] = 1;
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  const small = tf.reshape(mean ? tf.mul(dy, 1 / count) : dy, kept);
  return tf.mul(small, tf.onesLike(x));
}

let registered = false;

export function registerKitGradients(): void {
  if (registered) return;
  registered = true;
  for (const [kernelName, mean] of [["Sum", false], ["Mean", true]] as const) {
    tf.registerGradient({
      kernelName,
      inputsToSave: ["x"],
      gradFunc: (dy, saved, attrs) => {
        const { axis } = attrs as unknown as { axis?: number | number[] };
        return { x: () => broadcastBack(dy as tf.Tensor, saved[0], axis, mean) };
      },
    });
  }
  tf.registerGradient({
    kernelName: "LeakyRelu",
    inputsToSave: ["x"],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const { alpha } = attrs as unknown as { alpha: number };
      return { x: () => tf.mul(dy as tf.Tensor, tf.step(x, alpha)) };
    },
  });
}
registerKitGradients();
