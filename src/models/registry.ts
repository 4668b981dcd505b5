/** Models by name, built to fit a dataset's shape. */
import { UserError } from "../errors";
import { Dataset } from "../data/dataset";
import { GanModel } from "../train/types";
import { Dcgan } from "./dcgan";
import { Began, IMPROVED_BEGAN } from "./began";
import { tganFor } from "./tgan";
import { deliganFor } from "./deligan";
import { acganFor } from "./acgan";
import { Pggan } from "./pggan";
import { Gan } from "./gan";

export interface ModelEntry {
  /** One line for --help and error messages. */
  summary: string;
  /** The model for this dataset. */
  create(data: Dataset, seed: number): GanModel;
  /** Default benchmark setting: the dataset shape it trains on. */
  benchShape: number[];
}

export const MODELS: Record<string, ModelEntry> = {
  gan: {
    summary: "original GAN (Goodfellow 2014): MLP G and D, non-saturating G loss",
    create: (data, seed) =>
      new Gan({
        dataDim: data.shape.reduce((a, b) => a * b, 1),
        sampleShape: data.shape,
        output: data.shape.length === 1 ? "linear" : "tanh",
        hidden: data.shape.length === 1 ? [128, 128] : [256, 256],
        latentDim: data.shape.length === 1 ? 16 : 100,
        seed,
      }),
    benchShape: [28, 28, 1],
  },
  dcgan: {
    summary: "DCGAN (Radford 2015): all-convolutional G and D with batch norm",
    create: (data, seed) => {
      imagesOnly("dcgan", data);
      return new Dcgan({ imageSize: data.shape[0], channels: data.shape[2], seed });
    },
    benchShape: [28, 28, 1],
  },
};

function imagesOnly(model: string, data: Dataset): void {
  if (data.shape.length !== 3) throw new UserError(`${model} needs images, but ${data.name} holds ${data.shape.join("x")} points`);
}

MODELS.began = {
  summary: "BEGAN (Berthelot 2017): auto-encoder D, L1 losses, k_t equilibrium, ELU",
  create: (data, seed) => {
    imagesOnly("began", data);
    return new Began({ imageSize: data.shape[0], channels: data.shape[2], seed });
  },
  benchShape: [32, 32, 3],
};

MODELS["began-improved"] = {
  summary: "improved BEGAN (Park et al.): LeakyReLU 0.2, encoder blocks of 3",
  create: (data, seed) => {
    imagesOnly("began-improved", data);
    return new Began({ ...IMPROVED_BEGAN, imageSize: data.shape[0], channels: data.shape[2], seed }, "began-improved");
  },
  benchShape: [32, 32, 3],
};

MODELS.tgan = { summary: "t-GAN (Sun et al. 2020): mixture-of-t latent, class codewords, auxiliary classifier on D", create: tganFor, benchShape: [28, 28, 1] };
MODELS.deligan = { summary: "DeLiGAN (Gurumurthy 2017): learned mixture-of-Gaussians latent, DCGAN networks", create: deliganFor, benchShape: [28, 28, 1] };
MODELS.acgan = { summary: "ACGAN (Odena 2017): one-hot class input to G, auxiliary classifier head on D", create: acganFor, benchShape: [28, 28, 1] };

MODELS.pggan = {
  summary: "PGGAN (Karras 2017): progressive growing from 4x4, PixelNorm, equalized lr, minibatch stddev, WGAN-GP",
  create: (data, seed) => {
    imagesOnly("pggan", data);
    return new Pggan({ imageSize: data.shape[0], channels: data.shape[2], seed });
  },
  benchShape: [32, 32, 3],
};

MODELS["pggan-full"] = {
  summary: "PGGAN's final network trained at full resolution from the start (no growing)",
  create: (data, seed) => {
    imagesOnly("pggan-full", data);
    return new Pggan({ imageSize: data.shape[0], channels: data.shape[2], nonProgressive: true, seed });
  },
  benchShape: [32, 32, 3],
};

export function modelEntry(name: string): ModelEntry {
  const entry = MODELS[name];
  if (!entry) throw new UserError(`unknown model "${name}": valid models are ${Object.keys(MODELS).join(", ")}`);
  return entry;
}
