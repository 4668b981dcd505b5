/**
 * DeLiGAN (Gurumurthy, Sarvadevabhatla, Babu 2017), the t-GAN paper's closest baseline: the latent
 * space is reparameterised as a mixture of N Gaussians whose means and scales G learns,
 *   z = mu_i + sigma_i * eps,   i ~ uniform{1..N},   eps ~ N(0, I),
 * with mu_i ~ U(-1, 1) and sigma_i = 0.2 at start, and a regulariser on the scales added to G's
 * loss so they do not shrink to zero:  lambda * sum_i (1 - sigma_i)^2 / N  (here sigma_i is a
 * diagonal vector and the square is summed over its entries). Unconditional, no classifier.
 *
 * It is t-GAN's implementation (src/models/tgan.ts) with the Gaussian-mixture prior and
 * conditioning and the auxiliary classifier off; the same networks (DCGAN convs for images, MLPs
 * for the 2-D mixtures) so the comparison changes nothing but the latent space.
 * Our choices where our sources give no value: N = 50 components, lambda = 1.
 */
import { ModelSettings, userSettings } from "./settings";
import { Dataset } from "../data/dataset";
import { LatentGan, LatentGanConfig, latentGanShape, TGAN_DEFAULTS } from "./tgan";

export const DELIGAN_DEFAULTS: LatentGanConfig = {
  ...TGAN_DEFAULTS,
  prior: "gaussian-mixture",
  components: 50,
  learnLatent: true,
  muInit: 1,
  sigmaInit: 0.2,
  sigmaReg: 1,
  conditioning: "none",
  auxClassifier: false,
};

export class Deligan extends LatentGan {
  constructor(config: Partial<LatentGanConfig> = {}, name = "deligan") {
    super(name, "DeLiGAN", DELIGAN_DEFAULTS, config);
  }
}

/** DeLiGAN with networks fitting a dataset (registry); it never uses the labels. */
export function deliganFor(data: Dataset, seed: number, settings?: ModelSettings): Deligan {
  const { network, imageSize, channels, dataDim, sampleShape, hidden, output, noiseDim } = latentGanShape(data);
  return new Deligan({ network, hidden, output, noiseDim, ...userSettings<LatentGanConfig>("deligan", settings), imageSize, channels, dataDim, sampleShape, seed });
}
