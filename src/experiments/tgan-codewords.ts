/**
 * Which reading of t-GAN's class codewords makes G draw the requested class? (issue 14)
 *
 * The notes give class l's codeword as c ~ N(mu, 0.2^2 I_q) with "mu_i = l (1 <= i <= q)". Read
 * literally (l = y + 1 in every dimension, "class-index") all K classes lie on one line through the
 * origin. The alternatives compared: one-hot means (m_y = e_y), random means (m_y ~ N(0, I), fixed)
 * and learned means (the random ones, trained by G's optimizer: a class embedding). Everything
 * else is t-GAN's defaults (mixture of 10 t_3 components, learned; q = 10, std 0.2, alpha 1).
 *
 * The yardstick: a classifier trained on the real images labels class-conditioned samples; a
 * reading passes when at least 90% of them get the requested class (the class-accuracy gate of the
 * image comparison, CLASS_ACCURACY_TARGET) on every seed. The data: built-in 16x16 digits of four
 * well-separated classes (0, 1, 4, 7), small enough for seconds per run, so the notebook can run
 * the comparison at every budget and the tests can hold single readings to it.
 */
import * as tf from "@tensorflow/tfjs";
import { Dataset, ShuffledBatches } from "../data/dataset";
import { syntheticDigits } from "../data/synthetic-digits";
import { trainClassifier, TrainedClassifier } from "../metrics/classifier";
import { CodewordMean, LatentGan, LatentGanConfig, Tgan } from "../models/tgan";
import { Trainer } from "../train/trainer";
import { CLASS_ACCURACY_TARGET } from "./tgan";
import { summarise } from "./verdict";

export const CODEWORD_READINGS: CodewordMean[] = ["class-index", "one-hot", "random", "learned"];

/** The digit classes kept, relabelled 0..3. */
export const CONDITION_DIGITS = [0, 1, 4, 7];

/** Small networks for 16x16 images of four classes (seconds per hundred steps on wasm). */
export const CONDITION_NETS: Partial<LatentGanConfig> = { imageSize: 16, channels: 1, ngf: 16, ndf: 16, noiseDim: 32, numClasses: 4, seed: 0 };

/** Built-in 16x16 digits of the classes 0, 1, 4 and 7, relabelled 0..3 (1,610 images). */
export function fourDigits(): Dataset {
  const ds = syntheticDigits({ count: 4000, seed: 1, size: 16 });
  const keep = Array.from(ds.labels!.keys()).filter((i) => CONDITION_DIGITS.includes(ds.labels![i]));
  const data = new Float32Array(keep.length * 256);
  keep.forEach((j, i) => data.set(ds.data.subarray(j * 256, (j + 1) * 256), i * 256));
  const labels = Int32Array.from(keep, (j) => CONDITION_DIGITS.indexOf(ds.labels![j]));
  return { ...ds, name: "digits-0147", data, labels, numClasses: 4, classNames: CONDITION_DIGITS.map(String) };
}

export interface ConditionBench {
  data: Dataset;
  /** Trained on `data` (held-out accuracy in clf.testAccuracy). */
  clf: TrainedClassifier;
}

/** The four-digit data and a classifier trained on it. */
export function conditionBench(): ConditionBench {
  const data = fourDigits();
  return { data, clf: trainClassifier(data, { steps: 150, batchSize: 64, seed: 0, width: 32, hidden: 128 }) };
}

export interface ConditionAccuracy {
  /** Share of the samples the classifier gives the requested class. */
  overall: number;
  perClass: number[];
  /** The same share by D's own class head. */
  classHead: number;
}

/** 50 samples per class (generator seed 77), labelled by the classifier and by D's class head. */
export function conditionAccuracy(model: LatentGan, clf: TrainedClassifier, perClassN = 50): ConditionAccuracy {
  const k = model.config.numClasses;
  const perClass: number[] = [];
  let head = 0;
  for (let c = 0; c < k; c++) {
    const x = model.generateClass(perClassN, c, 77);
    const [byClf, byHead] = tf.tidy(() => [tf.argMax(clf.predictProbs(x), 1).dataSync(), tf.argMax(model.D.apply(x, false).classLogits!, 1).dataSync()]);
    perClass.push(byClf.filter((v) => v === c).length / perClassN);
    head += byHead.filter((v) => v === c).length;
    x.dispose();
  }
  return { overall: perClass.reduce((a, b) => a + b, 0) / k, perClass, classHead: head / (k * perClassN) };
}

/** Train `model` for `steps` of 32 on the bench's data (data order from `seed`); its accuracy after, and the training seconds. */
export async function trainConditional(model: LatentGan, bench: ConditionBench, steps: number, seed = 0): Promise<{ after: ConditionAccuracy; seconds: number }> {
  const trainer = new Trainer(model);
  const t0 = performance.now();
  await trainer.run(new ShuffledBatches(bench.data, seed), { steps, batchSize: 32, seed, progress: false });
  const seconds = (performance.now() - t0) / 1000;
  const after = conditionAccuracy(model, bench.clf);
  trainer.dispose();
  return { after, seconds };
}

export interface ReadingRun extends ConditionAccuracy {
  reading: CodewordMean;
  seed: number;
  steps: number;
  seconds: number;
}

/** Each reading x seed: a t-GAN (model and data order seeded alike) trained `steps`, then scored. */
export async function compareReadings(o: { seeds: number[]; steps: number; readings?: CodewordMean[]; bench?: ConditionBench; onRun?: (r: ReadingRun) => void }): Promise<ReadingRun[]> {
  const bench = o.bench ?? conditionBench();
  const runs: ReadingRun[] = [];
  for (const reading of o.readings ?? CODEWORD_READINGS) {
    for (const seed of o.seeds) {
      const model = new Tgan({ ...CONDITION_NETS, codewordMean: reading, seed });
      const { after, seconds } = await trainConditional(model, bench, o.steps, seed);
      model.dispose();
      const run = { reading, seed, steps: o.steps, seconds, ...after };
      runs.push(run);
      o.onRun?.(run);
    }
  }
  if (!o.bench) bench.clf.dispose();
  return runs;
}

export interface ReadingSummary {
  reading: CodewordMean;
  /** Overall class accuracy per seed, in run order. */
  accuracies: number[];
  /** Mean and sample standard deviation of `accuracies` (std NaN for one seed). */
  mean: number;
  std: number;
  min: number;
  /** The lowest single-class accuracy over all seeds. */
  worstClass: number;
  /** Mean accuracy of D's own class head on the same samples. */
  classHead: number;
  /** At least `bar` on every seed. */
  passes: boolean;
}

/** Per reading (in `CODEWORD_READINGS` order): its accuracies over seeds and whether each reaches `bar`. */
export function summariseReadings(runs: ReadingRun[], bar = CLASS_ACCURACY_TARGET): ReadingSummary[] {
  return CODEWORD_READINGS.filter((r) => runs.some((x) => x.reading === r)).map((reading) => {
    const mine = runs.filter((x) => x.reading === reading);
    const accuracies = mine.map((x) => x.overall);
    const { mean, std } = summarise(accuracies);
    return {
      reading, accuracies, mean, std, min: Math.min(...accuracies), worstClass: Math.min(...mine.flatMap((x) => x.perClass)),
      classHead: summarise(mine.map((x) => x.classHead)).mean, passes: accuracies.every((a) => a >= bar),
    };
  });
}
