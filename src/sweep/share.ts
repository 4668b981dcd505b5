/**
 * Training shared between sweeps. Two sweeps may hold the same training under different
 * evaluations: the t-GAN image sweep's DCGAN on MNIST is the DCGAN sweep's run, step for step
 * (training does not depend on the evaluations made along the way, nor on how often it was
 * checkpointed: src/train/checkpoint.ts). A sweep that lists the other in "shareTrainingWith"
 * trains such a run once, in the other sweep's folder (with that sweep's arguments, so its
 * evals.jsonl stays one protocol), then copies the finished checkpoint into its own run's folder
 * for its own eval step (src/sweep/run.ts). The same training means: same model, data, seed,
 * steps, batch size, hold-out, image size and model settings (its --config file and --set values).
 */
import * as fs from "fs";
import * as path from "path";
import { expandRuns, loadSweepConfig, Run, SweepConfig, trainArgs } from "./config";
import { readSettings } from "../cli/settings";
import { settingsDifferences } from "../models/settings";

/** The run of another sweep that trains what a run of this sweep trains. */
export interface SharedTraining {
  config: SweepConfig;
  run: Run;
}

/** The model settings a run trains with: its sweep's train --config file, then its --set values. */
export function runSettings(c: SweepConfig, r: Run): Record<string, unknown> {
  const args = trainArgs(c, r, false);
  return readSettings(c.trainConfig, args.flatMap((a, i) => (a === "--set" ? [args[i + 1]] : [])));
}

/** The first run of the sweeps in `c.shareTrainingWith` that trains exactly what `r` trains, or null. */
export function sharedTraining(c: SweepConfig, r: Run): SharedTraining | null {
  for (const file of c.shareTrainingWith ?? []) {
    const o = loadSweepConfig(file);
    if (o.steps !== c.steps || o.batchSize !== c.batchSize || Boolean(o.holdOut) !== Boolean(c.holdOut) || o.imageSize !== c.imageSize) continue;
    const want = runSettings(c, r);
    const run = expandRuns(o).find((x) => x.model === r.model && x.data === r.data && x.seed === r.seed && settingsDifferences(runSettings(o, x), want).length === 0);
    if (run) return { config: o, run };
  }
  return null;
}

/** The sweep that owns a shared training, as a path from the working folder (for messages). */
export function sharedName(s: SharedTraining): string {
  return `${path.relative(process.cwd(), s.config.file) || s.config.file}'s run ${s.run.name}`;
}

/** Written beside a run whose training another sweep's run did: where the checkpoint came from. */
export const SHARED_RECORD = "shared-training.json";

/**
 * Copy a finished shared training into `r`'s folder: its checkpoint (written beside and renamed,
 * so a stop part-way leaves no half file), run.json and samples.png, and a record of where they
 * came from. The eval step then reads `r`'s own folder, as for any run.
 */
export function copySharedTraining(s: SharedTraining, r: Run, step: number): void {
  fs.mkdirSync(r.dir, { recursive: true });
  const tmp = path.join(r.dir, "latest.ckpt.copying");
  fs.copyFileSync(path.join(s.run.dir, "latest.ckpt"), tmp);
  fs.renameSync(tmp, path.join(r.dir, "latest.ckpt"));
  for (const f of ["run.json", "samples.png"]) if (fs.existsSync(path.join(s.run.dir, f))) fs.copyFileSync(path.join(s.run.dir, f), path.join(r.dir, f));
  const rel = (p: string) => path.relative(r.dir, p).split(path.sep).join("/");
  const record = { sweep: rel(s.config.file), run: s.run.name, folder: rel(s.run.dir), step, copied: new Date().toISOString() };
  fs.writeFileSync(path.join(r.dir, SHARED_RECORD), JSON.stringify(record, null, 2) + "\n");
}
