/**
 * npm run train -- --model NAME --data NAME|FOLDER: train any model of the kit on any dataset and
 * write sample pictures, a loss chart and a CSV log.
 */
import { MODELS } from "../models/registry";
import { DATA_NAMES } from "../data/registry";
import { intOption, noPositionals, parse, runMain } from "./common";
import { trainAndReport } from "./report";
import { readSettings } from "./settings";
import { UserError } from "../errors";
import type { FitMode } from "../data/fit";

function fitOption(raw: string | undefined): FitMode | undefined {
  if (raw === undefined || raw === "pad" || raw === "resize") return raw;
  throw new UserError(`--fit must be pad or resize, got "${raw}"`);
}

const USAGE = `usage: npm run train -- --model NAME --data NAME|FOLDER [--steps N] [--batch-size N] [--seed N] [--out DIR]
                        [--config FILE.json] [--set key=value ...] [--image-size N [--fit pad|resize]] [--eval-every N [--eval-n N] [--eval-metrics swd,ms-ssim] [--evaluator-steps N]] [--hold-out] [--backend NAME]
  --model       ${Object.keys(MODELS).join(" | ")}
  --data        ${DATA_NAMES.join(" | ")} | a folder of IDX files, CIFAR-10 batches or images
                (images: DIR[:size=32|64][:limit=N]; get datasets with \`npm run data -- NAME\`)
  --steps       training steps (default 1000)
  --batch-size  examples per step (default 64)
  --seed        random seed (default 0)
  --out         output folder (default out/<model>-<data>); holds latest.ckpt
  --checkpoint-every  save a checkpoint every N steps and at the end (default 100)
  --resume      continue from the output folder's latest.ckpt up to --steps in all; without
                --config/--set it keeps the checkpoint's settings, given they must match them
  --force       with --resume: continue even if the checkpoint was trained with another model,
                dataset, image shape, batch size or settings (a warning instead of a refusal)
  --config      a JSON object of the model's settings, e.g. {"gamma": 0.7, "optimizer": {"lr": 1e-4}}
  --set         one setting, repeatable, over --config: --set gamma=0.7 --set optimizer.lr=1e-4
                (values read as JSON, else text; unknown keys are listed with the known ones)
  --image-size  train at N x N pixels (default: the size the model needs, e.g. BEGAN 28 -> 32,
                said in one line); --fit pad (background border) or resize (bilinear); default:
                pad when N is at most a quarter larger than the data, else resize
  --eval-every  score samples on the kit evaluator every N steps and at the end (Fréchet distance,
                precision, recall, class shares, the quality target): one line each, and
                <out>/evals.jsonl with the model's logged values at those steps (default: off)
  --eval-n      samples per evaluation (default: the evaluator's held-out reference size)
  --eval-metrics  also score each evaluation's samples at the training size: swd (SWD x 1e3 per
                pyramid level against as many training images) and/or ms-ssim (10,000 random pairs)
  --evaluator-steps  training steps of the kit evaluator, when it is not cached yet (as eval's)
  --hold-out    train on the evaluator's training part only: its two reference sets (what eval
                compares samples with) stay images the model never saw (MNIST: 6,000 of 10,000)
  --backend     auto | tensorflow-gpu | tensorflow | wasm | cpu (default: $GAN_BACKEND or auto)`;

runMain(async () => {
  const { values, positionals } = parse(
    {
      model: { type: "string" }, data: { type: "string" }, steps: { type: "string" }, "batch-size": { type: "string" },
      seed: { type: "string" }, out: { type: "string" }, backend: { type: "string" },
      "checkpoint-every": { type: "string" }, resume: { type: "boolean" }, force: { type: "boolean" },
      config: { type: "string" }, set: { type: "string", multiple: true }, "image-size": { type: "string" }, fit: { type: "string" },
      "eval-every": { type: "string" }, "eval-n": { type: "string" }, "eval-metrics": { type: "string" }, "evaluator-steps": { type: "string" },
      "hold-out": { type: "boolean" },
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
    settings: readSettings(values.config, values.set as string[] | undefined),
    imageSize: values["image-size"] === undefined ? undefined : intOption("image-size", values["image-size"], 0),
    fit: fitOption(values.fit),
    force: values.force ?? false,
    evalEvery: values["eval-every"] === undefined ? undefined : intOption("eval-every", values["eval-every"], 0, 1),
    evalN: values["eval-n"] === undefined ? undefined : intOption("eval-n", values["eval-n"], 0, 2),
    evalMetrics: values["eval-metrics"]?.split(",").map((m) => m.trim()).filter(Boolean),
    evaluatorSteps: values["evaluator-steps"] === undefined ? undefined : intOption("evaluator-steps", values["evaluator-steps"], 0),
    holdOut: values["hold-out"] ?? false,
    resumeCommand: `npm run train -- ${process.argv.slice(2).filter((a) => a !== "--resume" && a !== "--force").join(" ")}`,
  });
});
