/**
 * npm run sweep -- --config FILE.json: run models x datasets x variants x seeds, each a resumable
 * `train` in its own folder followed by an `eval`, on one machine or as shards of a Slurm array
 * or Kubernetes Indexed Job; `--collect` turns the finished runs into one table. Library code in
 * src/sweep/.
 */
import * as fs from "fs";
import * as path from "path";
import { loadSweepConfig, expandRuns, trainArgs, evalArgs } from "../sweep/config";
import { parseSelection, resolveShard, selectRuns, shardRuns } from "../sweep/shard";
import { describeState, liveOwner, runState, runSweep, sharedOf } from "../sweep/run";
import { benchCost, loggedCosts, runShape, stepCost } from "../sweep/estimate";
import { formatDuration } from "../results/budgets";
import { collect, writeCollected } from "../sweep/collect";
import { writeResult } from "../results/files";
import { UserError } from "../errors";
import { SIGNAL_EXIT_CODE } from "../train/signals";
import { noPositionals, parse, runMain } from "./common";

const USAGE = `usage: npm run sweep -- --config FILE.json [--models a,b] [--data a,b] [--variants a,b] [--seeds 0,1]
                         [--shard i/n | --shards N] [--dry-run] [--collect]
  --config   the sweep (JSON; paths in it are relative to its folder), e.g.
               { "out": "../out/sweeps/ring", "models": ["gan"], "data": ["ring8"],
                 "variants": { "base": {}, "slow": { "optimizer.lr": 1e-4 } },
                 "seeds": [0, 1, 2], "steps": 2000, "batchSize": 64, "checkpointEvery": 200,
                 "train": { "config": "gan.json", "evalEvery": 500 },
                 "eval": { "n": 2000, "metrics": ["fd", "precision", "recall"] }, "results": "sweeps/ring" }
             runs go in the order models > data > variants > seeds, each in <out>/<model>/<data>/<variant>/seed<S>
             (train.log, latest.ckpt, eval.json); "variants" are --set values of train (default: one
             variant "default" with none); "modelSettings" adds --set values to one model's runs,
             e.g. {"tgan": {"codewordMean": "random"}}; "train" may also hold "holdOut": true, "evalEvery": N,
             "evalN": N, "evalMetrics": ["swd", "ms-ssim"] and "evaluatorSteps": N (train's --hold-out,
             --eval-every, --eval-n, --eval-metrics and --evaluator-steps; the last reaches eval too); "eval": false skips eval; "eval.command" replaces the kit's eval
  --models, --data, --variants, --seeds
             comma-separated: run only these of the sweep's runs (e.g. --models gan --data mnist to do
             the cheap runs first); the folders and results are the same as the whole sweep's
  --shard    i/n: run only runs i, i+n, i+2n, ... of the (selected) runs (0-based: 0/2 and 1/2 split them in two)
             Without it the shard comes from a Slurm array (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT,
             SLURM_ARRAY_TASK_MIN) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX with --shards N or
             GAN_SWEEP_SHARDS=N, N = the Job's completions); else the whole sweep
  --shards   N: the number of shards of a Kubernetes Indexed Job (its completions)
  --dry-run  list this shard's runs, their state and commands, and the training time still to go
             (at the seconds per step the sweep's runs of the same model logged in evals.jsonl, else at
             least the time of the model's committed npm run bench row at the same batch and shape); run nothing
  --collect  aggregate every finished run of the sweep (all shards) into <out>/summary.csv, .md and
             .html (mean ± std, n and each seed's value per model/data/variant and metric), print it,
             list missing and failed runs; with "results" in the config also results/<notebook>/<experiment>.json
A finished run (eval.json) is skipped, one with a checkpoint resumes, a failed one (failed.json) is
retried. Ctrl-C / SIGTERM / SIGHUP: the running train saves its checkpoint and the sweep stops
(exit 128 + the signal's number: 130, 143, 129).
A run another live process on this machine still works on (running.json) is left alone.
A run trained with other settings than the config's (model, data, batch size, hold-out, image size,
--set values, or more steps; as its checkpoint or run.json records them) is moved aside to
DIR.stale-<time> and trained again: a changed config never reuses an old run's results.
"shareTrainingWith": ["other.json"] (paths relative to the config's folder): a run that trains exactly
what a run of the other sweep trains (model, data, seed, steps, batch size, hold-out, image size, settings)
trains once, in that run's folder with that sweep's arguments, and is evaluated here from a copy of its
checkpoint (DIR/shared-training.json says which); one whose other run finished without its checkpoint
on this machine trains in its own folder.
Exit code: 0 when every run of the shard is done, 1 when some failed or were left to another process.`;

runMain(async () => {
  const { values, positionals } = parse(
    {
      config: { type: "string" },
      models: { type: "string" },
      data: { type: "string" },
      variants: { type: "string" },
      seeds: { type: "string" },
      shard: { type: "string" },
      shards: { type: "string" },
      "dry-run": { type: "boolean" },
      collect: { type: "boolean" },
    },
    USAGE,
  );
  noPositionals(positionals);
  if (!values.config) throw new UserError("--config FILE.json is required (see --help)");
  const selecting = ["models", "data", "variants", "seeds"].filter((k) => values[k as keyof typeof values] !== undefined);
  if (values.collect && (values.shard || values.shards || values["dry-run"] || selecting.length))
    throw new UserError("--collect reads the whole sweep: leave out --shard, --shards, --dry-run, --models, --data, --variants and --seeds");
  const selection = parseSelection(values);
  const config = loadSweepConfig(values.config);
  const runs = expandRuns(config);
  const rel = (p: string) => path.relative(process.cwd(), p) || ".";

  if (values.collect) {
    const col = collect(config, runs);
    const written = writeCollected(config, col);
    const md = fs.readFileSync(written[1], "utf8");
    console.log(md.trimEnd());
    if (config.results) {
      const [notebook, experiment] = config.results.split("/");
      const values: Record<string, (number | null)[]> = {};
      for (const c of col.cells) values[`${c.model}/${path.isAbsolute(c.data) ? path.basename(c.data) : c.data}/${c.variant}/${c.metric}`] = config.seeds.map((s) => c.values[s]);
      const backends = [...new Set(col.runInfo.map((r) => r.backend).filter((b): b is string => !!b))];
      const walls = col.runInfo.map((r) => r.wallSeconds).filter((w): w is number => typeof w === "number");
      written.push(
        writeResult({
          notebook,
          experiment,
          config: { sweep: path.basename(config.file), models: config.models, data: config.data, variants: config.variants, modelSettings: config.modelSettings, steps: config.steps, batchSize: config.batchSize, eval: config.eval, missing: col.missing.map((m) => m.name), failed: col.failed.map((f) => f.name) },
          seeds: config.seeds,
          values,
          backend: backends.length ? backends.join(", ") : null,
          wallSeconds: walls.length === col.runInfo.length && walls.length ? walls.reduce((a, b) => a + b, 0) : null,
        }),
      );
    }
    for (const f of written) console.log(`wrote ${rel(f)}`);
    return;
  }

  const shard = resolveShard({ shard: values.shard, shards: values.shards });
  const selected = selectRuns(runs, selection);
  const mine = shardRuns(selected, shard);
  const picked = selecting.length ? ` (${selected.length} selected by ${selecting.map((k) => `--${k}`).join(", ")})` : "";
  console.log(`sweep ${rel(config.file)}: ${runs.length} runs${picked}; shard ${shard.index}/${shard.count} (${shard.source}): ${mine.length} runs; output in ${rel(config.out)}`);
  if (values["dry-run"]) {
    let left = 0;
    let atLeast = 0; // from benchmark rows: training without evaluations, on the benchmarked machine
    let unknown = 0;
    const logged = loggedCosts(runs);
    for (const r of mine) {
      const state = runState(config, r);
      const by = sharedOf(state);
      const owner = liveOwner(r) ?? (by ? liveOwner(by.run) : null);
      // Training time still to go, at the seconds per step the sweep's other runs logged.
      let estimate = "";
      if (state.kind === "new" || state.kind === "partial" || state.kind === "failed") {
        // A shared training's speed is what its own sweep's runs logged.
        const cost = by ? stepCost(by.run, loggedCosts(expandRuns(by.config))) : stepCost(r, logged);
        const from = state.kind === "partial" ? state.step : 0;
        const bench = cost ? null : benchCost(r.model, config.batchSize, runShape(r.model, r.data, config.imageSize));
        if (cost) {
          const s = cost.secondsPerStep * (config.steps - from);
          left += s;
          estimate = `; about ${formatDuration(s)} of training (${cost.secondsPerStep.toFixed(2)} s a step as ${cost.from.length === 1 ? cost.from[0] : `${cost.from.length} runs of the sweep`} logged it)`;
        } else if (bench) {
          const s = bench.secondsPerStep * (config.steps - from);
          atLeast += s;
          estimate = `; at least ${formatDuration(s)} of training (${bench.secondsPerStep.toFixed(2)} s a step by ${bench.source})`;
        } else unknown++;
      }
      console.log(`  #${r.index} ${r.name}: ${describeState(state, config.steps)}${owner ? ` (process ${owner.pid} on this machine is running its ${owner.phase})` : ""}${estimate}`);
      if (state.kind !== "done") {
        if (state.kind !== "trained") console.log(`      train ${(by ? trainArgs(by.config, by.run, state.kind === "partial") : trainArgs(config, r, state.kind === "partial")).join(" ")}`);
        if (config.eval) console.log(`      eval  ${evalArgs(config, r).join(" ")}`);
      }
    }
    const why = "no run of their model has logged its time yet (runs log it in evals.jsonl with train.evalEvery) and no benchmark row of it trained their batch size and shape";
    const parts: string[] = [];
    if (left > 0) parts.push(`about ${formatDuration(left)} at the logged speeds (those of the machine that logged them; \`npm run bench\` compares machines)`);
    if (atLeast > 0) parts.push(`at least ${formatDuration(atLeast)} by benchmark rows (training without evaluations, on the benchmarked machines)`);
    if (unknown > 0) parts.push(parts.length ? `${unknown} run(s) without an estimate: ${why}` : `${unknown} run(s), no estimate: ${why}`);
    if (parts.length) console.log(`training still to do in this shard: ${parts.join(", plus ")}`);
    return;
  }
  const outcome = await runSweep(config, mine);
  const busy = outcome.busy.length ? `, ${outcome.busy.length} left to another live process` : "";
  console.log(`shard ${shard.index}/${shard.count}: ${outcome.done.length} done, ${outcome.skipped.length} done before, ${outcome.failed.length} failed${busy}${outcome.interrupted ? ", stopped early: run the same command again to go on" : ""}`);
  for (const f of outcome.failed) console.log(`  failed: ${f} (${rel(path.join(config.out, ...f.split("/"), "failed.json"))})`);
  if (outcome.interrupted) process.exitCode = SIGNAL_EXIT_CODE[outcome.stoppedBy!];
  else if (outcome.failed.length || outcome.busy.length) process.exitCode = 1;
});
