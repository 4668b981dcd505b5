/**
 * Mode coverage on the 2-D Gaussian mixtures (the protocol of the Unrolled GAN and VEEGAN papers):
 * each generated point goes to its nearest mode; it is a high-quality sample when it lies within
 * 3 standard deviations of that mode's centre; a mode counts as covered when at least
 * `minShare` of all samples are high-quality samples of it (PacGAN's reading of the protocol:
 * 20 of 2,500 samples, i.e. 0.8%).
 */
import { UserError } from "../errors";
import type { Mixture } from "../data/mixtures";

export interface ModeCoverage {
  /** Number of modes covered. */
  modes: number;
  /** Share of samples within 3 std of their nearest mode. */
  highQuality: number;
  /** High-quality samples per mode. */
  perMode: number[];
}

export function modeCoverage(points: ArrayLike<number>, mixture: Mixture, opts: { minShare?: number; stds?: number } = {}): ModeCoverage {
  if (points.length % 2 !== 0 || points.length === 0) throw new UserError(`mode coverage needs 2-D points, got ${points.length} numbers`);
  const minShare = opts.minShare ?? 20 / 2500;
  const radius = (opts.stds ?? 3) * mixture.std;
  const n = points.length / 2;
  const perMode = new Array<number>(mixture.modes.length).fill(0);
  let good = 0;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i];
    const y = points[2 * i + 1];
    let best = Infinity;
    let which = 0;
    mixture.modes.forEach(([mx, my], k) => {
      const d = Math.hypot(x - mx, y - my);
      if (d < best) {
        best = d;
        which = k;
      }
    });
    if (best <= radius) {
      good++;
      perMode[which]++;
    }
  }
  return { modes: perMode.filter((c) => c >= minShare * n).length, highQuality: good / n, perMode };
}

/** A quality target on a mixture: modes covered and the share of high-quality points, at least. */
export interface CoverageTarget {
  modes: number;
  highQuality: number;
}

/**
 * The kit's quality target on a mixture: at least 75% of its modes covered (6 of the ring's 8, 19
 * of the grid's 25) and half the points high quality.
 */
export function mixtureTarget(m: Mixture): CoverageTarget {
  return { modes: Math.ceil(0.75 * m.modes.length), highQuality: 0.5 };
}

/** Whether a coverage (modes, high-quality share) meets a target. */
export function meetsTarget(c: { modes: number; highQuality: number }, t: CoverageTarget): boolean {
  return c.modes >= t.modes && c.highQuality >= t.highQuality;
}
