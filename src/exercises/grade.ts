/**
 * The autograder: runs a student's submission of an exercise notebook headlessly on the tslab
 * kernel and scores each task (a check cell with points: full points when it runs without error).
 *
 * As nbgrader's autograde does, the locked cells (set-up, checks) are restored from the exercise in
 * exercises/, so a student cannot edit a check; with `hidden`, the checks' hidden cases are put back.
 * Deleted cells are restored too (a deleted answer cell comes back as the stub, so its task fails
 * with "not done yet"), and each is named in the report. Every code cell runs even when an earlier
 * one failed. A cell that runs past its time limit, or kills the kernel, fails; the kernel is then
 * restarted and the cells before it run again (without the offending cell), so later tasks are still
 * graded, at most `maxRestarts` times and within the notebook's time limit; tasks that could not run
 * are marked "not run" with the reason.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../errors";
import { KernelClient, Output } from "../notebook/kernel-client";
import { readNotebook, TSLAB_KERNELSPEC } from "../notebook/run-notebook";
import { cellText, exerciseName, exerciseTasks, isGraded, isLocked, Nb, NbCell, nbgrader, stubbed, toLines, withHidden, withoutHidden } from "./notebook";

export interface GradeOptions {
  /** Folder of the exercise (source) notebooks; the kernel runs there. */
  exercisesDir: string;
  /** Grade with the hidden cases too (default: only the cases the students see). */
  hidden?: boolean;
  /** Longest a cell may run (default 180 s). */
  cellTimeoutMs?: number;
  /** Longest the whole notebook may run, restarts included (default 15 min). */
  notebookTimeoutMs?: number;
  /** Kernel restarts after a cell timed out or killed the kernel (default 2). */
  maxRestarts?: number;
  /** Extra environment variables for the kernel. */
  env?: Record<string, string>;
  /** Write the executed notebook (the student's feedback) here. */
  executedFile?: string;
  log?: (line: string) => void;
}

export type TaskStatus = "passed" | "failed" | "not run";

export interface TaskGrade {
  task: string;
  points: number;
  score: number;
  status: TaskStatus;
  /** Why it failed or did not run ("" when passed). */
  message: string;
}

export interface SubmissionGrade {
  submission: string;
  exercise: string;
  hidden: boolean;
  score: number;
  max: number;
  seconds: number;
  tasks: TaskGrade[];
  /** Deleted or restored cells, time-outs, kernel deaths: what a teacher should know. */
  notes: string[];
}

interface CellRun {
  status: "ok" | "error" | "timeout" | "died" | "not run";
  message: string;
  outputs: Output[];
  executionCount: number | null;
}

/**
 * The notebook to execute: the submission's cells in its order, locked cells replaced by the
 * exercise's, deleted exercise cells put back after their predecessor.
 */
export function assemble(source: Nb, sub: Nb, hidden: boolean, name: string): { cells: NbCell[]; notes: string[] } {
  const notes: string[] = [];
  const srcById = new Map<string, NbCell>();
  for (const c of source.cells) {
    const m = nbgrader(c);
    if (m && c.cell_type === "code") srcById.set(m.grade_id, c);
  }
  const official = (c: NbCell): NbCell => {
    const id = nbgrader(c)!.grade_id;
    let text = cellText(c);
    if (nbgrader(c)!.grade) text = hidden ? withHidden(text) : withoutHidden(text, `${name}: cell "${id}"`);
    return { ...c, source: toLines(text), outputs: [], execution_count: null };
  };
  const out: NbCell[] = [];
  const placed = new Map<string, number>();
  for (const c of sub.cells) {
    if (c.cell_type !== "code") {
      out.push(c);
      continue;
    }
    const id = nbgrader(c)?.grade_id;
    const src = id !== undefined ? srcById.get(id) : undefined;
    if (id === undefined || !src) {
      out.push({ ...c, outputs: [] });
      continue;
    }
    if (placed.has(id)) {
      notes.push(`cell "${id}" appears more than once: only the first copy was ${isLocked(src) ? "graded" : "kept"}`);
      if (isLocked(src)) continue;
    }
    placed.set(id, out.length);
    out.push(isLocked(src) ? official(src) : { ...c, outputs: [] });
  }
  // Put back what was deleted, in the exercise's order, after the cell that precedes it there.
  let prev: string | null = null;
  for (const [id, src] of srcById) {
    if (!placed.has(id)) {
      const at = prev === null ? 0 : placed.get(prev)! + 1;
      const cell = isLocked(src) ? official(src) : { ...src, source: toLines(stubbed(cellText(src), `${name}: cell "${id}"`)), outputs: [] };
      out.splice(at, 0, cell);
      for (const [k, v] of placed) if (v >= at) placed.set(k, v + 1);
      placed.set(id, at);
      notes.push(isLocked(src) ? `cell "${id}" was deleted from the submission: restored from the exercise` : `answer cell "${id}" was deleted from the submission: graded as unanswered`);
    }
    prev = id;
  }
  return { cells: out, notes };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const firstLines = (s: string, n = 6) => {
  const lines = s.trim().split("\n");
  return lines.slice(0, n).join("\n") + (lines.length > n ? "\n..." : "");
};

/** A failing cell's message in words, with a hint for errors that come from an earlier cell. */
function explain(o: Output | undefined): string {
  if (!o || o.output_type !== "error") return "the cell failed";
  let msg = o.ename === "CheckFailed" || o.ename === "TypeScriptError" ? o.evalue : `${o.ename}: ${o.evalue}`;
  const missing = /Cannot find name '([^']+)'/.exec(o.evalue);
  if (missing) msg += ` (\`${missing[1]}\` is not defined: its answer cell failed to compile or run; see that cell's error)`;
  return firstLines(msg);
}

async function runCells(cells: NbCell[], cwd: string, o: Required<Pick<GradeOptions, "cellTimeoutMs" | "notebookTimeoutMs" | "maxRestarts">> & GradeOptions, notes: string[]): Promise<CellRun[]> {
  const log = o.log ?? (() => {});
  const runs: CellRun[] = cells.map(() => ({ status: "not run", message: "", outputs: [], executionCount: null }));
  const skip = new Set<number>();
  const deadline = Date.now() + o.notebookTimeoutMs;
  for (let attempt = 0; ; attempt++) {
    let kernel: KernelClient | null = null;
    // A kernel that does not start is the machine's fault, not the student's: try twice, and give
    // a busy machine two minutes each time.
    let startError = "";
    for (let tries = 0; !kernel && tries < 2; tries++) {
      try {
        kernel = await KernelClient.start({ cwd, env: o.env, startTimeoutMs: 120_000 });
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        startError = err.message;
      }
    }
    if (!kernel) {
      notes.push(`the kernel did not start: ${startError}`);
      for (const r of runs) if (r.status === "not run") r.message = `not run: the kernel did not start (${startError})`;
      return runs;
    }
    let broke = -1;
    let busy = false;
    try {
      for (let i = 0; i < cells.length; i++) {
        if (cells[i].cell_type !== "code" || skip.has(i)) continue;
        const text = cellText(cells[i]);
        if (text.trim() === "") continue;
        const left = deadline - Date.now();
        if (left <= 0) {
          notes.push(`the notebook ran out of its ${o.notebookTimeoutMs / 1000} s before cell ${i + 1}`);
          for (let j = i; j < cells.length; j++) if (!skip.has(j)) runs[j] = { status: "not run", message: `not run: the notebook used up its ${o.notebookTimeoutMs / 1000} s`, outputs: [], executionCount: null };
          return runs;
        }
        const limit = Math.min(o.cellTimeoutMs, left);
        let r = await kernel.execute(text, { timeoutMs: limit });
        // After a failing cell tslab cancels ("aborts") whatever arrives in the next 200 ms: retry.
        for (let retry = 0; r.status === "abort" && retry < 3; retry++) {
          await sleep(300);
          r = await kernel.execute(text, { timeoutMs: Math.max(1000, deadline - Date.now()) });
        }
        const status = r.status === "ok" ? "ok" : r.status === "timeout" ? "timeout" : r.error?.ename === "KernelDied" ? "died" : "error";
        const message =
          status === "timeout"
            ? `the cell did not finish within ${Math.round(limit / 1000)} s (${limit < o.cellTimeoutMs ? "the notebook's time ran out" : "the per-cell limit"})`
            : status === "died"
              ? `the kernel crashed in this cell (${r.error!.evalue})`
              : status === "error"
                ? explain(r.error)
                : "";
        const outputs = status === "timeout" ? [...r.outputs, { output_type: "error" as const, ename: "Timeout", evalue: message, traceback: [] }] : r.outputs;
        runs[i] = { status, message, outputs, executionCount: r.executionCount };
        log(`[grade] cell ${i + 1}/${cells.length} ${status} (${(r.ms / 1000).toFixed(1)} s)`);
        if (status === "error") await sleep(300);
        if (status === "timeout" || status === "died") {
          busy = status === "timeout";
          broke = i;
          break;
        }
      }
    } finally {
      await kernel.shutdown({ graceMs: busy ? 0 : 3000 });
    }
    if (broke < 0) return runs;
    skip.add(broke);
    const what = runs[broke].status === "timeout" ? "timed out" : "crashed the kernel";
    if (attempt >= o.maxRestarts) {
      notes.push(`cell ${broke + 1} ${what}; no restarts left: the cells after it were not run`);
      for (let j = broke + 1; j < cells.length; j++) runs[j] = { status: "not run", message: `not run: cell ${broke + 1} ${what} and the grader's restarts were used up`, outputs: [], executionCount: null };
      return runs;
    }
    notes.push(`cell ${broke + 1} ${what}: restarted the kernel and ran the notebook again without it`);
  }
}

/** Grade one submission against its exercise in `exercisesDir`. */
export async function gradeSubmission(file: string, opts: GradeOptions): Promise<SubmissionGrade> {
  const t0 = Date.now();
  const o = { cellTimeoutMs: 180_000, notebookTimeoutMs: 900_000, maxRestarts: 2, ...opts };
  const hidden = o.hidden ?? false;
  let sub: Nb | null = null;
  let unreadable = "";
  try {
    sub = readNotebook(file) as Nb;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    unreadable = err.message;
  }
  const name = sub ? exerciseName(sub, file) : exerciseName({ nbformat: 4, cells: [] }, file);
  const sourceFile = path.join(o.exercisesDir, `${name}.ipynb`);
  if (!fs.existsSync(sourceFile)) {
    const known = fs.readdirSync(o.exercisesDir).filter((f) => f.endsWith(".ipynb")).map((f) => f.replace(/\.ipynb$/, ""));
    throw new UserError(`${file}: no exercise "${name}" in ${o.exercisesDir} (known: ${known.join(", ")}); name the file after its exercise, e.g. gan.ipynb`);
  }
  const source = readNotebook(sourceFile) as Nb;
  const tasks = exerciseTasks(source, sourceFile);
  if (!sub) {
    const message = `not run: the submission is not a readable notebook (${unreadable})`;
    const grades = tasks.map(({ id, points }): TaskGrade => ({ task: id, points, score: 0, status: "not run", message }));
    return { submission: file, exercise: name, hidden, score: 0, max: grades.reduce((a, g) => a + g.points, 0), seconds: (Date.now() - t0) / 1000, tasks: grades, notes: [unreadable] };
  }
  const { cells, notes } = assemble(source, sub, hidden, name);
  const runs = await runCells(cells, o.exercisesDir, o, notes);
  const grades: TaskGrade[] = tasks.map(({ id, points }) => {
    const i = cells.findIndex((c) => isGraded(c) && nbgrader(c)!.grade_id === id);
    const r = runs[i];
    if (r.status === "ok") return { task: id, points, score: points, status: "passed", message: "" };
    if (r.status === "not run") return { task: id, points, score: 0, status: "not run", message: r.message || "not run" };
    return { task: id, points, score: 0, status: "failed", message: r.message };
  });
  if (o.executedFile) {
    const executed: Nb = {
      ...sub,
      metadata: { ...sub.metadata, kernelspec: (sub.metadata?.kernelspec as object) ?? { ...TSLAB_KERNELSPEC } },
      cells: cells.map((c, i) => (c.cell_type === "code" ? { ...c, outputs: runs[i].outputs.map(storeOutput), execution_count: runs[i].executionCount } : c)),
    };
    fs.mkdirSync(path.dirname(o.executedFile), { recursive: true });
    fs.writeFileSync(o.executedFile, `${JSON.stringify(executed, null, 1)}\n`);
  }
  return {
    submission: file,
    exercise: name,
    hidden,
    score: grades.reduce((s, g) => s + g.score, 0),
    max: grades.reduce((s, g) => s + g.points, 0),
    seconds: (Date.now() - t0) / 1000,
    tasks: grades,
    notes,
  };
}

function storeOutput(o: Output): Record<string, unknown> {
  switch (o.output_type) {
    case "stream":
      return { output_type: "stream", name: o.name, text: toLines(o.text) };
    case "error":
      return { output_type: "error", ename: o.ename, evalue: o.evalue, traceback: o.traceback };
    default:
      return { ...o };
  }
}

// ---- reports ------------------------------------------------------------------------------

const mdCell = (s: string) => s.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, "<br>");

export function reportMarkdown(results: SubmissionGrade[]): string {
  const out: string[] = ["# Grades", "", "| submission | exercise | score | max | hidden cases | seconds |", "| --- | --- | --- | --- | --- | --- |"];
  for (const r of results) out.push(`| ${mdCell(r.submission)} | ${r.exercise} | ${r.score} | ${r.max} | ${r.hidden ? "yes" : "no"} | ${r.seconds.toFixed(1)} |`);
  for (const r of results) {
    out.push("", `## ${mdCell(r.submission)} (${r.exercise}): ${r.score} / ${r.max}`, "", "| task | points | score | status | message |", "| --- | --- | --- | --- | --- |");
    for (const t of r.tasks) out.push(`| ${t.task} | ${t.points} | ${t.score} | ${t.status} | ${mdCell(t.message)} |`);
    if (r.notes.length) out.push("", ...r.notes.map((n) => `- ${n}`));
  }
  return `${out.join("\n")}\n`;
}

const csvField = (v: string | number) => {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function reportCsv(results: SubmissionGrade[]): string {
  const rows = [["submission", "exercise", "task", "points", "score", "status", "message"]];
  for (const r of results) for (const t of r.tasks) rows.push([r.submission, r.exercise, t.task, String(t.points), String(t.score), t.status, t.message]);
  return `${rows.map((row) => row.map(csvField).join(",")).join("\n")}\n`;
}

export function reportJson(results: SubmissionGrade[]): string {
  return `${JSON.stringify(results, null, 2)}\n`;
}
