/**
 * What `npm run demo` trains at its defaults, shared by the demo and by `npm run bench -- --demo`
 * (which times it and scores its samples, so README's demo line is measured, not typed).
 *
 * Why an ACGAN and not the plain DCGAN: the probe in results/demo/probe/ trained both at this size
 * and step size on the built-in digits. The class-conditional model met the quality target at
 * 600 steps (every class drawn, one per grid column); the unconditional DCGAN stayed at 17-27x
 * the evaluator's floor through 3,000 steps, drawing some digits in about 1% of its samples.
 */
export const DEMO = {
  model: "acgan",
  data: "synthetic-digits",
  /** DCGAN networks at half width with ACGAN's class input and class head; samples from a moving average of G (fewer speckles). */
  settings: { ngf: 32, ndf: 32, optimizer: { lr: 5e-4 }, ema: 0.99 },
  steps: 600,
  batchSize: 32,
  seed: 0,
};
