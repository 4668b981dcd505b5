/**
 * npm run generate -- --checkpoint FILE: samples of any trained model (the model and its settings
 * come from the checkpoint) as a grid, single PNGs or an .npy array, or a latent walk strip.
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend/select";
import { UserError } from "../errors";
import { writeNpy } from "../data/npy";
import { classColumns, generateSamples, latentWalk } from "../eval/samples";
import { loadModel } from "../eval/load-model";
import { gridPng, saveGrid } from "../viz/image-grid";
import { intOption, parse, runMain } from "./common";
import { progressTask } from "./progress";

const USAGE = `usage: npm run generate -- --checkpoint FILE [--n N] [--seed S] [--out DIR] [--format grid|png|npy]
                           [--class K] [--interpolate A,B [--steps N]] [--backend NAME]
Samples from a checkpoint of any model; the model, its settings and the image size come from it.
  --checkpoint   a latest.ckpt written by \`npm run train\` (or a sweep)
  --n            number of samples (default 64)
  --seed         seed of the latent draws (default 0): the same seed gives the same samples
  --out          output folder (default: <checkpoint folder>/generated)
  --format       grid: one PNG grid (default; a class-conditional model's has one class per
                 column, as training's samples.png); png: one PNG per sample (00000.png, ...);
                 npy: one float32 array [n, H, W, C] (images, values in [-1, 1]) or [n, d] (points)
  --class        only class K (class-conditional models: tgan, acgan)
  --interpolate  a latent walk from seed A's code to seed B's, as one strip PNG (--steps images,
                 default 10); with --class, within that class
  --backend      auto | tensorflow-gpu | tensorflow | wasm | cpu (default: $GAN_BACKEND or auto)`;

function seedPair(raw: string): [number, number] {
  const m = /^(\d+),(\d+)$/.exec(raw.trim());
  if (!m) throw new UserError(`--interpolate expects two seeds A,B (non-negative integers), got "${raw}"`);
  return [Number(m[1]), Number(m[2])];
}

runMain(async () => {
  const { values } = parse(
    {
      checkpoint: { type: "string" }, n: { type: "string" }, seed: { type: "string" }, out: { type: "string" }, format: { type: "string" },
      class: { type: "string" }, interpolate: { type: "string" }, steps: { type: "string" }, backend: { type: "string" },
    },
    USAGE,
  );
  if (!values.checkpoint) throw new UserError("--checkpoint FILE is required (see --help)");
  const format = values.format ?? "grid";
  if (!["grid", "png", "npy"].includes(format)) throw new UserError(`--format must be grid, png or npy, got "${format}"`);
  const n = intOption("n", values.n, 64);
  const seed = intOption("seed", values.seed, 0, 0);
  const classIndex = values.class === undefined ? undefined : intOption("class", values.class, 0, 0);
  const walk = values.interpolate === undefined ? null : seedPair(values.interpolate);
  const steps = intOption("steps", values.steps, 10, 2);
  await initBackend({ backend: values.backend });
  const loaded = await loadModel(values.checkpoint);
  const out = path.resolve(values.out ?? path.join(path.dirname(path.resolve(values.checkpoint)), "generated"));
  fs.mkdirSync(out, { recursive: true });
  const { model, run, header } = loaded;
  const cls = classIndex === undefined ? "" : `-class${classIndex}`;
  console.log(`${run.model} at step ${header.step} (trained on ${run.data}, seed ${header.seed})`);
  if (walk) {
    const strip = latentWalk(loaded, walk[0], walk[1], steps, classIndex);
    if (strip.rank !== 4) throw new UserError(`${run.model} on ${run.data} makes points, not images: a latent walk strip needs images`);
    const file = saveGrid(path.join(out, `walk-${walk[0]}-${walk[1]}${cls}.png`), strip as tf.Tensor4D, { columns: steps });
    strip.dispose();
    console.log(`wrote ${file}`);
  } else {
    const bar = progressTask("generating", n);
    const { data, shape } = generateSamples(loaded, n, seed, { classIndex, onProgress: (d) => bar.update(d) });
    bar.done();
    if (format === "npy") {
      console.log(`wrote ${writeNpy(path.join(out, `samples-seed${seed}${cls}.npy`), data, [n, ...shape])} (${[n, ...shape].join("x")} float32)`);
    } else {
      if (shape.length !== 3) throw new UserError(`${run.model} on ${run.data} makes ${shape.join("x")} points, not images: use --format npy`);
      const images = tf.tensor4d(data, [n, ...shape] as [number, number, number, number]);
      if (format === "grid") {
        // One class per column for a class-conditional model drawing every class, else a square.
        const square = Math.ceil(Math.sqrt(n));
        const columns = Math.min(n, classIndex === undefined ? classColumns(model, square) : square);
        console.log(`wrote ${saveGrid(path.join(out, `grid-seed${seed}${cls}.png`), images, { columns })}`);
      } else {
        const digits = Math.max(5, String(n - 1).length);
        for (let i = 0; i < n; i++) {
          const one = images.slice([i, 0, 0, 0], [1, -1, -1, -1]);
          fs.writeFileSync(path.join(out, `${String(i).padStart(digits, "0")}${cls}.png`), gridPng(one, { columns: 1, gap: 0, cellSize: shape[0] }));
          one.dispose();
        }
        console.log(`wrote ${n} PNG files to ${out}`);
      }
      images.dispose();
    }
  }
  model.dispose();
});
