/**
 * `npm run exercises -- release`: the student versions of the exercise notebooks.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../errors";
import { readNotebook } from "../notebook/run-notebook";
import { ROOT } from "./kit-types";
import { exerciseTasks, KIT_DIR, Nb, releaseNotebook } from "./notebook";

export const EXERCISES = path.join(ROOT, "exercises");

export function exerciseFiles(names: string[]): string[] {
  const all = fs
    .readdirSync(EXERCISES)
    .filter((f) => f.endsWith(".ipynb"))
    .sort();
  if (names.length === 0) return all.map((f) => path.join(EXERCISES, f));
  return names.map((n) => {
    const f = `${n.replace(/\.ipynb$/, "")}.ipynb`;
    if (!all.includes(f)) throw new UserError(`no exercise "${n}" (known: ${all.map((a) => a.replace(/\.ipynb$/, "")).join(", ")})`);
    return path.join(EXERCISES, f);
  });
}

/** Write the student versions; returns the files written. */
export function release(names: string[], outDir: string, log = (s: string) => console.error(s)): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const kitImport = path.relative(path.resolve(outDir), path.join(ROOT, KIT_DIR)).split(path.sep).join("/");
  return exerciseFiles(names).map((file) => {
    const name = path.basename(file, ".ipynb");
    const nb = readNotebook(file) as Nb;
    const tasks = exerciseTasks(nb, file);
    const out = path.join(outDir, `${name}.ipynb`);
    fs.writeFileSync(out, `${JSON.stringify(releaseNotebook(nb, name, kitImport.startsWith(".") ? kitImport : `./${kitImport}`), null, 1)}\n`);
    log(`[exercises] ${path.relative(process.cwd(), out)}: ${tasks.length} tasks, ${tasks.reduce((s, t) => s + t.points, 0)} points`);
    return out;
  });
}

