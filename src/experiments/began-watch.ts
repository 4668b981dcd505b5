/**
 * `npm run train` for BEGAN with a watch on the run: every --every steps it logs k_t, M_global,
 * the losses and G's dependence on z (zDependence: sample spread across z over real spread),
 * appends them to <out>/watch.jsonl and redraws <out>/samples.png (64 samples, fixed z). The
 * training itself is exactly `npm run train` with the same options (the watch only reads).
 *
 *   GAN_WASM_THREADS=1 npx tsx src/experiments/began-watch.ts --model began --data mnist \
 *     --steps 3000 --batch-size 16 --out out/b1 --every 250 --set n=16 --set optimizer.lr=1e-4
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { intOption, parse, runMain } from "../cli/common";
import { trainAndReport } from "../cli/report";
import { readSettings } from "../cli/settings";
import { loadData } from "../data/registry";
import { applyFit, chooseFit } from "../data/fit";
import { gather } from "../data/dataset";
import { modelEntry } from "../models/registry";
import { zDependence } from "../models/began";
import { saveGrid } from "../viz/image-grid";
import type { TrainCallbacks } from "../train/trainer";

const USAGE = `usage: npx tsx src/experiments/began-watch.ts --model began|began-improved --data NAME --out DIR
  [--steps N] [--batch-size N] [--seed N] [--every N] [--set key=value ...] [--checkpoint-every N] [--resume]`;

runMain(async () => {
  const { values } = parse(
    {
      model: { type: "string" }, data: { type: "string" }, steps: { type: "string" }, "batch-size": { type: "string" },
      seed: { type: "string" }, out: { type: "string" }, every: { type: "string" }, set: { type: "string", multiple: true },
      "checkpoint-every": { type: "string" }, resume: { type: "boolean" },
    },
    USAGE,
  );
  const model = values.model ?? "began";
  const dataName = values.data ?? "mnist";
  const out = path.resolve(values.out ?? `out/${model}-watch`);
  const every = intOption("every", values.every, 250);
  const raw = loadData(dataName);
  const data = applyFit(raw, chooseFit(raw, modelEntry(model).imageSize).fit);
  const idx = Int32Array.from({ length: 64 }, (_, i) => (i * 9973) % (data.data.length / data.shape.reduce((a, b) => a * b, 1)));
  fs.mkdirSync(out, { recursive: true });
  const log = path.join(out, "watch.jsonl");
  const t0 = performance.now();
  const watch: TrainCallbacks = {
    onStep: (rec, trainer) => {
      if ((rec.step + 1) % every !== 0) return;
      const real = gather(data, idx);
      const zdep = zDependence(trainer.model, real.x as tf.Tensor4D);
      tf.dispose([real.x, real.labels ?? []]);
      const samples = trainer.model.generate(64, 12345) as tf.Tensor4D;
      saveGrid(path.join(out, "samples.png"), samples, { columns: 8, cellSize: 32 });
      samples.dispose();
      const v = rec.values;
      const line = { step: rec.step + 1, wall_s: Math.round((performance.now() - t0) / 1000), k: v.k, M_global: v.M_global, L_x: v.L_x, L_GzD: v.L_GzD, L_GzG: v.L_GzG, zdep };
      fs.appendFileSync(log, JSON.stringify(line) + "\n");
      console.log(Object.entries(line).map(([k, x]) => `${k} ${typeof x === "number" && !Number.isInteger(x) ? x.toFixed(4) : x}`).join("  "));
    },
  };
  await trainAndReport({
    model,
    data: dataName,
    steps: intOption("steps", values.steps, 1000),
    batchSize: intOption("batch-size", values["batch-size"], 64),
    seed: intOption("seed", values.seed, 0, 0),
    out,
    checkpointEvery: intOption("checkpoint-every", values["checkpoint-every"], 500, 0),
    resume: values.resume ?? false,
    settings: readSettings(undefined, values.set as string[] | undefined),
    callbacks: [watch],
  });
});
