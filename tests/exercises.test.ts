/**
 * The classroom exercises (exercises/*.ipynb) and their release and grading machinery:
 * - the release transform (no solution or hidden case left, stubs in place, outputs cleared);
 * - the committed solution runs (every check cell printed "ok", no error);
 * - the grader on real kernels: every solution notebook scores full marks with the hidden cases,
 *   every released notebook runs to the end and scores 0 with every check failing on the stub,
 *   a submission with one task solved scores exactly that task's points;
 * - the grader's robustness, on a tiny exercise without the kit: a hanging cell, a kernel crash,
 *   deleted and edited cells.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { assemble, gradeSubmission, reportCsv, reportMarkdown, SubmissionGrade } from "../src/exercises/grade";
import { ensureKitTypes } from "../src/exercises/kit-types";
import { cellText, CODE_STUB, exerciseTasks, HIDDEN_BEGIN, isGraded, Nb, NbCell, nbgrader, releaseNotebook, SOLUTION_BEGIN, toLines } from "../src/exercises/notebook";
import { EXERCISES, release } from "../src/exercises/release";
import { tempDir } from "./tmp";

const read = (f: string) => JSON.parse(fs.readFileSync(f, "utf8")) as Nb;
const names = fs
  .readdirSync(EXERCISES)
  .filter((f) => f.endsWith(".ipynb"))
  .map((f) => f.replace(/\.ipynb$/, ""))
  .sort();

test("the six exercises exist, each with 4-8 graded tasks and valid nbgrader metadata", () => {
  assert.deepEqual(names, ["began", "dcgan", "gan", "metrics", "pggan", "tgan"]);
  for (const n of names) {
    const nb = read(path.join(EXERCISES, `${n}.ipynb`));
    const tasks = exerciseTasks(nb, n);
    assert.ok(tasks.length >= 4 && tasks.length <= 8, `${n}: ${tasks.length} tasks`);
    assert.equal((nb.metadata?.kernelspec as { language?: string })?.language, "typescript", `${n}: nbgrader picks the stub by the kernel's language`);
    const intro = cellText(nb.cells[0]);
    for (const heading of ["Learning objectives", "Prerequisites", "Time"]) assert.ok(intro.includes(heading), `${n}: the introduction names its ${heading}`);
    for (const c of nb.cells) {
      const m = nbgrader(c);
      if (!m) continue;
      assert.equal(m.schema_version, 3);
      if (m.solution) assert.ok(!m.locked && !m.grade, `${n}: answer cell ${m.grade_id} is editable and not graded`);
      if (m.grade) assert.ok(m.locked && (m.points ?? 0) > 0, `${n}: check ${m.grade_id} is locked and has points`);
    }
    // Every check has hidden cases except the multiple-choice ones (at most one per exercise).
    const hidden = nb.cells.filter((c) => isGraded(c) && cellText(c).includes(HIDDEN_BEGIN)).length;
    assert.ok(hidden >= tasks.length - 1, `${n}: ${hidden} of ${tasks.length} checks have hidden cases`);
  }
});

test("each committed exercise holds its solution run: every check printed ok, no cell failed", () => {
  for (const n of names) {
    const nb = read(path.join(EXERCISES, `${n}.ipynb`));
    for (const c of nb.cells.filter((x) => x.cell_type === "code")) {
      const outs = (c.outputs ?? []) as { output_type: string; text?: string[] }[];
      assert.ok(c.execution_count !== null, `${n}: every code cell ran (${nbgrader(c)?.grade_id ?? cellText(c).slice(0, 40)})`);
      assert.ok(!outs.some((o) => o.output_type === "error"), `${n}: no cell error (${nbgrader(c)?.grade_id})`);
      if (isGraded(c)) assert.ok(outs.some((o) => (o.text ?? []).join("").includes("ok: ")), `${n}: check ${nbgrader(c)!.grade_id} printed ok`);
    }
  }
});

test("release: solutions become the stub, hidden cases and outputs go, metadata stays", () => {
  const out = tempDir("gan-ex-");
  const files = release([], out, () => {});
  assert.equal(files.length, names.length);
  for (const f of files) {
    const nb = read(f);
    const src = read(path.join(EXERCISES, path.basename(f)));
    assert.equal(nb.cells.length, src.cells.length);
    for (const [i, c] of nb.cells.entries()) {
      const text = cellText(c);
      assert.ok(!text.includes(SOLUTION_BEGIN) && !text.includes("END SOLUTION"), `${f}: no solution left`);
      assert.ok(!text.includes(HIDDEN_BEGIN) && !text.includes("END HIDDEN TESTS"), `${f}: no hidden case left`);
      assert.deepEqual(c.metadata, src.cells[i].metadata);
      if (c.cell_type === "code") {
        assert.deepEqual(c.outputs, []);
        assert.equal(c.execution_count, null);
      }
      if (nbgrader(c)?.solution) assert.ok(text.includes('throw new Error("not implemented");'), `${f}: stub in ${nbgrader(c)!.grade_id}`);
    }
    // The kit import points at kit/ from the release folder.
    assert.ok(nb.cells.some((c) => cellText(c).includes(`from "${path.relative(out, path.resolve(EXERCISES, "../kit"))}"`)), `${f}: kit import rewritten`);
  }
});

test("release keeps the stub indented like the solution and refuses unbalanced delimiters", () => {
  const nb: Nb = {
    nbformat: 4,
    cells: [
      {
        cell_type: "code",
        metadata: { nbgrader: { grade_id: "a", solution: true, grade: false, locked: false, schema_version: 3 } },
        source: toLines("function f(): number {\n  // BEGIN SOLUTION\n  return 1;\n  // END SOLUTION\n}\n"),
        outputs: [{ output_type: "stream", name: "stdout", text: ["x"] }],
        execution_count: 3,
      },
    ],
  };
  const rel = releaseNotebook(nb, "t", "../kit");
  assert.equal(cellText(rel.cells[0]), `function f(): number {\n${CODE_STUB.split("\n").map((l) => `  ${l}`).join("\n")}\n}\n`);
  nb.cells[0].source = "// BEGIN SOLUTION\nreturn 1;";
  assert.throws(() => releaseNotebook(nb, "t", "../kit"), /never closed/);
});

// ---- the grader on a tiny exercise without the kit (fast kernels) ----------------------------

const meta = (grade_id: string, kind: "answer" | "check" | "locked", points = 0) => ({
  nbgrader: { grade_id, solution: kind === "answer", grade: kind === "check", locked: kind !== "answer", schema_version: 3, ...(kind === "check" ? { points } : {}) },
});
const codeCell = (source: string, m: Record<string, unknown> = {}): NbCell => ({ cell_type: "code", metadata: m, source: toLines(source), outputs: [], execution_count: null });
const TOY: Nb = {
  nbformat: 4,
  metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
  cells: [
    codeCell('const must = (c: boolean, m: string) => { if (!c) throw new Error(m); };', meta("setup", "locked")),
    codeCell("function double(x: number): number {\n  // BEGIN SOLUTION\n  return 2 * x;\n  // END SOLUTION\n}", meta("a1", "answer")),
    codeCell('must(double(2) === 4, "double(2) should be 4");\n// BEGIN HIDDEN TESTS\nmust(double(5) === 10, "double(5) should be 10");\n// END HIDDEN TESTS', meta("c1", "check", 2)),
    codeCell("function square(x: number): number {\n  // BEGIN SOLUTION\n  return x * x;\n  // END SOLUTION\n}", meta("a2", "answer")),
    codeCell('must(square(3) === 9, "square(3) should be 9");\n// BEGIN HIDDEN TESTS\nmust(square(4) === 16, "square(4) should be 16");\n// END HIDDEN TESTS', meta("c2", "check", 3)),
  ],
};

function toyExercise(): { dir: string; submit: (edit: (cells: NbCell[]) => NbCell[]) => string } {
  const dir = tempDir("gan-ex-");
  fs.writeFileSync(path.join(dir, "toy.ipynb"), JSON.stringify(TOY));
  const submit = (edit: (cells: NbCell[]) => NbCell[]) => {
    const sub = fs.mkdtempSync(path.join(dir, "sub-"));
    const file = path.join(sub, `toy.ipynb`);
    fs.writeFileSync(file, JSON.stringify({ ...TOY, cells: edit(structuredClone(TOY.cells)) }));
    return file;
  };
  return { dir, submit };
}
const setAnswer = (cells: NbCell[], id: string, body: string) => {
  const c = cells.find((x) => nbgrader(x)?.grade_id === id)!;
  c.source = toLines(cellText(c).replace(/\/\/ BEGIN SOLUTION[\s\S]*\/\/ END SOLUTION/, body));
  return cells;
};
const byTask = (g: SubmissionGrade) => Object.fromEntries(g.tasks.map((t) => [t.task, t]));

test("assemble restores locked cells from the exercise, puts deleted ones back and keeps student cells", () => {
  const sub = structuredClone(TOY);
  sub.cells[2].source = 'console.log("I edited the check");';
  sub.cells.splice(4, 1); // the second check deleted
  sub.cells.splice(3, 1); // and its answer cell
  sub.cells.splice(1, 0, codeCell("const scratch = 1;"));
  const { cells, notes } = assemble(TOY, sub, true, "toy");
  const ids = cells.map((c) => nbgrader(c)?.grade_id ?? "student");
  assert.deepEqual(ids, ["setup", "student", "a1", "c1", "a2", "c2"]);
  assert.ok(cellText(cells[3]).includes("double(5)") && !cellText(cells[3]).includes("HIDDEN"), "the official check with its hidden case, delimiters dropped");
  assert.ok(cellText(cells[4]).includes("not implemented"), "a deleted answer comes back as the stub");
  assert.ok(notes.some((n) => n.includes('answer cell "a2" was deleted')));
  assert.ok(notes.some((n) => n.includes('cell "c2" was deleted')));
  const visible = assemble(TOY, TOY, false, "toy").cells;
  assert.ok(!cellText(visible[2]).includes("double(5)"), "without --hidden the hidden case is not run");
});

test("grader: an unreadable submission gets 0 with the reason, without running anything", async () => {
  const { dir } = toyExercise();
  const bad = path.join(fs.mkdtempSync(path.join(dir, "sub-")), "toy.ipynb");
  fs.writeFileSync(bad, "{ not json");
  const g = await gradeSubmission(bad, { exercisesDir: dir });
  assert.equal(g.score, 0);
  assert.equal(g.max, 5);
  assert.ok(g.tasks.every((t) => t.status === "not run" && /not a readable notebook/.test(t.message)));
});

test("grader: hidden cases catch hard-coding, a deleted answer and a crashed kernel are marked, later tasks still graded", async () => {
  const { dir, submit } = toyExercise();
  // Hard-coded the visible case of task 1; deleted task 2's answer cell.
  const cheat = submit((cells) => setAnswer(cells, "a1", "return x === 2 ? 4 : 0;").filter((c) => nbgrader(c)?.grade_id !== "a2"));
  const visible = await gradeSubmission(cheat, { exercisesDir: dir });
  assert.equal(byTask(visible).c1.score, 2, "the visible case alone passes");
  const hidden = await gradeSubmission(cheat, { exercisesDir: dir, hidden: true });
  assert.equal(byTask(hidden).c1.score, 0);
  assert.match(byTask(hidden).c1.message, /double\(5\) should be 10/);
  assert.equal(byTask(hidden).c2.status, "failed");
  assert.match(byTask(hidden).c2.message, /not implemented/);
  assert.ok(hidden.notes.some((n) => n.includes('answer cell "a2" was deleted')));

  // Task 1's answer kills the kernel when it is defined: the grader restarts and grades task 2.
  const crash = submit((cells) => {
    cells.splice(2, 0, codeCell("process.exit(3);"));
    return cells;
  });
  const g = await gradeSubmission(crash, { exercisesDir: dir, hidden: true });
  assert.equal(g.score, 5, `both tasks pass once the crashing cell is skipped (${JSON.stringify(g)})`);
  assert.ok(g.notes.some((n) => /crashed the kernel: restarted/.test(n)), g.notes.join("; "));
  const md = reportMarkdown([g]);
  assert.ok(md.includes("| c2 | 3 | 3 | passed |"));
  assert.match(reportCsv([hidden]), /^submission,exercise,task,points,score,status,message\n.*c1,2,0,failed,/m);
});

test("grader: a hanging cell times out, the rest is graded, and the notebook limit stops the run", async () => {
  const { dir, submit } = toyExercise();
  const hang = submit((cells) => setAnswer(cells, "a2", "while (true) {}\n  return x;"));
  // The hang is in a function body: it hangs in the check cell c2, the last cell.
  const g = await gradeSubmission(hang, { exercisesDir: dir, hidden: true, cellTimeoutMs: 4000 });
  assert.equal(byTask(g).c1.score, 2);
  assert.equal(byTask(g).c2.status, "failed");
  assert.match(byTask(g).c2.message, /did not finish within 4 s/);
  const early = submit((cells) => {
    cells.splice(1, 0, codeCell("while (true) {}"));
    return cells;
  });
  const h = await gradeSubmission(early, { exercisesDir: dir, hidden: true, cellTimeoutMs: 3000, maxRestarts: 0 });
  assert.equal(h.score, 0);
  assert.ok(h.tasks.every((t) => t.status === "not run" && /timed out/.test(t.message)), JSON.stringify(h.tasks));
});

// ---- the real exercises on real kernels -------------------------------------------------------

/** Run `jobs` with at most `n` at a time (kernels spend much of their time starting up). */
async function pool<T>(n: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, jobs.length) }, worker));
  return out;
}

test("every solution notebook scores full marks with the hidden cases; every released one runs to the end and scores 0", async () => {
  ensureKitTypes({ log: () => {} });
  const rel = tempDir("gan-ex-");
  // Released into a temp folder (as a student would get them); the grader runs them in exercises/.
  release([], rel, () => {});
  // The GAN solution first: it trains for about a minute.
  const order = [...names].sort((a, b) => Number(b === "gan") - Number(a === "gan"));
  const solution = (n: string) => async () => {
    const g = await gradeSubmission(path.join(EXERCISES, `${n}.ipynb`), { exercisesDir: EXERCISES, hidden: true });
    assert.equal(g.score, g.max, `${n} solution: ${JSON.stringify(g.tasks.filter((t) => t.status !== "passed"))} ${g.notes.join("; ")}`);
  };
  const released = (n: string) => async () => {
    const executed = path.join(rel, `${n}.executed.ipynb`);
    const g = await gradeSubmission(path.join(rel, `${n}.ipynb`), { exercisesDir: EXERCISES, hidden: true, executedFile: executed });
    assert.equal(g.score, 0, `${n} released`);
    for (const t of g.tasks) assert.match(t.message, /not done yet/, `${n} released, ${t.task}: fails on the stub, in words`);
    const cells = read(executed).cells.filter((c) => c.cell_type === "code");
    assert.ok(cells.every((c) => c.execution_count !== null), `${n} released: every cell ran`);
    assert.equal(g.notes.length, 0, `${n} released: ${g.notes.join("; ")}`);
  };
  await pool(2, [...order.map(solution), ...order.map(released)]);
});

test("a submission with one task solved scores exactly that task's points", async () => {
  ensureKitTypes({ log: () => {} });
  const rel = tempDir("gan-ex-");
  const [file] = release(["metrics"], rel, () => {});
  const src = read(path.join(EXERCISES, "metrics.ipynb"));
  const nb = read(file);
  const tasks = exerciseTasks(src, "metrics");
  // Task 5 (the 1-D Wasserstein distance) solved with the exercise's own solution.
  const answer = src.cells.find((c) => nbgrader(c)?.grade_id === "metrics-5-answer")!;
  nb.cells = nb.cells.map((c) => (nbgrader(c)?.grade_id === "metrics-5-answer" ? { ...c, source: answer.source } : c));
  const sub = path.join(rel, "metrics.ipynb");
  fs.writeFileSync(sub, JSON.stringify(nb));
  const g = await gradeSubmission(sub, { exercisesDir: EXERCISES, hidden: true });
  const want = tasks.find((t) => t.id === "metrics-5-check")!.points;
  assert.equal(g.score, want, JSON.stringify(g.tasks));
  assert.deepEqual(
    g.tasks.filter((t) => t.status === "passed").map((t) => t.task),
    ["metrics-5-check"],
  );
});
