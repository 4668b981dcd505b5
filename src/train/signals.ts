/**
 * The signals that ask a run to stop: Ctrl-C (SIGINT, sent to the whole foreground process group),
 * SIGTERM (`kill`, `timeout`, npm relaying its own SIGTERM) and SIGHUP (the terminal closed). A
 * trainer that listens finishes its current step, saves, and the CLI exits with 128 + the signal
 * number, as a shell reports a process killed by it. (Node resets SIGHUP to its default at start,
 * even under nohup, so listening to it only replaces dying unsaved with saving and exiting.)
 */
export type StopSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

export const SIGNAL_EXIT_CODE: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Listen for the stop signals; returns the function that removes the listeners. */
export function onStopSignals(handler: (signal: StopSignal) => void): () => void {
  const listeners = (["SIGINT", "SIGTERM", "SIGHUP"] as StopSignal[]).map((s) => [s, () => handler(s)] as const);
  for (const [s, l] of listeners) process.on(s, l);
  return () => {
    for (const [s, l] of listeners) process.off(s, l);
  };
}
