/**
 * Checkpoints: every variable of every network (trainable or not), each optimizer's state (Adam
 * moments and step), the model's own state (e.g. BEGAN's k_t), the step, the seed and the log so
 * far, in one file: "GANCKPT1", a 4-byte header length, a JSON header, then float32 data.
 *
 * Writes are atomic: the file is written beside the target and renamed over it, so a crash while
 * writing leaves the previous checkpoint intact. Loading checks the model name and every
 * variable's path and shape before touching anything: a checkpoint from another model or an
 * incompatible architecture is refused whole, never loaded half-way. Runs are deterministic in
 * (seed, step): batches and latent draws depend on nothing else, so a resumed run continues
 * exactly where it stopped.
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { UserError } from "../errors";
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
    const packed = pack(weights.map((w, i) => [`${i}:${w.name}`, w.tensor]), end, chunks);
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
  const body = Buffer.concat([Buffer.from(MAGIC), len, json, pad, ...chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength))]);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, body);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export interface LoadedCheckpoint {
  header: CheckpointHeader;
  /** Values by entry offset; read with `values(entry)`. */
  values(entry: Entry): Float32Array;
}

export function readCheckpoint(file: string): LoadedCheckpoint {
  if (!fs.existsSync(file)) throw new UserError(`checkpoint not found: ${file}`);
  const buf = fs.readFileSync(file);
  if (buf.length < MAGIC.length + 4 || buf.subarray(0, MAGIC.length).toString() !== MAGIC) {
    throw new UserError(`${file} is not a gan-repro checkpoint`);
  }
  const len = buf.readUInt32LE(MAGIC.length);
  let header: CheckpointHeader;
  try {
    header = JSON.parse(buf.subarray(MAGIC.length + 4, MAGIC.length + 4 + len).toString());
  } catch {
    throw new UserError(`${file}: damaged checkpoint header`);
  }
  const start = MAGIC.length + 4 + len;
  const dataStart = start + ((4 - (start % 4)) % 4);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + dataStart, buf.byteOffset + buf.length));
  const all = [...header.variables, ...Object.values(header.optimizers).flat()];
  const need = all.reduce((n, e) => Math.max(n, e.offset + e.shape.reduce((a, b) => a * b, 1)), 0);
  if (data.length < need) throw new UserError(`${file} is truncated (${data.length} of ${need} values)`);
  return { header, values: (e) => data.subarray(e.offset, e.offset + e.shape.reduce((a, b) => a * b, 1)) };
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
    const weights = entries.map((e) => ({ name: e.name.slice(e.name.indexOf(":") + 1), tensor: tf.tensor(ck.values(e), e.shape, e.dtype as tf.DataType) }));
    await opt.setWeights(weights);
    tf.dispose(weights.map((w) => w.tensor));
  }
  model.loadState?.(header.state);
  return header;
}
