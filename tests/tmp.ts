/**
 * Temporary folders for tests, removed when the test file's process exits, so that `npm test`
 * leaves nothing behind in the system's temporary folder (a full run used to leave some 300 MB:
 * checkpoints, sweeps, caches). GAN_KEEP_TMP=1 keeps them and lists them, to look at after a failure.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const made: string[] = [];

function removeAll(): void {
  if (process.env.GAN_KEEP_TMP === "1") {
    if (made.length) process.stderr.write(`GAN_KEEP_TMP=1: kept ${made.join(", ")}\n`);
    return;
  }
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
}

/** A new empty folder under the system's temporary folder, its name starting with `prefix`. */
export function tempDir(prefix: string): string {
  if (!made.length) process.on("exit", removeAll);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
