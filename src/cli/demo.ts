/**
 * npm run demo: the kit's main job on built-in data, no download needed. Trains a DCGAN on the
 * built-in synthetic digits for about two minutes (wasm, 2 cores) and writes a sample grid PNG,
 * a loss chart (standalone HTML) and a CSV log to the output folder.
 */
import { intOption, noPositionals, parse, runMain } from "./common";
import { trainAndReport } from "./report";

const USAGE = `usage: npm run demo -- [--steps N] [--batch-size N] [--seed N] [--out DIR] [--backend NAME]
Trains a DCGAN on the built-in synthetic digits and writes samples.png, losses.html and log.csv.
The demo's DCGAN is the paper's architecture at half width (ngf = ndf = 32, a quarter of the
compute) with Adam 5e-4 and samples drawn from a moving average of G's weights (decay 0.99), so
that a short run ends in recognisable digits.
  --steps       training steps (default 600)
  --batch-size  images per step (default 32)
  --seed        random seed (default 0)
  --out         output folder (default out/demo)
  --backend     auto | tensorflow-gpu | tensorflow | wasm | cpu (default: $GAN_BACKEND or auto)`;

/** The demo's run: a half-width DCGAN that draws digits within a few minutes on a laptop CPU (averaged G: fewer speckles). */
const DEMO = { steps: 600, batchSize: 32, settings: { ngf: 32, ndf: 32, optimizer: { lr: 5e-4 }, ema: 0.99 } };

runMain(async () => {
  const { values, positionals } = parse(
    { steps: { type: "string" }, "batch-size": { type: "string" }, seed: { type: "string" }, out: { type: "string" }, backend: { type: "string" } },
    USAGE,
  );
  noPositionals(positionals);
  const steps = intOption("steps", values.steps, DEMO.steps);
  const batchSize = intOption("batch-size", values["batch-size"], DEMO.batchSize);
  const out = values.out ?? "out/demo";
  await trainAndReport({
    model: "dcgan",
    data: "synthetic-digits",
    steps,
    batchSize,
    seed: intOption("seed", values.seed, 0, 0),
    out,
    backend: values.backend,
    settings: DEMO.settings,
    // The same batch size, or the resumed run is not the one interrupted (--resume would refuse it).
    resumeCommand: `npm run train -- --model dcgan --data synthetic-digits --out ${out} --steps ${steps} --batch-size ${batchSize}${values.backend ? ` --backend ${values.backend}` : ""}`,
  });
});
