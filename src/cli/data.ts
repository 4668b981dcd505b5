/**
 * npm run data -- NAME: download a public dataset (MNIST, Fashion-MNIST, CIFAR-10), check its
 * published MD5 sums and unpack it into data/downloads/NAME/, ready for `--data NAME`.
 */
import * as fs from "fs";
import * as path from "path";
import { UserError } from "../errors";
import { DEBIAN_FASHION_DIR, DOWNLOAD_DIR, fashionMnistDir, mnistDir } from "../data/registry";
import { downloadDataset, isPresent, SOURCES } from "../data/download";
import { parse, runMain } from "./common";

const NAMES = Object.keys(SOURCES);

const USAGE = `usage: npm run data -- NAME [NAME...] [--dir DIR] [--base-url URL]
       npm run data -- --list
Download a dataset, check its MD5 checksums and unpack it, ready for --data NAME.
A partial download is resumed when run again. Files already in the folder are kept when their MD5
matches or their content is valid (e.g. the same data compressed differently); a bad one is moved
aside to NAME.rejected, never deleted.
  NAME        ${NAMES.join(" | ")}
  --dir       target folder (default data/downloads/NAME/); with one NAME only
  --base-url  fetch the files from a mirror that serves them under their usual names
  --list      show the datasets, their files and sources, and which ones are here`;

/** Where `--data NAME` finds a dataset that is not downloaded here: Debian's Fashion-MNIST, the shared MNIST test set. */
const ELSEWHERE: Record<string, () => string | null> = { mnist: mnistDir, "fashion-mnist": fashionMnistDir };

function listing(): string {
  const lines: string[] = [];
  for (const src of Object.values(SOURCES)) {
    const dir = path.join(DOWNLOAD_DIR, src.name);
    const total = src.files.reduce((a, f) => a + (f.size ?? 0), 0);
    const here = fs.existsSync(dir) && isPresent(src, dir);
    const other = here ? null : ELSEWHERE[src.name]?.();
    const state = here ? "present" : other && path.resolve(other) !== path.resolve(dir) ? `not downloaded; --data ${src.name} reads ${other}` : "not downloaded";
    lines.push(`${src.name.padEnd(14)}${src.title}; ${(total / 1e6).toFixed(1)} MB; ${state} (${path.relative(process.cwd(), dir) || dir})`);
    for (const f of src.files) lines.push(`${"".padEnd(16)}${f.url}  md5 ${f.md5}`);
    lines.push(`${"".padEnd(16)}source: ${src.reference}`);
  }
  return lines.join("\n");
}

runMain(async () => {
  const { values, positionals } = parse({ list: { type: "boolean" }, dir: { type: "string" }, "base-url": { type: "string" } }, USAGE);
  if (values.list) {
    console.log(listing());
    return;
  }
  if (positionals.length === 0) throw new UserError(`name a dataset to download: ${NAMES.join(", ")} (or --list, see --help)`);
  const unknown = positionals.filter((n) => !SOURCES[n]);
  if (unknown.length) throw new UserError(`unknown dataset "${unknown[0]}": downloadable datasets are ${NAMES.join(", ")}`);
  if (values.dir !== undefined && positionals.length > 1) throw new UserError(`--dir takes one dataset, got ${positionals.length}: ${positionals.join(", ")}`);
  const baseUrl = values["base-url"];
  if (baseUrl !== undefined && !/^https?:\/\/[^/]/.test(baseUrl)) throw new UserError(`--base-url must be an http(s) URL, got "${baseUrl}"`);
  for (const name of positionals) {
    if (name === "fashion-mnist" && values.dir === undefined && fashionMnistDir() === DEBIAN_FASHION_DIR) {
      console.log(`fashion-mnist: using Debian's dataset-fashion-mnist in ${DEBIAN_FASHION_DIR} (60k train + 10k test): nothing to download`);
      continue;
    }
    const extra = [values.dir !== undefined ? ` --dir ${values.dir}` : "", baseUrl !== undefined ? ` --base-url ${baseUrl}` : ""].join("");
    try {
      await downloadDataset(SOURCES[name], { dir: values.dir ?? path.join(DOWNLOAD_DIR, name), baseUrl, rerun: `npm run data -- ${name}${extra}` });
    } catch (err) {
      if (name === "fashion-mnist" && err instanceof UserError) {
        throw new UserError(`${err.message}\n  On Debian/Ubuntu the full Fashion-MNIST is a package: sudo apt-get install dataset-fashion-mnist (files in ${DEBIAN_FASHION_DIR}, found by --data fashion-mnist)`);
      }
      throw err;
    }
  }
});
