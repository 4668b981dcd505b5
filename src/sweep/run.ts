/**
 * Running a sweep's runs, each as child processes: `train` (output in DIR/train.log), then `eval`
 * (DIR/eval.log) writing DIR/eval.json. A run whose eval.json exists is skipped; one with a
 * checkpoint short of its steps resumes (`--resume`); one whose checkpoint is complete goes
 * straight to eval. A failing run leaves DIR/failed.json (phase, exit code, last lines of its log)
 * and the sweep goes on; the next sweep retries it. A run that a live process on this machine is
 * still working on (DIR/running.json) is left alone. SIGINT/SIGTERM/SIGHUP are passed to the running child
 * (train saves a checkpoint and stops) and the sweep stops after it, starting nothing new. A run whose
 * training is another sweep's run ("shareTrainingWith", src/sweep/share.ts) trains in that run's
 * folder and is evaluated from a copy of its checkpoint.
 */
import { processAlive } from "../train/durable-write";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn } from "child_process";
import { evalArgs, Run, SweepConfig, trainArgs } from "./config";
import { settingsDifferences } from "../models/settings";
import { copySharedTraining, runSettings, sharedName, sharedTraining, SharedTraining } from "./share";
import { evalsFile, readEvals } from "../eval/watch";
import { onStopSignals, StopSignal } from "../train/signals";

const ROOT = path.resolve(__dirname, "../..");

/** How to start the kit's CLIs: node with tsx, so signals reach the program itself. */
export function cliCommand(entry: string): string[] {
  return [process.execPath, "--import", "tsx", path.join(ROOT, "src/cli", `${entry}.ts`)];
}

export interface RunnerOptions {
  /** Program and leading arguments of train (default: the kit's train CLI). */
  train?: string[];
  /** Program and leading arguments of eval (default: the config's eval.command, else the kit's eval CLI). */
  eval?: string[];
  /** Where progress lines go (default console.log). */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface FailedRecord {
  run: string;
  phase: "train" | "eval";
  exitCode: number | null;
  signal: string | null;
  command: string[];
  /** The last lines of the phase's log. */
  lastLines: string[];
  date: string;
}

export type RunState =
  | { kind: "done" }
  | { kind: "failed"; failed: FailedRecord }
  /** `by`: trained in the folder of another sweep's run (the same training): copied here for the eval. */
  | { kind: "trained"; by?: SharedTraining }
  | { kind: "partial"; step: number; by?: SharedTraining }
  /** Trained with other settings than the sweep's: moved aside and trained again. */
  | { kind: "stale"; reasons: string[] }
  /** `scoredTo`: evals.jsonl (kept in git) reached the last step, but the checkpoint the eval step needs is not here. */
  | { kind: "new"; scoredTo?: number; by?: SharedTraining };

export const files = (r: Run) => ({
  ckpt: path.join(r.dir, "latest.ckpt"),
  eval: path.join(r.dir, "eval.json"),
  evalPartial: path.join(r.dir, "eval.partial.json"),
  failed: path.join(r.dir, "failed.json"),
  trainLog: path.join(r.dir, "train.log"),
  evalLog: path.join(r.dir, "eval.log"),
  runJson: path.join(r.dir, "run.json"),
  /** The child working on the run: { pid, host, phase }; removed when it ends. */
  running: path.join(r.dir, "running.json"),
});

/**
 * A process on this machine still working on the run (e.g. the train child of a sweep that was
 * killed alone: it runs on as an orphan). Another machine's record cannot be checked and counts
 * as stale: a lost node must not block its shard's restart.
 */
export function liveOwner(r: Run): { pid: number; phase: string } | null {
  try {
    const rec = JSON.parse(fs.readFileSync(files(r).running, "utf8"));
    if (rec.host !== os.hostname() || typeof rec.pid !== "number" || rec.pid === process.pid) return null;
    return processAlive(rec.pid) ? { pid: rec.pid, phase: String(rec.phase) } : null;
  } catch {
    return null;
  }
}

/**
 * The step a checkpoint reached, from its header alone ("GANCKPT1", a 4-byte length, JSON; see
 * src/train/checkpoint.ts), without loading tfjs or the weights. null: missing or unreadable.
 */
export function checkpointStep(file: string): number | null {
  const step = checkpointHeader(file)?.step;
  return typeof step === "number" ? step : null;
}

/** A checkpoint's JSON header (see checkpointStep), or null when missing or unreadable. */
export function checkpointHeader(file: string): Record<string, any> | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, "r");
    const head = Buffer.alloc(12);
    if (fs.readSync(fd, head, 0, 12, 0) < 12 || head.subarray(0, 8).toString() !== "GANCKPT1") return null;
    const len = head.readUInt32LE(8);
    const json = Buffer.alloc(len);
    if (fs.readSync(fd, json, 0, len, 12) < len) return null;
    const header = JSON.parse(json.toString());
    return typeof header === "object" && header !== null ? header : null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * A run without an eval step whose checkpoint is not here (checkpoints stay out of git) but whose
 * evals.jsonl (kept in git) scored its last step: its results are final, so it counts as done
 * rather than being trained again on another machine.
 */
function evalsReachedEnd(r: Run, steps: number): boolean {
  try {
    const lines = readEvals(evalsFile(r.dir));
    return lines.length > 0 && lines[lines.length - 1].step >= steps;
  } catch {
    return false; // a damaged file counts as no scores
  }
}

/**
 * How the training recorded in a run's folder differs from what the sweep asks of it: its
 * checkpoint's header (what a resume continues), else its run.json (a finished run whose
 * checkpoint stayed on another machine). Empty when they agree, or when nothing is recorded.
 */
export function staleReasons(c: SweepConfig, r: Run, header: Record<string, any> | null = checkpointHeader(files(r).ckpt)): string[] {
  const f = files(r);
  let rec: Record<string, any> | undefined = header?.info?.run;
  let trained: number | undefined = header ? header.step : undefined;
  if (!header) {
    try {
      rec = JSON.parse(fs.readFileSync(f.runJson, "utf8"));
      trained = typeof rec?.steps === "number" ? rec.steps : undefined;
    } catch {
      rec = undefined;
    }
  }
  if (!rec || typeof rec !== "object") return [];
  const reasons: string[] = [];
  if (rec.model !== undefined && rec.model !== r.model) reasons.push(`model ${rec.model}, not ${r.model}`);
  if (rec.data !== undefined && rec.data !== r.data) reasons.push(`data ${rec.data}, not ${r.data}`);
  if (typeof rec.batchSize === "number" && rec.batchSize !== c.batchSize) reasons.push(`batch size ${rec.batchSize}, not ${c.batchSize}`);
  if (Boolean(rec.holdOut) !== Boolean(c.holdOut)) reasons.push(c.holdOut ? "without --hold-out" : "with --hold-out");
  if (c.imageSize !== undefined && rec.fit?.to !== undefined && rec.fit.to !== c.imageSize) reasons.push(`image size ${rec.fit.to}, not ${c.imageSize}`);
  if (typeof trained === "number" && trained > c.steps) reasons.push(`${trained} steps, more than the sweep's ${c.steps}`);
  if (rec.settings && typeof rec.settings === "object") {
    // What train makes of the run's own arguments (its --config file, then its --set values).
    let want: Record<string, unknown>;
    try {
      want = runSettings(c, r);
    } catch {
      return reasons; // an unreadable --config fails in train itself, with its own message
    }
    reasons.push(...settingsDifferences(rec.settings, want));
  }
  return reasons;
}

/** Move a stale run's folder aside (DIR.stale-<UTC time>); returns where it went. */
export function moveAside(r: Run): string {
  const to = `${r.dir}.stale-${new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "")}`;
  fs.renameSync(r.dir, to);
  return to;
}

/** Where a run stands, from its folder. */
export function runState(c: SweepConfig, r: Run): RunState {
  const f = files(r);
  // One read of the checkpoint's header (it holds the run's log: megabytes on long runs).
  const header = checkpointHeader(f.ckpt);
  const reasons = staleReasons(c, r, header);
  if (reasons.length) return { kind: "stale", reasons };
  const step = typeof header?.step === "number" ? header.step : null;
  const trained = step !== null && step >= c.steps;
  if (c.eval ? fs.existsSync(f.eval) : trained || (step === null && evalsReachedEnd(r, c.steps))) return { kind: "done" };
  if (fs.existsSync(f.failed)) {
    try {
      return { kind: "failed", failed: JSON.parse(fs.readFileSync(f.failed, "utf8")) };
    } catch {
      /* a damaged record counts as no record */
    }
  }
  if (trained) return { kind: "trained" };
  if (step !== null) return { kind: "partial", step };
  const shared = sharedState(c, r);
  if (shared) return shared;
  if (c.eval && evalsReachedEnd(r, c.steps)) return { kind: "new", scoredTo: c.steps };
  return { kind: "new" };
}

/**
 * Where a run's training stands in the folder of another sweep's run that trains the same (null:
 * none, or that run cannot serve: it trained with other settings, or it finished but its
 * checkpoint is not on this machine, so the run trains in its own folder).
 */
function sharedState(c: SweepConfig, r: Run): RunState | null {
  const by = sharedTraining(c, r);
  if (!by) return null;
  const header = checkpointHeader(files(by.run).ckpt);
  if (header) {
    if (typeof header.step !== "number" || staleReasons(c, r, header).length) return null;
    return header.step >= c.steps ? { kind: "trained", by } : { kind: "partial", step: header.step, by };
  }
  const done = by.config.eval ? fs.existsSync(files(by.run).eval) : evalsReachedEnd(by.run, by.config.steps);
  return done ? null : { kind: "new", by };
}

/** The other sweep's run a run's training is (src/sweep/share.ts), if any. */
export function sharedOf(s: RunState): SharedTraining | undefined {
  return s.kind === "trained" || s.kind === "partial" || s.kind === "new" ? s.by : undefined;
}

export function describeState(s: RunState, steps: number): string {
  switch (s.kind) {
    case "done":
      return "done";
    case "failed":
      return `failed (${s.failed.phase}, ${s.failed.signal ? `signal ${s.failed.signal}` : `exit ${s.failed.exitCode}`}): will retry`;
    case "trained":
      return s.by ? `trained as ${sharedName(s.by)} (the same training): eval to do on a copy of its checkpoint` : "trained: eval to do";
    case "partial":
      return s.by ? `trains as ${sharedName(s.by)} (the same training), checkpoint at step ${s.step} of ${steps}: will resume` : `checkpoint at step ${s.step} of ${steps}: will resume`;
    case "stale":
      return `trained with other settings than the sweep's (${s.reasons.join("; ")}): will be moved aside and trained again`;
    case "new":
      if (s.by) return `to do: trains as ${sharedName(s.by)} (the same training), then evaluated here`;
      return s.scoredTo === undefined
        ? "to do"
        : `to do: trained to step ${s.scoredTo} elsewhere (evals.jsonl), but its checkpoint is not here and the eval step needs it: trains again`;
  }
}

export interface SweepOutcome {
  done: string[];
  skipped: string[];
  failed: string[];
  /** Left alone: another live process on this machine is working on them. */
  busy: string[];
  /** Stopped by SIGINT/SIGTERM/SIGHUP before all runs were done. */
  interrupted: boolean;
  /** The stop signal received, if any. */
  stoppedBy: StopSignal | null;
}

/** Run the given runs in order; returns what happened to each. */
export async function runSweep(c: SweepConfig, runs: Run[], o: RunnerOptions = {}): Promise<SweepOutcome> {
  const log = o.log ?? ((s: string) => console.log(s));
  const trainCmd = o.train ?? cliCommand("train");
  const evalCmd = o.eval ?? c.eval?.command ?? cliCommand("eval");
  const outcome: SweepOutcome = { done: [], skipped: [], failed: [], busy: [], interrupted: false, stoppedBy: null };
  let stopping: StopSignal | null = null;
  let child: ReturnType<typeof spawn> | null = null;
  const stopListening = onStopSignals((sig) => {
    if (!stopping) log(`${sig}: stopping after the current run saves its checkpoint`);
    stopping = sig;
    child?.kill(sig);
  });

  /** Run one command with its output appended to a log; resolves with its exit. */
  const exec = (r: Run, phase: string, cmd: string[], logFile: string) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      fs.appendFileSync(logFile, `$ ${cmd.map(quote).join(" ")}\n`);
      const fd = fs.openSync(logFile, "a");
      const p = spawn(cmd[0], cmd.slice(1), { cwd: ROOT, env: o.env ?? process.env, stdio: ["ignore", fd, fd] });
      child = p;
      if (p.pid) fs.writeFileSync(files(r).running, JSON.stringify({ pid: p.pid, host: os.hostname(), phase, since: new Date().toISOString() }) + "\n");
      let ended = false;
      const end = (code: number | null, signal: NodeJS.Signals | null) => {
        if (ended) return;
        ended = true;
        child = null;
        fs.closeSync(fd);
        fs.rmSync(files(r).running, { force: true });
        resolve({ code, signal });
      };
      p.on("error", (err) => {
        // the program could not start (e.g. not found): 'close' may never come
        fs.appendFileSync(logFile, `could not start ${cmd[0]}: ${err.message}\n`);
        end(127, null);
      });
      p.on("close", end);
    });

  const fail = (r: Run, phase: "train" | "eval", cmd: string[], code: number | null, signal: string | null, logFile: string, why?: string) => {
    const lines = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-20) : [];
    if (why) lines.push(why);
    const rec: FailedRecord = { run: r.name, phase, exitCode: code, signal, command: cmd, lastLines: lines, date: new Date().toISOString() };
    fs.writeFileSync(files(r).failed, JSON.stringify(rec, null, 2) + "\n");
    outcome.failed.push(r.name);
    const last = why ?? [...lines].reverse().find((l) => /^error:/.test(l)) ?? lines[lines.length - 1] ?? "";
    log(`  FAILED in ${phase} (${signal ? `signal ${signal}` : `exit ${code}`}): ${last} [${path.relative(process.cwd(), logFile)}]`);
  };

  try {
    for (const [k, r] of runs.entries()) {
      if (stopping) break;
      const f = files(r);
      const head = `[${k + 1}/${runs.length}] ${r.name}`;
      let state = runState(c, r);
      if (state.kind === "done") {
        outcome.skipped.push(r.name);
        log(`${head}: done already, skipped`);
        continue;
      }
      const sharedBy = sharedOf(state);
      const owner = liveOwner(r) ?? (sharedBy ? liveOwner(sharedBy.run) : null);
      if (owner) {
        outcome.busy.push(r.name);
        log(`${head}: skipped, process ${owner.pid} on this machine is still running its ${owner.phase} (left over from a killed sweep?)`);
        continue;
      }
      if (state.kind === "stale") {
        const to = moveAside(r);
        log(`${head}: trained with other settings than the sweep's (${state.reasons.join("; ")}): moved to ${path.relative(process.cwd(), to) || to}, training it again`);
        state = runState(c, r);
      }
      fs.mkdirSync(r.dir, { recursive: true });
      if (state.kind === "failed") {
        // retried from where its files stand: a failed eval does not retrain, a failed train resumes
        fs.rmSync(f.failed, { force: true });
        state = runState(c, r);
      }
      const t0 = performance.now();
      // A shared training (src/sweep/share.ts) trains in the other sweep's run folder, with its arguments.
      const by = sharedOf(state);
      const at = by ?? { config: c, run: r };
      const atFiles = files(at.run);
      if (state.kind !== "trained") {
        const resumeAt = state.kind === "partial" ? state.step : null;
        const resume = resumeAt !== null;
        log(`${head}: training${by ? ` as ${sharedName(by)}, in its folder (the same training)` : ""}${resume ? ` (resuming at step ${resumeAt} of ${c.steps})` : ""}`);
        fs.mkdirSync(at.run.dir, { recursive: true });
        const cmd = [...trainCmd, ...trainArgs(at.config, at.run, resume)];
        const { code, signal } = await exec(at.run, "train", cmd, atFiles.trainLog);
        if (stopping) {
          log(`  stopped${checkpointStep(atFiles.ckpt) !== null ? ` at step ${checkpointStep(atFiles.ckpt)}: the next sweep resumes it` : ""}`);
          break;
        }
        if (code !== 0) {
          fail(r, "train", cmd, code, signal, atFiles.trainLog);
          continue;
        }
        const step = checkpointStep(atFiles.ckpt);
        if (step === null || step < c.steps) {
          fail(r, "train", cmd, code, signal, atFiles.trainLog, `train exited 0 but ${atFiles.ckpt} is ${step === null ? "missing" : `at step ${step} of ${c.steps}`}`);
          continue;
        }
      }
      if (by) {
        copySharedTraining(by, r, c.steps);
        log(`${head}: trained as ${sharedName(by)}: its checkpoint copied here`);
      }
      if (c.eval) {
        log(`${head}: evaluating`);
        fs.rmSync(f.evalPartial, { force: true });
        const cmd = [...evalCmd, ...evalArgs(c, r).map((a) => (a === f.eval ? f.evalPartial : a))];
        const { code, signal } = await exec(r, "eval", cmd, f.evalLog);
        if (stopping) {
          log("  stopped during eval: the next sweep evaluates it");
          break;
        }
        if (code !== 0) {
          fail(r, "eval", cmd, code, signal, f.evalLog);
          continue;
        }
        let ok = false;
        try {
          ok = typeof JSON.parse(fs.readFileSync(f.evalPartial, "utf8")).metrics === "object";
        } catch {
          /* not written or not JSON */
        }
        if (!ok) {
          fail(r, "eval", cmd, code, signal, f.evalLog, `eval exited 0 but wrote no JSON with "metrics" to ${f.evalPartial}`);
          continue;
        }
        fs.renameSync(f.evalPartial, f.eval);
      }
      outcome.done.push(r.name);
      log(`  done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    stopListening();
  }
  outcome.stoppedBy = stopping;
  outcome.interrupted = stopping !== null && outcome.done.length + outcome.skipped.length + outcome.failed.length + outcome.busy.length < runs.length;
  return outcome;
}

function quote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}
