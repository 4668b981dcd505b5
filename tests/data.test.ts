/** Built-in data, the batch pipeline, and IDX loading (real MNIST when it is beside the project). */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import * as tf from "@tensorflow/tfjs";
import { useWasm } from "./helpers";
import { syntheticDigits } from "../src/data/synthetic-digits";
import { grid25, ring8, sampleMixture } from "../src/data/mixtures";
import { exampleCount, ShuffledBatches, subset } from "../src/data/dataset";
import { loadIdxImages, readIdx, sharedMnistDir } from "../src/data/idx";
import { UserError } from "../src/errors";
import { tempDir } from "./tmp";

test("synthetic digits: deterministic, in [-1, 1], balanced, and really drawn", () => {
  const a = syntheticDigits({ count: 200, seed: 4 });
  const b = syntheticDigits({ count: 200, seed: 4 });
  const c = syntheticDigits({ count: 200, seed: 5 });
  assert.deepEqual(a.data, b.data);
  assert.notDeepEqual(a.data, c.data);
  assert.ok(a.data.every((v) => v >= -1 && v <= 1));
  const counts = new Array(10).fill(0);
  a.labels!.forEach((l) => counts[l]++);
  assert.ok(Math.min(...counts) >= 10, `classes are balanced: ${counts}`);
  // Every image has ink, and the ink fills a central area like MNIST (borders stay mostly dark).
  for (let n = 0; n < 200; n++) {
    const img = a.data.subarray(n * 784, (n + 1) * 784);
    const ink = img.filter((v) => v > 0).length;
    assert.ok(ink > 20 && ink < 400, `image ${n} has ${ink} inked pixels`);
    const border = [...img.subarray(0, 28 * 2)].filter((v) => v > 0).length;
    assert.equal(border, 0, `image ${n} touches the top border`);
  }
});

test("2-D mixtures put every point near its mode", () => {
  for (const m of [ring8(), grid25()]) {
    const ds = sampleMixture(m, 1000, 3);
    assert.equal(exampleCount(ds), 1000);
    for (let i = 0; i < 1000; i++) {
      const [mx, my] = m.modes[ds.labels![i]];
      assert.ok(Math.hypot(ds.data[2 * i] - mx, ds.data[2 * i + 1] - my) < 6 * m.std);
    }
    assert.equal(new Set(ds.labels).size, m.modes.length, "every mode is drawn");
  }
});

test("shuffled batches are seeded, cover each epoch once, and leak nothing", async () => {
  await useWasm();
  const ds = sampleMixture(ring8(), 40, 1);
  const seen = new Set<string>();
  const src = new ShuffledBatches(ds, 3);
  const before = tf.memory().numTensors;
  for (let step = 0; step < 5; step++) {
    const b = src.batch(step, 8);
    assert.deepEqual(b.x.shape, [8, 2]);
    const v = b.x.dataSync();
    for (let i = 0; i < 8; i++) seen.add(`${v[2 * i]},${v[2 * i + 1]}`);
    tf.dispose([b.x, b.labels!]);
  }
  assert.equal(seen.size, 40, "one epoch shows every example once");
  assert.equal(tf.memory().numTensors, before);
  const again = new ShuffledBatches(ds, 3).batch(7, 8);
  const fresh = new ShuffledBatches(ds, 3).batch(7, 8);
  assert.deepEqual(again.x.dataSync(), fresh.x.dataSync(), "batch k depends only on seed and k");
  tf.dispose([again.x, fresh.x, again.labels!, fresh.labels!]);
  assert.equal(exampleCount(subset(ds, 10, 1)), 10);
  assert.throws(() => subset(ds, 41), UserError);
});

function idx(dims: number[], body: number[] | Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(body)]);
}

test("IDX files: raw and gzip load; wrong magic, truncation and count mismatches name the file", () => {
  const dir = tempDir("idx-");
  const pixels = new Uint8Array(3 * 28 * 28).map((_, i) => i % 256);
  fs.writeFileSync(path.join(dir, "t10k-images-idx3-ubyte.gz"), zlib.gzipSync(idx([3, 28, 28], pixels)));
  fs.writeFileSync(path.join(dir, "t10k-labels-idx1-ubyte"), idx([3], [7, 0, 9]));
  const ds = loadIdxImages(dir, "tiny");
  assert.deepEqual(ds.shape, [28, 28, 1]);
  assert.deepEqual([...ds.labels!], [7, 0, 9]);
  assert.equal(ds.data[0], -1);
  assert.equal(ds.data[255], 1);

  const bad = (name: string, content: Buffer, pattern: RegExp) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, content);
    assert.throws(() => readIdx(f), (e: Error) => e instanceof UserError && e.message.includes(f) && pattern.test(e.message));
  };
  bad("magic", Buffer.from([0x50, 0x4b, 3, 4, 0, 0]), /wrong magic number/);
  bad("short", idx([10, 28, 28], new Uint8Array(100)), /truncated/);
  bad("long", idx([1, 2, 2], new Uint8Array(9)), /more than its header/);
  bad("gz", Buffer.from([0x1f, 0x8b, 1, 2, 3]), /cannot read/);
  fs.writeFileSync(path.join(dir, "t10k-labels-idx1-ubyte"), idx([2], [7, 0]));
  assert.throws(() => loadIdxImages(dir, "tiny"), /has 3 images but .* has 2 labels/);
  assert.throws(() => loadIdxImages(path.join(dir, "nope"), "x"), /data folder not found/);
});

test("real MNIST test set, when it is beside the project", (t) => {
  const dir = sharedMnistDir();
  if (!dir) {
    t.skip("../shared/data/mnist not present: real-MNIST check skipped");
    return;
  }
  const ds = loadIdxImages(dir, "mnist", "test");
  assert.equal(exampleCount(ds), 10000);
  assert.deepEqual(ds.shape, [28, 28, 1]);
  const counts = new Array(10).fill(0);
  ds.labels!.forEach((l) => counts[l]++);
  assert.deepEqual(counts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009], "the published test-set class counts");
});
