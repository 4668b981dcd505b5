/** Model settings from --config / --set, image fitting (--image-size), .npy files, and `generate`. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { readSettings } from "../src/cli/settings";
import { settingsDifferences } from "../src/models/settings";
import { readCheckpoint } from "../src/train/checkpoint";
import { MODELS } from "../src/models/registry";
import { Began } from "../src/models/began";
import { Dcgan } from "../src/models/dcgan";
import { syntheticDigits } from "../src/data/synthetic-digits";
import { applyFit, chooseFit, unfitSamples } from "../src/data/fit";
import { npyBytes, parseNpy } from "../src/data/npy";
import { UserError } from "../src/errors";
import { useWasm } from "./helpers";
import { tempDir } from "./tmp";

const root = path.resolve(__dirname, "..");
function cli(entry: string, args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "src/cli", entry), ...args], { cwd: root, encoding: "utf8", env: { ...process.env, CI: "true" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("--set reads JSON values, dotted keys reach into objects, --config is the base", () => {
  const dir = tempDir("gan-set-");
  const file = path.join(dir, "c.json");
  fs.writeFileSync(file, JSON.stringify({ gamma: 0.3, n: 16 }));
  assert.deepEqual(readSettings(file, ["gamma=0.7", "optimizer.lr=1e-4", "activation=leakyrelu", "hidden=[64,32]"]), {
    gamma: 0.7,
    n: 16,
    optimizer: { lr: 1e-4 },
    activation: "leakyrelu",
    hidden: [64, 32],
  });
  assert.throws(() => readSettings(undefined, ["gamma"]), /--set expects key=value, got "gamma"/);
  assert.throws(() => readSettings(undefined, ["a.b.c=1"]), /bad key "a.b.c"/);
  fs.writeFileSync(file, "[1, 2]");
  assert.throws(() => readSettings(file, []), /must hold a JSON object/);
  fs.writeFileSync(file, "{oops");
  assert.throws(() => readSettings(file, []), /is not valid JSON/);
});

test("settingsDifferences lists each changed, added or removed setting by its dotted --set name", () => {
  assert.deepEqual(settingsDifferences({ gamma: 0.5, n: 16, optimizer: { lr: 1e-4, beta1: 0.5 } }, { n: 16, gamma: 0.5, optimizer: { beta1: 0.5, lr: 1e-4 } }), []);
  assert.deepEqual(settingsDifferences({ gamma: 0.5, n: 16, optimizer: { lr: 1e-4 } }, { gamma: 0.7, hidden: [64, 32], optimizer: { lr: 1e-4, beta1: 0.9 } }), [
    "gamma 0.5, not 0.7",
    "hidden unset, not [64,32]",
    "n 16, not unset",
    "optimizer.beta1 unset, not 0.9",
  ]);
});

test("settings reach the model through its own config checks; nested keys keep the other defaults", () => {
  const data = syntheticDigits({ count: 20, seed: 1 });
  const padded = applyFit(data, chooseFit(data, MODELS.began.imageSize).fit);
  const m = MODELS.began.create(padded, 3, { gamma: 0.7, n: 8, optimizer: { lr: 1e-4 } }) as Began;
  assert.equal(m.config.gamma, 0.7);
  assert.equal(m.config.n, 8);
  assert.deepEqual(m.config.optimizer, { lr: 1e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  assert.equal(m.config.seed, 3);
  m.dispose();
  assert.throws(() => MODELS.dcgan.create(data, 0, { ngff: 8 }), (e: Error) => e instanceof UserError && /unknown key "ngff" \(known: .*ngf/.test(e.message));
  assert.throws(() => MODELS.dcgan.create(data, 0, { ngf: -2 }), /"ngf" must be a positive integer, got -2/);
  assert.throws(() => MODELS.dcgan.create(data, 0, { imageSize: 64 }), /use --image-size/);
  assert.throws(() => MODELS.dcgan.create(data, 0, { optimizer: { lr: -1 } }), /needs lr > 0/);
  const d = MODELS.dcgan.create(data, 0, { ngf: 8, ndf: 8 }) as Dcgan;
  assert.equal(d.config.ngf, 8);
  d.dispose();
});

test("image fitting: 28 -> 32 pads for BEGAN and a centre crop gives the images back; 28 -> 64 resizes", async () => {
  await useWasm();
  const data = syntheticDigits({ count: 6, seed: 2 });
  const { fit, note } = chooseFit(data, MODELS.began.imageSize);
  assert.deepEqual(fit, { from: 28, to: 32, mode: "pad" });
  assert.match(note!, /28x28 -> 32x32 by padding/);
  assert.deepEqual(chooseFit(data, MODELS.dcgan.imageSize).fit.mode, "none");
  assert.deepEqual(chooseFit(data, MODELS.dcgan.imageSize, 64).fit, { from: 28, to: 64, mode: "resize" });
  assert.throws(() => chooseFit(data, undefined, 16, "pad"), /cannot pad 28x28 images to 16x16/);
  const padded = applyFit(data, fit);
  assert.deepEqual(padded.shape, [32, 32, 1]);
  // The border is background (-1); the centre is the original.
  assert.equal(padded.data[0], -1);
  const back = unfitSamples(tf.tensor4d(padded.data, [6, 32, 32, 1]), fit);
  assert.deepEqual(Array.from(back.dataSync()), Array.from(data.data));
  const big = applyFit(data, { from: 28, to: 64, mode: "resize" });
  assert.deepEqual(big.shape, [64, 64, 1]);
  // Resizing a constant image keeps the constant.
  const flat = { ...data, data: new Float32Array(data.data.length).fill(0.25) };
  const r = applyFit(flat, { from: 28, to: 64, mode: "resize" });
  assert.ok(r.data.every((v) => Math.abs(v - 0.25) < 1e-6));
});

test(".npy: the header as NumPy writes it, aligned to 64 bytes, and read back; uint8 and errors", () => {
  const data = Float32Array.from([1, -2, 3.5, 0, 0.25, -1]);
  const b = npyBytes(data, [2, 3]);
  assert.deepEqual([...b.subarray(0, 8)], [0x93, 78, 85, 77, 80, 89, 1, 0]);
  const hlen = b.readUInt16LE(8);
  assert.equal((10 + hlen) % 64, 0);
  assert.equal(b.subarray(10, 10 + hlen).toString("latin1"), `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.padEnd(hlen - 1) + "\n");
  const back = parseNpy(b, "x.npy");
  assert.deepEqual(back.shape, [2, 3]);
  assert.deepEqual(Array.from(back.data), Array.from(data));
  assert.equal(parseNpy(npyBytes(Float32Array.from([7]), [1]), "one").shape.join(), "1");
  // uint8, as numpy.save writes np.uint8 arrays (version 1.0, descr '|u1').
  const header = "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }";
  const pad = 64 - ((10 + header.length + 1) % 64);
  const hdr = Buffer.from(header + " ".repeat(pad) + "\n", "latin1");
  const len = Buffer.alloc(2);
  len.writeUInt16LE(hdr.length);
  const u8 = Buffer.concat([Buffer.from([0x93, 78, 85, 77, 80, 89, 1, 0]), len, hdr, Buffer.from([0, 128, 255])]);
  const a = parseNpy(u8, "u8.npy");
  assert.equal(a.dtype, "uint8");
  assert.deepEqual(Array.from(a.data), [0, 128, 255]);
  assert.throws(() => parseNpy(Buffer.from("hello world"), "h.npy"), /h.npy is not a .npy file/);
  assert.throws(() => parseNpy(b.subarray(0, b.length - 4), "cut.npy"), /cut.npy is truncated/);
});

test("train --set/--image-size, then generate writes a grid, PNGs, an .npy and a latent walk from the checkpoint alone", () => {
  const out = tempDir("gan-gen-");
  const t = cli("train.ts", ["--model", "began", "--data", "synthetic-digits", "--steps", "2", "--batch-size", "4", "--set", "n=4", "--set", "h=8", "--out", out]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /images 28x28 -> 32x32 by padding with background \(the size this model needs/);
  const run = JSON.parse(fs.readFileSync(path.join(out, "run.json"), "utf8"));
  assert.deepEqual(run.settings, { n: 4, h: 8 });
  assert.deepEqual(run.fit, { from: 28, to: 32, mode: "pad" });
  const ck = path.join(out, "latest.ckpt");
  // --resume without --set keeps the recorded settings and image size (another n would not load).
  const resumed = cli("train.ts", ["--model", "began", "--data", "synthetic-digits", "--steps", "3", "--batch-size", "4", "--out", out, "--resume"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /32x32 by padding with background \(as the checkpoint recorded\)/);
  assert.match(resumed.stdout, /resuming began .* at step 2/);
  // Given again, the settings must be the recorded ones: another value, or another model, is refused
  // before training (it would silently continue as a different run); --force continues with a warning.
  const base = ["--data", "synthetic-digits", "--batch-size", "4", "--out", out, "--resume"];
  const same = cli("train.ts", ["--model", "began", ...base, "--steps", "4", "--set", "h=8", "--set", "n=4"]);
  assert.equal(same.code, 0, same.stderr);
  const changed = cli("train.ts", ["--model", "began", ...base, "--steps", "5", "--set", "n=4", "--set", "h=8", "--set", "gamma=0.7", "--set", "optimizer.lr=0.0002"]);
  assert.equal(changed.code, 2, changed.stdout);
  assert.match(changed.stderr.trim(), /^error: .*latest\.ckpt was trained with settings gamma unset, not 0\.7; optimizer\.lr unset, not 0\.0002: refusing to resume \(.*--force/);
  assert.doesNotMatch(changed.stdout, /^training /m);
  const other = cli("train.ts", ["--model", "began-improved", ...base, "--steps", "5"]);
  assert.equal(other.code, 2, other.stdout);
  assert.match(other.stderr.trim(), /^error: .*latest\.ckpt was trained with model began, not began-improved: refusing to resume/);
  const forced = cli("train.ts", ["--model", "began", ...base, "--steps", "5", "--set", "n=4", "--set", "h=8", "--set", "gamma=0.7", "--force"]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /^warning: .*trained with settings gamma unset, not 0\.7; continuing because of --force/m);
  assert.equal(readCheckpoint(ck).header.step, 5);
  const npy = cli("generate.ts", ["--checkpoint", ck, "--n", "5", "--format", "npy", "--seed", "4"]);
  assert.equal(npy.code, 0, npy.stderr);
  const arr = parseNpy(fs.readFileSync(path.join(out, "generated", "samples-seed4.npy")), "s");
  assert.deepEqual(arr.shape, [5, 32, 32, 1]);
  assert.ok(arr.data.every((v) => v >= -1 && v <= 1));
  // The same seed gives the same samples.
  cli("generate.ts", ["--checkpoint", ck, "--n", "5", "--format", "npy", "--seed", "4", "--out", path.join(out, "again")]);
  assert.deepEqual(fs.readFileSync(path.join(out, "again", "samples-seed4.npy")), fs.readFileSync(path.join(out, "generated", "samples-seed4.npy")));
  assert.equal(cli("generate.ts", ["--checkpoint", ck, "--n", "3", "--format", "png"]).code, 0);
  assert.deepEqual(fs.readdirSync(path.join(out, "generated")).filter((f) => f.endsWith(".png")).sort(), ["00000.png", "00001.png", "00002.png"]);
  const walk = cli("generate.ts", ["--checkpoint", ck, "--interpolate", "1,2", "--steps", "4"]);
  assert.equal(walk.code, 0, walk.stderr);
  assert.ok(fs.statSync(path.join(out, "generated", "walk-1-2.png")).size > 100);
  const errs: [string[], RegExp][] = [
    [["--checkpoint", ck, "--class", "3"], /began is not class-conditional/],
    [["--checkpoint", ck, "--format", "gif"], /--format must be grid, png or npy/],
    [["--checkpoint", path.join(out, "nope.ckpt")], /checkpoint not found/],
    [["--checkpoint", ck, "--interpolate", "1-2"], /--interpolate expects two seeds A,B/],
    [[], /--checkpoint FILE is required/],
  ];
  for (const [args, re] of errs) {
    const r = cli("generate.ts", args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr.trim(), new RegExp(`^error: .*${re.source}`));
  }
  const bad = cli("train.ts", ["--model", "dcgan", "--steps", "1", "--set", "ngff=3", "--out", path.join(out, "b")]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: bad DCGAN configuration: unknown key "ngff"/);
});

test("generate from a PGGAN checkpoint taken while it still grows gives images at the final size", () => {
  const out = tempDir("gan-pg-");
  const t = cli("train.ts", ["--model", "pggan", "--data", "synthetic-digits", "--steps", "2", "--batch-size", "4", "--out", out]);
  assert.equal(t.code, 0, t.stderr);
  const g = cli("generate.ts", ["--checkpoint", path.join(out, "latest.ckpt"), "--n", "3", "--format", "npy"]);
  assert.equal(g.code, 0, g.stderr);
  // Two steps in, the network draws 4x4 images; the samples come at the 32x32 it trains towards.
  assert.deepEqual(parseNpy(fs.readFileSync(path.join(out, "generated", "samples-seed0.npy")), "s").shape, [3, 32, 32, 1]);
});

test("generate lays a class-conditional model's grid out one class per column, as training's samples.png; with --class, square", async () => {
  const out = tempDir("gan-gen-acgan-");
  const t = cli("train.ts", ["--model", "acgan", "--data", "synthetic-digits", "--steps", "1", "--batch-size", "4", "--set", "ngf=4", "--set", "ndf=4", "--out", out]);
  assert.equal(t.code, 0, t.stderr);
  const ck = path.join(out, "latest.ckpt");
  // Cells are square with a 2-pixel gap around each, so (width - 2) / (height - 2) = columns / rows.
  const proportions = (file: string) => {
    const png = fs.readFileSync(path.join(out, "generated", file));
    return (png.readUInt32BE(16) - 2) / (png.readUInt32BE(20) - 2);
  };
  assert.equal(cli("generate.ts", ["--checkpoint", ck, "--n", "30"]).code, 0);
  assert.equal(proportions("grid-seed0.png"), 10 / 3, "30 samples of 10 classes: 10 columns of 3");
  assert.equal(cli("generate.ts", ["--checkpoint", ck, "--n", "30", "--class", "4"]).code, 0);
  assert.equal(proportions("grid-seed0-class4.png"), 6 / 5, "30 samples of one class: 6 columns of 5");
  // Sample i is of class i mod 10 also when the chunk asked for is not a multiple of 10.
  await useWasm();
  const { loadModel } = await import("../src/eval/load-model");
  const { generateSamples } = await import("../src/eval/samples");
  const loaded = await loadModel(ck);
  const { classes } = generateSamples(loaded, 25, 0, { chunk: 7 });
  loaded.model.dispose();
  assert.deepEqual(Array.from(classes!), Array.from({ length: 25 }, (_, i) => i % 10));
});
