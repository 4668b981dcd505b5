/**
 * Write a file so that a crash, a kill or a full disk never leaves a damaged file under its name:
 * the bytes go to `<file>.tmp-<pid>`, every write is checked for its full length (a nearly full
 * disk makes write(2) write less than asked), the file is fsynced, renamed over the target and the
 * folder fsynced (so the rename itself survives a power cut). On any failure the temporary file is
 * removed, the previous file stays as it was, and a UserError says what happened; a full disk says
 * how much space the file needs and how much is free.
 */
import * as fs from "fs";
import * as path from "path";
import { UserError } from "../errors";

export function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Bytes available to this user on the filesystem holding `dir`, or null where unknown. */
export function freeBytes(dir: string): number | null {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

/** The temporary name a write of `file` by process `pid` uses. */
export function tempName(file: string, pid = process.pid): string {
  return `${file}.tmp-${pid}`;
}

class ShortWrite extends Error {
  constructor(readonly wrote: number, readonly asked: number) {
    super(`short write: ${wrote} of ${asked} bytes`);
  }
}

/** Write `parts` to `file` durably (see the module comment); `what` names the file in errors. */
export function writeFileDurably(file: string, parts: Uint8Array[], what = "file"): void {
  const dir = path.dirname(path.resolve(file));
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const tmp = tempName(file);
  let fd: number | null = null;
  try {
    fs.mkdirSync(dir, { recursive: true });
    fd = fs.openSync(tmp, "w");
    for (const part of parts) {
      for (let off = 0; off < part.byteLength; ) {
        const n = fs.writeSync(fd, part, off, part.byteLength - off);
        if (n <= 0) throw new ShortWrite(off, part.byteLength);
        off += n;
      }
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    if (fs.statSync(tmp).size !== total) throw new ShortWrite(fs.statSync(tmp).size, total);
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== null) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing: the write error is the one to report
      }
    }
    fs.rmSync(tmp, { force: true });
    const code = (err as { code?: string }).code;
    const kept = fs.existsSync(file) ? `; the previous ${what} is kept` : "";
    if (code === "ENOSPC" || code === "EDQUOT" || err instanceof ShortWrite) {
      const free = freeBytes(dir);
      throw new UserError(
        `cannot write ${what} ${file}: the disk is full (it needs ${mb(total)}${free !== null ? `, ${mb(free)} free in ${dir}` : ""})${kept}: free some space and run again`,
      );
    }
    throw new UserError(`cannot write ${what} ${file}: ${(err as Error).message}${kept}`);
  }
  syncFolder(dir);
}

/** fsync a folder so a rename in it is durable (a no-op where folders cannot be fsynced). */
function syncFolder(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // Some filesystems and platforms refuse fsync on a directory; the data itself is synced.
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/**
 * Remove the temporary files of `file` that killed runs left (`<file>.tmp-<pid>` whose process is
 * gone, or any when `all`, e.g. while holding the folder's lock). Returns the paths removed.
 */
export function removeStaleTemps(file: string, all = false): string[] {
  const dir = path.dirname(path.resolve(file));
  const prefix = `${path.basename(file)}.tmp-`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    if (!all && processAlive(pid)) continue;
    fs.rmSync(path.join(dir, name), { force: true });
    removed.push(path.join(dir, name));
  }
  return removed;
}

/**
 * Whether a process with this PID runs (on this machine). A zombie (ended, not yet reaped: e.g. a
 * killed orphan where PID 1 does not reap) still answers kill(pid, 0) but counts as ended.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as { code?: string }).code !== "EPERM") return false;
  }
  try {
    // /proc/PID/stat: "pid (command) STATE ..."; the command may hold spaces and parentheses.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc (not Linux): kill(pid, 0) is all there is
  }
}
