/**
 * `npm run bench -- --demo`: `npm run demo` at its defaults, timed as a user waits for it
 * (backend, data, training, files; not node's start), then its final G scored on the kit
 * evaluator as `npm run eval` would (Fréchet distance, precision, recall, class shares, against
 * the quality target).
 */
import * as fs from "fs";
import * as path from "path";
import { DEMO } from "./demo-plan";
import { trainAndReport } from "./report";
import { loadData } from "../data/registry";
import { kitEvaluator } from "../eval/evaluator";
import { loadModel } from "../eval/load-model";
import { generateSamples } from "../eval/samples";
import { collapsedRecall, DEFAULT_TARGET, QualityScore, resolveTarget, ResolvedTarget, scoreSamples } from "../experiments/quality";

/** Samples the demo's final G is scored on (eval's default for a dataset of 10,000: its reference size). */
export const DEMO_SAMPLES = 2000;

export interface DemoBench {
  /** Wall time of the whole run, and of its training loop (run.json). */
  seconds: number;
  trainSeconds: number;
  score: QualityScore;
  target: ResolvedTarget;
  /** The evaluator's name, e.g. kit-synthetic-digits-v2. */
  evaluator: string;
}

/** Run `plan` (the demo's by default) into `out` and score it; `evaluatorSteps` and `samples` make a smaller check (tests). */
export async function benchDemo(out: string, o: { backend?: string; plan?: typeof DEMO; samples?: number; evaluatorSteps?: number } = {}): Promise<DemoBench> {
  const plan = o.plan ?? DEMO;
  const n = o.samples ?? DEMO_SAMPLES;
  const t0 = performance.now();
  await trainAndReport({ ...plan, out, backend: o.backend });
  const seconds = (performance.now() - t0) / 1000;
  const run = JSON.parse(fs.readFileSync(path.join(out, "run.json"), "utf8")) as { seconds: number };
  const loaded = await loadModel(path.join(out, "latest.ckpt"));
  const prepared = kitEvaluator(loadData(plan.data), o.evaluatorSteps ? { steps: o.evaluatorSteps } : {});
  try {
    const samples = generateSamples(loaded, n, 1);
    const score = scoreSamples(prepared, samples, collapsedRecall(prepared));
    return { seconds, trainSeconds: run.seconds, score, target: resolveTarget(prepared, DEFAULT_TARGET, n), evaluator: prepared.evaluator.name };
  } finally {
    loaded.model.dispose();
    prepared.evaluator.dispose();
  }
}
