/** Train a model on a dataset and write what a user looks at: samples, loss chart, CSV log. */
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend/select";
import { ShuffledBatches } from "../data/dataset";
import { loadData } from "../data/registry";
import { modelEntry } from "../models/registry";
import { saveHistoryCsv } from "../train/history";
import { Trainer } from "../train/trainer";
import { Figure, lineChart, saveHtml, smooth } from "../viz/charts";
import { saveGrid } from "../viz/image-grid";

export interface ReportOptions {
  model: string;
  data: string;
  steps: number;
  batchSize: number;
  seed: number;
  out?: string;
  backend?: string;
}

export async function trainAndReport(o: ReportOptions): Promise<void> {
  const entry = modelEntry(o.model); // unknown names fail before anything slow
  await initBackend({ backend: o.backend });
  const data = loadData(o.data);
  const out = path.resolve(o.out ?? `out/${o.model}-${data.name}`);
  const model = entry.create(data, o.seed);
  const trainer = new Trainer(model);
  const params = Object.entries(model.modules()).map(([k, m]) => `${k} ${m.paramCount().toLocaleString()}`).join(" / ");
  console.log(`training ${o.model} (${params} parameters) on ${data.name} for ${o.steps} steps of ${o.batchSize}`);
  const history = await trainer.run(new ShuffledBatches(data, o.seed), { steps: o.steps, batchSize: o.batchSize, seed: o.seed });

  const written: string[] = [];
  const x = history.map((r) => r.step);
  const w = Math.max(1, Math.round(o.steps / 50));
  const series = (key: string) => smooth(history.map((r) => r.values[key]), w);
  const figures: Figure[] = [
    lineChart(`losses (moving average over ${w} steps)`, x, Object.fromEntries(model.players.map((p) => [p.name, series(`${p.name}_loss`)])), { y: "loss" }),
  ];
  if ("D_real" in history[0].values) {
    figures.push(lineChart("D's mean output", x, { "D(x)": series("D_real"), "D(G(z))": series("D_fake") }, { y: "probability" }));
  }
  const samples = model.generate(data.shape.length === 1 ? 2000 : 64, 12345);
  if (data.shape.length === 3) {
    written.push(saveGrid(path.join(out, "samples.png"), samples as tf.Tensor4D, { columns: 8 }));
  } else {
    const real = data.data.slice(0, 4000);
    const fake = samples.dataSync();
    const pts = (v: ArrayLike<number>, k: number) => Array.from({ length: v.length / 2 }, (_, i) => v[2 * i + k]);
    figures.push({
      data: [
        { x: pts(real, 0), y: pts(real, 1), name: "real", type: "scatter", mode: "markers", marker: { size: 3, opacity: 0.4 } },
        { x: pts(fake, 0), y: pts(fake, 1), name: "generated", type: "scatter", mode: "markers", marker: { size: 3, opacity: 0.4 } },
      ],
      layout: { title: { text: "real and generated points" }, yaxis: { scaleanchor: "x" } },
    });
  }
  samples.dispose();
  written.push(saveHtml(path.join(out, "losses.html"), `${o.model} on ${data.name}`, figures));
  written.push(saveHistoryCsv(path.join(out, "log.csv"), history));
  const secs = history[history.length - 1].time;
  console.log(`done in ${secs.toFixed(0)} s (${((o.steps * o.batchSize) / secs).toFixed(0)} examples/s)`);
  for (const f of written) console.log(`wrote ${f}`);
  trainer.dispose();
  model.dispose();
}
