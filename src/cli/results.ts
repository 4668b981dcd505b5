/**
 * npm run results: rebuild README's claims table and benchmark table from the files under
 * results/ (src/results/) and its full runs table from sweeps/ (src/sweep/collect.ts), print them,
 * and write README.md; `--check` writes nothing and exits 1 when README differs (what the tests
 * and CI run).
 */
import * as fs from "fs";
import * as path from "path";
import { KIT_ROOT, readResults, RESULTS_DIR } from "../results/files";
import { REGIONS, regionText, renderReadme, staleRegions } from "../results/tables";
import { UserError } from "../errors";
import { noPositionals, parse, runMain } from "./common";
import { committedSweeps } from "../sweep/collect";

const USAGE = `usage: npm run results -- [--check] [--readme FILE] [--results DIR] [--sweeps DIR]
  Rebuilds README's generated tables (between <!-- results:claims --> and <!-- /results:claims -->,
  <!-- results:bench --> ... <!-- /results:bench --> and <!-- results:runs --> ... <!-- /results:runs -->)
  from results/<notebook>/<experiment>.json and from the sweeps whose runs are kept under results/
  (how many of their runs are finished), prints them and writes README.md.
  --check    write nothing; exit 1 if README.md differs from the results (naming the tables)
  --readme   the README to rebuild (default README.md of the kit)
  --results  the results folder (default results/ of the kit)
  --sweeps   the sweep configs (default sweeps/ of the kit; the notebooks that read them are looked
             for in the notebooks/ folder beside it)`;

runMain(async () => {
  const { values, positionals } = parse({ check: { type: "boolean" }, readme: { type: "string" }, results: { type: "string" }, sweeps: { type: "string" } }, USAGE);
  noPositionals(positionals);
  const readmeFile = path.resolve(values.readme ?? path.join(KIT_ROOT, "README.md"));
  if (!fs.existsSync(readmeFile)) throw new UserError(`README not found: ${readmeFile}`);
  const dir = path.resolve(values.results ?? RESULTS_DIR);
  const results = readResults(dir);
  const sweepsDir = path.resolve(values.sweeps ?? path.join(KIT_ROOT, "sweeps"));
  const sweeps = committedSweeps(sweepsDir, dir, path.join(path.dirname(sweepsDir), "notebooks"));
  const readme = fs.readFileSync(readmeFile, "utf8");
  const fresh = renderReadme(readme, results, sweeps);
  for (const region of REGIONS) console.log(`${region} table:\n${regionText(region, results, sweeps)}\n`);
  const where = path.relative(process.cwd(), readmeFile) || readmeFile;
  if (values.check) {
    const stale = staleRegions(readme, results, sweeps);
    if (stale.length) {
      const names = stale.length > 1 ? `${stale.slice(0, -1).join(", ")} and ${stale[stale.length - 1]}` : stale[0];
      console.error(`${where} is out of date: its ${names} table${stale.length > 1 ? "s differ" : " differs"} from ${path.relative(process.cwd(), dir) || dir}/; run \`npm run results\``);
      process.exitCode = 1;
    } else console.log(`${where} matches ${results.length} result file${results.length === 1 ? "" : "s"}`);
    return;
  }
  if (fresh === readme) console.log(`${where} is up to date (${results.length} result file${results.length === 1 ? "" : "s"})`);
  else {
    fs.writeFileSync(readmeFile, fresh);
    console.log(`wrote ${where}`);
  }
});
