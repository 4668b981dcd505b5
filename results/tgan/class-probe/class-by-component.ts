/**
 * Probe (issue 14): which digit does a t-GAN draw for each pair (requested class, latent mixture
 * component)? Forces every sample's t-mixture component instead of drawing it, feeds the class's
 * codeword beside it, and labels 40 samples per pair with the kit evaluator (kit-mnist-v2); prints
 * the evaluator's most frequent label and its share for each pair, and each class's accuracy over
 * the components. Samples come from the checkpoint's moving average of G's weights.
 *
 *   npm run train -- --model tgan --data mnist --hold-out --set codewordMean=random --set sigmaReg=1 \
 *     --set ema=0.999 --steps 1000 --batch-size 64 --seed 0 --out out/probes/tgan-sweep
 *   node --import tsx results/tgan/class-probe/class-by-component.ts out/probes/tgan-sweep/latest.ckpt
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../../src/backend/select";
import { loadModel } from "../../../src/eval/load-model";
import { kitEvaluator } from "../../../src/eval/evaluator";
import { loadData } from "../../../src/data/registry";
import { drawMixtureNoise, LatentGan } from "../../../src/models/tgan";
import { withAverage } from "../../../src/nn/weight-average";
import { argmaxRows } from "../../../src/metrics/inception-score";

const PER_PAIR = 40;

async function main(file: string): Promise<void> {
  await initBackend();
  const { model } = await loadModel(file);
  const m = model as LatentGan;
  if (!m.G?.codewords || m.G.latent.components < 2) throw new Error(`${file} is not a class-conditional model with a mixture latent`);
  const ev = kitEvaluator(loadData("mnist")).evaluator;
  const k = m.config.numClasses;
  const comps = m.G.latent.components;
  console.log(`rows: requested class; columns: latent component 0..${comps - 1}; cell: the evaluator's most frequent label:its share (%) of ${PER_PAIR} samples`);
  for (let y = 0; y < k; y++) {
    const cells: string[] = [];
    let right = 0;
    for (let c = 0; c < comps; c++) {
      const draw = drawMixtureNoise(PER_PAIR, m.config.noiseDim, [1], m.G.latent.nu, 1000 + 17 * y + c);
      draw.component.fill(c);
      const probs = withAverage(m.Gavg, () =>
        tf.tidy(() => {
          const z = m.G.latent.fromNoise(draw);
          const code = m.G.codewords!.sample(new Int32Array(PER_PAIR).fill(y), 7 + y);
          return ev.probs!(m.G.apply(tf.concat([z, code], 1) as tf.Tensor2D, false));
        }),
      );
      const counts = new Array<number>(k).fill(0);
      for (const label of argmaxRows(probs, k)) counts[label]++;
      right += counts[y];
      const top = counts.indexOf(Math.max(...counts));
      cells.push(`${top}:${Math.round((100 * counts[top]) / PER_PAIR)}`.padStart(7));
    }
    console.log(`${y}${cells.join("")}   class accuracy ${((100 * right) / (PER_PAIR * comps)).toFixed(1)}%`);
  }
  model.dispose();
  ev.dispose();
}

main(process.argv[2]).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
