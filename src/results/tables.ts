/**
 * README's generated tables, rebuilt from the result files (`npm run results`): the claims table
 * (every result file with a `claim`), the benchmark table (results/bench/*.json, written by
 * `npm run bench`; under it the demo's measured line, from `npm run bench -- --demo`) and the full
 * runs table (each sweep in sweeps/ whose runs are kept under results/: how many are finished).
 * Each lives between markers in README.md:
 *
 *   <!-- results:claims -->  ...generated...  <!-- /results:claims -->
 *   <!-- results:bench -->   ...generated...  <!-- /results:bench -->
 *   <!-- results:runs -->    ...generated...  <!-- /results:runs -->
 *
 * Text outside the markers is left alone.
 */
import { UserError } from "../errors";
import { ResultFile } from "./files";
import type { SweepStatus } from "../sweep/collect";

export const REGIONS = ["claims", "bench", "runs"] as const;
export type Region = (typeof REGIONS)[number];

const cellText = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** Significant digits for a table: 3, thousands grouped, no trailing zeros. */
export function num(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "-";
  const r = Number(v.toPrecision(digits));
  return Math.abs(r) >= 1000 ? Math.round(r).toLocaleString("en-US") : String(r);
}

export function claimsTable(results: ResultFile[]): string {
  const claims = results.filter((r) => r.claim);
  if (claims.length === 0) {
    return "No results yet: no file under results/ carries a claim. The reproductions write `results/<notebook>/<experiment>.json` (src/results/files.ts) and `npm run results` rebuilds this table from them.";
  }
  const lines = ["| notebook | claim | verdict | result here | seeds | file |", "| --- | --- | --- | --- | --- | --- |"];
  for (const r of claims) {
    const c = r.claim!;
    const verdict = c.verdict === "inconclusive" ? `inconclusive (${c.why})` : c.verdict;
    lines.push(`| ${r.notebook} | ${cellText(c.text)} | ${cellText(verdict)} | ${cellText(c.summary)} | ${r.seeds.length} | [${r.experiment}](results/${r.notebook}/${r.experiment}.json) |`);
  }
  return lines.join("\n");
}

interface BenchConfig {
  model?: string;
  shape?: number[];
  /** What was timed where it is not the fresh model, e.g. PGGAN's "final 32x32 level". */
  network?: string;
  batchSize?: number;
  threads?: number | null;
  peakGflopPerSec?: number;
  /** The machine's 1-minute load average before the model ran: other work lowers the figures. */
  loadAverage1mBefore?: number;
  /** The CPU the figures were measured on: rows may come from different machines. */
  cpuModel?: string;
  cpus?: number;
}

/** "wasm, 2 threads": the backend a benchmark ran on. */
function backendText(r: ResultFile, c: BenchConfig): string {
  return `${r.backend ?? "?"}${c.threads ? `, ${c.threads} thread${c.threads > 1 ? "s" : ""}` : ""}`;
}

/** "2026-12-02, kit 0.1.0, load 1.7, 2 x Intel(R) Xeon(R) Processor": when and where a benchmark ran. */
function measuredText(r: ResultFile, c: BenchConfig): string {
  const load = typeof c.loadAverage1mBefore === "number" ? `, load ${c.loadAverage1mBefore.toFixed(1)}` : "";
  return `${r.date.slice(0, 10)}, kit ${r.kit.version}${load}${c.cpuModel ? `, ${c.cpus ? `${c.cpus} x ` : ""}${cellText(c.cpuModel)}` : ""}`;
}

interface DemoConfig extends BenchConfig {
  data?: string;
  steps?: number;
  samples?: number;
  evaluator?: string;
  fdRatioBar?: number;
}

/** The demo's measured line (`npm run bench -- --demo`: results/bench/demo.json). */
export function demoLine(results: ResultFile[]): string {
  const r = results.find((f) => f.notebook === "bench" && f.experiment === "demo");
  if (!r) return "`npm run demo` has not been timed here yet: `npm run bench -- --demo` times it and scores its samples.";
  const c = (r.config ?? {}) as DemoConfig;
  const v = (k: string) => r.summary[k]?.mean;
  const minClass = v("minClass");
  return (
    `\`npm run demo\` at its defaults (${c.model ?? "?"}, ${c.steps ?? "?"} steps of ${c.batchSize ?? "?"} on ${c.data ?? "?"}) took ${num(v("seconds"))} s (training ${num(v("trainSeconds"))} s) on ` +
    `${backendText(r, c)} (${measuredText(r, c)}); ` +
    `its ${num(c.samples)} samples on the kit evaluator (${c.evaluator ?? "?"}): FD ${num(v("fdRatio"))}x the real-vs-real floor (the quality target's bar: ${num(c.fdRatioBar)}x), ` +
    `precision ${num(v("precision"))}, recall ${num(v("recall"))}${minClass === undefined ? "" : `, smallest class ${num(100 * minClass)}%`}: quality target ${v("met") === 1 ? "met" : "not met"} ` +
    `(\`npm run bench -- --demo\`, results/bench/demo.json).`
  );
}

export function benchTable(results: ResultFile[]): string {
  const bench = results.filter((r) => r.notebook === "bench" && r.experiment !== "demo");
  if (bench.length === 0) return `No benchmark results yet: \`npm run bench\` writes \`results/bench/<model>.json\` and \`npm run results\` rebuilds this table.\n\n${demoLine(results)}`;
  const lines = [
    "| model | image | batch | images/s | ms per step | GFLOP per step | GFLOP/s | share of peak (peak GFLOP/s) | backend | measured |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of bench) {
    const c = (r.config ?? {}) as BenchConfig;
    const v = (k: string) => r.summary[k]?.mean;
    const share = v("shareOfPeak");
    lines.push(
      `| ${c.model ?? r.experiment} | ${c.shape ? c.shape.join("x") : "-"}${c.network ? ` (${c.network})` : ""} | ${c.batchSize ?? "-"} | ${num(v("imagesPerSec"))} | ${num(v("msPerStep"))} | ${num(v("gflopPerStep"))} | ` +
        `${num(v("gflopPerSec"))} | ${share === undefined || !Number.isFinite(share) ? "-" : `${Math.round(100 * share)}%`} (${num(c.peakGflopPerSec)}) | ${backendText(r, c)} | ${measuredText(r, c)} |`,
    );
  }
  return `${lines.join("\n")}\n\n${demoLine(results)}`;
}

/** The reproductions' sweeps: runs finished of all, and what is still to train, by model. */
export function runsTable(sweeps: SweepStatus[]): string {
  if (sweeps.length === 0) return "No sweep in sweeps/ keeps its runs under results/.";
  const lines = ["| sweep | read by | runs | finished | still to train |", "| --- | --- | --- | --- | --- |"];
  for (const s of sweeps) {
    const toGo = [...s.toGo.map(([model, n]) => `${model} ${n}`), ...s.shared.map(([model, n, other]) => `${model} ${n} as ${other}'s runs (evaluated here)`)].join(", ") || "-";
    lines.push(`| [${s.file}](sweeps/${s.file}) | ${s.notebooks.join(", ") || "-"} | ${s.runs} | ${s.finished} | ${toGo} |`);
  }
  return lines.join("\n");
}

export function regionText(region: Region, results: ResultFile[], sweeps: SweepStatus[]): string {
  const body = region === "claims" ? claimsTable(results) : region === "bench" ? benchTable(results) : runsTable(sweeps);
  const from = region === "bench" ? "results/bench/" : region === "runs" ? "sweeps/ and their runs under results/runs/" : "results/";
  return `<!-- do not edit: rebuilt by \`npm run results\` from ${from} -->\n${body}`;
}

const open = (r: Region) => `<!-- results:${r} -->`;
const close = (r: Region) => `<!-- /results:${r} -->`;

/** README with every generated region rebuilt from `results`. */
export function renderReadme(readme: string, results: ResultFile[], sweeps: SweepStatus[]): string {
  let out = readme;
  for (const region of REGIONS) {
    const a = out.indexOf(open(region));
    const b = out.indexOf(close(region));
    if (a < 0 || b < a) throw new UserError(`README.md has no ${open(region)} ... ${close(region)} region`);
    if (out.indexOf(open(region), a + 1) >= 0) throw new UserError(`README.md has two ${open(region)} regions`);
    out = `${out.slice(0, a + open(region).length)}\n${regionText(region, results, sweeps)}\n${out.slice(b)}`;
  }
  return out;
}

/** The regions whose README text differs from what the results give. */
export function staleRegions(readme: string, results: ResultFile[], sweeps: SweepStatus[]): Region[] {
  const fresh = renderReadme(readme, results, sweeps);
  const part = (s: string, r: Region) => s.slice(s.indexOf(open(r)), s.indexOf(close(r)));
  return REGIONS.filter((r) => part(readme, r) !== part(fresh, r));
}
