/**
 * The fused conv/dense + bias + activation ops (src/nn/fused.ts) and the gradients the kit registers
 * for FusedConv2D, _FusedMatMul and LeakyRelu: values, first and second derivatives on wasm (and on
 * cpu's fused kernels) against separate stock ops on the cpu backend, over many shapes.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { onCpu, relativeError, useWasm } from "./helpers";
import { Activation, conv2dAct, denseAct } from "../src/nn/fused";

type Pad = "same" | "valid" | tf.backend_util.ExplicitPadding;
const ACTS: Activation[] = ["linear", "relu", "leakyrelu", "elu", "sigmoid", "tanh"];

/**
 * The reference: stock conv/matMul, add and activation ops; (leaky) ReLU written with |z| (0.6 z + 0.4 |z|),
 * whose stock gradient (through Abs and Step) is independent of the kit's and twice differentiable.
 */
function reference(z: tf.Tensor, act: Activation): tf.Tensor {
  switch (act) {
    case "linear":
      return z;
    case "relu":
      return tf.add(tf.mul(z, 0.5), tf.mul(tf.abs(z), 0.5));
    case "leakyrelu":
      return tf.add(tf.mul(z, 0.6), tf.mul(tf.abs(z), 0.4));
    case "elu":
      return tf.elu(z);
    case "sigmoid":
      return tf.sigmoid(z);
    case "tanh":
      return tf.tanh(z);
  }
}

interface ConvCase { batch: number; size: [number, number]; k: number; stride: number; pad: Pad; ci: number; co: number; act: Activation; bias: boolean }

function convCases(): ConvCase[] {
  const out: ConvCase[] = [];
  const pads: Pad[] = ["same", "valid", [[0, 0], [1, 2], [2, 0], [0, 0]]];
  let i = 0;
  for (const k of [1, 3, 4]) {
    for (const stride of [1, 2]) {
      for (const pad of pads) {
        for (const size of [[8, 8], [7, 9]] as [number, number][]) {
          out.push({ batch: i % 2 ? 3 : 1, size, k, stride, pad, ci: [1, 3, 8][i % 3], co: [4, 16, 1][i % 3], act: ACTS[i % ACTS.length], bias: i % 4 !== 3 });
          i++;
        }
      }
    }
  }
  return out;
}

const convName = (c: ConvCase) => `x[${c.batch},${c.size},${c.ci}] k${c.k} s${c.stride} ${JSON.stringify(c.pad)} -> ${c.co} ${c.act}${c.bias ? "+b" : ""}`;

/** y and the gradients of sum(y * r) with respect to x, filter and bias, flattened into one vector. */
function convValueAndGrads(fused: boolean, c: ConvCase, x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, r: tf.Tensor): tf.Tensor {
  const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => {
    if (fused) return conv2dAct(xx as tf.Tensor4D, ww as tf.Tensor4D, c.bias ? (bb as tf.Tensor1D) : null, c.stride, c.pad, c.act);
    const z = tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.stride, c.pad);
    return reference(c.bias ? tf.add(z, bb) : z, c.act);
  };
  const y = f(x, w, b);
  // (+ 0 * sum(b) keeps b connected when the case has no bias: its gradient is then 0 on both sides.)
  const grads = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.add(tf.sum(tf.mul(f(xx, ww, bb), r)), tf.mul(tf.sum(bb), 0)))([x, w, b]);
  return tf.concat([y, ...grads].map((t) => t.flatten()));
}

test("conv2dAct (FusedConv2D and its gradient) on wasm and cpu matches separate stock ops on cpu", async () => {
  await useWasm();
  const all = convCases();
  assert.ok(all.length >= 30);
  for (const c of all) {
    const x = tf.randomNormal([c.batch, ...c.size, c.ci], 0, 1, "float32", 1);
    const w = tf.randomNormal([c.k, c.k, c.ci, c.co], 0, 0.5, "float32", 2);
    const b = tf.randomNormal([c.co], 0, 0.5, "float32", 3);
    const yShape = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad).shape;
    const r = tf.randomNormal(yShape, 0, 1, "float32", 4);
    const want = await onCpu([x, w, b, r], (...t) => convValueAndGrads(false, c, t[0], t[1], t[2], t[3]));
    const got = tf.tidy(() => convValueAndGrads(true, c, x, w, b, r));
    const errWasm = relativeError(got.dataSync(), want);
    assert.ok(errWasm < 1e-4, `wasm ${convName(c)}: relative error ${errWasm}`);
    const gotCpu = await onCpu([x, w, b, r], (...t) => convValueAndGrads(true, c, t[0], t[1], t[2], t[3]));
    const errCpu = relativeError(gotCpu, want);
    assert.ok(errCpu < 1e-5, `cpu ${convName(c)}: relative error ${errCpu}`);
    tf.dispose([x, w, b, r, got]);
  }
});

test("denseAct (_FusedMatMul and its gradient) on wasm matches separate stock ops on cpu", async () => {
  await useWasm();
  let i = 0;
  for (const [n, k, units] of [[1, 1, 1], [5, 3, 7], [64, 100, 128], [16, 784, 10], [3, 17, 1]]) {
    for (const act of ACTS) {
      const bias = i++ % 3 !== 2;
      const x = tf.randomNormal([n, k], 0, 1, "float32", 5);
      const w = tf.randomNormal([k, units], 0, 0.3, "float32", 6);
      const b = tf.randomNormal([units], 0, 0.3, "float32", 7);
      const r = tf.randomNormal([n, units], 0, 1, "float32", 8);
      const run = (fused: boolean, xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor, rr: tf.Tensor) => {
        const f = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
          fused ? denseAct(a as tf.Tensor2D, c as tf.Tensor2D, bias ? (d as tf.Tensor1D) : null, act) : reference(bias ? tf.add(tf.matMul(a as tf.Tensor2D, c as tf.Tensor2D), d) : tf.matMul(a as tf.Tensor2D, c as tf.Tensor2D), act);
        const grads = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.add(tf.sum(tf.mul(f(a, c, d), rr)), tf.mul(tf.sum(d), 0)))([xx, ww, bb]);
        return tf.concat([f(xx, ww, bb), ...grads].map((t) => t.flatten()));
      };
      const want = await onCpu([x, w, b, r], (...t) => run(false, t[0], t[1], t[2], t[3]));
      const got = tf.tidy(() => run(true, x, w, b, r));
      const err = relativeError(got.dataSync(), want);
      assert.ok(err < 1e-4, `dense [${n},${k}] -> ${units} ${act}${bias ? "+b" : ""}: relative error ${err}`);
      tf.dispose([x, w, b, r, got]);
    }
  }
});

test("second derivatives through fused layers (a gradient penalty) match stock ops on cpu", async () => {
  await useWasm();
  for (const act of ["linear", "relu", "leakyrelu", "sigmoid"] as Activation[]) {
    for (const [stride, pad] of [[1, "same"], [2, [[0, 0], [1, 1], [1, 1], [0, 0]]]] as [number, Pad][]) {
      const x = tf.randomNormal([2, 6, 6, 3], 0, 1, "float32", 9);
      const w1 = tf.randomNormal([3, 3, 3, 5], 0, 0.5, "float32", 10);
      const b1 = tf.randomNormal([5], 0, 0.5, "float32", 11);
      const w2 = tf.randomNormal([6 * 6 * 5 / (stride * stride), 1], 0, 0.3, "float32", 12);
      const run = (fused: boolean, xx: tf.Tensor, a: tf.Tensor, bb: tf.Tensor, c: tf.Tensor) => {
        const d = (img: tf.Tensor, k1: tf.Tensor, bias1: tf.Tensor, k2: tf.Tensor) => {
          const h = fused
            ? conv2dAct(img as tf.Tensor4D, k1 as tf.Tensor4D, bias1 as tf.Tensor1D, stride, pad, act)
            : reference(tf.add(tf.conv2d(img as tf.Tensor4D, k1 as tf.Tensor4D, stride, pad), bias1), act);
          const flat = tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D;
          return fused ? denseAct(flat, k2 as tf.Tensor2D, null, "leakyrelu") : reference(tf.matMul(flat, k2 as tf.Tensor2D), "leakyrelu");
        };
        const penalty = (k1: tf.Tensor, bias1: tf.Tensor, k2: tf.Tensor) => {
          const gx = tf.grad((img: tf.Tensor) => tf.sum(d(img, k1, bias1, k2)))(xx);
          // (+ 0 * sum(bias1): with a linear first layer the penalty does not depend on it.)
          return tf.add(tf.sum(tf.square(gx)), tf.mul(tf.sum(bias1), 0));
        };
        const grads = tf.grads(penalty)([a, bb, c]);
        return tf.concat(grads.map((t) => t.flatten()));
      };
      const want = await onCpu([x, w1, b1, w2], (...t) => run(false, t[0], t[1], t[2], t[3]));
      const got = tf.tidy(() => run(true, x, w1, b1, w2));
      const err = relativeError(got.dataSync(), want);
      assert.ok(err < 1e-4, `penalty through ${act} stride ${stride}: relative error ${err}`);
      tf.dispose([x, w1, b1, w2, got]);
    }
  }
});

test("a gradient with respect to the input alone runs no filter gradient, and nothing leaks", async () => {
  await useWasm();
  const x = tf.randomNormal([4, 8, 8, 3], 0, 1, "float32", 13);
  const w = tf.randomNormal([3, 3, 3, 8], 0, 1, "float32", 14);
  const b = tf.zeros([8]) as tf.Tensor1D;
  const before = tf.memory().numTensors;
  const profile = await tf.profile(() => {
    const g = tf.grad((xx: tf.Tensor) => tf.sum(conv2dAct(xx as tf.Tensor4D, w as tf.Tensor4D, b, 1, "same", "leakyrelu")))(x);
    g.dispose();
  });
  const names = profile.kernels.map((k) => k.name);
  assert.ok(names.includes("FusedConv2D") && names.includes("Conv2DBackpropInput"), names.join(","));
  assert.ok(!names.includes("Conv2DBackpropFilter"), "the filter's gradient was computed though only dL/dx was asked for");
  assert.ok(!names.includes("Greater") && !names.includes("Select"), "leaky ReLU's gradient should be Step and Multiply");
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, w, b]);
});
