/**
 * Metrics by name. Each metric is one file beside this one; a metric takes images or feature
 * vectors (an evaluator network's penultimate layer), never a model: the caller generates the
 * images, runs the evaluator and hands the results over. Each entry says which input it needs.
 */
import { UserError } from "../errors";
import { ImageInput, PixelRange } from "./images";
import { msSsimDiversityDetail } from "./ms-ssim";
import { swd } from "./swd";
import { inceptionMetric } from "./inception-score";
import { Features } from "./features";
import { frechetFromFeatures } from "./frechet";
import { kid } from "./kid";
import { precisionRecall, PrecisionRecall } from "./precision-recall";
import { densityCoverage, DensityCoverage } from "./density-coverage";

export interface MetricInputs {
  /** The images to score (e.g. generator samples); image metrics need them. */
  fake?: ImageInput;
  /** Reference images (training data), for image metrics that compare two sets. */
  real?: ImageInput;
  /** Value range of both image sets (image metrics). */
  range?: PixelRange;
  /** Feature vectors of the real and the generated images, for the feature metrics. */
  features?: { real: Features; fake: Features };
  /** Seed of the metric's own random draws (default 0). */
  seed?: number;
  /** Metric-specific settings, e.g. {pairs: 2000} for ms-ssim or {patchesPerImage: 64} for swd. */
  options?: Record<string, unknown>;
}

export interface MetricValue {
  metric: string;
  /** The headline number. */
  value: number;
  /** Named parts of it (per-level SWD, standard error, ...). */
  details: Record<string, number>;
}

export interface MetricEntry {
  /** One line for --help and error messages. */
  summary: string;
  /** What the metric reads: images (fake, real, range) or features ({real, fake} feature vectors). */
  input: "images" | "features";
  /** Whether the metric compares against the real set (always, for feature metrics). */
  needsReal: boolean;
  compute(inputs: MetricInputs): MetricValue;
}

export const METRICS: Record<string, MetricEntry> = {
  swd: {
    summary: "sliced Wasserstein distance x 1e3 on Laplacian pyramid patches (PGGAN); lower is closer to the real set",
    input: "images",
    needsReal: true,
    compute: ({ real, fake, range, seed, options }) => {
      const r = swd(real!, fake!, { ...options, range: range!, seed });
      const details: Record<string, number> = {};
      for (const l of r.levels) details[`swd-${l.resolution}`] = l.swd;
      return { metric: "swd", value: r.average, details };
    },
  },
  "ms-ssim": {
    summary: "mean MS-SSIM over random pairs of the generated images (PGGAN's diversity figure); lower is more diverse",
    input: "images",
    needsReal: false,
    compute: ({ fake, range, seed, options }) => {
      const r = msSsimDiversityDetail(fake!, { ...options, range: range!, seed });
      return { metric: "ms-ssim", value: r.mean, details: { stderr: r.stderr, pairs: r.pairs, clamped: r.clamped } };
    },
  },
  "inception-score": {
    summary: "inception score under options.classifier (t-GAN paper); higher is better",
    input: "images",
    needsReal: false,
    compute: (i) => inceptionMetric("inception-score", { ...i, fake: i.fake!, range: i.range! }),
  },
  "modified-inception-score": {
    summary: "modified (intra-class) inception score under options.classifier; higher is more diverse",
    input: "images",
    needsReal: false,
    compute: (i) => inceptionMetric("modified-inception-score", { ...i, fake: i.fake!, range: i.range! }),
  },
  fd: {
    summary: "Fréchet distance of Gaussians fitted to the evaluator's features (the FID formula; report it as fd-<evaluator>); lower is closer",
    input: "features",
    needsReal: true,
    compute: ({ features }) => {
      const { real, fake } = features!;
      return { metric: "fd", value: frechetFromFeatures(real, fake), details: { n_real: real.n, n_fake: fake.n, d: real.d } };
    },
  },
  kid: {
    summary: "kernel inception distance: unbiased cubic-kernel MMD^2 over random subsets (options.subsets, options.subsetSize); lower is closer",
    input: "features",
    needsReal: true,
    compute: ({ features, seed, options }) => {
      const r = kid(features!.real, features!.fake, { subsets: options?.subsets as number | undefined, subsetSize: options?.subsetSize as number | undefined, seed });
      return { metric: "kid", value: r.value, details: { stderr: r.stderr, std: r.std, subsets: r.subsets, subsetSize: r.subsetSize } };
    },
  },
  precision: {
    summary: "improved precision: share of fake features inside the real k-NN manifold (options.k, default 3); higher is more realistic",
    input: "features",
    needsReal: true,
    compute: (i) => knnMetric("precision", i),
  },
  recall: {
    summary: "improved recall: share of real features inside the fake k-NN manifold (options.k, default 3); higher covers more of the real set",
    input: "features",
    needsReal: true,
    compute: (i) => knnMetric("recall", i),
  },
  density: {
    summary: "density: real k-NN balls holding each fake feature, / k (options.k, default 5); about 1 for the real distribution",
    input: "features",
    needsReal: true,
    compute: (i) => knnMetric("density", i),
  },
  coverage: {
    summary: "coverage: share of real k-NN balls holding a fake feature (options.k, default 5); higher covers more of the real set",
    input: "features",
    needsReal: true,
    compute: (i) => knnMetric("coverage", i),
  },
};

/**
 * The last precision/recall and density/coverage results, so that asking for "precision" and then
 * "recall" (or "density" then "coverage") of the same feature arrays runs the k-NN pass once. Keyed
 * by the identity of the two feature arrays and k: change the values in place and the old result
 * would come back, so pass new arrays.
 */
let lastKnn: { kind: "pr" | "dc"; real: Float32Array; fake: Float32Array; k: number | undefined; result: PrecisionRecall | DensityCoverage } | undefined;

function knnMetric(metric: "precision" | "recall" | "density" | "coverage", { features, options }: MetricInputs): MetricValue {
  const { real, fake } = features!;
  const kind = metric === "precision" || metric === "recall" ? "pr" : "dc";
  const k = options?.k as number | undefined;
  if (!(lastKnn && lastKnn.kind === kind && lastKnn.real === real.data && lastKnn.fake === fake.data && lastKnn.k === k)) {
    const result = kind === "pr" ? precisionRecall(real, fake, { k }) : densityCoverage(real, fake, { k });
    lastKnn = { kind, real: real.data, fake: fake.data, k, result };
  }
  const r = lastKnn.result;
  const value = (r as unknown as Record<string, number>)[metric];
  return { metric, value, details: { k: r.k, n_real: r.nReal, n_fake: r.nFake } };
}

export const METRIC_NAMES = Object.keys(METRICS);

export function metricEntry(name: string): MetricEntry {
  const entry = Object.hasOwn(METRICS, name) ? METRICS[name] : undefined;
  if (!entry) throw new UserError(`unknown metric "${name}": valid metrics are ${METRIC_NAMES.join(", ")}`);
  return entry;
}

/** Compute a metric by name; a missing input (images, real images, range, features) is a UserError. */
export function computeMetric(name: string, inputs: MetricInputs): MetricValue {
  const entry = metricEntry(name);
  if (entry.input === "features") {
    const f = inputs.features;
    if (!f || !f.real || !f.fake) {
      throw new UserError(`metric "${name}" compares feature vectors: pass features: { real, fake } (the evaluator's features of the real and the generated images)`);
    }
  } else {
    if (inputs.fake === undefined) throw new UserError(`metric "${name}" scores images: pass them as fake`);
    if (entry.needsReal && inputs.real === undefined) throw new UserError(`metric "${name}" compares with real images: pass them as real`);
    if (inputs.range === undefined) throw new UserError(`metric "${name}" needs the images' range: pass range ("[-1,1]" or "[0,255]")`);
  }
  return entry.compute(inputs);
}
