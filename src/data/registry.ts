/** Datasets by name: built-in ones, downloaded ones, or a folder of IDX files. */
import * as fs from "fs";
import * as path from "path";
import { UserError } from "../errors";
import { Dataset } from "./dataset";
import { idxSplits, loadIdxImages, sharedMnistDir } from "./idx";
import { grid25, ring8, sampleMixture } from "./mixtures";
import { syntheticDigits } from "./synthetic-digits";
import { cifar10Dir, loadCifar10 } from "./cifar10";
import { hasImages, loadImageFolder, parseImageFolderSpec } from "./image-folder";

export const DOWNLOAD_DIR = path.resolve(__dirname, "../../data/downloads");

export const FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

const BUILTIN: Record<string, (seed: number) => Dataset> = {
  "synthetic-digits": (seed) => syntheticDigits({ count: 10000, seed }),
  ring8: (seed) => sampleMixture(ring8(), 10000, seed),
  grid25: (seed) => sampleMixture(grid25(), 10000, seed),
};

export const DATA_NAMES = [...Object.keys(BUILTIN), "mnist", "fashion-mnist", "cifar10"];

/** Folder holding MNIST: data/downloads/mnist, else ../shared/data/mnist (the real test set). */
export function mnistDir(): string | null {
  const local = path.join(DOWNLOAD_DIR, "mnist");
  if (fs.existsSync(local) && idxSplits(local).length) return local;
  return sharedMnistDir();
}

/** Where Debian's package `dataset-fashion-mnist` puts the full Fashion-MNIST (60k train + 10k test). */
export const DEBIAN_FASHION_DIR = "/usr/share/datasets/fashion-mnist";

/** Folder holding Fashion-MNIST: data/downloads/fashion-mnist, else Debian's package's folder. */
export function fashionMnistDir(): string | null {
  const local = path.join(DOWNLOAD_DIR, "fashion-mnist");
  if (fs.existsSync(local) && idxSplits(local).length) return local;
  return fs.existsSync(DEBIAN_FASHION_DIR) && idxSplits(DEBIAN_FASHION_DIR).length ? DEBIAN_FASHION_DIR : null;
}

/**
 * Load a dataset by name ("synthetic-digits", "ring8", "grid25", "mnist", "fashion-mnist",
 * "cifar10") or from a folder: MNIST-format IDX files, CIFAR-10 binary batches, or JPEG/PNG
 * images ("DIR:size=64:limit=20000" crops and resizes them).
 */
export function loadData(spec: string, seed = 1): Dataset {
  if (BUILTIN[spec]) return BUILTIN[spec](seed);
  if (spec === "mnist") {
    const dir = mnistDir();
    if (!dir) throw new UserError(`MNIST not found in ${path.join(DOWNLOAD_DIR, "mnist")}: get it with \`npm run data -- mnist\``);
    return loadIdxImages(dir, "mnist");
  }
  if (spec === "fashion-mnist") {
    const dir = fashionMnistDir();
    if (!dir) {
      throw new UserError(
        `Fashion-MNIST not found in ${path.join(DOWNLOAD_DIR, "fashion-mnist")} or ${DEBIAN_FASHION_DIR}: get it with \`npm run data -- fashion-mnist\`, or on Debian/Ubuntu \`sudo apt-get install dataset-fashion-mnist\``,
      );
    }
    return loadIdxImages(dir, "fashion-mnist", "all", FASHION_CLASSES);
  }
  if (spec === "cifar10") return loadCifar10(path.join(DOWNLOAD_DIR, "cifar10"));
  const { dir, size, limit } = parseImageFolderSpec(spec);
  if (dir.includes("/") || dir.includes(path.sep) || fs.existsSync(dir)) {
    if (!fs.existsSync(dir)) throw new UserError(`data path not found: ${dir}`);
    const abs = path.resolve(dir);
    if (cifar10Dir(abs)) return loadCifar10(abs);
    if (idxSplits(abs).length === 0 && hasImages(abs)) return loadImageFolder(abs, { size, limit });
    return loadIdxImages(abs, path.basename(abs));
  }
  throw new UserError(`unknown dataset "${spec}": use one of ${DATA_NAMES.join(", ")}, or a folder of IDX files, CIFAR-10 batches or images (DIR[:size=N][:limit=N])`);
}
