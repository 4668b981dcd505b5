/**
 * A trained model back from its checkpoint alone: the checkpoint records the model's name, its
 * settings, the data's shape and classes and how images were fitted (src/cli/report.ts), so
 * `generate` and `eval` rebuild exactly the network that was trained and load its weights.
 */
import { UserError } from "../errors";
import { Dataset } from "../data/dataset";
import { loadData } from "../data/registry";
import { ImageFit } from "../data/fit";
import { modelEntry } from "../models/registry";
import { ModelSettings } from "../models/settings";
import { CheckpointHeader, loadCheckpoint, readCheckpoint } from "../train/checkpoint";
import { GanModel } from "../train/types";

/** What a checkpoint says about its run (older checkpoints: model and data name only). */
export interface CheckpointRun {
  model: string;
  data: string;
  settings: ModelSettings;
  fit: ImageFit;
  batchSize: number | null;
  dataShape: number[];
  numClasses: number | null;
}

export interface LoadedModel {
  model: GanModel;
  run: CheckpointRun;
  header: CheckpointHeader;
}

/** A dataset with the shape and classes of the training data but no examples (to build a model). */
function shapeOnly(run: CheckpointRun): Dataset {
  const ds: Dataset = { name: run.data, shape: run.dataShape, data: new Float32Array(0) };
  if (run.numClasses) return { ...ds, labels: new Int32Array(0), numClasses: run.numClasses };
  return ds;
}

/** The run a checkpoint records. */
export function checkpointRun(file: string, header: CheckpointHeader): CheckpointRun {
  const info = header.info as Record<string, unknown>;
  const run = info.run as CheckpointRun | undefined;
  if (run) return run;
  // Checkpoints written before runs were recorded: model and data name only; the data gives the shape.
  if (typeof info.model !== "string" || typeof info.data !== "string") {
    throw new UserError(`${file} does not say which model and data it was trained on (written by a notebook or an older kit): load it with loadCheckpoint in code`);
  }
  const data = loadData(info.data);
  return {
    model: info.model,
    data: info.data,
    settings: {},
    fit: { from: data.shape[0] ?? 0, to: data.shape[0] ?? 0, mode: "none" },
    batchSize: null,
    dataShape: data.shape,
    numClasses: data.labels ? (data.numClasses ?? null) : null,
  };
}

/** Build the checkpoint's model with its settings and load its weights (no optimizer state). */
export async function loadModel(file: string): Promise<LoadedModel> {
  const { header } = readCheckpoint(file);
  const run = checkpointRun(file, header);
  const model = modelEntry(run.model).create(shapeOnly(run), header.seed, run.settings);
  try {
    await loadCheckpoint(file, model, new Map());
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { model, run, header };
}
