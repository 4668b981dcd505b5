/**
 * Show things inline in a tslab notebook (PNG, HTML, Markdown), and tell whether the notebook
 * runs in its quick smoke mode. Outside tslab (plain node, tests) the show* helpers print a
 * one-line note instead.
 *
 * tslab compiles `import` statements itself and refuses files outside the notebook's folder
 * ("is not under 'rootDir'"), so notebooks in notebooks/ load the project's TypeScript sources
 * with require() through tsx's hook. The first cell of a notebook:
 *
 *   require("tsx/cjs"); // lets require() load the project's .ts sources
 *   const { showPng, showHtml, showMarkdown, isQuick } = require("../src/notebook/display");
 *   const { syntheticDigits } = require("../src/data/synthetic-digits");
 *
 * (Values loaded this way are typed `any` in the notebook.) Packages from node_modules, e.g.
 * `import * as tf from "@tensorflow/tfjs"`, can be imported normally.
 */

import type { Figure } from "../viz/charts";
import { saveHtml } from "../viz/charts";
import { figureSvg } from "../viz/svg";

/** The part of tslab's display API used here (`require("tslab").display`). */
interface TslabDisplay {
  png(b: Uint8Array): void;
  html(s: string): void;
  markdown(s: string): void;
}

/**
 * tslab's display object when this runs inside a tslab kernel, else null. Reached through the
 * `require` the kernel hands to cells (globalThis.__tslab__), so it is the kernel's own tslab
 * instance even if another copy of the package is installed elsewhere.
 */
function tslabDisplay(): TslabDisplay | null {
  const hook = (globalThis as { __tslab__?: { require?: (id: string) => unknown } }).__tslab__;
  if (typeof hook?.require !== "function") return null;
  try {
    const display = (hook.require("tslab") as { display?: TslabDisplay }).display;
    return display ?? null;
  } catch {
    return null;
  }
}

function note(what: string): void {
  console.log(`[display] ${what} (not shown: not running in a tslab notebook)`);
}

/** Show PNG bytes (e.g. from gridPng) as an image. */
export function showPng(png: Uint8Array): void {
  const d = tslabDisplay();
  if (d) d.png(png);
  else note(`PNG image, ${png.length} bytes`);
}

/** Show an HTML fragment. */
export function showHtml(html: string): void {
  const d = tslabDisplay();
  if (d) d.html(html);
  else note(`HTML, ${html.length} characters`);
}

/** Show Markdown text. */
export function showMarkdown(md: string): void {
  const d = tslabDisplay();
  if (d) d.markdown(md);
  else note(`Markdown: ${md.split("\n")[0].slice(0, 80)}`);
}

/** True when the notebook should do its quick smoke run (GAN_QUICK=1, set by `--quick`). */
export function isQuick(): boolean {
  return /^(1|true|yes|on)$/i.test((process.env.GAN_QUICK ?? "").trim());
}

/** True when running inside a tslab kernel (so the show* helpers display inline). */
export function inNotebook(): boolean {
  return tslabDisplay() !== null;
}

/** The part of tslab's display API for other MIME types. */
interface TslabRaw {
  raw(contentType: string, b: string | Uint8Array): void;
}

let plotlyShown = false;

/**
 * Show a chart: always as a static SVG picture (readable wherever the notebook is opened, even
 * where no script runs), and with GAN_PLOTLY_INLINE=1 also as an interactive plotly chart (the
 * first one carries plotly.js itself, about 4.6 MB). `save` writes the interactive chart as a
 * standalone offline HTML file too.
 */
export function showFigure(fig: Figure, opts: { save?: string; title?: string } = {}): void {
  const d = tslabDisplay() as (TslabDisplay & Partial<TslabRaw>) | null;
  const svg = figureSvg(fig);
  if (d?.raw) d.raw("image/svg+xml", svg);
  else note(`chart "${String((fig.layout.title as { text?: string })?.text ?? "")}"`);
  if (opts.save) {
    saveHtml(opts.save, opts.title ?? String((fig.layout.title as { text?: string })?.text ?? "chart"), [fig]);
    console.log(`interactive chart: ${opts.save}`);
  }
  if (d && /^(1|true|yes)$/i.test(process.env.GAN_PLOTLY_INLINE ?? "")) {
    const id = `plot${Math.random().toString(36).slice(2)}`;
    const lib = plotlyShown ? "" : `<script>${require("fs").readFileSync(require.resolve("plotly.js-dist-min"), "utf8")}</script>`;
    plotlyShown = true;
    d.html(`${lib}<div id="${id}" style="height:420px"></div><script>Plotly.newPlot("${id}", ${JSON.stringify(fig.data)}, ${JSON.stringify(fig.layout)});</script>`);
  }
}

/** A table as Markdown: every row (danfojs's own print shows at most 10). */
export function markdownTable(rows: Record<string, unknown>[]): string {
  if (!rows.length) return "(no rows)";
  const cols = Object.keys(rows[0]);
  const cell = (v: unknown) => String(v ?? "").replace(/\|/g, "\\|");
  return [`| ${cols.map(cell).join(" | ")} |`, `| ${cols.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${cols.map((c) => cell(r[c])).join(" | ")} |`)].join("\n");
}

/**
 * Show a result table (a danfojs DataFrame or an array of records) in full, as Markdown in a
 * notebook and as aligned text elsewhere.
 */
export function showTable(table: Record<string, unknown>[] | { columns: string[]; values: unknown[][] }): void {
  const rows = Array.isArray(table)
    ? table
    : table.values.map((v) => Object.fromEntries(table.columns.map((c, i) => [c, (v as unknown[])[i]])));
  if (tslabDisplay()) {
    showMarkdown(markdownTable(rows));
    return;
  }
  const cols = rows.length ? Object.keys(rows[0]) : [];
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? "").length)));
  console.log(cols.map((c, i) => c.padEnd(width[i])).join("  "));
  for (const r of rows) console.log(cols.map((c, i) => String(r[c] ?? "").padEnd(width[i])).join("  "));
}
