/**
 * CIFAR-10, binary version (https://www.cs.toronto.edu/~kriz/cifar.html): data_batch_1..5.bin
 * (training, 10,000 images each) and test_batch.bin. Each record is 1 label byte (0-9) then 3072
 * pixel bytes: the 32x32 red plane, then green, then blue, rows top to bottom. Loaded as
 * [n, 32, 32, 3] floats in [-1, 1] with labels. Every inconsistency is an error naming the file.
 */
import * as fs from "fs";
import * as path from "path";
import { UserError } from "../errors";
import { Dataset } from "./dataset";

export const CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILES = ["test_batch.bin"];
export const CIFAR10_FILES = [...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES];

const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE;
const HOW = "get it with `npm run data -- cifar10`";

/**
 * The folder holding the batch files: `dir` itself, or its `cifar-10-batches-bin/` subfolder
 * (the layout of the unpacked official archive); null when neither holds any.
 */
export function cifar10Dir(dir: string): string | null {
  for (const d of [dir, path.join(dir, "cifar-10-batches-bin")]) {
    if (CIFAR10_FILES.some((f) => fs.existsSync(path.join(d, f)))) return d;
  }
  return null;
}

/** Read and check one binary batch file: its records (1 label byte + R, G, B planes) as stored. */
export function readCifarBatch(file: string): { count: number; bytes: Buffer } {
  if (!fs.existsSync(file)) throw new UserError(`missing ${file}: ${HOW}`);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (bytes.length === 0) throw new UserError(`${file} is empty: ${HOW}`);
  if (bytes.length % RECORD !== 0) {
    throw new UserError(
      `${file}: ${bytes.length} bytes is not a whole number of CIFAR-10 records (${RECORD} bytes: 1 label + 32x32x3 pixels); the file is truncated or not a CIFAR-10 binary batch`,
    );
  }
  const count = bytes.length / RECORD;
  for (let i = 0; i < count; i++) {
    const label = bytes[i * RECORD];
    if (label > 9) {
      throw new UserError(`${file}: record ${i} has label ${label}, CIFAR-10 labels are 0-9 (a CIFAR-100 file, or not a CIFAR-10 batch?)`);
    }
  }
  return { count, bytes };
}

/**
 * Load CIFAR-10 from `dir` (or `dir/cifar-10-batches-bin`). `split`: "train" (the 50,000 training
 * images, the default, what GAN papers train on), "test" (10,000) or "all" (60,000, train first).
 */
export function loadCifar10(dir: string, split: "train" | "test" | "all" = "train"): Dataset {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UserError(`CIFAR-10 not found: no folder ${dir}; ${HOW}`);
  const d = cifar10Dir(dir);
  if (!d) throw new UserError(`no CIFAR-10 batch files (data_batch_1.bin ... test_batch.bin) in ${dir}: ${HOW}`);
  const names = split === "train" ? CIFAR10_TRAIN_FILES : split === "test" ? CIFAR10_TEST_FILES : CIFAR10_FILES;
  const batches = names.map((n) => readCifarBatch(path.join(d, n)));
  const n = batches.reduce((a, b) => a + b.count, 0);
  const data = new Float32Array(n * RECORD - n);
  const labels = new Int32Array(n);
  const lut = new Float32Array(256).map((_, v) => v / 127.5 - 1);
  let k = 0;
  for (const { count, bytes } of batches) {
    for (let r = 0; r < count; r++, k++) {
      const src = r * RECORD;
      labels[k] = bytes[src];
      const dst = k * 3 * PLANE;
      for (let p = 0; p < PLANE; p++) {
        data[dst + 3 * p] = lut[bytes[src + 1 + p]];
        data[dst + 3 * p + 1] = lut[bytes[src + 1 + PLANE + p]];
        data[dst + 3 * p + 2] = lut[bytes[src + 1 + 2 * PLANE + p]];
      }
    }
  }
  return { name: split === "train" ? "cifar10" : `cifar10-${split}`, shape: [SIDE, SIDE, 3], data, labels, numClasses: 10, classNames: [...CIFAR10_CLASSES] };
}
