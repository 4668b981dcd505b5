/**
 * `eval` and the evaluator behind it: the held-out split, the cache, and the whole pipeline on sets
 * whose answers are known (real images score the floor; a one-class collapse keeps precision but
 * loses recall and coverage; a second run reuses the cached evaluator).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Dataset, exampleCount } from "../src/data/dataset";
import { syntheticDigits } from "../src/data/synthetic-digits";
import { writeNpy } from "../src/data/npy";
import { evaluatorSplits } from "../src/eval/evaluator";
import { useWasm } from "./helpers";
import { tempDir } from "./tmp";

const root = path.resolve(__dirname, "..");
const cache = tempDir("gan-evcache-");
function cli(entry: string, args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "src/cli", entry), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CI: "true", GAN_CACHE_DIR: cache },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("the evaluator's split: a fixed shuffle, then a training part and two disjoint held-out reference sets of equal size", () => {
  const pts = (n: number): Dataset => ({ name: "idx", shape: [1], data: Float32Array.from({ length: n }, (_, i) => i) });
  for (const [n, train, ref] of [[10000, 6000, 2000], [70000, 60000, 5000], [1000, 600, 200]]) {
    const s = evaluatorSplits(pts(n));
    assert.equal(exampleCount(s.train), train);
    assert.equal(exampleCount(s.refA), ref);
    assert.equal(exampleCount(s.refB), ref);
    // Every example once, in one of the three parts.
    const all = [...s.train.data, ...s.refA.data, ...s.refB.data].sort((x, y) => x - y);
    assert.deepEqual(all, Array.from({ length: n }, (_, i) => i));
    // Shuffled before splitting: a dataset whose halves differ (MNIST's test set: two populations of
    // writers) puts about as much of each half in the references as in the training part.
    const firstHalf = (d: Float32Array) => d.filter((v) => v < n / 2).length / d.length;
    for (const part of [s.train, s.refA, s.refB]) assert.ok(Math.abs(firstHalf(part.data) - 0.5) < 0.06, `${part.name}: ${firstHalf(part.data)}`);
    assert.deepEqual(Array.from(evaluatorSplits(pts(n)).refA.data), Array.from(s.refA.data), "the same split every time");
  }
  assert.throws(() => evaluatorSplits(pts(100)), /too few to hold out two reference sets/);
});

test("eval --samples: real held-out digits score the floor; a one-class collapse keeps precision, loses recall and coverage; the cache is reused", () => {
  const dir = tempDir("gan-eval-");
  // synthetic-digits as `--data` loads it (seed 1): reference B is what the floor compares with A.
  const { refB } = evaluatorSplits(syntheticDigits({ count: 10000, seed: 1 }));
  const per = 28 * 28;
  writeNpy(path.join(dir, "real.npy"), refB.data, [2000, 28, 28, 1]);
  const zero = Array.from(refB.labels!).map((l, i) => [l, i]).filter(([l]) => l === 0).map(([, i]) => i);
  const collapsed = new Float32Array(2000 * per);
  for (let i = 0; i < 2000; i++) collapsed.set(refB.data.subarray(zero[i % zero.length] * per, (zero[i % zero.length] + 1) * per), i * per);
  writeNpy(path.join(dir, "collapsed.npy"), collapsed, [2000, 28, 28, 1]);

  const first = cli("eval.ts", ["--samples", path.join(dir, "real.npy"), "--data", "synthetic-digits", "--evaluator-steps", "150", "--json", path.join(dir, "real.json")]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /training on 6,000 images \(150 steps of 64\)/);
  const real = JSON.parse(fs.readFileSync(path.join(dir, "real.json"), "utf8"));
  assert.ok(real.evaluator.accuracy > 0.9, `evaluator accuracy ${real.evaluator.accuracy}`);
  const fd = real.metrics["fd-kit-synthetic-digits-v2"];
  // The samples *are* reference B: every two-set metric equals its floor.
  assert.equal(fd.value, fd.floor);
  for (const m of ["precision", "recall", "density", "coverage", "kid"]) assert.equal(real.metrics[m].value, real.metrics[m].floor, m);
  assert.ok(real.metrics.recall.value > 0.8 && real.metrics.precision.value > 0.8);
  assert.ok(Math.abs(real.classHistogram.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-9);

  const second = cli("eval.ts", ["--samples", path.join(dir, "collapsed.npy"), "--data", "synthetic-digits", "--evaluator-steps", "150", "--json", path.join(dir, "collapsed.json")]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /from the cache/);
  assert.doesNotMatch(second.stdout, /training on/);
  const col = JSON.parse(fs.readFileSync(path.join(dir, "collapsed.json"), "utf8"));
  assert.ok(col.metrics.precision.value > 0.8, `precision ${col.metrics.precision.value}`);
  assert.ok(col.metrics.recall.value < 0.3, `recall ${col.metrics.recall.value}`);
  assert.ok(col.metrics.coverage.value < 0.3, `coverage ${col.metrics.coverage.value}`);
  assert.ok(col.metrics["fd-kit-synthetic-digits-v2"].value > 20 * fd.floor, "collapse raises the Fréchet distance far above the floor");
  assert.ok(col.classHistogram[0] > 0.95, `class 0 share ${col.classHistogram[0]}`);
  assert.ok(col.metrics["inception-score"].value < 1.5 && real.metrics["inception-score"].value > 8);
});

test("eval --checkpoint scores a model's samples (2-D points: the points are the features); errors are one line", () => {
  const out = tempDir("gan-evck-");
  const t = cli("train.ts", ["--model", "gan", "--data", "ring8", "--steps", "3", "--batch-size", "16", "--out", out]);
  assert.equal(t.code, 0, t.stderr);
  const ck = path.join(out, "latest.ckpt");
  const e = cli("eval.ts", ["--checkpoint", ck, "--n", "400", "--metrics", "fd,recall"]);
  assert.equal(e.code, 0, e.stderr);
  const r = JSON.parse(fs.readFileSync(path.join(out, "eval.json"), "utf8"));
  assert.equal(r.model, "gan");
  assert.equal(r.n, 400);
  assert.deepEqual(Object.keys(r.metrics), ["fd-points", "recall"]);
  // The ring's floor is small; 3 steps of training are far from it.
  assert.ok(r.metrics["fd-points"].value > 5 * r.metrics["fd-points"].floor);
  const errs: [string[], RegExp][] = [
    [["--checkpoint", ck, "--data", "synthetic-digits"], /makes 2 samples \(trained on ring8\), but synthetic-digits is 28x28x1: pass the --data it was trained on/],
    [["--checkpoint", ck, "--metrics", "fid,recall"], /unknown metric "fid": eval computes fd, kid/],
    [["--data", "ring8"], /give either --checkpoint FILE or --samples/],
    [["--samples", path.join(out, "none.npy"), "--data", "ring8"], /--samples: not found/],
  ];
  for (const [args, re] of errs) {
    const r2 = cli("eval.ts", args);
    assert.equal(r2.code, 2, `${args.join(" ")}: ${r2.stderr}`);
    assert.match(r2.stderr.trim(), new RegExp(`^error: .*${re.source}`));
  }
});

test("train --eval-every scores samples during training into evals.jsonl; a resume drops the interrupted run's later lines", () => {
  const out = tempDir("gan-watch-");
  const args = ["--model", "dcgan", "--data", "synthetic-digits", "--batch-size", "8", "--out", out, "--checkpoint-every", "2", "--eval-every", "2", "--eval-n", "64", "--evaluator-steps", "150", "--set", "ngf=8", "--set", "ndf=8"];
  const t = cli("train.ts", [...args, "--steps", "4"]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /scoring 64 samples every 2 steps on kit-synthetic-digits-v2: /);
  assert.match(t.stdout, /step 2: fd-kit-synthetic-digits-v2 \d+\.\d\d \(\d+\.\dx floor\)  precision \d\.\d{3}  recall \d\.\d{3}  smallest class \d+\.\d%  target not met/);
  const file = path.join(out, "evals.jsonl");
  const lines = () => fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const first = lines();
  assert.deepEqual(first.map((l) => l.step), [2, 4]);
  for (const l of first) {
    assert.deepEqual(Object.keys(l), ["step", "wall_s", "fd", "fd_ratio", "precision", "recall", "min_class", "met", "values", "means", "means_steps", "train_s", "eval_s", "images"]);
    // Four steps of a tiny DCGAN: far from real digits, so far above the floor and below the target.
    assert.ok(l.fd_ratio > 5 && l.met === false, JSON.stringify(l));
    assert.ok(l.min_class >= 0 && l.min_class <= 0.1);
    assert.equal(typeof l.values.D_loss, "number", "the model's logged values ride along");
  }
  // `means`: each logged value averaged over the steps since the previous evaluation, by hand from the checkpoint's log.
  const ckpt = fs.readFileSync(path.join(out, "latest.ckpt"));
  const history: { step: number; values: Record<string, number> }[] = JSON.parse(ckpt.subarray(12, 12 + ckpt.readUInt32LE(8)).toString()).history;
  assert.deepEqual(history.map((h) => h.step), [0, 1, 2, 3]);
  for (const [i, l] of first.entries()) {
    const window = history.slice(2 * i, 2 * i + 2).map((h) => h.values.D_loss);
    assert.equal(l.means_steps, 2);
    assert.ok(Math.abs(l.means.D_loss - (window[0] + window[1]) / 2) < 1e-6, `${JSON.stringify(l.means)} vs ${window}`);
    assert.equal(l.values.D_loss, window[1], "values: the evaluated step's own");
  }
  // An interrupted run had logged step 5 after its last checkpoint (step 4): resuming drops it.
  fs.appendFileSync(file, JSON.stringify({ ...first[1], step: 5 }) + "\n");
  const r = cli("train.ts", [...args, "--steps", "6", "--resume"]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines().map((l) => l.step), [2, 4, 6]);
  // Evaluations and checkpoints along the way leave training alone (what sweeps that share a
  // training rely on, src/sweep/share.ts): 6 straight steps without them end in the same weights
  // and optimizer state, byte for byte.
  const plainOut = tempDir("gan-watch-plain-");
  const plainArgs = args.filter((a, i) => !["--eval-every", "--eval-n", "--checkpoint-every"].includes(a) && !["--eval-every", "--eval-n", "--checkpoint-every"].includes(args[i - 1]));
  plainArgs[plainArgs.indexOf("--out") + 1] = plainOut;
  const plain = cli("train.ts", [...plainArgs, "--steps", "6"]);
  assert.equal(plain.code, 0, plain.stderr);
  const weights = (dir: string) => {
    const b = fs.readFileSync(path.join(dir, "latest.ckpt"));
    const start = 12 + b.readUInt32LE(8);
    return b.subarray(start + ((4 - (start % 4)) % 4));
  };
  assert.ok(weights(out).length > 0 && weights(out).equals(weights(plainOut)), "the same weights with and without evaluations");
  const bad = cli("train.ts", [...args, "--steps", "6", "--eval-every", "0"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: --eval-every must be a positive integer, got "0"$/m);
});

test("train --hold-out trains on the evaluator's training part only, records it, and a resume without it is refused", () => {
  const out = tempDir("gan-holdout-");
  const args = ["--model", "dcgan", "--data", "synthetic-digits", "--batch-size", "8", "--out", out, "--set", "ngf=8", "--set", "ndf=8"];
  const t = cli("train.ts", [...args, "--steps", "2", "--hold-out"]);
  assert.equal(t.code, 0, t.stderr);
  // The built-in set has 10,000 digits: the evaluator keeps 2 x 2,000 as references.
  assert.match(t.stdout, /--hold-out: training on 6,000 of 10,000 images of synthetic-digits \(the evaluator's training part; its reference sets stay unseen\)/);
  const ckpt = fs.readFileSync(path.join(out, "latest.ckpt"));
  const header = JSON.parse(ckpt.subarray(12, 12 + ckpt.readUInt32LE(8)).toString());
  assert.equal(header.info.run.holdOut, true);
  assert.equal(header.info.dataName, "synthetic-digits[evaluator train part]");
  const r = cli("train.ts", [...args, "--steps", "4", "--resume"]);
  assert.equal(r.code, 2, "resuming on the whole set is another run");
  assert.match(r.stderr, /evaluator train part/);
});

test("calibrating the quality target: real training-part digits meet it, visibly degraded digits do not, worse degradations score worse", async () => {
  const { calibrateTarget } = await import("../src/eval/calibrate");
  const { kitEvaluator } = await import("../src/eval/evaluator");
  await useWasm();
  const digits = syntheticDigits({ count: 2500, seed: 1 }); // R = 500 per reference set
  const p = kitEvaluator(digits, { steps: 150, cacheDir: cache, verbose: false });
  const rows = Object.fromEntries(calibrateTarget(p).map((r) => [r.name, r]));
  const { resolveTarget, DEFAULT_TARGET } = await import("../src/experiments/quality");
  const bar = resolveTarget(p, DEFAULT_TARGET).fdRatio;
  const fixed = resolveTarget(p, { ...DEFAULT_TARGET, fdRatio: 3 }).fdRatio;
  p.evaluator.dispose();
  // The default bar is the 1-px shift's own score: between the real images' and a 2-px shift's.
  assert.ok(Math.abs(bar - rows["shifted right 1 px"].fdRatio) < 1e-9 * bar, `bar ${bar}, shift row ${rows["shifted right 1 px"].fdRatio}`);
  assert.ok(rows["real images (none)"].fdRatio < bar && bar < rows["shifted right 2 px"].fdRatio, `bar ${bar}`);
  assert.equal(rows["shifted right 1 px"].met, true, "the bar itself passes");
  assert.equal(fixed, 3);
  assert.equal(rows["real images (none)"].met, true, JSON.stringify(rows["real images (none)"]));
  assert.ok(rows["real images (none)"].fdRatio < 3);
  for (const bad of ["blur, sigma 1 px", "shifted right 2 px", "thicker strokes (3x3 max)", "thinner strokes (2x2 min)"]) {
    assert.equal(rows[bad].met, false, `${bad}: ${JSON.stringify(rows[bad])}`);
  }
  assert.ok(rows["blur, sigma 1 px"].fdRatio > rows["blur, sigma 0.5 px"].fdRatio);
  assert.ok(rows["shifted right 2 px"].fdRatio > rows["shifted right 1 px"].fdRatio);
  assert.ok(rows["gaussian noise, std 0.2"].fdRatio > rows["gaussian noise, std 0.1"].fdRatio);
});

test("scoring class-conditioned samples: class accuracy is the share the evaluator labels with the requested class; null for unconditional samples", async () => {
  const { kitEvaluator } = await import("../src/eval/evaluator");
  const { scoreSamples } = await import("../src/experiments/quality");
  const tf = await import("@tensorflow/tfjs");
  await useWasm();
  const digits = syntheticDigits({ count: 2500, seed: 1 });
  const p = kitEvaluator(digits, { steps: 150, cacheDir: cache, verbose: false });
  // 300 held-out real digits as the "samples", requested as their own class and as the next one.
  const ref = p.splits.refB;
  const n = 300;
  const per = 28 * 28;
  const data = ref.data.subarray(0, n * per);
  const labels = Int32Array.from(ref.labels!.subarray(0, n));
  const x = tf.tensor4d(data, [n, 28, 28, 1]);
  const probs = p.evaluator.probs!(x);
  x.dispose();
  const argmax = Array.from({ length: n }, (_, i) => { const row = Array.from(probs.subarray(i * 10, i * 10 + 10)); return row.indexOf(Math.max(...row)); });
  const byHand = (want: Int32Array) => argmax.filter((c, i) => c === want[i]).length / n;
  const own = scoreSamples(p, { data, shape: [28, 28, 1], classes: labels }, 0);
  const next = Int32Array.from(labels, (l) => (l + 1) % 10);
  const shifted = scoreSamples(p, { data, shape: [28, 28, 1], classes: next }, 0);
  const plain = scoreSamples(p, { data, shape: [28, 28, 1] }, 0);
  p.evaluator.dispose();
  assert.equal(own.classAccuracy, byHand(labels));
  assert.ok(own.classAccuracy! > 0.8, `real digits asked for their own class: ${own.classAccuracy}`);
  assert.equal(shifted.classAccuracy, byHand(next));
  assert.ok(shifted.classAccuracy! < 0.1, `asked for the next class: ${shifted.classAccuracy}`);
  assert.equal(plain.classAccuracy, null);
  assert.equal(own.fd, plain.fd, "the classes change nothing else");
});

test("train --eval-metrics swd,ms-ssim: each evaluation also scores the samples at the training size against the training images; training seconds and images shown ride along", async () => {
  const out = tempDir("gan-watch-img-");
  const args = ["--model", "dcgan", "--data", "synthetic-digits", "--image-size", "32", "--batch-size", "8", "--steps", "4", "--out", out, "--checkpoint-every", "4", "--eval-every", "2", "--eval-n", "64", "--evaluator-steps", "150", "--set", "ngf=8", "--set", "ndf=8"];
  const t = cli("train.ts", [...args, "--eval-metrics", "swd,ms-ssim"]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /\(and swd, ms-ssim at 32x32\)/);
  assert.match(t.stdout, /step 4: .* target not met  SWD \d+\.\d  MS-SSIM [01]\.\d{3}/);
  const lines = fs.readFileSync(path.join(out, "evals.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.images), [16, 32], "steps x batch for a model without its own count");
  assert.ok(lines[0].train_s >= 0 && lines[1].train_s > lines[0].train_s && lines[1].train_s <= lines[1].wall_s, JSON.stringify(lines.map((l) => [l.train_s, l.wall_s])));
  assert.equal(lines[0].eval_s, 0, "nothing evaluated before the first evaluation");
  assert.ok(lines[1].eval_s > 0 && lines[1].train_s + lines[1].eval_s <= lines[1].wall_s + 1, JSON.stringify(lines[1]));
  assert.deepEqual(Object.keys(lines[1].swd_levels), ["16", "32"], "the pyramid of the 32x32 training size");
  assert.ok(lines[1].ms_ssim > 0 && lines[1].ms_ssim <= 1);
  // The same numbers from the checkpoint: its samples (seed 777, at the training size) against the
  // first 64 images of the evaluator's training part, padded to 32 as the run trained on them.
  await useWasm();
  const tf = await import("@tensorflow/tfjs");
  const { loadModel } = await import("../src/eval/load-model");
  const { generateSamples } = await import("../src/eval/samples");
  const { computeMetric } = await import("../src/metrics/registry");
  const { padImages, gather } = await import("../src/data/dataset");
  const loaded = await loadModel(path.join(out, "latest.ckpt"));
  const g = generateSamples(loaded, 64, 777, { dataSize: false });
  const fake = tf.clipByValue(tf.tensor4d(g.data, [64, 32, 32, 1]), -1, 1) as import("@tensorflow/tfjs").Tensor4D;
  const train = padImages(evaluatorSplits(syntheticDigits({ count: 10000, seed: 1 })).train, 32);
  const real = gather(train, Array.from({ length: 64 }, (_, i) => i));
  const swd = computeMetric("swd", { fake, real: real.x, range: "[-1,1]", seed: 1 });
  const ms = computeMetric("ms-ssim", { fake, range: "[-1,1]", seed: 2, options: { pairs: 10_000 } });
  tf.dispose([fake, real.x, real.labels ?? []]);
  loaded.model.dispose();
  assert.ok(Math.abs(swd.value - lines[1].swd) < 1e-6 * swd.value, `${swd.value} vs ${lines[1].swd}`);
  assert.ok(Math.abs(ms.value - lines[1].ms_ssim) < 1e-9, `${ms.value} vs ${lines[1].ms_ssim}`);
  const bad = cli("train.ts", [...args, "--out", tempDir("gan-watch-bad-"), "--eval-metrics", "swd,fid"]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /^error: --eval-metrics: fid not one of swd, ms-ssim$/m);
});
