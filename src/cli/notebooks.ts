/**
 * npm run notebooks: execute every notebooks/*.ipynb in name order headlessly on the tslab kernel
 * and write their outputs back into the files.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../errors";
import { ensureKitTypes } from "../exercises/kit-types";
import { DEFAULT_CELL_TIMEOUT_S, DEFAULT_QUICK_CELL_TIMEOUT_S, runNotebookFiles } from "../notebook/run-notebook";
import { budgetOption, intOption, parse, runMain } from "./common";

const USAGE = `usage: npm run notebooks -- [--quick | --budget quick|lab|full] [--timeout SECONDS]
Runs every notebooks/*.ipynb in name order, each on a fresh tslab kernel, and writes the outputs
into the files. A failing notebook does not stop the others.
  --quick    smoke run: sets GAN_QUICK=1 for the notebooks (default: the full run)
  --budget   quick (= --quick), lab (minutes per notebook) or full (the default); sets GAN_BUDGET
  --timeout  longest a cell may run, in seconds (default ${DEFAULT_CELL_TIMEOUT_S}, about twice the slowest full-run
             cell; ${DEFAULT_QUICK_CELL_TIMEOUT_S} with --quick); a cell past it fails the notebook
A failing cell leaves the outputs of the cells after it as they were. Ctrl-C (or SIGTERM) stops
the kernel, keeps the outputs of the finished cells and exits with 130 (143).`;

runMain(async () => {
  const { values, positionals } = parse({ quick: { type: "boolean" }, budget: { type: "string" }, timeout: { type: "string" } }, USAGE);
  if (positionals.length > 0) throw new UserError(`unexpected argument "${positionals[0]}" (to run some notebooks: npm run nb -- FILE.ipynb)`);
  const { quick, budget } = budgetOption(values.quick, values.budget);
  ensureKitTypes(); // kit/*.d.ts, for notebooks that `import * as kit from "../kit"`
  const timeoutSeconds = intOption("timeout", values.timeout, quick ? DEFAULT_QUICK_CELL_TIMEOUT_S : DEFAULT_CELL_TIMEOUT_S);
  const dir = path.resolve(__dirname, "../../notebooks");
  const rel = path.relative(process.cwd(), dir) || ".";
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".ipynb"))
        .sort()
        .map((f) => path.join(rel, f))
    : [];
  if (files.length === 0) throw new UserError(`no notebooks found in ${rel}/`);
  await runNotebookFiles(files, { quick, budget, timeoutSeconds });
});
