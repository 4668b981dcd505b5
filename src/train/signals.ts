/**
 * The signals that ask a run to stop: Ctrl-C (SIGINT, sent to the whole foreground process group),
 * SIGTERM (`kill`, `timeout`, npm relaying its own SIGTERM) and SIGHUP (the terminal closed). A
 * trainer that listens finishes its current step, saves, and the CLI exits with 128 + the signal
 * number, as a shell reports a process killed by it. (Node resets SIGHUP to its default at start,
 * even under nohup, so listening to it only replaces dying unsaved with saving and exiting.)
 *
 * One request to stop often arrives more than once: `timeout` signals its child and then the whole
 * process group, and npm relays each SIGTERM it gets to its script, so `timeout 600 npm run train`
 * delivers SIGTERM to the trainer two or three times, the relayed copies late. So after the first
 * stop signal the process ignores further ones until it exits: a late copy must not kill it while it
 * saves, nor turn its exit code into a death by signal after its listeners are gone.
 */
export type StopSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

export const SIGNAL_EXIT_CODE: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

const STOP_SIGNALS: StopSignal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

let stopping = false;
const ignore = () => {};

/** From the first stop signal on, this process is winding down: repeats are ignored until it exits. */
function windDown(): void {
  if (stopping) return;
  stopping = true;
  for (const s of STOP_SIGNALS) process.on(s, ignore);
}

/** Listen for the stop signals; returns the function that removes the listeners. */
export function onStopSignals(handler: (signal: StopSignal) => void): () => void {
  const listeners = STOP_SIGNALS.map(
    (s) =>
      [
        s,
        () => {
          windDown();
          handler(s);
        },
      ] as const,
  );
  for (const [s, l] of listeners) process.on(s, l);
  return () => {
    for (const [s, l] of listeners) process.off(s, l);
  };
}
