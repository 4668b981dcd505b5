/**
 * npm run exercises -- release | grade SUBMISSION.ipynb... : the classroom side of exercises/.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../errors";
import { gradeSubmission, reportCsv, reportJson, reportMarkdown, SubmissionGrade } from "../exercises/grade";
import { ensureKitTypes } from "../exercises/kit-types";
import { EXERCISES, release } from "../exercises/release";
import { intOption, parse, runMain } from "./common";

const USAGE = `usage: npm run exercises -- release [NAME ...] [--out DIR]
       npm run exercises -- grade SUBMISSION.ipynb ... [--hidden] [--out DIR]
                           [--cell-timeout SECONDS] [--timeout SECONDS]
release  writes the student version of each exercise in exercises/ (or only the NAMEs given) to
         exercises/release/ (or --out): answers replaced by a stub that throws "not implemented",
         outputs cleared, hidden checks removed.
grade    runs each submission headlessly (its exercise is found by its metadata or file name) with
         the checks restored from exercises/, scores each task and writes grades.md, grades.csv,
         grades.json and each executed notebook to out/grades/ (or --out).
  --hidden        grade with the hidden cases too (default: only the cases students see)
  --cell-timeout  longest a cell may run (default 180 s)
  --timeout       longest a notebook may run, restarts included (default 900 s)`;

runMain(async () => {
  const { values, positionals } = parse(
    { hidden: { type: "boolean" }, out: { type: "string" }, "cell-timeout": { type: "string" }, timeout: { type: "string" } },
    USAGE,
  );
  const [cmd, ...rest] = positionals;
  if (cmd === "release") {
    ensureKitTypes();
    release(rest, values.out ?? path.join(EXERCISES, "release"));
    return;
  }
  if (cmd === "grade") {
    if (rest.length === 0) throw new UserError("no submission given (usage: npm run exercises -- grade SUBMISSION.ipynb ...)");
    for (const f of rest) if (!f.endsWith(".ipynb")) throw new UserError(`not a notebook (.ipynb): ${f}`);
    const cellTimeoutMs = intOption("cell-timeout", values["cell-timeout"], 180) * 1000;
    const notebookTimeoutMs = intOption("timeout", values.timeout, 900) * 1000;
    const outDir = values.out ?? "out/grades";
    ensureKitTypes();
    const results: SubmissionGrade[] = [];
    const skipped: string[] = [];
    for (const [i, file] of rest.entries()) {
      console.error(`[exercises] grading ${file}`);
      const executedFile = path.join(outDir, `${String(i + 1).padStart(2, "0")}-${path.basename(file)}`);
      let r: SubmissionGrade;
      try {
        r = await gradeSubmission(file, { exercisesDir: EXERCISES, hidden: values.hidden ?? false, cellTimeoutMs, notebookTimeoutMs, executedFile });
      } catch (err) {
        // One bad file (an unknown exercise) must not stop the others.
        if (!(err instanceof UserError)) throw err;
        console.error(`error: ${err.message}`);
        skipped.push(file);
        continue;
      }
      console.error(`[exercises] ${file}: ${r.score} / ${r.max} in ${r.seconds.toFixed(1)} s${r.notes.length ? ` (${r.notes.join("; ")})` : ""}`);
      results.push(r);
    }
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, "grades.md"), reportMarkdown(results));
    fs.writeFileSync(path.join(outDir, "grades.csv"), reportCsv(results));
    fs.writeFileSync(path.join(outDir, "grades.json"), reportJson(results));
    process.stdout.write(reportMarkdown(results));
    console.error(`[exercises] reports in ${outDir}/grades.{md,csv,json}`);
    if (skipped.length) throw new UserError(`not graded (see above): ${skipped.join(", ")}`);
    return;
  }
  throw new UserError(cmd === undefined ? "no command given (release or grade; see --help)" : `unknown command "${cmd}" (release or grade; see --help)`);
});
