/** Sample grids, charts and logs. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { PNG } from "pngjs";
import { useWasm } from "./helpers";
import { gridPng } from "../src/viz/image-grid";
import { figuresHtml, lineChart, smooth } from "../src/viz/charts";
import { historyFrame } from "../src/train/history";

test("a grid PNG has the expected size and pixel values", async () => {
  await useWasm();
  const imgs = tf.tidy(() => tf.concat([tf.fill([1, 4, 4, 1], -1), tf.fill([1, 4, 4, 1], 1), tf.fill([1, 4, 4, 1], 0)]) as tf.Tensor4D);
  const png = PNG.sync.read(gridPng(imgs, { columns: 2, cellSize: 4, gap: 1 }));
  assert.equal(png.width, 2 * (4 + 1) + 1);
  assert.equal(png.height, 2 * (4 + 1) + 1);
  const at = (x: number, y: number) => png.data[(y * png.width + x) * 4];
  assert.equal(at(1, 1), 0, "-1 is black");
  assert.equal(at(6, 1), 255, "+1 is white");
  assert.equal(at(1, 6), 128, "0 is mid grey");
  imgs.dispose();
});

test("row labels widen the grid and are drawn left of each row", async () => {
  await useWasm();
  const imgs = tf.fill([4, 8, 8, 1], -1) as tf.Tensor4D;
  const plain = PNG.sync.read(gridPng(imgs, { columns: 2, cellSize: 8, gap: 1 }));
  const labelled = PNG.sync.read(gridPng(imgs, { columns: 2, cellSize: 8, gap: 1, rowLabels: ["3", "7"] }));
  assert.ok(labelled.width > plain.width);
  assert.equal(labelled.height, plain.height);
  const lit = (png: PNG, x0: number, x1: number, y0: number, y1: number) => {
    let n = 0;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (png.data[(y * png.width + x) * 4] > 200) n++;
    return n;
  };
  const labelW = labelled.width - plain.width;
  assert.ok(lit(labelled, 0, labelW, 0, 9) > 5, "a glyph in the first row's label area");
  assert.ok(lit(labelled, 0, labelW, 9, 18) > 5, "a glyph in the second row's label area");
  assert.equal(lit(labelled, labelW, labelled.width, 0, labelled.height), 0, "images untouched (all black)");
  imgs.dispose();
});

test("charts: moving average and self-contained HTML", () => {
  assert.deepEqual(smooth([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5]);
  assert.deepEqual(smooth([1, 2], 1), [1, 2]);
  const html = figuresHtml("t", [lineChart("loss", [0, 1], { D: [1, 0.5] })]);
  assert.match(html, /Plotly\.newPlot\("fig0"/);
  assert.ok(html.length > 1_000_000, "plotly.js is inlined");
  assert.doesNotMatch(html, /<script[^>]+src=/, "no external script");
});

test("the training log becomes a danfojs table with CSV export", async () => {
  const { dfd } = await import("../src/train/history");
  const df = historyFrame([
    { step: 0, time: 0.5, imagesPerSec: 10, values: { D_loss: 1.5, G_loss: 0.5 } },
    { step: 1, time: 1.0, imagesPerSec: 12, values: { D_loss: 1.0, G_loss: 0.7 } },
  ]);
  assert.deepEqual(df.columns, ["step", "time_s", "images_per_s", "D_loss", "G_loss"]);
  assert.equal(df["D_loss"].mean(), 1.25);
  const csv = dfd().toCSV(df) as string;
  assert.equal(csv.trim().split("\n")[0], "step,time_s,images_per_s,D_loss,G_loss");
});

test("result tables become complete Markdown tables", async () => {
  const { markdownTable } = await import("../src/notebook/display");
  const rows = Array.from({ length: 12 }, (_, i) => ({ step: i + 1, "a|b": i * 2 }));
  const md = markdownTable(rows).split("\n");
  assert.equal(md.length, 2 + 12, "header, rule and every row (danfojs prints only 10)");
  assert.equal(md[0], "| step | a&#124;b |", "a bar as an entity: a backslash escape is split into columns by nbconvert");
  assert.equal(md[13], "| 12 | 22 |");
});
