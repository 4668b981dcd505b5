/** The CLI entries: user errors are one line and exit code 2; the demo writes its three files; bench --demo scores it. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { tempDir } from "./tmp";
import { benchDemo } from "../src/cli/demo-bench";
import { DEMO } from "../src/cli/demo-plan";

const root = path.resolve(__dirname, "..");
function cli(entry: string, args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "src/cli", entry), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("user errors end with one line and exit code 2, no stack trace", () => {
  const cases: [string, string[], RegExp][] = [
    ["demo.ts", ["--batch-size", "0"], /--batch-size must be a positive integer, got "0"/],
    ["demo.ts", ["--batch-size", "-4"], /--batch-size must be a positive integer, got "-4"/],
    ["demo.ts", ["--steps", "many"], /--steps must be a positive integer/],
    ["demo.ts", ["--frobnicate"], /Unknown option '--frobnicate'/],
    ["demo.ts", ["--backend", "gpu"], /unknown backend "gpu": valid backends are/],
    ["bench.ts", ["--demo", "--model", "gan", "--kernels"], /--demo times the demo at its defaults alone: leave out --model, --kernels/],
    ["train.ts", ["--model", "stylegan9"], /unknown model "stylegan9": valid models are gan, dcgan/],
    ["train.ts", ["--data", "/no/such/folder"], /data path not found: \/no\/such\/folder/],
    ["train.ts", ["--data", "imagenet"], /unknown dataset "imagenet"/],
    ["bench.ts", ["--model", "nope"], /unknown model "nope"/],
    ["kernel.ts", [], /no command given \(usage: npm run kernel -- install\)/],
    ["kernel.ts", ["install", "--python", "/no/such/python"], /--python \/no\/such\/python does not run/],
    ["kernel.ts", ["install", "--user", "--sys-prefix"], /--user, --sys-prefix and --prefix exclude each other/],
    ["nb.ts", ["--upgrade-outputs", "--quick", "x.ipynb"], /--upgrade-outputs runs nothing: --quick, --budget and --timeout do not apply/],
  ];
  for (const [entry, args, pattern] of cases) {
    const r = cli(entry, args);
    assert.equal(r.code, 2, `${entry} ${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `${entry} ${args.join(" ")}: one line, got\n${r.stderr}`);
    assert.match(lines[0], /^error: /);
    assert.match(lines[0], pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test("an unreadable data file is a one-line error naming the file", () => {
  const dir = tempDir("gan-bad-");
  fs.writeFileSync(path.join(dir, "t10k-images-idx3-ubyte"), Buffer.from([1, 2, 3, 4, 5]));
  fs.writeFileSync(path.join(dir, "t10k-labels-idx1-ubyte"), Buffer.from([0, 0, 8, 1, 0, 0, 0, 0]));
  const r = cli("train.ts", ["--data", dir, "--steps", "1"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr.trim(), new RegExp(`^error: ${path.join(dir, "t10k-images-idx3-ubyte").replace(/[/.]/g, "\\$&")} is not an IDX file`));
});

test("the demo trains and writes a sample grid, a loss chart and a CSV log", () => {
  const out = tempDir("gan-demo-");
  const r = cli("demo.ts", ["--steps", "3", "--batch-size", "8", "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\[gan-repro\] backend: /m);
  const png = fs.readFileSync(path.join(out, "samples.png"));
  assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from("PNG")]);
  // The demo's model is class-conditional: one digit class per column, 10 columns of 8 square cells
  // (a 2-pixel gap around each), where an unconditional model's grid is 8 x 8.
  const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
  assert.equal((width - 2) / (height - 2), 10 / 8, `grid of ${width} x ${height} pixels`);
  const html = fs.readFileSync(path.join(out, "losses.html"), "utf8");
  assert.match(html, /Plotly\.newPlot/);
  assert.doesNotMatch(html, /<script[^>]+src=/, "plotly is inlined, no CDN");
  const csv = fs.readFileSync(path.join(out, "log.csv"), "utf8").trim().split("\n");
  assert.equal(csv.length, 4, "a header and one row per step");
  assert.match(csv[0], /step/);
  assert.match(csv[0], /D_loss/);
  assert.match(csv[0], /G_loss/);
});

test("bench --demo's check: the demo's plan, timed, its samples scored against the quality target (a 4-step G misses it)", async () => {
  const out = tempDir("gan-demo-bench-");
  const d = await benchDemo(out, { plan: { ...DEMO, steps: 4, batchSize: 8 }, samples: 200, evaluatorSteps: 60 });
  for (const f of ["samples.png", "latest.ckpt", "run.json"]) assert.ok(fs.existsSync(path.join(out, f)), f);
  assert.ok(d.trainSeconds > 0 && d.seconds >= d.trainSeconds, `${d.seconds} s in all, ${d.trainSeconds} s training`);
  assert.equal(d.evaluator, "kit-synthetic-digits-v2");
  assert.ok(d.target.fdRatio > 1, "the bar is a multiple of the real-vs-real floor");
  assert.ok(d.score.fdRatio > d.target.fdRatio, `4 steps of training: FD ${d.score.fdRatio}x the floor, above the bar ${d.target.fdRatio}x`);
  assert.equal(d.score.met, false);
});
