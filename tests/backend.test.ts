/** Backend choice: names, the environment variable, clear errors, the loud cpu warning. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND_NAMES, initBackend, parseBackendName } from "../src/backend/select";
import { UserError } from "../src/errors";

test("backend names are validated, with the valid ones listed", () => {
  assert.equal(parseBackendName("WASM"), "wasm");
  assert.equal(parseBackendName("auto"), "auto");
  assert.throws(() => parseBackendName("gpu"), (e: Error) => e instanceof UserError && /valid backends are auto, tensorflow-gpu, tensorflow, wasm, cpu/.test(e.message));
});

test("auto picks the first backend that starts, in the documented order", async () => {
  const choice = await initBackend({ backend: "auto", quiet: true });
  assert.ok((BACKEND_NAMES as readonly string[]).includes(choice.name));
  const order = BACKEND_NAMES.indexOf(choice.name);
  assert.equal(choice.skipped.length, order, "every earlier backend was tried and skipped with a reason");
  for (const s of choice.skipped) assert.match(s, /^[a-z-]+: .+/);
});

test("GAN_BACKEND selects the backend and the argument overrides it", async () => {
  const saved = process.env.GAN_BACKEND;
  try {
    process.env.GAN_BACKEND = "wasm";
    assert.equal((await initBackend({ quiet: true })).name, "wasm");
    assert.equal(tf.getBackend(), "wasm");
    process.env.GAN_BACKEND = "nonsense";
    await assert.rejects(initBackend({ quiet: true }), UserError);
    assert.equal((await initBackend({ backend: "wasm", quiet: true })).name, "wasm");
  } finally {
    if (saved === undefined) delete process.env.GAN_BACKEND;
    else process.env.GAN_BACKEND = saved;
  }
});

test("a native backend that is not installed is a clear error, not a crash", async (t) => {
  let nativeInstalled = true;
  try {
    require.resolve("@tensorflow/tfjs-node");
  } catch {
    nativeInstalled = false;
  }
  if (nativeInstalled) {
    t.skip("@tensorflow/tfjs-node is installed here");
    return;
  }
  await assert.rejects(initBackend({ backend: "tensorflow", quiet: true }), (e: Error) => e instanceof UserError && /not available here.*environment\.md/.test(e.message));
});

test("the cpu backend works but warns loudly", async () => {
  const warnings: string[] = [];
  const logs: string[] = [];
  const warn = console.warn;
  const log = console.log;
  console.warn = (m: string) => warnings.push(m);
  console.log = (m: string) => logs.push(m);
  try {
    const choice = await initBackend({ backend: "cpu" });
    assert.equal(choice.name, "cpu");
  } finally {
    console.warn = warn;
    console.log = log;
  }
  assert.equal(logs.filter((l) => l.startsWith("[gan-repro] backend:")).length, 1, "one line names the backend");
  assert.match(warnings.join("\n"), /WARNING.*extremely slow/);
  await initBackend({ backend: "wasm", quiet: true });
});
