/**
 * Results as files: every number the README states comes from a file
 * `results/<notebook>/<experiment>.json` that the code producing it wrote (a notebook, a sweep's
 * --collect, `npm run bench`), never from typing. One format for all of them:
 *
 *   { notebook, experiment, config, seeds, values: { name: [one per seed] },
 *     summary: { name: { mean, std, n } }, kit: { version }, backend, wallSeconds, date,
 *     claim?: { text, verdict: "held" | "not held" | "inconclusive", why?, summary } }
 *
 * A file with a `claim` is a row of README's claims table; files under results/bench/ are rows of
 * its benchmark table (see tables.ts). Nothing here loads tfjs unless the backend must be looked up.
 *
 * Where: the kit's results/, or $GAN_RESULTS_DIR. In quick (smoke) mode, GAN_QUICK=1 as the tests
 * run the notebooks, the default is out/results-quick/ instead, so smoke runs never overwrite the
 * figures README is built from.
 */
import * as fs from "fs";
import * as path from "path";
import { UserError } from "../errors";
import { summarise, whyParts, type Verdict as ComputedVerdict, type VerdictWord } from "../experiments/verdict";
import { kitVersion } from "../version";

export const KIT_ROOT = path.resolve(__dirname, "../..");
export const RESULTS_DIR = path.join(KIT_ROOT, "results");

/**
 * Where writeResult writes by default: $GAN_RESULTS_DIR, else out/results-quick or out/results-lab
 * for the smaller budgets (GAN_QUICK=1 or GAN_BUDGET=quick|lab), else results/.
 */
export function resultsRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GAN_RESULTS_DIR) return path.resolve(env.GAN_RESULTS_DIR);
  const b = (env.GAN_BUDGET ?? "").trim().toLowerCase();
  if (b === "quick" || b === "lab") return path.join(KIT_ROOT, "out", `results-${b}`);
  if (!b && /^(1|true|yes|on)$/i.test((env.GAN_QUICK ?? "").trim())) return path.join(KIT_ROOT, "out", "results-quick");
  return RESULTS_DIR;
}

export const VERDICTS: readonly VerdictWord[] = ["held", "not held", "inconclusive"];

export interface Claim {
  /** The paper's claim, as the README states it. */
  text: string;
  /** Computed from the values by the code that wrote the file, never set by hand. */
  verdict: VerdictWord;
  /** Why, when the verdict is "inconclusive" (e.g. "3 seeds, the interval spans 0"). */
  why?: string;
  /** One line: the numbers behind the verdict. */
  summary: string;
}

export interface Summary {
  mean: number;
  std: number;
  n: number;
}

export interface ResultFile {
  notebook: string;
  experiment: string;
  config: unknown;
  seeds: number[];
  /** Per-seed values by name, aligned with `seeds` (null: that seed has no value). */
  values: Record<string, (number | null)[]>;
  summary: Record<string, Summary>;
  kit: { version: string };
  backend: string | null;
  wallSeconds: number | null;
  date: string;
  claim?: Claim;
}

export interface ResultInput {
  notebook: string;
  experiment: string;
  config: unknown;
  seeds: number[];
  values: Record<string, (number | null)[]>;
  /** Default: the backend the kit runs on in this process (null when none was started). */
  backend?: string | null;
  wallSeconds?: number | null;
  claim?: Claim;
  /** Default: now. */
  date?: Date;
}

/**
 * A claim from a computed verdict (src/experiments/verdict.ts): its numbers become the one-line
 * summary and, when inconclusive, its reason the why.
 */
export function claimFromVerdict(text: string, v: ComputedVerdict, summary?: string): Claim {
  const { numbers, reason } = whyParts(v);
  return { text, verdict: v.verdict, ...(v.verdict === "inconclusive" ? { why: reason } : {}), summary: summary ?? (v.verdict === "inconclusive" ? numbers : v.why) };
}

/**
 * Mean, sample standard deviation (n - 1; NaN, written as null, for one value, as
 * src/experiments/verdict.ts's summarise) and n of the finite values (nulls are missing seeds).
 */
export function meanStd(values: (number | null)[]): Summary {
  const v = values.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  return v.length ? summarise(v) : { mean: NaN, std: NaN, n: 0 };
}

export { kitVersion };

function currentBackendName(): string | null {
  // Loaded only here: reading and writing result files does not need tfjs.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { currentBackend } = require("../backend/select") as typeof import("../backend/select");
  return currentBackend()?.name ?? null;
}

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** Check a result before it is written or read; every problem in one UserError. */
export function checkResult(r: ResultFile, where: string): void {
  const problems: string[] = [];
  if (!SEGMENT.test(r.notebook ?? "")) problems.push(`notebook must be a file name, got ${JSON.stringify(r.notebook)}`);
  if (!SEGMENT.test(r.experiment ?? "")) problems.push(`experiment must be a file name, got ${JSON.stringify(r.experiment)}`);
  if (!Array.isArray(r.seeds)) problems.push("seeds must be a list");
  else {
    // A value list holds one entry per run, named by its seed: a repeated seed is two runs read as one (e.g. an eval's sample seed taken for the run's)
    const repeated = [...new Set(r.seeds.filter((s, i) => r.seeds.indexOf(s) !== i))];
    if (repeated.length) problems.push(`seeds repeat (${repeated.join(", ")} in [${r.seeds.join(", ")}]): each run needs its own seed`);
  }
  if (typeof r.values !== "object" || r.values === null) problems.push("values must be an object of per-seed lists");
  else
    for (const [k, v] of Object.entries(r.values)) {
      if (!Array.isArray(v) || v.some((x) => x !== null && typeof x !== "number")) problems.push(`values.${k} must be a list of numbers (null for a missing seed)`);
      else if (Array.isArray(r.seeds) && v.length !== r.seeds.length) problems.push(`values.${k} has ${v.length} values for ${r.seeds.length} seeds`);
    }
  if (r.claim !== undefined) {
    const c = r.claim;
    if (typeof c?.text !== "string" || c.text === "") problems.push("claim.text must be the claim");
    if (!VERDICTS.includes(c?.verdict)) problems.push(`claim.verdict must be one of ${VERDICTS.map((v) => `"${v}"`).join(", ")}, got ${JSON.stringify(c?.verdict)}`);
    if (c?.verdict === "inconclusive" && !c.why) problems.push("claim.why must say why the claim is inconclusive");
    if (typeof c?.summary !== "string" || c.summary === "" || c.summary.includes("\n")) problems.push("claim.summary must be one line");
  }
  if (problems.length) throw new UserError(`${where}: ${problems.join("; ")}`);
}

/**
 * Write <root>/<notebook>/<experiment>.json (default root: resultsRoot()); returns the path. A file
 * that already holds the same result but for its date is left as it is: re-running a notebook that
 * only reads committed runs does not re-date their results (the date is when the result changed).
 */
export function writeResult(input: ResultInput, root = resultsRoot()): string {
  const r: ResultFile = {
    notebook: input.notebook,
    experiment: input.experiment,
    config: input.config ?? null,
    seeds: input.seeds,
    values: input.values,
    summary: Object.fromEntries(Object.entries(input.values ?? {}).map(([k, v]) => [k, meanStd(v)])),
    kit: { version: kitVersion() },
    backend: input.backend === undefined ? currentBackendName() : input.backend,
    wallSeconds: input.wallSeconds ?? null,
    date: (input.date ?? new Date()).toISOString(),
    ...(input.claim ? { claim: input.claim } : {}),
  };
  checkResult(r, `result ${input.notebook}/${input.experiment}`);
  const file = path.join(root, r.notebook, `${r.experiment}.json`);
  if (input.date === undefined && sameButDate(file, r)) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, resultText(r));
  fs.renameSync(tmp, file);
  return file;
}

/** A result file's text (non-finite numbers as null). */
function resultText(r: ResultFile): string {
  return JSON.stringify(r, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2) + "\n";
}

/** Whether `file` holds `r` but for its date (false when it is missing or unreadable). */
function sameButDate(file: string, r: ResultFile): boolean {
  let old: ResultFile;
  try {
    old = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return false;
  }
  return typeof old?.date === "string" && resultText({ ...r, date: old.date }) === resultText(old);
}

/** Every result file under `root`, sorted by notebook then experiment. */
export function readResults(root = RESULTS_DIR): ResultFile[] {
  if (!fs.existsSync(root)) return [];
  const out: ResultFile[] = [];
  for (const nb of fs.readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    for (const f of fs.readdirSync(path.join(root, nb)).filter((f) => f.endsWith(".json")).sort()) {
      const file = path.join(root, nb, f);
      let r: ResultFile;
      try {
        r = JSON.parse(fs.readFileSync(file, "utf8"));
      } catch (err) {
        throw new UserError(`${path.relative(KIT_ROOT, file)} is not valid JSON: ${(err as Error).message.split("\n")[0]}`);
      }
      checkResult(r, path.relative(KIT_ROOT, file));
      if (r.notebook !== nb || `${r.experiment}.json` !== f) throw new UserError(`${path.relative(KIT_ROOT, file)} says it is ${r.notebook}/${r.experiment}: move it or fix its names`);
      out.push(r);
    }
  }
  return out;
}
