/** Two wasm threads train to the same result as one (to float tolerance), and the switch works. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
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
  assert.match(r.stderr, /^error: wasm threads must be a positive integer, got "two"/);
});
