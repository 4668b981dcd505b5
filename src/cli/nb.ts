/**
 * npm run nb -- notebooks/x.ipynb [more.ipynb]: execute notebooks headlessly on the tslab kernel
 * (no Python or Jupyter needed) and write their outputs back into the files.
 */
import { UserError } from "../errors";
import { ensureKitTypes } from "../exercises/kit-types";
import { DEFAULT_CELL_TIMEOUT_S, DEFAULT_QUICK_CELL_TIMEOUT_S, readNotebook, runNotebookFiles, writeNotebook } from "../notebook/run-notebook";
import { upgradeNotebook } from "../notebook/upgrade-outputs";
import { budgetOption, intOption, parse, runMain } from "./common";

const USAGE = `usage: npm run nb -- NOTEBOOK.ipynb [MORE.ipynb ...] [--quick | --budget quick|lab|full] [--timeout SECONDS]
       npm run nb -- --upgrade-outputs NOTEBOOK.ipynb [MORE.ipynb ...]
Runs each notebook's code cells in order on a fresh tslab kernel (cwd: the notebook's folder) and
writes the outputs into the file. A failing cell stops that notebook; the others still run.
  --quick            smoke run: sets GAN_QUICK=1 for the notebooks (default: the full run)
  --budget           quick (= --quick), lab (a few minutes per notebook, for a class) or full (the
                     default: what the quality targets need); sets GAN_BUDGET; only full runs write
                     results/, the others out/results-<budget>/
  --timeout          longest a cell may run, in seconds (default ${DEFAULT_CELL_TIMEOUT_S}, about twice the slowest
                     full-run cell; ${DEFAULT_QUICK_CELL_TIMEOUT_S} with --quick); a cell past it fails the notebook
  --upgrade-outputs  run nothing: rewrite the stored outputs in the current display format (chart
                     pictures redrawn from their plotly JSON, SVG charts as PNG, Markdown and printed
                     danfojs tables as HTML tables, progress bars as their final line, project
                     paths relative)
A failing cell leaves the outputs of the cells after it as they were. Ctrl-C (or SIGTERM) stops
the kernel, keeps the outputs of the finished cells and exits with 130 (143).`;

runMain(async () => {
  const { values, positionals } = parse({ quick: { type: "boolean" }, budget: { type: "string" }, timeout: { type: "string" }, "upgrade-outputs": { type: "boolean" } }, USAGE);
  if (positionals.length === 0) throw new UserError("no notebook given (usage: npm run nb -- notebooks/x.ipynb)");
  for (const f of positionals) if (!f.endsWith(".ipynb")) throw new UserError(`not a notebook (.ipynb): ${f}`);
  if (values["upgrade-outputs"]) {
    if (values.quick || values.timeout || values.budget) throw new UserError("--upgrade-outputs runs nothing: --quick, --budget and --timeout do not apply");
    for (const f of positionals) {
      const nb = readNotebook(f);
      const changed = upgradeNotebook(nb);
      writeNotebook(f, nb);
      console.error(`[nb] ${f}: outputs of ${changed} cell(s) upgraded`);
    }
    return;
  }
  const { quick, budget } = budgetOption(values.quick, values.budget);
  ensureKitTypes(); // kit/*.d.ts, for notebooks that `import * as kit from "../kit"`
  await runNotebookFiles(positionals, { quick, budget, timeoutSeconds: intOption("timeout", values.timeout, quick ? DEFAULT_QUICK_CELL_TIMEOUT_S : DEFAULT_CELL_TIMEOUT_S) });
});
