/** Checkpoints: round trip, exact resume, refusal of foreign checkpoints, atomic writes. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { useWasm } from "./helpers";
import { Dcgan } from "../src/models/dcgan";
import { Began } from "../src/models/began";
import { Gan } from "../src/models/gan";
import { ShuffledBatches } from "../src/data/dataset";
import { ring8, sampleMixture } from "../src/data/mixtures";
import { syntheticDigits } from "../src/data/synthetic-digits";
import { Trainer } from "../src/train/trainer";
import { modelVariables, readCheckpoint } from "../src/train/checkpoint";
import { UserError } from "../src/errors";
import { GanModel } from "../src/train/types";
import { tempDir } from "./tmp";

const tmp = () => tempDir("ckpt-");
const weights = (m: GanModel) => [...modelVariables(m).values()].map((v) => Array.from(v.dataSync()));

function close(a: number[][], b: number[][], tol = 1e-6): boolean {
  return a.length === b.length && a.every((row, i) => row.length === b[i].length && row.every((v, j) => Math.abs(v - b[i][j]) <= tol * (1 + Math.abs(v))));
}

test("2N steps equal N steps, a checkpoint, and N more in a new trainer (DCGAN and BEGAN)", async () => {
  await useWasm();
  const data = syntheticDigits({ count: 64, seed: 5, size: 16 });
  const make = {
    dcgan: () => new Dcgan({ imageSize: 16, ngf: 4, ndf: 4, latentDim: 8, seed: 2 }),
    began: () => new Began({ imageSize: 16, channels: 1, n: 4, h: 8, lambdaK: 0.05, seed: 2 }),
  };
  for (const [name, create] of Object.entries(make)) {
    const dir = tmp();
    const opts = { batchSize: 4, seed: 7, progress: false };
    const straight = create();
    const t1 = new Trainer(straight);
    await t1.run(new ShuffledBatches(data, 7), { ...opts, steps: 6 });

    const first = create();
    const t2 = new Trainer(first);
    await t2.run(new ShuffledBatches(data, 7), { ...opts, steps: 3 });
    await t2.save(path.join(dir, "latest.ckpt"), 3, 7);

    const resumed = create();
    const t3 = new Trainer(resumed);
    const header = await t3.load(path.join(dir, "latest.ckpt"));
    assert.equal(header.step, 3);
    assert.equal(t3.history.length, 3, "the log so far comes back");
    await t3.run(new ShuffledBatches(data, 7), { ...opts, steps: 3, startStep: header.step });
    assert.ok(close(weights(straight), weights(resumed)), `${name}: resumed run ends with the same weights`);
    if (straight instanceof Began) assert.equal((resumed as Began).k, straight.k, "k_t restored and continued");
    assert.deepEqual(t3.history.map((r) => r.step), [0, 1, 2, 3, 4, 5]);
    for (const t of [t1, t2, t3]) t.dispose();
    for (const m of [straight, first, resumed]) m.dispose();
  }
});

test("a checkpoint of another model or architecture is refused before anything is loaded", async () => {
  await useWasm();
  const dir = tmp();
  const file = path.join(dir, "a.ckpt");
  const a = new Dcgan({ imageSize: 16, ngf: 4, ndf: 4, latentDim: 8 });
  const ta = new Trainer(a);
  await ta.save(file, 0, 0);
  const other = new Gan({ dataDim: 256, latentDim: 8, hidden: [8] });
  await assert.rejects(new Trainer(other).load(file), (e: Error) => e instanceof UserError && /"dcgan" checkpoint, not "gan"/.test(e.message));
  const wider = new Dcgan({ imageSize: 16, ngf: 8, ndf: 4, latentDim: 8 });
  const before = weights(wider);
  await assert.rejects(new Trainer(wider).load(file), (e: Error) => e instanceof UserError && /does not fit this dcgan architecture/.test(e.message));
  assert.deepEqual(weights(wider), before, "nothing was loaded half-way");
  fs.writeFileSync(path.join(dir, "junk.ckpt"), "hello");
  await assert.rejects(new Trainer(a).load(path.join(dir, "junk.ckpt")), /not a gan-repro checkpoint/);
  const whole = fs.readFileSync(file);
  fs.writeFileSync(path.join(dir, "cut.ckpt"), whole.subarray(0, whole.length - 100));
  await assert.rejects(new Trainer(a).load(path.join(dir, "cut.ckpt")), /truncated/);
  for (const m of [a, other, wider]) m.dispose();
});

test("a process killed while writing a checkpoint leaves the previous one loadable", async () => {
  await useWasm();
  const dir = tmp();
  const file = path.join(dir, "latest.ckpt");
  const writer = path.join(__dirname, "fixtures", "checkpoint-writer.ts");
  for (const delayMs of [5, 25, 60]) {
    const child = spawn(process.execPath, ["--import", "tsx", writer, file], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    await new Promise<void>((resolve) => {
      child.stdout.on("data", (d) => {
        out += d;
        if (/saved 2\n/.test(out)) resolve();
      });
    });
    // Kill it at some point of a later write (each write is a ~10 MB file).
    await new Promise((r) => setTimeout(r, delayMs));
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    const ck = readCheckpoint(file);
    assert.ok(ck.header.step >= 2, `a complete checkpoint is there (step ${ck.header.step})`);
    const m = new Dcgan({ imageSize: 28 });
    const t = new Trainer(m);
    await t.load(file);
    t.dispose();
    m.dispose();
  }
});

/** A tiny 2-D GAN trained 2 steps, its trainer, and its checkpoint saved as `name` in a new folder. */
async function savedTinyGan(name: string): Promise<{ model: Gan; trainer: Trainer; dir: string; file: string }> {
  const model = new Gan({ dataDim: 2, latentDim: 2, hidden: [4], output: "linear" });
  const trainer = new Trainer(model);
  await trainer.run(new ShuffledBatches(sampleMixture(ring8(), 64, 1)), { steps: 2, batchSize: 8, progress: false });
  const dir = tmp();
  const file = path.join(dir, name);
  await trainer.save(file, 2, 0);
  return { model, trainer, dir, file };
}

test("a damaged checkpoint of any shape is one UserError line: every truncation, header byte flips, missing fields", async () => {
  await useWasm();
  const { model, trainer, dir, file } = await savedTinyGan("good.ckpt");
  const good = fs.readFileSync(file);
  const bad = path.join(dir, "bad.ckpt");
  let refused = 0;
  let loaded = 0;
  const attempt = async (bytes: Buffer, what: string, mustRefuse: boolean) => {
    fs.writeFileSync(bad, bytes);
    const t = new Trainer(model);
    try {
      await t.load(bad);
      loaded++;
      assert.ok(!mustRefuse, `${what}: loaded`);
    } catch (err) {
      assert.ok(err instanceof UserError, `${what}: ${(err as Error).stack}`);
      assert.doesNotMatch(err.message, /\n/, what);
      refused++;
    } finally {
      t.dispose();
    }
  };
  for (let n = 0; n < good.length; n++) await attempt(good.subarray(0, n), `cut at ${n} of ${good.length} bytes`, true);
  const headerEnd = 12 + good.readUInt32LE(8);
  let state = 12345;
  const rand = (k: number) => ((state = (state * 1103515245 + 12345) % 2 ** 31), state % k);
  for (let i = 0; i < 400; i++) {
    const flipped = Buffer.from(good);
    const at = rand(headerEnd);
    flipped[at] ^= 1 << rand(8);
    await attempt(flipped, `bit flip at byte ${at}`, at < 12);
  }
  const header = JSON.parse(good.subarray(12, headerEnd).toString());
  for (const key of ["format", "model", "step", "seed", "history", "variables", "optimizers"]) {
    const h = { ...header };
    delete h[key];
    const json = Buffer.from(JSON.stringify(h));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(json.length);
    await attempt(Buffer.concat([good.subarray(0, 8), len, json]), `no "${key}"`, true);
  }
  assert.ok(refused >= good.length + 7, `refused ${refused}, loaded ${loaded}`);
  assert.ok(readCheckpoint(file).header.step === 2);
  trainer.dispose();
  model.dispose();
});

test("a checkpoint write cut short (nearly full disk) keeps the previous checkpoint and leaves no temporary file", async () => {
  await useWasm();
  const { model, trainer, dir, file } = await savedTinyGan("latest.ckpt");
  const before = fs.readFileSync(file);
  // The fs module itself (the namespace import is a read-only view of it).
  const fsModule = require("node:fs") as { writeSync: typeof fs.writeSync };
  const real = fsModule.writeSync;
  // What write(2) does on a nearly full disk: fewer bytes than asked, then ENOSPC.
  let calls = 0;
  (fsModule as { writeSync: unknown }).writeSync = (fd: number, buf: Uint8Array, off?: number, len?: number) => {
    if (++calls === 3) return real(fd, buf, off ?? 0, Math.max(1, ((len ?? buf.byteLength) >> 1)));
    if (calls > 3) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    return real(fd, buf, off ?? 0, len ?? buf.byteLength);
  };
  try {
    await assert.rejects(trainer.save(file, 3, 0), (e: Error) => e instanceof UserError && /^cannot write checkpoint .*latest\.ckpt: the disk is full \(it needs \d+\.\d MB, .* MB free in .*\); the previous checkpoint is kept/.test(e.message));
    calls = 10; // every write fails at once: a full disk
    await assert.rejects(trainer.save(file, 3, 0), /the disk is full/);
  } finally {
    fsModule.writeSync = real;
  }
  assert.deepEqual(fs.readFileSync(file), before, "the previous checkpoint is untouched");
  assert.deepEqual(fs.readdirSync(dir), ["latest.ckpt"], "no temporary file is left");
  trainer.dispose();
  model.dispose();
});
