/**
 * FLOPs (2 x multiply-adds) of one training step of a two-player game, from each network's
 * per-layer forward FLOPs per example (first layer first).
 *
 * D step: G forward on n, D forward on 2n, D backward on 2n: weight gradients (1x forward) and
 *         input gradients (1x forward) except for D's first layer, whose input needs none.
 * G step: G forward, D forward, D input gradients (all layers: they carry the gradient to G),
 *         G weight gradients and G input gradients except for its first layer (z needs none).
 * Per example: 4 G - G_1 + 8 D - 2 D_1.
 */
export function gameFlops(gLayers: number[], dLayers: number[], batchSize: number): number {
  const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
  const g = sum(gLayers);
  const d = sum(dLayers);
  return batchSize * (4 * g - (gLayers[0] ?? 0) + 8 * d - 2 * (dLayers[0] ?? 0));
}
