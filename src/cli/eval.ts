/**
 * npm run eval -- --checkpoint FILE | --samples DIR|FILE.npy --data NAME: score samples against the
 * held-out real set on the kit evaluator (or your own TF.js model), print a table with each
 * metric's real-vs-real floor, and write it as JSON.
 */
import * as fs from "fs";
import * as path from "path";
import { initBackend } from "../backend/select";
import { UserError } from "../errors";
import { Dataset } from "../data/dataset";
import { loadData } from "../data/registry";
import { readNpy } from "../data/npy";
import { loadImageFolder } from "../data/image-folder";
import { loadModel } from "../eval/load-model";
import { generateSamples } from "../eval/samples";
import { graphEvaluator, kitEvaluator, PreparedEvaluator } from "../eval/evaluator";
import { EVAL_METRICS, EvalReport, evaluateSamples, checkEvalMetrics, fdEntry, SampleSet } from "../eval/evaluate";
import { writeRunSummary } from "../train/run-summary";
import { checkQuality, collapsedRecall, DEFAULT_TARGET, describeTarget, resolveTarget } from "../experiments/quality";
import { calibrateTarget } from "../eval/calibrate";
import { writeResult } from "../results/files";
import { intOption, parse, runMain } from "./common";
import { progressTask, Task } from "./progress";

const USAGE = `usage: npm run eval -- --checkpoint FILE [--data NAME] [--n N] [--seed S] [--metrics a,b,c] [--json FILE]
       npm run eval -- --samples DIR|FILE.npy --data NAME [...]
       npm run eval -- --calibrate --data NAME [--n N]
Scores samples against a held-out real set on the evaluator's features and classes; prints a
table with each metric's real-vs-real floor (two disjoint real sets of the same size) and writes
it as JSON.
  --checkpoint   a latest.ckpt from \`npm run train\`: the model and its settings come from it;
                 its samples are generated (--n of them, --seed) and mapped back to the data's size
  --samples      a .npy array [n, H, W, C] (float32 in [-1, 1], or uint8 0-255) or a folder of PNG/JPEG
  --data         the real data (default: the checkpoint's): ${["synthetic-digits", "ring8", "grid25", "mnist", "fashion-mnist"].join(" | ")} | FOLDER
  --n            samples to score (default: the reference set's size, e.g. 2,000 for the 10k MNIST
                 test set, 5,000 for Fashion-MNIST)
  --seed         seed of the samples and of the metrics' subsets (default 0)
  --metrics      a comma list of ${EVAL_METRICS.join(", ")} (default: all)
  --json         where to write the report (default: eval.json beside the checkpoint or samples)
  --evaluator    a TF.js model.json to use instead of the kit's evaluator (e.g. an Inception with
                 --feature-node pool_3 gives real FID); --input-range [-1,1] | [0,1] | [0,255]
  --evaluator-steps  training steps of the kit evaluator (default: 12 epochs of its training part,
                 1,500 to 6,000 steps of 64); another count is another cached evaluator
  --calibrate    score real images of the evaluator's training part, as they are and lightly
                 degraded (noise, blur, a 1-2 px shift, thicker or thinner strokes), against the
                 quality target: what the target means on this data; writes
                 results/evaluator/calibration-<data>.json (out/results-quick/ under GAN_QUICK=1)
  --backend      auto | tensorflow-gpu | tensorflow | wasm | cpu (default: $GAN_BACKEND or auto)
With the Fréchet distance and recall it also judges the reproductions' quality target: FD no
further above the floor than real training images moved right by 1 px score (measured on the same
evaluator and sample count; --calibrate shows it, results/evaluator/ holds MNIST's and
Fashion-MNIST's), every class at least 4% of the samples, recall at least halfway from a one-class
collapse's to the real-vs-real recall (src/experiments/quality.ts).
The kit evaluator is trained once per dataset on its training part and cached in
data/cache/evaluators/ ($GAN_CACHE_DIR/evaluators when set); a second eval of the same data
takes seconds. Its Fréchet distance is
reported as fd-kit-<data>-v<version>: comparable across runs of this kit with the same evaluator
version, not with Inception FID.`;

function samplesFrom(file: string, shape: number[]): SampleSet {
  if (!fs.existsSync(file)) throw new UserError(`--samples: not found: ${file}`);
  if (fs.statSync(file).isDirectory()) {
    if (shape.length !== 3 || shape[0] !== shape[1]) throw new UserError(`--samples DIR needs square image data, ${shape.join("x")} given`);
    const ds = loadImageFolder(file, { size: shape[0] });
    if (shape[2] === 3) return { data: ds.data, shape: ds.shape };
    // The folder loader gives RGB: the grey level is the mean of the channels.
    const n = ds.data.length / (shape[0] * shape[1] * 3);
    const grey = new Float32Array(n * shape[0] * shape[1]);
    for (let i = 0; i < grey.length; i++) grey[i] = (ds.data[3 * i] + ds.data[3 * i + 1] + ds.data[3 * i + 2]) / 3;
    return { data: grey, shape: [shape[0], shape[1], 1] };
  }
  const a = readNpy(file);
  const got = a.shape.slice(1);
  const fits = got.join("x") === shape.join("x") || (shape.length === 3 && shape[2] === 1 && got.join("x") === shape.slice(0, 2).join("x"));
  if (!fits) throw new UserError(`--samples: ${file} holds [${a.shape.join(", ")}], but ${shape.length === 3 ? "images" : "points"} of this data are ${shape.join("x")}`);
  const data = a.dtype === "uint8" ? a.data.map((v) => v / 127.5 - 1) : a.data;
  return { data, shape };
}

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "-";
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toFixed(a >= 100 ? 1 : 4);
}

export function reportTable(r: EvalReport): string {
  const rows = Object.entries(r.metrics).map(([name, m]) => [name, fmt(m.value) + (m.details.std !== undefined ? ` ± ${fmt(m.details.std)}` : ""), fmt(m.floor)]);
  const head = ["metric", `samples (n = ${r.n})`, `real vs real (n = ${r.referenceSize})`];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(w[i])).join("  ");
  const out = [line(head), line(w.map((x) => "-".repeat(x))), ...rows.map(line)];
  if (r.classHistogram) out.push(`classes of the samples (evaluator's argmax, %): ${r.classHistogram.map((h) => (100 * h).toFixed(1)).join(" ")}`);
  return out.join("\n");
}

runMain(async () => {
  const { values } = parse(
    {
      checkpoint: { type: "string" }, samples: { type: "string" }, data: { type: "string" }, n: { type: "string" }, seed: { type: "string" },
      metrics: { type: "string" }, json: { type: "string" }, evaluator: { type: "string" }, "feature-node": { type: "string" },
      "input-range": { type: "string" }, backend: { type: "string" }, "evaluator-steps": { type: "string" }, calibrate: { type: "boolean" },
    },
    USAGE,
  );
  if (values.calibrate) {
    if (values.checkpoint || values.samples || values.evaluator) throw new UserError("--calibrate scores real images: it takes --data (and --n, --evaluator-steps), not --checkpoint, --samples or --evaluator");
    if (!values.data) throw new UserError("--calibrate needs --data NAME");
    await initBackend({ backend: values.backend });
    const data = loadData(values.data);
    const prepared = kitEvaluator(data, { steps: values["evaluator-steps"] === undefined ? undefined : intOption("evaluator-steps", values["evaluator-steps"], 0) });
    if (data.shape.length !== 3) throw new UserError(`--calibrate degrades images; ${data.name} holds points`);
    const n = values.n === undefined ? undefined : intOption("n", values.n, 0, 2);
    const target = resolveTarget(prepared, DEFAULT_TARGET, n ?? prepared.refA.n);
    console.log(`the quality target on ${data.name}, ${prepared.evaluator.name}: ${describeTarget(target)}`);
    const head = `${"real images of the training part".padEnd(34)} ${"FD".padStart(8)} ${"/ floor".padStart(8)}  precision  recall  target`;
    console.log(head);
    const t0 = performance.now();
    const rows = calibrateTarget(prepared, n, (r) => console.log(`${r.name.padEnd(34)} ${r.fd.toFixed(2).padStart(8)} ${`${r.fdRatio.toFixed(1)}x`.padStart(8)}  ${r.precision.toFixed(3).padStart(9)}  ${r.recall.toFixed(3).padStart(6)}  ${r.met ? "met" : "NOT met"}`));
    const key = (name: string) => name.replace(/[^a-z0-9]+/gi, "_").replace(/^_|_$/g, "").toLowerCase();
    const file = writeResult({
      notebook: "evaluator",
      experiment: `calibration-${data.name.replace(/[^A-Za-z0-9_-]/g, "_")}`,
      config: { data: data.name, evaluator: prepared.evaluator.name, evaluatorKey: prepared.key, images: n ?? prepared.refA.n, degradations: rows.map((r) => r.name), target: DEFAULT_TARGET, fdBar: target.fdRatio },
      seeds: [0],
      values: Object.fromEntries(rows.flatMap((r) => [[`${key(r.name)}_fd_ratio`, [r.fdRatio]], [`${key(r.name)}_target_met`, [r.met ? 1 : 0]]])),
      wallSeconds: (performance.now() - t0) / 1000,
    });
    prepared.evaluator.dispose();
    console.log(`wrote ${path.relative(process.cwd(), file) || file}`);
    return;
  }
  if (!values.checkpoint === !values.samples) throw new UserError("give either --checkpoint FILE or --samples DIR|FILE.npy (see --help)");
  const metrics = values.metrics?.split(",").map((m) => m.trim()).filter(Boolean);
  if (metrics) checkEvalMetrics(metrics);
  const seed = intOption("seed", values.seed, 0, 0);
  const range = values["input-range"];
  if (range !== undefined && !["[-1,1]", "[0,1]", "[0,255]"].includes(range)) throw new UserError(`--input-range must be [-1,1], [0,1] or [0,255], got "${range}"`);
  await initBackend({ backend: values.backend });
  const loaded = values.checkpoint ? await loadModel(values.checkpoint) : null;
  const dataName = values.data ?? loaded?.run.data;
  if (!dataName) throw new UserError("--data NAME is required with --samples");
  const data: Dataset = loadData(dataName);
  let bar: Task | null = null;
  let stage = "";
  const onProgress = (s: string, done: number, total: number) => {
    if (s !== stage) {
      bar?.done();
      bar = progressTask(s, total);
      stage = s;
    }
    bar!.update(done);
  };
  const prepared: PreparedEvaluator = values.evaluator
    ? await graphEvaluator(values.evaluator, data, { featureNode: values["feature-node"], inputRange: range as "[-1,1]" | undefined })
    : kitEvaluator(data, { onProgress, steps: values["evaluator-steps"] === undefined ? undefined : intOption("evaluator-steps", values["evaluator-steps"], 0) });
  const n = intOption("n", values.n, prepared.refA.n);
  let samples: SampleSet;
  let source: Record<string, unknown>;
  if (loaded) {
    const { run, header } = loaded;
    const want = data.shape.join("x");
    const made = (run.fit.mode === "none" ? run.dataShape : [run.fit.from, run.fit.from, run.dataShape[2]]).join("x");
    if (made !== want) throw new UserError(`${values.checkpoint} makes ${made} samples (trained on ${run.data}), but ${dataName} is ${want}: pass the --data it was trained on`);
    const s = generateSamples(loaded, n, seed, { dataSize: true, onProgress: (d) => onProgress("generating", d, n) });
    samples = s;
    source = { checkpoint: path.relative(process.cwd(), path.resolve(values.checkpoint!)), model: run.model, step: header.step, trainSeed: header.seed, settings: run.settings, trainedOn: run.data };
    loaded.model.dispose();
  } else {
    samples = samplesFrom(values.samples!, data.shape);
    const count = samples.data.length / data.shape.reduce((a, b) => a * b, 1);
    if (values.n !== undefined) {
      if (n > count) throw new UserError(`--n ${n}: ${values.samples} holds only ${count} samples`);
      samples = { ...samples, data: samples.data.subarray(0, n * data.shape.reduce((a, b) => a * b, 1)) };
    }
    source = { samples: path.relative(process.cwd(), path.resolve(values.samples!)) };
  }
  const report = evaluateSamples(prepared, samples, { metrics, seed, onProgress });
  (bar as Task | null)?.done();
  // The reproductions' quality target (src/experiments/quality.ts), where the report can judge it.
  const canJudge = fdEntry(report.metrics) !== null && report.metrics.recall !== undefined;
  const quality = canJudge ? checkQuality(report, resolveTarget(prepared, DEFAULT_TARGET, report.n), prepared.splits.refB.labels ? collapsedRecall(prepared) : 0) : null;
  prepared.evaluator.dispose();
  const acc = prepared.evaluator.accuracy;
  console.log(`evaluator ${report.evaluator.name}${acc !== null ? ` (held-out accuracy ${(100 * acc).toFixed(2)}%)` : ""}; ${report.n} samples against ${report.referenceSize} held-out ${data.name} images`);
  console.log(reportTable(report));
  if (quality) console.log(quality.line);
  const base = values.checkpoint ? path.dirname(path.resolve(values.checkpoint)) : fs.statSync(values.samples!).isDirectory() ? path.resolve(values.samples!) : path.dirname(path.resolve(values.samples!));
  const json = path.resolve(values.json ?? path.join(base, "eval.json"));
  console.log(`wrote ${writeRunSummary(json, { data: dataName, ...source, ...report, quality })}`);
});
