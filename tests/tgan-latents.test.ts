/** t-GAN's latent comparison on the 2-D mixtures (src/experiments/tgan.ts): runs, their cache, the verdicts. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "node:child_process";
import { grid25, ring8 } from "../src/data/mixtures";
import { LATENT_RECIPES, LatentArm, LatentRun, latentModel, latentRun, latentVerdicts, mixtureTarget } from "../src/experiments/tgan";
import { sampleMixture } from "../src/data/mixtures";
import { useWasm } from "./helpers";
import { tempDir } from "./tmp";

test("the three latents differ only in the prior; a run is cached by its settings", async () => {
  await useWasm();
  const data = sampleMixture(ring8(), 256, 1);
  const priors = (["gaussian", "gaussian-mixture", "t-mixture"] as LatentArm[]).map((l) => {
    const m = latentModel(data, l, 0);
    const c = { prior: m.config.prior, learn: m.config.learnLatent, n: m.config.components, reg: m.config.sigmaReg, hidden: m.config.hidden.join("x"), lr: m.config.optimizer.lr, ema: m.config.ema };
    m.dispose();
    return c;
  });
  assert.deepEqual(priors.map((p) => p.prior), ["gaussian", "gaussian-mixture", "t-mixture"]);
  assert.deepEqual(priors.slice(1).map((p) => [p.learn, p.n, p.reg, p.hidden]), [[true, 10, 0, "128x128"], [true, 10, 0, "128x128"]], "the mixtures alike but for their tails");
  assert.equal(priors[0].learn, false);
  assert.deepEqual(priors.map((p) => [p.hidden, p.lr, p.ema]), Array(3).fill([LATENT_RECIPES.ring8.hidden.join("x"), LATENT_RECIPES.ring8.lr, LATENT_RECIPES.ring8.ema]), "one recipe for the three");
  const dir = tempDir("latent-runs-");
  const o = { steps: 4, batchSize: 32, every: 2, evalPoints: 200, cacheDir: dir };
  const a = await latentRun(ring8(), "t-mixture", 1, o);
  assert.deepEqual(a.evaluations.map((e) => e.step), [2, 4]);
  assert.equal(a.points.length, 400, "200 points x 2 coordinates (at most 500 points are kept)");
  assert.ok(fs.existsSync(path.join(dir, "ring8-t-mixture-seed1.json")));
  const b = await latentRun(ring8(), "t-mixture", 1, o);
  assert.equal(b.seconds, a.seconds, "read from the cache, not trained again");
  const c = await latentRun(ring8(), "t-mixture", 1, { ...o, steps: 6 });
  assert.deepEqual(c.evaluations.map((e) => e.step), [2, 4, 6], "other settings: trained again");
  const d = await latentRun(ring8(), "t-mixture", 1, { ...o, steps: 6, recipe: { ema: 0 } });
  assert.notEqual(d.seconds, c.seconds, "another recipe: trained again");
  assert.equal(d.settings.recipe?.ema, 0);
});

test("latent verdicts: judged when every compared run's points lie on the data (the modes covered are the measure, not the gate); held, not held, inconclusive", () => {
  assert.deepEqual([mixtureTarget(ring8()).modes, mixtureTarget(grid25()).modes], [6, 19]);
  const run = (latent: LatentArm, seed: number, modes: number, hq = 0.7): LatentRun => ({
    data: "ring8", latent, seed, settings: { steps: 1, batchSize: 1, every: 1, evalPoints: 1, components: 10 }, evaluations: [{ step: 1, modes, highQuality: hq }], points: [], seconds: 0,
  });
  const seeds = [0, 1, 2, 3, 4];
  const runs = [...seeds.map((s) => run("t-mixture", s, 8)), ...seeds.map((s) => run("gaussian", s, [6, 7, 6, 6, 7][s])), ...seeds.map((s) => run("gaussian-mixture", s, [8, 7, 8, 8, 7][s]))];
  const v = latentVerdicts(runs, ring8());
  assert.equal(v.vsGaussian.verdict, "held");
  assert.equal(v.vsMixture.verdict, "inconclusive", "8 against 7.6 with this spread: more seeds would decide");
  const worse = latentVerdicts([...seeds.map((s) => run("t-mixture", s, 6)), ...seeds.map((s) => run("gaussian", s, 8))], ring8());
  assert.equal(worse.vsGaussian.verdict, "not held");
  // Every run of both compared latents must put at least half its points on the modes, the claimed-better one's and the other's.
  const below = latentVerdicts([...seeds.map((s) => run("t-mixture", s, 8, s === 2 ? 0.3 : 0.7)), ...seeds.map((s) => run("gaussian", s, 6))], ring8());
  assert.equal(below.vsGaussian.verdict, "inconclusive");
  assert.match(below.vsGaussian.why, /below the quality target \(t-mixture seed 2\)/);
  const baseBelow = latentVerdicts([...seeds.map((s) => run("t-mixture", s, 8)), ...seeds.map((s) => run("gaussian", s, 8, 0.49))], ring8());
  assert.match(baseBelow.vsGaussian.why, /below the quality target \(gaussian seed 0, gaussian seed 1/);
  // A collapsed Gaussian latent (2 of 8 modes, its points on them) is what the claim is about: judged, held.
  const collapsed = latentVerdicts([...seeds.map((s) => run("t-mixture", s, 8)), ...seeds.map((s) => run("gaussian", s, 2, 0.95))], ring8());
  assert.equal(collapsed.vsGaussian.verdict, "held");
  // Every run of both latents covering all 8 modes: the measure's ceiling, not a "no".
  const ceiling = latentVerdicts([...seeds.map((s) => run("t-mixture", s, 8)), ...seeds.map((s) => run("gaussian", s, 8))], ring8());
  assert.equal(ceiling.vsGaussian.verdict, "inconclusive");
  assert.match(ceiling.vsGaussian.why, /best value \(8\)/);
});

test("tgan-latent-runs.ts makes the notebook's runs into a cache and skips the finished ones; bad options are one error line", () => {
  const root = path.resolve(__dirname, "..");
  const dir = tempDir("latent-cli-");
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", path.join(root, "src/experiments/tgan-latent-runs.ts"), ...args], { encoding: "utf8", env: { ...process.env, GAN_WASM_THREADS: "1" }, timeout: 120_000 });
  const args = ["--data", "ring8", "--latents", "gaussian,t-mixture", "--seeds", "3", "--steps", "4", "--every", "2", "--batch-size", "32", "--cache", dir];
  const a = run(...args);
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stdout, /ring8: hidden 128x128, Adam 0\.001 \/ 0\.5, ema 0\.999; 4 steps of 32/);
  assert.match(a.stdout, /\[2\/2\] ring8 t-mixture seed 3: \d of 8 modes, \d+% high quality \(gate (NOT )?passed\), \d+ s {2}\[2: \d\/\d+%  4: \d\/\d+%\]/);
  const file = path.join(dir, "ring8-gaussian-seed3.json");
  const cached = JSON.parse(fs.readFileSync(file, "utf8")) as LatentRun;
  assert.deepEqual(cached.settings.recipe, LATENT_RECIPES.ring8);
  const b = run(...args);
  assert.equal(b.status, 0, b.stderr);
  assert.equal(JSON.parse(fs.readFileSync(file, "utf8")).seconds, cached.seconds, "the second call read the cache instead of training");
  const bad = run("--latents", "cauchy", "--cache", dir);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^error: --latents: unknown "cauchy" \(valid: gaussian, gaussian-mixture, t-mixture\)/m);
});
