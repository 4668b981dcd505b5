/** The real Fashion-MNIST from Debian's package dataset-fashion-mnist (installed by .ci/run). */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEBIAN_FASHION_DIR, fashionMnistDir, loadData } from "../src/data/registry";
import { exampleCount } from "../src/data/dataset";
import { evaluatorSplits } from "../src/eval/evaluator";

const have = fs.existsSync(DEBIAN_FASHION_DIR) || fashionMnistDir() !== null;
if (!have) console.log(`# skipped: Fashion-MNIST is not installed (Debian: apt-get install dataset-fashion-mnist)`);

test("--data fashion-mnist finds the full set (60k train + 10k test) and the evaluator holds out the test files", { skip: !have && "Fashion-MNIST not installed" }, () => {
  const ds = loadData("fashion-mnist");
  assert.deepEqual(ds.shape, [28, 28, 1]);
  assert.equal(exampleCount(ds), 70000);
  assert.equal(ds.numClasses, 10);
  assert.equal(ds.classNames![9], "Ankle boot");
  // Every class has 7,000 images (6,000 train + 1,000 test), as published.
  const counts = new Array(10).fill(0);
  for (const l of ds.labels!) counts[l]++;
  assert.deepEqual(counts, new Array(10).fill(7000));
  assert.ok(ds.data.every((v) => v >= -1 && v <= 1));
  const s = evaluatorSplits(ds);
  assert.equal(exampleCount(s.train), 60000);
  assert.equal(exampleCount(s.refA), 5000);
  const r = spawnSync(process.execPath, ["--import", "tsx", path.resolve(__dirname, "../src/cli/data.ts"), "fashion-mnist"], { encoding: "utf8", env: { ...process.env, CI: "true" } });
  if (fashionMnistDir() === DEBIAN_FASHION_DIR) {
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /using Debian's dataset-fashion-mnist .*nothing to download/);
    // --list says where --data fashion-mnist reads from, not only that nothing was downloaded
    const list = spawnSync(process.execPath, ["--import", "tsx", path.resolve(__dirname, "../src/cli/data.ts"), "--list"], { encoding: "utf8" });
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^fashion-mnist .*; not downloaded; --data fashion-mnist reads ${DEBIAN_FASHION_DIR} \\(`, "m"));
  }
});
