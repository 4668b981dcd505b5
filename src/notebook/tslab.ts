/**
 * The kit's side of the tslab kernel, used when the kit is loaded inside one (display.ts, the
 * trainer's progress):
 *
 * - `displayBundle`: one display output holding several MIME types (tslab's public `display`
 *   sends one type per output), optionally under a display id that later calls update in place
 *   (Jupyter's update_display_data: one progress display instead of hundreds of lines).
 * - `installKernelPatches`: tslab (1.0.x) reports a failed cell to Jupyter clients only as stderr
 *   text and an execute_reply with status "error" and no name or message, so nbconvert and
 *   Jupyter's UI show an empty error. Once the kit is loaded, the kernel sends an `error` message
 *   (name, message, the cell line and the stack) and fills the reply's ename/evalue/traceback; the
 *   error's text is taken off stderr so it is not shown twice. Output text also has this project's
 *   absolute folder replaced by a path relative to the notebook (no machine paths in outputs).
 *
 * Both reach tslab's internals (its `jupyter` module, found among the loaded modules) and check
 * what they use first; where anything differs (another tslab version), they do nothing and the
 * helpers fall back to tslab's public display API.
 */
import * as path from "node:path";
import type * as vmTypes from "node:vm";
import { parseErrorText, userCodeLine } from "./kernel-errors";

/** MIME type -> value: strings, JSON values, or bytes (sent base64-encoded). */
type Bundle = Record<string, unknown>;
type WriteDisplayData = (data: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: Record<string, unknown> }, update: boolean) => void;

interface TslabPublic {
  display: { raw(contentType: string, b: string | Uint8Array): void; png(b: Uint8Array): void; html(s: string): void; markdown(s: string): void };
}
interface TslabJupyter {
  lastWriteDisplayData: WriteDisplayData | null;
  ZmqServer?: { prototype: Record<string, unknown> };
}

/** tslab's public module when this runs inside a tslab kernel, else null. */
export function tslabPublic(): TslabPublic | null {
  const hook = (globalThis as { __tslab__?: { require?: (id: string) => unknown } }).__tslab__;
  if (typeof hook?.require !== "function") return null;
  try {
    const mod = hook.require("tslab") as Partial<TslabPublic>;
    return mod.display ? (mod as TslabPublic) : null;
  } catch {
    return null;
  }
}

/** The kernel's own `tslab/dist/jupyter` module (already loaded by the running kernel), or null. */
function tslabJupyter(): TslabJupyter | null {
  if (!tslabPublic()) return null;
  const candidates = Object.values(require.cache).filter((m) => m && /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(m.filename));
  const mods = candidates.map((m) => m!.exports as TslabJupyter).filter((e) => e && "lastWriteDisplayData" in e);
  return mods.find((e) => typeof e.lastWriteDisplayData === "function") ?? mods[0] ?? null;
}

let displayCounter = 0;
/** A fresh display id for `displayBundle` updates. */
export function newDisplayId(): string {
  return `gan-${process.pid}-${Date.now().toString(36)}-${++displayCounter}`;
}

/**
 * Show one output with several MIME types; with `id`, later calls with the same id and
 * `update: true` replace it in place. Binary values (PNG bytes) are sent base64-encoded. Returns
 * false when not inside a tslab kernel whose internals are as expected (nothing shown).
 */
export function displayBundle(bundle: Bundle, opts: { id?: string; update?: boolean; metadata?: Record<string, unknown> } = {}): boolean {
  const write = tslabJupyter()?.lastWriteDisplayData;
  if (typeof write !== "function") return false;
  const data: Record<string, unknown> = {};
  for (const [mime, v] of Object.entries(bundle)) data[mime] = v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v;
  write({ data, metadata: opts.metadata ?? {}, transient: opts.id ? { display_id: opts.id } : {} }, Boolean(opts.update && opts.id));
  return true;
}

// ---- kernel patches ----------------------------------------------------------------------

/** The project's root folder (two levels above this file). */
const PROJECT_ROOT = path.resolve(__dirname, "../..");

/** Replace this project's absolute folder in `text` with its path relative to `cwd`. */
export function scrubPaths(text: string, cwd = process.cwd(), root = PROJECT_ROOT): string {
  if (!text.includes(root)) return text;
  const rel = path.relative(cwd, root) || ".";
  return text.split(root).join(rel);
}

interface ZmqMsg {
  content: { code?: string };
  createReply(): { header: { msg_type: string }; content: unknown; signAndSend(key: string, sock: unknown): void };
}
interface ZmqServerThis {
  connInfo: { key: string };
  iopub: unknown;
  handler: { handleExecute(content: unknown, writeStream: (name: string, text: string) => void, writeDisplayData: (data: unknown, update: boolean) => void): Promise<Record<string, unknown>> };
}

const PATCHED = Symbol.for("gan-repro.tslab-patched");
let lastCompiled: string | null = null;

/**
 * Make the running tslab kernel report errors properly and keep machine paths out of outputs (see
 * the file comment). Idempotent; returns whether the kernel is patched.
 */
export function installKernelPatches(): boolean {
  const jupyter = tslabJupyter();
  const proto = jupyter?.ZmqServer?.prototype as (Record<string | symbol, unknown> & { handleExecute?: unknown }) | undefined;
  if (!proto || typeof proto.handleExecute !== "function") return false;
  if (proto[PATCHED]) return true;
  // tslab runs each cell's compiled code with vm.runInThisContext: keep the last one, to map stack
  // lines back to the cell's source.
  // (The module object itself, which tslab calls through; an ES import would be a read-only view.)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vm = require("node:vm") as typeof vmTypes;
  const run = vm.runInThisContext;
  try {
    vm.runInThisContext = function (code: string, options?: vmTypes.RunningScriptOptions | string) {
      if (typeof code === "string" && code.endsWith("})(__tslab__.exports, __tslab__.require)")) lastCompiled = code;
      return run.call(vm, code, options as vmTypes.RunningScriptOptions);
    } as typeof vm.runInThisContext;
  } catch {
    // Not replaceable here: errors then name the cell line only when Node prints it.
  }
  proto.handleExecute = async function (this: ZmqServerThis, sock: unknown, msg: ZmqMsg) {
    const send = (type: string, content: unknown) => {
      const m = msg.createReply();
      m.header.msg_type = type;
      m.content = content;
      m.signAndSend(this.connInfo.key, this.iopub);
    };
    // stderr is held back briefly, so the text of a failing cell's error can be taken off it.
    let held = "";
    let timer: NodeJS.Timeout | null = null;
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (held) send("stream", { name: "stderr", text: held });
      held = "";
    };
    const writeStream = (name: string, text: string) => {
      text = scrubPaths(text);
      if (name !== "stderr") {
        flush();
        send("stream", { name, text });
        return;
      }
      held += text;
      timer ??= setTimeout(flush, 100);
    };
    const writeDisplayData = (data: unknown, update: boolean) => {
      flush();
      send(update ? "update_display_data" : "display_data", data);
    };
    lastCompiled = null;
    const content = await this.handler.handleExecute(msg.content, writeStream, writeDisplayData);
    if (content.status === "error") {
      const parsed = parseErrorText(held);
      held = parsed ? parsed.before : held;
      flush();
      const error = parsed?.error ?? { ename: "Error", evalue: "the cell failed (the kernel printed no error message)", traceback: [] };
      const where = userCodeLine(error, String(msg.content.code ?? ""), lastCompiled);
      const traceback = where ? [`${error.ename}: ${error.evalue.split("\n")[0]}`, `  at ${where}`, ...error.traceback] : error.traceback;
      const full = { ename: error.ename, evalue: where ? `${error.evalue} (${where})` : error.evalue, traceback };
      send("error", full);
      Object.assign(content, full);
    } else flush();
    const reply = msg.createReply();
    reply.header.msg_type = "execute_reply";
    reply.content = content;
    reply.signAndSend(this.connInfo.key, sock);
  };
  proto[PATCHED] = true;
  // This cell's own output streams were set up before the patch: scrub them too.
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write;
    stream.write = ((chunk: unknown, ...rest: unknown[]) =>
      (write as (...a: unknown[]) => boolean).call(stream, typeof chunk === "string" ? scrubPaths(chunk) : chunk, ...rest)) as typeof stream.write;
  }
  return true;
}
