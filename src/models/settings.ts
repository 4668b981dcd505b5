/**
 * A model's own settings from the command line (--config FILE.json, --set key=value): its config
 * keys, checked by the model's own config checks. Keys that the data or the run decide (image
 * size, channels, classes, seed) are refused here with the option to use instead.
 */
import { UserError } from "../errors";

/** A model's own settings (its config keys, e.g. {gamma: 0.7, optimizer: {lr: 1e-4}}), from --config / --set. */
export type ModelSettings = Record<string, unknown>;

/** Keys that come from the data (image size, channels, classes): --set may not change them. */
const SHAPE_KEYS = ["imageSize", "channels", "dataDim", "sampleShape", "numClasses", "seed"];

/** Check settings for keys the data decides; returns them as a Partial of the model's config. */
export function userSettings<T>(model: string, settings: ModelSettings = {}): Partial<T> {
  const bad = Object.keys(settings).filter((k) => SHAPE_KEYS.includes(k));
  if (bad.length) {
    const hint = bad.includes("imageSize") ? " (use --image-size to pad or resize the data)" : bad.includes("seed") ? " (use --seed)" : "";
    throw new UserError(`${model}: ${bad.map((k) => `"${k}"`).join(", ")} ${bad.length > 1 ? "come" : "comes"} from the data and the run, not from the settings${hint}`);
  }
  return settings as Partial<T>;
}

/** Nested settings as dotted keys ({optimizer: {lr: 1}} -> {"optimizer.lr": 1}), as --set names them. */
export function flattenSettings(o: Record<string, unknown>, prefix = "", out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === "object" && v !== null && !Array.isArray(v)) flattenSettings(v as Record<string, unknown>, `${prefix}${k}.`, out);
    else out[`${prefix}${k}`] = v;
  }
  return out;
}

const shown = (v: unknown) => (v === undefined ? "unset" : JSON.stringify(v));

/** Each setting that differs between two runs' settings, as "key HAD, not WANT" (dotted keys, sorted). */
export function settingsDifferences(had: Record<string, unknown>, want: Record<string, unknown>): string[] {
  const a = flattenSettings(had);
  const b = flattenSettings(want);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .sort()
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k} ${shown(a[k])}, not ${shown(b[k])}`);
}
