/**
 * Every kernel the kit registers on wasm, checked against the cpu backend's own kernel on many
 * shapes: strides 1 and 2, 'same', 'valid' and explicit padding, odd and even sizes, kernel sizes
 * 1 to 5, batch 1 and more; relative tolerance 1e-4.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { onCpu, relativeError, useWasm } from "./helpers";
import { KIT_WASM_KERNELS } from "../src/backend/kernels/register";
import { planAxis } from "../src/backend/kernels/conv2d-backprop-input";

type Shape4 = [number, number, number, number];
type Pad = "same" | "valid" | tf.backend_util.ExplicitPadding;
interface Case { batch: number; size: [number, number]; k: number; stride: number; pad: Pad; ci: number; co: number }

function cases(): Case[] {
  const out: Case[] = [];
  const pads: Pad[] = ["same", "valid", [[0, 0], [1, 2], [2, 0], [0, 0]], [[0, 0], [0, 1], [1, 1], [0, 0]]];
  let i = 0;
  for (const k of [1, 2, 3, 4, 5]) {
    for (const stride of [1, 2]) {
      for (const pad of pads) {
        for (const size of [[8, 8], [7, 9]] as [number, number][]) {
          const batch = i % 3 === 0 ? 1 : 3;
          const ci = [1, 3, 8][i % 3];
          const co = [4, 1, 16][(i + 1) % 3];
          i++;
          if (k > Math.min(...size) && pad === "valid") continue;
          out.push({ batch, size, k, stride, pad, ci, co });
        }
      }
    }
  }
  return out;
}

const name = (c: Case) => `x[${c.batch},${c.size},${c.ci}] k${c.k} s${c.stride} ${JSON.stringify(c.pad)} -> ${c.co}`;

test("the kit registers its wasm kernels", async () => {
  await useWasm();
  for (const k of KIT_WASM_KERNELS) assert.ok(tf.getKernel(k.kernelName, "wasm") === k || tf.getKernel(k.kernelName, "wasm")?.kernelFunc === k.kernelFunc, k.kernelName);
});

test("Conv2DBackpropFilter on wasm matches cpu", async () => {
  await useWasm();
  const all = cases();
  assert.ok(all.length >= 70, `only ${all.length} cases`);
  for (const c of all) {
    const x = tf.randomNormal([c.batch, ...c.size, c.ci], 0, 1, "float32", 1);
    const fshape: [number, number, number, number] = [c.k, c.k, c.ci, c.co];
    const y = tf.conv2d(x as tf.Tensor4D, tf.zeros(fshape) as tf.Tensor4D, c.stride, c.pad);
    const dy = tf.randomNormal(y.shape, 0, 1, "float32", 2);
    const attrs = { strides: [c.stride, c.stride], pad: c.pad, dataFormat: "NHWC", filterShape: fshape } as unknown as tf.NamedAttrMap;
    const kernel = (a: tf.Tensor, b: tf.Tensor) => tf.engine().runKernel("Conv2DBackpropFilter", { x: a, dy: b }, attrs) as tf.Tensor;
    const got = kernel(x, dy);
    assert.deepEqual(got.shape, fshape, name(c));
    const want = await onCpu([x, dy], kernel);
    const err = relativeError(got.dataSync(), want);
    assert.ok(err < 1e-4, `${name(c)}: relative error ${err}`);
    tf.dispose([x, y, dy, got]);
  }
});

test("Conv2DBackpropInput on wasm matches cpu", async () => {
  await useWasm();
  for (const c of cases()) {
    const xshape: [number, number, number, number] = [c.batch, ...c.size, c.ci];
    const filter = tf.randomNormal([c.k, c.k, c.ci, c.co], 0, 1, "float32", 3);
    const y = tf.conv2d(tf.zeros(xshape) as tf.Tensor4D, filter as tf.Tensor4D, c.stride, c.pad);
    const dy = tf.randomNormal(y.shape, 0, 1, "float32", 4);
    const attrs = { strides: [c.stride, c.stride], pad: c.pad, dataFormat: "NHWC", inputShape: xshape } as unknown as tf.NamedAttrMap;
    const kernel = (a: tf.Tensor, b: tf.Tensor) => tf.engine().runKernel("Conv2DBackpropInput", { dy: a, filter: b }, attrs) as tf.Tensor;
    const got = kernel(dy, filter);
    assert.deepEqual(got.shape, xshape, name(c));
    const want = await onCpu([dy, filter], kernel);
    const err = relativeError(got.dataSync(), want);
    assert.ok(err < 1e-4, `${name(c)}: relative error ${err}`);
    tf.dispose([filter, y, dy, got]);
  }
});

test("transposed convolutions of the models (forward and gradients) match cpu", async () => {
  await useWasm();
  const shapes: [Shape4, Shape4, number, "same" | "valid"][] = [
    [[4, 7, 7, 32], [4, 4, 16, 32], 2, "same"],
    [[2, 14, 14, 16], [4, 4, 1, 16], 2, "same"],
    [[3, 4, 4, 8], [5, 5, 4, 8], 2, "valid"],
    [[1, 5, 6, 3], [3, 3, 2, 3], 1, "same"],
  ];
  for (const [xs, fs, s, pad] of shapes) {
    const x = tf.randomNormal(xs, 0, 1, "float32", 5) as tf.Tensor4D;
    const w = tf.randomNormal(fs, 0, 1, "float32", 6) as tf.Tensor4D;
    const outSize = (n: number) => (pad === "same" ? n * s : (n - 1) * s + fs[0]);
    const outShape: [number, number, number, number] = [xs[0], outSize(xs[1]), outSize(xs[2]), fs[2]];
    const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, outShape, s, pad)));
    const gx = (a: tf.Tensor, b: tf.Tensor) => tf.grad((t: tf.Tensor) => loss(t, b))(a);
    const gw = (a: tf.Tensor, b: tf.Tensor) => tf.grad((t: tf.Tensor) => loss(a, t))(b);
    const fwd = (a: tf.Tensor, b: tf.Tensor) => tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, outShape, s, pad);
    for (const [label, f] of [["forward", fwd], ["dx", gx], ["dw", gw]] as const) {
      const got = tf.tidy(() => f(x, w));
      const err = relativeError(got.dataSync(), await onCpu([x, w], f));
      assert.ok(err < 1e-4, `${label} ${xs} ${fs}: relative error ${err}`);
      got.dispose();
    }
    tf.dispose([x, w]);
  }
});

test("phase plan covers every filter tap exactly once per axis", () => {
  for (const k of [1, 2, 3, 4, 5]) {
    for (const s of [1, 2, 3]) {
      for (const p of [0, 1, 2]) {
        const { phases } = planAxis(9, Math.floor((9 + 2 * p - k) / s) + 1, k, s, p);
        const taps = phases.flatMap((ph) => ph?.taps ?? []).sort((a, b) => a - b);
        assert.deepEqual(taps, [...Array(k).keys()], `k${k} s${s} p${p}`);
      }
    }
  }
});

test("composed kernels leak no tensors and no wasm buffers", async () => {
  await useWasm();
  // 4 input channels: the filter gradient takes the patch-matrix path (3*3*4 rows); 8: the dilated conv.
  for (const ci of [4, 8]) {
    const x = tf.randomNormal([2, 9, 9, ci]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, ci, 5]) as tf.Tensor4D;
    // Every kit kernel: conv filter and input gradients, upsampling and its gradient, pooling gradient.
    const f = (a: tf.Tensor, b: tf.Tensor) => {
      const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "same");
      const z = tf.conv2dTranspose(y, b as tf.Tensor4D, [2, 10, 10, ci], 2, "same");
      return tf.sum(tf.avgPool(tf.image.resizeNearestNeighbor(z, [20, 20]), 2, 2, "valid"));
    };
    const step = () => tf.tidy(() => tf.grads(f)([x, w]));
    tf.dispose(step());
    const before = tf.memory();
    const buffers = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    for (let i = 0; i < 5; i++) tf.dispose(step());
    assert.equal(tf.memory().numTensors, before.numTensors);
    assert.equal((tf.backend() as unknown as { numDataIds(): number }).numDataIds(), buffers);
    tf.dispose([x, w]);
  }
});

test("nearest-neighbour upsampling and its gradient on wasm match cpu", async () => {
  await useWasm();
  const cases: [Shape4, [number, number], boolean, boolean][] = [
    [[1, 4, 4, 1], [8, 8], false, false],
    [[3, 5, 7, 4], [10, 14], false, false],
    [[2, 3, 3, 8], [9, 6], false, true],
    [[2, 4, 6, 3], [4, 12], false, false],
    [[1, 5, 5, 2], [8, 8], false, false], // non-integer factor: stock kernel
    [[2, 4, 4, 3], [8, 8], true, false], // alignCorners: stock kernel
    [[2, 2, 2, 5], [2, 2], false, false],
  ];
  for (const [shape, size, alignCorners, halfPixelCenters] of cases) {
    const x = tf.randomNormal(shape, 0, 1, "float32", 7) as tf.Tensor4D;
    const up = (a: tf.Tensor) => tf.image.resizeNearestNeighbor(a as tf.Tensor4D, size, alignCorners, halfPixelCenters);
    const dy = tf.randomNormal([shape[0], ...size, shape[3]], 0, 1, "float32", 8);
    const grad = (a: tf.Tensor, g: tf.Tensor) => tf.grad((t: tf.Tensor) => up(t))(a, g);
    // The cpu backend's ResizeNearestNeighborGrad is wrong for batch > 1 (tfjs 4.22: it mixes
    // examples), so the reference gradient is computed on cpu one example at a time.
    const gradPerExample = (a: tf.Tensor, g: tf.Tensor) =>
      tf.concat(Array.from({ length: a.shape[0] }, (_, i) => grad(a.slice(i, 1), g.slice(i, 1))));
    for (const [label, f, ref, ins] of [["forward", up, up, [x]], ["gradient", grad, gradPerExample, [x, dy]]] as const) {
      const got = tf.tidy(() => (f as (...a: tf.Tensor[]) => tf.Tensor)(...ins));
      const err = relativeError(got.dataSync(), await onCpu([...ins], ref as (...a: tf.Tensor[]) => tf.Tensor));
      assert.ok(err < 1e-4, `${label} ${shape} -> ${size} ac=${alignCorners} hpc=${halfPixelCenters}: relative error ${err}`);
      got.dispose();
    }
    tf.dispose([x, dy]);
  }
});

test("average-pooling gradient on wasm matches cpu", async () => {
  await useWasm();
  const cases: [Shape4, number, number, "same" | "valid"][] = [
    [[1, 4, 4, 1], 2, 2, "valid"],
    [[3, 8, 6, 5], 2, 2, "valid"],
    [[2, 9, 9, 3], 3, 3, "valid"],
    [[2, 8, 8, 4], 2, 2, "same"],
    [[2, 4, 8, 2], 4, 4, "valid"],
    [[1, 7, 7, 2], 2, 2, "valid"], // odd size: stock kernel
    [[2, 7, 6, 3], 3, 2, "same"], // overlapping windows: stock kernel
    [[1, 5, 5, 1], 3, 1, "valid"],
  ];
  for (const [shape, k, s, pad] of cases) {
    const x = tf.randomNormal(shape, 0, 1, "float32", 9) as tf.Tensor4D;
    const pool = (a: tf.Tensor) => tf.avgPool(a as tf.Tensor4D, k, s, pad);
    const y = pool(x);
    const dy = tf.randomNormal(y.shape, 0, 1, "float32", 10);
    const grad = (a: tf.Tensor, g: tf.Tensor) => tf.grad((t: tf.Tensor) => pool(t))(a, g);
    const got = tf.tidy(() => grad(x, dy));
    const err = relativeError(got.dataSync(), await onCpu([x, dy], grad));
    assert.ok(err < 1e-4, `${shape} k${k} s${s} ${pad}: relative error ${err}`);
    tf.dispose([x, y, dy, got]);
  }
});

test("BatchMatMul with transposed operands on wasm matches cpu", async () => {
  await useWasm();
  const cases: [number[], number[], boolean, boolean][] = [
    [[64, 100], [64, 300], true, false],
    [[5, 7], [9, 7], false, true],
    [[7, 5], [9, 7], true, true],
    [[3, 4, 6], [3, 4, 5], true, false],
    [[2, 6, 4], [2, 5, 4], false, true],
    [[1, 3, 8], [4, 2, 3], true, true],
    [[1, 1], [1, 1], true, true],
    [[6, 4], [4, 3], false, false],
  ];
  for (const [as, bs, ta, tb] of cases) {
    const a = tf.randomNormal(as, 0, 1, "float32", 11);
    const b = tf.randomNormal(bs, 0, 1, "float32", 12);
    const f = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, ta, tb);
    const got = f(a, b);
    const err = relativeError(got.dataSync(), await onCpu([a, b], f));
    assert.ok(err < 1e-4, `${as} x ${bs} tA=${ta} tB=${tb}: relative error ${err}`);
    tf.dispose([a, b, got]);
  }
});

test("Sum and Mean on wasm match cpu for every axis pattern", async () => {
  await useWasm();
  const cases: [number[], number | number[], boolean][] = [
    [[64, 14, 14, 8], [0, 1, 2], false],
    [[4, 7, 7, 16], [0, 1, 2], true],
    [[9, 5], 0, false],
    [[9, 5], [0], true],
    [[3, 4, 5], [0, 1], false],
    [[3, 4, 5], [1, 0], true],
    [[3, 4, 5], [-3], false],
    [[3, 4, 5], [2], false], // innermost: stock kernel
    [[3, 4, 5], [0, 2], true], // not leading: stock kernel
    [[3, 4, 5], [0, 1, 2], false], // everything: stock kernel
  ];
  for (const [shape, axis, keepDims] of cases) {
    const x = tf.randomNormal(shape, 1, 2, "float32", 13);
    for (const [label, f] of [["sum", (t: tf.Tensor) => tf.sum(t, axis, keepDims)], ["mean", (t: tf.Tensor) => tf.mean(t, axis, keepDims)]] as const) {
      const got = f(x);
      const want = await onCpu([x], f);
      const ref = tf.tidy(() => f(x));
      assert.deepEqual(got.shape, ref.shape, `${label} ${shape} ${axis}`);
      const err = relativeError(got.dataSync(), want);
      assert.ok(err < 1e-4, `${label} ${shape} axis ${axis} keepDims ${keepDims}: relative error ${err}`);
      tf.dispose([got, ref]);
    }
    x.dispose();
  }
});

test("Cast: to the same dtype shares the buffer; real conversions match cpu", async () => {
  await useWasm();
  const x = tf.tensor([1.5, -2.25, 0, 3e6], [2, 2]);
  const same = tf.cast(x, "float32");
  x.dispose();
  assert.deepEqual([...same.dataSync()], [1.5, -2.25, 0, 3e6], "survives disposing its source");
  for (const [from, to] of [["float32", "int32"], ["float32", "bool"], ["int32", "float32"], ["bool", "float32"], ["int32", "bool"], ["int32", "int32"]] as const) {
    const v = tf.tensor([1.7, -2.2, 0, 5], [4], from);
    const got = tf.cast(v, to);
    assert.equal(got.dtype, to);
    assert.deepEqual([...got.dataSync()], [...(await onCpu([v], (t) => tf.cast(t, to)))], `${from} -> ${to}`);
    tf.dispose([v, got]);
  }
  same.dispose();
});

test("Identity shares the buffer and survives disposing its source", async () => {
  await useWasm();
  const x = tf.tensor([1, 2, 3]);
  const y = tf.clone(x);
  x.dispose();
  assert.deepEqual([...y.dataSync()], [1, 2, 3]);
  const v = tf.variable(tf.tensor([4, 5]));
  const c = tf.clone(v);
  v.assign(tf.tensor([6, 7]));
  assert.deepEqual([...c.dataSync()], [4, 5], "a clone keeps its value when the variable is reassigned");
  tf.dispose([y, v, c]);
});

test("Slice, SplitV and Unpack on wasm match cpu (ranks 1-5, contiguous or not, every dtype)", async () => {
  await useWasm();
  const cases: [number[], number[], number[]][] = [
    [[10], [3], [5]],
    [[10], [0], [10]],
    [[4, 6], [1, 0], [2, 6]], // contiguous rows
    [[4, 6], [0, 2], [4, 3]], // a column band
    [[4, 6], [1, 5], [3, 1]], // one column: runs of 1
    [[2, 5, 7], [1, 1, 2], [1, 3, 4]],
    [[64, 4, 4, 129], [0, 0, 0, 0], [64, 4, 4, 128]], // the minibatch-stddev concat's gradient
    [[64, 4, 4, 129], [0, 0, 0, 128], [64, 4, 4, 1]],
    [[3, 8, 8, 5], [1, 2, 3, 0], [2, 5, 4, 5]],
    [[3, 8, 8, 5], [0, 0, 0, 0], [3, 8, 8, 5]], // everything
    [[2, 3, 4, 5, 6], [1, 0, 2, 1, 3], [1, 3, 2, 4, 2]],
    [[3, 4], [1, 1], [0, 2]], // empty
  ];
  for (const [shape, begin, size] of cases) {
    for (const dtype of ["float32", "int32", "bool"] as const) {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: n }, (_, i) => (dtype === "bool" ? i % 3 === 0 : dtype === "int32" ? i * 7 - 50 : Math.sin(i) * 10));
      const x = tf.tensor(values as number[], shape, dtype);
      const got = tf.slice(x, begin, size);
      assert.equal(got.dtype, dtype);
      const want = await onCpu([x], (t) => tf.slice(t, begin, size));
      assert.deepEqual([...got.dataSync()], [...want], `slice ${dtype} ${shape} from ${begin} size ${size}`);
      tf.dispose([x, got]);
    }
  }
  const x = tf.randomNormal([5, 6, 7], 0, 1, "float32", 21);
  const splits: Record<number, number | number[]> = { 0: [2, 3], 1: 3, 2: [1, 4, 2], [-1]: [5, 2] };
  for (const axis of [0, 1, 2, -1]) {
    const parts = tf.split(x, splits[axis], axis);
    const want = await onCpu([x], (t) => tf.concat(tf.split(t, splits[axis], axis).map((p) => p.flatten())));
    const got = tf.concat(parts.map((p) => p.flatten()));
    assert.deepEqual([...got.dataSync()], [...want], `split on axis ${axis}`);
    tf.dispose([...parts, got]);
    const rows = tf.unstack(x, axis);
    const wantRows = await onCpu([x], (t) => tf.concat(tf.unstack(t, axis).map((p) => p.flatten())));
    const gotRows = tf.concat(rows.map((p) => p.flatten()));
    assert.deepEqual(rows[0].shape, x.shape.filter((_, i) => i !== (axis + 3) % 3));
    assert.deepEqual([...gotRows.dataSync()], [...wantRows], `unstack on axis ${axis}`);
    tf.dispose([...rows, gotRows]);
  }
  x.dispose();
});

test("LeakyRelu on wasm (XNNPACK's PReLU with one slope) matches cpu", async () => {
  await useWasm();
  for (const shape of [[7], [3, 5], [2, 4, 4, 3], [64, 7, 7, 128], [2, 3, 1, 1, 9], [5, 1]]) {
    for (const alpha of [0.2, 0.01, 0, -0.5, 1.5]) {
      const x = tf.randomNormal(shape, 0, 2, "float32", 31);
      const got = tf.leakyRelu(x, alpha);
      const want = await onCpu([x], (t) => tf.leakyRelu(t, alpha));
      assert.ok(relativeError(got.dataSync(), want) < 1e-6, `leakyRelu ${shape} alpha ${alpha}`);
      tf.dispose([x, got]);
    }
  }
  const ints = tf.tensor([-3, -1, 0, 2], [4], "int32");
  const gotInts = tf.leakyRelu(ints, 0.5);
  assert.deepEqual([...gotInts.dataSync()], [...(await onCpu([ints], (t) => tf.leakyRelu(t, 0.5)))], "int32 input (stock kernel)");
  tf.dispose([ints, gotInts]);
});
