/**
 * The kit's declarations for notebooks: `tsc -p tsconfig.kit.json` writes kit/index.d.ts (and one
 * .d.ts per source file under kit/), so `import * as kit from "../kit"` in a tslab notebook gets
 * the real types while kit/index.js loads the sources through tsx. The generated files are not in
 * git; this rebuilds them when they are missing or older than any file in src/.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../errors";

export const ROOT = path.resolve(__dirname, "../..");

function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (e.name.endsWith(".ts")) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

/** True when kit/index.d.ts exists and is newer than every source file. */
export function kitTypesFresh(root = ROOT): boolean {
  const dts = path.join(root, "kit", "index.d.ts");
  return fs.existsSync(dts) && fs.statSync(dts).mtimeMs >= newest(path.join(root, "src"));
}

/** Build kit/*.d.ts unless fresh (about 5 s); `force` rebuilds anyway. */
export function ensureKitTypes({ force = false, log = (s: string): void => void process.stderr.write(`${s}\n`) }: { force?: boolean; log?: (s: string) => void } = {}): void {
  if (!force && kitTypesFresh()) return;
  log("[kit] writing the kit's declarations to kit/ (tsc -p tsconfig.kit.json)");
  const tsc = require.resolve("typescript/bin/tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", path.join(ROOT, "tsconfig.kit.json")], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new UserError(`tsc could not write the kit's declarations: ${(r.stdout + r.stderr).trim().split("\n").slice(0, 5).join(" | ")}`);
  // tsc leaves an unchanged file's mtime alone: mark the build as done now.
  const now = new Date();
  fs.utimesSync(path.join(ROOT, "kit", "index.d.ts"), now, now);
}
