/**
 * Density and coverage (Naeem et al. 2020): like improved precision and recall, but only real
 * points get balls (radius: the distance to the k-th nearest other real point, default k = 5),
 * which makes both robust to outliers among the fakes. For N real points X and M fake points Y:
 *
 *   density  = (1 / (k M)) sum_j sum_i 1[Y_j in B(X_i)]     (1 on average for identical
 *              distributions; above 1 when fakes crowd where the real points are dense)
 *   coverage = (1 / N) sum_i 1[some Y_j in B(X_i)]          (share of real balls that hold a fake)
 *
 * A set against itself has density exactly (k + 1) / k: each point lies in its own ball and in the
 * balls of the points it is among the k nearest neighbours of (k per ball, barring ties).
 */
import { ballCounts, centredPair, checkK, knnRadii2 } from "./neighbours";
import { Features } from "./features";

export interface DensityCoverageOptions {
  /** Neighbour whose distance sets each real ball's radius (default 5). */
  k?: number;
}

export interface DensityCoverage {
  density: number;
  coverage: number;
  k: number;
  nReal: number;
  nFake: number;
}

/** Density and coverage of fake features against real ones. */
export function densityCoverage(real: Features, fake: Features, options: DensityCoverageOptions = {}): DensityCoverage {
  const k = options.k ?? 5;
  const [r, f] = centredPair(real, fake, "density/coverage");
  checkK(k, r, "density/coverage", "the real set");
  const radii2 = knnRadii2(r, k);
  const counts = ballCounts(r, f, radii2, null);
  let hits = 0;
  for (const h of counts.realBallsHit) hits += h;
  let covered = 0;
  for (let i = 0; i < r.n; i++) if (counts.nearestFake2[i] <= radii2[i]) covered++;
  return { density: hits / (k * f.n), coverage: covered / r.n, k, nReal: r.n, nFake: f.n };
}
