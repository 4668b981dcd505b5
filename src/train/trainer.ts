/**
 * The one training loop shared by every model. Models supply players (a loss and the variables
 * each optimizer owns); the loop owns batching, optimizers, logging, callbacks and progress.
 */
import * as tf from "@tensorflow/tfjs";
import * as cliProgress from "cli-progress";
import { clock, stderrBar } from "../cli/progress";
import { NotebookLine, notebookLine } from "../notebook/display";
import { DivergenceError, UserError } from "../errors";
import { subSeed } from "../nn/init";
import { Batch, GanModel, Player } from "./types";
import { CheckpointHeader, loadCheckpoint, modelVariables, saveCheckpoint } from "./checkpoint";
import { onStopSignals, StopSignal } from "./signals";

export interface BatchSource {
  /** The batch for a step; the trainer disposes it after the step. Deterministic in `step`. */
  batch(step: number, batchSize: number): Batch;
}

export interface StepRecord {
  step: number;
  /** Seconds since the run (or the resumed part of it) started. */
  time: number;
  imagesPerSec: number;
  /** `<player>_loss` for each player plus each model log. */
  values: Record<string, number>;
}

export interface TrainCallbacks {
  /** After every step (awaited). */
  onStep?(rec: StepRecord, trainer: Trainer): void | Promise<void>;
  /** At the end of the run (awaited). */
  onEnd?(history: StepRecord[], trainer: Trainer): void | Promise<void>;
}

export interface TrainOptions {
  steps: number;
  batchSize: number;
  seed?: number;
  /** Start counting at this step (resumed runs). */
  startStep?: number;
  callbacks?: TrainCallbacks[];
  /** Show progress (default: yes, except under CI=true): a bar on stderr, or in a notebook one output updated in place. */
  progress?: boolean;
  /**
   * On SIGINT/SIGTERM/SIGHUP finish the current step, run the end callbacks (e.g. a checkpoint)
   * and return with `trainer.interrupted` (and `trainer.stopSignal`) set, instead of dying mid-step.
   */
  stopOnSignals?: boolean;
  /** Stop after the step during which this moment (performance.now(), ms) passed: a wall-clock budget. */
  deadline?: number;
}

const DEFAULT_HINT = "Lower the learning rate (e.g. halve it), or check the data for NaN values.";

export class Trainer {
  readonly optimizers = new Map<string, tf.Optimizer>();
  readonly history: StepRecord[] = [];
  /** The last run stopped early on SIGINT/SIGTERM/SIGHUP. */
  interrupted = false;
  /** The signal that stopped the last run (its CLI exits with SIGNAL_EXIT_CODE of it). */
  stopSignal: StopSignal | null = null;
  /** The last run stopped at its deadline. */
  reachedDeadline = false;
  private stopRequested = false;

  constructor(readonly model: GanModel) {
    this.freshOptimizers();
  }

  private freshOptimizers(): void {
    for (const p of this.model.players) {
      this.optimizers.get(p.name)?.dispose();
      const o = p.optimizer;
      this.optimizers.set(p.name, tf.train.adam(o.lr, o.beta1, o.beta2, o.epsilon));
    }
  }

  /** One step: every player, in order or simultaneously. Returns the logged scalars. */
  step(batch: Batch, step: number, seed: number): Record<string, number> {
    if (this.model.optimizersStale?.()) {
      this.freshOptimizers();
      this.model.optimizersReset?.();
    }
    const values: Record<string, number> = {};
    const simultaneous = this.model.updates === "simultaneous";
    // Simultaneous updates hold every player's gradients until all are computed; if a later
    // player's loss throws, the ones held so far are freed before the error goes on.
    const pending: { player: Player; grads: tf.NamedTensorMap }[] = [];
    const apply = ({ player, grads }: { player: Player; grads: tf.NamedTensorMap }) => {
      try {
        this.optimizers.get(player.name)!.applyGradients(grads);
      } finally {
        tf.dispose(Object.values(grads));
      }
    };
    try {
      for (const player of this.model.players) {
        const { grads, logs } = this.gradients(player, batch, step, seed);
        Object.assign(values, logs);
        pending.push({ player, grads });
        if (!simultaneous) apply(pending.pop()!);
      }
      while (pending.length) apply(pending.shift()!);
    } finally {
      for (const { grads } of pending.splice(0)) tf.dispose(Object.values(grads));
    }
    Object.assign(values, this.model.afterStep?.(values) ?? {});
    return values;
  }

  /** A player's gradients at the current weights, and its logged values. */
  private gradients(player: Player, batch: Batch, step: number, seed: number) {
    const kept: Record<string, tf.Scalar> = {};
    const vars = player.variables();
    const { value, grads } = tf.variableGrads(() => {
      const out = player.loss(batch, { step, seed: subSeed(seed, `${player.name}:${step}`) });
      for (const [k, v] of Object.entries(out.logs ?? {})) kept[k] = tf.keep(v);
      return out.loss;
    }, vars);
    const norm = tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))));
    const logs: Record<string, number> = { [`${player.name}_loss`]: value.dataSync()[0], [`${player.name}_grad_norm`]: norm.dataSync()[0] };
    norm.dispose();
    for (const [k, v] of Object.entries(kept)) logs[k] = v.dataSync()[0];
    tf.dispose([value, ...Object.values(kept)]);
    return { grads, logs };
  }

  /** Train; yields to the event loop between steps so timers, signals and progress output run. */
  async run(data: BatchSource, opts: TrainOptions): Promise<StepRecord[]> {
    validateTrainOptions(opts);
    const start = opts.startStep ?? 0;
    const showProgress = opts.progress ?? !process.env.CI;
    const progress = showProgress ? new Progress(opts.steps, start, opts.batchSize) : null;
    this.interrupted = false;
    this.reachedDeadline = false;
    this.stopRequested = false;
    this.stopSignal = null;
    // Listening until the end callbacks (the final checkpoint) are done: a second Ctrl-C while
    // saving does not cut the write short.
    const stopListening = opts.stopOnSignals
      ? onStopSignals((signal) => {
          this.stopRequested = true;
          this.stopSignal ??= signal;
        })
      : () => {};
    try {
      await this.loop(data, opts, progress);
      for (const cb of opts.callbacks ?? []) await cb.onEnd?.(this.history, this);
    } finally {
      progress?.done();
      stopListening();
    }
    return this.history;
  }

  private async loop(data: BatchSource, opts: TrainOptions, progress: Progress | null): Promise<void> {
    const seed = opts.seed ?? 0;
    const start = opts.startStep ?? 0;
    const t0 = performance.now();
    let lastT = t0;
    const explosion = new ExplosionCheck(this.history);
    for (let step = start; step < start + opts.steps; step++) {
      const batch = data.batch(step, opts.batchSize);
      let values: Record<string, number>;
      try {
        values = this.step(batch, step, seed);
      } finally {
        tf.dispose([batch.x, batch.labels ?? []]);
      }
      const bad = Object.entries(values).find(([, v]) => !Number.isFinite(v));
      if (bad) throw new DivergenceError(step, bad[0], bad[1], this.model.divergenceHint ?? DEFAULT_HINT);
      const blown = explosion.check(values);
      if (blown) throw new DivergenceError(step, blown.key, blown.value, this.model.divergenceHint ?? DEFAULT_HINT, blown.why);
      const now = performance.now();
      const rec: StepRecord = {
        step,
        time: (now - t0) / 1000,
        imagesPerSec: (opts.batchSize * 1000) / (now - lastT),
        values,
      };
      lastT = now;
      this.history.push(rec);
      for (const cb of opts.callbacks ?? []) await cb.onStep?.(rec, this);
      progress?.update(rec);
      await new Promise((resolve) => setImmediate(resolve));
      if (this.stopRequested) {
        this.interrupted = true;
        break;
      }
      if (opts.deadline !== undefined && performance.now() >= opts.deadline) {
        this.reachedDeadline = true;
        break;
      }
    }
  }

  /** Throw a DivergenceError if any model variable holds a NaN or an infinity. */
  checkWeights(step: number): void {
    for (const [name, v] of modelVariables(this.model)) {
      const ok = tf.tidy(() => tf.all(tf.isFinite(v)).dataSync()[0]);
      if (!ok) throw new DivergenceError(step, `weight ${name}`, NaN, this.model.divergenceHint ?? DEFAULT_HINT);
    }
  }

  /** Save everything needed to continue after `step` completed steps. */
  async save(file: string, step: number, seed: number, info: Record<string, unknown> = {}): Promise<void> {
    this.checkWeights(step - 1); // never replace a good checkpoint with a diverged one
    await saveCheckpoint(file, this.model, { step, seed, history: this.history, optimizers: this.optimizers, info });
  }

  /** Restore a checkpoint into this (not yet stepped) trainer; returns the step to continue at. */
  async load(file: string): Promise<CheckpointHeader> {
    const header = await loadCheckpoint(file, this.model, this.optimizers);
    this.history.splice(0, this.history.length, ...header.history);
    return header;
  }

  dispose(): void {
    for (const o of this.optimizers.values()) o.dispose();
  }
}

export function validateTrainOptions(opts: TrainOptions): void {
  const problems: string[] = [];
  if (!Number.isInteger(opts.batchSize) || opts.batchSize <= 0) problems.push(`batch size must be a positive integer (got ${opts.batchSize})`);
  if (!Number.isInteger(opts.steps) || opts.steps < 0) problems.push(`steps must be a non-negative integer (got ${opts.steps})`);
  if (problems.length) throw new UserError(problems.join("; "));
}

/**
 * A loss or gradient norm that explodes but stays finite (1e16 with zero gradients, say) is as
 * dead as a NaN: stop when one exceeds EXPLOSION_FACTOR times the largest magnitude it had so far
 * in this run (at least 1), once the run has EXPLOSION_MIN_STEPS steps of history to judge by.
 */
export const EXPLOSION_FACTOR = 1e4;
export const EXPLOSION_MIN_STEPS = 10;

export class ExplosionCheck {
  private readonly largest = new Map<string, number>();
  private steps = 0;

  constructor(history: StepRecord[] = []) {
    for (const rec of history) this.record(rec.values);
  }

  private watched(key: string): boolean {
    return key.endsWith("_loss") || key.endsWith("_grad_norm");
  }

  private record(values: Record<string, number>): void {
    this.steps++;
    for (const [k, v] of Object.entries(values)) {
      if (this.watched(k) && Number.isFinite(v)) this.largest.set(k, Math.max(this.largest.get(k) ?? 0, Math.abs(v)));
    }
  }

  /** The first exploded value of this step (then nothing is recorded), or null (and the step is recorded). */
  check(values: Record<string, number>): { key: string; value: number; why: string } | null {
    if (this.steps >= EXPLOSION_MIN_STEPS) {
      for (const [k, v] of Object.entries(values)) {
        if (!this.watched(k) || !this.largest.has(k)) continue;
        const scale = Math.max(this.largest.get(k)!, 1);
        if (Math.abs(v) > EXPLOSION_FACTOR * scale) {
          return { key: k, value: v, why: `over ${EXPLOSION_FACTOR.toExponential(0)} times its largest magnitude in the ${this.steps} steps before, ${this.largest.get(k)!.toPrecision(3)}` };
        }
      }
    }
    this.record(values);
    return null;
  }
}

/**
 * Progress of a run. In a terminal or log: a bar on stderr (a line every 10 s when not a
 * terminal). In a notebook: one output updated in place at most once a second (Jupyter's
 * update_display_data), so the saved notebook holds the final state only, not hundreds of lines.
 */
class Progress {
  private readonly bar: cliProgress.SingleBar | null = null;
  private readonly line: NotebookLine | null;
  private readonly t0 = performance.now();
  private lastShown = 0;
  private last: StepRecord | null = null;
  private images = 0;
  constructor(private readonly total: number, private readonly start: number, private readonly batchSize: number) {
    this.line = notebookLine(this.text(start, "", "-", "starting"));
    if (this.line) return;
    this.bar = stderrBar("[{bar}] step {value}/{total}  {losses}  {ips} img/s  {eta_formatted} left", { noTTYOutput: true, notTTYSchedule: 10000, etaBuffer: 50 });
    this.bar.start(start + total, start, { losses: "", ips: "-" });
  }

  private text(step: number, losses: string, ips: string, tail: string): string {
    const end = this.start + this.total;
    const filled = end > 0 ? Math.round((24 * step) / end) : 24;
    return `[${"=".repeat(filled)}${"-".repeat(24 - filled)}] step ${step}/${end}  ${losses}${losses ? "  " : ""}${ips} img/s  ${tail}`;
  }

  private static losses(rec: StepRecord): string {
    return Object.entries(rec.values)
      .filter(([k]) => k.endsWith("_loss"))
      .map(([k, v]) => `${k.replace("_loss", "")} ${v.toFixed(3)}`)
      .join("  ");
  }

  update(rec: StepRecord): void {
    this.last = rec;
    this.images += this.batchSize;
    if (this.bar) {
      this.bar.update(rec.step + 1, { losses: Progress.losses(rec), ips: rec.imagesPerSec.toFixed(0) });
      return;
    }
    const now = performance.now();
    if (now - this.lastShown < 1000) return;
    this.lastShown = now;
    const done = rec.step + 1 - this.start;
    const left = done > 0 ? ((now - this.t0) / 1000 / done) * (this.start + this.total - rec.step - 1) : 0;
    this.line!.update(this.text(rec.step + 1, Progress.losses(rec), rec.imagesPerSec.toFixed(0), `${clock(left)} left`));
  }

  done(): void {
    if (this.bar) {
      this.bar.stop();
      return;
    }
    const seconds = (performance.now() - this.t0) / 1000;
    const rec = this.last;
    const avg = seconds > 0 ? (this.images / seconds).toFixed(0) : "-";
    this.line!.update(this.text(rec ? rec.step + 1 : this.start, rec ? Progress.losses(rec) : "", avg, `(average) in ${clock(seconds)}`));
  }
}

/**
 * Seconds a run trained in all, from its log: each step's `time` counts from the start of its own
 * part of the run, and a resume starts the clock again at 0, so the parts' last times add up.
 */
export function trainedSeconds(history: Pick<StepRecord, "time">[]): number {
  let total = 0;
  for (let i = 0; i < history.length; i++) {
    const endOfPart = i === history.length - 1 || history[i + 1].time < history[i].time;
    if (endOfPart) total += history[i].time;
  }
  return total;
}
