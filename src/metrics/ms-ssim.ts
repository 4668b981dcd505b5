/**
 * Multi-scale SSIM (Wang, Simoncelli and Bovik 2003) with the settings PGGAN uses for its diversity
 * figure (see ../shared/METRICS-REFERENCE.md):
 *
 * - images in [0, 255] (uint8 levels), L = 255, C1 = (0.01 L)^2, C2 = (0.03 L)^2;
 * - local statistics under an 11x11 Gaussian window (sigma 1.5), 'valid' filtering (no padding);
 *   when a scale is smaller than the window, the window shrinks to the scale's smaller side and sigma
 *   shrinks in proportion (size * 1.5 / 11);
 * - 5 scales, a 2x2 box average between them (an odd last row/column is averaged with itself);
 * - per scale the mean over positions and channels of the contrast-structure map
 *   cs = (2 s_xy + C2) / (s_x^2 + s_y^2 + C2) and of the full SSIM map l * cs with
 *   l = (2 m_x m_y + C1) / (m_x^2 + m_y^2 + C1);
 * - MS-SSIM = prod_{j<5} cs_j^w_j * ssim_5^w_5, w = 0.0448, 0.2856, 0.3001, 0.2363, 0.1333 (they do
 *   not sum to 1, as in the authors' MATLAB code).
 *
 * What this means for 32x32 images (the kit's usual size):
 *
 * | scale | size  | window | sigma  | map   | term used |
 * | ----- | ----- | ------ | ------ | ----- | --------- |
 * | 1     | 32x32 | 11     | 1.5    | 22x22 | cs        |
 * | 2     | 16x16 | 11     | 1.5    | 6x6   | cs        |
 * | 3     | 8x8   | 8      | 1.0909 | 1x1   | cs        |
 * | 4     | 4x4   | 4      | 0.5455 | 1x1   | cs        |
 * | 5     | 2x2   | 2      | 0.2727 | 1x1   | ssim      |
 *
 * From scale 3 on the window covers the whole image, so the "map" is one Gaussian-weighted
 * statistic of the whole image; at scale 5 the 2x2 window's weights are equal (plain means over the
 * 4 pixels).
 *
 * Negative terms: cs (and ssim) lie in [-1, 1]; a pair anti-correlated at some scale has a negative
 * term, and a negative number to a fractional power is undefined (numpy gives NaN). Terms are
 * clamped at 0 before the powers, as TensorFlow's tf.image.ssim_multiscale does; such a pair scores
 * 0. On random pairs of MNIST digits padded to 32x32, 42% of pairs have a negative term (mostly at
 * scales 2-5: at scale 2 the window covers most of the 16x16 image, from scale 3 on all of it); the
 * mean is 0.206 with clamping and 0.203 with sign-preserving powers, so the convention hardly moves
 * the diversity figure (reference 0.20). Averaging each scale's terms over minibatches of 32 pairs
 * before the powers would give 0.24.
 */
import { UserError } from "../errors";
import { mulberry32 } from "../data/rng";
import { ConvertOptions, ImageBatch, ImageInput, copyPlane, mixSeed, toImageBatch } from "./images";

export const MS_SSIM_WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

export interface MsSsimOptions extends ConvertOptions {
  /** Dynamic range L (default 255). */
  maxValue?: number;
  k1?: number;
  k2?: number;
  /** Largest window side (default 11). */
  filterSize?: number;
  /** Gaussian sigma of the largest window (default 1.5). */
  filterSigma?: number;
  /** One weight per scale (default the 5 published ones); the last scale uses full SSIM. */
  weights?: number[];
}

export interface MsSsimScale {
  height: number;
  width: number;
  /** Window side and sigma used at this scale. */
  window: number;
  sigma: number;
  /** Side of the 'valid' statistics map. */
  mapHeight: number;
  mapWidth: number;
  /** Mean contrast-structure term and mean full SSIM at this scale. */
  cs: number;
  ssim: number;
}

export interface MsSsimDetail {
  value: number;
  scales: MsSsimScale[];
}

interface Settings {
  c1: number;
  c2: number;
  filterSize: number;
  filterSigma: number;
  weights: number[];
}

function settings(options: MsSsimOptions, what: string): Settings {
  const maxValue = options.maxValue ?? 255;
  const k1 = options.k1 ?? 0.01;
  const k2 = options.k2 ?? 0.03;
  const filterSize = options.filterSize ?? 11;
  const filterSigma = options.filterSigma ?? 1.5;
  const weights = options.weights ?? MS_SSIM_WEIGHTS;
  for (const [name, v] of [["maxValue", maxValue], ["k1", k1], ["k2", k2], ["filterSigma", filterSigma]] as const) {
    if (!(Number.isFinite(v) && v > 0)) throw new UserError(`${what}: ${name} must be a positive number, got ${v}`);
  }
  if (!Number.isInteger(filterSize) || filterSize < 1) throw new UserError(`${what}: filterSize must be a positive integer, got ${filterSize}`);
  if (!Array.isArray(weights) || weights.length === 0 || !weights.every((x) => Number.isFinite(x) && x >= 0)) {
    throw new UserError(`${what}: weights must be a non-empty list of non-negative numbers, got ${JSON.stringify(weights)}`);
  }
  return { c1: (k1 * maxValue) ** 2, c2: (k2 * maxValue) ** 2, filterSize, filterSigma, weights };
}

/** Normalised 1-D Gaussian of `size` taps centred between the middle taps when size is even. */
export function gaussianWindow(size: number, sigma: number): Float64Array {
  const g = new Float64Array(size);
  let s = 0;
  for (let i = 0; i < size; i++) {
    const x = i - (size - 1) / 2;
    g[i] = Math.exp(-(x * x) / (2 * sigma * sigma));
    s += g[i];
  }
  for (let i = 0; i < size; i++) g[i] /= s;
  return g;
}

/** 2x2 box average of c planes (h x w) -> ceil(h/2) x ceil(w/2); odd edges average with themselves. */
function downsample(x: Float64Array, c: number, h: number, w: number): Float64Array {
  const oh = Math.ceil(h / 2);
  const ow = Math.ceil(w / 2);
  const out = new Float64Array(c * oh * ow);
  for (let ch = 0; ch < c; ch++) {
    const src = ch * h * w;
    const dst = ch * oh * ow;
    for (let y = 0; y < oh; y++) {
      const y0 = 2 * y;
      const y1 = Math.min(2 * y + 1, h - 1);
      for (let xo = 0; xo < ow; xo++) {
        const x0 = 2 * xo;
        const x1 = Math.min(2 * xo + 1, w - 1);
        out[dst + y * ow + xo] = 0.25 * (x[src + y0 * w + x0] + x[src + y0 * w + x1] + x[src + y1 * w + x0] + x[src + y1 * w + x1]);
      }
    }
  }
  return out;
}

/**
 * Mean cs and SSIM of two images (c planes of h x w each) at one scale, with a separable window g
 * and 'valid' filtering.
 */
function scaleTerms(a: Float64Array, b: Float64Array, c: number, h: number, w: number, g: Float64Array, c1: number, c2: number): { cs: number; ssim: number } {
  const s = g.length;
  const oh = h - s + 1;
  const ow = w - s + 1;
  // Horizontal pass: five moments for every row and valid column.
  const n = h * ow;
  const ma = new Float64Array(n);
  const mb = new Float64Array(n);
  const maa = new Float64Array(n);
  const mbb = new Float64Array(n);
  const mab = new Float64Array(n);
  let csSum = 0;
  let ssimSum = 0;
  for (let ch = 0; ch < c; ch++) {
    const base = ch * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < ow; x++) {
        let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
        const p = base + y * w + x;
        for (let k = 0; k < s; k++) {
          const va = a[p + k];
          const vb = b[p + k];
          const gk = g[k];
          sa += gk * va;
          sb += gk * vb;
          saa += gk * va * va;
          sbb += gk * vb * vb;
          sab += gk * va * vb;
        }
        const o = y * ow + x;
        ma[o] = sa;
        mb[o] = sb;
        maa[o] = saa;
        mbb[o] = sbb;
        mab[o] = sab;
      }
    }
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        let mua = 0, mub = 0, eaa = 0, ebb = 0, eab = 0;
        for (let k = 0; k < s; k++) {
          const o = (y + k) * ow + x;
          const gk = g[k];
          mua += gk * ma[o];
          mub += gk * mb[o];
          eaa += gk * maa[o];
          ebb += gk * mbb[o];
          eab += gk * mab[o];
        }
        const vaa = eaa - mua * mua;
        const vbb = ebb - mub * mub;
        const vab = eab - mua * mub;
        const cs = (2 * vab + c2) / (vaa + vbb + c2);
        const lum = (2 * mua * mub + c1) / (mua * mua + mub * mub + c1);
        csSum += cs;
        ssimSum += lum * cs;
      }
    }
  }
  const count = c * oh * ow;
  return { cs: csSum / count, ssim: ssimSum / count };
}

/** MS-SSIM of two images given as c planes of h x w (already in [0, 255]). */
function msSsimPlanes(a: Float64Array, b: Float64Array, c: number, h: number, w: number, st: Settings): MsSsimDetail {
  const scales: MsSsimScale[] = [];
  let value = 1;
  const last = st.weights.length - 1;
  for (let j = 0; j <= last; j++) {
    const size = Math.min(st.filterSize, h, w);
    const sigma = (size * st.filterSigma) / st.filterSize;
    const { cs, ssim } = scaleTerms(a, b, c, h, w, gaussianWindow(size, sigma), st.c1, st.c2);
    scales.push({ height: h, width: w, window: size, sigma, mapHeight: h - size + 1, mapWidth: w - size + 1, cs, ssim });
    const term = j < last ? cs : ssim;
    value *= Math.max(term, 0) ** st.weights[j];
    if (j < last) {
      a = downsample(a, c, h, w);
      b = downsample(b, c, h, w);
      h = Math.ceil(h / 2);
      w = Math.ceil(w / 2);
    }
  }
  return { value, scales };
}

function checkSize(img: ImageBatch, st: Settings, what: string): void {
  const need = 2 ** (st.weights.length - 1);
  if (Math.min(img.h, img.w) < need) {
    throw new UserError(`${what}: ${st.weights.length} scales need images of at least ${need}x${need}, got ${img.h}x${img.w}`);
  }
}

function planes(img: ImageBatch, i: number): Float64Array {
  const out = new Float64Array(img.c * img.h * img.w);
  for (let ch = 0; ch < img.c; ch++) copyPlane(img, i, ch, out, ch * img.h * img.w);
  return out;
}

/** MS-SSIM of two images with every scale's terms (see the file comment for the settings). */
export function msSsimDetail(a: ImageInput, b: ImageInput, options: MsSsimOptions): MsSsimDetail {
  const st = settings(options, "ms-ssim");
  const x = toImageBatch(a, options, "ms-ssim: image a");
  const y = toImageBatch(b, options, "ms-ssim: image b");
  if (x.n !== 1 || y.n !== 1) throw new UserError(`ms-ssim compares one image with one image, got ${x.n} and ${y.n} (use msSsimDiversity for a set)`);
  if (x.h !== y.h || x.w !== y.w || x.c !== y.c) {
    throw new UserError(`ms-ssim: the images differ in shape: ${x.h}x${x.w}x${x.c} against ${y.h}x${y.w}x${y.c}`);
  }
  checkSize(x, st, "ms-ssim");
  return msSsimPlanes(planes(x, 0), planes(y, 0), x.c, x.h, x.w, st);
}

/** MS-SSIM of two images, 1 for identical images, lower for less similar ones. */
export function msSsim(a: ImageInput, b: ImageInput, options: MsSsimOptions): number {
  return msSsimDetail(a, b, options).value;
}

export interface DiversityOptions extends MsSsimOptions {
  /** Random pairs of distinct images (default 10,000). */
  pairs?: number;
  seed?: number;
}

export interface DiversityResult {
  /** Mean MS-SSIM over the pairs: lower means a more diverse set. */
  mean: number;
  /** Standard error of that mean. */
  stderr: number;
  pairs: number;
  /** Pairs with a negative term at some scale (clamped, so they score 0). */
  clamped: number;
}

/** Mean MS-SSIM over random pairs of distinct images, with its spread. */
export function msSsimDiversityDetail(images: ImageInput, options: DiversityOptions): DiversityResult {
  const st = settings(options, "ms-ssim diversity");
  const pairs = options.pairs ?? 10000;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(pairs) || pairs < 1) throw new UserError(`ms-ssim diversity: pairs must be a positive integer, got ${pairs}`);
  if (!Number.isFinite(seed)) throw new UserError(`ms-ssim diversity: seed must be a number, got ${seed}`);
  const img = toImageBatch(images, options, "ms-ssim diversity: images");
  if (img.n < 2) throw new UserError(`ms-ssim diversity needs at least 2 images, got ${img.n}`);
  checkSize(img, st, "ms-ssim diversity");
  const rand = mulberry32(mixSeed(seed, 7));
  let sum = 0;
  let sumSq = 0;
  let clamped = 0;
  for (let p = 0; p < pairs; p++) {
    const i = Math.floor(rand() * img.n);
    let j = Math.floor(rand() * (img.n - 1));
    if (j >= i) j++;
    const d = msSsimPlanes(planes(img, i), planes(img, j), img.c, img.h, img.w, st);
    const last = d.scales.length - 1;
    if (d.scales.some((s, k) => (k < last ? s.cs : s.ssim) < 0)) clamped++;
    sum += d.value;
    sumSq += d.value * d.value;
  }
  const mean = sum / pairs;
  const variance = pairs > 1 ? Math.max(0, (sumSq - pairs * mean * mean) / (pairs - 1)) : 0;
  return { mean, stderr: Math.sqrt(variance / pairs), pairs, clamped };
}

/** Mean MS-SSIM over random pairs of distinct images (PGGAN's diversity figure; lower = more diverse). */
export function msSsimDiversity(images: ImageInput, options: DiversityOptions): number {
  return msSsimDiversityDetail(images, options).mean;
}
