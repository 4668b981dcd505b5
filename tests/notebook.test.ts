/**
 * Headless notebooks: runNotebook executes .ipynb files on a real tslab kernel (zeromq, no Python)
 * and writes outputs back; a failing cell is a UserError naming the cell; the display helpers are
 * harmless outside tslab.
 */
import { after, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../src/errors";
import { KernelClient } from "../src/notebook/kernel-client";
import { budget, isQuick, showHtml, showMarkdown, showPng, showUpdatableTable } from "../src/notebook/display";
import { runNotebook } from "../src/notebook/run-notebook";

const root = path.resolve(__dirname, "..");
import { alive, gone, killAllRuns, npmRun } from "./npm-run";
import { tempDir } from "./tmp";
after(() => {
  killAllRuns(); // a failing test leaves no runner or kernel behind
});
const PNG_BYTES = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3];

interface StoredCell {
  cell_type: string;
  source: string | string[];
  outputs?: Record<string, unknown>[];
  execution_count?: number | null;
  metadata: Record<string, unknown>;
}

const code = (source: string, outputs: unknown[] = []) => ({ cell_type: "code", metadata: {}, source, outputs, execution_count: null });
const markdown = (source: string) => ({ cell_type: "markdown", metadata: {}, source });

/** A notebook t.ipynb in a new temp folder; `cells` may depend on that folder. */
function writeNotebook(cells: unknown[] | ((dir: string) => unknown[]), metadata: Record<string, unknown> = {}): string {
  const dir = tempDir("gan-nb-");
  const file = path.join(dir, "t.ipynb");
  const list = typeof cells === "function" ? cells(dir) : cells;
  fs.writeFileSync(file, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata, cells: list }));
  return file;
}

const readCells = (file: string): StoredCell[] => JSON.parse(fs.readFileSync(file, "utf8")).cells;
const joined = (v: unknown) => (Array.isArray(v) ? v.join("") : String(v));
const quiet = { log: () => undefined };

test("runNotebook executes the cells on tslab and writes stream and display outputs", async () => {
  // The first-cell pattern of the project's notebooks: tsx's hook, then require() of project
  // sources by a path relative to the notebook's folder (tsx/cjs by absolute path: this
  // notebook lives in a temp folder without node_modules).
  const file = writeNotebook(
    (dir) => [
      markdown("# A test notebook"),
      code(
        [
          `require(${JSON.stringify(require.resolve("tsx/cjs"))});`,
          `const { syntheticDigits } = require(${JSON.stringify(path.relative(dir, path.join(root, "src/data/synthetic-digits")))});`,
          `const { showMarkdown, showPng, isQuick } = require(${JSON.stringify(path.join(root, "src/notebook/display"))});`,
          `const ds = syntheticDigits({ count: 4 });`,
          `console.log("shape", ds.shape.join("x"), "quick", isQuick());`,
          // Nothing the runner's kernel launcher declares may shadow a global of the notebook's
          // scripts (a script-scope \`const Worker\` hid the wasm backend's thread shim).
          `console.log("global Worker", require("vm").runInThisContext("typeof Worker === 'undefined' || Worker === globalThis.Worker"));`,
          `ds.labels.length`,
        ].join("\n"),
        [{ output_type: "stream", name: "stdout", text: ["stale output\n"] }],
      ),
      code(`showMarkdown("**hello**");\nshowPng(new Uint8Array(${JSON.stringify(PNG_BYTES)}));`),
    ],
    { custom: { keep: true } },
  );
  const r = await runNotebook(file, { env: { GAN_QUICK: "1" }, timeoutPerCellMs: 60_000, ...quiet });
  assert.equal(r.cells, 2);

  const text = fs.readFileSync(file, "utf8");
  assert.ok(text.endsWith("}\n"), "trailing newline");
  assert.match(text, /^\{\n {2}"nbformat": 4,/, "2-space JSON");
  const nb = JSON.parse(text);
  assert.deepEqual(nb.metadata.custom, { keep: true }, "existing metadata is kept");
  assert.deepEqual(nb.metadata.kernelspec, { name: "tslab", display_name: "TypeScript", language: "typescript" });

  const [md, first, second] = nb.cells as StoredCell[];
  assert.equal(md.cell_type, "markdown");
  assert.equal(md.outputs, undefined);

  assert.equal(first.execution_count, 1);
  assert.equal(first.outputs!.length, 1, JSON.stringify(first.outputs));
  const stream = first.outputs![0];
  assert.equal(stream.output_type, "stream");
  assert.equal(stream.name, "stdout");
  // console.log output, then the value of the last expression (tslab prints it).
  assert.equal(joined(stream.text), "shape 28x28x1 quick true\nglobal Worker true\n4\n");
  assert.doesNotMatch(joined(stream.text), /stale/);

  assert.equal(second.execution_count, 2);
  assert.deepEqual(
    second.outputs!.map((o) => [o.output_type, Object.keys(o.data as object)]),
    [
      ["display_data", ["text/markdown", "text/plain"]],
      ["display_data", ["image/png"]],
    ],
  );
  assert.equal(joined((second.outputs![0].data as Record<string, unknown>)["text/markdown"]), "**hello**");
  const png = Buffer.from((second.outputs![1].data as Record<string, string>)["image/png"], "base64");
  assert.deepEqual([...png], PNG_BYTES);
});

test("a table a later cell updates is saved updated where it was shown (update_display_data across cells)", async () => {
  const file = writeNotebook([
    code(`require(${JSON.stringify(require.resolve("tsx/cjs"))});\nconst { showUpdatableTable } = require(${JSON.stringify(path.join(root, "src/notebook/display"))});\nconst shown = showUpdatableTable([{ budget: "lab", time: "not measured yet" }]);`),
    code(`console.log("training");`),
    code(`shown.update([{ budget: "lab", time: "5 min" }]);`),
  ]);
  await runNotebook(file, { timeoutPerCellMs: 60_000, ...quiet });
  const [first, second, third] = readCells(file);
  assert.equal(first.outputs!.length, 1);
  const data = first.outputs![0].data as Record<string, string[]>;
  assert.match(joined(data["text/html"]), /5 min/);
  assert.doesNotMatch(joined(data["text/html"]), /not measured/);
  assert.equal(joined(data["text/plain"]), "budget  time\nlab     5 min");
  assert.deepEqual(second.outputs, [{ output_type: "stream", name: "stdout", text: ["training\n"] }]);
  assert.deepEqual(third.outputs, [], "the update shows nothing in the cell that made it");
});

test("a failing cell stops the run with a UserError naming the cell; earlier outputs are saved, later ones kept", async () => {
  const kept = [{ output_type: "stream", name: "stdout", text: ["from the last run\n"] }];
  const file = writeNotebook([
    code(`console.log("before");`),
    markdown("the next cell fails"),
    code(`const n: number = 1;\nthrow new Error("boom");`),
    { ...code(`console.log("never");`, kept), execution_count: 7 },
  ]);
  await assert.rejects(
    runNotebook(file, { timeoutPerCellMs: 60_000, ...quiet }),
    (err: Error) => {
      assert.ok(err instanceof UserError, String(err));
      assert.match(err.message, /t\.ipynb: code cell 2\/3 \(cell 3 of the notebook\) failed: Error: boom$/);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    },
  );
  const [before, , failed, after] = readCells(file);
  assert.equal(before.execution_count, 1);
  assert.deepEqual(before.outputs, [{ output_type: "stream", name: "stdout", text: ["before\n"] }]);
  assert.equal(failed.execution_count, 2);
  const error = failed.outputs!.find((o) => o.output_type === "error")!;
  assert.ok(error, JSON.stringify(failed.outputs));
  assert.equal(error.ename, "Error");
  assert.equal(error.evalue, "boom");
  assert.ok((error.traceback as string[]).some((l) => /^\s+at /.test(l)), "the stack is kept as traceback");
  assert.deepEqual(after.outputs, kept, "cells after the failure keep the outputs they had (issue 17: they were wiped)");
  assert.equal(after.execution_count, 7);
});

test("a type error and a cell over its time limit are UserErrors too", async () => {
  const file = writeNotebook([code(`const n: number = "text";`)]);
  await assert.rejects(runNotebook(file, quiet), /code cell 1\/1 failed: TypeScriptError: 1:7 - Type 'string' is not assignable to type 'number'/);

  const slow = writeNotebook([code(`console.log("start");\nwhile (true) {}`)]);
  const t0 = Date.now();
  await assert.rejects(runNotebook(slow, { timeoutPerCellMs: 1000, ...quiet }), /code cell 1\/1 timed out after 1 s/);
  assert.ok(Date.now() - t0 < 20_000, "the busy kernel is killed, not waited for");
  const [cell] = readCells(slow);
  assert.equal(cell.outputs!.at(-1)!.ename, "Timeout");
});

test("a timed-out cell's kernel takes what the cell started with it: SIGTERM first (a training run saves its checkpoint), nothing left running", async () => {
  const dir = tempDir("gan-nb-");
  const pidFile = path.join(dir, "child.pid");
  const saved = path.join(dir, "saved.txt");
  // The cell starts a child that, like \`npm run train\`, saves on SIGTERM and exits, then keeps the kernel busy.
  const child = `process.on("SIGTERM", () => { require("fs").writeFileSync(${JSON.stringify(saved)}, "saved"); process.exit(143); }); require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`;
  const file = writeNotebook([code(`require("child_process").spawn(process.execPath, ["-e", ${JSON.stringify(child)}], { stdio: "ignore" });\nconst t0 = Date.now();\nwhile (!require("fs").existsSync(${JSON.stringify(pidFile)}) && Date.now() - t0 < 20000) {}\nwhile (true) {}`)]);
  await assert.rejects(runNotebook(file, { timeoutPerCellMs: 8000, ...quiet }), /timed out after 8 s/);
  const pid = Number(fs.readFileSync(pidFile, "utf8"));
  assert.ok(await gone(pid, 5000), `the cell's child (PID ${pid}) still runs after the runner gave up on the cell`);
  assert.equal(fs.readFileSync(saved, "utf8"), "saved", "the child got SIGTERM (time to save) before any SIGKILL");
});

test("a kernel that cannot start is a UserError with its stderr", async () => {
  await assert.rejects(
    KernelClient.start({ env: { NODE_OPTIONS: "--require /no/such/preload.js" }, startTimeoutMs: 20_000 }),
    (err: Error) => {
      assert.ok(err instanceof UserError, String(err));
      assert.match(err.message, /^the tslab kernel failed to start \(exited with code 1\): .*Cannot find module '\/no\/such\/preload\.js'/);
      return true;
    },
  );
  await assert.rejects(KernelClient.start({ cwd: "/no/such/folder" }), /kernel working directory not found: \/no\/such\/folder/);
});

test("notebook files that are not nbformat 4 are UserErrors", async () => {
  const dir = tempDir("gan-nb-");
  fs.writeFileSync(path.join(dir, "bad.ipynb"), "{ not json");
  fs.writeFileSync(path.join(dir, "old.ipynb"), JSON.stringify({ nbformat: 3, cells: [] }));
  await assert.rejects(runNotebook(path.join(dir, "bad.ipynb"), quiet), /bad\.ipynb is not a notebook: invalid JSON/);
  await assert.rejects(runNotebook(path.join(dir, "old.ipynb"), quiet), /old\.ipynb: nbformat 3 is not supported/);
  await assert.rejects(runNotebook(path.join(dir, "missing.ipynb"), quiet), /notebook not found: .*missing\.ipynb/);
});

test("outside tslab the display helpers print a one-line note; isQuick reads GAN_QUICK", () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    showPng(new Uint8Array(PNG_BYTES));
    showHtml("<b>x</b>");
    showMarkdown("# Title\nbody");
    showUpdatableTable([{ budget: "lab", time: "" }]).update([{ budget: "lab", time: "5 min" }]);
  } finally {
    console.log = log;
  }
  assert.deepEqual(lines, [
    "[display] PNG image, 11 bytes (not shown: not running in a tslab notebook)",
    "[display] HTML, 8 characters (not shown: not running in a tslab notebook)",
    "[display] Markdown: # Title (not shown: not running in a tslab notebook)",
    "budget  time\nlab",
    "budget  time\nlab     5 min",
  ]);
  const saved = process.env.GAN_QUICK;
  try {
    for (const [value, expected] of [["1", true], ["true", true], ["0", false], ["", false]] as const) {
      process.env.GAN_QUICK = value;
      assert.equal(isQuick(), expected, `GAN_QUICK=${value}`);
    }
    delete process.env.GAN_QUICK;
    assert.equal(isQuick(), false);
    // Budgets: GAN_BUDGET wins, else GAN_QUICK=1 is quick, else full; a typo is an error.
    assert.equal(budget({}), "full");
    assert.equal(budget({ GAN_QUICK: "1" }), "quick");
    assert.equal(budget({ GAN_BUDGET: "lab", GAN_QUICK: "1" }), "lab");
    assert.equal(budget({ GAN_BUDGET: " Full " }), "full");
    assert.throws(() => budget({ GAN_BUDGET: "medium" }), /GAN_BUDGET must be quick, lab or full, got "medium"/);
  } finally {
    if (saved === undefined) delete process.env.GAN_QUICK;
    else process.env.GAN_QUICK = saved;
  }
});

test("the nb CLI runs several notebooks, passes --quick as GAN_QUICK=1 and sums up failures", () => {
  const ok = writeNotebook([code(`console.log("GAN_QUICK=" + process.env.GAN_QUICK);`)]);
  const bad = writeNotebook([code(`throw new RangeError("out of range");`)]);
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "src/cli/nb.ts"), bad, ok, "--quick", "--timeout", "60"], {
    cwd: root,
    encoding: "utf8",
  });
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.match(lines.at(-1)!, /^error: 1 of 2 notebooks failed: .*t\.ipynb$/);
  assert.ok(lines.some((l) => /FAILED after .*code cell 1\/1 failed: RangeError: out of range/.test(l)), r.stderr);
  assert.ok(lines.some((l) => /\[nb\] t\.ipynb: cell 1\/1 ok \(\d+\.\d s\)/.test(l)), r.stderr);
  assert.deepEqual(readCells(ok)[0].outputs, [{ output_type: "stream", name: "stdout", text: ["GAN_QUICK=1\n"] }]);
  // --budget lab reaches the notebook as GAN_BUDGET; a bad budget is refused before any kernel starts.
  const lab = writeNotebook([code(`console.log("GAN_BUDGET=" + process.env.GAN_BUDGET);`)]);
  const r2 = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "src/cli/nb.ts"), lab, "--budget", "lab", "--timeout", "60"], { cwd: root, encoding: "utf8" });
  assert.equal(r2.status, 0, r2.stderr);
  assert.deepEqual(readCells(lab)[0].outputs, [{ output_type: "stream", name: "stdout", text: ["GAN_BUDGET=lab\n"] }]);
  const r3 = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "src/cli/nb.ts"), lab, "--budget", "huge"], { cwd: root, encoding: "utf8" });
  assert.equal(r3.status, 2);
  assert.match(r3.stderr, /^error: --budget must be quick, lab or full, got "huge"$/m);
});

test("the kernel dies with the runner: SIGKILL of npm run nb's process leaves no kernel spinning", async () => {
  const dir = tempDir("gan-nb-");
  const pids = path.join(dir, "pids.txt");
  const file = writeNotebook([code(`require("fs").writeFileSync(${JSON.stringify(pids)}, process.pid + " " + process.ppid);\nwhile (true) {}`)]);
  const run = npmRun("nb", [file, "--quick"]);
  try {
    await run.waitFor(/kernel started/);
    const t0 = Date.now();
    while (!fs.existsSync(pids) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 100));
    const [kernel, runner] = fs.readFileSync(pids, "utf8").split(" ").map(Number);
    assert.ok(alive(kernel), "the kernel is busy in the cell");
    const args = fs.readFileSync(`/proc/${kernel}/cmdline`, "utf8").split("\0").filter(Boolean);
    const connDir = path.dirname(args[args.indexOf("--config-path") + 1]);
    assert.ok(fs.existsSync(path.join(connDir, "kernel.json")), "the kernel's connection file exists while the runner lives");
    process.kill(runner, "SIGKILL");
    assert.ok(await gone(kernel, 5000), `the kernel (PID ${kernel}) still runs 5 s after the runner was killed`);
    assert.ok(!fs.existsSync(connDir), `the kernel's connection folder ${connDir} is left behind`);
  } finally {
    try {
      run.signalGroup("SIGKILL");
    } catch {
      // already gone
    }
  }
});

test("Ctrl-C through npm run nb stops the kernel, keeps the finished cells' outputs and exits 130", async () => {
  const dir = tempDir("gan-nb-");
  const pids = path.join(dir, "pids.txt");
  const file = writeNotebook([
    code(`console.log("first");`),
    code(`require("fs").writeFileSync(${JSON.stringify(pids)}, String(process.pid));\nwhile (true) {}`),
    { ...code(`console.log("third");`, [{ output_type: "stream", name: "stdout", text: ["old\n"] }]), execution_count: 3 },
  ]);
  const run = npmRun("nb", [file, "--quick"]);
  const t0 = Date.now();
  while (!fs.existsSync(pids) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
  const kernel = Number(fs.readFileSync(pids, "utf8"));
  run.signalGroup("SIGINT");
  assert.equal(await run.exit, 130, run.stderr());
  assert.match(run.stderr(), /SIGINT while running code cell 2\/3 of .*t\.ipynb: stopped the kernel/);
  assert.ok(await gone(kernel, 5000), "the kernel is gone");
  const cells = readCells(file);
  assert.deepEqual(cells[0].outputs, [{ output_type: "stream", name: "stdout", text: ["first\n"] }]);
  assert.deepEqual(cells[2].outputs, [{ output_type: "stream", name: "stdout", text: ["old\n"] }]);
});
