/**
 * Notebook outputs that render everywhere (no Python needed): the chart bundle and its PNG, tables
 * as escaped HTML with a text fallback, the upgrade of stored outputs, the kernelspec command, and
 * inside a real tslab kernel: one updating progress display, errors with name, message and cell
 * line, no project paths. (tests/browser.test.ts checks the same in Jupyter's tools and Chromium.)
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PNG } from "pngjs";
import { lineChart } from "../src/viz/charts";
import { figureSvg, logTicks } from "../src/viz/svg";
import { svgToPng } from "../src/viz/raster";
import { figureBundle, htmlTable, markdownTable, plotlyInlineHtml, textTable } from "../src/notebook/display";
import { parseBoxTable, parseMarkdownTable, relativePaths, upgradeNotebook, upgradeOutputs } from "../src/notebook/upgrade-outputs";
import { parseErrorText, sourceLineOf, userCodeLine } from "../src/notebook/kernel-errors";
import { findJupyterPython, kernelSpec, TSLAB_BIN } from "../src/notebook/kernelspec";
import { scrubPaths } from "../src/notebook/tslab";
import { compactBackendLine } from "../src/backend/select";
import { UserError } from "../src/errors";
import { runNotebook } from "../src/notebook/run-notebook";
import { tempDir } from "./tmp";

const root = path.resolve(__dirname, "..");
const tmp = tempDir("gan-render-");
const joined = (v: unknown) => (Array.isArray(v) ? v.join("") : String(v ?? ""));

/** Share of pixels that differ from the top-left one, and how many colours (up to 64). */
function ink(png: Buffer): { inked: number; colours: number; width: number; height: number } {
  const img = PNG.sync.read(png);
  const bg = img.data.readUInt32BE(0);
  let n = 0;
  const seen = new Set<number>();
  for (let i = 0; i < img.data.length; i += 4) {
    const v = img.data.readUInt32BE(i);
    if (v !== bg) n++;
    if (seen.size < 64) seen.add(v);
  }
  return { inked: n / (img.width * img.height), colours: seen.size, width: img.width, height: img.height };
}

const FIG = lineChart("losses & <gradients>", [1, 2, 3, 4], { "D(G(z)), non-saturating": [0.5, 0.4, 0.3, 0.35], G: [2, 1.5, 1.2, 1.1] }, { y: "loss" });

test("a chart is one bundle: plotly JSON, a drawn PNG at 1.5x, a text summary; no SVG", () => {
  const b = figureBundle(FIG);
  assert.deepEqual(Object.keys(b.data).sort(), ["application/vnd.plotly.v1+json", "image/png", "text/plain"]);
  assert.deepEqual(b.data["application/vnd.plotly.v1+json"], { data: FIG.data, layout: FIG.layout });
  const png = Buffer.from(String(b.data["image/png"]), "base64");
  const m = ink(png);
  assert.equal(m.width, 1080);
  assert.equal(m.height, 570);
  assert.deepEqual(b.metadata, { "image/png": { width: 720, height: 380 } }, "shown at the SVG's size");
  assert.ok(m.inked > 0.02 && m.colours >= 4, `drawn: ${(m.inked * 100).toFixed(1)}% inked, ${m.colours} colours`);
  assert.equal(
    b.data["text/plain"],
    "chart: losses & <gradients>\n  D(G(z)), non-saturating: 4 points, y 0.3 to 0.5, last 0.35\n  G: 4 points, y 1.1 to 2, last 1.1",
  );
});

test("legends keep names up to 40% of the chart's width", () => {
  const svg = figureSvg(FIG);
  assert.match(svg, />D\(G\(z\)\), non-saturating</, "a 24-character name in full");
  const long = figureSvg(lineChart("t", [1, 2], { ["x".repeat(60)]: [1, 2], y: [2, 1] }));
  const shown = /<text [^>]*>(x+…)<\/text>/.exec(long)![1];
  assert.ok(shown.length >= 30 && shown.length < 60, `a 60-character name is shortened with an ellipsis (${shown.length})`);
});

test("scatter markers: plotly's size is the diameter; an open symbol is an outline drawn over what came before", () => {
  const fig = {
    data: [
      { x: [0, 1], y: [0, 1], name: "points", type: "scatter", mode: "markers", marker: { size: 4 } },
      { x: [0.5], y: [0.5], name: "modes", type: "scatter", mode: "markers", marker: { size: 10, symbol: "circle-open", color: "black" } },
      { x: [0.2], y: [0.2], name: "plain", type: "scatter", mode: "markers" },
    ],
    layout: { title: { text: "t" } },
  };
  const circles = [...figureSvg(fig).matchAll(/<circle [^>]*\/>/g)].map((m) => m[0]);
  assert.equal(circles.length, 4);
  assert.match(circles[0], /r="2" fill="#[0-9a-f]{6}" fill-opacity="0.6"/, "size 4: radius 2, filled");
  assert.match(circles[2], /r="5" fill="none" stroke="black" stroke-width="1.5"/, "size 10 open: radius 5, outline only");
  assert.match(circles[3], /r="2.5" fill=/, "no size: the default radius");
});

test("a log y axis (layout.yaxis.type 'log') is drawn in log units with decade ticks; values <= 0 are left out", () => {
  assert.deepEqual(logTicks(0.5, 2000), [1, 10, 100, 1000], "four decades: the powers of ten");
  assert.deepEqual(logTicks(3, 40), [5, 10, 20], "one power inside: 2x and 5x added (every 1x-9x would be 11 ticks)");
  assert.deepEqual(logTicks(5.5, 21), [6, 7, 8, 9, 10, 20], "1x, 2x, 5x give only 10 and 20: every 1x-9x");
  assert.deepEqual(logTicks(1.1, 1.3), [1.1, 1.15, 1.2, 1.25, 1.3], "narrower than 2x: plain ticks");
  const fig = (type?: string) => ({
    data: [{ x: [0, 1, 2, 3], y: [1, 10, 100, 0], name: "FD", type: "scatter", mode: "lines+markers" }],
    layout: { title: { text: "t" }, yaxis: { title: { text: "FD" }, ...(type ? { type } : {}) } },
  });
  const cy = (svg: string) => [...svg.matchAll(/<circle cx="[^"]+" cy="([^"]+)"/g)].map((m) => Number(m[1]));
  const log = figureSvg(fig("log"));
  const [a, b, c, ...rest] = cy(log);
  assert.equal(rest.length, 0, "the 0 has no place on a log axis");
  assert.ok(Math.abs(b - (a + c) / 2) < 0.11, `1, 10, 100 equally spaced (${a}, ${b}, ${c})`);
  const labels = [...log.matchAll(/<text x="\d+(?:\.\d+)?" y="[^"]+" text-anchor="end">([^<]+)</g)].map((m) => m[1]);
  assert.deepEqual(labels, ["1", "10", "100"], "the axis spans 10^-0.1 to 10^2.1 (5% padding): three powers of ten, the ticks");
  const linear = cy(figureSvg(fig()));
  assert.equal(linear.length, 4);
  assert.ok(Math.abs(linear[1] - linear[3]) < Math.abs(linear[1] - linear[2]) / 5, "on a linear axis 10 sits next to 0, far from 100");
});

test("text in the raster: the title is drawn (fonts found), not only lines", () => {
  const withTitle = ink(svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="white"/><text x="5" y="28" font-family="sans-serif" font-size="20">Hello</text></svg>`));
  assert.ok(withTitle.inked > 0.02, `text drawn (${(withTitle.inked * 100).toFixed(1)}% of pixels); no font on this machine? (Debian: fonts-dejavu-core)`);
});

test("each inline interactive chart carries plotly.js, loaded only where the page has none", () => {
  const html = plotlyInlineHtml(FIG);
  assert.match(html, /^<div id="plot-[\w-]+" style="height:420px"><\/div>\n<script>if \(typeof window\.Plotly === "undefined"\) \{\n/);
  assert.ok(html.length > 3_000_000, "plotly.js is in the output");
  assert.doesNotMatch(html.slice(-2000), /<\/script>[^]*<\/script>[^]*<\/script>/, "two scripts: the library, the chart");
  assert.ok(!html.includes("<gradients>"), "the title is escaped inside the script");
});

const ROWS = [
  { steps: "1-100", loss: "non-saturating", "mean |grad G|": "1.299", note: `<b>"bold" & 'quoted'</b>` },
  { steps: "101-500", loss: "saturating", "mean |grad G|": "12.5", note: "" },
];

test("tables: escaped HTML that scrolls, every row, numbers right-aligned; text and Markdown forms", () => {
  const html = htmlTable(ROWS);
  assert.match(html, /^<div class="gan-table" style="overflow-x:auto;max-width:100%">/);
  assert.equal(html.match(/<tr>/g)!.length, 3, "a header and two rows");
  assert.ok(html.includes("&lt;b&gt;&quot;bold&quot; &amp; &#39;quoted&#39;&lt;/b&gt;"), "values escaped");
  assert.ok(html.includes("><nobr>mean |grad G|</nobr></th>"), "a bar stays a bar; cells in <nobr> (kept by untrusted Notebook 6)");
  assert.match(html, /text-align:right;[^>]*><nobr>1\.299</);
  assert.match(html, /text-align:left;[^>]*><nobr>saturating</);
  assert.equal(textTable(ROWS).split("\n").length, 3);
  assert.equal(textTable(ROWS).split("\n")[0], `steps    loss            mean |grad G|  note`);
  const md = markdownTable(ROWS);
  assert.ok(md.includes("mean &#124;grad G&#124;"), "no backslash escape (split into columns by nbconvert)");
  assert.deepEqual(parseMarkdownTable(md), ROWS, "the Markdown form reads back");
  assert.equal(htmlTable([]), "<p>(no rows)</p>");
});

test("upgrade: a stored SVG chart becomes the PNG bundle; Markdown and danfojs tables become HTML tables", () => {
  const svg = figureSvg(FIG);
  const box = [
    "╔════════════╤═══════════════════╤═══════════════════╗",
    "║            │ seed              │ M_global BEGAN    ║",
    "╟────────────┼───────────────────┼───────────────────╢",
    "║ 0          │ 0                 │ 0.2269            ║",
    "╟────────────┼───────────────────┼───────────────────╢",
    "║ 1          │ 1                 │ 0.1242            ║",
    "╚════════════╧═══════════════════╧═══════════════════╝",
  ];
  assert.deepEqual(parseBoxTable(box), [{ seed: "0", "M_global BEGAN": "0.2269" }, { seed: "1", "M_global BEGAN": "0.1242" }]);
  const outputs = [
    { output_type: "display_data", data: { "image/svg+xml": svg.split(/(?<=\n)/) }, metadata: {} },
    { output_type: "stream", name: "stdout", text: ["[gan-repro] backend: wasm (SIMD, 1 thread(s); kit kernels: Conv2DBackpropFilter, Sum, Mean) (auto)\n", "interactive chart: ../out/notebooks/x/a.html\n", ...box.map((l) => `${l}\n`), "\n", "done, data in /home/someone/gan-repro/data/downloads/mnist\n"] },
    { output_type: "display_data", data: { "text/markdown": [markdownTable(ROWS)] }, metadata: {} },
    { output_type: "stream", name: "stderr", text: ["[------------------------] step 0/600    - img/s  0s left\n", "[=-----------------------] step 18/600  D 0.175  G 3.106  108 img/s  5m40s left\n", "[========================] step 600/600  D 0.304  G 2.600  78 img/s  0s left\n", "\n"] },
  ];
  const up = upgradeOutputs(outputs);
  const kinds = up.map((o) => (o.output_type === "stream" ? `stream:${o.name}` : Object.keys(o.data as object).sort().join(",")));
  assert.deepEqual(kinds, ["image/png,text/plain", "stream:stdout", "text/html,text/plain", "text/html,text/plain", "stream:stdout", "text/html,text/plain", "text/plain"]);
  const chart = up[0].data as Record<string, unknown>;
  assert.ok(ink(Buffer.from(String(chart["image/png"]), "base64")).inked > 0.02, "the stored chart is drawn");
  assert.equal(joined(chart["text/plain"]).split("\n")[1], "  series: D(G(z)), non-saturating; G");
  assert.equal(joined(up[1].text), "[gan-repro] backend: wasm (SIMD, 1 thread(s); 3 kit kernels) (auto)\n");
  assert.match(joined((up[2].data as Record<string, unknown>)["text/html"]), /<a href="\.\.\/out\/notebooks\/x\/a\.html"/);
  assert.equal((joined((up[3].data as Record<string, unknown>)["text/html"]).match(/<tr>/g) ?? []).length, 3, "the boxed table: header and 2 rows");
  assert.equal(joined(up[4].text), "done, data in ../data/downloads/mnist\n", "no machine path");
  assert.equal(joined((up[6].data as Record<string, unknown>)["text/plain"]), "[========================] step 600/600  D 0.304  G 2.600  78 img/s  0s left");
  assert.deepEqual(upgradeOutputs(up), up, "upgrading twice changes nothing");
  const nb = { cells: [{ cell_type: "code", outputs: up }, { cell_type: "markdown" }] };
  assert.equal(upgradeNotebook(nb), 0);
});

test("upgrade: a chart bundle's PNG is drawn again from its plotly JSON (a renderer fix reaches stored notebooks); an up-to-date one is left byte for byte", () => {
  const fig = { data: [{ x: [0, 1, 2], y: [1, 10, 100], name: "FD", type: "scatter", mode: "lines" }], layout: { title: { text: "FD" }, yaxis: { type: "log" } } };
  const fresh = figureBundle(fig);
  const stale = { output_type: "execute_result", execution_count: 7, data: { ...fresh.data, "image/png": figureBundle({ ...fig, layout: { title: { text: "FD" } } }).data["image/png"] }, metadata: fresh.metadata };
  const [up] = upgradeOutputs([stale]);
  assert.equal((up.data as Record<string, unknown>)["image/png"], fresh.data["image/png"], "the stale linear-axis picture is replaced by the log-axis one");
  assert.equal(up.execution_count, 7, "an execute_result keeps its count");
  assert.deepEqual(upgradeOutputs([up]), [up], "drawing it again changes nothing");
});

test("project paths become relative; kit kernel lists become a count", () => {
  assert.equal(relativePaths("see /work/main/out/notebooks/a.html and ../out/b.html"), "see ../out/notebooks/a.html and ../out/b.html");
  assert.equal(scrubPaths(`at ${root}/src/x.ts:3`, path.join(root, "notebooks")), "at ../src/x.ts:3");
  assert.equal(scrubPaths("nothing here", "/"), "nothing here");
  assert.equal(compactBackendLine("backend: wasm (kit kernels: A, B2, C) (auto)"), "backend: wasm (3 kit kernels) (auto)");
});

test("a failed cell's stderr gives name, message, stack and the cell line", () => {
  const stderr = "some output\nevalmachine.<anonymous>:8\n        throw new RangeError('too big: ' + n);\n        ^\n\nRangeError: too big: 5\n    at f (evalmachine.<anonymous>:8:15)\n    at evalmachine.<anonymous>:14:11\n    at Script.runInThisContext (node:vm:129:12)\n";
  const p = parseErrorText(stderr)!;
  assert.equal(p.before, "some output\n");
  assert.equal(p.error.ename, "RangeError");
  assert.equal(p.error.evalue, "too big: 5");
  assert.ok(!p.error.traceback.some((l) => l.includes("node:vm")), "kernel frames dropped");
  const source = "// comment\nconst a: number = 1;\n\nfunction f(n: number): number {\n  if (n > 2) throw new RangeError('too big: ' + n);\n  return n;\n}\nconst c = f(5);";
  assert.equal(userCodeLine(p.error, source, null), "cell line 5: if (n > 2) throw new RangeError('too big: ' + n);");
  // Without Node's header: the first cell frame, through the compiled code.
  const compiled = "(function(exports, require) { x;\ny;\nexports.c = f(5);\n})(__tslab__.exports, __tslab__.require)";
  assert.equal(userCodeLine({ ename: "E", evalue: "m", traceback: ["E: m", "    at evalmachine.<anonymous>:3:5"] }, source, compiled), "cell line 8: const c = f(5);");
  assert.equal(sourceLineOf("let q = 1;", source), null, "nothing alike");
  assert.equal(parseErrorText("1:7 - Type 'string' is not assignable to type 'number'.\n")!.error.ename, "TypeScriptError");
});

test("kernelspec: argv runs this project's tslab by absolute path; a Python without Jupyter is named with what to install", () => {
  const spec = kernelSpec();
  assert.deepEqual(spec.argv, [process.execPath, path.join(root, "node_modules/tslab/bin/tslab"), "kernel", "--config-path", "{connection_file}"]);
  assert.ok(fs.existsSync(TSLAB_BIN));
  const fake = path.join(tmp, "python3");
  fs.writeFileSync(fake, "#!/bin/sh\necho '{}'\n", { mode: 0o755 });
  assert.throws(() => findJupyterPython(undefined, [fake]), (e: Error) => e instanceof UserError && /no Python with Jupyter found \(tried: .*python3\)\. Debian\/Ubuntu: sudo apt-get install jupyter-notebook jupyter-client/.test(e.message));
  assert.throws(() => findJupyterPython(fake), /has no Jupyter \(jupyter_client is missing\)/);
  assert.throws(() => findJupyterPython("/no/such/python"), /--python \/no\/such\/python does not run/);
});

test("in a tslab kernel: one progress display with the final state, charts and tables as bundles, errors with their cell line, no project paths", async () => {
  const dir = fs.mkdtempSync(path.join(tmp, "nb-"));
  const file = path.join(dir, "t.ipynb");
  const code = (source: string) => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null });
  const cells = [
    code(`require(${JSON.stringify(require.resolve("tsx/cjs"))});\nconst kit = require(${JSON.stringify(path.join(root, "src/index.ts"))});\nawait kit.initBackend({ backend: "cpu", quiet: true });`),
    code(
      [
        `const data = kit.sampleMixture(kit.ring8(), 256, 1);`,
        `const model = new kit.Gan({ dataDim: 2, latentDim: 2, hidden: [16], output: "linear", seed: 0 });`,
        `const h = await new kit.Trainer(model).run(new kit.ShuffledBatches(data, 0), { steps: 30, batchSize: 32, seed: 0, progress: true });`,
        `kit.showFigure(kit.lineChart("D loss", h.map((r) => r.step), { D: h.map((r) => r.values.D_loss) }));`,
        `kit.showTable([{ a: "<x>", b: 1 }]);`,
        `console.log("root: ${root}/data");`,
      ].join("\n"),
    ),
    code(`const n: number = 1;\n\nfunction f(k: number) {\n  if (k > 0) throw new RangeError("bad k " + k);\n}\nf(n);`),
  ];
  fs.writeFileSync(file, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells }));
  await assert.rejects(runNotebook(file, { timeoutPerCellMs: 120_000, log: () => undefined }), /code cell 3\/3 failed: RangeError: bad k 1 \(cell line 4: if \(k > 0\) throw new RangeError\("bad k " \+ k\);\)/);
  const nb = JSON.parse(fs.readFileSync(file, "utf8"));
  const outs = nb.cells[1].outputs as { output_type: string; name?: string; text?: string[]; data?: Record<string, unknown> }[];
  const kinds = outs.map((o) => (o.output_type === "stream" ? `stream:${o.name}` : Object.keys(o.data!).sort().join(",")));
  assert.deepEqual(kinds, ["text/plain", "application/vnd.plotly.v1+json,image/png,text/plain", "text/html,text/plain", "stream:stdout"]);
  assert.match(joined(outs[0].data!["text/plain"]), /^\[={24}\] step 30\/30  D [\d.]+  G [\d.]+  \d+ img\/s  \(average\) in \d+s$/, "the progress display holds its final state");
  assert.equal(joined(outs[3].text), "root: ../../../../../data\n".replace("../../../../..", path.relative(dir, root)), "the project folder relative to the notebook");
  const err = nb.cells[2].outputs.find((o: { output_type: string }) => o.output_type === "error");
  assert.equal(err.ename, "RangeError");
  assert.match(err.evalue, /^bad k 1 \(cell line 4: /);
  assert.ok(err.traceback.includes('  at cell line 4: if (k > 0) throw new RangeError("bad k " + k);'));
  assert.ok(!nb.cells[2].outputs.some((o: { output_type: string }) => o.output_type === "stream"), "the error is not repeated on stderr");
});
