/**
 * k-nearest-neighbour balls in feature space, shared by improved precision/recall
 * (precision-recall.ts) and density/coverage (density-coverage.ts): the radius of each point's
 * ball (the distance to its k-th nearest neighbour in its own set, the point itself excluded) and
 * one pass over all real-fake distances that counts which points fall in which balls. A point on
 * the boundary of a ball is inside it (distance <= radius), as in both papers.
 *
 * Squared distances come from |x|^2 + |y|^2 - 2 x·y with the dot products as float32 MatMuls in
 * row blocks (features.ts: memory stays bounded for any set size) and the norms in float64; both
 * sets are first centred on the real mean, which leaves distances unchanged and keeps the float32
 * cancellation small. Negative rounding results count as 0.
 */
import { UserError } from "../errors";
import { centredOn, checkPair, Features, forEachDotBlock, rowNorms2 } from "./features";

/** k: a positive integer below the size of the set whose balls it sizes. */
export function checkK(k: number, f: Features, metric: string, what: string): void {
  if (!Number.isInteger(k) || k < 1) throw new UserError(`${metric}: k must be a positive integer, got ${k}`);
  if (f.n < k + 1) throw new UserError(`${metric}: ${what} has ${f.n} rows: the k-th nearest neighbour (k = ${k}) needs at least ${k + 1}`);
}

/** Squared distance of every row to its k-th nearest other row of the same set (float64). */
export function knnRadii2(f: Features, k: number): Float64Array {
  const norms = rowNorms2(f);
  const out = new Float64Array(f.n);
  const best = new Float64Array(k);
  forEachDotBlock(f, f, (start, rows, block) => {
    for (let r = 0; r < rows; r++) {
      const i = start + r;
      const base = r * f.n;
      const ni = norms[i];
      best.fill(Infinity);
      // `best` holds the k smallest squared distances seen so far, ascending.
      for (let j = 0; j < f.n; j++) {
        if (j === i) continue;
        let d2 = ni + norms[j] - 2 * block[base + j];
        if (d2 < 0) d2 = 0;
        if (d2 >= best[k - 1]) continue;
        let p = k - 1;
        while (p > 0 && best[p - 1] > d2) {
          best[p] = best[p - 1];
          p--;
        }
        best[p] = d2;
      }
      out[i] = best[k - 1];
    }
  });
  return out;
}

/** Distance of every row to its k-th nearest other row of the same set. */
export function knnRadii(f: Features, k: number): Float64Array {
  checkK(k, f, "knnRadii", "the set");
  return knnRadii2(centredOn(f, [f])[0], k).map(Math.sqrt);
}

export interface BallCounts {
  /** Per fake row: how many real balls contain it. */
  realBallsHit: Int32Array;
  /** Per real row: 1 if some fake ball contains it (all 0 when no fake radii were given). */
  inFakeBall: Uint8Array;
  /** Per real row: squared distance to its nearest fake row. */
  nearestFake2: Float64Array;
}

/**
 * One pass over the real-fake distances (real and fake already centred alike): which balls
 * (squared radii realR2 around real rows, fakeR2 around fake rows, or null) hold which points.
 */
export function ballCounts(real: Features, fake: Features, realR2: Float64Array, fakeR2: Float64Array | null): BallCounts {
  const realNorms = rowNorms2(real);
  const fakeNorms = rowNorms2(fake);
  const nr = real.n;
  const realBallsHit = new Int32Array(fake.n);
  const inFakeBall = new Uint8Array(nr);
  const nearestFake2 = new Float64Array(nr).fill(Infinity);
  forEachDotBlock(fake, real, (start, rows, block) => {
    for (let r = 0; r < rows; r++) {
      const j = start + r;
      const base = r * nr;
      const nj = fakeNorms[j];
      const rf = fakeR2 ? fakeR2[j] : -1;
      let hits = 0;
      for (let i = 0; i < nr; i++) {
        let d2 = nj + realNorms[i] - 2 * block[base + i];
        if (d2 < 0) d2 = 0;
        if (d2 <= realR2[i]) hits++;
        if (d2 <= rf) inFakeBall[i] = 1;
        if (d2 < nearestFake2[i]) nearestFake2[i] = d2;
      }
      realBallsHit[j] = hits;
    }
  });
  return { realBallsHit, inFakeBall, nearestFake2 };
}

/** Both sets checked and centred on the real mean. */
export function centredPair(real: Features, fake: Features, metric: string): [Features, Features] {
  checkPair(real, fake, metric);
  const [r, f] = centredOn(real, [real, fake]);
  return [r, f];
}
