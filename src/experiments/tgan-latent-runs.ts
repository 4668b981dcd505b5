/**
 * The t-GAN notebook's latent runs on the 2-D mixtures (section 1), outside the notebook: the same
 * runs (latentRun, the same settings and cache files), so several processes can share them out
 * and the notebook then reads the finished ones. A run already in the cache with the same
 * settings is skipped. --recipe-* options try another recipe (its runs are cached under their own
 * settings; give another --cache to keep them apart from the notebook's).
 *
 *   GAN_WASM_THREADS=1 npx tsx src/experiments/tgan-latent-runs.ts --data ring8 --seeds 0,1,2,3,4
 *   GAN_WASM_THREADS=1 npx tsx src/experiments/tgan-latent-runs.ts --data grid25 --latents gaussian --seeds 0 \
 *     --recipe-hidden 128x128 --cache out/latent-probe
 */
import * as path from "path";
import { intOption, noPositionals, parse, runMain } from "../cli/common";
import { initBackend } from "../backend/select";
import { grid25, Mixture, ring8 } from "../data/mixtures";
import { UserError } from "../errors";
import { resultsRoot } from "../results/files";
import { LATENTS, LatentArm, LatentRecipe, last, latentRecipe, latentRun, metLatentGate } from "./tgan";

const USAGE = `usage: npx tsx src/experiments/tgan-latent-runs.ts [--data ring8,grid25] [--latents gaussian,gaussian-mixture,t-mixture]
  [--seeds 0,1,2,3,4] [--steps 6000] [--batch-size 256] [--every 1000] [--cache DIR (default results/tgan/latent-runs)]
  [--recipe-hidden 256x256x256] [--recipe-lr 1e-3] [--recipe-ema 0.999]`;

const MIXTURES: Record<string, () => Mixture> = { ring8, grid25 };

function list(raw: string | undefined, fallback: string[], valid: readonly string[] | null, what: string): string[] {
  const items = raw === undefined ? fallback : raw.split(",").map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new UserError(`--${what} is empty`);
  for (const x of items) if (valid && !valid.includes(x)) throw new UserError(`--${what}: unknown "${x}" (valid: ${valid.join(", ")})`);
  return items;
}

function num(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!(v >= 0) || !Number.isFinite(v)) throw new UserError(`--${name} must be a number >= 0, got "${raw}"`);
  return v;
}

runMain(async () => {
  const { values, positionals } = parse(
    {
      data: { type: "string" }, latents: { type: "string" }, seeds: { type: "string" }, steps: { type: "string" }, "batch-size": { type: "string" },
      every: { type: "string" }, cache: { type: "string" }, "recipe-hidden": { type: "string" }, "recipe-lr": { type: "string" }, "recipe-ema": { type: "string" },
    },
    USAGE,
  );
  noPositionals(positionals);
  const mixtures = list(values.data, ["ring8", "grid25"], Object.keys(MIXTURES), "data").map((n) => MIXTURES[n]());
  const latents = list(values.latents, [...LATENTS], LATENTS, "latents") as LatentArm[];
  const seeds = list(values.seeds, ["0", "1", "2", "3", "4"], null, "seeds").map((s) => intOption("seeds", s, 0, 0));
  const plan = { steps: intOption("steps", values.steps, 6000), batchSize: intOption("batch-size", values["batch-size"], 256), every: intOption("every", values.every, 1000) };
  const recipe: Partial<LatentRecipe> = {};
  if (values["recipe-hidden"] !== undefined) {
    const h = values["recipe-hidden"].split("x").map(Number);
    if (!h.length || !h.every((n) => Number.isInteger(n) && n > 0)) throw new UserError(`--recipe-hidden must look like 256x256x256, got "${values["recipe-hidden"]}"`);
    recipe.hidden = h;
  }
  const lr = num("recipe-lr", values["recipe-lr"]);
  if (lr !== undefined) recipe.lr = lr;
  const ema = num("recipe-ema", values["recipe-ema"]);
  if (ema !== undefined) {
    if (ema >= 1) throw new UserError(`--recipe-ema must be 0 (off) or in (0, 1), got ${ema}`);
    recipe.ema = ema;
  }
  const cacheDir = path.resolve(values.cache ?? path.join(resultsRoot({}), "tgan", "latent-runs"));
  await initBackend({});
  const total = mixtures.length * latents.length * seeds.length;
  let k = 0;
  for (const m of mixtures) {
    const r = { ...latentRecipe(m), ...recipe };
    console.log(`${m.name}: hidden ${r.hidden.join("x")}, Adam ${r.lr} / 0.5, ema ${r.ema}; ${plan.steps} steps of ${plan.batchSize}; cache ${path.relative(process.cwd(), cacheDir)}`);
    for (const seed of seeds) {
      for (const latent of latents) {
        const run = await latentRun(m, latent, seed, { ...plan, recipe, cacheDir });
        const e = last(run);
        const trail = run.evaluations.map((x) => `${x.step}: ${x.modes}/${(100 * x.highQuality).toFixed(0)}%`).join("  ");
        console.log(`[${++k}/${total}] ${m.name} ${latent} seed ${seed}: ${e.modes} of ${m.modes.length} modes, ${(100 * e.highQuality).toFixed(0)}% high quality (${metLatentGate(run) ? "gate passed" : "gate NOT passed"}), ${Math.round(run.seconds)} s  [${trail}]`);
      }
    }
  }
});
