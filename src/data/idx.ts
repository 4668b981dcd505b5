/**
 * IDX files (MNIST, Fashion-MNIST), gzip-compressed or raw. Every inconsistency is an error that
 * names the file: never a silent partial dataset.
 */
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { UserError } from "../errors";
import { Dataset } from "./dataset";

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Read an IDX file of unsigned bytes (type 0x08); `.gz` files are inflated first. */
export function readIdx(file: string): IdxArray {
  if (!fs.existsSync(file)) throw new UserError(`file not found: ${file}`);
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
    if (buf[0] === 0x1f && buf[1] === 0x8b) buf = zlib.gunzipSync(buf);
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) throw new UserError(`${file} is not an IDX file (wrong magic number)`);
  if (buf[2] !== 0x08) throw new UserError(`${file}: IDX element type 0x${buf[2].toString(16)} is not supported (only unsigned bytes)`);
  const rank = buf[3];
  if (rank < 1 || rank > 4 || buf.length < 4 + 4 * rank) throw new UserError(`${file}: bad IDX header (rank ${rank})`);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const body = buf.subarray(4 + 4 * rank);
  if (body.length < expected) {
    throw new UserError(`${file} is truncated: the header promises ${dims.join("x")} = ${expected} bytes, the file holds ${body.length}`);
  }
  if (body.length > expected) throw new UserError(`${file} has ${body.length - expected} bytes more than its header (${dims.join("x")}) describes`);
  return { dims, data: new Uint8Array(body) };
}

/** The standard file names of one split. */
const SPLITS = {
  train: ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"],
  test: ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"],
} as const;

function findFile(dir: string, base: string): string | null {
  for (const name of [base, `${base}.gz`, base.replace(/-idx(\d)-/, ".idx$1-")]) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

/** Which splits a folder holds. */
export function idxSplits(dir: string): ("train" | "test")[] {
  return (Object.keys(SPLITS) as ("train" | "test")[]).filter((s) => findFile(dir, SPLITS[s][0]) !== null);
}

/**
 * Load MNIST-format images and labels from a folder (train and/or test split, gz or raw).
 * Images become [n, 28, 28, 1] floats in [-1, 1].
 */
export function loadIdxImages(dir: string, name: string, split: "train" | "test" | "all" = "all", classNames?: string[]): Dataset {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UserError(`data folder not found: ${dir}`);
  const wanted = split === "all" ? idxSplits(dir) : [split];
  if (wanted.length === 0) {
    throw new UserError(`no ${name} files in ${dir}: expected ${SPLITS.train[0]}(.gz) or ${SPLITS.test[0]}(.gz) with their label files`);
  }
  const parts: { images: IdxArray; labels: IdxArray }[] = [];
  for (const s of wanted) {
    const [imgBase, lblBase] = SPLITS[s];
    const imgFile = findFile(dir, imgBase);
    const lblFile = findFile(dir, lblBase);
    if (!imgFile) throw new UserError(`missing ${imgBase}(.gz) in ${dir}`);
    if (!lblFile) throw new UserError(`missing ${lblBase}(.gz) in ${dir}`);
    const images = readIdx(imgFile);
    const labels = readIdx(lblFile);
    if (images.dims.length !== 3) throw new UserError(`${imgFile}: expected a 3-D image array, got ${images.dims.join("x")}`);
    if (labels.dims.length !== 1) throw new UserError(`${lblFile}: expected a 1-D label array, got ${labels.dims.join("x")}`);
    if (images.dims[0] !== labels.dims[0]) {
      throw new UserError(`${imgFile} has ${images.dims[0]} images but ${lblFile} has ${labels.dims[0]} labels`);
    }
    const bad = labels.data.findIndex((l) => l > 9);
    if (bad >= 0) throw new UserError(`${lblFile}: label ${labels.data[bad]} at index ${bad} is outside 0-9`);
    parts.push({ images, labels });
  }
  const [h, w] = parts[0].images.dims.slice(1);
  const n = parts.reduce((a, p) => a + p.images.dims[0], 0);
  const data = new Float32Array(n * h * w);
  const labels = new Int32Array(n);
  let o = 0;
  for (const p of parts) {
    for (let i = 0; i < p.images.data.length; i++) data[o * h * w + i] = p.images.data[i] / 127.5 - 1;
    labels.set(p.labels.data, o);
    o += p.images.dims[0];
  }
  return { name, shape: [h, w, 1], data, labels, numClasses: 10, classNames: classNames ?? [...Array(10).keys()].map(String) };
}

/** Where the real MNIST test set sits beside the project (CI and this machine), or null. */
export function sharedMnistDir(): string | null {
  const dir = path.resolve(__dirname, "../../../shared/data/mnist");
  return fs.existsSync(dir) ? dir : null;
}
