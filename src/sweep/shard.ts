/**
 * Which share of a sweep this process runs: first the runs picked by `--models`, `--data`,
 * `--variants` and `--seeds` (selectRuns; default all), then shard i of n (0-based) of those, the
 * runs at positions i, i + n, i + 2n, ... in the sweep's order. The shard comes from, in this order:
 *   1. `--shard i/n`;
 *   2. a Slurm job array: SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT, SLURM_ARRAY_TASK_MIN
 *      (and SLURM_ARRAY_TASK_STEP), so `--array=0-3`, `--array=1-4` and `--array=0-6:2` all work;
 *   3. a Kubernetes Indexed Job: JOB_COMPLETION_INDEX with the completions count from `--shards N`
 *      or the variable GAN_SWEEP_SHARDS (Kubernetes does not put the count in the environment);
 *   4. otherwise the whole sweep (shard 0 of 1).
 */
import { UserError } from "../errors";

export interface Shard {
  index: number;
  count: number;
  /** Where it came from, for the first line the sweep prints. */
  source: string;
}

export function parseShard(raw: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(raw.trim());
  if (!m) throw new UserError(`--shard must be i/n (0-based: 0/2 and 1/2 split a sweep in two), got "${raw}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new UserError(`--shard ${raw}: the index must be below the count (shards are 0-based: 0/${Math.max(count, 1)} to ${Math.max(count, 1) - 1}/${Math.max(count, 1)})`);
  return { index, count };
}

const envInt = (env: NodeJS.ProcessEnv, name: string): number | undefined => {
  const v = env[name];
  if (v === undefined || v === "") return undefined;
  if (!/^\d+$/.test(v.trim())) throw new UserError(`${name} must be a non-negative integer, got "${v}"`);
  return Number(v);
};

/** The shard of this process from the command line and the environment. */
export function resolveShard(opts: { shard?: string; shards?: string }, env: NodeJS.ProcessEnv = process.env): Shard {
  if (opts.shard !== undefined) {
    if (opts.shards !== undefined) throw new UserError("give either --shard i/n or --shards N (with JOB_COMPLETION_INDEX), not both");
    return { ...parseShard(opts.shard), source: "--shard" };
  }
  const slurmId = envInt(env, "SLURM_ARRAY_TASK_ID");
  if (slurmId !== undefined) {
    const count = envInt(env, "SLURM_ARRAY_TASK_COUNT");
    if (count === undefined || count < 1) throw new UserError("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: run the sweep inside an sbatch --array job, or give --shard i/n");
    const min = envInt(env, "SLURM_ARRAY_TASK_MIN") ?? 0;
    const step = envInt(env, "SLURM_ARRAY_TASK_STEP") ?? 1;
    if (step < 1 || slurmId < min || (slurmId - min) % step !== 0) throw new UserError(`SLURM_ARRAY_TASK_ID ${slurmId} is not on the array min ${min} step ${step}: give --shard i/n`);
    const index = (slurmId - min) / step;
    if (index >= count) throw new UserError(`Slurm array task ${slurmId} is task ${index} of ${count}: the array has gaps (use a range like --array=0-${count - 1}, or give --shard i/n)`);
    return { index, count, source: `Slurm array task ${slurmId} (min ${min}, count ${count}${step > 1 ? `, step ${step}` : ""})` };
  }
  const k8s = envInt(env, "JOB_COMPLETION_INDEX");
  const shardsRaw = opts.shards ?? env.GAN_SWEEP_SHARDS;
  if (k8s !== undefined) {
    if (shardsRaw === undefined || shardsRaw === "") throw new UserError("JOB_COMPLETION_INDEX is set but the number of shards is not: pass --shards N or set GAN_SWEEP_SHARDS to the Job's completions");
    if (!/^\d+$/.test(shardsRaw.trim()) || Number(shardsRaw) < 1) throw new UserError(`the number of shards (--shards or GAN_SWEEP_SHARDS) must be a positive integer, got "${shardsRaw}"`);
    const count = Number(shardsRaw);
    if (k8s >= count) throw new UserError(`JOB_COMPLETION_INDEX ${k8s} is not below the number of shards ${count}: set --shards/GAN_SWEEP_SHARDS to the Job's completions`);
    return { index: k8s, count, source: `Kubernetes completion index ${k8s} of ${count}` };
  }
  if (opts.shards !== undefined) throw new UserError("--shards N needs JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); on one machine use --shard i/n");
  return { index: 0, count: 1, source: "whole sweep" };
}

/** The runs of one shard: positions i, i + n, ... of the (selected) runs. */
export function shardRuns<T>(runs: T[], shard: { index: number; count: number }): T[] {
  return runs.filter((_, position) => position % shard.count === shard.index);
}

/** A subset of a sweep by model, data (name or its folder slug), variant and seed; absent = all. */
export interface RunSelection {
  models?: string[];
  data?: string[];
  variants?: string[];
  seeds?: number[];
}

/** `--models a,b` and the like into a selection; numbers for seeds (plain decimal integers). */
export function parseSelection(raw: { models?: string; data?: string; variants?: string; seeds?: string }): RunSelection {
  const list = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const items = v.split(",").map((x) => x.trim());
    if (items.some((x) => !x)) throw new UserError(`--${flag} takes a comma-separated list without empty items, got "${v}"`);
    return items;
  };
  const seeds = list("seeds", raw.seeds);
  const bad = seeds?.filter((s) => !/^\d+$/.test(s));
  if (bad?.length) throw new UserError(`--seeds takes plain decimal integers, got ${bad.map((b) => `"${b}"`).join(", ")}`);
  return { models: list("models", raw.models), data: list("data", raw.data), variants: list("variants", raw.variants), seeds: seeds?.map(Number) };
}

/**
 * The runs a selection picks, in the sweep's order (their `index` stays their place in the whole
 * sweep). A value the sweep does not have is an error naming the ones it has, so a typo does not
 * silently select nothing.
 */
export function selectRuns<T extends { model: string; data: string; dataSlug: string; variant: string; seed: number }>(runs: T[], sel: RunSelection): T[] {
  const problems: string[] = [];
  const check = <V>(flag: string, wanted: V[] | undefined, have: V[], alsoHave: V[] = []) => {
    if (!wanted) return;
    const unknown = wanted.filter((w) => !have.includes(w) && !alsoHave.includes(w));
    if (unknown.length) problems.push(`--${flag} ${unknown.join(", ")}: the sweep has ${[...new Set(have)].join(", ")}`);
  };
  check("models", sel.models, runs.map((r) => r.model));
  check("data", sel.data, runs.map((r) => r.dataSlug), runs.map((r) => r.data));
  check("variants", sel.variants, runs.map((r) => r.variant));
  check("seeds", sel.seeds, runs.map((r) => r.seed));
  if (problems.length) throw new UserError(problems.join("; "));
  return runs.filter(
    (r) =>
      (!sel.models || sel.models.includes(r.model)) &&
      (!sel.data || sel.data.includes(r.data) || sel.data.includes(r.dataSlug)) &&
      (!sel.variants || sel.variants.includes(r.variant)) &&
      (!sel.seeds || sel.seeds.includes(r.seed)),
  );
}
