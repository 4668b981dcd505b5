/**
 * Measured wall time of a notebook's run at each budget (quick, lab, full: src/notebook/display.ts),
 * so the top of a notebook states each size's cost from a measurement, never from typing:
 * `results/<notebook>/budgets/<budget>.json` = { notebook, budget, plan, wallSeconds, backend,
 * threads, cpus, cpuModel, loadAverage1m, date }. The notebook's first cell shows the table
 * (showBudgetTable); its last cell records its own run with the table's `record`, which updates the
 * table in place, so a saved notebook's table shows the run whose outputs it holds. Quick (smoke) runs record under
 * out/results-quick/ (as their results do), so the test suite never rewrites results/; lab and
 * full runs record under results/.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KIT_ROOT, RESULTS_DIR } from "./files";
import { writeFileDurably } from "../train/durable-write";
import { showUpdatableTable, type Budget } from "../notebook/display";

export interface BudgetRun {
  notebook: string;
  budget: Budget;
  /**
   * What the budget runs (steps, seeds...), as the notebook defines it; with `description`, the
   * words its budget table shows for it, so the table can tell a record of another plan.
   */
  plan: unknown;
  wallSeconds: number;
  backend: string | null;
  threads: number | null;
  cpus: number;
  /** The CPU it ran on (budgets measured on different machines differ by the machine). */
  cpuModel?: string;
  loadAverage1m: number;
  date: string;
}

const BUDGET_ORDER: Budget[] = ["quick", "lab", "full"];

function root(budget: Budget, env: NodeJS.ProcessEnv): string {
  if (env.GAN_RESULTS_DIR) return path.resolve(env.GAN_RESULTS_DIR);
  return budget === "quick" ? path.join(KIT_ROOT, "out", "results-quick") : RESULTS_DIR;
}

export function budgetFile(notebook: string, budget: Budget, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(root(budget, env), notebook, "budgets", `${budget}.json`);
}

/** Record a finished run of a notebook at a budget; returns the file written. */
export function recordBudgetRun(notebook: string, budget: Budget, plan: unknown, wallSeconds: number, env: NodeJS.ProcessEnv = process.env): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { currentBackend } = require("../backend/select") as typeof import("../backend/select");
  const b = currentBackend();
  const run: BudgetRun = {
    notebook, budget, plan, wallSeconds: Math.round(wallSeconds), backend: b?.name ?? null, threads: b?.threads ?? null,
    cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model.trim(), loadAverage1m: Number(os.loadavg()[0].toFixed(2)), date: new Date().toISOString(),
  };
  const file = budgetFile(notebook, budget, env);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileDurably(file, [Buffer.from(JSON.stringify(run, null, 2) + "\n")], "budget record");
  return file;
}

/** The recorded runs of a notebook, by budget (quick from out/results-quick, lab and full from results/). */
export function budgetRuns(notebook: string, env: NodeJS.ProcessEnv = process.env): Partial<Record<Budget, BudgetRun>> {
  const out: Partial<Record<Budget, BudgetRun>> = {};
  for (const b of BUDGET_ORDER) {
    const f = budgetFile(notebook, b, env);
    if (fs.existsSync(f)) out[b] = JSON.parse(fs.readFileSync(f, "utf8")) as BudgetRun;
  }
  return out;
}

/**
 * A budget's wall time from scratch, from a run of its notebook: the notebook's own time, with the
 * part spent in its sweeps (`sweepSeconds`, short when runs finished earlier were skipped) replaced
 * by the training and evaluation time those runs logged (`loggedSeconds`), which a fresh clone
 * without their files spends. Never below the measured wall time.
 */
export function budgetFromScratch(wallSeconds: number, sweepSeconds: number, loggedSeconds: number): number {
  return Math.max(wallSeconds, wallSeconds - sweepSeconds + loggedSeconds);
}

/** A duration for a table or a log line: seconds under 90 s, minutes under 90 min, else hours. */
export function formatDuration(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** The measured column of budgetRows. */
export const BUDGET_COLUMN = "wall time (last recorded run)";

/**
 * Rows for a notebook's budget table: each budget's plan in words, and the wall time its last
 * recorded run measured (with the machine and the date) or "not measured yet". The table comes
 * first in a notebook and the notebook records its own run last: while it runs, the table shows the
 * run before it (the column says so), and the last cell shows the rows again once its own run is
 * recorded. A record whose plan has another description than `plans` gives (the plan changed
 * since) is shown as such, not as this plan's time.
 */
export function budgetRows(notebook: string, plans: Record<Budget, string>, env: NodeJS.ProcessEnv = process.env): Record<string, string>[] {
  const runs = budgetRuns(notebook, env);
  return BUDGET_ORDER.map((b) => {
    const r = runs[b];
    const measured = r ? `${formatDuration(r.wallSeconds)} (${r.backend ?? "?"}, ${r.threads ?? "?"} thread(s) on ${r.cpus} cores${r.cpuModel ? ` of ${r.cpuModel}` : ""}, load ${r.loadAverage1m}, ${r.date.slice(0, 16).replace("T", " ")} UTC)` : "";
    const was = (r?.plan as { description?: unknown } | null | undefined)?.description;
    return {
      budget: b,
      runs: plans[b],
      [BUDGET_COLUMN]: !r ? "not measured yet" : typeof was === "string" && was !== plans[b] ? `not measured for this plan (the last recorded run, of another plan: ${measured})` : measured,
    };
  });
}

/** A notebook's budget table, shown by showBudgetTable. */
export interface BudgetTable {
  /**
   * Record this run of the notebook (recordBudgetRun, with the table's words for `budget` as the
   * plan's description) and show the table again in place with its time; returns the file written.
   */
  record(budget: Budget, plan: Record<string, unknown>, wallSeconds: number): string;
}

/**
 * Show a notebook's budget table (budgetRows) where the call stands, the notebook's first cell; the
 * last cell's `record` fills in the run's own time there, so each notebook names itself and its
 * plans once.
 */
export function showBudgetTable(notebook: string, plans: Record<Budget, string>, env: NodeJS.ProcessEnv = process.env): BudgetTable {
  const shown = showUpdatableTable(budgetRows(notebook, plans, env));
  return {
    record(budget, plan, wallSeconds) {
      const file = recordBudgetRun(notebook, budget, { ...plan, description: plans[budget] }, wallSeconds, env);
      shown.update(budgetRows(notebook, plans, env));
      return file;
    },
  };
}
