/** The shared trainer on wasm: a small DCGAN learns (loss and weights move) without leaking tensors. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import * as cliProgress from "cli-progress";
import { useWasm } from "./helpers";
import { Dcgan } from "../src/models/dcgan";
import { Gan } from "../src/models/gan";
import { ShuffledBatches } from "../src/data/dataset";
import { syntheticDigits } from "../src/data/synthetic-digits";
import { sampleMixture, ring8 } from "../src/data/mixtures";
import { Trainer, StepRecord } from "../src/train/trainer";
import { UserError } from "../src/errors";

test("a small DCGAN trains on wasm: losses and weights change, tensor count stays flat", async () => {
  await useWasm();
  const data = syntheticDigits({ count: 64, seed: 2 });
  const model = new Dcgan({ imageSize: 28, ngf: 8, ndf: 8, latentDim: 16, seed: 3 });
  const trainer = new Trainer(model);
  const w0 = model.G.ups[0].kernel.dataSync().slice();
  const d0 = model.D.convs[0].kernel.dataSync().slice();
  const counts: number[] = [];
  const history = await trainer.run(new ShuffledBatches(data, 1), {
    steps: 10,
    batchSize: 8,
    progress: false,
    callbacks: [{ onStep: () => void counts.push(tf.memory().numTensors) }],
  });
  assert.equal(history.length, 10);
  assert.equal(counts[1], counts[9], `numTensors after step 2 (${counts[1]}) and step 10 (${counts[9]})`);
  const dLoss = history.map((r) => r.values.D_loss);
  const gLoss = history.map((r) => r.values.G_loss);
  assert.ok(dLoss.every(Number.isFinite) && gLoss.every(Number.isFinite));
  assert.ok(new Set(dLoss).size > 1 && new Set(gLoss).size > 1, "losses change");
  const moved = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).some((v, i) => v !== b[i]);
  assert.ok(moved(w0, model.G.ups[0].kernel.dataSync()), "G weights change");
  assert.ok(moved(d0, model.D.convs[0].kernel.dataSync()), "D weights change");
  const samples = model.generate(4, 1);
  assert.deepEqual(samples.shape, [4, 28, 28, 1]);
  const v = samples.dataSync();
  assert.ok(v.every((p) => p >= -1 && p <= 1), "tanh output in [-1, 1]");
  samples.dispose();
  trainer.dispose();
  model.dispose();
});

test("DCGAN builds 32x32 and 64x64 RGB networks with matching shapes", async () => {
  await useWasm();
  for (const size of [32, 64]) {
    const m = new Dcgan({ imageSize: size, channels: 3, ngf: 4, ndf: 4, latentDim: 8 });
    const x = m.generate(2, 0);
    assert.deepEqual(x.shape, [2, size, size, 3]);
    const logits = tf.tidy(() => m.D.apply(x, false));
    assert.deepEqual(logits.shape, [2, 1]);
    tf.dispose([x, logits]);
    m.dispose();
  }
  assert.throws(() => new Dcgan({ imageSize: 30 }), UserError);
});

test("same seed, same run: training is deterministic", async () => {
  await useWasm();
  const data = sampleMixture(ring8(), 256, 1);
  const run = async () => {
    const model = new Gan({ dataDim: 2, latentDim: 4, hidden: [16], output: "linear", seed: 5 });
    const trainer = new Trainer(model);
    const h: StepRecord[] = await trainer.run(new ShuffledBatches(data, 7), { steps: 5, batchSize: 16, seed: 9, progress: false });
    const w = model.G.layers[0].kernel.dataSync().slice();
    trainer.dispose();
    model.dispose();
    return { losses: h.map((r) => r.values.G_loss), w };
  };
  const a = await run();
  const b = await run();
  assert.deepEqual(a.losses, b.losses);
  assert.deepEqual(a.w, b.w);
});

test("bad training options are rejected before training", async () => {
  await useWasm();
  const model = new Gan({ dataDim: 2, latentDim: 2, hidden: [4], output: "linear" });
  const trainer = new Trainer(model);
  const data = new ShuffledBatches(sampleMixture(ring8(), 16, 1));
  await assert.rejects(trainer.run(data, { steps: 1, batchSize: 0 }), /batch size must be a positive integer/);
  await assert.rejects(trainer.run(data, { steps: 1, batchSize: -3 }), UserError);
  trainer.dispose();
  model.dispose();
});

test("simultaneous updates: a player whose loss throws leaves no gradients behind", async () => {
  await useWasm();
  const { Began } = await import("../src/models/began");
  const model = new Began({ imageSize: 16, channels: 1, n: 4, h: 8, seed: 1 });
  assert.equal(model.updates, "simultaneous");
  const trainer = new Trainer(model);
  const source = new ShuffledBatches(syntheticDigits({ count: 32, seed: 2, size: 16 }), 0);
  const batch = source.batch(0, 4);
  trainer.step(batch, 0, 0); // the optimizers' slots exist from here on
  const before = tf.memory().numTensors;
  const gLoss = model.gLoss.bind(model);
  model.gLoss = () => {
    throw new Error("G failed");
  };
  assert.throws(() => trainer.step(batch, 1, 0), /G failed/);
  assert.equal(tf.memory().numTensors, before, "D's gradients were computed and must be freed");
  model.gLoss = gLoss;
  trainer.step(batch, 1, 0);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([batch.x, batch.labels ?? []]);
  trainer.dispose();
  model.dispose();
});

test("trainedSeconds adds up the parts of a resumed run (each part's clock starts at 0)", async () => {
  const { trainedSeconds } = await import("../src/train/trainer");
  assert.equal(trainedSeconds([]), 0);
  assert.equal(trainedSeconds([{ time: 0.5 }, { time: 1 }, { time: 2 }]), 2);
  assert.equal(trainedSeconds([{ time: 0.5 }, { time: 1 }, { time: 2 }, { time: 0.3 }, { time: 0.9 }]), 2.9);
  assert.equal(trainedSeconds([{ time: 4 }, { time: 1 }, { time: 0.5 }]), 5.5, "three parts of one step each but the last");
});

test("progress lines print durations rounded as a whole: 839 s is 13m59s, never cli-progress's 13m60s", async () => {
  const { barTime, clock } = await import("../src/cli/progress");
  assert.equal(clock(75), "1m15s");
  assert.equal(clock(839), "13m59s");
  assert.equal(clock(839.6), "14m00s");
  assert.equal(clock(59.6), "1m00s");
  assert.equal(clock(3599.6), "1h00m");
  assert.equal(clock(3700), "1h01m");
  assert.equal(clock(-3), "0s");
  assert.equal(barTime("INF"), "?", "cli-progress passes INF before the first update");
  assert.equal(barTime("NULL"), "?");
  // What a bar of the kit shows, through cli-progress's own formatter with the kit's option.
  const params = { eta: 839, progress: 0.5, value: 1, total: 2, startTime: Date.now(), stopTime: null, maxWidth: 80 };
  const options = { format: "{eta_formatted} left", barsize: 4, barCompleteString: "=", barIncompleteString: "-", barGlue: "", autopaddingChar: "0" } as never;
  assert.equal(cliProgress.Format.Formatter({ ...(options as object), formatTime: barTime } as never, params as never, {}), "13m59s left");
});
