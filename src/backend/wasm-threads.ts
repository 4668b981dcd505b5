/**
 * Multi-threaded wasm under Node: a runtime shim that lets @tensorflow/tfjs-backend-wasm 4.22's
 * threaded-SIMD build start its pthread workers on Node's worker_threads (as shipped it creates
 * them from a blob: URL, which Node refuses). Four things stand in the way, each handled below:
 * the multithread flag is forced off under Node; the glue sets `global.Worker` to worker_threads'
 * Worker and hands it a blob: URL; each worker is told to load the main script from a Blob; and
 * backend.cc caps XNNPACK's threads at half the logical cores (1 on a 2-core machine).
 * Nothing in node_modules is modified. It relies on 4.22's file layout and Emscripten internals
 * (PThread.unusedWorkers / pthreads), so select.ts checks threadedWasmUnavailable() first and, when
 * the thread count was left on "auto", falls back to the single-threaded build if anything fails.
 */
import * as fs from "fs";
import * as path from "path";
import os = require("os"); // the real module object (a namespace import's cpus would be read-only)
import { Worker as NodeWorker, type WorkerOptions } from "worker_threads";
import type * as TF from "@tensorflow/tfjs";

interface PThreadApi {
  unusedWorkers: NodeWorker[];
  pthreads: Record<string, NodeWorker>;
}
function pthreadApi(tf: typeof TF): PThreadApi | undefined {
  const b = tf.findBackend("wasm") as unknown as { wasm?: { PThread?: PThreadApi } } | undefined;
  return b?.wasm?.PThread;
}

function wasmPackageDir(): string {
  return path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json"));
}
const THREADED_FILES = ["tfjs-backend-wasm-threaded-simd.js", "tfjs-backend-wasm-threaded-simd.worker.js", "tfjs-backend-wasm-threaded-simd.wasm"];

/** Why the threaded build cannot start in this process, or null when everything it needs is here. */
export function threadedWasmUnavailable(): string | null {
  if (typeof SharedArrayBuffer === "undefined") return "SharedArrayBuffer is not available";
  if (typeof Atomics === "undefined") return "Atomics is not available";
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
  } catch {
    return "this runtime cannot create shared WebAssembly memory";
  }
  const dir = path.join(wasmPackageDir(), "wasm-out");
  const missing = THREADED_FILES.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length) return `@tensorflow/tfjs-backend-wasm has no ${missing.join(", ")} (another version than 4.22?)`;
  return null;
}

let installed = false;
function installWorkerShim(): void {
  if (installed) return;
  const pkgDir = wasmPackageDir();
  // The pthread bootstrap tfjs puts in a blob: URL. It sits in a template literal, so its "\n" escapes
  // became real newlines inside string literals; re-escape them as tfjs does.
  const { wasmWorkerContents } = require(path.join(pkgDir, "wasm-out/tfjs-backend-wasm-threaded-simd.worker.js")) as {
    wasmWorkerContents: string;
  };
  const workerSrc = wasmWorkerContents.replace(/\n/g, "\\n");
  // The Emscripten glue each worker importScripts() (its Node importScripts = fs.readFileSync + eval).
  const gluePath = path.join(pkgDir, "wasm-out/tfjs-backend-wasm-threaded-simd.js");

  class PthreadWorker extends NodeWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      if (typeof url === "string" && url.startsWith("blob:")) super(workerSrc, { eval: true });
      else super(url, options);
    }
    override postMessage(msg: unknown, transferList?: readonly any[]): void {
      const m = msg as { cmd?: string; urlOrBlob?: unknown } | null;
      // Module.mainScriptUrlOrBlob is a Blob; the worker can't importScripts() its blob: URL.
      if (m && m.cmd === "load" && typeof m.urlOrBlob !== "string") msg = { ...m, urlOrBlob: gluePath };
      super.postMessage(msg, transferList as any);
    }
  }
  // The glue runs `global.Worker = require("worker_threads").Worker` inside its factory; ignore that.
  Object.defineProperty(globalThis, "Worker", { configurable: true, get: () => PthreadWorker, set: () => {} });
  installed = true;
}

/** Start the wasm backend with `numThreads` threads; use instead of tf.setBackend("wasm"), before anything else starts wasm. */
export async function setWasmBackendThreaded(tf: typeof TF, numThreads: number): Promise<boolean> {
  installWorkerShim();
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true); // the flag's detector returns false whenever IS_NODE
  const wasm = require("@tensorflow/tfjs-backend-wasm") as typeof import("@tensorflow/tfjs-backend-wasm");
  wasm.setThreadsCount(numThreads);
  // backend.cc caps threads at emscripten_num_logical_cores()/2, which the glue computes as
  // require("os").cpus().length: on a 2-CPU box that is 1. Report >= 2*numThreads CPUs during init only.
  const realCpus = os.cpus;
  (os as { cpus: typeof os.cpus }).cpus = () => {
    const c = realCpus.call(os);
    while (c.length < 2 * numThreads) c.push(c[0]);
    return c;
  };
  let ok = false;
  try {
    ok = await tf.setBackend("wasm");
  } finally {
    (os as { cpus: typeof os.cpus }).cpus = realCpus;
    if (!ok) {
      // Leave the single-threaded build selectable again.
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
      wasm.setThreadsCount(1);
    }
  }
  const pt = pthreadApi(tf);
  if (ok && pt) {
    // Emscripten pre-spawns 8 workers (PTHREAD_POOL_SIZE=8); XNNPACK's pool now holds numThreads-1 of them.
    for (const w of pt.unusedWorkers.splice(0)) void w.terminate();
    // Emscripten ref()s running pthread workers, which would keep the process alive at exit.
    for (const w of Object.values(pt.pthreads)) w.unref();
  }
  return ok;
}
