/**
 * npm run nb -- notebooks/x.ipynb [more.ipynb]: execute notebooks headlessly on the tslab kernel
 * (no Python or Jupyter needed) and write their outputs back into the files.
 */
import { UserError } from "../errors";
import { readNotebook, runNotebookFiles, writeNotebook } from "../notebook/run-notebook";
import { upgradeNotebook } from "../notebook/upgrade-outputs";
import { intOption, parse, runMain } from "./common";

const USAGE = `usage: npm run nb -- NOTEBOOK.ipynb [MORE.ipynb ...] [--quick] [--timeout SECONDS]
       npm run nb -- --upgrade-outputs NOTEBOOK.ipynb [MORE.ipynb ...]
Runs each notebook's code cells in order on a fresh tslab kernel (cwd: the notebook's folder) and
writes the outputs into the file. A failing cell stops that notebook; the others still run.
  --quick            smoke run: sets GAN_QUICK=1 for the notebooks (default: the full run)
  --timeout          longest a cell may run, in seconds (default 3600, or 600 with --quick)
  --upgrade-outputs  run nothing: rewrite the stored outputs in the current display format (SVG
                     charts as PNG, Markdown and printed danfojs tables as HTML tables, progress
                     bars as their final line, project paths relative)`;

runMain(async () => {
  const { values, positionals } = parse({ quick: { type: "boolean" }, timeout: { type: "string" }, "upgrade-outputs": { type: "boolean" } }, USAGE);
  if (positionals.length === 0) throw new UserError("no notebook given (usage: npm run nb -- notebooks/x.ipynb)");
  for (const f of positionals) if (!f.endsWith(".ipynb")) throw new UserError(`not a notebook (.ipynb): ${f}`);
  if (values["upgrade-outputs"]) {
    if (values.quick || values.timeout) throw new UserError("--upgrade-outputs runs nothing: --quick and --timeout do not apply");
    for (const f of positionals) {
      const nb = readNotebook(f);
      const changed = upgradeNotebook(nb);
      writeNotebook(f, nb);
      console.error(`[nb] ${f}: outputs of ${changed} cell(s) upgraded`);
    }
    return;
  }
  const quick = values.quick ?? false;
  await runNotebookFiles(positionals, { quick, timeoutSeconds: intOption("timeout", values.timeout, quick ? 600 : 3600) });
});
