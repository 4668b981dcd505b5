/** BEGAN and the improved BEGAN: Table 2 counts, the k_t and M_global rules, a tiny training run. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useWasm } from "./helpers";
import { Began, BeganConfig, IMPROVED_BEGAN, TABLE2_IMPROVED_BEGAN, mGlobal, reconstructionLoss, updateK, zDependence } from "../src/models/began";
import { subSeed } from "../src/nn/init";
import { ShuffledBatches } from "../src/data/dataset";
import { syntheticDigits } from "../src/data/synthetic-digits";
import { Trainer } from "../src/train/trainer";
import { UserError } from "../src/errors";

test("baseline BEGAN at 64x64 has Table 2's parameter counts exactly", async () => {
  await useWasm();
  const m = new Began({ imageSize: 64 });
  assert.equal(m.G.paramCount(), 432_323);
  assert.equal(m.D.decoder.paramCount(), 432_323);
  assert.equal(m.D.encoder.paramCount(), 2_960_608);
  m.dispose();
});

test("k_t update and clipping, by hand", () => {
  // k + lambda (gamma L(x) - L(G(z))) = 0.5 + 0.001 (0.5 * 0.3 - 0.05) = 0.5001
  assert.ok(Math.abs(updateK(0.5, 0.001, 0.5, 0.3, 0.05) - 0.5001) < 1e-12);
  assert.equal(updateK(0, 0.001, 0.5, 0.1, 0.2), 0, "clipped at 0");
  assert.equal(updateK(0.9995, 0.01, 1, 0.5, 0.0), 1, "clipped at 1");
  // M_global = L(x) + |gamma L(x) - L(G(z))| = 0.3 + |0.15 - 0.2| = 0.35
  assert.ok(Math.abs(mGlobal(0.5, 0.3, 0.2) - 0.35) < 1e-12);
  assert.ok(Math.abs(mGlobal(0.5, 0.3, 0.1) - 0.35) < 1e-12);
});

test("L(v) is the mean absolute reconstruction error", async () => {
  await useWasm();
  const v = tf.tensor4d([1, -1, 0.5, 0], [1, 2, 2, 1]);
  const r = tf.tensor4d([0, -1, 1, 0.5], [1, 2, 2, 1]);
  assert.ok(Math.abs(reconstructionLoss(v, r).dataSync()[0] - (1 + 0 + 0.5 + 0.5) / 4) < 1e-7);
  tf.dispose([v, r]);
});

test("a tiny BEGAN and improved BEGAN train: simultaneous updates, k_t follows its rule, no leaks", async () => {
  await useWasm();
  const data = syntheticDigits({ count: 32, seed: 3, size: 16 });
  for (const cfg of [{}, IMPROVED_BEGAN]) {
    const model = new Began({ ...cfg, imageSize: 16, channels: 1, n: 4, h: 8, lambdaK: 0.05, seed: 1 });
    const trainer = new Trainer(model);
    const counts: number[] = [];
    let k = 0;
    const ks: number[] = []; // k_t after each step: step t uses ks[t - 1]
    const history = await trainer.run(new ShuffledBatches(data, 2), {
      steps: 10,
      batchSize: 4,
      progress: false,
      callbacks: [
        {
          onStep: (rec) => {
            counts.push(tf.memory().numTensors);
            const v = rec.values;
            k = updateK(k, 0.05, 0.5, v.L_x, v.L_GzG);
            assert.ok(Math.abs(v.k - k) < 1e-12, "k_t follows the update rule");
            assert.ok(Math.abs(v.M_global - mGlobal(0.5, v.L_x, v.L_GzG)) < 1e-12);
            assert.ok(Math.abs(v.D_loss - (v.L_x - (rec.step === 0 ? 0 : ks[rec.step - 1]) * v.L_GzD)) < 1e-5, "L_D = L(x) - k_t L(G(z_D))");
            ks.push(v.k);
          },
        },
      ],
    });
    assert.equal(counts[1], counts[9], "numTensors flat");
    assert.ok(history.some((r) => r.values.k > 0), "k_t moved off k_0 = 0");
    const x = model.generate(2, 0);
    assert.deepEqual(x.shape, [2, 16, 16, 1]);
    x.dispose();
    trainer.dispose();
    model.dispose();
  }
});

test("bad BEGAN settings are rejected, all at once", () => {
  assert.throws(() => new Began({ gamma: 1.5, k0: 2 }), (e: Error) => e instanceof UserError && /"gamma"/.test(e.message) && /"k0"/.test(e.message));
  assert.throws(() => new Began({ imageSize: 48 }), UserError);
});

test("the improved model's Table 2 counts: the closest architectures the notebook reports", () => {
  // Counted with Keras's rules (weights + biases), as Table 2 is.
  const conv = (i: number, o: number, k = 3, bias = true) => k * k * i * o + (bias ? o : 0);
  const dense = (i: number, o: number) => i * o + o;
  // Encoder: 3 blocks of two 3x3 convolutions, 64 -> 128 -> 192 filters, stride-2 downsampling
  // 64 -> 16, then Dense(16*16*192 -> 32).
  const encoder = (bias: boolean) =>
    conv(3, 64) + conv(64, 128, 3, bias) + conv(128, 128, 3, bias) + conv(128, 192, 3, bias) + 2 * conv(192, 192, 3, bias) + dense(16 * 16 * 192, 32);
  assert.equal(encoder(true), 2_681_440, "with biases: 832 more than Table 2");
  assert.equal(encoder(false), 2_680_608, "Table 2's number exactly, only without the convolutions' biases");
  // Generator = decoder: Dense(32 -> 8*8*128), 2 blocks of two 3x3 convolutions at 128 filters, 3x3 to RGB.
  const generator = dense(32, 8 * 8 * 128) + 4 * conv(128, 128) + conv(128, 3);
  assert.equal(generator, 864_131, "832 fewer than Table 2");
  assert.equal(encoder(true) + generator, 2_680_608 + 864_963, "the two misses cancel: same sum as Table 2");
});

test("the kit's table2 layout (began-table2) builds exactly those networks, at 64x64 and at the kit's 32x32", async () => {
  await useWasm();
  const m = new Began({ imageSize: 64, channels: 3, n: 64, h: 32, ...TABLE2_IMPROVED_BEGAN });
  assert.equal(m.G.paramCount(), 864_131);
  assert.equal(m.D.decoder.paramCount(), 864_131);
  assert.equal(m.D.encoder.paramCount(), 2_681_440);
  assert.equal(m.G.paramCount() + m.D.encoder.paramCount(), 864_963 + 2_680_608, "G + encoder: Table 2's sum");
  assert.deepEqual(m.D.encoder.convs.map(({ conv, outSize }) => [conv.kernel.shape[2], conv.kernel.shape[3], outSize]), [
    [64, 128, 32], [128, 128, 32], [128, 192, 16], [192, 192, 16], [192, 192, 16],
  ]);
  assert.deepEqual(m.G.convs.map(({ outSize }) => outSize), [16, 16, 32, 32], "two stages at 16 and 32; the output conv at 64 after a third upsampling");
  const z = tf.randomUniform([2, 32], -1, 1, "float32", 1) as tf.Tensor2D;
  const x = m.G.apply(z);
  assert.deepEqual(x.shape, [2, 64, 64, 3]);
  assert.deepEqual(m.D.apply(x).shape, [2, 64, 64, 3]);
  tf.dispose([z, x]);
  m.dispose();
  const small = new Began({ imageSize: 32, channels: 1, n: 16, h: 32, ...TABLE2_IMPROVED_BEGAN });
  const y = small.generate(3, 1);
  assert.deepEqual(y.shape, [3, 32, 32, 1]);
  assert.equal(small.D.encoder.fc.kernel.shape[0], 8 * 8 * 48, "Dense from (32/4)^2 x 3n");
  tf.dispose(y);
  small.dispose();
  assert.throws(() => new Began({ imageSize: 8, channels: 1, n: 8, h: 8, ...TABLE2_IMPROVED_BEGAN }), /at least 16x16/);
  assert.throws(() => new Began({ layout: "table" as never }), /layout/);
});

/**
 * The BEGAN networks and losses written out with plain tfjs ops from the paper's description,
 * from a copy of the weights (by name): an independent computation to check the model and the
 * trainer against.
 */
function referenceBegan(c: BeganConfig, w: Map<string, tf.Tensor>) {
  // Nearest-neighbour 2x upsampling by concatenation (the cpu backend's ResizeNearestNeighborGrad is
  // wrong for batches of more than one image in tfjs 4.22: it reads dy at the images' batch offset).
  const upsample2x = (x: tf.Tensor4D) => {
    const [b, h, wd, ch] = x.shape;
    const rows = tf.concat([x, x], 3).reshape([b, h, 2 * wd, ch]); // each pixel twice along a row
    return tf.concat([rows, rows], 2).reshape([b, 2 * h, 2 * wd, ch]) as tf.Tensor4D; // each row twice
  };
  const act = (t: tf.Tensor4D) => (c.activation === "elu" ? tf.elu(t) : tf.leakyRelu(t, 0.2)) as tf.Tensor4D;
  const conv = (x: tf.Tensor4D, name: string, stride: number) =>
    tf.add(tf.conv2d(x, w.get(`${name}/kernel`) as tf.Tensor4D, stride, "same"), w.get(`${name}/bias`)!) as tf.Tensor4D;
  const stages = Math.log2(c.imageSize / 8) + 1;
  const decoder = (p: string, z: tf.Tensor2D) => {
    let x = tf.add(tf.matMul(z, w.get(`${p}fc/kernel`) as tf.Tensor2D), w.get(`${p}fc/bias`)!).reshape([z.shape[0], 8, 8, c.n]) as tf.Tensor4D;
    for (let s = 0; s < stages; s++) {
      if (s > 0) x = upsample2x(x);
      for (let r = 0; r < c.decoderRepeat; r++) x = act(conv(x, `${p}conv${s}_${r}`, 1));
    }
    return conv(x, `${p}out`, 1);
  };
  const encoder = (v: tf.Tensor4D) => {
    let y = act(conv(v, "D/encoder/conv_in", 1));
    for (let b = 0; b < stages; b++) {
      for (let r = 0; r < c.encoderRepeat; r++) y = act(conv(y, `D/encoder/conv${b}_${r}`, b < stages - 1 && r === c.encoderRepeat - 1 ? 2 : 1));
    }
    return tf.add(tf.matMul(y.reshape([v.shape[0], -1]), w.get("D/encoder/fc/kernel") as tf.Tensor2D), w.get("D/encoder/fc/bias")!) as tf.Tensor2D;
  };
  const L = (v: tf.Tensor4D) => tf.mean(tf.abs(tf.sub(v, decoder("D/decoder/", encoder(v))))) as tf.Scalar;
  const G = (z: tf.Tensor2D) => decoder("G/", z);
  return { L, G };
}

/** Every variable of the model by "G/...", "D/encoder/...", "D/decoder/..." and its values. */
function weightsOf(model: Began): Map<string, { values: Float32Array; shape: number[] }> {
  const out = new Map<string, { values: Float32Array; shape: number[] }>();
  for (const [prefix, m] of [["G/", model.G], ["D/", model.D]] as const) {
    for (const [k, v] of m.namedVariables(prefix)) out.set(k, { values: v.dataSync().slice() as Float32Array, shape: v.shape });
  }
  return out;
}

/** Run `f` on the cpu backend (the reference), then come back to wasm. */
async function onCpuBackend<T>(f: () => T): Promise<T> {
  const prev = tf.getBackend();
  await tf.setBackend("cpu");
  (tf.findBackend("cpu") as unknown as { firstUse: boolean }).firstUse = false;
  try {
    return f();
  } finally {
    await tf.setBackend(prev);
  }
}

for (const [label, arch] of [["BEGAN", {}], ["improved BEGAN", IMPROVED_BEGAN]] as const) {
  test(`one trainer step of the ${label}: D moves along -d(L(x) - k_t L(G(z_D)))/dD, G along -dL(G(z_G))/dG, both from the same weights (Adam by hand, reference on cpu)`, async () => {
    await useWasm();
    // Adam's first step is lr * g / (|g| + eps): with eps large it is nearly linear in g, so the
    // weights after the step show each gradient's size, not only its sign.
    const optimizer = { lr: 10, beta1: 0.5, beta2: 0.9, epsilon: 10 };
    const model = new Began({ ...arch, imageSize: 16, channels: 1, n: 3, h: 4, k0: 0.3, lambdaK: 0.1, gamma: 0.5, optimizer, seed: 7 });
    const trainer = new Trainer(model);
    const B = 3;
    const xValues = Float32Array.from({ length: B * 16 * 16 }, (_, i) => Math.sin(i * 0.37) * 0.9);
    const before = weightsOf(model);
    const step = 5;
    const seed = 11;
    const zD = model.latent(B, subSeed(seed, `D:${step}`));
    const zG = model.latent(B, subSeed(seed, `G:${step}`));
    const [zDv, zGv] = [zD.dataSync().slice(), zG.dataSync().slice()];
    tf.dispose([zD, zG]);
    const x = tf.tensor4d(xValues, [B, 16, 16, 1]);
    const values = trainer.step({ x }, step, seed);
    x.dispose();
    const after = weightsOf(model);

    const names = [...before.keys()];
    const dNames = names.filter((k) => k.startsWith("D/"));
    const gNames = names.filter((k) => k.startsWith("G/"));
    assert.equal(dNames.length + gNames.length, names.length);
    type Ref = { grads: Map<string, Float32Array>; Lx: number; LGzD: number; LGzG: number };
    const ref = await onCpuBackend(() => {
      let result: Ref | undefined;
      tf.tidy(() => {
        const tensors = names.map((k) => tf.tensor(before.get(k)!.values, before.get(k)!.shape));
        const withWeights = (ts: tf.Tensor[], which: string[]) => {
          const w = new Map(names.map((k, i) => [k, tensors[i]]));
          which.forEach((k, i) => w.set(k, ts[i]));
          return referenceBegan(model.config, w);
        };
        const xr = tf.tensor4d(xValues, [B, 16, 16, 1]);
        const zDr = tf.tensor2d(zDv, [B, 4]);
        const zGr = tf.tensor2d(zGv, [B, 4]);
        const dLoss = (...ts: tf.Tensor[]) => {
          const { L, G } = withWeights(ts, dNames);
          return tf.sub(L(xr), tf.mul(0.3, L(G(zDr)))) as tf.Scalar;
        };
        const gLoss = (...ts: tf.Tensor[]) => {
          const { L, G } = withWeights(ts, gNames);
          return L(G(zGr));
        };
        const pick = (which: string[]) => which.map((k) => tensors[names.indexOf(k)]);
        const dGrads = tf.grads(dLoss)(pick(dNames));
        const gGrads = tf.grads(gLoss)(pick(gNames));
        const { L, G } = withWeights([], []);
        const grads = new Map<string, Float32Array>();
        dNames.forEach((k, i) => grads.set(k, dGrads[i].dataSync() as Float32Array));
        gNames.forEach((k, i) => grads.set(k, gGrads[i].dataSync() as Float32Array));
        result = { grads, Lx: L(xr).dataSync()[0], LGzD: L(G(zDr)).dataSync()[0], LGzG: L(G(zGr)).dataSync()[0] };
      });
      return result!;
    });
    // The logged losses are the reference's.
    assert.ok(Math.abs(values.L_x - ref.Lx) < 1e-5, `L(x) ${values.L_x} vs ${ref.Lx}`);
    assert.ok(Math.abs(values.L_GzD - ref.LGzD) < 1e-5, `L(G(z_D)) ${values.L_GzD} vs ${ref.LGzD}`);
    assert.ok(Math.abs(values.L_GzG - ref.LGzG) < 1e-5, `L(G(z_G)) ${values.L_GzG} vs ${ref.LGzG}`);
    assert.ok(Math.abs(values.D_loss - (ref.Lx - 0.3 * ref.LGzD)) < 1e-5);
    // k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z_G))), 0, 1) from the reference's losses.
    assert.ok(Math.abs(model.k - Math.min(1, Math.max(0, 0.3 + 0.1 * (0.5 * ref.Lx - ref.LGzG)))) < 1e-6);
    // Every weight after the step is Adam's first step from the reference gradient at the old weights.
    const { lr, beta1, beta2, epsilon } = optimizer;
    let worst = 0;
    let worstName = "";
    for (const k of names) {
      const g = ref.grads.get(k)!;
      const w0 = before.get(k)!.values;
      const w1 = after.get(k)!.values;
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < g.length; i++) {
        const m = ((1 - beta1) * g[i]) / (1 - beta1);
        const v = ((1 - beta2) * g[i] * g[i]) / (1 - beta2);
        const expected = w0[i] - (lr * m) / (Math.sqrt(v) + epsilon);
        diff = Math.max(diff, Math.abs(w1[i] - expected));
        scale = Math.max(scale, Math.abs(expected - w0[i]));
      }
      assert.ok(scale > 0, `${k} did not move`);
      if (diff / scale > worst) [worst, worstName] = [diff / scale, k];
    }
    assert.ok(worst < 2e-3, `worst relative difference ${worst.toExponential(2)} at ${worstName}`);
    trainer.dispose();
    model.dispose();
  });
}

test("k_t over several steps, by hand: it follows gamma L(x) - L(G(z_G)), clipped at 0 and at 1, and L_D uses the current k_t", async () => {
  await useWasm();
  const model = new Began({ imageSize: 8, channels: 1, n: 2, h: 2, gamma: 0.5, lambdaK: 0.5, k0: 0.2, seed: 1 });
  // [L(x), L(G(z_G))] -> k_{t+1}, worked out by hand:
  const steps: [number, number, number][] = [
    [0.4, 0.1, 0.25], // 0.2 + 0.5 (0.2 - 0.1)
    [0.4, 0.9, 0], // 0.25 + 0.5 (0.2 - 0.9) = -0.1 -> 0
    [1.0, 0.0, 0.25], // 0 + 0.5 (0.5 - 0)
    [2.0, 0.0, 0.75], // 0.25 + 0.5 (1 - 0)
    [2.0, 0.0, 1], // 0.75 + 0.5 = 1.25 -> 1
    [1.0, 0.7, 0.9], // 1 + 0.5 (0.5 - 0.7)
  ];
  const x = tf.randomUniform([2, 8, 8, 1], -1, 1, "float32", 3) as tf.Tensor4D;
  for (const [Lx, LG, k] of steps) {
    const out = model.afterStep({ L_x: Lx, L_GzG: LG, L_GzD: 123 });
    assert.ok(Math.abs(model.k - k) < 1e-12 && Math.abs(out.k - k) < 1e-12, `k ${model.k}, expected ${k}`);
    // L_D at the next step weighs L(G(z_D)) by this k_t.
    const d = model.dLoss({ x }, { step: 0, seed: 5 });
    const [LD, lx, lgd] = [d.loss, d.logs!.L_x, d.logs!.L_GzD].map((t) => t.dataSync()[0]);
    assert.ok(Math.abs(LD - (lx - k * lgd)) < 1e-6);
    tf.dispose([d.loss, ...Object.values(d.logs!)]);
  }
  // M_global of the last step: 1.0 + |0.5 - 0.7| = 1.2
  assert.ok(Math.abs(model.afterStep({ L_x: 1.0, L_GzG: 0.7 }).M_global - 1.2) < 1e-12);
  x.dispose();
  model.dispose();
});

test("zDependence: 0 for a generator that ignores z, clearly positive for a random-init one", async () => {
  await useWasm();
  const real = syntheticDigits({ count: 64, seed: 2, size: 16 });
  const x = tf.tensor4d(real.data, [64, 16, 16, 1]);
  const model = new Began({ imageSize: 16, channels: 1, n: 4, h: 8, seed: 3 });
  const random = zDependence(model, x);
  assert.ok(random > 0.01, `random-init G: ${random}`);
  // z enters G only through its first layer: zero its kernel and G is a constant.
  model.G.fc.kernel.assign(tf.zerosLike(model.G.fc.kernel));
  const constant = zDependence(model, x);
  assert.ok(constant < 1e-6, `constant G: ${constant}`);
  assert.ok(Math.abs(zDependence({ generate: (n) => tf.slice(x, 0, n) }, x) - 1) < 1e-6, "real images against themselves: 1");
  x.dispose();
  model.dispose();
});
