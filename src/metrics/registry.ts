/**
 * Metrics by name. Each metric is one file beside this one; a metric takes images (or features),
 * never a model: the caller generates the images and hands them over.
 */
import { UserError } from "../errors";
import { ImageInput, PixelRange } from "./images";
import { msSsimDiversityDetail } from "./ms-ssim";
import { swd } from "./swd";
import { inceptionMetric } from "./inception-score";

export interface MetricInputs {
  /** The images to score (e.g. generator samples). */
  fake: ImageInput;
  /** Reference images (training data), for metrics that compare two sets. */
  real?: ImageInput;
  /** Value range of both sets. */
  range: PixelRange;
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
  /** Whether the metric compares against real images. */
  needsReal: boolean;
  compute(inputs: MetricInputs): MetricValue;
}

export const METRICS: Record<string, MetricEntry> = {
  swd: {
    summary: "sliced Wasserstein distance x 1e3 on Laplacian pyramid patches (PGGAN); lower is closer to the real set",
    needsReal: true,
    compute: ({ real, fake, range, seed, options }) => {
      const r = swd(real!, fake, { ...options, range, seed });
      const details: Record<string, number> = {};
      for (const l of r.levels) details[`swd-${l.resolution}`] = l.swd;
      return { metric: "swd", value: r.average, details };
    },
  },
  "ms-ssim": {
    summary: "mean MS-SSIM over random pairs of the generated images (PGGAN's diversity figure); lower is more diverse",
    needsReal: false,
    compute: ({ fake, range, seed, options }) => {
      const r = msSsimDiversityDetail(fake, { ...options, range, seed });
      return { metric: "ms-ssim", value: r.mean, details: { stderr: r.stderr, pairs: r.pairs, clamped: r.clamped } };
    },
  },
  "inception-score": {
    summary: "inception score under options.classifier (t-GAN paper); higher is better",
    needsReal: false,
    compute: (i) => inceptionMetric("inception-score", i),
  },
  "modified-inception-score": {
    summary: "modified (intra-class) inception score under options.classifier; higher is more diverse",
    needsReal: false,
    compute: (i) => inceptionMetric("modified-inception-score", i),
  },
};

export const METRIC_NAMES = Object.keys(METRICS);

export function metricEntry(name: string): MetricEntry {
  const entry = Object.hasOwn(METRICS, name) ? METRICS[name] : undefined;
  if (!entry) throw new UserError(`unknown metric "${name}": valid metrics are ${METRIC_NAMES.join(", ")}`);
  return entry;
}

/** Compute a metric by name; a two-set metric without real images is a UserError. */
export function computeMetric(name: string, inputs: MetricInputs): MetricValue {
  const entry = metricEntry(name);
  if (entry.needsReal && inputs.real === undefined) throw new UserError(`metric "${name}" compares with real images: pass them as real`);
  return entry.compute(inputs);
}
