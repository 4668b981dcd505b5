/**
 * A progress bar for the slow parts of a command (sampling, features, the evaluator's training):
 * a bar on stderr in a terminal, nothing when stderr is not a terminal or under CI=true (the
 * command's own result lines say what happened).
 */
import * as cliProgress from "cli-progress";

/**
 * A duration for a progress line: 75 -> "1m15s", 3700 -> "1h01m". The seconds are rounded before
 * they are split, so it never prints "13m60s" (cli-progress's own format rounds the seconds part
 * to a multiple of 5 after splitting: 839 s came out as "13m60s").
 */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** cli-progress's `formatTime` option for every bar of the kit: `clock`, or "?" while the time is unknown (cli-progress passes "NULL" or "INF"). */
export function barTime(t: number | string): string {
  return typeof t === "number" && Number.isFinite(t) ? clock(t) : "?";
}

/**
 * A progress bar of the kit on stderr: `format` (cli-progress placeholders), 24 characters wide,
 * times as `barTime` writes them; `options` adds to or overrides these (e.g. `noTTYOutput` for logs).
 */
export function stderrBar(format: string, options: cliProgress.Options = {}): cliProgress.SingleBar {
  return new cliProgress.SingleBar({ format, barsize: 24, stream: process.stderr, hideCursor: false, formatTime: barTime, ...options }, cliProgress.Presets.legacy);
}

export interface Task {
  update(done: number): void;
  done(): void;
}

export function progressTask(label: string, total: number): Task {
  if (process.env.CI || !process.stderr.isTTY) return { update: () => {}, done: () => {} };
  const bar = stderrBar(`${label.padEnd(22)} [{bar}] {value}/{total}  {eta_formatted} left`);
  bar.start(total, 0);
  return {
    update: (done) => bar.update(Math.min(done, total)),
    done: () => bar.stop(),
  };
}
