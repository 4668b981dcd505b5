/**
 * Computed verdicts for the papers' claims. Each claim is checked by a function whose criterion is
 * fixed before the run; notebooks print its result (`held`, `not held`, `inconclusive (why)`)
 * instead of restating numbers in prose, so a re-run on another machine rewrites the conclusion.
 *
 * The criterion for "A is lower (or higher) than B by `effect`": d = mean(A) - mean(B) over seeds,
 * its standard error se = sqrt(var(A)/nA + var(B)/nB) (sample variances), and the interval
 * d ± z se (z = 2 by default):
 *   - fewer than `minSeeds` values on a side: inconclusive;
 *   - the interval lies wholly on the claimed side of 0 and reaches the claimed effect: held;
 *   - the interval lies wholly on the claimed side of 0 but short of the claimed effect: not held
 *     (an effect in the claimed direction, smaller than claimed);
 *   - the interval excludes the claimed effect and reaches 0 or the other side: not held;
 *   - the interval holds both 0 and the claimed effect: inconclusive (too noisy for these seeds);
 *   - every seed of A and B the same value: not held (no difference, and no spread for more seeds
 *     to narrow), unless that value is the measure's best (`best`, e.g. all 8 of the ring's modes
 *     covered): then inconclusive, since a measure at its ceiling cannot show A above B.
 * With `effect` 0 the claim is only the direction: held when the interval excludes 0 on the claimed
 * side, not held when it excludes 0 on the other side, else inconclusive.
 */

export type VerdictWord = "held" | "not held" | "inconclusive";

export interface Verdict {
  verdict: VerdictWord;
  /** One sentence: the numbers and why this verdict. */
  why: string;
  /** Mean difference A - B, its standard error and the interval used. */
  difference: number;
  stderr: number;
  interval: [number, number];
}

export interface Summary {
  mean: number;
  std: number;
  n: number;
}

/** Mean, sample standard deviation (n - 1) and count; NaN values are an error, not skipped. */
export function summarise(values: number[]): Summary {
  if (values.some((v) => !Number.isFinite(v))) throw new Error(`summarise: non-finite value in [${values.join(", ")}]`);
  const n = values.length;
  const mean = n ? values.reduce((a, b) => a + b, 0) / n : NaN;
  const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : NaN;
  return { mean, std, n };
}

export interface DifferenceClaim {
  /** "lower": A below B (e.g. the improved model's M_global); "higher": A above B. */
  direction: "lower" | "higher";
  /** The claimed size of the difference (>= 0), e.g. 0.072; 0 for a direction-only claim. */
  effect?: number;
  /** Interval half-width in standard errors (default 2). */
  z?: number;
  /** Fewest values per side for any verdict but inconclusive (default 3). */
  minSeeds?: number;
  /** The measure's best attainable value in the claimed direction (e.g. the number of modes for "covers more modes"). */
  best?: number;
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3);
}

/** The verdict on "A is lower/higher than B (by `effect`)" from per-seed values of A and B. */
export function differenceVerdict(a: number[], b: number[], claim: DifferenceClaim): Verdict {
  const z = claim.z ?? 2;
  const minSeeds = claim.minSeeds ?? 3;
  const effect = Math.abs(claim.effect ?? 0);
  const sa = summarise(a);
  const sb = summarise(b);
  const d = sa.mean - sb.mean;
  const se = Math.sqrt((sa.n > 1 ? sa.std ** 2 / sa.n : 0) + (sb.n > 1 ? sb.std ** 2 / sb.n : 0));
  const interval: [number, number] = [d - z * se, d + z * se];
  const base = { difference: d, stderr: se, interval };
  const numbers = `A - B = ${fmt(d)} ± ${fmt(z * se)} (${z} s.e.; A ${fmt(sa.mean)} over ${sa.n}, B ${fmt(sb.mean)} over ${sb.n})`;
  if (sa.n < minSeeds || sb.n < minSeeds) return { verdict: "inconclusive", why: `${numbers}: fewer than ${minSeeds} seeds on a side`, ...base };
  if (claim.best !== undefined && [...a, ...b].every((v) => v === claim.best)) {
    return { verdict: "inconclusive", why: `${numbers}: every seed of A and B at the measure's best value (${claim.best}), where it cannot show a difference`, ...base };
  }
  // Work in the claim's direction: s > 0 means "as claimed".
  const sign = claim.direction === "lower" ? -1 : 1;
  const lo = Math.min(sign * interval[0], sign * interval[1]);
  const hi = Math.max(sign * interval[0], sign * interval[1]);
  const claimed = effect > 0 ? `${claim.direction} by ${fmt(effect)}` : claim.direction;
  if (lo > 0) {
    if (effect === 0 || hi >= effect) return { verdict: "held", why: `${numbers}: ${claimed}, as claimed`, ...base };
    return { verdict: "not held", why: `${numbers}: ${claim.direction}, but by less than the claimed ${fmt(effect)}`, ...base };
  }
  if (lo === 0 && hi === 0) return { verdict: "not held", why: `${numbers}: every seed of A and B the same value, no difference`, ...base };
  if (effect > 0 ? hi < effect : hi < 0) {
    return { verdict: "not held", why: `${numbers}: the interval excludes ${effect > 0 ? `a difference of ${fmt(effect)}` : `A ${claim.direction} than B`}`, ...base };
  }
  return { verdict: "inconclusive", why: `${numbers}: the interval holds both no difference and ${claimed}; more seeds would decide`, ...base };
}

/** A verdict's reason split into its numbers and why it is what it is ("numbers: reason"; without ": " both are the whole). */
export function whyParts(v: Pick<Verdict, "why">): { numbers: string; reason: string } {
  const cut = v.why.lastIndexOf(": ");
  return cut > 0 ? { numbers: v.why.slice(0, cut), reason: v.why.slice(cut + 2) } : { numbers: v.why, reason: v.why };
}

/** The line a notebook prints: `held`, `not held` or `inconclusive (why)`, with the claim. */
export function verdictLine(claim: string, v: Verdict): string {
  return `${claim}: ${v.verdict === "inconclusive" ? `inconclusive (${v.why})` : `${v.verdict} (${v.why})`}`;
}

/** A model's quality check, as a verdict's precondition. */
export interface QualityGate {
  /** e.g. "non-saturating, seed 2". */
  name: string;
  met: boolean;
}

/**
 * A verdict judged only on models that met their quality target: when any did not, the verdict is
 * `inconclusive` whatever the numbers say, naming the models below target (a claim tested on
 * models that do not work says nothing about the paper).
 */
export function gateOnQuality(v: Verdict, gates: QualityGate[]): Verdict {
  const below = gates.filter((g) => !g.met).map((g) => g.name);
  if (!below.length) return v;
  const { numbers } = whyParts(v);
  const list = below.length > 4 ? `${below.slice(0, 4).join(", ")} and ${below.length - 4} more` : below.join(", ");
  return { ...v, verdict: "inconclusive", why: `${numbers}: not judged, below the quality target (${list})` };
}
