/**
 * What a training step moves between JavaScript and the backend: in, the batch, its labels, the
 * latent noise (tfjs draws random numbers in JavaScript) and scalar constants; out, the logged
 * scalars. Nothing image-sized comes back, and no gradient uploads ones(x.shape) any more.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useWasm } from "./helpers";
import { countTransfers } from "../src/backend/transfers";
import { Dcgan } from "../src/models/dcgan";
import { Began } from "../src/models/began";
import { Pggan } from "../src/models/pggan";
import { Tgan } from "../src/models/tgan";
import { Trainer } from "../src/train/trainer";
import { ShuffledBatches } from "../src/data/dataset";
import { syntheticDigits } from "../src/data/synthetic-digits";
import type { GanModel } from "../src/train/types";

async function stepTransfers(model: GanModel, size: number, latent: number, n = 8) {
  const data = syntheticDigits({ count: 64, seed: 3, size });
  const trainer = new Trainer(model);
  const source = new ShuffledBatches(data, 0);
  const step = (i: number) => {
    const b = source.batch(i, n);
    trainer.step(b, i, 0);
    tf.dispose([b.x, b.labels ?? []]);
  };
  step(0);
  step(1); // warm: the optimizers' slots exist
  // The batch itself is made outside the counted region by ShuffledBatches; count only the step.
  const b = source.batch(2, n);
  const before = tf.memory().numTensors;
  const { transfers } = countTransfers(() => trainer.step(b, 2, 0));
  const imageValues = b.x.size;
  tf.dispose([b.x, b.labels ?? []]);
  trainer.dispose();
  model.dispose();
  return { transfers, imageValues, noiseValues: n * latent, before };
}

test("a training step uploads only noise and scalars (the batch is already there) and downloads only scalars", async () => {
  await useWasm();
  const cases: [string, () => GanModel, number, number][] = [
    ["dcgan", () => new Dcgan({ imageSize: 28, ngf: 4, ndf: 4, latentDim: 8, seed: 1 }), 28, 8],
    ["began", () => new Began({ imageSize: 16, channels: 1, n: 4, h: 8, seed: 1 }), 16, 8],
    ["pggan", () => new Pggan({ imageSize: 16, channels: 1, latentDim: 8, fmapBase: 32, fmapMax: 8, imagesPerPhase: 16, seed: 1 }), 16, 8],
    // t-GAN: the largest per-example input is the one-hot class code of the fakes (10 classes).
    ["tgan", () => new Tgan({ imageSize: 16, channels: 1, ngf: 4, ndf: 4, noiseDim: 8, components: 3, codewordDim: 4, seed: 1 }), 16, 10],
  ];
  for (const [name, make, size, latent] of cases) {
    const { transfers, imageValues, noiseValues } = await stepTransfers(make(), size, latent);
    // Latent noise and per-example random numbers (tfjs has no random-number kernel on wasm, so they
    // are drawn in JavaScript) and small constants; nothing the size of the images.
    assert.ok(transfers.largeUploads.includes(noiseValues), `${name}: no noise upload among ${transfers.largeUploads}`);
    for (const u of transfers.largeUploads) {
      assert.ok(u <= noiseValues && u < imageValues, `${name}: an upload of ${u} values (noise is ${noiseValues}, images ${imageValues})`);
    }
    assert.ok(transfers.downloadSizes.every((d) => d === 1), `${name}: downloads of ${transfers.downloadSizes.join(", ")} values`);
    assert.ok(transfers.downloads > 0 && transfers.downloads <= 12, `${name}: ${transfers.downloads} downloads`);
  }
});

test("Sum and Mean gradients (the kit's, no ones upload) equal the broadcast of dy", async () => {
  await useWasm();
  const x = tf.randomNormal([3, 4, 5], 0, 1, "float32", 3);
  for (const axis of [0, 1, 2, [0, 1], [1, 2], [0, 2], [0, 1, 2]]) {
    const axes = Array.isArray(axis) ? axis : [axis];
    const reducedShape = x.shape.map((s, i) => (axes.includes(i) ? 1 : s));
    const count = axes.reduce((c, a) => c * x.shape[a], 1);
    const r = tf.randomNormal(reducedShape, 0, 1, "float32", 4);
    for (const [label, reduce, scale] of [["sum", tf.sum, 1], ["mean", tf.mean, 1 / count]] as const) {
      const { result: g, transfers } = countTransfers(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reduce(t, axis, true), r)))(x));
      const want = tf.mul(tf.broadcastTo(r, x.shape), scale);
      const diff = tf.max(tf.abs(tf.sub(g, want))).dataSync()[0];
      assert.ok(diff < 1e-6, `${label} over ${JSON.stringify(axis)}: ${diff}`);
      assert.ok(transfers.largeUploads.length === 0, `${label}: uploaded ${transfers.largeUploads}`);
      tf.dispose([g, want]);
    }
    r.dispose();
  }
  x.dispose();
});
