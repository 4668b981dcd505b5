/**
 * npm run nb -- notebooks/x.ipynb [more.ipynb]: execute notebooks headlessly on the tslab kernel
 * (no Python or Jupyter needed) and write their outputs back into the files.
 */
import { UserError } from "../errors";
import { ensureKitTypes } from "../exercises/kit-types";
import { runNotebookFiles } from "../notebook/run-notebook";
import { intOption, parse, runMain } from "./common";

const USAGE = `usage: npm run nb -- NOTEBOOK.ipynb [MORE.ipynb ...] [--quick] [--timeout SECONDS]
Runs each notebook's code cells in order on a fresh tslab kernel (cwd: the notebook's folder) and
writes the outputs into the file. A failing cell stops that notebook; the others still run.
  --quick    smoke run: sets GAN_QUICK=1 for the notebooks (default: the full run)
  --timeout  longest a cell may run, in seconds (default 3600, or 600 with --quick)`;

runMain(async () => {
  const { values, positionals } = parse({ quick: { type: "boolean" }, timeout: { type: "string" } }, USAGE);
  if (positionals.length === 0) throw new UserError("no notebook given (usage: npm run nb -- notebooks/x.ipynb)");
  for (const f of positionals) if (!f.endsWith(".ipynb")) throw new UserError(`not a notebook (.ipynb): ${f}`);
  const quick = values.quick ?? false;
  ensureKitTypes(); // kit/*.d.ts, for notebooks that `import * as kit from "../kit"`
  await runNotebookFiles(positionals, { quick, timeoutSeconds: intOption("timeout", values.timeout, quick ? 600 : 3600) });
});
