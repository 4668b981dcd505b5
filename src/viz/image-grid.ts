/**
 * Sample grids as PNG (pngjs: pure JS, nothing native to install).
 */
import * as tf from "@tensorflow/tfjs";
import * as fs from "fs";
import * as path from "path";
import { PNG } from "pngjs";
import { drawText, GLYPH_H, textWidth } from "./font";

export interface GridOptions {
  /** Images per row (default: ceil(sqrt(n))). */
  columns?: number;
  /** Pixels of each image in the grid (nearest-neighbour scaling; default: up to 64). */
  cellSize?: number;
  /** Gap between cells in pixels. */
  gap?: number;
  /** Value range of the images (default [-1, 1]). */
  range?: [number, number];
  /** A label drawn left of each row (e.g. the class of the row). */
  rowLabels?: string[];
}

/** Encode images [n, h, w, c] (c = 1 or 3) as one PNG grid. */
export function gridPng(images: tf.Tensor4D, opts: GridOptions = {}): Buffer {
  const [n, h, w, c] = images.shape;
  if (c !== 1 && c !== 3) throw new Error(`a sample grid needs 1 or 3 channels, got ${c}`);
  const cols = opts.columns ?? Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const cell = opts.cellSize ?? Math.max(h, Math.min(64, h * Math.floor(64 / h)));
  const scale = cell / h;
  const gap = opts.gap ?? 2;
  const [lo, hi] = opts.range ?? [-1, 1];
  const labelScale = cell >= 40 ? 2 : 1;
  const labelW = opts.rowLabels?.length ? Math.max(...opts.rowLabels.map((l) => textWidth(l, labelScale))) + 2 * gap + 4 : 0;
  const W = labelW + cols * (Math.round(w * scale) + gap) + gap;
  const H = rows * (cell + gap) + gap;
  const png = new PNG({ width: W, height: H });
  png.data.fill(40);
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
  const px = images.dataSync();
  const cw = Math.round(w * scale);
  for (let k = 0; k < n; k++) {
    const ox = labelW + gap + (k % cols) * (cw + gap);
    const oy = gap + Math.floor(k / cols) * (cell + gap);
    for (let y = 0; y < cell; y++) {
      const sy = Math.min(h - 1, Math.floor(y / scale));
      for (let x = 0; x < cw; x++) {
        const sx = Math.min(w - 1, Math.floor(x / scale));
        const o = ((oy + y) * W + ox + x) * 4;
        for (let ch = 0; ch < 3; ch++) {
          const v = px[((k * h + sy) * w + sx) * c + (c === 1 ? 0 : ch)];
          png.data[o + ch] = Math.round(Math.min(1, Math.max(0, (v - lo) / (hi - lo))) * 255);
        }
      }
    }
  }
  opts.rowLabels?.forEach((label, r) => {
    if (r >= rows) return;
    const y = gap + r * (cell + gap) + Math.floor((cell - GLYPH_H * labelScale) / 2);
    drawText(png.data, W, H, label, gap + 2, y, labelScale);
  });
  return PNG.sync.write(png);
}

/** Write a grid PNG, creating the folder; returns the path. */
export function saveGrid(file: string, images: tf.Tensor4D, opts: GridOptions = {}): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, gridPng(images, opts));
  return file;
}
