/**
 * The exercise notebooks' conventions, shared by release and grading.
 *
 * Cells carry nbgrader's cell metadata (schema version 3), so a teacher using nbgrader can use the
 * notebooks as they are:
 *   answer cell   { solution: true,  grade: false, locked: false, grade_id }
 *   check cell    { solution: false, grade: true,  locked: true,  grade_id, points }
 *   read-only     { solution: false, grade: false, locked: true,  grade_id }
 * In answer cells the solution sits between `// BEGIN SOLUTION` and `// END SOLUTION` lines; in
 * check cells the cases students do not see sit between `// BEGIN HIDDEN TESTS` and
 * `// END HIDDEN TESTS` lines (nbgrader's delimiters, found anywhere on a line).
 */
import * as path from "node:path";
import { UserError } from "../errors";

export type { Cell as NbCell, Notebook as Nb } from "../notebook/run-notebook";
import type { Cell as NbCell, Notebook as Nb } from "../notebook/run-notebook";

export interface NbgraderMeta {
  grade_id: string;
  solution: boolean;
  grade: boolean;
  locked: boolean;
  points?: number;
  schema_version?: number;
  task?: boolean;
}

/** What the released notebooks put where a solution was (also nbgrader's `code_stub` for typescript). */
export const CODE_STUB = '// YOUR CODE HERE\nthrow new Error("not implemented");';

export const SOLUTION_BEGIN = "BEGIN SOLUTION";
export const SOLUTION_END = "END SOLUTION";
export const HIDDEN_BEGIN = "BEGIN HIDDEN TESTS";
export const HIDDEN_END = "END HIDDEN TESTS";

/** Where the kit's typed entry lives, relative to the project root (kit/index.js + kit/index.d.ts). */
export const KIT_DIR = "kit";

export function cellText(c: NbCell): string {
  return Array.isArray(c.source) ? c.source.join("") : String(c.source ?? "");
}

/** Text as Jupyter stores it: a list of lines, each but the last ending with "\n". */
export function toLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

export function nbgrader(c: NbCell): NbgraderMeta | null {
  const m = c.metadata?.nbgrader as NbgraderMeta | undefined;
  return m && typeof m.grade_id === "string" ? m : null;
}

/** A check cell that scores points. */
export function isGraded(c: NbCell): boolean {
  const m = nbgrader(c);
  return !!m && m.grade && !m.solution && c.cell_type === "code";
}

/** A cell whose source the grader restores from the exercise (checks, set-up, instructions). */
export function isLocked(c: NbCell): boolean {
  const m = nbgrader(c);
  return !!m && !m.solution && (m.locked || m.grade);
}

/**
 * Replace every region between lines containing `begin` and `end` (both included) by `stub`
 * (indented like the begin line; nothing when stub is null). Unbalanced delimiters are an error.
 */
export function replaceRegions(text: string, begin: string, end: string, stub: string | null, where: string): string {
  const out: string[] = [];
  let inside = false;
  for (const line of text.split("\n")) {
    if (line.includes(begin)) {
      if (inside) throw new UserError(`${where}: "${begin}" inside another one`);
      inside = true;
      if (stub !== null) {
        const indent = /^\s*/.exec(line)![0];
        for (const s of stub.split("\n")) out.push(indent + s);
      }
      continue;
    }
    if (line.includes(end)) {
      if (!inside) throw new UserError(`${where}: "${end}" without "${begin}"`);
      inside = false;
      continue;
    }
    if (!inside) out.push(line);
  }
  if (inside) throw new UserError(`${where}: "${begin}" is never closed by "${end}"`);
  return out.join("\n");
}

/** The cases students see: the check cell without its hidden region. */
export function withoutHidden(text: string, where = "cell"): string {
  return replaceRegions(text, HIDDEN_BEGIN, HIDDEN_END, null, where);
}

/** The cell as graded with the hidden cases: the delimiter lines dropped, the cases kept. */
export function withHidden(text: string): string {
  return text
    .split("\n")
    .filter((l) => !l.includes(HIDDEN_BEGIN) && !l.includes(HIDDEN_END))
    .join("\n");
}

export function stubbed(text: string, where = "cell"): string {
  return replaceRegions(text, SOLUTION_BEGIN, SOLUTION_END, CODE_STUB, where);
}

/** The exercise a notebook belongs to: its metadata, else its file name (gan.ipynb -> gan). */
export function exerciseName(nb: Nb, file: string): string {
  const meta = nb.metadata?.gan_repro as { exercise?: unknown } | undefined;
  if (meta && typeof meta.exercise === "string") return meta.exercise;
  return path.basename(file).replace(/\.ipynb$/, "").replace(/[._-](submission|release|student)$/i, "");
}

export interface TaskInfo {
  id: string;
  points: number;
}

/** The graded tasks of an exercise notebook, in order; checks its nbgrader metadata on the way. */
export function exerciseTasks(nb: Nb, where: string): TaskInfo[] {
  const seen = new Set<string>();
  const tasks: TaskInfo[] = [];
  nb.cells.forEach((c, i) => {
    const m = nbgrader(c);
    if (!m) return;
    if (seen.has(m.grade_id)) throw new UserError(`${where}: grade_id "${m.grade_id}" is used twice (cell ${i + 1})`);
    seen.add(m.grade_id);
    const text = cellText(c);
    if (m.solution && !text.includes(SOLUTION_BEGIN)) throw new UserError(`${where}: answer cell "${m.grade_id}" has no "// ${SOLUTION_BEGIN}"`);
    if (isGraded(c)) {
      if (!(typeof m.points === "number" && m.points > 0)) throw new UserError(`${where}: check cell "${m.grade_id}" has no positive points`);
      tasks.push({ id: m.grade_id, points: m.points });
    }
  });
  return tasks;
}

/**
 * The student version of an exercise notebook: answers replaced by the stub, hidden cases removed,
 * outputs cleared; `kitImport` rewrites the kit's import path for the release folder.
 */
export function releaseNotebook(nb: Nb, name: string, kitImport: string): Nb {
  const cells = nb.cells.map((c) => {
    const m = nbgrader(c);
    let text = cellText(c);
    const where = `${name}: cell "${m?.grade_id ?? "?"}"`;
    if (c.cell_type === "code") {
      if (m?.solution) text = stubbed(text, where);
      if (m?.grade) text = withoutHidden(text, where);
      text = text.replace(/(from\s+|require\()(["'])\.\.\/kit\2/g, (_, pre, q) => `${pre}${q}${kitImport}${q}`);
      return { ...c, source: toLines(text), outputs: [], execution_count: null };
    }
    return { ...c, source: toLines(text) };
  });
  return { ...nb, metadata: { ...nb.metadata, gan_repro: { exercise: name } }, cells };
}
