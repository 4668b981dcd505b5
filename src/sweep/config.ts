/**
 * A sweep's configuration (one JSON file) and its expansion into runs: models x datasets x
 * variants (named sets of `train --set` values) x seeds, in that nesting order, so every process
 * that reads the same file lists the same runs in the same order (what sharding relies on).
 *
 * Every problem of a configuration is collected and reported at once, in one UserError.
 */
import * as fs from "fs";
import { WATCH_IMAGE_METRICS } from "../eval/watch";
import { EVAL_METRICS } from "../eval/evaluate";
import * as path from "path";
import { UserError } from "../errors";
import { MODELS } from "../models/registry";
import { DATA_NAMES } from "../data/registry";

export interface SweepConfig {
  /** Where the configuration came from (resolved). */
  file: string;
  /** Output root (resolved; in the file: relative to the file's folder). */
  out: string;
  models: string[];
  data: string[];
  /** Variant name -> `--set` values (key -> JSON value); {} is the model's defaults. */
  variants: Record<string, Record<string, unknown>>;
  /** Model name -> `--set` values for that model's runs only (before the variant's), e.g. {"tgan": {"codewordMean": "random"}}. */
  modelSettings: Record<string, Record<string, unknown>>;
  seeds: number[];
  steps: number;
  batchSize: number;
  checkpointEvery?: number;
  /** `train --config FILE` for every run (resolved), and `--image-size N`. */
  trainConfig?: string;
  imageSize?: number;
  /** `train --hold-out` (train on the evaluator's training part) and `--eval-every N` for every run. */
  holdOut?: boolean;
  evalEvery?: number;
  /** `train --eval-n N`: samples per evaluation during training. */
  evalN?: number;
  /** `train --eval-metrics a,b`: image metrics (swd, ms-ssim) added to each evaluation. */
  evalMetrics?: string[];
  /** `--evaluator-steps N` for train and eval alike (the kit evaluator's training steps, when not cached). */
  evaluatorSteps?: number;
  /** The eval step; null: no eval (a run is done when it trained all its steps). */
  eval: EvalSettings | null;
  /** results/<notebook>/<experiment>.json that `--collect` writes, e.g. "sweeps/ring-seeds". */
  results?: string;
  /**
   * Other sweeps' files (resolved) whose runs may be this sweep's training too: a run that trains
   * exactly what one of their runs trains is trained once, in that run's folder (src/sweep/share.ts).
   */
  shareTrainingWith?: string[];
}

export interface EvalSettings {
  n?: number;
  metrics?: string[];
  /** The command that evaluates a checkpoint (default: the kit's `eval` CLI), given
   *  `--checkpoint FILE --data D --json FILE [--n N] [--metrics a,b]`. */
  command?: string[];
}

export interface Run {
  /** Position in the full sweep (0-based); shards take every n-th. */
  index: number;
  /** "model/data/variant/seedS": the name runs are listed by. */
  name: string;
  model: string;
  data: string;
  /** `data` as it appears in the run's folder name (a folder's base name). */
  dataSlug: string;
  variant: string;
  seed: number;
  /** The run's output folder. */
  dir: string;
}

const KEYS = ["out", "models", "data", "variants", "modelSettings", "seeds", "steps", "batchSize", "checkpointEvery", "train", "eval", "results", "shareTrainingWith", "description"];
const TRAIN_KEYS = ["config", "imageSize", "holdOut", "evalEvery", "evalN", "evalMetrics", "evaluatorSteps"];
const EVAL_KEYS = ["n", "metrics", "command"];
const NAME = /^[A-Za-z][A-Za-z0-9._-]*$/;

/** Read and check a sweep configuration; every problem in one UserError. */
export function loadSweepConfig(file: string): SweepConfig {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new UserError(`sweep config not found: ${file}`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(abs, "utf8"));
  } catch (err) {
    throw new UserError(`${file} is not valid JSON: ${(err as Error).message.split("\n")[0]}`);
  }
  return checkSweepConfig(raw, abs);
}

/** Check a parsed configuration (paths in it are relative to `file`'s folder). */
export function checkSweepConfig(raw: unknown, file: string): SweepConfig {
  const problems: string[] = [];
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new UserError(`${file}: a sweep config is a JSON object (see npm run sweep -- --help)`);
  const c = raw as Record<string, unknown>;
  const base = path.dirname(file);
  for (const k of Object.keys(c)) if (!KEYS.includes(k)) problems.push(`unknown key "${k}"${suggest(k, KEYS)}`);

  const strings = (key: string, valid?: string[], validName?: string): string[] => {
    const v = c[key];
    if (!Array.isArray(v) || v.length === 0 || v.some((s) => typeof s !== "string" || s === "")) {
      problems.push(`"${key}" must be a non-empty list of names`);
      return [];
    }
    if (new Set(v).size !== v.length) problems.push(`"${key}" lists a name twice`);
    if (valid) for (const s of v as string[]) if (!valid.includes(s) && !(validName === "dataset" && fs.existsSync(path.resolve(base, s.split(":")[0])))) problems.push(`${key}: unknown ${validName} "${s}" (valid: ${valid.join(", ")}${validName === "dataset" ? ", or a folder" : ""})`);
    return v as string[];
  };
  const models = strings("models", Object.keys(MODELS), "model");
  const data = strings("data", DATA_NAMES, "dataset").map((d) => (DATA_NAMES.includes(d) ? d : path.resolve(base, d)));
  const slugs = new Map<string, string>();
  for (const d of data) {
    const s = dataSlug(d);
    if (slugs.has(s) && slugs.get(s) !== d) problems.push(`data: "${slugs.get(s)}" and "${d}" would share the folder name "${s}"`);
    slugs.set(s, d);
  }

  const int = (key: string, v: unknown, min: number, required: boolean): number | undefined => {
    if (v === undefined) {
      if (required) problems.push(`"${key}" is required (an integer >= ${min})`);
      return undefined;
    }
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
      problems.push(`"${key}" must be an integer >= ${min}, got ${JSON.stringify(v)}`);
      return undefined;
    }
    return v;
  };
  const steps = int("steps", c.steps, 1, true) ?? 0;
  const batchSize = int("batchSize", c.batchSize, 1, true) ?? 0;
  const checkpointEvery = int("checkpointEvery", c.checkpointEvery, 0, false);

  let seeds: number[] = [];
  if (!Array.isArray(c.seeds) || c.seeds.length === 0 || c.seeds.some((s) => typeof s !== "number" || !Number.isInteger(s) || s < 0)) {
    problems.push(`"seeds" must be a non-empty list of non-negative integers`);
  } else if (new Set(c.seeds).size !== c.seeds.length) {
    problems.push(`"seeds" lists a seed twice`);
  } else seeds = c.seeds as number[];

  let variants: Record<string, Record<string, unknown>> = { default: {} };
  if (c.variants !== undefined) {
    if (typeof c.variants !== "object" || c.variants === null || Array.isArray(c.variants) || Object.keys(c.variants).length === 0) {
      problems.push(`"variants" must be an object of named settings, e.g. {"base": {}, "slow": {"optimizer.lr": 1e-4}}`);
    } else {
      variants = {};
      for (const [name, sets] of Object.entries(c.variants as Record<string, unknown>)) {
        if (!NAME.test(name)) problems.push(`variant name "${name}" must start with a letter and hold only letters, digits, ".", "_", "-"`);
        if (typeof sets !== "object" || sets === null || Array.isArray(sets)) problems.push(`variant "${name}" must be an object of --set values (key: value)`);
        else {
          for (const k of Object.keys(sets)) if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/.test(k)) problems.push(`variant "${name}": "${k}" is not a config key (dotted names, e.g. optimizer.lr)`);
          variants[name] = sets as Record<string, unknown>;
        }
      }
    }
  }

  const modelSettings: Record<string, Record<string, unknown>> = {};
  if (c.modelSettings !== undefined) {
    if (typeof c.modelSettings !== "object" || c.modelSettings === null || Array.isArray(c.modelSettings)) problems.push(`"modelSettings" must be an object: model name -> {key: value}`);
    else {
      for (const [model, sets] of Object.entries(c.modelSettings as Record<string, unknown>)) {
        if (!Array.isArray(c.models) || !c.models.includes(model)) problems.push(`modelSettings: "${model}" is not one of the sweep's models`);
        else if (typeof sets !== "object" || sets === null || Array.isArray(sets)) problems.push(`modelSettings.${model} must be an object of --set values (key: value)`);
        else modelSettings[model] = sets as Record<string, unknown>;
      }
    }
  }

  let trainConfig: string | undefined;
  let imageSize: number | undefined;
  let holdOut: boolean | undefined;
  let evalEvery: number | undefined;
  let evalN: number | undefined;
  let evalMetrics: string[] | undefined;
  let evaluatorSteps: number | undefined;
  if (c.train !== undefined) {
    if (typeof c.train !== "object" || c.train === null || Array.isArray(c.train)) problems.push(`"train" must be an object with ${TRAIN_KEYS.join(", ")}`);
    else {
      const t = c.train as Record<string, unknown>;
      for (const k of Object.keys(t)) if (!TRAIN_KEYS.includes(k)) problems.push(`train: unknown key "${k}"${suggest(k, TRAIN_KEYS)}`);
      if (t.config !== undefined) {
        if (typeof t.config !== "string") problems.push(`train.config must be a file name`);
        else if (!fs.existsSync(path.resolve(base, t.config))) problems.push(`train.config: ${t.config} not found (paths are relative to the sweep config's folder)`);
        else trainConfig = path.resolve(base, t.config);
      }
      imageSize = int("train.imageSize", t.imageSize, 1, false);
      evalEvery = int("train.evalEvery", t.evalEvery, 1, false);
      evalN = int("train.evalN", t.evalN, 2, false);
      if (t.evalMetrics !== undefined) {
        if (!Array.isArray(t.evalMetrics) || t.evalMetrics.some((m) => !WATCH_IMAGE_METRICS.includes(m as string))) problems.push(`train.evalMetrics must be a list of ${WATCH_IMAGE_METRICS.join(", ")}`);
        else evalMetrics = t.evalMetrics as string[];
      }
      evaluatorSteps = int("train.evaluatorSteps", t.evaluatorSteps, 1, false);
      if (t.holdOut !== undefined && typeof t.holdOut !== "boolean") problems.push(`train.holdOut must be true or false`);
      else holdOut = t.holdOut as boolean | undefined;
    }
  }

  let evalSettings: EvalSettings | null = {};
  if (c.eval === false) evalSettings = null;
  else if (c.eval !== undefined) {
    if (typeof c.eval !== "object" || c.eval === null || Array.isArray(c.eval)) problems.push(`"eval" must be an object with ${EVAL_KEYS.join(", ")}, or false`);
    else {
      const e = c.eval as Record<string, unknown>;
      for (const k of Object.keys(e)) if (!EVAL_KEYS.includes(k)) problems.push(`eval: unknown key "${k}"${suggest(k, EVAL_KEYS)}`);
      evalSettings.n = int("eval.n", e.n, 1, false);
      if (e.metrics !== undefined) {
        if (!Array.isArray(e.metrics) || e.metrics.length === 0 || e.metrics.some((m) => typeof m !== "string" || !/^[A-Za-z0-9._-]+$/.test(m))) problems.push(`eval.metrics must be a non-empty list of metric names`);
        else if (e.command === undefined && e.metrics.some((m) => !EVAL_METRICS.includes(m as string))) {
          // Found now rather than after hours of training: the kit's eval takes only its own metrics.
          problems.push(`eval.metrics: ${(e.metrics as string[]).filter((m) => !EVAL_METRICS.includes(m)).join(", ")} not among the kit eval's metrics (${EVAL_METRICS.join(", ")}); SWD and MS-SSIM are train.evalMetrics`);
        } else evalSettings.metrics = e.metrics as string[];
      }
      if (e.command !== undefined) {
        if (!Array.isArray(e.command) || e.command.length === 0 || e.command.some((s) => typeof s !== "string")) problems.push(`eval.command must be a non-empty list of strings (program and arguments)`);
        else evalSettings.command = (e.command as string[]).map((s, i) => (i > 0 && /^\.\.?\//.test(s) ? path.resolve(base, s) : s));
      }
    }
  }

  let out = "";
  if (typeof c.out !== "string" || c.out === "") problems.push(`"out" is required: the output root (relative to the config's folder)`);
  else out = path.resolve(base, c.out);
  let results: string | undefined;
  if (c.results !== undefined) {
    if (typeof c.results !== "string" || !/^[A-Za-z0-9_-]+\/[A-Za-z0-9._-]+$/.test(c.results)) problems.push(`"results" must be "<notebook>/<experiment>", e.g. "sweeps/ring-seeds"`);
    else results = c.results;
  }
  if (c.description !== undefined && typeof c.description !== "string") problems.push(`"description" must be a string`);
  let shareTrainingWith: string[] | undefined;
  if (c.shareTrainingWith !== undefined) {
    const v = c.shareTrainingWith;
    if (!Array.isArray(v) || v.length === 0 || v.some((f) => typeof f !== "string" || f === "")) problems.push(`"shareTrainingWith" must be a non-empty list of sweep files (relative to this config's folder)`);
    else {
      shareTrainingWith = (v as string[]).map((f) => path.resolve(base, f));
      for (const [i, f] of shareTrainingWith.entries()) {
        if (f === path.resolve(file)) problems.push(`shareTrainingWith: ${v[i]} is this sweep itself`);
        else if (!fs.existsSync(f)) problems.push(`shareTrainingWith: ${v[i]} not found (paths are relative to the sweep config's folder)`);
      }
    }
  }

  if (problems.length) throw new UserError(`${file}: ${problems.length} problem${problems.length > 1 ? "s" : ""}: ${problems.join("; ")}`);
  return { file, out, models, data, variants, modelSettings, seeds, steps, batchSize, checkpointEvery, trainConfig, imageSize, holdOut, evalEvery, evalN, evalMetrics, evaluatorSteps, eval: evalSettings, results, shareTrainingWith };
}

/** A dataset as a folder name: built-in names as they are, paths by their last parts. */
export function dataSlug(data: string): string {
  if (DATA_NAMES.includes(data)) return data;
  const [dir, ...opts] = data.split(":");
  return [path.basename(dir), ...opts].join("-").replace(/[^A-Za-z0-9._-]+/g, "_");
}

/** Every run of the sweep, in the fixed order models > data > variants > seeds. */
export function expandRuns(c: SweepConfig): Run[] {
  const runs: Run[] = [];
  for (const model of c.models)
    for (const data of c.data)
      for (const variant of Object.keys(c.variants))
        for (const seed of c.seeds) {
          const name = `${model}/${dataSlug(data)}/${variant}/seed${seed}`;
          runs.push({ index: runs.length, name, model, data, dataSlug: dataSlug(data), variant, seed, dir: path.join(c.out, ...name.split("/")) });
        }
  return runs;
}

/** `train` arguments of a run (without the program). */
export function trainArgs(c: SweepConfig, r: Run, resume: boolean): string[] {
  const args = ["--model", r.model, "--data", r.data, "--steps", String(c.steps), "--batch-size", String(c.batchSize), "--seed", String(r.seed), "--out", r.dir];
  if (c.checkpointEvery !== undefined) args.push("--checkpoint-every", String(c.checkpointEvery));
  if (c.trainConfig) args.push("--config", c.trainConfig);
  if (c.imageSize !== undefined) args.push("--image-size", String(c.imageSize));
  if (c.holdOut) args.push("--hold-out");
  if (c.evalEvery !== undefined) args.push("--eval-every", String(c.evalEvery));
  if (c.evalN !== undefined) args.push("--eval-n", String(c.evalN));
  if (c.evalMetrics?.length) args.push("--eval-metrics", c.evalMetrics.join(","));
  if (c.evaluatorSteps !== undefined) args.push("--evaluator-steps", String(c.evaluatorSteps));
  for (const [k, v] of Object.entries({ ...c.modelSettings[r.model], ...c.variants[r.variant] })) args.push("--set", `${k}=${setValue(v)}`);
  if (resume) args.push("--resume");
  return args;
}

/** A --set value: what `train` parses back to the same JSON value (strings raw when unambiguous). */
function setValue(v: unknown): string {
  if (typeof v === "string") {
    try {
      JSON.parse(v);
    } catch {
      return v;
    }
  }
  return JSON.stringify(v);
}

/** `eval` arguments of a run. */
export function evalArgs(c: SweepConfig, r: Run): string[] {
  const args = ["--checkpoint", path.join(r.dir, "latest.ckpt"), "--data", r.data, "--json", path.join(r.dir, "eval.json")];
  if (c.eval?.n !== undefined) args.push("--n", String(c.eval.n));
  if (c.eval?.metrics) args.push("--metrics", c.eval.metrics.join(","));
  if (c.evaluatorSteps !== undefined) args.push("--evaluator-steps", String(c.evaluatorSteps));
  return args;
}

function suggest(key: string, valid: string[]): string {
  const near = valid.find((v) => v.toLowerCase() === key.toLowerCase() || v.startsWith(key) || key.startsWith(v) || v.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`) === key);
  return near ? ` (did you mean "${near}"?)` : ` (valid: ${valid.join(", ")})`;
}
