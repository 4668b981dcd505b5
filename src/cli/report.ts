/** Train a model on a dataset and write what a user looks at: samples, loss chart, CSV log. */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend/select";
import { ShuffledBatches } from "../data/dataset";
import { loadData } from "../data/registry";
import { modelEntry } from "../models/registry";
import { classColumns } from "../eval/samples";
import { saveHistoryCsv } from "../train/history";
import { TrainCallbacks, Trainer } from "../train/trainer";
import { checkpointEvery } from "../train/callbacks";
import { readCheckpoint } from "../train/checkpoint";
import { checkResume, preflight } from "../train/run-folder";
import { SIGNAL_EXIT_CODE } from "../train/signals";
import { exampleCount } from "../data/dataset";
import { DivergenceError, UserError } from "../errors";
import { Figure, lineChart, saveHtml, smooth } from "../viz/charts";
import { saveGrid } from "../viz/image-grid";
import { applyFit, chooseFit, FitMode, ImageFit } from "../data/fit";
import type { ModelSettings } from "../models/settings";
import { writeRunSummary } from "../train/run-summary";
import { evaluatorSplits, kitEvaluator } from "../eval/evaluator";
import type { Dataset } from "../data/dataset";
import { evalsFile, qualityWatch } from "../eval/watch";

export interface ReportOptions {
  model: string;
  data: string;
  steps: number;
  batchSize: number;
  seed: number;
  out?: string;
  backend?: string;
  /** Save a checkpoint every this many steps (and at the end); 0: only at the end. */
  checkpointEvery?: number;
  /** Continue from the checkpoint in the output folder; `steps` is then the total to reach. */
  resume?: boolean;
  /** The command to print in the "resume with" hint. */
  resumeCommand?: string;
  /** Resume even when the checkpoint was trained on other data, shapes or batch size (warns). */
  force?: boolean;
  /** The model's own settings (--config / --set), checked by the model. */
  settings?: ModelSettings;
  /** Train at this image size (pad or resize the data); default: what the model needs. */
  imageSize?: number;
  fit?: FitMode;
  /** More callbacks for the run (e.g. a diagnostic logged while it trains), after the checkpoint's. */
  callbacks?: TrainCallbacks[];
  /** Score samples on the kit evaluator every this many steps and at the end (<out>/evals.jsonl). */
  evalEvery?: number;
  /** Samples per evaluation (default: the evaluator's reference size). */
  evalN?: number;
  /** Image metrics added to each evaluation (WATCH_IMAGE_METRICS: swd, ms-ssim). */
  evalMetrics?: string[];
  /** Training steps of the kit evaluator when it is not cached yet (default: its own). */
  evaluatorSteps?: number;
  /**
   * Train on the evaluator's training part only (src/eval/evaluator.ts evaluatorSplits), so its
   * two reference sets are images G never saw: what eval's metrics compare samples with, and the
   * held-out yardstick of a memorisation check.
   */
  holdOut?: boolean;
}

/** What a checkpoint records about its run, so generate / eval / --resume rebuild the same model. */
export interface RunInfo {
  model: string;
  data: string;
  settings: ModelSettings;
  fit: ImageFit;
  batchSize: number;
  /** Shape and classes of the (fitted) training data. */
  dataShape: number[];
  numClasses: number | null;
  /** Trained on the evaluator's training part only (--hold-out). */
  holdOut?: boolean;
}

/** The evaluator's training part of a dataset, named so (checkpoints record the name; --resume compares it). */
function heldOutTrainPart(ds: Dataset): Dataset {
  const part = evaluatorSplits(ds).train;
  console.log(`--hold-out: training on ${exampleCount(part).toLocaleString()} of ${exampleCount(ds).toLocaleString()} images of ${ds.name} (the evaluator's training part; its reference sets stay unseen)`);
  return { ...part, name: `${ds.name}[evaluator train part]` };
}

/** A path relative to the working folder when it lies inside it, else absolute. */
function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

export async function trainAndReport(o: ReportOptions): Promise<void> {
  const entry = modelEntry(o.model); // unknown names fail before anything slow
  await initBackend({ backend: o.backend });
  const loaded = loadData(o.data);
  const raw = o.holdOut ? heldOutTrainPart(loaded) : loaded;
  const out = path.resolve(o.out ?? `out/${o.model}-${loaded.name}${o.holdOut ? "-hold-out" : ""}`);
  const ckpt = path.join(out, "latest.ckpt");
  // A resumed run keeps the settings and image size its checkpoint recorded, unless given again.
  const saved = o.resume && fs.existsSync(ckpt) ? (readCheckpoint(ckpt).header.info.run as RunInfo | undefined) : undefined;
  const fromCheckpoint = o.imageSize === undefined && saved !== undefined && saved.fit.mode !== "none";
  const { fit, note } = chooseFit(
    raw,
    entry.imageSize,
    fromCheckpoint ? saved!.fit.to : o.imageSize,
    o.fit ?? (fromCheckpoint ? (saved!.fit.mode as FitMode) : undefined),
    fromCheckpoint ? "as the checkpoint recorded" : undefined,
  );
  if (note) console.log(note);
  const data = applyFit(raw, fit);
  const settings = o.settings && Object.keys(o.settings).length ? o.settings : (saved?.settings ?? {});
  const model = entry.create(data, o.seed, settings);
  const runInfo: RunInfo = { model: o.model, data: o.data, settings, fit, batchSize: o.batchSize, dataShape: data.shape, numClasses: data.labels ? (data.numClasses ?? null) : null, ...(o.holdOut ? { holdOut: true } : {}) };
  const params = Object.entries(model.modules()).filter(([, m]) => m.paramCount() > 0).map(([k, m]) => `${k} ${m.paramCount().toLocaleString()}`).join(" / ");
  const total = Object.values(model.modules()).reduce((n, m) => n + m.paramCount(), 0);
  preflight({ out, ckpt, params: total, steps: o.steps, batchSize: o.batchSize, examples: exampleCount(data), dataName: data.name });
  const identity = { dataName: data.name, shape: data.shape, batchSize: o.batchSize };
  const trainer = new Trainer(model);
  let start = 0;
  let seed = o.seed;
  if (o.resume) {
    if (!fs.existsSync(ckpt)) throw new UserError(`nothing to resume: no checkpoint at ${ckpt}`);
    const given = o.settings && Object.keys(o.settings).length ? o.settings : undefined;
    checkResume(ckpt, readCheckpoint(ckpt).header.info ?? {}, { model: o.model, data: data.name, shape: data.shape, batchSize: o.batchSize, settings: given }, o.force ?? false);
    const header = await trainer.load(ckpt);
    start = header.step;
    seed = header.seed;
    console.log(`resuming ${o.model} from ${ckpt} at step ${start} (seed ${seed})`);
    if (start >= o.steps) throw new UserError(`the checkpoint is already at step ${start} of ${o.steps}: raise --steps to train further`);
  }
  console.log(`training ${o.model} (${params} parameters) on ${data.name} for ${o.steps - start} steps of ${o.batchSize}`);
  const every = o.checkpointEvery ?? 100;
  const callbacks = [checkpointEvery(ckpt, every > 0 ? every : Number.MAX_SAFE_INTEGER, seed, { model: o.model, data: o.data, ...identity, run: runInfo }), ...(o.callbacks ?? [])];
  if (o.evalEvery) {
    // The evaluator scores images at the data's own size (the fit is undone on the samples).
    const prepared = kitEvaluator(loaded, { steps: o.evaluatorSteps });
    callbacks.push(qualityWatch({ every: o.evalEvery, n: o.evalN, out, prepared, fit, lastStep: o.steps - 1, startStep: start, batchSize: o.batchSize, imageMetrics: o.evalMetrics }));
    const more = o.evalMetrics?.length ? ` (and ${o.evalMetrics.join(", ")} at ${fit.to}x${fit.to})` : "";
    console.log(`scoring ${o.evalN ?? prepared.refA.n} samples every ${o.evalEvery} steps on ${prepared.evaluator.name}${more}: ${shown(evalsFile(out))}`);
  }
  try {
    await trainer.run(new ShuffledBatches(data, seed), { steps: o.steps - start, startStep: start, batchSize: o.batchSize, seed, callbacks, stopOnSignals: true });
  } catch (err) {
    if (err instanceof DivergenceError) {
      const last = fs.existsSync(ckpt) ? `the last good checkpoint is ${ckpt} (step ${readCheckpoint(ckpt).header.step})` : "no checkpoint was saved before it";
      throw new UserError(`${err.message} Kept ${last}.`);
    }
    throw err;
  }
  const history = trainer.history;
  if (trainer.interrupted) {
    const step = history[history.length - 1].step + 1;
    console.log(`interrupted at step ${step}: checkpoint saved to ${ckpt}`);
    console.log(`resume with: ${o.resumeCommand ?? "npm run train -- ..."} --resume`);
    trainer.dispose();
    model.dispose();
    process.exitCode = SIGNAL_EXIT_CODE[trainer.stopSignal ?? "SIGINT"];
    return;
  }
  const written: string[] = [];
  const x = history.map((r) => r.step);
  const w = Math.max(1, Math.round(o.steps / 50));
  const series = (key: string) => smooth(history.map((r) => r.values[key]), w);
  const figures: Figure[] = [
    lineChart(`losses (moving average over ${w} steps)`, x, Object.fromEntries(model.players.map((p) => [p.name, series(`${p.name}_loss`)])), { y: "loss" }),
  ];
  if ("D_real" in history[0].values) {
    figures.push(lineChart("D's mean output", x, { "D(x)": series("D_real"), "D(G(z))": series("D_fake") }, { y: "probability" }));
  }
  const columns = classColumns(model, 8);
  const samples = model.generate(data.shape.length === 1 ? 2000 : columns * 8, 12345);
  if (data.shape.length === 3) {
    written.push(saveGrid(path.join(out, "samples.png"), samples as tf.Tensor4D, { columns }));
  } else {
    const real = data.data.slice(0, 4000);
    const fake = samples.dataSync();
    const pts = (v: ArrayLike<number>, k: number) => Array.from({ length: v.length / 2 }, (_, i) => v[2 * i + k]);
    figures.push({
      data: [
        { x: pts(real, 0), y: pts(real, 1), name: "real", type: "scatter", mode: "markers", marker: { size: 3, opacity: 0.4 } },
        { x: pts(fake, 0), y: pts(fake, 1), name: "generated", type: "scatter", mode: "markers", marker: { size: 3, opacity: 0.4 } },
      ],
      layout: { title: { text: "real and generated points" }, yaxis: { scaleanchor: "x" } },
    });
  }
  samples.dispose();
  written.push(saveHtml(path.join(out, "losses.html"), `${o.model} on ${data.name}`, figures));
  written.push(saveHistoryCsv(path.join(out, "log.csv"), history));
  written.push(ckpt);
  const secs = history[history.length - 1].time;
  written.push(writeRunSummary(path.join(out, "run.json"), { ...runInfo, seed, steps: o.steps, resumedFrom: start, seconds: secs, final: history[history.length - 1].values }));
  console.log(`done in ${secs.toFixed(0)} s (${(((o.steps - start) * o.batchSize) / secs).toFixed(0)} examples/s)`);
  for (const f of written) console.log(`wrote ${f}`);
  trainer.dispose();
  model.dispose();
}
