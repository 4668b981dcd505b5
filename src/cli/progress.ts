/**
 * A progress bar for the slow parts of a command (sampling, features, the evaluator's training):
 * a bar on stderr in a terminal, nothing when stderr is not a terminal or under CI=true (the
 * command's own result lines say what happened).
 */
import * as cliProgress from "cli-progress";

export interface Task {
  update(done: number): void;
  done(): void;
}

export function progressTask(label: string, total: number): Task {
  if (process.env.CI || !process.stderr.isTTY) return { update: () => {}, done: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label.padEnd(22)} [{bar}] {value}/{total}  {eta_formatted} left`, barsize: 24, stream: process.stderr, hideCursor: false },
    cliProgress.Presets.legacy,
  );
  bar.start(total, 0);
  return {
    update: (done) => bar.update(Math.min(done, total)),
    done: () => bar.stop(),
  };
}
