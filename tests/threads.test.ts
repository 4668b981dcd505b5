/** Two wasm threads train to the same result as one (to float tolerance), and the switch works. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";

function trainWith(threads: string) {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "fixtures", "train-weights.ts")], {
    encoding: "utf8",
    env: { ...process.env, GAN_WASM_THREADS: threads },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { threads: number; losses: number[]; weights: number[][] };
}

test("GAN_WASM_THREADS=2 runs two threads and trains to the same weights as one thread", () => {
  const one = trainWith("1");
  const two = trainWith("2");
  assert.equal(one.threads, 1);
  assert.equal(two.threads, 2);
  let worst = 0;
  one.weights.forEach((w, i) => w.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - two.weights[i][j]) / (1e-3 + Math.abs(v))))));
  assert.ok(worst < 1e-4, `largest relative weight difference ${worst}`);
  one.losses.forEach((l, i) => assert.ok(Math.abs(l - two.losses[i]) < 1e-4 * (1 + Math.abs(l)), `G loss at step ${i}`));
});

test("a bad thread count is a clear error", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "..", "src", "cli", "demo.ts"), "--steps", "1"], {
    encoding: "utf8",
    env: { ...process.env, GAN_WASM_THREADS: "two", CI: "true" },
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^error: wasm threads must be a positive integer or "auto", got "two"/);
});

/** Start the backend in a child process (optionally without SharedArrayBuffer) and report the thread count. */
function startBackend(env: Record<string, string | undefined>, dropSharedMemory = false) {
  const script =
    `const s = require(${JSON.stringify(path.join(__dirname, "..", "src", "backend", "select.ts"))});` +
    (dropSharedMemory ? "delete globalThis.SharedArrayBuffer;" : "") +
    `s.initBackend({ backend: "wasm" }).then(() => console.log("threads=" + require("@tensorflow/tfjs-backend-wasm").getThreadsCount()),` +
    ` (e) => { console.log("error=" + e.message); process.exitCode = 2; });`;
  const childEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  return spawnSync(process.execPath, ["--import", "tsx", "-e", script], { encoding: "utf8", env: childEnv, timeout: 60_000 });
}

test("threads default to every core (at most 8) and GAN_WASM_THREADS=1 switches them off", () => {
  const cores = Math.min(os.availableParallelism(), 8);
  assert.match(startBackend({ GAN_WASM_THREADS: undefined }).stdout, new RegExp(`threads=${cores}\\b`));
  assert.match(startBackend({ GAN_WASM_THREADS: "auto" }).stdout, new RegExp(`threads=${cores}\\b`));
  assert.match(startBackend({ GAN_WASM_THREADS: "1" }).stdout, /threads=1\b/);
});

test("auto threads fall back to one thread, with the reason, where the threaded build cannot run", () => {
  const auto = startBackend({ GAN_WASM_THREADS: undefined }, true);
  assert.equal(auto.status, 0, auto.stderr);
  assert.match(auto.stdout, /threads=1\b/);
  assert.match(auto.stderr, /wasm: running on 1 thread: SharedArrayBuffer is not available/);
  // An explicit count is the user's demand: it fails loudly instead.
  const explicit = startBackend({ GAN_WASM_THREADS: "2" }, true);
  assert.equal(explicit.status, 2);
  assert.match(explicit.stdout, /error=wasm with 2 threads cannot start: SharedArrayBuffer is not available \(GAN_WASM_THREADS=1 runs on one thread\)/);
});
