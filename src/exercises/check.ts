/**
 * Self-check helpers for the exercise notebooks (exercises/*.ipynb), loaded there as `kit.checks`.
 *
 * A check cell wraps its cases in `task(name, body)`. A failed case throws a CheckFailed whose
 * message says in words what the student's code gave, what was expected and a likely cause; a
 * student function that still throws "not implemented" (the released stub) is reported as not done
 * yet; any other exception from the student's code is reported as such. A passing task prints one
 * line. The thrown error is what makes the cell fail, so the grader (and nbgrader) see the task as
 * failed.
 */
import { mulberry32 } from "../data/rng";
import * as tf from "@tensorflow/tfjs";

export class CheckFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckFailed";
  }
}

/** True when `err` is the stub the released notebooks put where a solution was. */
export function isNotImplemented(err: unknown): boolean {
  return err instanceof Error && /not implemented/i.test(err.message);
}

/**
 * Run the cases of one task. Resolves (printing "ok") when every case passes; otherwise throws a
 * CheckFailed naming the task and the first problem found.
 */
export async function task(name: string, body: () => void | Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (err instanceof CheckFailed) throw new CheckFailed(`${name}: ${err.message}`);
    if (isNotImplemented(err)) throw new CheckFailed(`${name}: not done yet (your code still throws "not implemented": replace the stub with your answer)`);
    const e = err as Error;
    throw new CheckFailed(`${name}: your code threw ${e?.name ?? "an error"}: ${e?.message ?? String(err)}`);
  }
  console.log(`ok: ${name}`);
}

/** Fail with `message` unless `cond`. */
export function expect(cond: boolean, message: string): void {
  if (!cond) throw new CheckFailed(message);
}

/** Within `tol`, relative to max(1, |expected|); NaN and infinities never pass. */
export function near(actual: number, expected: number, tol = 1e-4): boolean {
  return Number.isFinite(actual) && Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected));
}

/** Fail with `message` (which should say what was expected and why) unless actual is near expected. */
export function close(actual: number, expected: number, message: string, tol = 1e-4): void {
  if (!near(actual, expected, tol)) throw new CheckFailed(message);
}

/** The value of a scalar (or one-element) tensor; a student's non-scalar answer is an error in words. */
export function scalar(t: tf.Tensor | number, what: string): number {
  if (typeof t === "number") return t;
  if (!(t instanceof tf.Tensor)) throw new CheckFailed(`${what} should return a tf.Tensor (a scalar), got ${typeof t}`);
  if (t.size !== 1) throw new CheckFailed(`${what} should return a scalar (one number), got a tensor of shape [${t.shape.join(", ")}]: did you forget tf.mean?`);
  return t.dataSync()[0];
}

/** Fail unless `t` is a tensor of exactly `shape`. */
export function shape(t: unknown, expected: number[], what: string): void {
  if (!(t instanceof tf.Tensor)) throw new CheckFailed(`${what} should be a tf.Tensor, got ${t === null ? "null" : typeof t}`);
  const got: number[] = t.shape;
  const same = got.length === expected.length && got.every((d, i) => d === expected[i]);
  if (!same) throw new CheckFailed(`${what} has shape [${t.shape.join(", ")}]; expected [${expected.join(", ")}]`);
}

/** Largest |a - b| over two equally long lists (Infinity when lengths differ or a NaN occurs). */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** A number for messages: 4 significant digits. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : String(Number(x.toPrecision(4)));
}

/** A deterministic uniform generator in [0, 1) for hidden cases (the kit's mulberry32). */
export const rng: (seed: number) => () => number = mulberry32;
