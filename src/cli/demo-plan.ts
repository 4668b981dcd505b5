/**
 * What `npm run demo` trains at its defaults, shared by the demo and by `npm run bench -- --demo`
 * (which times it and scores its samples, so README's demo line is measured, not typed).
 */
export const DEMO = {
  model: "dcgan",
  data: "synthetic-digits",
  /** A half-width DCGAN that draws digits within a few minutes on a laptop CPU (averaged G: fewer speckles). */
  settings: { ngf: 32, ndf: 32, optimizer: { lr: 5e-4 }, ema: 0.99 },
  steps: 600,
  batchSize: 32,
  seed: 0,
};
