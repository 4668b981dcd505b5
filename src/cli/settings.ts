/**
 * Model settings from the command line: `--config FILE.json` (an object of the model's config keys)
 * and `--set key=value` (repeatable; dotted keys reach one level into objects, e.g.
 * `--set optimizer.lr=1e-4`; values are read as JSON where they parse, else as strings).
 * The model's own config checks then reject unknown keys and bad values, all listed at once.
 */
import * as fs from "fs";
import { UserError } from "../errors";
import type { ModelSettings } from "../models/settings";

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export function readSettings(configFile: string | undefined, sets: string[] = []): ModelSettings {
  let settings: ModelSettings = {};
  if (configFile !== undefined) {
    if (!fs.existsSync(configFile)) throw new UserError(`--config: file not found: ${configFile}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(configFile, "utf8"));
    } catch (err) {
      throw new UserError(`--config: ${configFile} is not valid JSON (${(err as Error).message})`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new UserError(`--config: ${configFile} must hold a JSON object of model settings, e.g. {"gamma": 0.7}`);
    settings = parsed as ModelSettings;
  }
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new UserError(`--set expects key=value, got "${s}"`);
    const key = s.slice(0, eq).trim();
    const value = parseValue(s.slice(eq + 1));
    const parts = key.split(".");
    if (parts.length > 2 || parts.some((p) => !p)) throw new UserError(`--set: bad key "${key}" (use name or name.field)`);
    if (parts.length === 1) settings[key] = value;
    else {
      const inner = settings[parts[0]];
      settings[parts[0]] = { ...(typeof inner === "object" && inner !== null && !Array.isArray(inner) ? inner : {}), [parts[1]]: value };
    }
  }
  return settings;
}
