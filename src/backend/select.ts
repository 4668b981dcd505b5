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
import { setWasmBackendThreaded } from "./wasm-threads";

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
}

export interface BackendOptions {
  /** A backend name or "auto"; default: $GAN_BACKEND, else "auto". */
  backend?: string;
  /** Print nothing (the choice is still returned). */
  quiet?: boolean;
  /** wasm threads (default: $GAN_WASM_THREADS, else 1). More than 1 starts the threaded build. */
  threads?: number;
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

function wasmThreads(requested?: number): number {
  const raw = requested ?? (process.env.GAN_WASM_THREADS ? Number(process.env.GAN_WASM_THREADS) : 1);
  if (!Number.isInteger(raw) || raw < 1) throw new UserError(`wasm threads must be a positive integer, got "${requested ?? process.env.GAN_WASM_THREADS}"`);
  return raw;
}

async function activate(name: BackendName, threads: number): Promise<string> {
  switch (name) {
    case "tensorflow-gpu":
      await tryNative("@tensorflow/tfjs-node-gpu");
      return "tensorflow-gpu (@tensorflow/tfjs-node-gpu, native TensorFlow with CUDA)";
    case "tensorflow":
      await tryNative("@tensorflow/tfjs-node");
      return "tensorflow (@tensorflow/tfjs-node, native TensorFlow on the CPU)";
    case "wasm": {
      const wasm = require("@tensorflow/tfjs-backend-wasm") as typeof import("@tensorflow/tfjs-backend-wasm");
      registerWasmKernels();
      const started = threads > 1 ? await setWasmBackendThreaded(tf, threads) : await tf.setBackend("wasm");
      if (!started) throw new Error("the wasm backend did not initialise");
      const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
      const kernels = KIT_WASM_KERNELS.map((k) => k.kernelName).join(", ");
      return `wasm (${simd ? "SIMD" : "no SIMD"}, ${wasm.getThreadsCount()} thread(s); kit kernels: ${kernels})`;
    }
    case "cpu":
      if (!(await tf.setBackend("cpu"))) throw new Error("the cpu backend did not initialise");
      // Silence tfjs's own banner; we print our warning instead.
      (tf.findBackend("cpu") as unknown as { firstUse: boolean }).firstUse = false;
      return "cpu (pure JavaScript)";
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
      const description = await activate(name, threads);
      current = { name, tfName: tf.getBackend(), description, skipped };
      if (!options.quiet) report(current, requested === "auto");
      return current;
    } catch (err) {
      const reason = firstLine(err);
      if (requested !== "auto") {
        throw new UserError(`backend "${name}" is not available here: ${reason}. ${hint(name)}`);
      }
      skipped.push(`${name}: ${reason}`);
    }
  }
  throw new Error(`no backend could start:\n  ${skipped.join("\n  ")}`);
}

function report(choice: BackendChoice, auto: boolean): void {
  const via = auto ? ` (auto; skipped ${choice.skipped.map((s) => s.split(":")[0]).join(", ") || "none"})` : "";
  console.log(`[gan-repro] backend: ${choice.description}${via}`);
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

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split("\n")[0];
}

/** The backend chosen by initBackend, or null before it ran. */
export function currentBackend(): BackendChoice | null {
  return current;
}
