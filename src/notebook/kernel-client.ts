/**
 * A minimal Jupyter client for the tslab kernel, so notebooks run headlessly without Python or
 * Jupyter: it writes a connection file, starts `tslab kernel` as a child process, and speaks the
 * Jupyter messaging protocol (v5.3) over zeromq.
 *
 * tslab specifics handled here: it never sends `error` or `execute_result` messages (the value of
 * a cell's last expression is printed to stdout, and a failure is printed to stderr with
 * execute_reply status "error"), so a failing cell's trailing stderr text is turned into an
 * nbformat `error` output. Once a notebook has loaded the kit, the kit's kernel patch
 * (tslab.ts) sends a proper `error` message itself, which is used as is.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as zmq from "zeromq";
import { UserError } from "../errors";
import { parseErrorText } from "./kernel-errors";

// ---- nbformat v4 outputs -------------------------------------------------------------------

export type MimeBundle = Record<string, unknown>;
export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: string;
}
export interface DisplayDataOutput {
  output_type: "display_data";
  data: MimeBundle;
  metadata: Record<string, unknown>;
}
export interface ExecuteResultOutput {
  output_type: "execute_result";
  execution_count: number | null;
  data: MimeBundle;
  metadata: Record<string, unknown>;
}
export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface ExecuteResult {
  /** "timeout": the cell did not finish in time (the kernel may still be busy: shut it down). */
  status: "ok" | "error" | "abort" | "timeout";
  executionCount: number | null;
  outputs: Output[];
  /** Set when status is "error": the cell's error (also the last entry of `outputs`). */
  error?: ErrorOutput;
  /** Wall time from sending the request to the end of the cell, in milliseconds. */
  ms: number;
}

export interface KernelOptions {
  /** Working directory of the kernel (relative imports in cells resolve from here). */
  cwd?: string;
  /** Extra environment variables for the kernel, on top of this process's environment. */
  env?: Record<string, string>;
  /** How long to wait for the kernel to answer its first kernel_info_request (default 60 s). */
  startTimeoutMs?: number;
}

// ---- wire protocol ---------------------------------------------------------------------------

const DELIM = "<IDS|MSG>";
const PROTOCOL_VERSION = "5.3";

interface Header {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}
interface Message {
  header: Header;
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
}

interface Connection {
  transport: "tcp";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  signature_scheme: "hmac-sha256";
  key: string;
  kernel_name: string;
}

function sign(key: string, parts: string[]): string {
  const h = crypto.createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

/** Frames of a message: [identities..., "<IDS|MSG>", signature, header, parent, metadata, content]. */
export function encodeMessage(key: string, msg: Message): string[] {
  const body = [JSON.stringify(msg.header), JSON.stringify(msg.parent_header), JSON.stringify(msg.metadata), JSON.stringify(msg.content)];
  return [DELIM, sign(key, body), ...body];
}

/** Parse and verify a received multipart message; null when it is malformed or badly signed. */
export function decodeMessage(key: string, frames: Buffer[]): Message | null {
  const at = frames.findIndex((f) => f.length === DELIM.length && f.toString() === DELIM);
  if (at < 0 || frames.length < at + 6) return null;
  const signature = frames[at + 1].toString();
  const body = frames.slice(at + 2, at + 6).map((f) => f.toString("utf8"));
  const expected = sign(key, body);
  if (signature.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) return null;
  try {
    return {
      header: JSON.parse(body[0]),
      parent_header: JSON.parse(body[1]),
      metadata: JSON.parse(body[2]),
      content: JSON.parse(body[3]),
    };
  } catch {
    return null;
  }
}

async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => resolve());
      });
      ports.push((s.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** Sends on one zeromq socket one at a time (zeromq rejects overlapping sends with EBUSY). */
class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly sock: zmq.Dealer) {}
  send(frames: string[]): Promise<void> {
    const next = this.tail.then(() => this.sock.send(frames));
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/**
 * Runs in a worker thread of the kernel process: once its parent is gone, remove the connection
 * folder (a killed parent cannot) and stop the kernel.
 */
const WATCHDOG = [
  "const fs = require('fs');",
  "const { ppid, connDir } = require('worker_threads').workerData;",
  "const parent = () => {",
  "  try { const st = fs.readFileSync('/proc/self/stat', 'utf8'); return Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]); }",
  "  catch { try { process.kill(ppid, 0); return ppid; } catch { return -1; } }",
  "};",
  // The kernel leads its own process group (spawned detached): SIGTERM the group, so what a cell
  // started (a sweep's train, say) saves its checkpoint and stops too, then SIGKILL what is left.
  "const group = (sig) => { try { process.kill(-process.pid, sig); } catch { process.kill(process.pid, sig); } };",
  "const orphaned = () => {",
  "  try { fs.rmSync(connDir, { recursive: true, force: true }); } catch {}",
  "  group('SIGTERM'); setTimeout(() => group('SIGKILL'), 10000);",
  "};",
  "setInterval(() => { if (parent() !== ppid) orphaned(); }, 500);",
].join("\n");

/** Code run in the kernel process: the watchdog thread, exit when stdin closes (the parent died), then tslab. */
const LAUNCHER = [
  // A kernel busy in a long cell never sees its stdin close when the runner dies (SIGKILL, OOM):
  // a watchdog thread kills it once this process has a new parent.
  // In a block: a top-level `const Worker` would shadow globalThis.Worker for every script of the
  // kernel, and the wasm backend's threads need the kit's Worker shim there (src/backend/wasm-threads.ts).
  "{ const { Worker } = require('worker_threads');",
  // The last argument is the connection file (start() passes --config-path last).
  "  const connDir = require('path').dirname(process.argv[process.argv.length - 1]);",
  `  new Worker(${JSON.stringify(WATCHDOG)}, { eval: true, workerData: { ppid: process.ppid, connDir } }).unref(); }`,
  "process.stdin.on('end', () => process.exit(0));",
  "process.stdin.on('error', () => process.exit(0));",
  "process.stdin.resume();",
  "if (typeof process.stdin.unref === 'function') process.stdin.unref();",
  "const [bin, ...args] = process.argv.slice(1);",
  "process.argv = [process.argv[0], bin, ...args];",
  "require(bin);",
].join("\n");

// ---- per-request state ---------------------------------------------------------------------

interface Pending {
  outputs: Output[];
  clearOnNext: boolean;
  idle: boolean;
  reply: Record<string, unknown> | null;
  done: () => void;
}

// ---- the client ------------------------------------------------------------------------------

export class KernelClient {
  private readonly session = crypto.randomUUID();
  private readonly pending = new Map<string, Pending>();
  /**
   * display_id -> the outputs showing it, over the whole session: as in Jupyter, an
   * update_display_data replaces a display shown by an earlier cell too (the output objects
   * execute() returned change in place).
   */
  private readonly displays = new Map<string, DisplayDataOutput[]>();
  private readonly sendShell: SendQueue;
  private readonly sendControl: SendQueue;
  private stderrTail = "";
  private exited: { code: number | null; signal: string | null } | null = null;
  private exitWaiters: (() => void)[] = [];
  private closed = false;
  private readonly killOnExit = () => {
    this.signalGroup("SIGKILL");
    fs.rmSync(this.connDir, { recursive: true, force: true }); // the connection file, as shutdown() would
  };

  /**
   * Send `signal` to the kernel's process group: the kernel and every process a cell started
   * (spawned detached, the kernel leads its own group). Returns false when no process is left in it.
   */
  private signalGroup(signal: NodeJS.Signals | 0): boolean {
    const pid = this.child.pid;
    if (pid === undefined) return false;
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      if (this.exited) return false;
      try {
        this.child.kill(signal === 0 ? 0 : signal);
        return true;
      } catch {
        return false;
      }
    }
  }

  private constructor(
    private readonly child: ChildProcess,
    private readonly conn: Connection,
    private readonly connDir: string,
    private readonly shell: zmq.Dealer,
    private readonly iopub: zmq.Subscriber,
    private readonly control: zmq.Dealer,
  ) {
    this.sendShell = new SendQueue(shell);
    this.sendControl = new SendQueue(control);
    process.on("exit", this.killOnExit);
    const keep = (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-16384);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const onExit = (code: number | null, signal: string | null) => {
      if (this.exited) return;
      this.exited = { code, signal };
      for (const w of this.exitWaiters.splice(0)) w();
      // Wake every request still waiting: it will see `exited`.
      for (const p of this.pending.values()) p.done();
    };
    child.on("exit", onExit);
    // No process at all (spawn failed): there will be no "exit" event.
    child.on("error", () => {
      if (child.pid === undefined) onExit(null, null);
    });
    void this.readLoop(shell, (m) => this.onReply(m));
    void this.readLoop(control, (m) => this.onReply(m));
    void this.readLoop(iopub, (m) => this.onIopub(m));
  }

  /** Start a tslab kernel and wait until it answers a kernel_info_request on shell and iopub. */
  static async start(opts: KernelOptions = {}): Promise<KernelClient> {
    const cwd = path.resolve(opts.cwd ?? process.cwd());
    if (!fs.statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) throw new UserError(`kernel working directory not found: ${cwd}`);
    const [shell_port, iopub_port, stdin_port, control_port, hb_port] = await freePorts(5);
    const conn: Connection = {
      transport: "tcp",
      ip: "127.0.0.1",
      shell_port,
      iopub_port,
      stdin_port,
      control_port,
      hb_port,
      signature_scheme: "hmac-sha256",
      key: crypto.randomBytes(32).toString("hex"),
      kernel_name: "tslab",
    };
    const connDir = fs.mkdtempSync(path.join(os.tmpdir(), "gan-kernel-"));
    const connFile = path.join(connDir, "kernel.json");
    fs.writeFileSync(connFile, JSON.stringify(conn, null, 2), { mode: 0o600 });
    let tslabBin: string;
    try {
      tslabBin = path.join(path.dirname(require.resolve("tslab/package.json")), "bin", "tslab");
    } catch {
      throw new UserError("the tslab package is not installed (run npm install)");
    }
    // Its own process group, so stopping the kernel also stops what its cells started (a sweep's
    // train and eval processes), instead of leaving them running with nobody to wait for them.
    const child = spawn(process.execPath, ["-e", LAUNCHER, tslabBin, "kernel", "--config-path", connFile], {
      cwd,
      env: { ...process.env, ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    const addr = (port: number) => `tcp://${conn.ip}:${port}`;
    const shell = new zmq.Dealer({ linger: 0 });
    const iopub = new zmq.Subscriber({ linger: 0 });
    const control = new zmq.Dealer({ linger: 0 });
    shell.connect(addr(shell_port));
    iopub.connect(addr(iopub_port));
    iopub.subscribe();
    control.connect(addr(control_port));
    const client = new KernelClient(child, conn, connDir, shell, iopub, control);
    const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
    try {
      await client.handshake(opts.startTimeoutMs ?? 60_000, spawnError);
    } catch (err) {
      await client.shutdown();
      throw err;
    }
    return client;
  }

  /** The kernel's process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Send kernel_info_request until the reply comes back on shell and its status messages reach
   * iopub (a subscriber misses whatever was published before it finished connecting).
   */
  private async handshake(timeoutMs: number, spawnError: Promise<Error>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let failed: Error | null = null;
    void spawnError.then((e) => (failed = e));
    while (true) {
      const { id, finished } = this.request("kernel_info_request", {}, this.sendShell);
      const ok = await Promise.race([finished.then(() => true), sleep(500).then(() => false)]);
      if (ok && !this.exited) return;
      this.pending.delete(id);
      if (failed) throw new UserError(`could not start the tslab kernel: ${(failed as Error).message}`);
      if (this.exited) {
        const how = this.exited.signal ? `signal ${this.exited.signal}` : `code ${this.exited.code}`;
        throw new UserError(`the tslab kernel failed to start (exited with ${how}): ${summarize(this.stderrTail) || "no output"}`);
      }
      if (Date.now() > deadline) {
        throw new UserError(`the tslab kernel did not answer within ${Math.round(timeoutMs / 1000)} s${this.stderrTail ? `: ${summarize(this.stderrTail)}` : ""}`);
      }
    }
  }

  /** Send a request; `finished` resolves when both its reply and its idle status have arrived. */
  private request(msgType: string, content: Record<string, unknown>, queue: SendQueue): { id: string; finished: Promise<Pending> } {
    const header: Header = {
      msg_id: crypto.randomUUID(),
      msg_type: msgType,
      session: this.session,
      username: process.env.USER ?? "gan-repro",
      date: new Date().toISOString(),
      version: PROTOCOL_VERSION,
    };
    let done!: () => void;
    const wake = new Promise<void>((resolve) => (done = resolve));
    const p: Pending = { outputs: [], clearOnNext: false, idle: false, reply: null, done };
    this.pending.set(header.msg_id, p);
    const finished = (async () => {
      await queue.send(encodeMessage(this.conn.key, { header, parent_header: {}, metadata: {}, content }));
      await wake;
      return p;
    })();
    finished.catch(() => undefined); // callers that stop waiting must not leave an unhandled rejection
    return { id: header.msg_id, finished };
  }

  /**
   * Run `code` as one cell. Resolves with the cell's outputs in nbformat v4 form once the kernel
   * has replied and gone idle; status "timeout" (with the outputs so far) after `timeoutMs`.
   */
  async execute(code: string, { timeoutMs = 3_600_000 }: { timeoutMs?: number } = {}): Promise<ExecuteResult> {
    if (this.closed) throw new Error("the kernel has been shut down");
    const t0 = Date.now();
    const content = { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true };
    const { id, finished } = this.request("execute_request", content, this.sendShell);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
    try {
      const p = await Promise.race([finished, timedOut]);
      const state = this.pending.get(id)!;
      const outputs = state.outputs;
      if (!p) return { status: "timeout", executionCount: null, outputs, ms: Date.now() - t0 };
      if (this.exited && !(p.reply && p.idle)) {
        const how = this.exited.signal ? `signal ${this.exited.signal}` : `code ${this.exited.code}`;
        const error: ErrorOutput = {
          output_type: "error",
          ename: "KernelDied",
          evalue: `the tslab kernel exited with ${how}`,
          traceback: this.stderrTail ? this.stderrTail.trimEnd().split("\n").slice(-40) : [],
        };
        outputs.push(error);
        return { status: "error", executionCount: null, outputs, error, ms: Date.now() - t0 };
      }
      const reply = p.reply!;
      const status = reply.status === "ok" ? "ok" : reply.status === "abort" || reply.status === "aborted" ? "abort" : "error";
      const executionCount = typeof reply.execution_count === "number" ? reply.execution_count : null;
      for (const o of outputs) if (o.output_type === "execute_result") o.execution_count = executionCount;
      if (status !== "error") return { status, executionCount, outputs, ms: Date.now() - t0 };
      let error = outputs.find((o): o is ErrorOutput => o.output_type === "error");
      if (!error) {
        error = errorFromStderr(outputs, reply);
        outputs.push(error);
      }
      return { status, executionCount, outputs, error, ms: Date.now() - t0 };
    } finally {
      clearTimeout(timer);
      this.pending.delete(id);
    }
  }

  /**
   * Ask the kernel to shut down (control channel); if it has not exited within `graceMs`, SIGTERM
   * its process group (the kernel and what its cells started: a training run saves its checkpoint
   * on SIGTERM), then SIGKILL whatever is still there after `termMs`. Processes a cell left
   * running get the same SIGTERM-then-SIGKILL after a graceful shutdown.
   */
  async shutdown({ graceMs = 3000, termMs = 15000 }: { graceMs?: number; termMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.exited) {
      const exited = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
      const { id } = this.request("shutdown_request", { restart: false }, this.sendControl);
      await Promise.race([exited, sleep(graceMs)]);
      this.pending.delete(id);
    }
    if (this.signalGroup(0)) {
      this.signalGroup("SIGTERM");
      const t0 = Date.now();
      while (this.signalGroup(0) && Date.now() - t0 < termMs) await sleep(100);
      this.signalGroup("SIGKILL");
      if (!this.exited) await Promise.race([new Promise<void>((resolve) => this.exitWaiters.push(resolve)), sleep(2000)]);
    }
    process.off("exit", this.killOnExit);
    this.shell.close();
    this.iopub.close();
    this.control.close();
    this.child.stdin?.destroy();
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    fs.rmSync(this.connDir, { recursive: true, force: true });
  }

  private async readLoop(sock: zmq.Dealer | zmq.Subscriber, handle: (m: Message) => void): Promise<void> {
    try {
      for await (const frames of sock) {
        const msg = decodeMessage(this.conn.key, frames as Buffer[]);
        if (msg) handle(msg);
      }
    } catch {
      // The socket was closed.
    }
  }

  private onReply(msg: Message): void {
    const p = this.pending.get(msg.parent_header.msg_id ?? "");
    if (!p) return;
    p.reply = msg.content;
    if (p.idle) p.done();
  }

  private onIopub(msg: Message): void {
    const p = this.pending.get(msg.parent_header.msg_id ?? "");
    if (!p) return; // late output of an earlier cell, or another client's request
    const c = msg.content;
    const add = (o: Output) => {
      if (p.clearOnNext) {
        p.outputs.length = 0;
        p.clearOnNext = false;
      }
      const last = p.outputs[p.outputs.length - 1];
      if (o.output_type === "stream" && last?.output_type === "stream" && last.name === o.name) last.text += o.text;
      else p.outputs.push(o);
    };
    switch (msg.header.msg_type) {
      case "status":
        if (c.execution_state === "idle") {
          p.idle = true;
          if (p.reply) p.done();
        }
        break;
      case "stream":
        add({ output_type: "stream", name: c.name === "stderr" ? "stderr" : "stdout", text: String(c.text ?? "") });
        break;
      case "display_data": {
        const o: DisplayDataOutput = { output_type: "display_data", data: (c.data ?? {}) as MimeBundle, metadata: (c.metadata ?? {}) as Record<string, unknown> };
        add(o);
        const id = (c.transient as { display_id?: string } | undefined)?.display_id;
        if (id) this.displays.set(id, [...(this.displays.get(id) ?? []), o]);
        break;
      }
      case "update_display_data": {
        const id = (c.transient as { display_id?: string } | undefined)?.display_id;
        for (const o of (id && this.displays.get(id)) || []) {
          o.data = (c.data ?? {}) as MimeBundle;
          o.metadata = (c.metadata ?? {}) as Record<string, unknown>;
        }
        break;
      }
      case "execute_result":
        add({
          output_type: "execute_result",
          execution_count: typeof c.execution_count === "number" ? c.execution_count : null,
          data: (c.data ?? {}) as MimeBundle,
          metadata: (c.metadata ?? {}) as Record<string, unknown>,
        });
        break;
      case "error":
        add({ output_type: "error", ename: String(c.ename ?? "Error"), evalue: String(c.evalue ?? ""), traceback: (c.traceback ?? []) as string[] });
        break;
      case "clear_output":
        if (c.wait) p.clearOnNext = true;
        else p.outputs.length = 0;
        break;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** A kernel's stderr on one line: its non-stack lines, joined, at most 600 characters. */
function summarize(text: string): string {
  const lines = text
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "" && !/^\s+at /.test(l));
  const s = lines.join(" | ");
  return s.length > 600 ? `${s.slice(0, 600)}...` : s;
}

/**
 * tslab reports a failed cell by printing to stderr (the kit's kernel patch, once loaded, sends an
 * `error` message too). Without one, take the error off the end of the cell's stderr
 * (kernel-errors.ts) and turn it into an nbformat error output.
 */
function errorFromStderr(outputs: Output[], reply: Record<string, unknown>): ErrorOutput {
  if (typeof reply.ename === "string" && reply.ename !== "") {
    return { output_type: "error", ename: reply.ename, evalue: String(reply.evalue ?? ""), traceback: (reply.traceback ?? []) as string[] };
  }
  let idx = -1;
  for (let i = outputs.length - 1; i >= 0; i--) {
    const o = outputs[i];
    if (o.output_type === "stream" && o.name === "stderr") {
      idx = i;
      break;
    }
  }
  const parsed = idx >= 0 ? parseErrorText((outputs[idx] as StreamOutput).text) : null;
  if (!parsed) return { output_type: "error", ename: "Error", evalue: "the cell failed (the kernel printed no error message)", traceback: [] };
  if (parsed.before === "") outputs.splice(idx, 1);
  else (outputs[idx] as StreamOutput).text = parsed.before;
  return { output_type: "error", ...parsed.error };
}
