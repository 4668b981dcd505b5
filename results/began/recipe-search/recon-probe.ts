/**
 * How good is BEGAN's auto-encoder? Scores D's reconstructions D(x) of real held-out images on the
 * kit evaluator, as if they were samples: G's samples can hardly be judged better than what D
 * reconstructs (G is trained to make images D reconstructs well, and the decoder is G's twin).
 *   node --import tsx results/began/recipe-search/recon-probe.ts CHECKPOINT OUT.npy [N]
 * then: npm run eval -- --samples OUT.npy --data <the checkpoint's data> --n N
 * It also prints D's mean L1 per class of the real images (G, trained to lower L(G(z)), is drawn to
 * the class D reconstructs best) and writes them to OUT.classes.json for began.ipynb.
 */
import * as fs from "fs";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../../src/backend/select";
import { loadModel } from "../../../src/eval/load-model";
import { loadData } from "../../../src/data/registry";
import { evaluatorSplits } from "../../../src/eval/evaluator";
import { applyFit, unfitSamples } from "../../../src/data/fit";
import { writeNpy } from "../../../src/data/npy";
import { exampleCount } from "../../../src/data/dataset";
import { Began, reconstructionLoss } from "../../../src/models/began";

async function main(): Promise<void> {
  const [ckpt, out, nArg] = process.argv.slice(2);
  if (!ckpt || !out) throw new Error("usage: recon-probe.ts CHECKPOINT OUT.npy [N]");
  await initBackend();
  const { model, run, header } = await loadModel(ckpt);
  if (!(model instanceof Began)) throw new Error(`${ckpt}: not a BEGAN checkpoint (${run.model})`);
  // Reference B: real images no run with --hold-out trained on, and not the set eval compares against (reference A).
  const refB = applyFit(evaluatorSplits(loadData(run.data)).refB, run.fit);
  const size = refB.shape.reduce((a, b) => a * b, 1);
  const n = Math.min(Number(nArg ?? 2000), exampleCount(refB));
  const shape = [n, run.fit.from, run.fit.from, refB.shape[2]];
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let loss = 0;
  const classes = refB.numClasses ?? 0;
  const byClass = { sum: new Float64Array(classes), ink: new Float64Array(classes), count: new Float64Array(classes) };
  for (let i = 0; i < n; i += 100) {
    const m = Math.min(100, n - i);
    const r = tf.tidy(() => {
      const x = tf.tensor4d(refB.data.subarray(i * size, (i + m) * size), [m, ...refB.shape] as [number, number, number, number]);
      const rec = model.D.apply(x);
      loss += reconstructionLoss(x, rec).dataSync()[0] * m;
      if (refB.labels) {
        // One L1 per image: the same mean over pixels as reconstructionLoss, taken image by image.
        const perImage = tf.mean(tf.abs(tf.sub(x, rec)), [1, 2, 3]).dataSync();
        // Ink: the image's mean brightness on [0, 1] (data are on [-1, 1], background -1).
        const ink = tf.mean(tf.div(tf.add(x, 1), 2), [1, 2, 3]).dataSync();
        perImage.forEach((l, j) => { const c = refB.labels![i + j]; byClass.sum[c] += l; byClass.ink[c] += ink[j]; byClass.count[c] += 1; });
      }
      return unfitSamples(tf.clipByValue(rec, -1, 1) as tf.Tensor4D, run.fit);
    });
    data.set(r.dataSync(), i * (r.size / m));
    r.dispose();
  }
  writeNpy(out, data, shape);
  console.log(`${n} reconstructions of reference B (${run.data}) by ${ckpt}'s D: mean L1 ${(loss / n).toFixed(4)}; wrote ${out} [${shape.join(", ")}]`);
  if (refB.labels) {
    const names = refB.classNames ?? Array.from({ length: classes }, (_, c) => String(c));
    const rows = names.map((name, c) => ({ name, l1: byClass.sum[c] / byClass.count[c], ink: byClass.ink[c] / byClass.count[c], share: byClass.count[c] / n }));
    console.log("D's mean L1 per class of real images, lowest first (class: L1, mean brightness, share of the images):");
    for (const r of [...rows].sort((a, b) => a.l1 - b.l1)) console.log(`  ${r.name}: ${r.l1.toFixed(4)}, ${r.ink.toFixed(3)} (${(100 * r.share).toFixed(1)}%)`);
    const json = out.replace(/\.npy$/, "") + ".classes.json";
    const record = { checkpoint: ckpt, model: run.model, step: header.step, data: run.data, settings: run.settings, images: `reference B, ${n} images`, meanL1: loss / n, classes: rows };
    fs.writeFileSync(json, JSON.stringify(record, null, 2) + "\n");
    console.log(`wrote ${json}`);
  }
  model.dispose();
}
main().catch((e) => { console.error(e); process.exit(1); });
