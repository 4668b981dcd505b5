/**
 * npm run train -- --model NAME --data NAME|FOLDER: train any model of the kit on any dataset and
 * write sample pictures, a loss chart and a CSV log.
 */
import { MODELS } from "../models/registry";
import { DATA_NAMES } from "../data/registry";
import { intOption, noPositionals, parse, runMain } from "./common";
import { trainAndReport } from "./report";

const USAGE = `usage: npm run train -- --model NAME --data NAME|FOLDER [--steps N] [--batch-size N] [--seed N] [--out DIR] [--backend NAME]
  --model       ${Object.keys(MODELS).join(" | ")}
  --data        ${DATA_NAMES.join(" | ")} | a folder of IDX files, CIFAR-10 batches or images
                (images: DIR[:size=32|64][:limit=N]; get datasets with \`npm run data -- NAME\`)
  --steps       training steps (default 1000)
  --batch-size  examples per step (default 64)
  --seed        random seed (default 0)
  --out         output folder (default out/<model>-<data>); holds latest.ckpt
  --checkpoint-every  save a checkpoint every N steps and at the end (default 100)
  --resume      continue from the output folder's latest.ckpt up to --steps in all
  --force       with --resume: continue even if the checkpoint was trained on another dataset,
                image shape or batch size (a warning instead of a refusal)
  --backend     auto | tensorflow-gpu | tensorflow | wasm | cpu (default: $GAN_BACKEND or auto)`;

runMain(async () => {
  const { values, positionals } = parse(
    {
      model: { type: "string" }, data: { type: "string" }, steps: { type: "string" }, "batch-size": { type: "string" },
      seed: { type: "string" }, out: { type: "string" }, backend: { type: "string" },
      "checkpoint-every": { type: "string" }, resume: { type: "boolean" }, force: { type: "boolean" },
    },
    USAGE,
  );
  noPositionals(positionals);
  await trainAndReport({
    model: values.model ?? "dcgan",
    data: values.data ?? "synthetic-digits",
    steps: intOption("steps", values.steps, 1000),
    batchSize: intOption("batch-size", values["batch-size"], 64),
    seed: intOption("seed", values.seed, 0, 0),
    out: values.out,
    backend: values.backend,
    checkpointEvery: intOption("checkpoint-every", values["checkpoint-every"], 100, 0),
    resume: values.resume ?? false,
    force: values.force ?? false,
    resumeCommand: `npm run train -- ${process.argv.slice(2).filter((a) => a !== "--resume" && a !== "--force").join(" ")}`,
  });
});
