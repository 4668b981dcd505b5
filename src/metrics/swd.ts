/**
 * Sliced Wasserstein distance on Laplacian pyramids (Karras et al. 2018, "Progressive Growing of
 * GANs", section 5), with the published settings (see ../shared/METRICS-REFERENCE.md):
 *
 * 1. Images go to the uint8 range [0, 255], grayscale counts as RGB with three equal channels.
 * 2. Laplacian pyramid per image: pyrDown = 5x5 binomial blur ([1,4,6,4,1]/16 outer product,
 *    reflect-101 borders as OpenCV and scipy's 'mirror') then every second row and column; each level
 *    keeps the difference with its upsampled next level (zeros inserted, the same blur times 4); the
 *    coarsest level is kept as is. Levels: full resolution halving while >= minResolution (16), so
 *    32x32 images give levels 32 and 16.
 * 3. Per image and level: patchesPerImage (128) neighbourhoods of 7x7 pixels x 3 channels at uniform
 *    random centres that keep the patch inside the level.
 * 4. Per level and set: subtract each channel's mean and divide by its standard deviation, both taken
 *    over all the set's descriptors and the 7x7 positions (each set its own statistics).
 * 5. repeats (4) x directions (128) random unit vectors in R^147; project both sets, sort each
 *    projection, mean absolute difference of the sorted values, mean over all directions, x 1000.
 *
 * Determinism: every random draw comes from mulberry32 streams seeded by (seed, level). By default
 * both sets use the same patch centres (image k of each set gets the same centres), so a set against
 * itself gives exactly 0 and the position noise cancels between the sets; `positions: "independent"`
 * draws them separately per set, as extracting each set's descriptors on its own does. On MNIST the
 * two agree to 0.1 (4,096 images per set: 20.3/24.4 shared, 20.3/24.3 independent).
 *
 * Speed: pyramids, patch gathering and sorting (an exact LSD radix sort on the float bits) are plain
 * TypedArray code; the projections are one tf.matMul per chunk of descriptors on the active tfjs
 * backend (wasm: XNNPACK; descriptors are gathered as columns so no transpose is needed). When both
 * sets are grayscale the three equal channels are folded into the directions
 * (d . [z, z, z] = (d_r + d_g + d_b) . z), which cuts the projection work by 3 and gives the same
 * value as the images copied to 3 channels. Measured on one wasm thread of a shared 2-core machine
 * (load 5-6, so about half a core): 32x32 grayscale, 2,000 images per set 14-18 s (11-13 s CPU),
 * 4,096 per set 27-45 s (29-31 s CPU); RGB 2,000 per set 35 s (22 s CPU). Sorting is about half.
 */
import * as tf from "@tensorflow/tfjs";
import { UserError } from "../errors";
import { mulberry32, normalFrom } from "../data/rng";
import { ConvertOptions, ImageBatch, ImageInput, copyPlane, mixSeed, toImageBatch } from "./images";

export interface SwdOptions extends ConvertOptions {
  /** Seed of the patch centres and directions (default 0). */
  seed?: number;
  /** Neighbourhoods per image and level (default 128). */
  patchesPerImage?: number;
  /** Random directions per repeat (default 128). */
  directions?: number;
  /** Repeats of the direction draw (default 4). */
  repeats?: number;
  /** Smallest pyramid level kept (default 16). */
  minResolution?: number;
  /** Side of the square neighbourhood (default 7). */
  patchSize?: number;
  /** Patch centres: "shared" by image index between the two sets (default) or "independent". */
  positions?: "shared" | "independent";
}

export interface SwdLevel {
  /** Height of the level (its width when the images are square). */
  resolution: number;
  width: number;
  /** SWD x 1000 at this level. */
  swd: number;
}

export interface SwdResult {
  /** Finest level first. */
  levels: SwdLevel[];
  /** Mean over levels. */
  average: number;
  /** Descriptors per set and level. */
  descriptors: number;
}

const BINOMIAL = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16];

/** Reflect-101 border index (… 2 1 | 0 1 2 … n-1 | n-2 …). */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  for (;;) {
    if (i < 0) i = -i;
    else if (i >= n) i = 2 * n - 2 - i;
    else return i;
  }
}

/** Index tables for the 5-tap filter at each output position: taps[5 * o + t]. */
function tapTable(n: number): Int32Array {
  const taps = new Int32Array(5 * n);
  for (let o = 0; o < n; o++) for (let t = 0; t < 5; t++) taps[5 * o + t] = reflect101(o + t - 2, n);
  return taps;
}

/**
 * Separable binomial blur of one h x w plane with reflect-101 borders, times `gain`, keeping only
 * output rows/columns with index % step === 0 (step 2: pyrDown's subsampling for free).
 */
function blur(src: Float32Array, h: number, w: number, gain: number, step: number, tmp: Float32Array, out: Float32Array): void {
  const ow = Math.ceil(w / step);
  const oh = Math.ceil(h / step);
  const tx = tapTable(w);
  const ty = tapTable(h);
  // Horizontal pass on all rows, kept columns only: tmp is h x ow.
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let ox = 0; ox < ow; ox++) {
      const t = 5 * ox * step;
      tmp[y * ow + ox] =
        BINOMIAL[0] * src[row + tx[t]] +
        BINOMIAL[1] * src[row + tx[t + 1]] +
        BINOMIAL[2] * src[row + tx[t + 2]] +
        BINOMIAL[3] * src[row + tx[t + 3]] +
        BINOMIAL[4] * src[row + tx[t + 4]];
    }
  }
  for (let oy = 0; oy < oh; oy++) {
    const t = 5 * oy * step;
    const r0 = ty[t] * ow, r1 = ty[t + 1] * ow, r2 = ty[t + 2] * ow, r3 = ty[t + 3] * ow, r4 = ty[t + 4] * ow;
    for (let ox = 0; ox < ow; ox++) {
      out[oy * ow + ox] =
        gain * (BINOMIAL[0] * tmp[r0 + ox] + BINOMIAL[1] * tmp[r1 + ox] + BINOMIAL[2] * tmp[r2 + ox] + BINOMIAL[3] * tmp[r3 + ox] + BINOMIAL[4] * tmp[r4 + ox]);
    }
  }
}

/** pyrDown of an h x w plane: blur, keep even rows and columns -> ceil(h/2) x ceil(w/2). */
export function pyrDown(src: Float32Array, h: number, w: number): Float32Array {
  const out = new Float32Array(Math.ceil(h / 2) * Math.ceil(w / 2));
  blur(src, h, w, 1, 2, new Float32Array(h * Math.ceil(w / 2)), out);
  return out;
}

/** pyrUp of a small plane to h x w: zeros inserted between samples, blur times 4. */
export function pyrUp(small: Float32Array, sh: number, sw: number, h: number, w: number): Float32Array {
  const grid = new Float32Array(h * w);
  for (let y = 0; y < sh && 2 * y < h; y++) for (let x = 0; x < sw && 2 * x < w; x++) grid[2 * y * w + 2 * x] = small[y * sw + x];
  const out = new Float32Array(h * w);
  blur(grid, h, w, 4, 1, new Float32Array(h * w), out);
  return out;
}

/** Level sizes [h, w] from full resolution halving (ceil) while both sides >= minResolution. */
export function levelSizes(h: number, w: number, minResolution: number): [number, number][] {
  const sizes: [number, number][] = [];
  while (h >= minResolution && w >= minResolution) {
    sizes.push([h, w]);
    h = Math.ceil(h / 2);
    w = Math.ceil(w / 2);
    if (h === sizes[sizes.length - 1][0] && w === sizes[sizes.length - 1][1]) break;
  }
  return sizes;
}

/**
 * Laplacian pyramid of every image, channel-planar: result[l] holds n x C x h_l x w_l floats where C
 * is `channels` (a grayscale image is repeated when 3 are asked for).
 */
export function laplacianPyramid(img: ImageBatch, sizes: [number, number][], channels: number): Float32Array[] {
  const levels = sizes.map(([h, w]) => new Float32Array(img.n * channels * h * w));
  const plane = new Float32Array(img.h * img.w);
  for (let i = 0; i < img.n; i++) {
    for (let ch = 0; ch < channels; ch++) {
      copyPlane(img, i, img.c === 1 ? 0 : ch, plane);
      let cur: Float32Array = plane;
      for (let l = 0; l < sizes.length; l++) {
        const [h, w] = sizes[l];
        const dst = levels[l].subarray((i * channels + ch) * h * w, (i * channels + ch + 1) * h * w);
        if (l === sizes.length - 1) {
          dst.set(cur);
          break;
        }
        const [nh, nw] = sizes[l + 1];
        const down = pyrDown(cur, h, w);
        const up = pyrUp(down, nh, nw, h, w);
        for (let p = 0; p < h * w; p++) dst[p] = cur[p] - up[p];
        cur = down;
      }
    }
  }
  return levels;
}

/** Top-left corners of the patches: [y0, x0] pairs, patchesPerImage per image, uniform inside. */
function patchCorners(n: number, perImage: number, h: number, w: number, patch: number, seed: number): Int32Array {
  const rand = mulberry32(seed);
  const out = new Int32Array(2 * n * perImage);
  for (let k = 0; k < n * perImage; k++) {
    out[2 * k] = Math.floor(rand() * (h - patch + 1));
    out[2 * k + 1] = Math.floor(rand() * (w - patch + 1));
  }
  return out;
}

/** A set's descriptors at one level, gathered on demand and normalised per channel. */
class Descriptors {
  readonly count: number;
  readonly dim: number;
  private readonly mean: Float64Array;
  private readonly invStd: Float64Array;

  constructor(
    private readonly level: Float32Array,
    private readonly corners: Int32Array,
    private readonly channels: number,
    private readonly h: number,
    private readonly w: number,
    private readonly patch: number,
    private readonly perImage: number,
  ) {
    this.count = corners.length / 2;
    this.dim = channels * patch * patch;
    this.mean = new Float64Array(channels);
    this.invStd = new Float64Array(channels);
    // Two passes over the gathered values: mean, then mean squared deviation (population std).
    const perChannel = this.count * patch * patch;
    for (let ch = 0; ch < channels; ch++) {
      let s = 0;
      this.forEachValue(ch, (v) => (s += v));
      const m = s / perChannel;
      let ss = 0;
      this.forEachValue(ch, (v) => (ss += (v - m) * (v - m)));
      const std = Math.sqrt(ss / perChannel);
      this.mean[ch] = m;
      // A channel without variation gives zeros (the reference would divide by zero).
      this.invStd[ch] = std > 0 ? 1 / std : 1;
    }
  }

  private forEachValue(ch: number, f: (v: number) => void): void {
    const { h, w, patch, perImage, channels, level, corners } = this;
    for (let k = 0; k < this.count; k++) {
      const base = (Math.floor(k / perImage) * channels + ch) * h * w + corners[2 * k] * w + corners[2 * k + 1];
      for (let dy = 0; dy < patch; dy++) for (let dx = 0; dx < patch; dx++) f(level[base + dy * w + dx]);
    }
  }

  /**
   * Normalised descriptors start..start+rows-1 into out as columns: out is dim x rows, row-major
   * (component k of descriptor i at k * rows + i), ready for directions x descriptors.
   */
  gather(start: number, rows: number, out: Float32Array): void {
    const { h, w, patch, perImage, channels, level, corners, mean, invStd } = this;
    for (let i = 0; i < rows; i++) {
      const k = start + i;
      const img = Math.floor(k / perImage);
      let o = i;
      for (let ch = 0; ch < channels; ch++) {
        const m = mean[ch];
        const s = invStd[ch];
        const base = (img * channels + ch) * h * w + corners[2 * k] * w + corners[2 * k + 1];
        for (let dy = 0; dy < patch; dy++) {
          const r = base + dy * w;
          for (let dx = 0; dx < patch; dx++) {
            out[o] = (level[r + dx] - m) * s;
            o += rows;
          }
        }
      }
    }
  }
}

/** Descriptors per matMul call. */
const CHUNK = 8192;
/** Float budget of the projection buffers of both sets (256 MB). */
const PROJECTION_BUDGET = 64 * 1024 * 1024;

/**
 * Project all descriptors onto directions (an m x dim tensor) into out: m rows of `count` values
 * (row j = projections on direction j), so each row can be sorted in place.
 */
function project(desc: Descriptors, dirs: tf.Tensor2D, out: Float32Array): void {
  const chunk = new Float32Array(Math.min(CHUNK, desc.count) * desc.dim);
  const m = dirs.shape[0];
  for (let start = 0; start < desc.count; start += CHUNK) {
    const rows = Math.min(CHUNK, desc.count - start);
    desc.gather(start, rows, chunk);
    const res = tf.tidy(() => tf.matMul(dirs, tf.tensor2d(chunk.subarray(0, rows * desc.dim), [desc.dim, rows])));
    const vals = res.dataSync() as Float32Array;
    res.dispose();
    for (let j = 0; j < m; j++) out.set(vals.subarray(j * rows, (j + 1) * rows), j * desc.count + start);
  }
}

/** Mean of |a[i] - b[i]|. */
function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

/**
 * Sorts float32 arrays ascending in place. Large arrays: LSD radix sort in two 16-bit passes on the
 * bit patterns, mapped to int32 keys whose signed order is the numeric order (negative floats flip
 * all bits but the sign); exact, and 5-20 times faster than Float32Array.prototype.sort here, which
 * arrays under 4,096 values still use (there the 2 x 65,536 counters cost more). NaN must not occur
 * (inputs are checked).
 */
export class FloatSorter {
  private scratch: Int32Array;
  private readonly low = new Int32Array(65536);
  private readonly high = new Int32Array(65536);

  constructor(capacity = 0) {
    this.scratch = new Int32Array(capacity);
  }

  sort(values: Float32Array): void {
    const n = values.length;
    if (n < 4096) {
      values.sort();
      return;
    }
    if (this.scratch.length < n) this.scratch = new Int32Array(n);
    const scratch = this.scratch;
    const keys = new Int32Array(values.buffer, values.byteOffset, n);
    const low = this.low;
    const high = this.high;
    low.fill(0);
    high.fill(0);
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      const m = k ^ ((k >> 31) & 0x7fffffff);
      keys[i] = m;
      low[m & 0xffff]++;
      high[(m >>> 16) ^ 0x8000]++;
    }
    let sl = 0;
    let sh = 0;
    for (let b = 0; b < 65536; b++) {
      const cl = low[b];
      low[b] = sl;
      sl += cl;
      const ch = high[b];
      high[b] = sh;
      sh += ch;
    }
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      scratch[low[k & 0xffff]++] = k;
    }
    // Second pass by the high half, mapping back to float bits on the way.
    for (let i = 0; i < n; i++) {
      const k = scratch[i];
      keys[high[(k >>> 16) ^ 0x8000]++] = k ^ ((k >> 31) & 0x7fffffff);
    }
  }
}

function positiveInt(name: string, v: number, min = 1): number {
  if (!Number.isInteger(v) || v < min) throw new UserError(`swd: ${name} must be an integer >= ${min}, got ${v}`);
  return v;
}

/**
 * SWD between two sets of images (e.g. real and generated) of the same size and count.
 * Returns SWD x 1000 per level (finest first) and their average.
 */
export function swd(real: ImageInput, fake: ImageInput, options: SwdOptions): SwdResult {
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) throw new UserError(`swd: seed must be a number, got ${seed}`);
  const perImage = positiveInt("patchesPerImage", options.patchesPerImage ?? 128);
  const directions = positiveInt("directions", options.directions ?? 128);
  const repeats = positiveInt("repeats", options.repeats ?? 4);
  const patch = positiveInt("patchSize", options.patchSize ?? 7);
  const minResolution = positiveInt("minResolution", options.minResolution ?? 16, patch);
  const positions = options.positions ?? "shared";
  if (positions !== "shared" && positions !== "independent") {
    throw new UserError(`swd: positions must be "shared" or "independent", got ${JSON.stringify(positions)}`);
  }

  const a = toImageBatch(real, options, "swd: real images");
  const b = toImageBatch(fake, options, "swd: generated images");
  if (a.h !== b.h || a.w !== b.w) throw new UserError(`swd: the sets differ in size: ${a.h}x${a.w} against ${b.h}x${b.w}`);
  if (a.n !== b.n) {
    throw new UserError(
      `swd: both sets need the same number of descriptors: ${a.n} images x ${perImage} = ${a.n * perImage} against ${b.n} x ${perImage} = ${b.n * perImage}`,
    );
  }
  if (a.n < 2) throw new UserError(`swd: need at least 2 images per set, got ${a.n}`);
  const sizes = levelSizes(a.h, a.w, minResolution);
  if (sizes.length === 0) throw new UserError(`swd: ${a.h}x${a.w} images are smaller than minResolution ${minResolution}`);

  // Both grayscale: work on one channel and fold the three direction blocks (see the file comment).
  const channels = a.c === 1 && b.c === 1 ? 1 : 3;
  const fullDim = 3 * patch * patch;
  const dim = channels * patch * patch;
  const pyrA = laplacianPyramid(a, sizes, channels);
  const pyrB = laplacianPyramid(b, sizes, channels);
  const count = a.n * perImage;
  const totalDirs = directions * repeats;
  const batch = Math.max(1, Math.min(totalDirs, Math.floor(PROJECTION_BUDGET / (2 * count))));
  const projA = new Float32Array(batch * count);
  const projB = new Float32Array(batch * count);
  const sorter = new FloatSorter(count);

  const levels: SwdLevel[] = [];
  sizes.forEach(([h, w], l) => {
    const cornersA = patchCorners(a.n, perImage, h, w, patch, mixSeed(seed, l, 0));
    const cornersB = positions === "shared" ? cornersA : patchCorners(b.n, perImage, h, w, patch, mixSeed(seed, l, 1));
    const descA = new Descriptors(pyrA[l], cornersA, channels, h, w, patch, perImage);
    const descB = new Descriptors(pyrB[l], cornersB, channels, h, w, patch, perImage);

    // All directions of the level: repeats x directions unit vectors in R^(3 * patch^2).
    const normal = normalFrom(mulberry32(mixSeed(seed, l, 2)));
    const dirs = new Float32Array(totalDirs * dim);
    const v = new Float64Array(fullDim);
    for (let j = 0; j < totalDirs; j++) {
      let norm = 0;
      for (let k = 0; k < fullDim; k++) {
        v[k] = normal();
        norm += v[k] * v[k];
      }
      norm = Math.sqrt(norm);
      for (let k = 0; k < fullDim; k++) dirs[j * dim + (k % dim)] += v[k] / norm;
    }

    let total = 0;
    for (let j0 = 0; j0 < totalDirs; j0 += batch) {
      const m = Math.min(batch, totalDirs - j0);
      const dirT = tf.tensor2d(dirs.subarray(j0 * dim, (j0 + m) * dim), [m, dim]);
      try {
        project(descA, dirT, projA);
        project(descB, dirT, projB);
      } finally {
        dirT.dispose();
      }
      for (let j = 0; j < m; j++) {
        const ra = projA.subarray(j * count, (j + 1) * count);
        const rb = projB.subarray(j * count, (j + 1) * count);
        sorter.sort(ra);
        sorter.sort(rb);
        total += meanAbsDiff(ra, rb);
      }
    }
    levels.push({ resolution: h, width: w, swd: (total / totalDirs) * 1000 });
  });
  const average = levels.reduce((s, x) => s + x.swd, 0) / levels.length;
  return { levels, average, descriptors: count };
}
