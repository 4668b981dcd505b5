/**
 * The one plotting helper: plotly figures as plain specs, saved as standalone HTML that works
 * offline (plotly.js is inlined from the npm package, no CDN).
 */
import * as fs from "fs";
import * as path from "path";

export interface Trace {
  x: number[];
  y: number[];
  name?: string;
  type?: "scatter" | "bar" | "scattergl";
  mode?: "lines" | "markers" | "lines+markers";
  marker?: Record<string, unknown>;
  line?: Record<string, unknown>;
  yaxis?: string;
  [key: string]: unknown;
}

export interface Figure {
  data: Trace[] | Record<string, unknown>[];
  layout: Record<string, unknown>;
}

/** Line chart of named series against a shared x (e.g. losses against steps). */
export function lineChart(title: string, x: number[], series: Record<string, number[]>, axes: { x?: string; y?: string } = {}): Figure {
  return {
    data: Object.entries(series).map(([name, y]) => ({ x, y, name, type: "scatter", mode: "lines" })),
    layout: { title: { text: title }, xaxis: { title: { text: axes.x ?? "step" } }, yaxis: { title: { text: axes.y ?? "" } }, template: "plotly_white" },
  };
}

/** Moving average, to read noisy loss curves (window 1 returns the input). */
export function smooth(y: number[], window: number): number[] {
  if (window <= 1) return y.slice();
  const out: number[] = [];
  let acc = 0;
  for (let i = 0; i < y.length; i++) {
    acc += y[i];
    if (i >= window) acc -= y[i - window];
    out.push(acc / Math.min(i + 1, window));
  }
  return out;
}

let plotlySource: string | null = null;
function plotlyJs(): string {
  if (plotlySource === null) plotlySource = fs.readFileSync(require.resolve("plotly.js-dist-min"), "utf8");
  return plotlySource;
}

/** A self-contained HTML page showing the figures. */
export function figuresHtml(title: string, figures: Figure[]): string {
  const divs = figures.map((_, i) => `<div id="fig${i}" style="height:460px"></div>`).join("\n");
  const calls = figures
    .map((f, i) => `Plotly.newPlot("fig${i}", ${JSON.stringify(f.data)}, ${JSON.stringify(f.layout)}, {responsive: true});`)
    .join("\n");
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<script>${plotlyJs().replace(/<\/script/gi, "<\\/script")}</script></head>
<body style="font-family:sans-serif;max-width:1000px;margin:auto">
<h2>${escapeHtml(title)}</h2>
${divs}
<script>${calls}</script>
</body></html>
`;
}

export function saveHtml(file: string, title: string, figures: Figure[]): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, figuresHtml(title, figures));
  return file;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}
