/**
 * npm run demo: the kit's main job on built-in data, no download needed. Trains a class-conditional
 * DCGAN (ACGAN) on the built-in synthetic digits for a few minutes (`npm run bench -- --demo`
 * measures how many, and scores the samples) and writes a sample grid PNG (one digit class per
 * column), a loss chart (standalone HTML) and a CSV log to the output folder.
 */
import { intOption, noPositionals, parse, runMain } from "./common";
import { trainAndReport } from "./report";
import { DEMO } from "./demo-plan";

const USAGE = `usage: npm run demo -- [--steps N] [--batch-size N] [--seed N] [--out DIR] [--backend NAME]
Trains a class-conditional DCGAN on the built-in synthetic digits and writes samples.png (one
digit class per column), losses.html and log.csv. The model is ACGAN (Odena et al. 2017): the
DCGAN paper's networks at half width (ngf = ${DEMO.settings.ngf}, ndf = ${DEMO.settings.ndf}: a quarter of the compute), G given the
class beside its noise and D naming the class of what it sees, Adam ${DEMO.settings.optimizer.lr}, samples drawn from a
moving average of G's weights (decay ${DEMO.settings.ema}), so that a short run ends in every digit;
\`npm run bench -- --demo\` times the default run and scores its samples on the kit evaluator
(README shows the figures; results/demo/probe/ compares it with the unconditional DCGAN and shows
that more --steps give sharper but less varied digits: ACGAN's recall falls as it trains).
  --steps       training steps (default ${DEMO.steps})
  --batch-size  images per step (default ${DEMO.batchSize})
  --seed        random seed (default ${DEMO.seed})
  --out         output folder (default out/demo)
  --backend     auto | tensorflow-gpu | tensorflow | wasm | cpu (default: $GAN_BACKEND or auto)`;

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
    model: DEMO.model,
    data: DEMO.data,
    steps,
    batchSize,
    seed: intOption("seed", values.seed, DEMO.seed, 0),
    out,
    backend: values.backend,
    settings: DEMO.settings,
    // The same batch size, or the resumed run is not the one interrupted (--resume would refuse it).
    resumeCommand: `npm run train -- --model ${DEMO.model} --data ${DEMO.data} --out ${out} --steps ${steps} --batch-size ${batchSize}${values.backend ? ` --backend ${values.backend}` : ""}`,
  });
});
