/**
 * Configuration checks shared by every model: unknown keys, wrong types and out-of-range values
 * are rejected before anything is built or trained, all problems listed at once.
 */
import { UserError } from "../errors";

export type Rule = (value: unknown) => string | null;

export const rules = {
  positiveInt: (v: unknown) => (Number.isInteger(v) && (v as number) > 0 ? null : "must be a positive integer"),
  nonNegativeInt: (v: unknown) => (Number.isInteger(v) && (v as number) >= 0 ? null : "must be a non-negative integer"),
  positive: (v: unknown) => (typeof v === "number" && v > 0 && Number.isFinite(v) ? null : "must be a positive number"),
  nonNegative: (v: unknown) => (typeof v === "number" && v >= 0 && Number.isFinite(v) ? null : "must be >= 0"),
  /** lo < v <= hi */
  inHalfOpen: (lo: number, hi: number) => (v: unknown) => (typeof v === "number" && v > lo && v <= hi ? null : `must be in (${lo}, ${hi}]`),
  /** lo <= v <= hi */
  inClosed: (lo: number, hi: number) => (v: unknown) => (typeof v === "number" && v >= lo && v <= hi ? null : `must be in [${lo}, ${hi}]`),
  oneOf: (...options: unknown[]) => (v: unknown) => (options.includes(v) ? null : `must be one of ${options.map((o) => JSON.stringify(o)).join(", ")}`),
  /** A moving-average decay (src/nn/weight-average.ts): 0 (off) or in (0, 1). */
  emaDecay: (v: unknown) => (v === 0 || (typeof v === "number" && v > 0 && v < 1) ? null : "must be 0 (off) or in (0, 1)"),
  powerOfTwo: (v: unknown) => (Number.isInteger(v) && (v as number) > 0 && ((v as number) & ((v as number) - 1)) === 0 ? null : "must be a power of two"),
};

function typeName(v: unknown): string {
  return Array.isArray(v) ? "array" : v === null ? "null" : typeof v;
}

/**
 * Merge `given` over `defaults` after checking it: every key must exist in `defaults` with a value
 * of the same type (objects are checked one level down); `checks` add range rules per key.
 */
export function checkConfig<T extends object>(what: string, defaults: T, given: Partial<T>, checks: Partial<Record<keyof T, Rule>> = {}): T {
  const problems: string[] = [];
  const known = Object.keys(defaults);
  for (const [key, value] of Object.entries(given ?? {})) {
    if (value === undefined) continue;
    if (!known.includes(key)) {
      problems.push(`unknown key "${key}" (known: ${known.join(", ")})`);
      continue;
    }
    const def = (defaults as Record<string, unknown>)[key];
    if (typeName(def) !== typeName(value)) {
      problems.push(`"${key}" must be a ${typeName(def)}, got ${typeName(value)} ${JSON.stringify(value)}`);
      continue;
    }
    if (typeName(def) === "object") {
      const inner = def as Record<string, unknown>;
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (!(k in inner)) problems.push(`unknown key "${key}.${k}" (known: ${Object.keys(inner).join(", ")})`);
        else if (typeName(inner[k]) !== typeName(v)) problems.push(`"${key}.${k}" must be a ${typeName(inner[k])}, got ${typeName(v)} ${JSON.stringify(v)}`);
      }
    }
  }
  // Objects (e.g. optimizer) merge one level down, so {optimizer: {lr: 1e-4}} keeps the default betas.
  const merged = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(given ?? {})) {
    if (value === undefined) continue;
    const def = merged[key];
    merged[key] = typeName(def) === "object" && typeName(value) === "object" ? { ...(def as object), ...(value as object) } : value;
  }
  if (!problems.length) {
    for (const [key, rule] of Object.entries(checks) as [string, Rule][]) {
      const msg = rule((merged as Record<string, unknown>)[key]);
      if (msg) problems.push(`"${key}" ${msg}, got ${JSON.stringify((merged as Record<string, unknown>)[key])}`);
    }
  }
  if (problems.length) throw new UserError(`bad ${what} configuration: ${problems.join("; ")}`);
  return merged as T;
}

/** Adam settings: positive learning rate, betas in [0, 1), positive epsilon. */
export const adamRule: Rule = (v) => {
  const o = v as { lr: number; beta1: number; beta2: number; epsilon: number };
  const bad: string[] = [];
  if (!(o.lr > 0)) bad.push("lr > 0");
  if (!(o.beta1 >= 0 && o.beta1 < 1)) bad.push("0 <= beta1 < 1");
  if (!(o.beta2 >= 0 && o.beta2 < 1)) bad.push("0 <= beta2 < 1");
  if (!(o.epsilon > 0)) bad.push("epsilon > 0");
  return bad.length ? `needs ${bad.join(", ")}` : null;
};
