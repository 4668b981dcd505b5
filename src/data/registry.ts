/** Datasets by name: built-in ones, downloaded ones, or a folder of IDX files. */
import * as fs from "fs";
import * as path from "path";
import { UserError } from "../errors";
import { Dataset } from "./dataset";
import { idxSplits, loadIdxImages, sharedMnistDir } from "./idx";
import { grid25, ring8, sampleMixture } from "./mixtures";
import { syntheticDigits } from "./synthetic-digits";

export const DOWNLOAD_DIR = path.resolve(__dirname, "../../data/downloads");

export const FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

const BUILTIN: Record<string, (seed: number) => Dataset> = {
  "synthetic-digits": (seed) => syntheticDigits({ count: 10000, seed }),
  ring8: (seed) => sampleMixture(ring8(), 10000, seed),
  grid25: (seed) => sampleMixture(grid25(), 10000, seed),
};

export const DATA_NAMES = [...Object.keys(BUILTIN), "mnist", "fashion-mnist"];

/** Folder holding MNIST: data/downloads/mnist, else ../shared/data/mnist (the real test set). */
export function mnistDir(): string | null {
  const local = path.join(DOWNLOAD_DIR, "mnist");
  if (fs.existsSync(local) && idxSplits(local).length) return local;
  return sharedMnistDir();
}

/**
 * Load a dataset by name ("synthetic-digits", "ring8", "grid25", "mnist", "fashion-mnist") or
 * from a folder of MNIST-format IDX files.
 */
export function loadData(spec: string, seed = 1): Dataset {
  if (BUILTIN[spec]) return BUILTIN[spec](seed);
  if (spec === "mnist") {
    const dir = mnistDir();
    if (!dir) throw new UserError(`MNIST not found: put its IDX files in ${path.join(DOWNLOAD_DIR, "mnist")} (see README)`);
    return loadIdxImages(dir, "mnist");
  }
  if (spec === "fashion-mnist") {
    const dir = path.join(DOWNLOAD_DIR, "fashion-mnist");
    if (!fs.existsSync(dir)) throw new UserError(`Fashion-MNIST not found: put its IDX files in ${dir} (see README)`);
    return loadIdxImages(dir, "fashion-mnist", "all", FASHION_CLASSES);
  }
  if (spec.includes("/") || spec.includes(path.sep) || fs.existsSync(spec)) {
    if (!fs.existsSync(spec)) throw new UserError(`data path not found: ${spec}`);
    return loadIdxImages(path.resolve(spec), path.basename(path.resolve(spec)));
  }
  throw new UserError(`unknown dataset "${spec}": use one of ${DATA_NAMES.join(", ")} or a folder of IDX files`);
}
