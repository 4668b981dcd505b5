/**
 * Run a CLI the way users do, through `npm run`, in its own process group, so a test can send a
 * signal to the whole group as a terminal does on Ctrl-C (or to npm alone, as `kill` does).
 */
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";

export const root = path.resolve(__dirname, "..");

export interface NpmRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout+stderr match `pattern` (rejects after `timeoutMs` or when the run ends). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** The exit code (or 128 + n for a signal). */
  exit: Promise<number>;
  /** Send `signal` to the whole process group (npm, its shell if any, the CLI and its children). */
  signalGroup(signal: NodeJS.Signals): void;
}

/** Every group started, to kill what a failing test leaves running (see killAllRuns). */
const groups = new Set<number>();

/** Track a process group started otherwise (e.g. by `timeout`, which leads its own group). */
export function trackGroup(pgid: number): void {
  groups.add(pgid);
}

/** SIGKILL every process group npmRun started that may still run: call from an `after` hook. */
export function killAllRuns(): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  groups.clear();
}

export function npmRun(script: string, args: string[], env: Record<string, string> = {}): NpmRun {
  const child = spawn("npm", ["run", "--silent", script, "--", ...args], {
    cwd: root,
    detached: true,
    env: { ...process.env, CI: "true", ...env },
  });
  groups.add(child.pid!);
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  let ended = false;
  const exit = new Promise<number>((resolve) =>
    child.on("exit", (code, signal) => {
      ended = true;
      resolve(code ?? 128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : signal === "SIGKILL" ? 9 : 1));
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    signalGroup: (signal) => process.kill(-child.pid!, signal),
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const t0 = Date.now();
        const poll = setInterval(() => {
          const m = pattern.exec(out + err);
          if (m) {
            clearInterval(poll);
            resolve(m);
          } else if (ended || Date.now() - t0 > timeoutMs) {
            clearInterval(poll);
            reject(new Error(`no ${pattern} in the output of npm run ${script} (${ended ? "it ended" : "timed out"}):\n${out}\n${err}`));
          }
        }, 50);
      }),
  };
}

/** Whether a process exists (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(require("node:fs").readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** Wait until `pid` is gone; false after `timeoutMs`. */
export async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}
