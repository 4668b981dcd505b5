/**
 * Every notebook in notebooks/ runs in its quick smoke mode (GAN_QUICK=1) without a cell error.
 * Each runs from a temporary copy (with notebooks/ as its working folder), so the committed
 * notebooks keep the outputs of their full runs.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { runNotebook } from "../src/notebook/run-notebook";
import { readResults } from "../src/results/files";
import { budgetRuns, formatDuration } from "../src/results/budgets";
import { tempDir } from "./tmp";

const dir = path.resolve(__dirname, "../notebooks");
const notebooks = fs.readdirSync(dir).filter((f) => f.endsWith(".ipynb")).sort();

test("there are notebooks to run", () => {
  assert.ok(notebooks.includes("intro.ipynb"), "the introduction notebook exists");
});

/** Notebooks that report experiments: each writes its numbers as result files (src/results/files.ts). */
const REPORTING = ["began", "dcgan", "gan", "pggan", "tgan"];

for (const name of notebooks) {
  test(`notebook ${name} runs in quick mode without errors${REPORTING.includes(name.replace(/\.ipynb$/, "")) ? " and writes its result files" : ""}`, async () => {
    const tmp = tempDir("nb-");
    const copy = path.join(tmp, name);
    const results = path.join(tmp, "results");
    fs.copyFileSync(path.join(dir, name), copy);
    await runNotebook(copy, { cwd: dir, env: { GAN_QUICK: "1", GAN_RESULTS_DIR: results }, timeoutPerCellMs: 300_000, log: () => {} });
    const stem = name.replace(/\.ipynb$/, "");
    if (REPORTING.includes(stem)) {
      const written = readResults(results).filter((r) => r.notebook === stem);
      assert.ok(written.length > 0, `${name} wrote no result file under ${results}/${stem}`);
      for (const r of written) assert.ok(Object.keys(r.values).length > 0 && r.seeds.length > 0, `${r.experiment}: values per seed`);
    }
    const nb = JSON.parse(fs.readFileSync(copy, "utf8"));
    if (REPORTING.includes(stem)) {
      // The last cell recorded this run's time, and the budget table at the top was updated to show it.
      const run = budgetRuns(stem, { GAN_RESULTS_DIR: results }).quick;
      assert.ok(run && typeof (run.plan as { description?: unknown }).description === "string", `${name} recorded its quick run with its plan's words`);
      const top = JSON.stringify(nb.cells.find((c: { cell_type: string }) => c.cell_type === "code").outputs);
      assert.ok(top.includes(formatDuration(run.wallSeconds)) && top.includes(run.date.slice(0, 16).replace("T", " ")), `${name}: the budget table at the top shows this run`);
    }
    const code = nb.cells.filter((c: { cell_type: string }) => c.cell_type === "code");
    assert.ok(code.length > 0);
    for (const c of code) {
      assert.ok(c.execution_count !== null, "every code cell ran");
      assert.ok(!c.outputs.some((o: { output_type: string }) => o.output_type === "error"), "no cell error");
    }
  });
}
