/**
 * The one place that chooses the compute backend.
 *
 * Order for "auto": tensorflow-gpu (@tensorflow/tfjs-node-gpu, CUDA), tensorflow
 * (@tensorflow/tfjs-node, native CPU), wasm (with the kit's training kernels), cpu (pure JS, far too
 * slow to train conv nets). Override with the GAN_BACKEND environment variable or the `backend`
 * argument; the argument wins.
 */
import * as tf from "@tensorflow/tfjs";
import { UserError } from "../errors";
import { KIT_WASM_KERNELS, registerWasmKernels } from "./kernels/register";
import { setWasmBackendThreaded, threadedWasmUnavailable } from "./wasm-threads";
import * as os from "os";
import { tslabPublic } from "../notebook/tslab";

export const BACKEND_NAMES = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendChoice {
  /** The kit's name for the backend in use. */
  name: BackendName;
  /** tfjs's own name for it (tfjs-node and tfjs-node-gpu both register "tensorflow"). */
  tfName: string;
  /** One line describing it, as printed. */
  description: string;
  /** Why earlier candidates of "auto" were skipped. */
  skipped: string[];
  /** wasm: the threads it runs on (after any fallback to one); null for the other backends. */
  threads: number | null;
}

export interface BackendOptions {
  /** A backend name or "auto"; default: $GAN_BACKEND, else "auto". */
  backend?: string;
  /** Print nothing (the choice is still returned). */
  quiet?: boolean;
  /**
   * wasm threads: a count, or "auto" (default: $GAN_WASM_THREADS, else "auto" = every core, at most 8).
   * More than 1 starts the threaded build; 1 switches threads off.
   */
  threads?: number | "auto";
}

let current: BackendChoice | null = null;

/** Validate a backend name; an unknown one is a UserError listing the valid ones. */
export function parseBackendName(raw: string): BackendName | "auto" {
  const name = raw.trim().toLowerCase();
  if (name === "auto" || (BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName | "auto";
  throw new UserError(`unknown backend "${raw}": valid backends are auto, ${BACKEND_NAMES.join(", ")}`);
}

async function tryNative(pkg: string): Promise<void> {
  // A missing optional dependency or a native binary that failed to download both throw here.
  require(pkg);
  if (!(await tf.setBackend("tensorflow"))) throw new Error("the tensorflow backend did not initialise");
}

/** The most threads "auto" uses (the threaded build pre-spawns a pool of 8 workers). */
export const MAX_AUTO_THREADS = 8;

/** Resolve the thread request: a positive integer, or "auto" (every core, at most MAX_AUTO_THREADS). */
export function wasmThreads(requested?: number | string): { threads: number; auto: boolean } {
  const raw = requested ?? process.env.GAN_WASM_THREADS ?? "auto";
  if (typeof raw === "string" && raw.trim().toLowerCase() === "auto") {
    const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
    return { threads: Math.max(1, Math.min(cores, MAX_AUTO_THREADS)), auto: true };
  }
  const n = typeof raw === "number" ? raw : raw.trim() === "" ? NaN : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`wasm threads must be a positive integer or "auto", got "${raw}"`);
  return { threads: n, auto: false };
}

/**
 * Start wasm with the requested threads. An explicit count that cannot start is an error; "auto"
 * falls back to one thread and says why.
 */
async function startWasm(request: { threads: number; auto: boolean }): Promise<string | null> {
  if (request.threads === 1) return (await tf.setBackend("wasm")) ? null : "the wasm backend did not initialise";
  const missing = threadedWasmUnavailable();
  let failure = missing;
  if (!missing) {
    try {
      if (await setWasmBackendThreaded(tf, request.threads)) return null;
      failure = "the threaded wasm build did not initialise";
    } catch (err) {
      failure = `the threaded wasm build failed: ${firstLine(err)}`;
    }
  }
  if (!request.auto) throw new UserError(`wasm with ${request.threads} threads cannot start: ${failure} (GAN_WASM_THREADS=1 runs on one thread)`);
  console.warn(`[gan-repro] wasm: running on 1 thread: ${failure}`);
  return (await tf.setBackend("wasm")) ? null : "the wasm backend did not initialise";
}

async function activate(name: BackendName, threads: { threads: number; auto: boolean }): Promise<{ description: string; threads: number | null }> {
  switch (name) {
    case "tensorflow-gpu":
      await tryNative("@tensorflow/tfjs-node-gpu");
      return { description: "tensorflow-gpu (@tensorflow/tfjs-node-gpu, native TensorFlow with CUDA)", threads: null };
    case "tensorflow":
      await tryNative("@tensorflow/tfjs-node");
      return { description: "tensorflow (@tensorflow/tfjs-node, native TensorFlow on the CPU)", threads: null };
    case "wasm": {
      const wasm = require("@tensorflow/tfjs-backend-wasm") as typeof import("@tensorflow/tfjs-backend-wasm");
      registerWasmKernels();
      const failure = await startWasm(threads);
      if (failure) throw new Error(failure);
      const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
      const kernels = KIT_WASM_KERNELS.map((k) => k.kernelName).join(", ");
      const count = wasm.getThreadsCount();
      return { description: `wasm (${simd ? "SIMD" : "no SIMD"}, ${threadsLabel(count)}; kit kernels: ${kernels})`, threads: count };
    }
    case "cpu":
      if (!(await tf.setBackend("cpu"))) throw new Error("the cpu backend did not initialise");
      // Silence tfjs's own banner; we print our warning instead.
      (tf.findBackend("cpu") as unknown as { firstUse: boolean }).firstUse = false;
      return { description: "cpu (pure JavaScript)", threads: null };
  }
}

/** Choose, initialise and report the backend. Calling it again with the same request is cheap. */
export async function initBackend(options: BackendOptions = {}): Promise<BackendChoice> {
  const requested = parseBackendName(options.backend ?? process.env.GAN_BACKEND ?? "auto");
  if (current && (requested === "auto" || requested === current.name) && tf.getBackend() === current.tfName) {
    return current;
  }
  const threads = wasmThreads(options.threads);
  const candidates: BackendName[] = requested === "auto" ? [...BACKEND_NAMES] : [requested];
  const skipped: string[] = [];
  for (const name of candidates) {
    try {
      const started = await activate(name, threads);
      current = { name, tfName: tf.getBackend(), description: started.description, skipped, threads: started.threads };
      if (!options.quiet) report(current, requested === "auto");
      return current;
    } catch (err) {
      if (err instanceof UserError) throw err; // the user's own setting is wrong: never fall through to cpu
      const reason = firstLine(err);
      if (requested !== "auto") {
        throw new UserError(`backend "${name}" is not available here: ${reason}. ${hint(name)}`);
      }
      skipped.push(`${name}: ${reason}`);
    }
  }
  throw new Error(`no backend could start:\n  ${skipped.join("\n  ")}`);
}

/** "... kit kernels: A, B, C) ..." -> "... 3 kit kernels) ..." (the full list: npm run bench). */
export function compactBackendLine(line: string): string {
  return line.replace(/kit kernels: ([A-Za-z0-9]+(?:, [A-Za-z0-9]+)*)/, (_, list: string) => `${list.split(", ").length} kit kernels`);
}

function report(choice: BackendChoice, auto: boolean): void {
  const via = auto ? ` (auto; skipped ${choice.skipped.map((s) => s.split(":")[0]).join(", ") || "none"})` : "";
  const line = `[gan-repro] backend: ${choice.description}${via}`;
  // In a notebook the list of kit kernels would make a 250-character line: count them instead.
  console.log(tslabPublic() ? compactBackendLine(line) : line);
  if (choice.name === "cpu") {
    console.warn(
      "[gan-repro] WARNING: training on the pure-JS cpu backend is extremely slow (minutes per conv-net step).\n" +
        "[gan-repro] WARNING: use GAN_BACKEND=wasm (always installed) or install @tensorflow/tfjs-node.",
    );
  }
}

function hint(name: BackendName): string {
  if (name === "tensorflow-gpu") return "It needs @tensorflow/tfjs-node-gpu installed with its native download, CUDA and cuDNN (see environment.md).";
  if (name === "tensorflow") return "It needs @tensorflow/tfjs-node installed with its native download (see environment.md).";
  return "Reinstall with `npm ci`.";
}

function threadsLabel(n: number): string {
  return n === 1 ? "1 thread" : `${n} threads (GAN_WASM_THREADS=1 for one)`;
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split("\n")[0];
}

/** The backend chosen by initBackend, or null before it ran. */
export function currentBackend(): BackendChoice | null {
  return current;
}
