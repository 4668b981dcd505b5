/**
 * Execute a Jupyter notebook (.ipynb, nbformat 4) headlessly on the tslab kernel and write the
 * outputs back into the file, like `jupyter nbconvert --execute --inplace` but without Python.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../errors";
import { onStopSignals, SIGNAL_EXIT_CODE, StopSignal } from "../train/signals";
import { KernelClient, MimeBundle, Output } from "./kernel-client";

export const TSLAB_KERNELSPEC = { name: "tslab", display_name: "TypeScript", language: "typescript" };

/** A notebook cell and a notebook as nbformat 4 stores them (what the runner and the grader read). */
export interface Cell {
  cell_type: string;
  source: string | string[];
  metadata?: Record<string, unknown>;
  outputs?: unknown[];
  execution_count?: number | null;
  [key: string]: unknown;
}
export interface Notebook {
  nbformat: number;
  nbformat_minor?: number;
  metadata?: Record<string, unknown>;
  cells: Cell[];
  [key: string]: unknown;
}

export interface RunNotebookOptions {
  /** Extra environment variables for the kernel (e.g. { GAN_QUICK: "1" }). */
  env?: Record<string, string>;
  /** Longest a cell may run (default DEFAULT_CELL_TIMEOUT_S). */
  timeoutPerCellMs?: number;
  /** Working directory of the kernel (default: the notebook's folder, as in Jupyter). */
  cwd?: string;
  /** Where progress lines go (default: stderr). */
  log?: (line: string) => void;
}

/**
 * Default longest run of one cell, in seconds: about twice the slowest full-run cell on the 2-core
 * development machine (DCGAN 1500 steps, 972 s; BEGAN three seeds, about 1200 s).
 */
export const DEFAULT_CELL_TIMEOUT_S = 2400;
/** The same with --quick (GAN_QUICK=1), whose cells take seconds: a hung cell fails in 3 minutes. */
export const DEFAULT_QUICK_CELL_TIMEOUT_S = 180;

/** Ctrl-C, SIGTERM or SIGHUP stopped the runner: the kernel is killed, the file keeps what ran. */
export class NotebookInterrupted extends UserError {
  constructor(readonly signal: StopSignal, file: string, where: string) {
    super(`${signal} while running ${where} of ${file}: stopped the kernel; the file keeps the outputs of the cells that finished`);
    this.name = "NotebookInterrupted";
  }
}

export interface RunNotebookResult {
  /** Code cells executed. */
  cells: number;
  /** Seconds from starting the kernel to the end of the last cell. */
  seconds: number;
  /** Seconds the kernel took to start and answer. */
  startSeconds: number;
}

/** Read and check a notebook file. */
export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new UserError(code === "ENOENT" ? `notebook not found: ${file}` : `cannot read notebook ${file}: ${(err as Error).message}`);
  }
  let nb: Notebook;
  try {
    nb = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file} is not a notebook: invalid JSON (${(err as Error).message})`);
  }
  if (typeof nb !== "object" || nb === null || !Array.isArray(nb.cells)) throw new UserError(`${file} is not a notebook: no "cells" list`);
  if (nb.nbformat !== 4) throw new UserError(`${file}: nbformat ${nb.nbformat} is not supported (nbformat 4 only)`);
  return nb;
}

/** Text as Jupyter stores it: a list of lines, each but the last ending with "\n". */
function toLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function storeBundle(data: MimeBundle): MimeBundle {
  const out: MimeBundle = {};
  for (const [mime, value] of Object.entries(data)) {
    const textual = mime.startsWith("text/") || mime === "image/svg+xml";
    out[mime] = textual && typeof value === "string" ? toLines(value) : value;
  }
  return out;
}

/** An output as it is written to the .ipynb file. */
function storeOutput(o: Output): Record<string, unknown> {
  switch (o.output_type) {
    case "stream":
      return { output_type: "stream", name: o.name, text: toLines(o.text) };
    case "display_data":
      return { output_type: "display_data", data: storeBundle(o.data), metadata: o.metadata };
    case "execute_result":
      return { output_type: "execute_result", execution_count: o.execution_count, data: storeBundle(o.data), metadata: o.metadata };
    case "error":
      return { output_type: "error", ename: o.ename, evalue: o.evalue, traceback: o.traceback };
  }
}

export function writeNotebook(file: string, nb: Notebook): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(nb, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, " ").trim();

/**
 * Run the code cells of `file` in order on a fresh tslab kernel, replacing each cell's outputs
 * and execution_count, and write the notebook back after every cell. A failing cell stops the run
 * with a UserError naming the notebook, the cell and the error (the outputs so far are written).
 */
export async function runNotebook(file: string, opts: RunNotebookOptions = {}): Promise<RunNotebookResult> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const timeoutMs = opts.timeoutPerCellMs ?? DEFAULT_CELL_TIMEOUT_S * 1000;
  const nb = readNotebook(file);
  nb.metadata ??= {};
  if (!nb.metadata.kernelspec) nb.metadata.kernelspec = { ...TSLAB_KERNELSPEC };
  const code = nb.cells.map((c, i) => ({ cell: c, index: i })).filter(({ cell }) => cell.cell_type === "code");
  // Each cell's outputs are replaced when it runs; when a cell fails (or the run is stopped), the
  // cells after it keep the outputs they had, rather than being wiped by a run that never got there.
  const name = path.basename(file);
  const t0 = Date.now();
  const kernel = await KernelClient.start({ cwd: opts.cwd ?? path.dirname(path.resolve(file)), env: opts.env });
  const startSeconds = (Date.now() - t0) / 1000;
  log(`[nb] ${name}: kernel started in ${startSeconds.toFixed(1)} s`);
  let busy = false;
  let stopped: StopSignal | null = null;
  const ran: { cell: Cell; outputs: Output[] }[] = [];
  const stopListening = onStopSignals((signal) => {
    if (stopped) return;
    stopped = signal;
    log(`[nb] ${name}: ${signal}: stopping the kernel`);
    void kernel.shutdown({ graceMs: 0 });
  });
  try {
    for (let n = 0; n < code.length; n++) {
      const { cell, index } = code[n];
      const where = `code cell ${n + 1}/${code.length}${index !== n ? ` (cell ${index + 1} of the notebook)` : ""}`;
      const src = Array.isArray(cell.source) ? cell.source.join("") : String(cell.source ?? "");
      if (src.trim() === "") {
        cell.outputs = [];
        cell.execution_count = null;
        continue;
      }
      const r = await kernel.execute(src, { timeoutMs });
      if (stopped) throw new NotebookInterrupted(stopped, file, where);
      if (r.status === "timeout") {
        busy = true;
        r.outputs.push({ output_type: "error", ename: "Timeout", evalue: `the cell did not finish within ${timeoutMs / 1000} s`, traceback: [] });
      }
      ran.push({ cell, outputs: r.outputs });
      // Every cell run so far, stored again: a cell may update a display an earlier cell showed
      // (update_display_data), which changes that cell's output objects in place.
      for (const e of ran) e.cell.outputs = e.outputs.map(storeOutput);
      cell.execution_count = r.executionCount;
      writeNotebook(file, nb);
      const seconds = (r.ms / 1000).toFixed(1);
      log(`[nb] ${name}: cell ${n + 1}/${code.length} ${r.status === "ok" ? "ok" : r.status} (${seconds} s)`);
      if (r.status === "timeout") {
        throw new UserError(`${file}: ${where} timed out after ${timeoutMs / 1000} s (see --timeout)`);
      }
      if (r.status === "abort") throw new UserError(`${file}: ${where} was aborted by the kernel`);
      if (r.status === "error") {
        const e = r.error!;
        throw new UserError(`${file}: ${where} failed: ${oneLine(`${e.ename}: ${e.evalue}`)}`);
      }
    }
    writeNotebook(file, nb);
  } finally {
    stopListening();
    // A kernel still busy with a timed-out cell cannot answer a shutdown request: kill it.
    await kernel.shutdown({ graceMs: busy ? 0 : 3000 });
  }
  return { cells: code.length, seconds: (Date.now() - t0) / 1000, startSeconds };
}

/**
 * What `npm run nb` and `npm run notebooks` share: run each notebook in turn (a failing one does
 * not stop the others), print a summary line per notebook, and end with a UserError if any failed.
 */
export async function runNotebookFiles(files: string[], { quick, timeoutSeconds, budget }: { quick: boolean; timeoutSeconds: number; budget?: "quick" | "lab" | "full" }): Promise<void> {
  const failures: { file: string; err: UserError }[] = [];
  for (const file of files) {
    const t0 = Date.now();
    try {
      const r = await runNotebook(file, { env: quick ? { GAN_QUICK: "1", GAN_BUDGET: "quick" } : budget ? { GAN_BUDGET: budget } : {}, timeoutPerCellMs: timeoutSeconds * 1000 });
      console.error(`[nb] ${file}: ${r.cells} code cells ok in ${r.seconds.toFixed(1)} s`);
    } catch (err) {
      if (err instanceof NotebookInterrupted) {
        console.error(`[nb] ${err.message}`);
        process.exitCode = SIGNAL_EXIT_CODE[err.signal];
        return;
      }
      if (!(err instanceof UserError)) throw err;
      if (files.length > 1) console.error(`[nb] ${file}: FAILED after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${err.message}`);
      failures.push({ file, err });
    }
  }
  if (failures.length === 1 && files.length === 1) throw failures[0].err;
  if (failures.length > 0) {
    throw new UserError(`${failures.length} of ${files.length} notebooks failed: ${failures.map((f) => f.file).join(", ")}`);
  }
}
