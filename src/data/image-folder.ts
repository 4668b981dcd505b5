/**
 * A folder of JPEG/PNG images (CelebA's img_align_celeba/, LSUN exports, your own photos) as an
 * unlabelled dataset [n, size, size, 3] of RGB floats in [-1, 1].
 *
 * - Files: searched recursively (subfolders included; names starting with "." skipped), kept when
 *   the name ends in .png, .jpg or .jpeg (any case), sorted by their path relative to the folder
 *   (plain code-unit order, the same on every machine), so `limit` takes the same first N anywhere.
 *   Other files (e.g. CelebA's list_attr_celeba.txt) are not images and are ignored. The format is
 *   read from the file's first bytes, not its extension.
 * - Every listed file must decode: a corrupt, truncated or unreadable image is an error naming it,
 *   never skipped. Alpha is ignored; grey images become three equal channels.
 * - Geometry: the largest centred square is cropped (the extra is split evenly, an odd pixel going
 *   to the right/bottom), then resized to `size` by area averaging: each output pixel is the mean
 *   of the source area it covers, with fractional weights for source pixels cut by its edges (a box
 *   filter; exact for integer shrink factors, no aliasing when shrinking, blocky when enlarging).
 */
import * as fs from "fs";
import * as path from "path";
import { stderrBar } from "../cli/progress";
import * as jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { UserError } from "../errors";
import { Dataset } from "./dataset";

export interface ImageFolderOptions {
  /** Output side in pixels (default 64; 32 and 64 are the sizes the models use). */
  size?: number;
  /** Load only the first N images in path order (default: all). */
  limit?: number;
  /** Progress bar on stderr for 500+ images in a terminal (default: yes, except under CI=true). */
  progress?: boolean;
  /** Dataset name (default: the folder's name). */
  name?: string;
}

const IMAGE_NAME = /\.(png|jpe?g)$/i;
/** Refuse datasets bigger than this as float32 (CelebA at 64x64 would be 10 GB): use `limit`. */
const MAX_BYTES = 4 * 1024 ** 3;

function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Image files under `dir` (recursive), as paths relative to it with "/" separators, sorted. */
export function listImages(dir: string): string[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UserError(`image folder not found: ${dir}`);
  const found: string[] = [];
  const seen = new Set<string>();
  const walk = (rel: string) => {
    const abs = path.join(dir, rel);
    const real = fs.realpathSync(abs);
    if (seen.has(real)) return;
    seen.add(real);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(abs, { withFileTypes: true });
    } catch (err) {
      throw new UserError(`cannot list ${abs}: ${(err as Error).message}`);
    }
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const st = fs.statSync(path.join(dir, r));
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          isFile = true; // a dangling link to an image is reported when it is read
        }
      }
      if (isDir) walk(r);
      else if (isFile && IMAGE_NAME.test(e.name)) found.push(r);
    }
  };
  walk("");
  return found.sort(byPath);
}

/** Whether `dir` is a folder with at least one .png/.jpg/.jpeg file in it (top level first, then subfolders). */
export function hasImages(dir: string): boolean {
  try {
    if (!fs.statSync(dir).isDirectory()) return false;
    const names = fs.readdirSync(dir);
    if (names.some((n) => !n.startsWith(".") && IMAGE_NAME.test(n))) return true;
    return listImages(dir).length > 0;
  } catch {
    return false;
  }
}

export interface RgbaImage {
  width: number;
  height: number;
  /** width x height x 4 bytes, RGBA. */
  rgba: Uint8Array;
}

/**
 * The largest PNG decoded, in pixels: pngjs holds the inflated rows and the RGBA bitmap, about 8
 * bytes a pixel, so this caps it near 1 GB, like jpeg-js's maxMemoryUsageInMB for JPEG. (A 1.8 MB
 * PNG of 25000x25000 pixels took 6 GB without it.)
 */
export const MAX_PNG_PIXELS = 100_000_000;

/** Decode a PNG or JPEG file (told apart by their signatures); any failure names the file. */
export function decodeImage(file: string): RgbaImage {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    throw new UserError(`cannot read image ${file}: ${(err as Error).message}`);
  }
  const isPng = buf.length >= 8 && buf.readUInt32BE(0) === 0x89504e47;
  const isJpeg = buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff;
  if (!isPng && !isJpeg) throw new UserError(`${file} is neither a PNG nor a JPEG (by its first bytes): replace or remove it`);
  let img: RgbaImage;
  try {
    if (isPng) {
      // The size is in the IHDR chunk, right after the signature: check it before inflating.
      if (buf.length >= 24 && buf.toString("latin1", 12, 16) === "IHDR") {
        const w = buf.readUInt32BE(16);
        const h = buf.readUInt32BE(20);
        if (w * h > MAX_PNG_PIXELS) {
          throw new UserError(`${file} is a ${w}x${h} PNG (${((w * h) / 1e6).toFixed(0)} megapixels), over the ${MAX_PNG_PIXELS / 1e6}-megapixel decoding limit: scale it down or remove it`);
        }
      }
      const p = PNG.sync.read(buf);
      img = { width: p.width, height: p.height, rgba: p.data };
    } else {
      const j = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false, maxMemoryUsageInMB: 1024 });
      img = { width: j.width, height: j.height, rgba: j.data };
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot decode ${file} (corrupt or truncated ${isPng ? "PNG" : "JPEG"}: ${(err as Error).message}): replace or remove it`);
  }
  if (img.width < 1 || img.height < 1 || img.rgba.length !== img.width * img.height * 4) {
    throw new UserError(`cannot decode ${file}: ${img.width}x${img.height} image with ${img.rgba.length} bytes of pixels`);
  }
  return img;
}

/** Area-averaging weights from `m` source pixels to `s` output pixels. */
interface Weights {
  first: Int32Array;
  count: Int32Array;
  w: Float64Array[];
}

function areaWeights(m: number, s: number): Weights {
  const first = new Int32Array(s);
  const count = new Int32Array(s);
  const w: Float64Array[] = [];
  for (let i = 0; i < s; i++) {
    const a = (i * m) / s;
    const b = ((i + 1) * m) / s;
    const j0 = Math.floor(a);
    const j1 = Math.min(m, Math.ceil(b));
    const ws = new Float64Array(j1 - j0);
    for (let j = j0; j < j1; j++) ws[j - j0] = (Math.min(b, j + 1) - Math.max(a, j)) / (b - a);
    first[i] = j0;
    count[i] = j1 - j0;
    w.push(ws);
  }
  return { first, count, w };
}

/**
 * Crop the centred square of `img` and resize it to `size` x `size` by area averaging, writing RGB
 * floats in [-1, 1] into `out` from `offset`.
 */
export function cropResize(img: RgbaImage, size: number, out: Float32Array, offset = 0): void {
  const m = Math.min(img.width, img.height);
  const x0 = Math.floor((img.width - m) / 2);
  const y0 = Math.floor((img.height - m) / 2);
  const wx = areaWeights(m, size);
  const wy = areaWeights(m, size);
  // Horizontal pass over the m cropped rows: rows[r][x][c].
  const rows = new Float64Array(m * size * 3);
  for (let r = 0; r < m; r++) {
    const src = ((y0 + r) * img.width + x0) * 4;
    for (let x = 0; x < size; x++) {
      let R = 0;
      let G = 0;
      let B = 0;
      const ws = wx.w[x];
      for (let k = 0; k < wx.count[x]; k++) {
        const p = src + (wx.first[x] + k) * 4;
        R += ws[k] * img.rgba[p];
        G += ws[k] * img.rgba[p + 1];
        B += ws[k] * img.rgba[p + 2];
      }
      const d = (r * size + x) * 3;
      rows[d] = R;
      rows[d + 1] = G;
      rows[d + 2] = B;
    }
  }
  // Vertical pass.
  for (let y = 0; y < size; y++) {
    const ws = wy.w[y];
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (let k = 0; k < wy.count[y]; k++) v += ws[k] * rows[((wy.first[y] + k) * size + x) * 3 + c];
        out[offset + (y * size + x) * 3 + c] = Math.min(1, Math.max(-1, v / 127.5 - 1));
      }
    }
  }
}

function checkInt(what: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new UserError(`image ${what} must be an integer from ${min} to ${max}, got ${v}`);
}

/** Load a folder of images (see the file comment for which files, in what order, and how resized). */
export function loadImageFolder(dir: string, opts: ImageFolderOptions = {}): Dataset {
  const size = opts.size ?? 64;
  checkInt("size", size, 4, 1024);
  if (opts.limit !== undefined) checkInt("limit", opts.limit, 1, Number.MAX_SAFE_INTEGER);
  const all = listImages(dir);
  if (all.length === 0) throw new UserError(`no PNG or JPEG images in ${dir} (subfolders included)`);
  const files = opts.limit !== undefined ? all.slice(0, opts.limit) : all;
  const per = size * size * 3;
  const bytes = files.length * per * 4;
  if (bytes > MAX_BYTES) {
    const fit = Math.floor(MAX_BYTES / (per * 4));
    throw new UserError(`${files.length} images of ${size}x${size} in ${dir} need ${(bytes / 1024 ** 3).toFixed(1)} GB as float32: load at most ${fit} (limit) or use a smaller size`);
  }
  const data = new Float32Array(files.length * per);
  const show = (opts.progress ?? !process.env.CI) && files.length >= 500 && process.stderr.isTTY === true;
  const bar = show
    ? stderrBar("images [{bar}] {value}/{total}  {eta_formatted} left")
    : null;
  bar?.start(files.length, 0);
  try {
    for (let i = 0; i < files.length; i++) {
      cropResize(decodeImage(path.join(dir, files[i])), size, data, i * per);
      bar?.update(i + 1);
    }
  } finally {
    bar?.stop();
  }
  return { name: opts.name ?? path.basename(path.resolve(dir)), shape: [size, size, 3], data };
}

/**
 * A `--data` spec for an image folder: `DIR`, optionally followed by `:size=N` and/or `:limit=N`
 * (e.g. `data/celeba:size=32:limit=20000`). Returns the folder and the options found.
 */
export function parseImageFolderSpec(spec: string): { dir: string; size?: number; limit?: number } {
  let dir = spec;
  const out: { dir: string; size?: number; limit?: number } = { dir };
  for (let m = /:(size|limit)=([^:/\\]*)$/.exec(dir); m; m = /:(size|limit)=([^:/\\]*)$/.exec(dir)) {
    const v = Number(m[2]);
    if (m[2].trim() === "" || !Number.isInteger(v) || v < 1) throw new UserError(`"${spec}": ${m[1]} must be a positive integer, got "${m[2]}"`);
    if (out[m[1] as "size" | "limit"] === undefined) out[m[1] as "size" | "limit"] = v;
    dir = dir.slice(0, m.index);
  }
  out.dir = dir;
  return out;
}
