/**
 * Count the data that crosses between JavaScript and the backend while `f` runs: uploads (tensors
 * made from JavaScript values: the batch, latent noise, scalar constants) and downloads (values read
 * back: dataSync / data / arraySync). Used by `npm run bench` and the tests to keep a training step
 * down to the batch in and a few loss values out.
 */
import * as tf from "@tensorflow/tfjs";

export interface Transfers {
  uploads: number;
  uploadValues: number;
  downloads: number;
  downloadValues: number;
  /** Sizes (in values) of every upload of more than one value. */
  largeUploads: number[];
  /** Sizes of every download. */
  downloadSizes: number[];
}

type Patchable = { write: (...a: any[]) => unknown; readSync: (...a: any[]) => any; read: (...a: any[]) => Promise<any> };

export function countTransfers<T>(f: () => T): { result: T; transfers: Transfers } {
  const backend = tf.backend() as unknown as Patchable;
  const t: Transfers = { uploads: 0, uploadValues: 0, downloads: 0, downloadValues: 0, largeUploads: [], downloadSizes: [] };
  const own = (k: keyof Patchable) => Object.prototype.hasOwnProperty.call(backend, k);
  const had = { write: own("write"), readSync: own("readSync"), read: own("read") };
  const { write, readSync, read } = backend;
  const download = (v: { length: number }) => {
    t.downloads++;
    t.downloadValues += v.length;
    t.downloadSizes.push(v.length);
  };
  backend.write = function (values: { length: number } | null, ...rest: unknown[]) {
    // Kernel outputs are made with null values: only real data counts.
    if (values != null) {
      t.uploads++;
      t.uploadValues += values.length;
      if (values.length > 1) t.largeUploads.push(values.length);
    }
    return write.call(this, values, ...rest);
  };
  backend.readSync = function (...args: unknown[]) {
    const v = readSync.apply(this, args);
    download(v);
    return v;
  };
  backend.read = async function (...args: unknown[]) {
    const v = await read.apply(this, args);
    download(v);
    return v;
  };
  const restore = () => {
    for (const k of ["write", "readSync", "read"] as const) {
      if (had[k]) (backend as any)[k] = { write, readSync, read }[k];
      else delete (backend as any)[k];
    }
  };
  try {
    return { result: f(), transfers: t };
  } finally {
    restore();
  }
}
