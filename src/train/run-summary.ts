/**
 * run.json: the small summary a finished training run leaves beside its checkpoint (what ran, on
 * which backend and kit version, how long it took, the last logged values), for sweeps and
 * results files to read without opening the checkpoint.
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";

import { kitVersion } from "../version";

/** Write `summary` with the backend, kit version and date added; returns the file name. */
export function writeRunSummary(file: string, summary: Record<string, unknown>): string {
  const body = { ...summary, backend: tf.getBackend(), kitVersion: kitVersion(), finishedAt: new Date().toISOString() };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(body, null, 2) + "\n");
  fs.renameSync(tmp, file);
  return file;
}
