/** Models by name, built to fit a dataset's shape. */
import { UserError } from "../errors";
import { Dataset } from "../data/dataset";
import { GanModel } from "../train/types";
import { Dcgan } from "./dcgan";
import { Began, BeganConfig, IMPROVED_BEGAN, TABLE2_IMPROVED_BEGAN } from "./began";
import { tganFor } from "./tgan";
import { deliganFor } from "./deligan";
import { acganFor } from "./acgan";
import { Pggan } from "./pggan";
import { Gan } from "./gan";
import { ModelSettings, userSettings } from "./settings";

export { ModelSettings };

export interface ModelEntry {
  /** One line for --help and error messages. */
  summary: string;
  /**
   * The model for this dataset. `settings` override the model's defaults and go through its
   * config checks (unknown keys and bad values listed in one error); the shape keys come from the data.
   */
  create(data: Dataset, seed: number, settings?: ModelSettings): GanModel;
  /** Default benchmark setting: the dataset shape it trains on. */
  benchShape: number[];
  /**
   * Put a fresh model into the state `npm run bench` times and say what that is, where a fresh
   * model is not what training spends its time on (PGGAN starts at 4x4: its final level is timed).
   */
  benchAt?(model: GanModel): string;
  /** The image size the model trains at for images of size `size` (default: `size` itself). */
  imageSize?(size: number): number;
}

/** The smallest 8 * 2^k (BEGAN) or 4 * 2^k (PGGAN, DCGAN) at least `size`. */
function powerOfTwoAtLeast(size: number, base: number): number {
  let s = base;
  while (s < size) s *= 2;
  return s;
}

export const MODELS: Record<string, ModelEntry> = {
  gan: {
    summary: "original GAN (Goodfellow 2014): MLP G and D, non-saturating G loss",
    create: (data, seed, settings) =>
      new Gan({
        ...userSettings("gan", settings),
        dataDim: data.shape.reduce((a, b) => a * b, 1),
        sampleShape: data.shape,
        output: data.shape.length === 1 ? "linear" : "tanh",
        latentDim: (settings?.latentDim as number | undefined) ?? (data.shape.length === 1 ? 16 : 100),
        hidden: (settings?.hidden as number[] | undefined) ?? (data.shape.length === 1 ? [128, 128] : [256, 256]),
        seed,
      }),
    benchShape: [28, 28, 1],
  },
  dcgan: {
    summary: "DCGAN (Radford 2015): all-convolutional G and D with batch norm",
    create: (data, seed, settings) => {
      imagesOnly("dcgan", data);
      return new Dcgan({ ...userSettings("dcgan", settings), imageSize: data.shape[0], channels: data.shape[2], seed });
    },
    benchShape: [28, 28, 1],
    imageSize: (size) => (size % 7 === 0 && Number.isInteger(Math.log2(size / 7)) && size >= 14 ? size : powerOfTwoAtLeast(size, 8)),
  },
};

function imagesOnly(model: string, data: Dataset): void {
  if (data.shape.length !== 3) throw new UserError(`${model} needs images, but ${data.name} holds ${data.shape.join("x")} points`);
}

/** A BEGAN registry entry: `preset` (over BEGAN's defaults) under the user's settings, at a power of two at least `minSize`. */
function beganEntry(name: string, summary: string, preset: Partial<BeganConfig>, minSize: number): ModelEntry {
  return {
    summary,
    create: (data, seed, settings) => {
      imagesOnly(name, data);
      return new Began({ ...preset, ...userSettings(name, settings), imageSize: data.shape[0], channels: data.shape[2], seed }, name);
    },
    benchShape: [32, 32, 3],
    imageSize: (size) => powerOfTwoAtLeast(size, minSize),
  };
}

MODELS.began = beganEntry("began", "BEGAN (Berthelot 2017): auto-encoder D, L1 losses, k_t equilibrium, ELU", {}, 8);
MODELS["began-improved"] = beganEntry("began-improved", "improved BEGAN (Park et al.): LeakyReLU 0.2, encoder blocks of 3", IMPROVED_BEGAN, 8);
MODELS["began-table2"] = beganEntry(
  "began-table2",
  "improved BEGAN with Table 2's closest-count architecture: LeakyReLU 0.2, G + encoder = Table 2's sum",
  TABLE2_IMPROVED_BEGAN,
  16,
);

MODELS.tgan = { summary: "t-GAN (Sun et al. 2020): mixture-of-t latent, class codewords, auxiliary classifier on D", create: tganFor, benchShape: [28, 28, 1], imageSize: MODELS.dcgan.imageSize };
MODELS.deligan = { summary: "DeLiGAN (Gurumurthy 2017): learned mixture-of-Gaussians latent, DCGAN networks", create: deliganFor, benchShape: [28, 28, 1], imageSize: MODELS.dcgan.imageSize };
MODELS.acgan = { summary: "ACGAN (Odena 2017): one-hot class input to G, auxiliary classifier head on D", create: acganFor, benchShape: [28, 28, 1], imageSize: MODELS.dcgan.imageSize };

MODELS.pggan = {
  summary: "PGGAN (Karras 2017): progressive growing from 4x4, PixelNorm, equalized lr, minibatch stddev, WGAN-GP",
  create: (data, seed, settings) => {
    imagesOnly("pggan", data);
    return new Pggan({ ...userSettings("pggan", settings), imageSize: data.shape[0], channels: data.shape[2], seed });
  },
  benchShape: [32, 32, 3],
  benchAt: (model) => {
    const m = model as Pggan;
    const last = m.phases[m.phases.length - 1];
    m.setProgress(last.startImages);
    return `final ${last.resolution}x${last.resolution} level`;
  },
  imageSize: (size) => powerOfTwoAtLeast(size, 8),
};

MODELS["pggan-full"] = {
  summary: "PGGAN's final network trained at full resolution from the start (no growing)",
  create: (data, seed, settings) => {
    imagesOnly("pggan-full", data);
    return new Pggan({ ...userSettings("pggan-full", settings), imageSize: data.shape[0], channels: data.shape[2], nonProgressive: true, seed });
  },
  benchShape: [32, 32, 3],
  imageSize: (size) => powerOfTwoAtLeast(size, 8),
};

export function modelEntry(name: string): ModelEntry {
  const entry = MODELS[name];
  if (!entry) throw new UserError(`unknown model "${name}": valid models are ${Object.keys(MODELS).join(", ")}`);
  return entry;
}
