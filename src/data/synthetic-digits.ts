/**
 * Built-in labelled image data that needs no download: handwritten-style digits 0-9 rendered at
 * 28x28 from stroke templates with a random pen width and a random affine jitter (rotation,
 * scale, shear, shift), deterministically from a seed. Like MNIST, each digit fills about the
 * central 20x20 pixels, white on black, and it is served in [-1, 1].
 */
import { Dataset } from "./dataset";
import { mulberry32 } from "./rng";

type Pt = [number, number];

function arc(cx: number, cy: number, rx: number, ry: number, a0: number, a1: number, n = 14): Pt[] {
  const pts: Pt[] = [];
  for (let i = 0; i <= n; i++) {
    const a = a0 + ((a1 - a0) * i) / n;
    pts.push([cx + rx * Math.cos(a), cy + ry * Math.sin(a)]);
  }
  return pts;
}

const PI = Math.PI;
/** Polylines per digit in a unit box (x right, y down). */
export const DIGIT_STROKES: Pt[][][] = [
  [arc(0.5, 0.5, 0.28, 0.42, 0, 2 * PI, 24)],
  [[[0.35, 0.25], [0.52, 0.08], [0.52, 0.92]]],
  [[...arc(0.5, 0.3, 0.25, 0.2, PI, 2.2 * PI, 10), [0.22, 0.92], [0.8, 0.92]]],
  [arc(0.48, 0.3, 0.24, 0.2, 1.1 * PI, 2.5 * PI, 12), arc(0.48, 0.7, 0.27, 0.22, 1.5 * PI, 2.9 * PI, 12)],
  [[[0.66, 0.92], [0.66, 0.08], [0.18, 0.64], [0.82, 0.64]]],
  [[[0.75, 0.08], [0.32, 0.08], [0.28, 0.45], ...arc(0.5, 0.66, 0.26, 0.24, 1.25 * PI, 2.85 * PI, 12)]],
  [[[0.7, 0.1], ...arc(0.62, 0.5, 0.36, 0.42, 1.45 * PI, 1.0 * PI, 6), ...arc(0.5, 0.68, 0.24, 0.23, PI, 3 * PI, 18)]],
  [[[0.2, 0.08], [0.8, 0.08], [0.42, 0.92]]],
  [arc(0.5, 0.28, 0.2, 0.19, 0, 2 * PI, 16), arc(0.5, 0.7, 0.25, 0.22, 0, 2 * PI, 18)],
  [[...arc(0.5, 0.32, 0.23, 0.22, 0, 2 * PI, 18)], [[0.73, 0.32], [0.62, 0.92]]],
];

export interface SyntheticDigitsOptions {
  count?: number;
  seed?: number;
  size?: number;
}

/** Render `count` digits (balanced classes in a shuffled order). */
export function syntheticDigits(opts: SyntheticDigitsOptions = {}): Dataset {
  const count = opts.count ?? 10000;
  const seed = opts.seed ?? 1;
  const S = opts.size ?? 28;
  const rand = mulberry32(seed);
  const data = new Float32Array(count * S * S);
  const labels = new Int32Array(count);
  const box = (20 / 28) * S;
  for (let n = 0; n < count; n++) {
    const digit = (n + Math.floor(rand() * 10)) % 10;
    labels[n] = digit;
    const rot = (rand() - 0.5) * 0.4;
    const sx = box * (0.75 + 0.3 * rand()) * (digit === 1 ? 0.8 : 1);
    const sy = box * (0.85 + 0.2 * rand());
    const shear = (rand() - 0.5) * 0.4;
    const tx = S / 2 + (rand() - 0.5) * 3;
    const ty = S / 2 + (rand() - 0.5) * 3;
    const width = (1.4 + 1.4 * rand()) * (S / 28);
    const cos = Math.cos(rot);
    const sin = Math.sin(rot);
    const map = ([u, v]: Pt): Pt => {
      const x = (u - 0.5 + shear * (v - 0.5)) * sx;
      const y = (v - 0.5) * sy;
      return [tx + cos * x - sin * y, ty + sin * x + cos * y];
    };
    const segs: number[] = [];
    for (const line of DIGIT_STROKES[digit]) {
      const pts = line.map(map);
      for (let i = 0; i + 1 < pts.length; i++) segs.push(pts[i][0], pts[i][1], pts[i + 1][0], pts[i + 1][1]);
    }
    drawSegments(data.subarray(n * S * S, (n + 1) * S * S), S, segs, width / 2);
  }
  return {
    name: "synthetic-digits",
    shape: [S, S, 1],
    data,
    labels,
    numClasses: 10,
    classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  };
}

/** Anti-aliased strokes: intensity from each pixel centre's distance to the nearest segment. */
function drawSegments(img: Float32Array, S: number, segs: number[], halfWidth: number): void {
  for (let py = 0; py < S; py++) {
    for (let px = 0; px < S; px++) {
      const x = px + 0.5;
      const y = py + 0.5;
      let best = Infinity;
      for (let s = 0; s < segs.length; s += 4) {
        const ax = segs[s], ay = segs[s + 1], bx = segs[s + 2], by = segs[s + 3];
        const dx = bx - ax, dy = by - ay;
        const len2 = dx * dx + dy * dy;
        const t = len2 > 0 ? Math.min(1, Math.max(0, ((x - ax) * dx + (y - ay) * dy) / len2)) : 0;
        const ex = ax + t * dx - x, ey = ay + t * dy - y;
        const d2 = ex * ex + ey * ey;
        if (d2 < best) best = d2;
      }
      const ink = Math.min(1, Math.max(0, halfWidth + 0.5 - Math.sqrt(best)));
      img[py * S + px] = ink * 2 - 1;
    }
  }
}
