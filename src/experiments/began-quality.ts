/**
 * Check eval reports of BEGAN tries against the quality target (src/experiments/quality.ts), with
 * the recall of a one-class collapse measured on the same kit evaluator:
 *   npx tsx src/experiments/began-quality.ts results/began/t3-s3000.eval.json [...]
 * Prints one JSON line per report: the file, its step and checkQuality's verdict.
 */
import * as fs from "fs";
import { initBackend } from "../backend/select";
import { loadData } from "../data/registry";
import { kitEvaluator } from "../eval/evaluator";
import type { EvalReport } from "../eval/evaluate";
import { checkQuality, collapsedRecall } from "./quality";

(async () => {
  await initBackend({ backend: "wasm", quiet: true });
  const p = kitEvaluator(loadData("mnist"), { verbose: false });
  const collapse = collapsedRecall(p);
  for (const file of process.argv.slice(2)) {
    const report = JSON.parse(fs.readFileSync(file, "utf8")) as EvalReport & { step?: number };
    const q = checkQuality(report, undefined, collapse);
    console.log(JSON.stringify({ file, step: report.step, collapsedRecall: collapse, met: q.met, criteria: q.criteria, line: q.line }));
  }
})();
