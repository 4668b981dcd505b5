/**
 * What a training run checks and claims before its first step, so nothing it could have known
 * fails after hours of training:
 * - the output folder: not a file, creatable, writable (tried by writing a file), with free space
 *   for two checkpoints (the previous one stays until the new one is whole);
 * - a lock file (`<out>/.lock`, the owner's PID and command): a second run on the same folder is
 *   refused while the first runs; a lock whose process is gone is stale and taken over;
 * - temporary checkpoint files left by a killed run are removed;
 * - on --resume, the checkpoint's dataset, example shape and batch size against this run's.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UserError } from "../errors";
import { settingsDifferences } from "../models/settings";
import { freeBytes, mb, processAlive, removeStaleTemps } from "./durable-write";

export const LOCK_NAME = ".lock";

interface LockInfo {
  pid: number;
  host: string;
  started: string;
  command: string;
}

/** `out` as a usable output folder: created if needed, refused (UserError) if it cannot be written. */
export function checkOutFolder(out: string): void {
  let st: fs.Stats | null = null;
  try {
    st = fs.statSync(out);
  } catch {
    // does not exist yet: create it below
  }
  if (st && !st.isDirectory()) throw new UserError(`--out ${out} is a file, not a folder: choose another --out`);
  // One level at a time: node 20's recursive mkdir spins forever under /proc (a parent that exists
  // but refuses a new entry with ENOENT).
  const missing: string[] = [];
  for (let p = path.resolve(out); !fs.existsSync(p); p = path.dirname(p)) missing.unshift(p);
  for (const dir of missing) {
    try {
      fs.mkdirSync(dir);
    } catch (err) {
      throw new UserError(`cannot create the output folder ${out}: ${(err as { code?: string }).code ?? (err as Error).message} (choose another --out)`);
    }
  }
  // access(W_OK) says yes to root on a read-only mount: writing a file is the real test.
  const probe = path.join(out, `.write-test-${process.pid}`);
  try {
    fs.writeFileSync(probe, "");
    fs.rmSync(probe);
  } catch (err) {
    throw new UserError(`cannot write in the output folder ${out}: ${(err as { code?: string }).code ?? (err as Error).message} (choose another --out)`);
  }
}

/** Refuse to start when `out` has less free space than two checkpoints of `checkpointBytes`. */
export function checkFreeSpace(out: string, checkpointBytes: number): void {
  const free = freeBytes(out);
  const need = 2 * checkpointBytes;
  if (free !== null && free < need) {
    throw new UserError(`not enough free space in ${out}: ${mb(free)} free, a run needs ${mb(need)} (two checkpoints of ${mb(checkpointBytes)}): free some space or choose another --out`);
  }
}

/**
 * Take `<out>/.lock` for this process (released when it exits). A live owner: UserError; a dead
 * one (or an unreadable lock): the lock is taken over, with a line on stderr.
 */
export function lockOutFolder(out: string, command = process.argv.slice(1).join(" ")): () => void {
  const file = path.join(out, LOCK_NAME);
  const mine: LockInfo = { pid: process.pid, host: os.hostname(), started: new Date().toISOString(), command };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${JSON.stringify(mine)}\n`, { flag: "wx" });
      const release = () => {
        try {
          const now = JSON.parse(fs.readFileSync(file, "utf8")) as LockInfo;
          if (now.pid === process.pid) fs.rmSync(file, { force: true });
        } catch {
          // gone or replaced: not ours to remove
        }
      };
      process.once("exit", release);
      return () => {
        process.off("exit", release);
        release();
      };
    } catch (err) {
      if ((err as { code?: string }).code !== "EEXIST") throw new UserError(`cannot create the lock ${file}: ${(err as Error).message}`);
    }
    let owner: LockInfo | null = null;
    try {
      owner = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
      owner = null;
    }
    if (owner && Number.isSafeInteger(owner.pid) && owner.host !== os.hostname()) {
      throw new UserError(`${out} is locked by a run on another machine (${owner.host}, PID ${owner.pid}, since ${owner.started}): choose another --out, or delete ${file} if that run is over`);
    }
    if (owner && Number.isSafeInteger(owner.pid) && processAlive(owner.pid)) {
      throw new UserError(`${out} is in use by another run (PID ${owner.pid}, since ${owner.started}: ${owner.command}): wait for it to end or choose another --out`);
    }
    console.error(`note: took over a stale lock in ${out} (${owner ? `PID ${owner.pid} is not running` : "unreadable lock file"})`);
    fs.rmSync(file, { force: true });
  }
  throw new UserError(`cannot lock ${out}: another run keeps taking ${file}`);
}

/** Remove temporary checkpoints killed runs left beside `ckpt`, saying so (call holding the lock). */
export function cleanStaleCheckpointTemps(ckpt: string): void {
  for (const f of removeStaleTemps(ckpt, true)) console.error(`note: removed ${f}, a partial checkpoint left by a run that was killed while saving`);
}

/** What a checkpoint records about the data it was trained on, to check a resume against. */
export interface RunIdentity {
  data: string;
  shape: number[];
  batchSize: number;
  /** The model asked for on this command line. */
  model?: string;
  /** The settings given on this command line (--config, --set); undefined when none were (the run keeps its recorded ones). */
  settings?: Record<string, unknown>;
}

/**
 * Compare a checkpoint's recorded run with this one: a different model, dataset, example shape,
 * batch size or model settings is refused (UserError), or with `force` only warned about.
 * Checkpoints that predate these fields are not checked on them.
 */
export function checkResume(file: string, info: Record<string, unknown>, now: RunIdentity, force: boolean): void {
  const diffs: string[] = [];
  if (now.model !== undefined && typeof info.model === "string" && info.model !== now.model) diffs.push(`model ${info.model}, not ${now.model}`);
  if (typeof info.dataName === "string" && info.dataName !== now.data) diffs.push(`dataset ${info.dataName}, not ${now.data}`);
  if (Array.isArray(info.shape) && info.shape.join("x") !== now.shape.join("x")) diffs.push(`examples of ${info.shape.join("x")}, not ${now.shape.join("x")}`);
  if (typeof info.batchSize === "number" && info.batchSize !== now.batchSize) diffs.push(`batch size ${info.batchSize}, not ${now.batchSize}`);
  const run = info.run as { settings?: Record<string, unknown> } | undefined;
  if (now.settings !== undefined && run?.settings && typeof run.settings === "object") {
    const changed = settingsDifferences(run.settings, now.settings);
    if (changed.length) diffs.push(`settings ${changed.join("; ")}`);
  }
  if (!diffs.length) return;
  const what = `${file} was trained with ${diffs.join(", ")}`;
  if (!force) throw new UserError(`${what}: refusing to resume (resume with the same settings, or add --force to continue anyway)`);
  console.error(`warning: ${what}; continuing because of --force (the run is no longer one reproducible run)`);
}

export interface PreflightOptions {
  /** The output folder and the checkpoint in it. */
  out: string;
  ckpt: string;
  /** Number of model parameters (each checkpoint holds them and two Adam moments per parameter). */
  params: number;
  /** Steps the checkpoint's log will hold at most. */
  steps: number;
  batchSize: number;
  /** Examples in the dataset, and its name. */
  examples: number;
  dataName: string;
}

/** Everything checkable before the first step (see the module comment); the folder stays locked. */
export function preflight(o: PreflightOptions): void {
  if (o.batchSize > o.examples) {
    throw new UserError(`--batch-size ${o.batchSize} is larger than the dataset (${o.examples} examples in ${o.dataName}): use at most ${o.examples}`);
  }
  checkOutFolder(o.out);
  lockOutFolder(o.out);
  cleanStaleCheckpointTemps(o.ckpt);
  // Values: the weights and Adam's two moments; the header: about 300 bytes of log per step.
  checkFreeSpace(o.out, 4 * 3 * o.params + 300 * o.steps + 65536);
}
