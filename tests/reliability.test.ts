/** Interrupted runs, divergence and bad configuration. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { useWasm } from "./helpers";
import { Gan } from "../src/models/gan";
import { Dcgan } from "../src/models/dcgan";
import { Began } from "../src/models/began";
import { ShuffledBatches } from "../src/data/dataset";
import { ring8, sampleMixture } from "../src/data/mixtures";
import { Trainer } from "../src/train/trainer";
import { DivergenceError, UserError } from "../src/errors";
import { readCheckpoint } from "../src/train/checkpoint";
import { checkpointEvery } from "../src/train/callbacks";
import { tempDir } from "./tmp";

const root = path.resolve(__dirname, "..");
const trainArgs = (out: string, steps: number) => ["--import", "tsx", path.join(root, "src/cli/train.ts"), "--model", "gan", "--data", "ring8", "--steps", String(steps), "--batch-size", "32", "--checkpoint-every", "0", "--out", out];

test("SIGINT saves a checkpoint and says how to resume; --resume continues to the end", async () => {
  const out = tempDir("sigint-");
  const child = spawn(process.execPath, trainArgs(out, 1_000_000), { cwd: root, env: { ...process.env, CI: "true" } });
  let stdout = "";
  child.stdout.on("data", (d) => (stdout += d));
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (/^training gan/m.test(stdout)) {
        clearInterval(poll);
        setTimeout(resolve, 1500); // let it take some steps
      }
    }, 50);
  });
  child.kill("SIGINT");
  const code = await new Promise((r) => child.on("exit", r));
  assert.equal(code, 130, stdout);
  const m = /interrupted at step (\d+): checkpoint saved to (.+latest\.ckpt)/.exec(stdout);
  assert.ok(m, stdout);
  assert.match(stdout, /resume with: npm run train -- .*--model gan.* --resume/);
  const step = Number(m[1]);
  assert.equal(readCheckpoint(path.join(out, "latest.ckpt")).header.step, step);

  const r = spawnSync(process.execPath, [...trainArgs(out, step + 5), "--resume"], { cwd: root, encoding: "utf8", env: { ...process.env, CI: "true" } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`resuming gan from .* at step ${step}`));
  assert.equal(readCheckpoint(path.join(out, "latest.ckpt")).header.step, step + 5);
  const csv = fs.readFileSync(path.join(out, "log.csv"), "utf8").trim().split("\n");
  assert.equal(csv.length, step + 5 + 1, "the log covers the whole run, before and after the interruption");
  const again = spawnSync(process.execPath, [...trainArgs(path.join(out, "nothing-here"), 5), "--resume"], { cwd: root, encoding: "utf8" });
  assert.equal(again.status, 2);
  assert.match(again.stderr, /nothing to resume: no checkpoint at/);
});

test("a stop signal that arrives again after the listeners are removed (timeout and npm each relay SIGTERM) does not kill the process: it exits with the code it set", async () => {
  // What the trainer does: on the first signal it stops, saves, removes its listeners and sets the
  // exit code; a relayed copy of the same SIGTERM lands after that.
  const script = `
    const { onStopSignals } = require(${JSON.stringify(path.join(root, "src/train/signals.ts"))});
    const stop = onStopSignals(() => {
      stop();
      process.kill(process.pid, "SIGTERM");
      setTimeout(() => { console.log("wound down"); process.exitCode = 143; }, 200);
    });
    process.kill(process.pid, "SIGTERM");
    setTimeout(() => {}, 3000);`;
  const child = spawn(process.execPath, ["--import", "tsx", "-e", script], { cwd: root });
  let stdout = "";
  child.stdout.on("data", (d) => (stdout += d));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on("exit", (c, s) => r([c, s])));
  assert.equal(signal, null, "not killed by the second SIGTERM");
  assert.equal(code, 143);
  assert.equal(stdout.trim(), "wound down");
});

test("a NaN loss stops training with the step, the loss and what to change", async () => {
  await useWasm();
  const model = new Gan({ dataDim: 2, latentDim: 2, hidden: [8], output: "linear" });
  const trainer = new Trainer(model);
  const data = sampleMixture(ring8(), 64, 1);
  data.data[5] = NaN; // one bad value: the step whose batch holds it diverges
  await assert.rejects(
    trainer.run(new ShuffledBatches(data), { steps: 200, batchSize: 16, progress: false }),
    (e: Error) => e instanceof DivergenceError && /training diverged at step \d+: D_loss is NaN\. Lower the learning rate/.test(e.message),
  );
  // The weights are NaN now: a checkpoint of them is refused, so the last good one survives.
  const file = path.join(tempDir("nan-"), "x.ckpt");
  await assert.rejects(trainer.save(file, 1, 0), DivergenceError);
  assert.ok(!fs.existsSync(file));
  trainer.dispose();
  model.dispose();
});

test("bad configurations are rejected before training, every problem at once", () => {
  const bad = (f: () => unknown, ...patterns: RegExp[]) =>
    assert.throws(f, (e: Error) => e instanceof UserError && patterns.every((p) => p.test(e.message)));
  bad(() => new Dcgan({ imageSize: 28, bogus: 1 } as never), /unknown key "bogus"/);
  bad(() => new Dcgan({ latentDim: "100" } as never), /"latentDim" must be a number, got string/);
  bad(() => new Dcgan({ ngf: 0, latentDim: -2 }), /"latentDim" must be a positive integer/, /"ngf" must be a positive integer/);
  bad(() => new Began({ gamma: 0, k0: 1.5 }), /"gamma" must be in \(0, 1\]/, /"k0" must be in \[0, 1\]/);
  bad(() => new Began({ optimizer: { lr: -1, beta1: 1.5, beta2: 0.9, epsilon: 1e-8 } }), /lr > 0/, /beta1/);
  bad(() => new Began({ optimizer: { lr: 1e-3, beta: 0.5 } } as never), /unknown key "optimizer.beta"/);
  bad(() => new Gan({ hidden: [16, -1] }), /"hidden" must be a list of positive integers/);
});

test("a loss that explodes but stays finite stops training like a NaN, and the last checkpoint is kept", async () => {
  await useWasm();
  const model = new Gan({ dataDim: 2, latentDim: 2, hidden: [8], output: "linear" });
  const trainer = new Trainer(model);
  const file = path.join(tempDir("boom-"), "latest.ckpt");
  // What the probe saw: G's loss at 1e16 with zero gradients, from step 14 on.
  const step = trainer.step.bind(trainer);
  trainer.step = (batch, s, seed) => {
    const values = step(batch, s, seed);
    if (s >= 14) Object.assign(values, { G_loss: 1e16, G_grad_norm: 0 });
    return values;
  };
  await assert.rejects(
    trainer.run(new ShuffledBatches(sampleMixture(ring8(), 256, 1)), { steps: 100, batchSize: 16, progress: false, callbacks: [checkpointEvery(file, 5, 0)] }),
    (e: Error) => e instanceof DivergenceError && /^training diverged at step 15: G_loss is 10000000000000000 \(over 1e\+4 times its largest magnitude in the 14 steps before, \d\.\d+\)\. Lower the learning rate/.test(e.message),
  );
  assert.equal(readCheckpoint(file).header.step, 10, "the checkpoint before the explosion stays");
  trainer.dispose();
  model.dispose();
});
