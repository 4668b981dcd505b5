/**
 * A sweep's finished runs as one table: per (model, data, variant) cell and metric, the mean,
 * standard deviation (n - 1) and n over seeds, each seed's value and the real-vs-real floor the
 * evaluator reported; written as CSV, Markdown and a plotly chart (mean +- std with every seed as a
 * point), with the runs still missing or failed listed by name.
 */
import * as fs from "fs";
import * as path from "path";
import { expandRuns, loadSweepConfig, Run, SweepConfig } from "./config";
import { describeState, files, liveOwner, runState } from "./run";
import { sharedTraining } from "./share";
import { Figure, saveHtml } from "../viz/charts";
import { meanStd } from "../results/files";

export interface Cell {
  model: string;
  data: string;
  variant: string;
  metric: string;
  mean: number;
  std: number;
  n: number;
  /** The metric's real-vs-real figure (null: none reported). */
  floor: number | null;
  /** By seed; null where that seed's run has no value. */
  values: Record<number, number | null>;
}

export interface Collected {
  cells: Cell[];
  seeds: number[];
  /** Runs without an eval.json, with their state ("to do", "checkpoint at step 30 of 50", ...). */
  missing: { name: string; state: string }[];
  failed: { name: string; phase: string; exit: string; lastLine: string }[];
  /** run.json of finished runs (backend, wall seconds), where train wrote one. */
  runInfo: { name: string; backend?: string; wallSeconds?: number }[];
}

interface EvalJson {
  metrics: Record<string, { value: number; floor?: number | null }>;
}

/** Read every run's results (all shards: collect sees the whole sweep). */
export function collect(c: SweepConfig, runs: Run[]): Collected {
  const byCell = new Map<string, Cell>();
  const out: Collected = { cells: [], seeds: c.seeds, missing: [], failed: [], runInfo: [] };
  for (const r of runs) {
    const state = runState(c, r);
    if (state.kind === "failed") {
      const f = state.failed;
      out.failed.push({ name: r.name, phase: f.phase, exit: f.signal ? `signal ${f.signal}` : `exit ${f.exitCode}`, lastLine: [...f.lastLines].reverse().find((l) => /^error:/.test(l)) ?? f.lastLines[f.lastLines.length - 1] ?? "" });
      continue;
    }
    if (state.kind !== "done") {
      const owner = liveOwner(r);
      out.missing.push({ name: r.name, state: describeState(state, c.steps).replace(/: will resume$/, "") + (owner ? `, running (process ${owner.pid})` : "") });
      continue;
    }
    const fl = files(r);
    if (fs.existsSync(fl.runJson)) {
      try {
        const info = JSON.parse(fs.readFileSync(fl.runJson, "utf8"));
        out.runInfo.push({ name: r.name, backend: typeof info.backend === "string" ? info.backend : info.backend?.name, wallSeconds: info.wallSeconds ?? info.wall_seconds ?? info.seconds });
      } catch {
        /* run.json is informative only */
      }
    }
    if (!c.eval) continue;
    let ev: EvalJson;
    try {
      ev = JSON.parse(fs.readFileSync(fl.eval, "utf8"));
    } catch {
      out.missing.push({ name: r.name, state: "eval.json unreadable" });
      continue;
    }
    for (const [metric, m] of Object.entries(ev.metrics ?? {})) {
      if (typeof m?.value !== "number") continue;
      const key = JSON.stringify([r.model, r.data, r.variant, metric]);
      let cell = byCell.get(key);
      if (!cell) {
        cell = { model: r.model, data: r.data, variant: r.variant, metric, mean: NaN, std: NaN, n: 0, floor: null, values: Object.fromEntries(c.seeds.map((s) => [s, null])) };
        byCell.set(key, cell);
      }
      cell.values[r.seed] = m.value;
      if (typeof m.floor === "number") cell.floor = m.floor;
    }
  }
  for (const cell of byCell.values()) {
    const vs = Object.values(cell.values).filter((v): v is number => v !== null);
    const s = meanStd(vs);
    Object.assign(cell, { mean: s.mean, std: s.std, n: s.n });
  }
  out.cells = [...byCell.values()];
  return out;
}

const fmt = (v: number | null) => (v === null || !Number.isFinite(v) ? "" : Number(v.toPrecision(4)).toString());
const dataName = (d: string) => (path.isAbsolute(d) ? path.basename(d) : d);

export function collectedCsv(col: Collected): string {
  const esc = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const head = ["model", "data", "variant", "metric", "mean", "std", "n", "floor", ...col.seeds.map((s) => `seed ${s}`)];
  const rows = col.cells.map((c) => [c.model, dataName(c.data), c.variant, c.metric, fmt(c.mean), fmt(c.std), String(c.n), fmt(c.floor), ...col.seeds.map((s) => fmt(c.values[s]))]);
  return [head, ...rows].map((r) => r.map(esc).join(",")).join("\n") + "\n";
}

export function collectedMarkdown(col: Collected, title: string): string {
  const lines = [`# ${title}`, ""];
  if (col.cells.length) {
    lines.push("| model | data | variant | metric | mean ± std | n | real vs real | per seed |", "| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const c of col.cells) {
      const per = col.seeds.map((s) => `${s}: ${c.values[s] === null ? "-" : fmt(c.values[s])}`).join(", ");
      const ms = c.n > 1 ? `${fmt(c.mean)} ± ${fmt(c.std)}` : fmt(c.mean);
      lines.push(`| ${c.model} | ${dataName(c.data)} | ${c.variant} | ${c.metric} | ${ms} | ${c.n} | ${c.floor === null ? "" : fmt(c.floor)} | ${per} |`);
    }
  } else lines.push("No finished runs with metrics yet.");
  lines.push("");
  lines.push(col.missing.length ? `Missing (${col.missing.length}): ${col.missing.map((m) => `${m.name} (${m.state})`).join(", ")}` : "Missing: none");
  lines.push("");
  lines.push(col.failed.length ? `Failed (${col.failed.length}): ${col.failed.map((f) => `${f.name} (${f.phase}, ${f.exit}: ${f.lastLine})`).join("; ")}` : "Failed: none");
  return lines.join("\n") + "\n";
}

/** One chart per metric: each cell's mean with a +-std bar, each seed as a point, the floor dashed. */
export function collectedFigures(col: Collected): Figure[] {
  const metrics = [...new Set(col.cells.map((c) => c.metric))];
  return metrics.map((metric) => {
    const cells = col.cells.filter((c) => c.metric === metric);
    const label = (c: Cell) => `${c.model} / ${dataName(c.data)} / ${c.variant}`;
    const data: Record<string, unknown>[] = [
      { type: "bar", name: "mean ± std", x: cells.map(label), y: cells.map((c) => c.mean), error_y: { type: "data", array: cells.map((c) => (Number.isFinite(c.std) ? c.std : 0)), visible: true }, opacity: 0.6 },
      {
        type: "scatter",
        mode: "markers",
        name: "seeds",
        x: cells.flatMap((c) => col.seeds.filter((s) => c.values[s] !== null).map(() => label(c))),
        y: cells.flatMap((c) => col.seeds.map((s) => c.values[s]).filter((v) => v !== null)),
        text: cells.flatMap((c) => col.seeds.filter((s) => c.values[s] !== null).map((s) => `seed ${s}`)),
        marker: { size: 8, color: "black" },
      },
    ];
    const floors = cells.filter((c) => c.floor !== null);
    if (floors.length) data.push({ type: "scatter", mode: "markers", name: "real vs real", x: floors.map(label), y: floors.map((c) => c.floor), marker: { symbol: "line-ew-open", size: 30, color: "red" } });
    return { data, layout: { title: { text: metric }, yaxis: { title: { text: metric } }, template: "plotly_white", barmode: "overlay" } };
  });
}

/** Write summary.csv, summary.md and summary.html under the sweep's output root. */
export function writeCollected(c: SweepConfig, col: Collected): string[] {
  fs.mkdirSync(c.out, { recursive: true });
  const title = `sweep ${path.basename(c.file, ".json")}`;
  const csv = path.join(c.out, "summary.csv");
  const md = path.join(c.out, "summary.md");
  fs.writeFileSync(csv, collectedCsv(col));
  fs.writeFileSync(md, collectedMarkdown(col, title));
  const html = saveHtml(path.join(c.out, "summary.html"), title, collectedFigures(col));
  return [csv, md, html];
}

/**
 * Where a sweep stands, in one line for a notebook run at a smaller budget: "3 of 6 runs finished
 * (a, b, c); d at step 3,574 of 10,000". Finished means done as the sweep counts it (eval.json, or
 * for sweeps without an eval step a checkpoint or committed evals.jsonl at the last step).
 */
export function sweepProgress(c: SweepConfig, runs: Run[]): string {
  const done: string[] = [];
  const partial: string[] = [];
  for (const r of runs) {
    const s = runState(c, r);
    if (s.kind === "done") done.push(r.name);
    else if (s.kind === "partial") partial.push(`${r.name}${s.by ? ` (trained as ${path.basename(s.by.config.file)}'s run)` : ""} at step ${s.step.toLocaleString("en-US")} of ${c.steps.toLocaleString("en-US")}`);
  }
  return `${done.length} of ${runs.length} runs finished${done.length ? ` (${done.join(", ")})` : ""}${partial.length ? `; ${partial.join(", ")}` : ""}`;
}

/** A reproduction's sweep as README's runs table lists it (only finished counts: they change when runs are committed, not while they train). */
export interface SweepStatus {
  /** The config's file name, e.g. "dcgan-mnist.json". */
  file: string;
  /** Notebooks whose source names the file. */
  notebooks: string[];
  runs: number;
  finished: number;
  /** Unfinished runs by model, in the sweep's model order (without those of `shared`). */
  toGo: [string, number][];
  /** Unfinished runs that train as another sweep's runs ("shareTrainingWith"): model, count, that sweep's file name. */
  shared: [string, number, string][];
}

/**
 * The sweeps of `sweepsDir` whose runs are kept in git (their output folder inside `resultsDir`:
 * the reproductions' full budgets, not examples writing under out/), with how many of their runs
 * are finished. `notebooksDir` is searched for the notebooks that read each one.
 */
export function committedSweeps(sweepsDir: string, resultsDir: string, notebooksDir: string): SweepStatus[] {
  if (!fs.existsSync(sweepsDir)) return [];
  const notebooks = fs.existsSync(notebooksDir)
    ? fs.readdirSync(notebooksDir).filter((f) => f.endsWith(".ipynb")).sort().map((f) => ({ name: f, text: fs.readFileSync(path.join(notebooksDir, f), "utf8") }))
    : [];
  const inside = (dir: string) => !path.relative(path.resolve(resultsDir), dir).startsWith("..");
  const out: SweepStatus[] = [];
  for (const file of fs.readdirSync(sweepsDir).filter((f) => f.endsWith(".json")).sort()) {
    const c = loadSweepConfig(path.join(sweepsDir, file));
    if (!inside(c.out)) continue;
    const toGo = new Map<string, number>(c.models.map((m) => [m, 0]));
    const shared = new Map<string, [string, number, string]>();
    let finished = 0;
    const runs = expandRuns(c);
    for (const r of runs) {
      if (runState(c, r).kind === "done") {
        finished++;
        continue;
      }
      // By the configs alone (not by where checkpoints are), so a fresh clone counts the same.
      const by = sharedTraining(c, r);
      if (!by) toGo.set(r.model, toGo.get(r.model)! + 1);
      else {
        const key = `${r.model}\u0000${by.config.file}`;
        const had = shared.get(key) ?? [r.model, 0, path.basename(by.config.file)];
        shared.set(key, [had[0], had[1] + 1, had[2]]);
      }
    }
    out.push({ file, notebooks: notebooks.filter((n) => n.text.includes(file)).map((n) => n.name), runs: runs.length, finished, toGo: [...toGo].filter(([, n]) => n > 0), shared: [...shared.values()] });
  }
  return out;
}
