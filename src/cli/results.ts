/**
 * npm run results: rebuild README's claims table and benchmark table from the files under
 * results/ (src/results/), print them, and write README.md; `--check` writes nothing and exits 1
 * when README differs (what the tests and CI run).
 */
import * as fs from "fs";
import * as path from "path";
import { KIT_ROOT, readResults, RESULTS_DIR } from "../results/files";
import { REGIONS, regionText, renderReadme, staleRegions } from "../results/tables";
import { UserError } from "../errors";
import { noPositionals, parse, runMain } from "./common";

const USAGE = `usage: npm run results -- [--check] [--readme FILE] [--results DIR]
  Rebuilds README's generated tables (between <!-- results:claims --> and <!-- /results:claims -->,
  and <!-- results:bench --> ... <!-- /results:bench -->) from results/<notebook>/<experiment>.json,
  prints them and writes README.md.
  --check    write nothing; exit 1 if README.md differs from the results (naming the tables)
  --readme   the README to rebuild (default README.md of the kit)
  --results  the results folder (default results/ of the kit)`;

runMain(async () => {
  const { values, positionals } = parse({ check: { type: "boolean" }, readme: { type: "string" }, results: { type: "string" } }, USAGE);
  noPositionals(positionals);
  const readmeFile = path.resolve(values.readme ?? path.join(KIT_ROOT, "README.md"));
  if (!fs.existsSync(readmeFile)) throw new UserError(`README not found: ${readmeFile}`);
  const dir = path.resolve(values.results ?? RESULTS_DIR);
  const results = readResults(dir);
  const readme = fs.readFileSync(readmeFile, "utf8");
  const fresh = renderReadme(readme, results);
  for (const region of REGIONS) console.log(`${region} table:\n${regionText(region, results)}\n`);
  const where = path.relative(process.cwd(), readmeFile) || readmeFile;
  if (values.check) {
    const stale = staleRegions(readme, results);
    if (stale.length) {
      console.error(`${where} is out of date: its ${stale.join(" and ")} table${stale.length > 1 ? "s differ" : " differs"} from ${path.relative(process.cwd(), dir) || dir}/; run \`npm run results\``);
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
