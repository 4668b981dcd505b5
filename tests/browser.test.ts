/**
 * The notebooks in real tools: each notebooks/*.ipynb runs in quick mode (GAN_QUICK=1) under
 * Jupyter's own client (`python3 -m nbconvert --execute`, the kernelspec from
 * `npm run kernel -- install`), is exported to HTML by nbconvert, and the page is opened in
 * headless Chromium (puppeteer-core driving the system's browser, nothing downloaded). Checked on
 * the page: every chart and image is a loaded, drawn, non-blank picture; every table is there with
 * all its rows and none wraps inside a row (also in the untrusted classic Notebook UI); no output is an error and no script failed; no
 * progress-bar lines and no path of this machine's project folder. A second test re-runs a chart
 * cell with GAN_PLOTLY_INLINE=1 and checks the interactive charts still draw.
 *
 * Needs Debian's jupyter-client, python3-nbconvert and chromium (or a Python with jupyter_client
 * and nbconvert, and CHROMIUM=/path/to/chrome). Where they are missing the test says which and
 * skips, unless GAN_REQUIRE_BROWSER_TEST=1 (set by .ci/run), where it fails.
 * GAN_BROWSER_NOTEBOOKS=intro.ipynb,gan.ipynb limits the notebooks (default: all).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Browser } from "puppeteer-core";
import { candidatePythons, probePython, PythonInfo } from "../src/notebook/kernelspec";
import { KernelClient } from "../src/notebook/kernel-client";
import { tempDir } from "./tmp";

const root = path.resolve(__dirname, "..");
const nbDir = path.join(root, "notebooks");
const CHROMIUM = process.env.CHROMIUM ?? ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p)) ?? "/usr/bin/chromium";
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

/** A Python with jupyter_client and nbconvert, and what is missing otherwise. */
function prerequisites(): { python: PythonInfo | null; missing: string[] } {
  const missing: string[] = [];
  let python: PythonInfo | null = null;
  let partial: PythonInfo | null = null;
  for (const p of candidatePythons()) {
    const info = probePython(p);
    if (info?.modules.jupyter_client && info.modules.nbconvert) {
      python = info;
      break;
    }
    if (info?.modules.jupyter_client || info?.modules.nbconvert) partial ??= info;
  }
  if (!python) {
    if (!partial?.modules.jupyter_client) missing.push("jupyter-client");
    if (!partial?.modules.nbconvert) missing.push("python3-nbconvert");
  }
  if (!fs.existsSync(CHROMIUM)) missing.push("chromium");
  return { python, missing };
}

const pre = prerequisites();
const required = /^(1|true|yes)$/i.test(process.env.GAN_REQUIRE_BROWSER_TEST ?? "");
const skipReason = pre.missing.length
  ? `missing Debian packages: ${pre.missing.join(" ")} (sudo apt-get install --no-install-recommends ${pre.missing.join(" ")})`
  : false;
if (skipReason) console.error(`[browser test] ${skipReason}: skipped`);

const tmp = tempDir("nb-browser-");
let jupyterPath: string | null = null;

/** The kernelspec, installed with the kit's own command into a temporary Jupyter path. */
function kernelEnv(): NodeJS.ProcessEnv {
  if (!jupyterPath) {
    const prefix = path.join(tmp, "jupyter");
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "src/cli/kernel.ts"), "install", "--python", pre.python!.python, "--prefix", prefix], { encoding: "utf8" });
    assert.equal(r.status, 0, `npm run kernel -- install failed: ${r.stderr}`);
    const spec = JSON.parse(fs.readFileSync(path.join(prefix, "share/jupyter/kernels/tslab/kernel.json"), "utf8"));
    assert.ok(path.isAbsolute(spec.argv[0]) && spec.argv[1] === path.join(root, "node_modules/tslab/bin/tslab"), `kernelspec argv: ${spec.argv}`);
    jupyterPath = path.join(prefix, "share", "jupyter");
  }
  // No CI variable for the kernel: the trainer then shows its progress, which is checked too.
  const env: NodeJS.ProcessEnv = { ...process.env, JUPYTER_PATH: jupyterPath, GAN_QUICK: "1", JUPYTER_CONFIG_DIR: path.join(tmp, "config") };
  delete env.CI;
  return env;
}

function nbconvert(args: string[], env: NodeJS.ProcessEnv): void {
  const r = spawnSync(pre.python!.python, ["-m", "nbconvert", ...args], { encoding: "utf8", env, cwd: root, timeout: 900_000 });
  if (r.status !== 0) {
    const tail = (r.stderr || "").trim().split("\n").slice(-25).join("\n");
    assert.fail(`nbconvert ${args.join(" ")} failed (exit ${r.status}):\n${tail}`);
  }
}

let browser: Browser | null = null;
async function openBrowser(): Promise<Browser> {
  if (!browser) {
    const puppeteer = await import("puppeteer-core");
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      userDataDir: fs.mkdtempSync(path.join(tmp, "chromium-")),
    });
  }
  return browser;
}

interface PageReport {
  images: { index: number; width: number; height: number; inked: number; colours: number; loaded: boolean }[];
  tables: { rows: number; wrapped: boolean; scrolls: boolean }[];
  errors: number;
  svgOutputs: number;
  stderrProgress: number;
  text: string;
  plotlyCharts: number;
}

/** Load an exported HTML page and measure its outputs. */
async function inspect(file: string): Promise<PageReport & { pageErrors: string[] }> {
  const b = await openBrowser();
  const page = await b.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(String((e as Error).message ?? e)));
  try {
    await page.setViewport({ width: 1100, height: 900 });
    await page.goto(`file://${file}`, { waitUntil: "load", timeout: 120_000 });
    await page.evaluate(() => Promise.all([...document.images].map((i) => (i.complete ? null : new Promise((r) => ((i.onload = r), (i.onerror = r)))))));
    const report = (await page.evaluate(`(() => {
      const images = [...document.querySelectorAll(".output_area img, .jp-OutputArea-output img")].map((img, index) => {
        const loaded = img.complete && img.naturalWidth > 0;
        let inked = 0, colours = 0;
        if (loaded) {
          const c = document.createElement("canvas");
          c.width = img.naturalWidth; c.height = img.naturalHeight;
          const g = c.getContext("2d");
          g.drawImage(img, 0, 0);
          const d = g.getImageData(0, 0, c.width, c.height).data;
          const seen = new Set();
          let n = 0;
          for (let i = 0; i < d.length; i += 4) {
            const v = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
            if (seen.size < 64) seen.add(v);
            if (v !== (d[0] << 16 | d[1] << 8 | d[2])) n++;
          }
          inked = n / (c.width * c.height);
          colours = seen.size;
        }
        const r = img.getBoundingClientRect();
        return { index, width: r.width, height: r.height, inked, colours, loaded };
      });
      // A cell wraps when one of its text runs takes more than one line box.
      const wraps = (cell) => { const w = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT); let n; while ((n = w.nextNode())) { if (!n.textContent.trim()) continue; const r = document.createRange(); r.selectNodeContents(n); if ([...r.getClientRects()].filter((x) => x.width > 0).length > 1) return true; } return false; };
      const tables = [...document.querySelectorAll(".output_area .gan-table, .jp-OutputArea-output .gan-table")].map((box) => ({
        rows: box.querySelectorAll("tbody tr").length,
        wrapped: [...box.querySelectorAll("td, th")].some(wraps),
        scrolls: getComputedStyle(box).overflowX === "auto",
      }));
      // nbconvert's lab template shows stderr and errors as stderr text; the classic one has classes.
      const stderr = [...document.querySelectorAll(".output_stderr, .output_error, [data-mime-type='application/vnd.jupyter.stderr']")].map((e) => e.textContent);
      return {
        images, tables,
        errors: document.querySelectorAll(".output_error").length + stderr.filter((t) => /\\b[A-Z]\\w*Error\\b|Traceback/.test(t)).length,
        svgOutputs: document.querySelectorAll(".output_svg, .jp-RenderedSVG").length,
        stderrProgress: stderr.filter((t) => /step \\d+\\/\\d+/.test(t)).length,
        text: [...document.querySelectorAll(".output_area, .jp-OutputArea")].map((e) => e.textContent).join("\\n"),
        plotlyCharts: [...document.querySelectorAll(".js-plotly-plot")].filter((p) => p.querySelector(".scatterlayer .trace path")).length,
      };
    })()`)) as PageReport;
    return { ...report, pageErrors };
  } finally {
    await page.close();
  }
}

const joined = (v: unknown) => (Array.isArray(v) ? v.join("") : String(v ?? ""));
/** Outputs that are pictures (a chart or an image, in whatever MIME type) and tables (HTML or Markdown). */
const isPicture = (o: { data?: Record<string, unknown> }) => ["image/png", "image/svg+xml", "application/vnd.plotly.v1+json"].some((m) => o.data?.[m] !== undefined);
const isTable = (o: { data?: Record<string, unknown> }) => /<table/.test(joined(o.data?.["text/html"])) || /^\s*\|.*\|\s*\n\s*\|\s*-{3}/.test(joined(o.data?.["text/markdown"]));
type Out = { output_type: string; name?: string; text?: unknown; data?: Record<string, unknown>; ename?: string; evalue?: string };

const names = (process.env.GAN_BROWSER_NOTEBOOKS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
const notebooks = fs.readdirSync(nbDir).filter((f) => f.endsWith(".ipynb") && (names.length === 0 || names.includes(f))).sort();

test.after(async () => {
  await browser?.close();
});

for (const name of notebooks) {
  test(`${name}: quick run under nbconvert --execute, exported HTML checked in Chromium`, { skip: required ? false : skipReason }, async () => {
    assert.ok(!required || !skipReason, String(skipReason));
    const env = kernelEnv();
    const outDir = path.join(tmp, name.replace(".ipynb", ""));
    const t0 = Date.now();
    nbconvert(["--to", "notebook", "--execute", path.join("notebooks", name), "--output-dir", outDir, "--ExecutePreprocessor.timeout=900"], env);
    const executed = path.join(outDir, name);
    nbconvert(["--to", "html", executed, "--output-dir", outDir], env);
    const seconds = (Date.now() - t0) / 1000;

    // What the notebook file says it shows.
    const nb = JSON.parse(fs.readFileSync(executed, "utf8"));
    const outs: Out[] = nb.cells.filter((c: { cell_type: string }) => c.cell_type === "code").flatMap((c: { outputs: Out[] }) => c.outputs);
    const displays = outs.filter((o) => o.data);
    const charts = displays.filter((o) => o.data!["application/vnd.plotly.v1+json"]);
    const pngs = displays.filter((o) => o.data!["image/png"]);
    const tables = displays.filter((o) => /class="gan-table"/.test(joined(o.data!["text/html"])));
    for (const c of charts) {
      assert.ok(c.data!["image/png"] && c.data!["text/plain"], "every chart carries a PNG and a text summary");
      assert.equal(c.data!["image/svg+xml"], undefined, "no SVG (nbconvert 6.5 exports it empty)");
    }
    assert.deepEqual(outs.filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}`), [], "no error outputs");

    // What Chromium shows.
    const page = await inspect(path.join(outDir, name.replace(".ipynb", ".html")));
    assert.deepEqual(page.pageErrors, [], "no script error on the page");
    assert.equal(page.errors, 0, "no error output on the page");
    assert.equal(page.svgOutputs, 0, "no SVG outputs");
    assert.equal(page.images.length, pngs.length, `every PNG output is an image on the page (${pngs.length})`);
    for (const img of page.images) {
      assert.ok(img.loaded, `image ${img.index} loaded`);
      // Charts at their 720x380 (or the page's width); sample grids may be one row of small cells.
      const chart = pngs[img.index]?.data?.["application/vnd.plotly.v1+json"] !== undefined;
      const [minW, minH] = chart ? [500, 250] : [50, 20];
      assert.ok(img.width >= minW && img.height >= minH, `${chart ? "chart" : "image"} ${img.index} is shown at a readable size (${img.width}x${img.height})`);
      assert.ok(img.inked > 0.005 && img.colours >= 2, `image ${img.index} is drawn, not blank (${(img.inked * 100).toFixed(1)}% inked, ${img.colours} colours)`);
    }
    assert.equal(page.tables.length, tables.length, `every table output is a table on the page (${tables.length})`);
    tables.forEach((t, i) => {
      const rows = joined(t.data!["text/plain"]).split("\n").length - 1;
      assert.equal(page.tables[i].rows, rows, `table ${i} has all its ${rows} rows`);
      assert.ok(!page.tables[i].wrapped, `table ${i}: no row wraps`);
      assert.ok(page.tables[i].scrolls, `table ${i} scrolls sideways when wide`);
    });
    assert.equal(page.stderrProgress, 0, "no progress-bar lines on stderr");
    assert.ok(!page.text.includes(root), "no absolute path of the project in the outputs");
    console.error(`[browser test] ${name}: ${seconds.toFixed(0)} s in nbconvert; ${charts.length} charts, ${pngs.length - charts.length} other images, ${tables.length} tables checked`);
  });
}

for (const name of notebooks) {
  test(`committed ${name}: nbconvert's HTML export shows every chart and table in Chromium`, { skip: required ? false : skipReason }, async () => {
    assert.ok(!required || !skipReason, String(skipReason));
    const env = kernelEnv();
    const outDir = path.join(tmp, `committed-${name.replace(".ipynb", "")}`);
    nbconvert(["--to", "html", path.join("notebooks", name), "--output-dir", outDir], env);
    const nb = JSON.parse(fs.readFileSync(path.join(nbDir, name), "utf8"));
    const outs: Out[] = nb.cells.filter((c: { cell_type: string }) => c.cell_type === "code").flatMap((c: { outputs: Out[] }) => c.outputs);
    const pngs = outs.filter(isPicture);
    const tables = outs.filter(isTable);
    const page = await inspect(path.join(outDir, name.replace(".ipynb", ".html")));
    assert.deepEqual(page.pageErrors, []);
    assert.equal(page.errors, 0, "no error output");
    assert.equal(page.svgOutputs, 0, "no SVG outputs (exported empty by nbconvert 6.5)");
    assert.ok(pngs.length > 0 && page.images.length === pngs.length, `all ${pngs.length} PNG outputs are images on the page (${page.images.length})`);
    for (const img of page.images) {
      assert.ok(img.loaded && img.inked > 0.005 && img.colours >= 2, `image ${img.index} is drawn, not blank (${(img.inked * 100).toFixed(1)}% inked)`);
    }
    assert.equal(page.tables.length, tables.length, `all ${tables.length} tables are on the page`);
    tables.forEach((t, i) => {
      assert.equal(page.tables[i].rows, joined(t.data!["text/plain"]).split("\n").length - 1, `table ${i} has all its rows`);
      assert.ok(!page.tables[i].wrapped, `table ${i}: no row wraps`);
    });
    assert.equal(page.stderrProgress, 0, "no progress-bar lines");
    assert.ok(!/(^|[\s(])\/(work|home|Users|tmp)\//m.test(page.text), "no absolute machine paths in the outputs");
  });
}

test("committed notebooks, untrusted, in the classic Notebook UI: every chart and table shows", { skip: required ? false : skipReason || (pre.python?.modules.notebook ? false : "missing Debian package: jupyter-notebook") }, async () => {
  const env = kernelEnv();
  // A fresh data folder: no notebook signature database, so every notebook is untrusted.
  for (const d of ["data", "runtime"]) fs.mkdirSync(path.join(tmp, d), { recursive: true });
  const port = 20000 + Math.floor(Math.random() * 20000);
  const { spawn } = await import("node:child_process");
  const server = spawn(pre.python!.python, ["-m", "notebook", "--no-browser", `--port=${port}`, "--ip=127.0.0.1", "--NotebookApp.token=", "--NotebookApp.password=", `--notebook-dir=${root}`, ...(process.getuid?.() === 0 ? ["--allow-root"] : [])], {
    env: { ...env, JUPYTER_DATA_DIR: path.join(tmp, "data"), JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime") },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  server.stderr!.on("data", (b) => (log += b));
  try {
    const deadline = Date.now() + 60_000;
    while (!/is running at|Jupyter Notebook .* is running/.test(log)) {
      assert.ok(Date.now() < deadline && server.exitCode === null, `the Notebook server did not start: ${log.slice(-500)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const b = await openBrowser();
    for (const name of notebooks) {
      const nb = JSON.parse(fs.readFileSync(path.join(nbDir, name), "utf8"));
      const outs: Out[] = nb.cells.filter((c: { cell_type: string }) => c.cell_type === "code").flatMap((c: { outputs: Out[] }) => c.outputs);
      const pngs = outs.filter(isPicture).length;
      const tables = outs.filter(isTable).length;
      const page = await b.newPage();
      try {
        await page.goto(`http://127.0.0.1:${port}/notebooks/notebooks/${name}`, { waitUntil: "load", timeout: 60_000 });
        await page.waitForFunction(() => (globalThis as { Jupyter?: { notebook?: { _fully_loaded?: boolean } } }).Jupyter?.notebook?._fully_loaded === true, { timeout: 60_000 });
        const seen = (await page.evaluate(`(async () => {
          const wraps = (cell) => { const w = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT); let n; while ((n = w.nextNode())) { if (!n.textContent.trim()) continue; const r = document.createRange(); r.selectNodeContents(n); if ([...r.getClientRects()].filter((x) => x.width > 0).length > 1) return true; } return false; };
          await Promise.all([...document.querySelectorAll(".output_area img")].map((i) => i.complete ? null : new Promise((r) => { i.onload = r; i.onerror = r; })));
          return {
            trusted: Jupyter.notebook.trusted,
            images: [...document.querySelectorAll(".output_area img")].filter((i) => i.naturalWidth > 0).length,
            tables: [...document.querySelectorAll(".output_area table")].filter((t) => t.querySelectorAll("tbody tr").length > 0).length,
            wrapped: [...document.querySelectorAll(".output_area table")].filter((t) => [...t.querySelectorAll("td, th")].some(wraps)).length,
          };
        })()`)) as { trusted: boolean; images: number; tables: number; wrapped: number };
        assert.equal(seen.trusted, false, `${name} is opened untrusted`);
        assert.equal(seen.images, pngs, `${name}: all ${pngs} charts and images show`);
        assert.equal(seen.tables, tables, `${name}: all ${tables} tables show`);
        assert.equal(seen.wrapped, 0, `${name}: no table row wraps (wide ones scroll)`);
      } finally {
        await page.close();
      }
    }
  } finally {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
  }
});

test("GAN_PLOTLY_INLINE=1: charts still draw after their cell is re-run", { skip: required ? false : skipReason }, async () => {
  const env = kernelEnv();
  const kernel = await KernelClient.start({ cwd: nbDir, env: { GAN_PLOTLY_INLINE: "1", JUPYTER_PATH: String(env.JUPYTER_PATH) } });
  const cells = [
    `require("tsx/cjs"); const kit = require("../src/index.ts");`,
    `kit.showFigure(kit.lineChart("first", [1, 2, 3], { a: [1, 3, 2] }));`,
    `kit.showFigure(kit.lineChart("second", [1, 2, 3], { b: [2, 1, 3] }));`,
  ];
  const outputs: Out[][] = [];
  try {
    // Run all three, then the first chart's cell again: the saved notebook has that re-run's output.
    for (const [i, src] of [...cells.entries(), [1, cells[1]] as [number, string]]) {
      const r = await kernel.execute(src, { timeoutMs: 120_000 });
      assert.equal(r.status, "ok", JSON.stringify(r.error));
      outputs[i] = r.outputs as unknown as Out[];
    }
  } finally {
    await kernel.shutdown();
  }
  const store = (o: Out) => (o.output_type === "stream" ? { ...o, text: joined(o.text) } : { output_type: o.output_type, data: o.data, metadata: {} });
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    cells: cells.map((source, i) => ({ cell_type: "code", metadata: {}, source, execution_count: i + 1, outputs: outputs[i].map(store) })),
  };
  const file = path.join(tmp, "inline.ipynb");
  fs.writeFileSync(file, JSON.stringify(nb));
  nbconvert(["--to", "html", file, "--output-dir", tmp], env);
  const page = await inspect(path.join(tmp, "inline.html"));
  assert.deepEqual(page.pageErrors, [], "no script error (e.g. Plotly is not defined)");
  assert.equal(page.plotlyCharts, 2, "both interactive charts are drawn");
  assert.equal(page.images.length, 2, "and both PNG pictures are there");
});
