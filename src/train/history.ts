/** Training logs as tables (danfojs) and CSV. */
import * as fs from "fs";
import * as path from "path";
import type { StepRecord } from "./trainer";

// danfojs-node is loaded on first use: it is large and most runs only need it at the end.
type Danfo = typeof import("danfojs-node");
let danfo: Danfo | null = null;
export function dfd(): Danfo {
  if (!danfo) danfo = require("danfojs-node") as Danfo;
  return danfo;
}

/** One row per step: step, time, images/s and every logged value. */
export function historyFrame(history: StepRecord[]) {
  const keys = [...new Set(history.flatMap((r) => Object.keys(r.values)))];
  const columns: Record<string, number[]> = { step: [], time_s: [], images_per_s: [] };
  for (const k of keys) columns[k] = [];
  for (const r of history) {
    columns.step.push(r.step);
    columns.time_s.push(r.time);
    columns.images_per_s.push(r.imagesPerSec);
    for (const k of keys) columns[k].push(r.values[k] ?? NaN);
  }
  return new (dfd().DataFrame)(columns);
}

export function saveHistoryCsv(file: string, history: StepRecord[]): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const csv = dfd().toCSV(historyFrame(history)) as string;
  fs.writeFileSync(file, csv);
  return file;
}
