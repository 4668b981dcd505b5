/**
 * Sweeps: config checks, run expansion and shards (flags, Slurm, Kubernetes), two shard processes
 * against one unsharded sweep (real `train` of the MLP GAN on ring8, a stand-in eval), a shard
 * stopped by SIGTERM and one killed by SIGKILL that resume and complete, and --collect with a
 * missing and a failed run (stand-in train and eval, milliseconds), and training shared between
 * two sweeps.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkSweepConfig, expandRuns, loadSweepConfig, SweepConfig, trainArgs, evalArgs } from "../src/sweep/config";
import { parseSelection, resolveShard, selectRuns, shardRuns } from "../src/sweep/shard";
import { checkpointStep, describeState, runState, runSweep, sharedOf } from "../src/sweep/run";
import { collect, collectedCsv, sweepProgress } from "../src/sweep/collect";
import { benchCost, loggedCosts, loggedSecondsPerStep, runShape, stepCost } from "../src/sweep/estimate";
import { formatDuration } from "../src/results/budgets";
import { UserError } from "../src/errors";
import { EVAL_METRICS } from "../src/eval/evaluate";
import { tempDir } from "./tmp";

const root = path.resolve(__dirname, "..");
const fakeEval = path.join(__dirname, "fixtures", "sweep-eval.js");
const fakeTrain = path.join(__dirname, "fixtures", "sweep-train.js");
const tmp = (tag: string) => tempDir(`gan-sweep-${tag}-`);

function writeConfig(dir: string, c: Record<string, unknown>): string {
  const file = path.join(dir, "sweep.json");
  fs.writeFileSync(file, JSON.stringify(c, null, 2));
  return file;
}

function sweep(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "src/cli/sweep.ts"), ...args], { cwd: root, encoding: "utf8", env: { ...process.env, CI: "true", ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file a sweep left under `dir` whose results matter: eval.json contents by run folder. */
function evalResults(dir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === "eval.json") {
        const j = JSON.parse(fs.readFileSync(p, "utf8"));
        out[path.relative(dir, d)] = { metrics: j.metrics, data: j.data, checkpoint: path.relative(dir, j.checkpoint) };
      }
    }
  };
  walk(dir);
  return out;
}

const base = { models: ["gan"], data: ["ring8"], seeds: [0, 1, 2], steps: 12, batchSize: 32, checkpointEvery: 4 };

test("a sweep expands in a fixed order into folders named for model/data/variant/seed", () => {
  const c = checkSweepConfig({ ...base, out: "o", data: ["ring8", "grid25"], variants: { a: {}, b: { "optimizer.lr": 1e-4, loss: "saturating" } } }, "/x/s.json");
  const runs = expandRuns(c);
  assert.equal(runs.length, 12);
  assert.deepEqual(runs.slice(0, 4).map((r) => r.name), ["gan/ring8/a/seed0", "gan/ring8/a/seed1", "gan/ring8/a/seed2", "gan/ring8/b/seed0"]);
  assert.equal(runs[11].name, "gan/grid25/b/seed2");
  assert.equal(runs[11].dir, "/x/o/gan/grid25/b/seed2");
  assert.deepEqual(runs.map((r) => r.index), [...runs.keys()]);
  const args = trainArgs(c, runs[3], true);
  assert.deepEqual(args.slice(-5), ["--set", "optimizer.lr=0.0001", "--set", "loss=saturating", "--resume"]);
  assert.deepEqual(args.slice(0, 10), ["--model", "gan", "--data", "ring8", "--steps", "12", "--batch-size", "32", "--seed", "0"]);
  const held = checkSweepConfig({ ...base, out: "o", train: { holdOut: true, evalEvery: 500 } }, "/x/s.json");
  assert.deepEqual(trainArgs(held, expandRuns(held)[0], false).slice(-3), ["--hold-out", "--eval-every", "500"]);
  assert.throws(() => checkSweepConfig({ ...base, out: "o", train: { holdOut: "yes", evalEvery: 0 } }, "/x/s.json"), /train.holdOut must be true or false.*|train.evalEvery/);
  // The evaluator's training steps reach both train and eval (the same cached evaluator); evalN only train.
  const small = checkSweepConfig({ ...base, out: "o", train: { evalEvery: 4, evalN: 64, evalMetrics: ["swd", "ms-ssim"], evaluatorSteps: 60 } }, "/x/s.json");
  assert.deepEqual(trainArgs(small, expandRuns(small)[0], false).slice(-8), ["--eval-every", "4", "--eval-n", "64", "--eval-metrics", "swd,ms-ssim", "--evaluator-steps", "60"]);
  assert.throws(() => checkSweepConfig({ ...base, out: "o", train: { evalMetrics: ["fid"] } }, "/x/s.json"), /train.evalMetrics must be a list of swd, ms-ssim/);
  assert.throws(() => checkSweepConfig({ ...base, out: "o", eval: { metrics: ["fd", "swd"] } }, "/x/s.json"), /eval.metrics: swd not among the kit eval's metrics .*SWD and MS-SSIM are train.evalMetrics/);
  assert.deepEqual(checkSweepConfig({ ...base, out: "o", eval: { metrics: ["swd"], command: ["my-eval"] } }, "/x/s.json").eval?.metrics, ["swd"], "a custom eval command takes its own metrics");
  assert.deepEqual(evalArgs(small, expandRuns(small)[0]).slice(-2), ["--evaluator-steps", "60"]);
  assert.throws(() => checkSweepConfig({ ...base, out: "o", train: { evalN: 1 } }, "/x/s.json"), /train.evalN/);
  // Per-model settings reach that model's runs only, before the variant's (which win on a shared key).
  const two = checkSweepConfig({ ...base, out: "o", models: ["gan", "tgan"], variants: { v: { "optimizer.lr": 1e-4 } }, modelSettings: { tgan: { codewordMean: "random", "optimizer.lr": 1 } } }, "/x/s.json");
  const [ganRun, tganRun] = [expandRuns(two)[0], expandRuns(two)[3]];
  assert.deepEqual(trainArgs(two, ganRun, false).slice(-2), ["--set", "optimizer.lr=0.0001"]);
  assert.deepEqual(trainArgs(two, tganRun, false).slice(-4), ["--set", "codewordMean=random", "--set", "optimizer.lr=0.0001"]);
  assert.throws(() => checkSweepConfig({ ...base, out: "o", modelSettings: { dcgan: {} } }, "/x/s.json"), /modelSettings: "dcgan" is not one of the sweep's models/);
  for (const f of fs.readdirSync(path.join(root, "sweeps"))) assert.ok(expandRuns(loadSweepConfig(path.join(root, "sweeps", f))).length > 0, `sweeps/${f}`);
});

test("environment.md's example sweep config passes the checks, and the metrics its text lists are the kit eval's", () => {
  const doc = fs.readFileSync(path.join(root, "environment.md"), "utf8");
  const block = /Paths in the config are relative to the config's folder:\n\n```json\n([\s\S]*?)\n```/.exec(doc);
  assert.ok(block, "environment.md has the example config after its lead-in sentence");
  const c = checkSweepConfig(JSON.parse(block[1]), path.join(root, "sweeps", "example.json"));
  const runs = expandRuns(c);
  assert.equal(runs.length, 6);
  assert.equal(runs[5].name, "dcgan/mnist/slow/seed2");
  assert.deepEqual(trainArgs(c, runs[5], false).slice(10), ["--out", runs[5].dir, "--checkpoint-every", "500", "--hold-out", "--eval-every", "1000", "--eval-n", "2000", "--set", "ema=0.999", "--set", "optimizer.lr=0.0001"]);
  const listed = /the kit eval's metrics, ([^;]+);/.exec(doc.replace(/\s+/g, " "));
  assert.ok(listed, "environment.md lists the eval metrics");
  assert.deepEqual(listed[1].split(", ").map((m) => m.replace(/`/g, "")).sort(), [...EVAL_METRICS].sort());
});

test("shards: --shard i/n, Slurm arrays (with MIN offset and STEP), Kubernetes Indexed Jobs", () => {
  const runs = Array.from({ length: 7 }, (_, index) => ({ index }));
  const pick = (s: { index: number; count: number }) => shardRuns(runs, s).map((r) => r.index);
  assert.deepEqual(pick(resolveShard({ shard: "1/3" }, {})), [1, 4]);
  assert.deepEqual(pick(resolveShard({}, {})), [0, 1, 2, 3, 4, 5, 6]);
  // every run in exactly one shard
  const all = [0, 1, 2].flatMap((i) => pick({ index: i, count: 3 })).sort();
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6]);
  // sbatch --array=1-3: ids 1, 2, 3 with MIN 1
  const slurm = (id: number, extra: NodeJS.ProcessEnv = {}) => resolveShard({}, { SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_COUNT: "3", SLURM_ARRAY_TASK_MIN: "1", ...extra });
  assert.deepEqual([1, 2, 3].map((id) => slurm(id).index), [0, 1, 2]);
  assert.equal(slurm(3).count, 3);
  assert.match(slurm(2).source, /Slurm array task 2/);
  // --array=0-4:2 (ids 0, 2, 4)
  assert.deepEqual([0, 2, 4].map((id) => resolveShard({}, { SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_COUNT: "3", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_STEP: "2" }).index), [0, 1, 2]);
  // --shard beats the environment
  assert.deepEqual(resolveShard({ shard: "0/2" }, { SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "2" }).index, 0);
  // Kubernetes: the index from the Job, the count from --shards or GAN_SWEEP_SHARDS
  assert.deepEqual(resolveShard({ shards: "4" }, { JOB_COMPLETION_INDEX: "3" }), { index: 3, count: 4, source: "Kubernetes completion index 3 of 4" });
  assert.equal(resolveShard({}, { JOB_COMPLETION_INDEX: "2", GAN_SWEEP_SHARDS: "5" }).count, 5);
  const bad: [Parameters<typeof resolveShard>, RegExp][] = [
    [[{ shard: "2/2" }, {}], /index must be below the count/],
    [[{ shard: "1-2" }, {}], /--shard must be i\/n/],
    [[{}, { JOB_COMPLETION_INDEX: "1" }], /pass --shards N or set GAN_SWEEP_SHARDS/],
    [[{ shards: "2" }, { JOB_COMPLETION_INDEX: "2" }], /not below the number of shards 2/],
    [[{ shards: "2" }, {}], /--shards N needs JOB_COMPLETION_INDEX/],
    [[{}, { SLURM_ARRAY_TASK_ID: "1" }], /SLURM_ARRAY_TASK_COUNT is not/],
    [[{}, { SLURM_ARRAY_TASK_ID: "7", SLURM_ARRAY_TASK_COUNT: "3", SLURM_ARRAY_TASK_MIN: "0" }], /array has gaps/],
  ];
  for (const [args, pattern] of bad) assert.throws(() => resolveShard(...args), (e: Error) => e instanceof UserError && pattern.test(e.message));
});

test("--models/--data/--variants/--seeds pick runs (same folders as the whole sweep), shards split the picked ones; unknown values are errors", () => {
  const digits = path.join(tmp("select-data"), "my-digits");
  fs.mkdirSync(digits);
  const c = checkSweepConfig({ ...base, out: "o", models: ["gan", "dcgan"], data: ["ring8", digits], variants: { a: {}, b: {} } }, "/x/s.json");
  const runs = expandRuns(c);
  const names = (sel: Parameters<typeof parseSelection>[0]) => selectRuns(runs, parseSelection(sel)).map((r) => r.name);
  // 2 models x 2 data x 2 variants x 3 seeds = 24; gan only: 12; gan on my-digits (by slug), variant b, seeds 0 and 2: 2
  assert.equal(names({}).length, 24);
  assert.equal(names({ models: "gan" }).length, 12);
  assert.deepEqual(names({ models: "gan", data: "my-digits", variants: "b", seeds: "2,0" }), ["gan/my-digits/b/seed0", "gan/my-digits/b/seed2"]);
  assert.deepEqual(names({ data: digits, models: "dcgan", variants: "a", seeds: "1" }), ["dcgan/my-digits/a/seed1"]);
  // a picked run keeps its folder and its index in the whole sweep
  const one = selectRuns(runs, { models: ["dcgan"], data: ["ring8"], variants: ["a"], seeds: [0] })[0];
  assert.equal(one.dir, runs.find((r) => r.name === "dcgan/ring8/a/seed0")!.dir);
  assert.equal(one.index, 12);
  // shards take every n-th of the picked runs: 6 runs of gan/ring8 split 3/3 in two
  const picked = selectRuns(runs, { models: ["gan"], data: ["ring8"] });
  assert.deepEqual(shardRuns(picked, { index: 1, count: 2 }).map((r) => r.name), ["gan/ring8/a/seed1", "gan/ring8/b/seed0", "gan/ring8/b/seed2"]);
  assert.throws(() => selectRuns(runs, parseSelection({ models: "gan,stylegan", seeds: "7" })), (e: Error) => e instanceof UserError && /--models stylegan: the sweep has gan, dcgan; --seeds 7: the sweep has 0, 1, 2/.test(e.message));
  assert.throws(() => parseSelection({ seeds: "1e0" }), /--seeds takes plain decimal integers, got "1e0"/);
  assert.throws(() => parseSelection({ models: "gan,," }), /without empty items/);
  // on the command line: the dry run lists only the picked runs
  const dir = tmp("select");
  const file = writeConfig(dir, { ...base, out: "out" });
  const r = sweep(["--config", file, "--dry-run", "--seeds", "1,2", "--shard", "1/2"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /3 runs \(2 selected by --seeds\); shard 1\/2 \(--shard\): 1 runs/);
  assert.match(r.stdout, /#2 gan\/ring8\/default\/seed2: to do/);
  assert.doesNotMatch(r.stdout, /seed0|seed1/);
  const bad = sweep(["--config", file, "--models", "dcgan"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: --models dcgan: the sweep has gan$/m);
  assert.match(sweep(["--config", file, "--collect", "--seeds", "0"]).stderr, /--collect reads the whole sweep/);
});

test("time estimates: seconds per step from the runs' logged evals.jsonl (same model/data/variant first, else the model's), in the dry run", () => {
  const dir = tmp("estimate");
  const c = checkSweepConfig({ ...base, out: path.join(dir, "out"), steps: 100, data: ["ring8", "grid25"], eval: false, train: { evalEvery: 50 } }, path.join(dir, "s.json"));
  const runs = expandRuns(c);
  const at = (name: string) => runs.find((r) => r.name === name)!;
  const log = (name: string, lines: object[]) => {
    fs.mkdirSync(at(name).dir, { recursive: true });
    fs.writeFileSync(path.join(at(name).dir, "evals.jsonl"), lines.map((l) => JSON.stringify(l) + "\n").join(""));
  };
  // seed0 on ring8: 100 steps in 18 s of training + 2 s of evaluations = 0.2 s a step; seed1: 0.4 s a step.
  log("gan/ring8/default/seed0", [{ step: 50, train_s: 9, eval_s: 1 }, { step: 100, train_s: 18, eval_s: 2 }]);
  log("gan/ring8/default/seed1", [{ step: 100, train_s: 40 }]);
  log("gan/grid25/default/seed0", [{ step: 100, train_s: 100, eval_s: 0 }]);
  assert.equal(loggedSecondsPerStep(at("gan/ring8/default/seed0")), 0.2);
  assert.equal(loggedSecondsPerStep(at("gan/ring8/default/seed2")), null, "no file: no timing");
  // ring8 seed2: the two ring8 runs (median of 0.2 and 0.4 = 0.3), not grid25's 1 s a step
  assert.deepEqual(stepCost(at("gan/ring8/default/seed2"), loggedCosts(runs)), { secondsPerStep: 0.30000000000000004, from: ["gan/ring8/default/seed0", "gan/ring8/default/seed1"] });
  // grid25 seed1: grid25's own run; a run never estimates itself from its own partial log
  assert.equal(stepCost(at("gan/grid25/default/seed1"), loggedCosts(runs))!.secondsPerStep, 1);
  assert.deepEqual(stepCost(at("gan/grid25/default/seed0"), loggedCosts(runs))!.from, ["gan/ring8/default/seed0", "gan/ring8/default/seed1"], "no other grid25 run logged: the model's runs on other data");
  assert.equal(formatDuration(45), "45 s");
  assert.equal(formatDuration(600), "10 min");
  assert.equal(formatDuration(7200), "2.0 h");
  const file = writeConfig(dir, { ...base, out: "out", steps: 100, data: ["ring8", "grid25"], eval: false, train: { evalEvery: 50 } });
  const r = sweep(["--config", file, "--dry-run", "--data", "grid25"]);
  assert.equal(r.code, 0, r.stderr);
  // grid25 seeds 1 and 2: 100 steps at 1 s; seed0 (its log ended at step 100, no checkpoint, eval false) is done
  assert.match(r.stdout, /#4 gan\/grid25\/default\/seed1: to do; about 2 min of training \(1\.00 s a step as gan\/grid25\/default\/seed0 logged it\)/);
  assert.match(r.stdout, /training still to do in this shard: about 3 min at the logged speeds \(those of the machine/);
});

test("time estimates without logged runs: the model's benchmark row when it trained the run's batch size and shape, as a lower bound", () => {
  // The shapes train gives runs: the data's, fitted to the model (BEGAN pads 28 to 32) or to --image-size.
  assert.deepEqual(runShape("dcgan", "mnist"), [28, 28, 1]);
  assert.deepEqual(runShape("began", "fashion-mnist"), [32, 32, 1]);
  assert.deepEqual(runShape("dcgan", "mnist", 64), [64, 64, 1]);
  assert.deepEqual(runShape("gan", "ring8"), [2]);
  assert.equal(runShape("dcgan", "/some/folder"), null, "a folder's shape is not known without reading it");
  const dir = tmp("bench-rows");
  const row = { config: { shape: [28, 28, 1], batchSize: 64, threads: 2, cpuModel: "Test CPU" }, summary: { msPerStep: { mean: 250 } }, date: "2026-12-02T03:12:55.270Z" };
  fs.writeFileSync(path.join(dir, "dcgan.json"), JSON.stringify(row));
  const cost = benchCost("dcgan", 64, [28, 28, 1], dir)!;
  assert.equal(cost.secondsPerStep, 0.25);
  assert.match(cost.source, /dcgan row: 2 thread\(s\) of Test CPU, 2026-12-02/);
  assert.equal(benchCost("dcgan", 32, [28, 28, 1], dir), null, "another batch size");
  assert.equal(benchCost("dcgan", 64, [32, 32, 1], dir), null, "another shape");
  assert.equal(benchCost("acgan", 64, [28, 28, 1], dir), null, "no row");
  // In the dry run, with the committed row of the MLP GAN (28x28x1, batch 64): 1,000 steps to do.
  const committed = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "results", "bench", "gan.json"), "utf8"));
  assert.deepEqual([committed.config.shape, committed.config.batchSize], [[28, 28, 1], 64], "the committed gan row this test reads");
  const file = writeConfig(dir, { ...base, data: ["synthetic-digits"], seeds: [0], out: "out", steps: 1000, batchSize: 64, eval: false });
  const r = sweep(["--config", file, "--dry-run"]);
  assert.equal(r.code, 0, r.stderr);
  const seconds = (committed.summary.msPerStep.mean / 1000) * 1000;
  assert.match(r.stdout, new RegExp(`#0 gan/synthetic-digits/default/seed0: to do; at least ${Math.round(seconds)} s of training \\(${(seconds / 1000).toFixed(2)} s a step by npm run bench's gan row`));
  assert.match(r.stdout, /training still to do in this shard: at least \d+ s by benchmark rows \(training without evaluations/);
});

test("the shard comes from the environment on the command line too (dry run)", () => {
  const dir = tmp("env");
  const file = writeConfig(dir, { ...base, out: "out" });
  const slurm = sweep(["--config", file, "--dry-run"], { SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_COUNT: "2", SLURM_ARRAY_TASK_MIN: "4" });
  assert.equal(slurm.code, 0, slurm.stderr);
  assert.match(slurm.stdout, /shard 1\/2 \(Slurm array task 5 \(min 4, count 2\)\): 1 runs/);
  assert.match(slurm.stdout, /#1 gan\/ring8\/default\/seed1: to do/);
  assert.doesNotMatch(slurm.stdout, /seed0|seed2/);
  const k8s = sweep(["--config", file, "--dry-run", "--shards", "2"], { JOB_COMPLETION_INDEX: "0" });
  assert.equal(k8s.code, 0, k8s.stderr);
  assert.match(k8s.stdout, /shard 0\/2 \(Kubernetes completion index 0 of 2\): 2 runs/);
  assert.match(k8s.stdout, /#0 gan\/ring8\/default\/seed0[\s\S]*#2 gan\/ring8\/default\/seed2/);
  assert.equal(fs.existsSync(path.join(dir, "out")), false, "a dry run writes nothing");
});

test("bad configs: one error line listing every problem, exit code 2", () => {
  const dir = tmp("bad");
  const file = writeConfig(dir, { out: "o", models: ["gan", "stylegan9"], data: ["ring8", "imagenet"], seeds: [0, -1], batchSize: 0, variants: { "1st": {} }, step: 5, eval: { metric: ["swd"] } });
  const r = sweep(["--config", file]);
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  for (const p of [/^error: .*sweep\.json: \d+ problems: /, /unknown key "step" \(did you mean "steps"\?\)/, /unknown model "stylegan9"/, /unknown dataset "imagenet"/, /"seeds" must be/, /"steps" is required/, /"batchSize" must be an integer >= 1, got 0/, /variant name "1st"/, /eval: unknown key "metric"/]) {
    assert.match(lines[0], p);
  }
  const cases: [string[], RegExp][] = [
    [["--config", path.join(dir, "none.json")], /^error: sweep config not found/],
    [["--dry-run"], /^error: --config FILE\.json is required/],
    [["--config", file, "--shard", "3/2"], /^error: /],
  ];
  fs.writeFileSync(path.join(dir, "broken.json"), "{ nope");
  cases.push([["--config", path.join(dir, "broken.json")], /^error: .*broken\.json is not valid JSON/]);
  for (const [args, pattern] of cases) {
    const c = sweep(args);
    assert.equal(c.code, 2, `${args.join(" ")}: ${c.stderr}`);
    assert.equal(c.stderr.trim().split("\n").length, 1, c.stderr);
    assert.match(c.stderr.trim(), pattern);
  }
});

test("two shard processes together produce exactly the runs and results of one unsharded sweep", async () => {
  const dir = tmp("shards");
  const conf = (out: string) => writeConfig(fs.mkdtempSync(path.join(dir, "c")), { ...base, seeds: [0, 1], out: path.join(dir, out), eval: { command: ["node", fakeEval], n: 5 } });
  const whole = sweep(["--config", conf("whole")]);
  assert.equal(whole.code, 0, whole.stdout + whole.stderr);
  const sharded = conf("sharded");
  const run = (i: number) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(process.execPath, ["--import", "tsx", path.join(root, "src/cli/sweep.ts"), "--config", sharded, "--shard", `${i}/2`], { cwd: root, env: { ...process.env, CI: "true" } });
      let out = "";
      p.stdout.on("data", (d) => (out += d));
      p.stderr.on("data", (d) => (out += d));
      p.on("close", (code) => resolve({ code, out }));
    });
  const [a, b] = await Promise.all([run(0), run(1)]);
  assert.equal(a.code, 0, a.out);
  assert.equal(b.code, 0, b.out);
  assert.match(a.out, /shard 0\/2 \(--shard\): 1 runs/);
  assert.match(b.out, /shard 1\/2 \(--shard\): 1 runs/);
  const w = evalResults(path.join(dir, "whole"));
  const s = evalResults(path.join(dir, "sharded"));
  assert.deepEqual(Object.keys(w).sort(), ["gan/ring8/default/seed0", "gan/ring8/default/seed1"]);
  assert.deepEqual(s, w, "same runs, same weights after training");
  assert.notEqual((w["gan/ring8/default/seed0"] as { metrics: { wsum: { value: number } } }).metrics.wsum.value, (w["gan/ring8/default/seed1"] as { metrics: { wsum: { value: number } } }).metrics.wsum.value);
  // a second pass skips everything
  const again = sweep(["--config", sharded]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /0 done, 2 done before, 0 failed/);
});

/** Start a sweep in its own process group; resolves once its first run's checkpoint reaches `step`. */
async function startAndWait(file: string, ckpt: string, step: number) {
  const p = spawn(process.execPath, ["--import", "tsx", path.join(root, "src/cli/sweep.ts"), "--config", file], { cwd: root, env: { ...process.env, CI: "true" }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  p.stdout!.on("data", (d) => (out += d));
  p.stderr!.on("data", (d) => (out += d));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => p.on("close", (code, signal) => resolve({ code, signal })));
  const t0 = Date.now();
  while ((checkpointStep(ckpt) ?? 0) < step) {
    if (p.exitCode !== null) assert.fail(`sweep ended before step ${step}:\n${out}`);
    if (Date.now() - t0 > 60_000) assert.fail(`no checkpoint at step ${step} after 60 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { p, closed, output: () => out };
}

test("a shard stopped by SIGTERM, then one killed by SIGKILL mid-run, resume and complete", async () => {
  const dir = tmp("kill");
  const steps = 200;
  const file = writeConfig(dir, { ...base, seeds: [0], steps, checkpointEvery: 5, out: "out", eval: { command: ["node", fakeEval] } });
  const runDir = path.join(dir, "out/gan/ring8/default/seed0");
  const ckpt = path.join(runDir, "latest.ckpt");
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return !/ Z /.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\)/, ""));
    } catch {
      return false;
    }
  };

  // SIGTERM to the sweep alone: it passes the signal on, train saves and stops, the sweep exits 143
  const first = await startAndWait(file, ckpt, 5);
  first.p.kill("SIGTERM");
  const end1 = await first.closed;
  assert.equal(end1.code, 143, first.output()); // 128 + SIGTERM, as a shell reports it
  assert.match(first.output(), /SIGTERM: stopping/);
  assert.match(fs.readFileSync(path.join(runDir, "train.log"), "utf8"), /interrupted at step \d+: checkpoint saved/);
  assert.equal(fs.existsSync(path.join(runDir, "failed.json")), false, "a stop is not a failure");
  assert.equal(fs.existsSync(path.join(runDir, "running.json")), false);
  const stoppedAt = checkpointStep(ckpt)!;
  assert.ok(stoppedAt >= 5 && stoppedAt < steps, `stopped at ${stoppedAt}`);

  // SIGKILL to the sweep alone, mid-run: its train child lives on (held here with SIGSTOP)...
  const second = await startAndWait(file, ckpt, stoppedAt + 10);
  assert.match(second.output(), new RegExp(`resuming at step ${stoppedAt} of ${steps}`));
  const trainPid = JSON.parse(fs.readFileSync(path.join(runDir, "running.json"), "utf8")).pid as number;
  try {
    process.kill(trainPid, "SIGSTOP");
    process.kill(second.p.pid!, "SIGKILL");
    assert.equal((await second.closed).signal, "SIGKILL");
    // ...and a new sweep leaves that run alone rather than train it twice at once
    const third = sweep(["--config", file]);
    assert.equal(third.code, 1, third.stdout + third.stderr);
    assert.match(third.stdout, new RegExp(`skipped, process ${trainPid} on this machine is still running its train`));
  } finally {
    // the train dies too (a lost node): nothing gets to clean up
    try {
      process.kill(-second.p.pid!, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  const t0 = Date.now();
  while (alive(trainPid) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
  assert.equal(alive(trainPid), false);
  const killedAt = checkpointStep(ckpt)!;
  assert.ok(killedAt > stoppedAt && killedAt < steps, `killed at ${killedAt}`);
  assert.equal(fs.existsSync(path.join(runDir, "eval.json")), false);

  // the same command again resumes from the last checkpoint and completes
  const fourth = sweep(["--config", file]);
  assert.equal(fourth.code, 0, fourth.stdout + fourth.stderr);
  assert.match(fourth.stdout, new RegExp(`resuming at step ${killedAt} of ${steps}`));
  assert.match(fourth.stdout, /1 done, 0 done before, 0 failed/);
  assert.equal(checkpointStep(ckpt), steps);
  const ev = JSON.parse(fs.readFileSync(path.join(runDir, "eval.json"), "utf8"));
  assert.equal(ev.metrics.wsum.details.step, steps);
});

function standInConfig(dir: string, extra: Record<string, unknown> = {}): SweepConfig {
  return checkSweepConfig({ ...base, out: "out", variants: { a: {}, b: { hidden: [8] } }, eval: { command: ["node", fakeEval, "--fail-on", "b/seed2"] }, ...extra }, path.join(dir, "sweep.json"));
}

test("--collect: mean ± std and each seed per cell, missing and failed runs by name (stand-in runs)", async () => {
  const dir = tmp("collect");
  const c = standInConfig(dir);
  const runs = expandRuns(c);
  const logs: string[] = [];
  // seed 1 of every variant fails in train (after a checkpoint half-way), b/seed2 in eval; a/seed2 is never run (missing)
  const outcome = await runSweep(c, runs.filter((r) => r.name !== "gan/ring8/a/seed2"), { train: ["node", fakeTrain], env: { ...process.env, FAIL_SEED: "1" }, log: (s) => logs.push(s) });
  assert.deepEqual(outcome.done, ["gan/ring8/a/seed0", "gan/ring8/b/seed0"]);
  assert.deepEqual(outcome.failed, ["gan/ring8/a/seed1", "gan/ring8/b/seed1", "gan/ring8/b/seed2"]);
  assert.ok(logs.some((l) => /FAILED in train \(exit 2\): error: stand-in train failure/.test(l)), logs.join("\n"));
  const failed = JSON.parse(fs.readFileSync(path.join(dir, "out/gan/ring8/b/seed2/failed.json"), "utf8"));
  assert.equal(failed.phase, "eval");
  assert.equal(failed.exitCode, 3);
  assert.ok(failed.lastLines.includes("error: stand-in eval failure"));

  const col = collect(c, runs);
  assert.deepEqual(col.missing.map((m) => m.name), ["gan/ring8/a/seed2"]);
  assert.deepEqual(col.failed.map((f) => f.name), ["gan/ring8/a/seed1", "gan/ring8/b/seed1", "gan/ring8/b/seed2"]);
  const cell = col.cells.find((x) => x.variant === "a" && x.metric === "seedplus")!;
  assert.deepEqual(cell.values, { 0: 0.5, 1: null, 2: null });
  assert.equal(cell.n, 1);

  // now the failures pass: seed 1 retried; a/seed2 still missing
  await runSweep(standInConfig(dir, { eval: { command: ["node", fakeEval] } }), runs.filter((r) => r.name !== "gan/ring8/a/seed2"), { train: ["node", fakeTrain], log: () => {} });
  // retried from where their files stood: a failed train resumes, a failed eval does not retrain
  const commands = (name: string) => fs.readFileSync(path.join(dir, "out", name, "train.log"), "utf8").split("\n").filter((l) => l.startsWith("$ "));
  assert.equal(commands("gan/ring8/a/seed1").length, 2);
  assert.doesNotMatch(commands("gan/ring8/a/seed1")[0], /--resume/);
  assert.match(commands("gan/ring8/a/seed1")[1], /--resume$/);
  assert.equal(commands("gan/ring8/b/seed2").length, 1);
  const col2 = collect(c, runs);
  assert.deepEqual(col2.failed, []);
  const b = col2.cells.find((x) => x.variant === "b" && x.metric === "seedplus")!;
  assert.deepEqual(b.values, { 0: 0.5, 1: 1.5, 2: 2.5 });
  assert.equal(b.mean, 1.5);
  assert.equal(b.std, 1);
  assert.equal(b.n, 3);
  assert.match(collectedCsv(col2), /^model,data,variant,metric,mean,std,n,floor,seed 0,seed 1,seed 2\n/);
  assert.match(collectedCsv(col2), /\ngan,ring8,b,seedplus,1\.5,1,3,,0\.5,1\.5,2\.5\n/);

  // and the CLI: prints the table, lists the missing run, writes CSV, Markdown and a chart
  fs.writeFileSync(path.join(dir, "sweep.json"), JSON.stringify({ ...base, out: "out", variants: { a: {}, b: { hidden: [8] } }, results: "sweeps/t" }));
  fs.writeFileSync(path.join(dir, "out/gan/ring8/b/seed1/failed.json"), JSON.stringify({ run: "gan/ring8/b/seed1", phase: "train", exitCode: 2, signal: null, command: [], lastLines: ["error: out of memory"], date: "" }));
  fs.rmSync(path.join(dir, "out/gan/ring8/b/seed1/eval.json"));
  const r = sweep(["--config", path.join(dir, "sweep.json"), "--collect"], { GAN_RESULTS_DIR: path.join(dir, "results") });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\| gan \| ring8 \| b \| seedplus \| 1\.5 ± 1\.414 \| 2 \| {2}\| 0: 0\.5, 1: -, 2: 2\.5 \|/);
  assert.match(r.stdout, /Missing \(1\): gan\/ring8\/a\/seed2 \(to do\)/);
  assert.match(r.stdout, /Failed \(1\): gan\/ring8\/b\/seed1 \(train, exit 2: error: out of memory\)/);
  for (const f of ["summary.csv", "summary.md", "summary.html"]) assert.ok(fs.existsSync(path.join(dir, "out", f)), f);
  assert.match(fs.readFileSync(path.join(dir, "out/summary.html"), "utf8"), /Plotly\.newPlot/);
  // with "results" in the config, also a result file (per-seed values by cell and metric)
  const res = JSON.parse(fs.readFileSync(path.join(dir, "results/sweeps/t.json"), "utf8"));
  assert.deepEqual(res.seeds, [0, 1, 2]);
  assert.deepEqual(res.values["gan/ring8/b/seedplus"], [0.5, null, 2.5]);
  assert.equal(res.summary["gan/ring8/b/seedplus"].n, 2);
  assert.deepEqual(res.config.missing, ["gan/ring8/a/seed2"]);
});

test("sweep end to end with the kit's eval", { skip: !fs.existsSync(path.join(root, "src/cli/eval.ts")) && "src/cli/eval.ts is not in the kit yet" }, () => {
  const dir = tmp("e2e");
  const file = writeConfig(dir, { ...base, seeds: [0, 1], out: "out", eval: { n: 200 } });
  const r = sweep(["--config", file]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const col = sweep(["--config", file, "--collect"]);
  assert.equal(col.code, 0, col.stderr);
  assert.match(col.stdout, /Missing: none/);
  assert.match(col.stdout, /Failed: none/);
  const ev = JSON.parse(fs.readFileSync(path.join(dir, "out/gan/ring8/default/seed0/eval.json"), "utf8"));
  assert.ok(Object.keys(ev.metrics).length > 0);
  for (const m of Object.values(ev.metrics) as { value: number }[]) assert.equal(typeof m.value, "number");
});

test("a run without an eval step and without its checkpoint is done when its committed evals.jsonl scored the last step", () => {
  const dir = tempDir("gan-sweep-evals-");
  const c = checkSweepConfig({ ...base, out: dir, train: { evalEvery: 6 }, eval: false }, path.join(dir, "s.json"));
  const [r] = expandRuns(c);
  assert.equal(runState(c, r).kind, "new");
  fs.mkdirSync(r.dir, { recursive: true });
  const line = (step: number) => JSON.stringify({ step, fd_ratio: 9 }) + "\n";
  fs.writeFileSync(path.join(r.dir, "evals.jsonl"), line(6));
  assert.equal(runState(c, r).kind, "new", "scored only halfway: trains (again) from the start");
  fs.appendFileSync(path.join(r.dir, "evals.jsonl"), line(12));
  assert.equal(runState(c, r).kind, "done", "the last step (12) was scored: the committed results stand");
  const withEval = checkSweepConfig({ ...base, out: dir, train: { evalEvery: 6 } }, path.join(dir, "s.json"));
  const stranded = runState(withEval, expandRuns(withEval)[0]);
  assert.deepEqual(stranded, { kind: "new", scoredTo: 12 }, "a sweep with an eval step still needs its eval.json");
  assert.match(describeState(stranded, 12), /trained to step 12 elsewhere .* checkpoint is not here .* trains again/);
  assert.equal(describeState(runState(c, expandRuns(c)[0]), 12), "done");
});

test("sweepProgress: one line with the finished runs and where the others stand", () => {
  const dir = tempDir("gan-sweep-progress-");
  const c = checkSweepConfig({ ...base, out: dir, steps: 12000, train: { evalEvery: 6000 }, eval: false }, path.join(dir, "s.json"));
  const runs = expandRuns(c);
  assert.equal(sweepProgress(c, runs), "0 of 3 runs finished");
  // seed 0: scored at its last step (committed evals.jsonl); seed 1: a checkpoint header at step 3,500
  fs.mkdirSync(runs[0].dir, { recursive: true });
  fs.writeFileSync(path.join(runs[0].dir, "evals.jsonl"), [6000, 12000].map((step) => JSON.stringify({ step, fd_ratio: 9 }) + "\n").join(""));
  fs.mkdirSync(runs[1].dir, { recursive: true });
  const head = Buffer.from(JSON.stringify({ step: 3500 }));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  fs.writeFileSync(path.join(runs[1].dir, "latest.ckpt"), Buffer.concat([Buffer.from("GANCKPT1"), len, head]));
  assert.equal(sweepProgress(c, runs), "1 of 3 runs finished (gan/ring8/default/seed0); gan/ring8/default/seed1 at step 3,500 of 12,000");
});

test("a run trained with other settings than the sweep's is stale: the dry run says why, the sweep moves it aside and trains it again", async () => {
  const dir = tmp("stale");
  const c = checkSweepConfig({ ...base, out: dir, seeds: [0], variants: { a: { "optimizer.lr": 1e-4, hidden: [8] } }, train: { holdOut: true }, eval: false }, path.join(dir, "s.json"));
  const [r] = expandRuns(c);
  const ckpt = path.join(r.dir, "latest.ckpt");
  const writeHeader = (step: number, run: Record<string, unknown>) => {
    const head = Buffer.from(JSON.stringify({ step, seed: 0, info: { run } }));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(head.length);
    fs.mkdirSync(r.dir, { recursive: true });
    fs.writeFileSync(ckpt, Buffer.concat([Buffer.from("GANCKPT1"), len, head]));
  };
  // what train records: --set optimizer.lr=0.0001 becomes nested settings
  const same = { model: "gan", data: "ring8", settings: { optimizer: { lr: 0.0001 }, hidden: [8] }, batchSize: 32, holdOut: true, fit: { from: 2, to: 2, mode: "none" } };
  writeHeader(12, same);
  assert.equal(runState(c, r).kind, "done");
  writeHeader(6, same);
  assert.deepEqual(runState(c, r), { kind: "partial", step: 6 });
  writeHeader(6, { ...same, settings: { optimizer: { lr: 0.0002 }, hidden: [8], loss: "saturating" }, holdOut: undefined, batchSize: 64 });
  const stale = runState(c, r);
  assert.deepEqual(stale, { kind: "stale", reasons: ["batch size 64, not 32", "without --hold-out", 'loss "saturating", not unset', "optimizer.lr 0.0002, not 0.0001"] });
  assert.match(describeState(stale, 12), /^trained with other settings than the sweep's \(batch size 64, not 32; .*\): will be moved aside and trained again$/);
  writeHeader(20, same);
  assert.deepEqual(runState(c, r), { kind: "stale", reasons: ["20 steps, more than the sweep's 12"] }, "a run trained past the sweep's steps is not the sweep's run");
  // settings from the sweep's train --config file count as the run's own, under its --set values
  fs.writeFileSync(path.join(dir, "model.json"), JSON.stringify({ loss: "saturating", optimizer: { lr: 0.5, beta1: 0.5 } }));
  const withFile = checkSweepConfig({ ...base, out: dir, seeds: [0], variants: { a: { "optimizer.lr": 1e-4, hidden: [8] } }, train: { holdOut: true, config: "model.json" }, eval: false }, path.join(dir, "s.json"));
  writeHeader(6, { ...same, settings: { loss: "saturating", optimizer: { lr: 0.0001, beta1: 0.5 }, hidden: [8] } });
  assert.deepEqual(runState(withFile, r), { kind: "partial", step: 6 });
  assert.deepEqual(runState(c, r), { kind: "stale", reasons: ['loss "saturating", not unset', "optimizer.beta1 0.5, not unset"] });
  // a finished run whose checkpoint stayed elsewhere: its run.json is the record
  fs.rmSync(ckpt);
  fs.writeFileSync(path.join(r.dir, "run.json"), JSON.stringify({ ...same, steps: 12, settings: { optimizer: { lr: 0.001 }, hidden: [8] } }));
  assert.deepEqual(runState(c, r), { kind: "stale", reasons: ["optimizer.lr 0.001, not 0.0001"] });

  const logs: string[] = [];
  const outcome = await runSweep(c, [r], { train: ["node", fakeTrain], log: (s) => logs.push(s) });
  assert.deepEqual(outcome.done, [r.name]);
  assert.match(logs.join("\n"), /trained with other settings than the sweep's \(optimizer\.lr 0\.001, not 0\.0001\): moved to .*seed0\.stale-\d{8}T\d{6}, training it again/);
  const aside = fs.readdirSync(path.dirname(r.dir)).filter((n) => n.startsWith("seed0.stale-"));
  assert.equal(aside.length, 1, "the old folder is kept beside the new one");
  assert.equal(JSON.parse(fs.readFileSync(path.join(path.dirname(r.dir), aside[0], "run.json"), "utf8")).settings.optimizer.lr, 0.001);
  assert.equal(checkpointStep(ckpt), 12, "trained again from the start");
  assert.equal(fs.existsSync(path.join(r.dir, "run.json")), false);
});

test("shared training: a run that another sweep's run also trains trains once, in that run's folder, and is evaluated here from a copy", async () => {
  const dir = tmp("share");
  const eval_ = { command: ["node", fakeEval] };
  // The owner: variant "x" (hidden [8]), evaluated every 4 steps. The other sweep: the same training
  // under another variant name and another evaluation protocol, plus a variant that differs.
  const ownerFile = path.join(dir, "owner.json");
  fs.writeFileSync(ownerFile, JSON.stringify({ ...base, out: "owner", seeds: [0, 1], variants: { x: { hidden: [8] } }, train: { evalEvery: 4 }, eval: eval_ }));
  const other = { ...base, out: "other", variants: { y: { hidden: [8] }, z: { hidden: [16] } }, train: { evalEvery: 6 }, eval: eval_, shareTrainingWith: ["owner.json"] };
  const c = checkSweepConfig(other, path.join(dir, "other.json"));
  const owner = loadSweepConfig(ownerFile);
  const runs = expandRuns(c);
  const run = (name: string) => runs.find((r) => r.name === name)!;
  const [y0, y1, y2, z0] = ["gan/ring8/y/seed0", "gan/ring8/y/seed1", "gan/ring8/y/seed2", "gan/ring8/z/seed0"].map(run);
  const o0 = expandRuns(owner).find((r) => r.name === "gan/ring8/x/seed0")!;
  assert.equal(sharedOf(runState(c, y0))?.run.dir, o0.dir);
  assert.match(describeState(runState(c, y0), 12), /^to do: trains as .*owner\.json's run gan\/ring8\/x\/seed0 \(the same training\), then evaluated here$/);
  assert.deepEqual(runState(c, y2), { kind: "new" }, "the owner has no seed 2");
  assert.deepEqual(runState(c, z0), { kind: "new" }, "other settings: not the same training");
  // Another batch size or step count is another training, whatever the settings.
  assert.equal(sharedOf(runState(checkSweepConfig({ ...other, batchSize: 16 }, path.join(dir, "other.json")), y0)), undefined);
  assert.equal(sharedOf(runState(checkSweepConfig({ ...other, steps: 16 }, path.join(dir, "other.json")), y0)), undefined);

  // The owner's seed 0 stopped at step 4: the other sweep resumes it there, in the owner's folder.
  spawnSync(process.execPath, [fakeTrain, ...trainArgs(owner, o0, false)], { env: { ...process.env, FAIL_SEED: "0" } });
  assert.equal(checkpointStep(path.join(o0.dir, "latest.ckpt")), 6);
  assert.match(describeState(runState(c, y0), 12), /trains as .*'s run gan\/ring8\/x\/seed0 \(the same training\), checkpoint at step 6 of 12: will resume$/);
  assert.equal(sweepProgress(c, [y0, y1]), "0 of 2 runs finished; gan/ring8/y/seed0 (trained as owner.json's run) at step 6 of 12");
  // While a live process trains the owner's run, the other sweep leaves it alone.
  const sleeper = spawn("sleep", ["30"]);
  fs.writeFileSync(path.join(o0.dir, "running.json"), JSON.stringify({ pid: sleeper.pid, host: os.hostname(), phase: "train" }));
  try {
    assert.deepEqual((await runSweep(c, [y0], { train: ["node", fakeTrain], log: () => {} })).busy, [y0.name]);
  } finally {
    sleeper.kill();
    fs.rmSync(path.join(o0.dir, "running.json"));
  }
  const logs: string[] = [];
  const outcome = await runSweep(c, [y0, y1], { train: ["node", fakeTrain], log: (l) => logs.push(l) });
  assert.deepEqual(outcome.done, [y0.name, y1.name]);
  const ownerLog = fs.readFileSync(path.join(o0.dir, "train.log"), "utf8");
  assert.match(ownerLog, /--eval-every 4 .*--set hidden=\[8\] --resume/, "trained with the owner's arguments, resumed");
  assert.equal(fs.existsSync(path.join(y0.dir, "train.log")), false, "nothing trained in the other sweep's folder");
  assert.equal(checkpointStep(path.join(y0.dir, "latest.ckpt")), 12);
  assert.deepEqual(fs.readFileSync(path.join(y0.dir, "latest.ckpt")), fs.readFileSync(path.join(o0.dir, "latest.ckpt")));
  const record = JSON.parse(fs.readFileSync(path.join(y0.dir, "shared-training.json"), "utf8"));
  assert.deepEqual([record.sweep, record.run, record.folder, record.step], ["../../../../../owner.json", "gan/ring8/x/seed0", "../../../../../owner/gan/ring8/x/seed0", 12]);
  assert.ok(fs.existsSync(path.join(y0.dir, "eval.json")) && !fs.existsSync(path.join(o0.dir, "eval.json")), "evaluated here only");
  assert.match(logs.join("\n"), /training as .*'s run gan\/ring8\/x\/seed0, in its folder \(the same training\) \(resuming at step 6 of 12\)/);
  // The owner's sweep finds its runs trained: it only evaluates them.
  assert.equal(runState(owner, o0).kind, "trained");
  assert.equal(sharedOf(runState(owner, o0)), undefined);

  // An owner's run that finished on another machine (eval.json, no checkpoint here) cannot serve:
  // the run trains in its own folder.
  const o1 = expandRuns(owner).find((r) => r.name === "gan/ring8/x/seed1")!;
  fs.rmSync(path.join(o1.dir, "latest.ckpt"));
  fs.writeFileSync(path.join(o1.dir, "eval.json"), "{}");
  fs.rmSync(y1.dir, { recursive: true });
  assert.deepEqual(runState(c, y1), { kind: "new" });

  // Config problems: a missing file, the sweep itself.
  assert.throws(() => checkSweepConfig({ ...other, shareTrainingWith: ["nope.json", "other.json"] }, path.join(dir, "other.json")), /shareTrainingWith: nope\.json not found .*shareTrainingWith: other\.json is this sweep itself/);
});
