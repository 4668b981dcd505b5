/**
 * NumPy .npy files (format version 1.0): write float32 arrays, read float32 / float64 / uint8
 * arrays in C order. The format: the bytes \x93NUMPY, version 1 0, a little-endian uint16 header
 * length, a Python-dict header ({'descr': '<f4', 'fortran_order': False, 'shape': (n, h, w, c), })
 * padded with spaces and a newline so the data starts at a multiple of 64 bytes, then the data.
 */
import * as fs from "fs";
import { UserError } from "../errors";

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

export function npyBytes(data: Float32Array, shape: number[]): Buffer {
  if (shape.reduce((a, b) => a * b, 1) !== data.length) throw new Error(`npy: shape ${shape} does not hold ${data.length} values`);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const unpadded = MAGIC.length + 2 + 2 + header.length + 1;
  header += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const len = Buffer.alloc(2);
  len.writeUInt16LE(header.length);
  return Buffer.concat([MAGIC, Buffer.from([1, 0]), len, Buffer.from(header, "latin1"), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

export function writeNpy(file: string, data: Float32Array, shape: number[]): string {
  fs.writeFileSync(file, npyBytes(data, shape));
  return file;
}

export interface NpyArray {
  shape: number[];
  dtype: "float32" | "float64" | "uint8";
  /** The values as float32 (uint8 stays 0..255). */
  data: Float32Array;
}

/** Parse .npy bytes (`what` names the source in errors). */
export function parseNpy(buf: Buffer, what: string): NpyArray {
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw new UserError(`${what} is not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  if (buf.length < start + headerLen) throw new UserError(`${what}: truncated .npy header`);
  const header = buf.subarray(start, start + headerLen).toString("latin1");
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new UserError(`${what}: unreadable .npy header ${JSON.stringify(header.trim())}`);
  if (fortran === "True") throw new UserError(`${what}: Fortran-ordered arrays are not supported (save with np.ascontiguousarray)`);
  const shape = shapeText.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const body = buf.subarray(start + headerLen);
  const kinds: Record<string, ["float32" | "float64" | "uint8", number]> = { "<f4": ["float32", 4], "<f8": ["float64", 8], "|u1": ["uint8", 1], "<u1": ["uint8", 1] };
  const kind = kinds[descr];
  if (!kind) throw new UserError(`${what}: dtype ${descr} is not supported (use float32, float64 or uint8)`);
  if (body.length < count * kind[1]) throw new UserError(`${what} is truncated (${body.length} of ${count * kind[1]} data bytes)`);
  const copy = Buffer.from(body.subarray(0, count * kind[1])); // aligned copy
  const ab = copy.buffer.slice(copy.byteOffset, copy.byteOffset + copy.byteLength);
  const data = kind[0] === "float32" ? new Float32Array(ab) : kind[0] === "float64" ? Float32Array.from(new Float64Array(ab)) : Float32Array.from(new Uint8Array(ab));
  return { shape, dtype: kind[0], data };
}

export function readNpy(file: string): NpyArray {
  if (!fs.existsSync(file)) throw new UserError(`file not found: ${file}`);
  return parseNpy(fs.readFileSync(file), file);
}
