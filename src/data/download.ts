/**
 * Fetch the public datasets (MNIST, Fashion-MNIST, CIFAR-10) into data/downloads/<name>/.
 *
 * Each file goes to `<file>.part` first and is renamed into place only once its MD5 matches the
 * published checksum, so a file under its final name is always complete and verified. A partial
 * `.part` is resumed with an HTTP Range request (and restarted from byte 0 when the server ignores
 * Range); redirects are followed; a failed transfer is retried once. Without a network the error is
 * one line naming every file still missing, its URL and the folder to put it in by hand; rerunning
 * the command then only verifies (and, for CIFAR-10, unpacks) those files.
 *
 * The HTTP layer is injectable: `baseUrl` fetches every file from `<baseUrl>/<file name>` (a mirror,
 * or a local test server) and `get` replaces the request function itself.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as path from "path";
import * as zlib from "zlib";
import * as cliProgress from "cli-progress";
import { stderrBar } from "../cli/progress";
import { UserError } from "../errors";
import { CIFAR10_FILES } from "./cifar10";

export interface RemoteFile {
  /** File name in the target folder (and under a mirror's base URL). */
  name: string;
  /** Public URL. */
  url: string;
  /** Published MD5 checksum, lowercase hex. */
  md5: string;
  /** Size in bytes, shown by --list and used for the progress bar when the server sends no length. */
  size?: number;
  /**
   * Judge a file already in place whose bytes differ from the published ones (recompressed, from
   * another distribution): a description of its valid content, or a thrown Error saying what is wrong.
   */
  content?: (file: string) => string;
}

export interface DataSource {
  name: string;
  title: string;
  /** Where the URLs and checksums come from. */
  reference: string;
  files: RemoteFile[];
  /** Files the dataset is ready with after `extract` (default: the downloaded files themselves). */
  outputs?: string[];
  /** Turn the verified downloads into `outputs` (CIFAR-10: unpack the batches from the tar.gz). */
  extract?: (dir: string, log: (line: string) => void) => void;
}

// MNIST: the mirror torchvision downloads from (torchvision/datasets/mnist.py, `MNIST.mirrors` and
// `MNIST.resources`, which carry these MD5 sums); yann.lecun.com often refuses automated downloads.
const MNIST_BASE = "https://ossci-datasets.s3.amazonaws.com/mnist/";
// Fashion-MNIST: Zalando Research's bucket and the MD5 sums in the table of
// https://github.com/zalandoresearch/fashion-mnist (README, "Get the Data"); http only (S3 website endpoint).
const FASHION_BASE = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
// CIFAR-10 binary version: https://www.cs.toronto.edu/~kriz/cifar.html ("CIFAR-10 binary version
// (suitable for C programs)", 162 MB, md5sum c32a1d4ab5d03f1284b67883e8d87530).
const CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";

/** Examples in the train and test splits of MNIST and Fashion-MNIST, by file name prefix. */
const IDX_COUNTS: Record<string, number> = { train: 60000, t10k: 10000 };

const idxFiles = (base: string, sums: [string, string, number][]): RemoteFile[] =>
  sums.map(([name, md5, size]) => {
    const n = IDX_COUNTS[name.split("-")[0]];
    const dims = name.includes("images") ? [n, 28, 28] : [n];
    return { name, url: base + name, md5, size, content: (file: string) => checkIdxContent(file, dims) };
  });

/**
 * The content test for an IDX .gz file: it decompresses, has the IDX header of unsigned bytes with
 * exactly `dims`, and holds that many bytes. No published checksum of the decompressed files
 * exists (the sources publish the archives' MD5 only), so the structure and counts are the test.
 */
export function checkIdxContent(file: string, dims: number[]): string {
  let buf: Buffer;
  try {
    buf = zlib.gunzipSync(fs.readFileSync(file));
  } catch (err) {
    throw new Error(`not a readable gzip file (${(err as Error).message})`);
  }
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0 || buf[2] !== 0x08) throw new Error("not an IDX file of unsigned bytes");
  const rank = buf[3];
  const got = Array.from({ length: rank }, (_, i) => (buf.length >= 8 + 4 * i ? buf.readUInt32BE(4 + 4 * i) : -1));
  if (got.join("x") !== dims.join("x")) throw new Error(`an IDX array of ${got.join("x")}, not ${dims.join("x")}`);
  const expected = 4 + 4 * rank + dims.reduce((a, b) => a * b, 1);
  if (buf.length !== expected) throw new Error(`${buf.length} bytes once decompressed, not ${expected}`);
  return `a valid IDX array of ${dims.join("x")}`;
}

/** The content test for the CIFAR-10 archive: a gzip tar holding the six batches, whole. */
export function checkCifar10Archive(file: string): string {
  let tar: Buffer;
  try {
    tar = zlib.gunzipSync(fs.readFileSync(file));
  } catch (err) {
    throw new Error(`not a readable gzip file (${(err as Error).message})`);
  }
  const sizes = new Map<string, number>();
  try {
    for (const e of readTar(tar, file)) if (e.type === "file") sizes.set(path.posix.basename(e.name), e.data.length);
  } catch (err) {
    throw new Error((err as Error).message);
  }
  const bad = CIFAR10_FILES.filter((f) => sizes.get(f) !== 10000 * 3073);
  if (bad.length) throw new Error(`no whole ${bad.join(", ")} inside (each 10000 x 3073 bytes)`);
  return "a tar.gz with the six whole CIFAR-10 batches";
}

export const SOURCES: Record<string, DataSource> = {
  mnist: {
    name: "mnist",
    title: "MNIST handwritten digits, 60,000 + 10,000 28x28 grey images, IDX files",
    reference: "torchvision/datasets/mnist.py (mirror and MD5 sums)",
    files: idxFiles(MNIST_BASE, [
      ["train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9912422],
      ["train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432", 28881],
      ["t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3", 1648877],
      ["t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c", 4542],
    ]),
  },
  "fashion-mnist": {
    name: "fashion-mnist",
    title: "Fashion-MNIST (Zalando), 60,000 + 10,000 28x28 grey images, IDX files",
    reference: "github.com/zalandoresearch/fashion-mnist README (URLs and MD5 sums)",
    files: idxFiles(FASHION_BASE, [
      ["train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", 26421880],
      ["train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe", 29515],
      ["t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79", 4422102],
      ["t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310", 5148],
    ]),
  },
  cifar10: {
    name: "cifar10",
    title: "CIFAR-10, 50,000 + 10,000 32x32 colour images in 10 classes, binary batches",
    reference: "www.cs.toronto.edu/~kriz/cifar.html (URL and MD5 sum)",
    files: [{ name: "cifar-10-binary.tar.gz", url: CIFAR10_URL, md5: "c32a1d4ab5d03f1284b67883e8d87530", size: 170052171, content: checkCifar10Archive }],
    outputs: CIFAR10_FILES,
    extract: (dir, log) => extractCifar10(path.join(dir, "cifar-10-binary.tar.gz"), dir, log),
  },
};

/** The request function: resolves with the response (any status), rejects when no response comes. */
export type HttpGet = (url: string, headers: Record<string, string>, timeoutMs: number) => Promise<http.IncomingMessage>;

export interface DownloadOptions {
  /** Target folder (created if needed). */
  dir: string;
  /** Fetch each file from `<baseUrl>/<file name>` instead of its public URL. */
  baseUrl?: string;
  /** Replace the HTTP(S) request function (default: node's http/https). */
  get?: HttpGet;
  /** Give up on a connection silent for this long (default 30 s). */
  timeoutMs?: number;
  /** Attempts after the first failed one (default 1). */
  retries?: number;
  /** Pause before a retry (default 1 s). */
  retryDelayMs?: number;
  /** Progress bar on stderr (default: yes, except under CI=true). */
  progress?: boolean;
  /** Status lines (default: console.log). */
  log?: (line: string) => void;
  /** The command that resumes or verifies, quoted in messages (default: npm run data -- NAME). */
  rerun?: string;
}

type Settings = Required<Omit<DownloadOptions, "baseUrl" | "rerun">> & { baseUrl?: string; rerun: string };

/** A transport failure; `connected` tells whether a response had started (a transfer cut short). */
class NetError extends Error {
  constructor(message: string, readonly code: string, readonly connected: boolean) {
    super(message);
  }
}

class HttpStatusError extends Error {
  constructor(readonly status: number, readonly url: string) {
    super(`${url} answered HTTP ${status}`);
  }
}

/** Codes that mean "nothing answered": no DNS, nothing listening, no route, silence. */
const OFFLINE_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ENETUNREACH", "EHOSTUNREACH", "ETIMEDOUT", "ECONNRESET", "EPROTO", "ENETDOWN"]);

/** node's http/https GET with a timeout on silence (connecting or mid-transfer). */
export const nodeGet: HttpGet = (url, headers, timeoutMs) =>
  new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === "https:" ? https : u.protocol === "http:" ? http : null;
    if (!mod) {
      reject(new UserError(`cannot download ${url}: only http and https URLs are supported`));
      return;
    }
    const req = mod.get(u, { headers: { "user-agent": "gan-repro data downloader", ...headers }, timeout: timeoutMs }, resolve);
    req.on("timeout", () => req.destroy(Object.assign(new Error(`${u.host} was silent for ${timeoutMs / 1000} s`), { code: "ETIMEDOUT" })));
    req.on("error", reject);
  });

/** GET with redirects followed (at most 5); a failure before any response is a NetError. */
async function getFollowing(url: string, headers: Record<string, string>, s: Settings): Promise<{ res: http.IncomingMessage; url: string }> {
  for (let hop = 0; hop <= 5; hop++) {
    let res: http.IncomingMessage;
    try {
      res = await s.get(url, headers, s.timeoutMs);
    } catch (err) {
      if (err instanceof UserError) throw err;
      const code = (err as { code?: string }).code;
      const host = new URL(url).host;
      throw new NetError(code ? `${code} ${host}` : `${host}: ${(err as Error).message}`, code ?? "EUNKNOWN", false);
    }
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && location) {
      res.resume();
      url = new URL(location, url).href;
      continue;
    }
    return { res, url };
  }
  throw new UserError(`${url}: more than 5 redirects`);
}

export function urlOf(file: RemoteFile, baseUrl?: string): string {
  if (!baseUrl) return file.url;
  return new URL(encodeURIComponent(file.name), baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`).href;
}

export async function md5File(file: string): Promise<string> {
  const hash = crypto.createHash("md5");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function mb(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

/** One file's progress bar on stderr: bytes, percentage, speed and time left. */
class ByteBar {
  private bar: cliProgress.SingleBar | null = null;
  private t0 = 0;
  private start0 = 0;

  constructor(private readonly label: string, private readonly enabled: boolean) {}

  start(total: number | undefined, start: number): void {
    if (!this.enabled) return;
    this.t0 = Date.now();
    this.start0 = start;
    this.bar = stderrBar(`${this.label} [{bar}] {percentage}% {done}/{size}  {speed}  {eta_formatted} left`, { noTTYOutput: true, notTTYSchedule: 5000, etaBuffer: 200 });
    this.bar.start(total ?? 0, start, this.payload(start, total));
  }

  private payload(value: number, total: number | undefined) {
    const secs = (Date.now() - this.t0) / 1000;
    const speed = secs > 0.2 ? `${mb((value - this.start0) / secs)}/s` : "-";
    return { done: mb(value), size: total ? mb(total) : "?", speed };
  }

  update(value: number, total: number | undefined): void {
    this.bar?.update(value, this.payload(value, total));
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/**
 * One request for `file` into `part`: continue from the bytes `part` holds (Range), or start over
 * when the server sends the whole file. Returns "unsatisfiable" for HTTP 416 (part already whole?).
 */
async function fetchOnce(url: string, part: string, file: RemoteFile, s: Settings): Promise<"done" | "unsatisfiable"> {
  const offset = fs.existsSync(part) ? fs.statSync(part).size : 0;
  const { res, url: finalUrl } = await getFollowing(url, offset > 0 ? { Range: `bytes=${offset}-` } : {}, s);
  const status = res.statusCode ?? 0;
  if (status === 416 && offset > 0) {
    res.resume();
    return "unsatisfiable";
  }
  if (status !== 200 && status !== 206) {
    res.resume();
    throw new HttpStatusError(status, finalUrl);
  }
  const length = res.headers["content-length"] !== undefined ? Number(res.headers["content-length"]) : undefined;
  let start = 0;
  let total: number | undefined;
  if (status === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(res.headers["content-range"] ?? ""));
    if (!m || Number(m[1]) !== offset) {
      res.destroy();
      fs.rmSync(part, { force: true });
      throw new NetError(`the server answered the resume request with range "${res.headers["content-range"]}", not bytes ${offset}-: starting over`, "EBADRANGE", true);
    }
    start = offset;
    total = m[3] !== "*" ? Number(m[3]) : length !== undefined ? offset + length : file.size;
  } else {
    if (offset > 0) s.log(`${file.name}: the server does not resume downloads: starting again from byte 0`);
    total = length ?? file.size;
  }
  const bar = new ByteBar(file.name, s.progress);
  bar.start(total, start);
  // Chunks are appended synchronously as they come, so whatever arrived is on disk for a resume
  // even when the transfer breaks (a write stream would drop its buffer when destroyed).
  let received = start;
  let fd: number;
  try {
    fd = fs.openSync(part, start > 0 ? "a" : "w");
  } catch (err) {
    res.destroy();
    bar.stop();
    throw new UserError(`cannot write ${part}: ${(err as Error).message}`);
  }
  let settled = false;
  try {
    await new Promise<void>((resolve0, reject0) => {
      const resolve = () => ((settled = true), resolve0());
      const reject = (err: Error) => ((settled = true), reject0(err));
      res.on("data", (chunk: Buffer) => {
        if (settled) return;
        try {
          for (let o = 0; o < chunk.length; ) o += fs.writeSync(fd, chunk, o);
        } catch (err) {
          reject(new UserError(`cannot write ${part}: ${(err as Error).message}`));
          res.destroy();
          return;
        }
        received += chunk.length;
        bar.update(received, total);
      });
      res.on("error", (err) => reject(new NetError(`transfer interrupted after ${received} bytes (${err.message})`, String((err as { code?: string }).code ?? "EINTERRUPTED"), true)));
      res.on("close", () => (res.complete ? resolve() : reject(new NetError(`transfer interrupted after ${received} bytes`, "EINTERRUPTED", true))));
    });
  } finally {
    settled = true;
    if (!res.complete) res.destroy();
    fs.closeSync(fd);
    bar.stop();
  }
  if (total !== undefined && received < total) throw new NetError(`the connection closed after ${received} of ${total} bytes`, "ESHORT", true);
  return "done";
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free name beside `file` to move a rejected file to: `<file>.rejected`, `.rejected-2`, ... */
function asideName(file: string): string {
  for (let i = 1; ; i++) {
    const name = `${file}.rejected${i > 1 ? `-${i}` : ""}`;
    if (!fs.existsSync(name)) return name;
  }
}

/**
 * Judge a file already at `<dir>/<file.name>`: kept (true) if its MD5 matches, or if its content
 * passes the file's content test (the same data compressed differently, e.g. Debian's
 * dataset-fashion-mnist); otherwise moved aside (never deleted: the user may have put it there).
 * False when there is no file (any more).
 */
async function keepExisting(file: RemoteFile, s: Settings): Promise<boolean> {
  const final = path.join(s.dir, file.name);
  if (!fs.existsSync(final)) return false;
  const got = await md5File(final);
  if (got === file.md5) {
    s.log(`${file.name}: already here, md5 ok`);
    return true;
  }
  let problem = `md5 ${got} is not the published ${file.md5}`;
  if (file.content) {
    try {
      const what = file.content(final);
      s.log(`${file.name}: already here; its bytes differ from the published archive (compressed differently), its content is ${what}: keeping it`);
      return true;
    } catch (err) {
      problem = `its content is ${(err as Error).message}`;
    }
  }
  const aside = asideName(final);
  fs.renameSync(final, aside);
  s.log(`${file.name}: ${problem}: moved it aside to ${aside} (delete it when you no longer need it), downloading the file again`);
  return false;
}

/** Make `<dir>/<file.name>` hold a good file: keep the one there (see keepExisting) or download it. */
async function ensureFile(file: RemoteFile, s: Settings): Promise<void> {
  if (await keepExisting(file, s)) return;
  const final = path.join(s.dir, file.name);
  const part = `${final}.part`;
  const url = urlOf(file, s.baseUrl);
  let lastError: Error = new Error("no attempt");
  for (let attempt = 0; attempt <= s.retries; attempt++) {
    if (attempt > 0) {
      // Quiet when nothing answered: the one-line "no network" error says it all.
      if (!(lastError instanceof NetError && !lastError.connected)) s.log(`${file.name}: ${lastError.message}: retrying`);
      await sleep(s.retryDelayMs);
    }
    const resumedFrom = fs.existsSync(part) ? fs.statSync(part).size : 0;
    try {
      if ((await fetchOnce(url, part, file, s)) === "unsatisfiable" && (await md5File(part)) !== file.md5) {
        fs.rmSync(part, { force: true });
        lastError = new Error(`the server has nothing past byte ${resumedFrom} and ${part} does not match the checksum: starting over`);
        continue;
      }
    } catch (err) {
      if (err instanceof UserError) throw err;
      lastError = err as Error;
      continue;
    }
    const got = await md5File(part);
    if (got !== file.md5) {
      fs.rmSync(part, { force: true });
      if (resumedFrom > 0 && attempt < s.retries) {
        lastError = new Error(`md5 mismatch after resuming at byte ${resumedFrom}: deleted the partial file, starting over`);
        continue;
      }
      throw new UserError(
        `checksum mismatch for ${file.name} from ${url}: md5 ${got}, expected ${file.md5}; deleted the bad file (${part}): run \`${s.rerun}\` again, or fetch it by hand`,
      );
    }
    fs.renameSync(part, final);
    s.log(`${file.name}: downloaded, md5 ok`);
    return;
  }
  if (lastError instanceof NetError || lastError instanceof HttpStatusError) throw lastError;
  throw new UserError(`download of ${url} failed: ${lastError.message}`);
}

/** What to put where by hand, as one line. */
function byHand(source: DataSource, files: RemoteFile[], s: Settings): string {
  const list = files.map((f) => `${f.name} from ${urlOf(f, s.baseUrl)}`).join(", ");
  const after = source.extract ? "check and unpack" : "check";
  return `put ${list} in ${s.dir}, then run \`${s.rerun}\` again to ${after} ${files.length > 1 ? "them" : "it"}`;
}

/** True when every file the dataset needs is in `dir` (outputs, or the verified downloads). */
export function isPresent(source: DataSource, dir: string): boolean {
  const names = source.outputs ?? source.files.map((f) => f.name);
  return names.every((n) => fs.existsSync(path.join(dir, n)));
}

/** Download (or verify) every file of `source` into `opts.dir`, then unpack it where needed. */
export async function downloadDataset(source: DataSource, opts: DownloadOptions): Promise<void> {
  const s: Settings = {
    dir: path.resolve(opts.dir),
    baseUrl: opts.baseUrl,
    get: opts.get ?? nodeGet,
    timeoutMs: opts.timeoutMs ?? 30000,
    retries: opts.retries ?? 1,
    retryDelayMs: opts.retryDelayMs ?? 1000,
    progress: opts.progress ?? !process.env.CI,
    log: opts.log ?? ((line) => console.log(line)),
    rerun: opts.rerun ?? `npm run data -- ${source.name}`,
  };
  if (source.outputs && isPresent(source, s.dir)) {
    s.log(`${source.name}: already in ${s.dir}`);
    return;
  }
  try {
    fs.mkdirSync(s.dir, { recursive: true });
  } catch (err) {
    throw new UserError(`cannot create ${s.dir}: ${(err as Error).message}`);
  }
  // Judge every file already in place first, so a missing network does not hide a bad one.
  const kept = new Set<string>();
  for (const file of source.files) if (await keepExisting(file, s)) kept.add(file.name);
  for (let i = 0; i < source.files.length; i++) {
    const file = source.files[i];
    if (kept.has(file.name)) continue;
    try {
      await ensureFile(file, s);
    } catch (err) {
      if (err instanceof NetError && !err.connected && OFFLINE_CODES.has(err.code)) {
        const missing = source.files.slice(i).filter((f) => !fs.existsSync(path.join(s.dir, f.name)));
        throw new UserError(`no network (${err.message}): ${byHand(source, missing, s)}`);
      }
      if (err instanceof NetError) {
        const part = path.join(s.dir, `${file.name}.part`);
        const kept = fs.existsSync(part) ? `; ${part} keeps the ${fs.statSync(part).size} bytes received: run \`${s.rerun}\` again to resume` : "";
        throw new UserError(`download of ${urlOf(file, s.baseUrl)} failed: ${err.message}${kept}`);
      }
      if (err instanceof HttpStatusError) {
        throw new UserError(`${err.message} (tried ${s.retries + 1} times): ${byHand(source, [file], s)}`);
      }
      throw err;
    }
  }
  source.extract?.(s.dir, s.log);
  s.log(`${source.name}: ready in ${s.dir}`);
}

// ---------------------------------------------------------------------------------------------
// tar (ustar / GNU / pax) reading, enough for dataset archives: regular files with their paths.

export interface TarEntry {
  name: string;
  /** "file", "dir" or "other" (links, devices...). */
  type: "file" | "dir" | "other";
  data: Buffer;
}

function cString(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString("utf8");
}

/** A numeric header field: octal text, or GNU base-256 when the top bit is set. */
function tarNumber(b: Buffer): number {
  if (b[0] & 0x80) {
    let v = b[0] & 0x7f;
    for (let i = 1; i < b.length; i++) v = v * 256 + b[i];
    return v;
  }
  const t = cString(b).trim();
  return t === "" ? 0 : parseInt(t, 8);
}

/** Read the entries of an uncompressed tar archive; `label` names it in errors. */
export function* readTar(buf: Buffer, label: string): Generator<TarEntry> {
  let off = 0;
  let longName: string | null = null;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((x) => x === 0)) return;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    const stored = tarNumber(h.subarray(148, 156));
    if (Number.isNaN(stored) || stored !== sum) throw new UserError(`${label} is not a valid tar archive (bad header checksum at byte ${off})`);
    const size = tarNumber(h.subarray(124, 136));
    const flag = String.fromCharCode(h[156] || 48);
    const start = off + 512;
    const data = buf.subarray(start, start + size);
    if (data.length < size) throw new UserError(`${label} is truncated: an entry promises ${size} bytes at byte ${start}`);
    off = start + Math.ceil(size / 512) * 512;
    if (flag === "L") {
      longName = cString(data);
      continue;
    }
    if (flag === "x") {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString("utf8"));
      if (m) longName = m[1];
      continue;
    }
    if (flag === "g") continue;
    let name = cString(h.subarray(0, 100));
    if (h.subarray(257, 262).toString("latin1") === "ustar") {
      const prefix = cString(h.subarray(345, 500));
      if (prefix) name = `${prefix}/${name}`;
    }
    if (longName !== null) {
      name = longName;
      longName = null;
    }
    yield { name, type: flag === "0" || flag === "7" ? "file" : flag === "5" ? "dir" : "other", data };
  }
}

/**
 * Unpack the six CIFAR-10 binary batches (and batches.meta.txt) from the official tar.gz straight
 * into `dir` (no subfolder), each written to a temporary name and renamed; then delete the archive.
 * Only those file names are written, whatever paths the archive holds.
 */
export function extractCifar10(archive: string, dir: string, log: (line: string) => void = () => {}): void {
  let tar: Buffer;
  try {
    tar = zlib.gunzipSync(fs.readFileSync(archive));
  } catch (err) {
    throw new UserError(`cannot unpack ${archive}: ${(err as Error).message}; delete it and download it again`);
  }
  const wanted = new Set([...CIFAR10_FILES, "batches.meta.txt"]);
  const written = new Set<string>();
  for (const e of readTar(tar, archive)) {
    const base = path.posix.basename(e.name);
    if (e.type !== "file" || !wanted.has(base)) continue;
    const target = path.join(dir, base);
    fs.writeFileSync(`${target}.tmp`, e.data);
    fs.renameSync(`${target}.tmp`, target);
    written.add(base);
  }
  const missing = CIFAR10_FILES.filter((f) => !written.has(f));
  if (missing.length) throw new UserError(`${archive} lacks ${missing.join(", ")}: it is not the CIFAR-10 binary archive`);
  fs.rmSync(archive);
  log(`cifar10: unpacked ${CIFAR10_FILES.length} batch files into ${dir} and deleted the archive`);
}
