/**
 * ACGAN (Odena, Olah, Shlens 2017), a baseline of the t-GAN paper: G gets the class as a one-hot
 * vector beside the noise, G(z, e_y); D has two heads on its features, the source P(S|x) and the
 * class P(C|x). With
 *   L_S = E[log P(S = real | x_real)] + E[log P(S = fake | x_fake)]
 *   L_C = E[log P(C = c | x_real)] + E[log P(C = c | x_fake)]
 * D maximises L_S + L_C and G maximises L_C - L_S. As minimised losses (non-saturating G):
 *   L_D = D_loss + L_C,   L_G = -E log D(G(z, c)) + L_C,   L_C the cross-entropies
 * i.e. t-GAN's losses with alpha = 1. Noise: N(0, I), p = 100; fake classes drawn uniformly.
 *
 * It is t-GAN's implementation (src/models/tgan.ts) with the Gaussian prior and one-hot
 * conditioning, on the same networks (DCGAN convs with a class head on D's last feature map).
 */
import { ModelSettings, userSettings } from "./settings";
import { Dataset } from "../data/dataset";
import { UserError } from "../errors";
import { LatentGan, LatentGanConfig, latentGanShape, TGAN_DEFAULTS } from "./tgan";

export const ACGAN_DEFAULTS: LatentGanConfig = {
  ...TGAN_DEFAULTS,
  prior: "gaussian",
  learnLatent: false,
  sigmaReg: 0,
  conditioning: "one-hot",
  auxClassifier: true,
  alpha: 1,
};

export class Acgan extends LatentGan {
  constructor(config: Partial<LatentGanConfig> = {}, name = "acgan") {
    super(name, "ACGAN", ACGAN_DEFAULTS, config);
  }
}

/** ACGAN with networks fitting a dataset (registry); the data must have class labels. */
export function acganFor(data: Dataset, seed: number, settings?: ModelSettings): Acgan {
  if (!data.labels || (data.numClasses ?? 0) < 2) throw new UserError(`acgan needs class labels, but ${data.name} has none`);
  return new Acgan({ ...latentGanShape(data), ...userSettings<LatentGanConfig>("acgan", settings), seed });
}
