/**
 * npm run bench: training throughput of every model of the kit at its default size on the active
 * backend: images/s, ms per full D+G step, achieved GFLOP/s (convolution and dense FLOPs) and its
 * share of the backend's peak (a large MatMul on all threads, measured here), the slowest kernels,
 * memory and JS<->backend transfers per step, and a scaling table (DCGAN by batch and image size).
 * Printed as tables and written as JSON; each model's figures also go to results/bench/<model>.json
 * (src/results/), from which `npm run results` builds README's benchmark table. `--demo` instead
 * times `npm run demo` at its defaults and scores its samples (src/cli/demo-bench.ts): the line under
 * that table.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend/select";
import { Dataset, ShuffledBatches } from "../data/dataset";
import { MODELS, modelEntry } from "../models/registry";
import { Trainer } from "../train/trainer";
import { KernelSpeed, kernelSpeeds } from "../backend/kernels/speed";
import { countTransfers, Transfers } from "../backend/transfers";
import { UserError } from "../errors";
import { resultsRoot, writeResult } from "../results/files";
import { intOption, noPositionals, parse, runMain } from "./common";
import { DEMO } from "./demo-plan";
import { benchDemo, DEMO_SAMPLES } from "./demo-bench";
import { describeTarget } from "../experiments/quality";

const USAGE = `usage: npm run bench -- [--model NAME]... [--batch-size N] [--steps N] [--warmup N] [--skip-scaling] [--kernels] [--demo] [--out FILE] [--results DIR] [--backend NAME]
  --model         benchmark only these (repeatable; default: all of ${Object.keys(MODELS).join(", ")})
  --batch-size    images per step (default 64)
  --steps         timed steps per model (default 10)
  --warmup        untimed steps first (default 2)
  --skip-scaling  leave out the scaling table (DCGAN images/s at batch 16, 32, 64, 128 on 28x28 and at 28, 32, 64 pixels)
  --kernels       also time each kit wasm kernel against the stock one
  --demo          only time \`npm run demo\` at its defaults (${DEMO.steps} steps of ${DEMO.batchSize}) and score its samples on the kit
                  evaluator (${DEMO_SAMPLES} samples, against the quality target); its files in out/bench-demo/, its figures
                  in DIR/bench/demo.json (README's demo line)
  --out           JSON file (default out/bench.json)
  --results       also write each model's figures to DIR/bench/<model>.json (default DIR: $GAN_RESULTS_DIR or the kit's results/,
                  whose bench/ files \`npm run results\` builds README's benchmark table from; "none": do not)
The backend's peak (a 2048x2048 MatMul on all its threads) is always measured; GAN_WASM_THREADS=1 benchmarks one thread.`;

/** The performance goals of the kit on a 2-core machine (issue 8), checked on every run. */
const GOALS: Record<string, { imagesPerSec?: number; shareOfPeak?: number }> = {
  dcgan: { imagesPerSec: 160 },
  began: { shareOfPeak: 0.4 },
  "pggan-full": { shareOfPeak: 0.4 },
  tgan: { shareOfPeak: 0.4 },
};

export interface BenchResult {
  model: string;
  shape: number[];
  /** What was timed where it is not the fresh model (ModelEntry.benchAt), e.g. PGGAN's final level. */
  network: string | null;
  batchSize: number;
  steps: number;
  msPerStep: number;
  imagesPerSec: number;
  gflopPerStep: number;
  gflopPerSec: number;
  /** Resident memory after the timed steps, and tensors alive (flat across steps when nothing leaks). */
  rssMB: number;
  tensorsBefore: number;
  tensorsAfter: number;
  /** Slowest kernels of one step, from tf.profile. */
  topKernels: { name: string; ms: number; calls: number }[];
  /** JS <-> backend traffic of one step, the batch's upload included. */
  transfers: Transfers;
  /** Values in one batch of images (the one upload a step needs). */
  batchValues: number;
}

/** Random images in [-1, 1] of the model's default shape: speed does not depend on the pixels. */
function noiseData(shape: number[], n: number): Dataset {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n * size);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = (s / 4294967296) * 2 - 1;
  }
  return { name: "noise", shape, data, labels: new Int32Array(n).map((_, i) => i % 10), numClasses: 10 };
}

async function benchModel(name: string, batchSize: number, steps: number, warmup: number, shape?: number[]): Promise<BenchResult> {
  const entry = modelEntry(name);
  const data = noiseData(shape ?? entry.benchShape, Math.max(256, batchSize * 4));
  const model = entry.create(data, 0);
  const network = entry.benchAt?.(model) ?? null;
  const trainer = new Trainer(model);
  const source = new ShuffledBatches(data, 0);
  const runStep = (i: number) => {
    const b = source.batch(i, batchSize);
    trainer.step(b, i, 0);
    tf.dispose([b.x, b.labels ?? []]);
  };
  for (let i = 0; i < warmup; i++) runStep(i);
  const profile = await tf.profile(() => runStep(warmup));
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of profile.kernels) {
    const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    e.calls += 1;
    byKernel.set(k.name, e);
  }
  const topKernels = [...byKernel.entries()].map(([n, v]) => ({ name: n, ...v })).sort((a, b) => b.ms - a.ms).slice(0, 8);
  const { transfers } = countTransfers(() => runStep(warmup + 1));
  const tensorsBefore = tf.memory().numTensors;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) runStep(warmup + 2 + i);
  const ms = (performance.now() - t0) / steps;
  const tensorsAfter = tf.memory().numTensors;
  const rssMB = process.memoryUsage().rss / 2 ** 20;
  const flops = model.flopsPerStep(batchSize);
  trainer.dispose();
  model.dispose();
  return {
    model: name,
    shape: shape ?? entry.benchShape,
    network,
    batchSize,
    steps,
    msPerStep: ms,
    imagesPerSec: (batchSize * 1000) / ms,
    gflopPerStep: flops / 1e9,
    gflopPerSec: flops / 1e6 / ms,
    rssMB,
    tensorsBefore,
    tensorsAfter,
    topKernels,
    transfers,
    batchValues: batchSize * data.shape.reduce((a, b) => a * b, 1),
  };
}

/** GFLOP/s of a large square MatMul (best of 3): the backend's practical peak on this machine. */
function matMulPeak(n = 2048): number {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  let best = Infinity;
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    const ms = performance.now() - t0;
    c.dispose();
    if (i > 0) best = Math.min(best, ms);
  }
  tf.dispose([a, b]);
  return (2 * n * n * n) / 1e6 / best;
}

/** Whether the model meets its goal; the goals are for the default batch of 64 only. */
function goalLine(r: BenchResult, peak: number): string {
  const goal = GOALS[r.model];
  if (!goal || r.batchSize !== 64) return "";
  if (goal.imagesPerSec) return `goal >= ${goal.imagesPerSec} images/s: ${r.imagesPerSec >= goal.imagesPerSec ? "met" : "NOT met"}`;
  const share = r.gflopPerSec / peak;
  return `goal >= ${(100 * goal.shareOfPeak!).toFixed(0)}% of peak: ${share >= goal.shareOfPeak! ? "met" : "NOT met"}`;
}

runMain(async () => {
  const { values, positionals } = parse(
    {
      model: { type: "string", multiple: true }, "batch-size": { type: "string" }, steps: { type: "string" },
      warmup: { type: "string" }, out: { type: "string" }, results: { type: "string" }, backend: { type: "string" }, kernels: { type: "boolean" }, "skip-scaling": { type: "boolean" }, demo: { type: "boolean" },
    },
    USAGE,
  );
  noPositionals(positionals);
  const names = (values.model as unknown as string[] | undefined) ?? Object.keys(MODELS);
  names.forEach(modelEntry); // unknown names fail first
  const batchSize = intOption("batch-size", values["batch-size"], 64);
  const steps = intOption("steps", values.steps, 10);
  const warmup = intOption("warmup", values.warmup, 2, 0);
  const resultsDir = values.results === "none" ? null : path.resolve(values.results ?? resultsRoot());
  if (values.demo) {
    const others = (["model", "batch-size", "steps", "warmup", "kernels", "skip-scaling"] as const).filter((k) => values[k] !== undefined);
    if (others.length) throw new UserError(`--demo times the demo at its defaults alone: leave out ${others.map((k) => `--${k}`).join(", ")}`);
    const load = os.loadavg()[0];
    const d = await benchDemo(path.resolve("out/bench-demo"), { backend: values.backend });
    const backend = await initBackend({ backend: values.backend }); // already set up by the demo: names it
    const s = d.score;
    console.log(`\ndemo (${DEMO.steps} steps of ${DEMO.batchSize}): ${d.seconds.toFixed(0)} s, of which training ${d.trainSeconds.toFixed(0)} s`);
    console.log(`its samples (${DEMO_SAMPLES}, kit evaluator ${d.evaluator}): FD ${s.fdRatio.toFixed(2)}x the floor, precision ${s.precision.toFixed(3)}, recall ${s.recall.toFixed(3)}, smallest class ${s.minClass === null ? "-" : `${(100 * s.minClass).toFixed(1)}%`}; quality target (${describeTarget(d.target)}) ${s.met ? "met" : "NOT met"}`);
    if (resultsDir) {
      const file = writeResult(
        {
          notebook: "bench",
          experiment: "demo",
          config: { ...DEMO, samples: DEMO_SAMPLES, evaluator: d.evaluator, fdRatioBar: d.target.fdRatio, threads: backend.threads, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, loadAverage1mBefore: load },
          seeds: [DEMO.seed],
          values: { seconds: [d.seconds], trainSeconds: [d.trainSeconds], fdRatio: [s.fdRatio], precision: [s.precision], recall: [s.recall], ...(s.minClass === null ? {} : { minClass: [s.minClass] }), met: [s.met ? 1 : 0] },
          backend: backend.name,
          wallSeconds: d.seconds,
        },
        resultsDir,
      );
      console.log(`wrote ${file}\nREADME's demo line: npm run results`);
    }
    return;
  }
  const backend = await initBackend({ backend: values.backend });
  const peak = matMulPeak();
  console.log(`peak of this backend (2048x2048 MatMul, all its threads): ${peak.toFixed(1)} GFLOP/s\n`);
  const results: BenchResult[] = [];
  const threads = backend.threads;
  const resultFiles: string[] = [];
  for (const name of names) {
    const t0 = performance.now();
    const load = os.loadavg()[0]; // other processes on the machine lower the figures: recorded with them
    const r = await benchModel(name, batchSize, steps, warmup);
    results.push(r);
    if (resultsDir) {
      resultFiles.push(
        writeResult(
          {
            notebook: "bench",
            experiment: name,
            config: { model: name, shape: r.shape, ...(r.network ? { network: r.network } : {}), batchSize, steps, warmup, threads, peakGflopPerSec: peak, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, loadAverage1mBefore: load },
            seeds: [0],
            values: { imagesPerSec: [r.imagesPerSec], msPerStep: [r.msPerStep], gflopPerStep: [r.gflopPerStep], gflopPerSec: [r.gflopPerSec], shareOfPeak: [r.gflopPerSec / peak], rssMB: [r.rssMB] },
            backend: backend.name,
            wallSeconds: (performance.now() - t0) / 1000,
          },
          resultsDir,
        ),
      );
    }
    const t = r.transfers;
    console.log(
      `${r.model.padEnd(8)} ${r.shape.join("x").padEnd(9)}${r.network ? ` (${r.network})` : ""} batch ${r.batchSize}: ${r.imagesPerSec.toFixed(1).padStart(7)} images/s  ` +
        `${r.msPerStep.toFixed(1).padStart(7)} ms/step  ${r.gflopPerStep.toFixed(2)} GFLOP/step  ${r.gflopPerSec.toFixed(1)} GFLOP/s = ${((100 * r.gflopPerSec) / peak).toFixed(0)}% of peak`,
    );
    const goal = goalLine(r, peak);
    if (goal) console.log(`         ${goal}`);
    console.log(`         memory: RSS ${r.rssMB.toFixed(0)} MB, tensors ${r.tensorsBefore} before and ${r.tensorsAfter} after the timed steps`);
    console.log(
      `         per step: ${t.uploads} uploads, ${t.uploadValues} values (the batch: ${r.batchValues}; the rest noise and scalars), ` +
        `${t.downloads} downloads, ${t.downloadValues} values`,
    );
    console.log(`         top kernels: ${r.topKernels.slice(0, 5).map((k) => `${k.name} ${k.ms.toFixed(0)} ms (${k.calls})`).join(", ")}`);
  }
  let scaling: BenchResult[] | undefined;
  if (!values["skip-scaling"]) {
    scaling = [];
    console.log("\nscaling (dcgan):");
    for (const [b, size] of [[16, 28], [32, 28], [64, 28], [128, 28], [64, 32], [64, 64]]) {
      const r = await benchModel("dcgan", b, 3, 1, [size, size, 1]);
      scaling.push(r);
      console.log(`  batch ${String(b).padStart(3)}, ${size}x${size}: ${r.imagesPerSec.toFixed(1).padStart(7)} images/s  ${r.gflopPerSec.toFixed(1)} GFLOP/s = ${((100 * r.gflopPerSec) / peak).toFixed(0)}% of peak`);
    }
  }
  let kernels: KernelSpeed[] | undefined;
  if (values.kernels) {
    if (backend.name !== "wasm") throw new UserError("--kernels compares wasm kernels: run it with --backend wasm");
    kernels = kernelSpeeds();
    console.log("\nkit wasm kernels against the stock ones (ms per call):");
    for (const k of kernels) {
      const speedup = k.stockMs === null ? "stock: missing" : `stock ${k.stockMs.toFixed(1).padStart(6)}  (${(k.stockMs / k.kitMs).toFixed(1)}x)`;
      console.log(`  ${k.kernel.padEnd(26)} ${k.shapes.padEnd(38)} kit ${k.kitMs.toFixed(1).padStart(6)}  ${speedup}`);
    }
  }
  const file = path.resolve(values.out ?? "out/bench.json");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const report = { date: new Date().toISOString(), backend: backend.name, backendDetail: backend.description, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, peakGflopPerSec: peak, results, scaling, kernels };
  fs.writeFileSync(file, JSON.stringify(report, null, 2) + "\n");
  console.log(`wrote ${file}`);
  for (const f of resultFiles) console.log(`wrote ${f}`);
  if (resultFiles.length) console.log("README's benchmark table: npm run results");
});
