/** The kit's version, from package.json (result files and run summaries record it). */
import * as fs from "fs";
import * as path from "path";

export function kitVersion(): string {
  return (JSON.parse(fs.readFileSync(path.resolve(__dirname, "../package.json"), "utf8")) as { version: string }).version;
}
