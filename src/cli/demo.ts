/**
 * npm run demo: the kit's main job on built-in data, no download needed. Trains a DCGAN on the
 * built-in synthetic digits for about two minutes (wasm, 2 cores) and writes a sample grid PNG,
 * a loss chart (standalone HTML) and a CSV log to the output folder.
 */
import { intOption, noPositionals, parse, runMain } from "./common";
import { trainAndReport } from "./report";

const USAGE = `usage: npm run demo -- [--steps N] [--batch-size N] [--seed N] [--out DIR] [--backend NAME]
Trains a DCGAN on the built-in synthetic digits and writes samples.png, losses.html and log.csv.
  --steps       training steps (default 200)
  --batch-size  images per step (default 64)
  --seed        random seed (default 0)
  --out         output folder (default out/demo)
  --backend     auto | tensorflow-gpu | tensorflow | wasm | cpu (default: $GAN_BACKEND or auto)`;

runMain(async () => {
  const { values, positionals } = parse(
    { steps: { type: "string" }, "batch-size": { type: "string" }, seed: { type: "string" }, out: { type: "string" }, backend: { type: "string" } },
    USAGE,
  );
  noPositionals(positionals);
  const steps = intOption("steps", values.steps, 200);
  const batchSize = intOption("batch-size", values["batch-size"], 64);
  const out = values.out ?? "out/demo";
  await trainAndReport({
    model: "dcgan",
    data: "synthetic-digits",
    steps,
    batchSize,
    seed: intOption("seed", values.seed, 0, 0),
    out,
    backend: values.backend,
    // The same batch size, or the resumed run is not the one interrupted (--resume would refuse it).
    resumeCommand: `npm run train -- --model dcgan --data synthetic-digits --out ${out} --steps ${steps} --batch-size ${batchSize}${values.backend ? ` --backend ${values.backend}` : ""}`,
  });
});
