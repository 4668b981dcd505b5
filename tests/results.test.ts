/**
 * Results as files: the one format (written, read back, bad claims refused), README's claims and
 * benchmark tables generated from them, `npm run results -- --check`, and the kit's README itself
 * matching what `npm run results` prints.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { claimFromVerdict, kitVersion, meanStd, readResults, resultsRoot, RESULTS_DIR, writeResult } from "../src/results/files";
import { differenceVerdict } from "../src/experiments/verdict";
import { benchTable, claimsTable, renderReadme, runsTable, staleRegions } from "../src/results/tables";
import { committedSweeps } from "../src/sweep/collect";
import { BUDGET_COLUMN, budgetFile, budgetFromScratch, budgetRows, budgetRuns, recordBudgetRun, showBudgetTable } from "../src/results/budgets";
import { UserError } from "../src/errors";
import { tempDir } from "./tmp";

const root = path.resolve(__dirname, "..");
function results(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "src/cli/results.ts"), ...args], { cwd: root, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("README's generated tables are what `npm run results` prints from results/", () => {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  const all = readResults();
  const sweeps = committedSweeps(path.join(root, "sweeps"), RESULTS_DIR, path.join(root, "notebooks"));
  const stale = staleRegions(readme, all, sweeps);
  assert.deepEqual(stale, [], `README.md's ${stale.join(" and ")} table differs from results/: run \`npm run results\``);
  assert.equal(renderReadme(readme, all, sweeps), readme);
  const r = results(["--check"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /README\.md matches \d+ result files?/);
});

test("a result file: config, seeds, per-seed values, summary, kit version, backend, wall time, date", () => {
  const dir = tempDir("gan-results-");
  const file = writeResult({ notebook: "gan", experiment: "ring-modes", config: { steps: 10 }, seeds: [0, 1, 2], values: { modes: [8, 6, null] }, backend: "wasm", wallSeconds: 3.5, date: new Date("2026-01-02T03:04:05Z") }, dir);
  assert.equal(file, path.join(dir, "gan", "ring-modes.json"));
  const [r] = readResults(dir).filter((x) => x.notebook === "gan");
  assert.deepEqual(r.summary.modes, { mean: 7, std: Math.SQRT2, n: 2 });
  assert.deepEqual(r.values.modes, [8, 6, null]);
  assert.equal(r.kit.version, kitVersion());
  assert.equal(r.backend, "wasm");
  assert.equal(r.wallSeconds, 3.5);
  assert.equal(r.date, "2026-01-02T03:04:05.000Z");
  // the same result again (a notebook re-reading committed runs) keeps the file and its date; a changed one is re-dated
  const again = { notebook: "gan", experiment: "ring-modes", config: { steps: 10 }, seeds: [0, 1, 2], values: { modes: [8, 6, null] }, backend: "wasm", wallSeconds: 3.5 };
  writeResult(again, dir);
  assert.equal(JSON.parse(fs.readFileSync(file, "utf8")).date, "2026-01-02T03:04:05.000Z");
  writeResult({ ...again, values: { modes: [8, 7, null] } }, dir);
  const changed = JSON.parse(fs.readFileSync(file, "utf8"));
  assert.deepEqual([changed.values.modes, changed.date === "2026-01-02T03:04:05.000Z"], [[8, 7, null], false]);
  assert.deepEqual(meanStd([]), { mean: NaN, std: NaN, n: 0 });
  assert.deepEqual(meanStd([2]), { mean: 2, std: NaN, n: 1 });
  assert.equal(resultsRoot({}), RESULTS_DIR);
  assert.equal(resultsRoot({ GAN_RESULTS_DIR: dir }), dir);
  assert.equal(resultsRoot({ GAN_QUICK: "1" }), path.join(root, "out", "results-quick"), "smoke runs never overwrite results/");
  // a claim from a computed verdict: its numbers the summary, its reason the why
  const noisy = claimFromVerdict("A lower than B by 0.072", differenceVerdict([1, 2], [1, 2], { direction: "lower", effect: 0.072 }));
  assert.equal(noisy.verdict, "inconclusive");
  assert.equal(noisy.why, "fewer than 3 seeds on a side");
  assert.match(noisy.summary, /^A - B = 0\.00 ± 1\.414 /);
  const held = claimFromVerdict("A lower", differenceVerdict([1, 1.1, 0.9], [2, 2.1, 1.9], { direction: "lower" }));
  assert.deepEqual([held.verdict, held.why], ["held", undefined]);
  assert.match(held.summary, /as claimed$/);
  writeResult({ notebook: "began", experiment: "m-global", config: {}, seeds: [0, 1], values: { a: [1, 2], b: [1, 2] }, backend: null, claim: noisy }, dir);
  const bad = (claim: unknown, pattern: RegExp) =>
    assert.throws(() => writeResult({ notebook: "gan", experiment: "x", config: {}, seeds: [0], values: { v: [1] }, backend: null, claim: claim as never }, dir), (e: Error) => e instanceof UserError && pattern.test(e.message));
  bad({ text: "t", verdict: "true", summary: "s" }, /claim\.verdict must be one of "held", "not held", "inconclusive"/);
  bad({ text: "t", verdict: "inconclusive", summary: "s" }, /claim\.why must say why/);
  bad({ text: "t", verdict: "held", summary: "two\nlines" }, /claim\.summary must be one line/);
  assert.throws(() => writeResult({ notebook: "../x", experiment: "x", config: {}, seeds: [0, 1], values: { v: [1] }, backend: null }, dir), /notebook must be a file name, got "\.\.\/x"; values\.v has 1 values for 2 seeds/);
  assert.throws(() => writeResult({ notebook: "dcgan", experiment: "x", config: {}, seeds: [0, 0, 2, 0], values: { v: [1, 2, 3, 4] }, backend: null }, dir), /seeds repeat \(0 in \[0, 0, 2, 0\]\): each run needs its own seed/);
});

test("the claims, benchmark and full runs tables come from the files; --check fails on a stale README and names the table", () => {
  const dir = tempDir("gan-results-");
  const res = path.join(dir, "results");
  const readme = path.join(dir, "README.md");
  fs.writeFileSync(readme, "# kit\n\nbefore\n<!-- results:bench -->\nold\n<!-- /results:bench -->\nmiddle\n<!-- results:claims -->\n<!-- /results:claims -->\n<!-- results:runs -->\n<!-- /results:runs -->\nafter\n");
  assert.match(claimsTable([]), /^No results yet/);
  assert.match(benchTable([]), /^No benchmark results yet/);
  assert.match(runsTable([]), /^No sweep in sweeps\/ keeps its runs under results\//);
  // Two sweeps: one keeps its runs under results/ (listed), one writes under out/ (an example: left out).
  const sweepsDir = path.join(dir, "sweeps");
  fs.mkdirSync(sweepsDir);
  const toy = { models: ["gan", "dcgan"], data: ["ring8"], seeds: [0, 1], steps: 10, batchSize: 8, checkpointEvery: 5, eval: { n: 10 } };
  fs.writeFileSync(path.join(sweepsDir, "toy.json"), JSON.stringify({ ...toy, out: "../results/runs/toy" }));
  fs.writeFileSync(path.join(sweepsDir, "example.json"), JSON.stringify({ ...toy, out: "../out/example" }));
  fs.mkdirSync(path.join(dir, "notebooks"));
  fs.writeFileSync(path.join(dir, "notebooks", "toy.ipynb"), JSON.stringify({ cells: [{ source: 'loadSweepConfig("../sweeps/toy.json")' }] }));
  fs.writeFileSync(path.join(dir, "notebooks", "other.ipynb"), JSON.stringify({ cells: [] }));
  const finished = path.join(res, "runs", "toy", "gan", "ring8", "default", "seed1");
  fs.mkdirSync(finished, { recursive: true });
  fs.writeFileSync(path.join(finished, "eval.json"), "{}");
  // A sweep whose DCGAN runs are toy.json's training (shareTrainingWith): counted apart, not twice.
  fs.writeFileSync(path.join(sweepsDir, "shares.json"), JSON.stringify({ ...toy, models: ["gan", "dcgan"], seeds: [0, 1, 2], variants: { other: { hidden: [8] }, default: {} }, out: "../results/runs/shares", shareTrainingWith: ["toy.json"] }));
  assert.deepEqual(committedSweeps(sweepsDir, res, path.join(dir, "notebooks")), [
    { file: "shares.json", notebooks: [], runs: 12, finished: 0, toGo: [["gan", 4], ["dcgan", 4]], shared: [["gan", 2, "toy.json"], ["dcgan", 2, "toy.json"]] },
    { file: "toy.json", notebooks: ["toy.ipynb"], runs: 4, finished: 1, toGo: [["gan", 1], ["dcgan", 2]], shared: [] },
  ]);
  writeResult({ notebook: "gan", experiment: "loss-gradients", config: {}, seeds: [0, 1], values: { ratio: [90, 100] }, backend: "wasm", claim: { text: "-log D(G(z)) gives | larger gradients", verdict: "held", summary: "95x larger G gradients (2 seeds)" } }, res);
  writeResult({ notebook: "began", experiment: "m-global", config: {}, seeds: [0], values: { diff: [0.02] }, backend: "wasm", claim: { text: "improved BEGAN lowers M_global by 0.072", verdict: "inconclusive", why: "1 seed", summary: "0.02" } }, res);
  writeResult({ notebook: "bench", experiment: "dcgan", config: { model: "dcgan", shape: [28, 28, 1], batchSize: 64, threads: 2, peakGflopPerSec: 66.84, loadAverage1mBefore: 0.42, cpus: 2, cpuModel: "Intel(R) Xeon(R) Processor" }, seeds: [0], values: { imagesPerSec: [213.4], msPerStep: [299.9], gflopPerStep: [10.41], gflopPerSec: [34.44], shareOfPeak: [0.5153] }, backend: "wasm", date: new Date("2026-12-01T00:00:00Z") }, res);
  assert.match(benchTable(readResults(res)), /\n\n`npm run demo` has not been timed here yet: `npm run bench -- --demo`/);
  // The demo's line (npm run bench -- --demo): under the table, not a row of it.
  writeResult({ notebook: "bench", experiment: "demo", config: { model: "acgan", data: "synthetic-digits", steps: 600, batchSize: 32, samples: 2000, evaluator: "kit-synthetic-digits-v2", fdRatioBar: 9.647, threads: 2, cpus: 2, cpuModel: "AMD EPYC", loadAverage1mBefore: 0.1 }, seeds: [0], values: { seconds: [97.4], trainSeconds: [88.02], fdRatio: [18.81], precision: [0.053], recall: [0.825], minClass: [0.02], met: [0] }, backend: "wasm", date: new Date("2026-12-06T00:00:00Z") }, res);

  const check = results(["--check", "--readme", readme, "--results", res, "--sweeps", sweepsDir]);
  assert.equal(check.code, 1, check.stdout + check.stderr);
  assert.match(check.stderr, /README\.md is out of date: its claims, bench and runs tables differ/);
  const write = results(["--readme", readme, "--results", res, "--sweeps", sweepsDir]);
  assert.equal(write.code, 0, write.stderr);
  const text = fs.readFileSync(readme, "utf8");
  assert.match(text, /^# kit\n\nbefore\n<!-- results:bench -->\n/);
  assert.match(text, /\nmiddle\n/);
  assert.match(text, /\n<!-- \/results:runs -->\nafter\n$/);
  assert.match(text, /\| \[toy\.json\]\(sweeps\/toy\.json\) \| toy\.ipynb \| 4 \| 1 \| gan 1, dcgan 2 \|\n/);
  assert.match(text, /\| \[shares\.json\]\(sweeps\/shares\.json\) \| - \| 12 \| 0 \| gan 4, dcgan 4, gan 2 as toy\.json's runs \(evaluated here\), dcgan 2 as toy\.json's runs \(evaluated here\) \|\n/);
  assert.doesNotMatch(text, /example\.json/);
  assert.match(text, /\| dcgan \| 28x28x1 \| 64 \| 213 \| 300 \| 10\.4 \| 34\.4 \| 52% \(66\.8\) \| wasm, 2 threads \| 2026-12-01, kit [\d.]+, load 0\.4, 2 x Intel\(R\) Xeon\(R\) Processor \|/);
  const demo = text.slice(text.indexOf("`npm run demo` at its defaults"), text.indexOf("\n<!-- /results:bench -->"));
  assert.equal(demo.replace(/kit [\d.]+,/, "kit V,"), "`npm run demo` at its defaults (acgan, 600 steps of 32 on synthetic-digits) took 97.4 s (training 88 s) on wasm, 2 threads (2026-12-06, kit V, load 0.1, 2 x AMD EPYC); its 2,000 samples on the kit evaluator (kit-synthetic-digits-v2): FD 18.8x the real-vs-real floor (the quality target's bar: 9.65x), precision 0.053, recall 0.825, smallest class 2%: quality target not met (`npm run bench -- --demo`, results/bench/demo.json).");
  assert.doesNotMatch(text, /\| demo \|/);
  assert.match(text, /\| began \| improved BEGAN lowers M_global by 0\.072 \| inconclusive \(1 seed\) \| 0\.02 \| 1 \| \[m-global\]\(results\/began\/m-global\.json\) \|/);
  assert.match(text, /\| gan \| -log D\(G\(z\)\) gives \\\| larger gradients \| held \| 95x larger G gradients \(2 seeds\) \| 2 \|/);
  assert.doesNotMatch(text, /\nold\n/);
  assert.match(write.stdout, /claims table:\n/);
  assert.equal(results(["--check", "--readme", readme, "--results", res, "--sweeps", sweepsDir]).code, 0);

  // a damaged file is one error line naming it
  fs.writeFileSync(path.join(res, "gan", "broken.json"), "{");
  const broken = results(["--check", "--readme", readme, "--results", res, "--sweeps", sweepsDir]);
  assert.equal(broken.code, 2);
  assert.match(broken.stderr.trim(), /^error: .*gan\/broken\.json is not valid JSON/);
});

test("budget runs: each budget's measured wall time is recorded and shown; quick runs never touch results/", () => {
  const dir = tempDir("gan-budgets-");
  // Where they go by default: quick beside the other smoke results, lab and full in results/.
  assert.equal(budgetFile("gan", "quick", {}), path.join(root, "out", "results-quick", "gan", "budgets", "quick.json"));
  assert.equal(budgetFile("gan", "lab", {}), path.join(RESULTS_DIR, "gan", "budgets", "lab.json"));
  assert.equal(budgetFile("gan", "full", {}), path.join(RESULTS_DIR, "gan", "budgets", "full.json"));
  const env = { GAN_RESULTS_DIR: dir };
  const plans = { quick: "20 steps", lab: "1,500 steps", full: "3,000 steps x 5 seeds" };
  assert.deepEqual(budgetRows("gan", plans, env).map((r) => r[BUDGET_COLUMN]), ["not measured yet", "not measured yet", "not measured yet"]);
  recordBudgetRun("gan", "lab", { steps: 1500 }, 281.4, env);
  recordBudgetRun("gan", "full", { steps: 3000 }, 7384, env);
  const runs = budgetRuns("gan", env);
  assert.equal(runs.lab!.wallSeconds, 281);
  assert.deepEqual(runs.lab!.plan, { steps: 1500 });
  const rows = budgetRows("gan", plans, env);
  assert.deepEqual(rows.map((r) => [r.budget, r.runs]), [["quick", "20 steps"], ["lab", "1,500 steps"], ["full", "3,000 steps x 5 seeds"]]);
  assert.equal(rows[0][BUDGET_COLUMN], "not measured yet");
  assert.match(rows[1][BUDGET_COLUMN], /^5 min \(/);
  assert.match(rows[2][BUDGET_COLUMN], /^2\.1 h \(.* on \d+ cores of .+, load [\d.]+, \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/);
  assert.equal(runs.full!.cpuModel, os.cpus()[0].model.trim(), "the record names the CPU it was measured on");
  // A record that names its plan's words: shown while the plan is the same, flagged once it changed.
  recordBudgetRun("gan", "lab", { steps: 1500, description: "1,500 steps" }, 281.4, env);
  assert.match(budgetRows("gan", plans, env)[1][BUDGET_COLUMN], /^5 min \(/);
  assert.match(budgetRows("gan", { ...plans, lab: "600 steps" }, env)[1][BUDGET_COLUMN], /^not measured for this plan \(the last recorded run, of another plan: 5 min \(.* UTC\)\)$/);
  // Budget records are not result files: the claims table ignores them.
  assert.deepEqual(readResults(dir), []);
  // From scratch: a notebook run of 300 s whose sweep took 20 s (its runs finished earlier) but whose
  // runs logged 1,000 s of training costs 300 - 20 + 1,000 = 1,280 s on a fresh clone; a run that
  // trained everything itself (sweep 250 s, logged 240 s) keeps its measured 300 s.
  assert.equal(budgetFromScratch(300, 20, 1000), 1280);
  assert.equal(budgetFromScratch(300, 250, 240), 300);
});

test("a notebook's budget table: shown first, then its record call fills in this run's time with the table's words for the plan", () => {
  const env = { GAN_RESULTS_DIR: tempDir("gan-budget-table-") };
  const plans = { quick: "20 steps", lab: "1,500 steps", full: "3,000 steps x 5 seeds" };
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  let file: string;
  try {
    const table = showBudgetTable("dcgan", plans, env);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^lab +1,500 steps +not measured yet$/m);
    file = table.record("lab", { steps: 1500 }, 61.2);
  } finally {
    console.log = log;
  }
  assert.equal(file, budgetFile("dcgan", "lab", env));
  const run = budgetRuns("dcgan", env).lab!;
  assert.deepEqual([run.wallSeconds, run.plan], [61, { steps: 1500, description: "1,500 steps" }]);
  // Outside a notebook the update prints the table again (in a notebook it replaces the first one).
  assert.equal(lines.length, 2);
  assert.match(lines[1], /^lab +1,500 steps +61 s \(.* UTC\)$/m);
  assert.match(lines[1], /^full +3,000 steps x 5 seeds +not measured yet$/m);
});
