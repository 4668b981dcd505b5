/**
 * The 2-D Gaussian mixtures used to study mode collapse (Unrolled GAN, VEEGAN): 8 modes on a
 * ring of radius 2 (std 0.02) and 25 modes on a 5x5 grid at {-4,-2,0,2,4}^2 (std 0.05).
 */
import { Dataset } from "./dataset";
import { mulberry32, normalFrom } from "./rng";

export interface Mixture {
  name: string;
  modes: [number, number][];
  std: number;
}

export function ring8(radius = 2, std = 0.02): Mixture {
  const modes: [number, number][] = [];
  for (let i = 0; i < 8; i++) modes.push([radius * Math.cos((2 * Math.PI * i) / 8), radius * Math.sin((2 * Math.PI * i) / 8)]);
  return { name: "ring8", modes, std };
}

export function grid25(spacing = 2, std = 0.05): Mixture {
  const modes: [number, number][] = [];
  for (let i = -2; i <= 2; i++) for (let j = -2; j <= 2; j++) modes.push([i * spacing, j * spacing]);
  return { name: "grid25", modes, std };
}

/** Draw `count` points, modes chosen uniformly; labels are the mode indices. */
export function sampleMixture(m: Mixture, count = 10000, seed = 1): Dataset {
  const rand = mulberry32(seed);
  const normal = normalFrom(rand);
  const data = new Float32Array(count * 2);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const k = Math.floor(rand() * m.modes.length);
    labels[i] = k;
    data[2 * i] = m.modes[k][0] + m.std * normal();
    data[2 * i + 1] = m.modes[k][1] + m.std * normal();
  }
  return { name: m.name, shape: [2], data, labels, numClasses: m.modes.length };
}
