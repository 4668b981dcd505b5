/**
 * Checkpoints: every variable of every network (trainable or not), each optimizer's state (Adam
 * moments and step), the model's own state (e.g. BEGAN's k_t), the step, the seed and the log so
 * far, in one file: "GANCKPT1", a 4-byte header length, a JSON header, then float32 data.
 *
 * Writes are atomic and checked (durable-write.ts): the file is written beside the target, every
 * write checked for its full length, fsynced and renamed over it, so a crash, a kill or a full disk
 * while writing leaves the previous checkpoint intact. Reading checks the whole structure (header
 * fields, entry shapes and offsets, the data length) and reports any damage as one UserError. Loading checks the model name and every
 * variable's path and shape before touching anything: a checkpoint from another model or an
 * incompatible architecture is refused whole, never loaded half-way. Runs are deterministic in
 * (seed, step): batches and latent draws depend on nothing else, so a resumed run continues
 * exactly where it stopped.
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { UserError } from "../errors";
import { writeFileDurably } from "./durable-write";
import type { StepRecord } from "./trainer";
import type { GanModel } from "./types";

const MAGIC = "GANCKPT1";

interface Entry {
  name: string;
  shape: number[];
  dtype: string;
  offset: number;
}

export interface CheckpointHeader {
  format: typeof MAGIC;
  model: string;
  /** Number of steps completed: training resumes at this step. */
  step: number;
  seed: number;
  state: Record<string, unknown>;
  history: StepRecord[];
  variables: Entry[];
  optimizers: Record<string, Entry[]>;
  /** Free-form information for humans (config, date). */
  info: Record<string, unknown>;
}

/** Entries of an optimizer's state that getWeights leaves out (Adam's beta1^t and beta2^t). */
const BIAS_PREFIX = "@";

function biasCorrection(opt: tf.Optimizer): Record<string, tf.Variable> {
  const o = opt as unknown as { accBeta1?: unknown; accBeta2?: unknown };
  const out: Record<string, tf.Variable> = {};
  if (o.accBeta1 instanceof tf.Variable) out.accBeta1 = o.accBeta1;
  if (o.accBeta2 instanceof tf.Variable) out.accBeta2 = o.accBeta2;
  return out;
}

/** Every variable of the model by "<module>/<path>", in a fixed order. */
export function modelVariables(model: GanModel): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  for (const [m, mod] of Object.entries(model.modules())) for (const [p, v] of mod.namedVariables()) out.set(`${m}/${p}`, v);
  return out;
}

function pack(named: [string, tf.Tensor][], start: number, chunks: Float32Array[]): { entries: Entry[]; end: number } {
  let offset = start;
  const entries: Entry[] = [];
  for (const [name, t] of named) {
    const values = t.dataSync();
    const f32 = values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
    entries.push({ name, shape: t.shape, dtype: t.dtype, offset });
    chunks.push(f32);
    offset += f32.length;
  }
  return { entries, end: offset };
}

export interface SaveOptions {
  step: number;
  seed: number;
  history: StepRecord[];
  optimizers: Map<string, tf.Optimizer>;
  info?: Record<string, unknown>;
}

/** Write a checkpoint atomically (temporary file, then rename). */
export async function saveCheckpoint(file: string, model: GanModel, o: SaveOptions): Promise<void> {
  const chunks: Float32Array[] = [];
  const vars = pack([...modelVariables(model)], 0, chunks);
  let end = vars.end;
  const optimizers: Record<string, Entry[]> = {};
  for (const [name, opt] of o.optimizers) {
    const weights = await opt.getWeights();
    const named: [string, tf.Tensor][] = weights.map((w, i) => [`${i}:${w.name}`, w.tensor]);
    for (const [key, v] of Object.entries(biasCorrection(opt))) named.push([`${BIAS_PREFIX}${key}`, v]);
    const packed = pack(named, end, chunks);
    optimizers[name] = packed.entries;
    end = packed.end;
    tf.dispose(weights.map((w) => w.tensor).filter((t) => !(t instanceof tf.Variable)));
  }
  const header: CheckpointHeader = {
    format: MAGIC,
    model: model.name,
    step: o.step,
    seed: o.seed,
    state: model.state?.() ?? {},
    history: o.history,
    variables: vars.entries,
    optimizers,
    info: { savedAt: new Date().toISOString(), ...o.info },
  };
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const pad = Buffer.alloc((4 - ((MAGIC.length + 4 + json.length) % 4)) % 4);
  const parts = [Buffer.from(MAGIC), len, json, pad, ...chunks.map((c) => new Uint8Array(c.buffer, c.byteOffset, c.byteLength))];
  writeFileDurably(file, parts, "checkpoint");
}

/** The size in bytes a checkpoint of `values` float32 values and a header of about `headerBytes` takes. */
export function checkpointBytes(values: number, headerBytes: number): number {
  return MAGIC.length + 4 + headerBytes + 3 + 4 * values;
}

export interface LoadedCheckpoint {
  header: CheckpointHeader;
  /** Values by entry offset; read with `values(entry)`. */
  values(entry: Entry): Float32Array;
}

export function readCheckpoint(file: string): LoadedCheckpoint {
  if (!fs.existsSync(file)) throw new UserError(`checkpoint not found: ${file}`);
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    throw new UserError(`cannot read checkpoint ${file}: ${(err as Error).message}`);
  }
  if (buf.length < MAGIC.length + 4 || buf.subarray(0, MAGIC.length).toString("latin1") !== MAGIC) {
    throw new UserError(`${file} is not a gan-repro checkpoint`);
  }
  const len = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4 + len;
  if (start > buf.length) throw new UserError(`${file} is truncated (its header promises ${len} bytes, the file has ${buf.length - MAGIC.length - 4} after the length)`);
  let header: CheckpointHeader;
  try {
    header = JSON.parse(buf.subarray(MAGIC.length + 4, start).toString("utf8"));
  } catch {
    throw new UserError(`${file}: damaged checkpoint header (not valid JSON)`);
  }
  const problem = headerProblem(header);
  if (problem) throw new UserError(`${file}: damaged checkpoint header (${problem})`);
  const dataStart = start + ((4 - (start % 4)) % 4);
  const count = Math.max(0, Math.floor((buf.length - dataStart) / 4));
  // A copy at an aligned offset: Float32Array needs one, and the file's length may be anything.
  const data = new Float32Array(count);
  if (count > 0) new Uint8Array(data.buffer).set(buf.subarray(dataStart, dataStart + count * 4));
  const all = [...header.variables, ...Object.values(header.optimizers).flat()];
  const need = all.reduce((n, e) => Math.max(n, e.offset + size(e)), 0);
  if (count < need || buf.length - dataStart !== count * 4) {
    throw new UserError(`${file} is truncated or damaged (${buf.length - Math.min(dataStart, buf.length)} bytes of data, ${need * 4} expected)`);
  }
  return { header, values: (e) => data.subarray(e.offset, e.offset + size(e)) };
}

const size = (e: Entry) => e.shape.reduce((a, b) => a * b, 1);

function entryProblem(e: unknown, where: string): string | null {
  const x = e as Entry;
  if (typeof x !== "object" || x === null) return `${where} is not an entry`;
  if (typeof x.name !== "string") return `${where} has no name`;
  if (!Array.isArray(x.shape) || !x.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return `${x.name} has a bad shape`;
  if (!Number.isSafeInteger(x.offset) || x.offset < 0) return `${x.name} has a bad offset`;
  if (!["float32", "int32", "bool"].includes(x.dtype)) return `${x.name} has dtype ${JSON.stringify(x.dtype)}`;
  if (!Number.isSafeInteger(size(x))) return `${x.name} is too large`;
  return null;
}

/** What is wrong with a parsed header, or null. */
function headerProblem(h: unknown): string | null {
  const x = h as CheckpointHeader;
  if (typeof x !== "object" || x === null || Array.isArray(x)) return "not an object";
  if (x.format !== MAGIC) return `format ${JSON.stringify(x.format)}`;
  if (typeof x.model !== "string") return "no model name";
  if (!Number.isSafeInteger(x.step) || x.step < 0) return "no step count";
  if (!Number.isSafeInteger(x.seed)) return "no seed";
  if (!Array.isArray(x.variables)) return "no variable list";
  if (typeof x.optimizers !== "object" || x.optimizers === null || Array.isArray(x.optimizers)) return "no optimizer state";
  if (!Array.isArray(x.history) || !x.history.every((r) => typeof r === "object" && r !== null && Number.isSafeInteger(r.step) && typeof r.values === "object" && r.values !== null)) {
    return "a bad training log";
  }
  if (x.state !== undefined && (typeof x.state !== "object" || x.state === null)) return "bad model state";
  if (x.info !== undefined && (typeof x.info !== "object" || x.info === null)) return "bad info";
  for (const [i, e] of x.variables.entries()) {
    const p = entryProblem(e, `variable ${i}`);
    if (p) return p;
  }
  for (const [name, list] of Object.entries(x.optimizers)) {
    if (!Array.isArray(list)) return `optimizer ${name} has no entry list`;
    for (const [i, e] of list.entries()) {
      const p = entryProblem(e, `optimizer ${name} entry ${i}`);
      if (p) return p;
    }
  }
  return null;
}

/** Check a checkpoint fits the model: same model name and the same variables with the same shapes. */
export function checkCompatible(file: string, ck: LoadedCheckpoint, model: GanModel): void {
  const { header } = ck;
  if (header.model !== model.name) {
    throw new UserError(`${file} holds a "${header.model}" checkpoint, not "${model.name}": refusing to load it`);
  }
  const mine = modelVariables(model);
  const theirs = new Map(header.variables.map((e) => [e.name, e]));
  const problems: string[] = [];
  for (const [name, v] of mine) {
    const e = theirs.get(name);
    if (!e) problems.push(`missing ${name}`);
    else if (e.shape.join("x") !== v.shape.join("x")) problems.push(`${name} is ${e.shape.join("x")} in the checkpoint, ${v.shape.join("x")} here`);
  }
  for (const name of theirs.keys()) if (!mine.has(name)) problems.push(`unexpected ${name}`);
  if (problems.length) {
    const shown = problems.slice(0, 4).join("; ") + (problems.length > 4 ? `; and ${problems.length - 4} more` : "");
    throw new UserError(`${file} does not fit this ${model.name} architecture (${shown}): refusing to load it`);
  }
}

/**
 * Load variables, optimizer state and model state into a model and fresh optimizers (that have
 * not stepped yet). Everything is checked before anything changes.
 */
export async function loadCheckpoint(file: string, model: GanModel, optimizers: Map<string, tf.Optimizer>): Promise<CheckpointHeader> {
  const ck = readCheckpoint(file);
  checkCompatible(file, ck, model);
  const { header } = ck;
  for (const name of optimizers.keys()) {
    if (!header.optimizers[name]) throw new UserError(`${file} has no optimizer state for ${name}: refusing to load it`);
  }
  const vars = modelVariables(model);
  tf.tidy(() => {
    for (const e of header.variables) {
      const v = vars.get(e.name)!;
      v.assign(tf.tensor(ck.values(e), e.shape, v.dtype));
    }
  });
  for (const [name, opt] of optimizers) {
    const entries = header.optimizers[name];
    const weights = entries
      .filter((e) => !e.name.startsWith(BIAS_PREFIX))
      .map((e) => ({ name: e.name.slice(e.name.indexOf(":") + 1), tensor: tf.tensor(ck.values(e), e.shape, e.dtype as tf.DataType) }));
    await opt.setWeights(weights);
    // setWeights recomputes Adam's bias-correction powers as beta^(t+1) with pow, which differs in
    // the last bits from the running product the uninterrupted run has: restore the saved ones.
    const bias = biasCorrection(opt);
    for (const e of entries) {
      const v = e.name.startsWith(BIAS_PREFIX) ? bias[e.name.slice(BIAS_PREFIX.length)] : undefined;
      if (v && e.shape.length === 0) v.assign(tf.scalar(ck.values(e)[0]));
    }
    tf.dispose(weights.map((w) => w.tensor));
  }
  model.loadState?.(header.state);
  return header;
}
