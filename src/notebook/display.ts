/**
 * Show things inline in a tslab notebook (charts, tables, PNG, HTML, Markdown, progress), and tell
 * whether the notebook runs in its quick smoke mode. Outside tslab (plain node, tests) the show*
 * helpers print a one-line note (tables: the table as aligned text) instead.
 *
 * Every output carries a MIME type that shows everywhere a notebook is read: Jupyter's classic
 * Notebook hides SVG and Markdown outputs of notebooks it does not trust (every notebook it did
 * not execute itself), nbconvert 6.5's HTML export empties inline SVG, while PNG, plain text and
 * (sanitised) HTML show in all of them and on code hosts.
 * - a chart (`showFigure`) is one output: `application/vnd.plotly.v1+json` (drawn interactively
 *   where a plotly renderer exists: JupyterLab with plotly's extension, VS Code), `image/png` (the
 *   kit's SVG picture rasterised by resvg) and `text/plain` (title and a summary of each series);
 * - a table (`showTable`) is escaped `text/html` (scrolls sideways when wide) with an aligned
 *   `text/plain` fallback;
 * - Markdown (`showMarkdown`) carries its own text as the `text/plain` fallback.
 *
 * tslab compiles `import` statements itself and refuses files outside the notebook's folder
 * ("is not under 'rootDir'"), so notebooks in notebooks/ load the project's TypeScript sources
 * with require() through tsx's hook. The first cell of a notebook:
 *
 *   require("tsx/cjs"); // lets require() load the project's .ts sources
 *   const kit = require("../src/index.ts");
 *
 * (Values loaded this way are typed `any` in the notebook.) Packages from node_modules, e.g.
 * `import * as tf from "@tensorflow/tfjs"`, can be imported normally. Loading this module inside
 * a kernel also installs the kit's kernel patches (tslab.ts: errors with name, message and cell
 * line for every Jupyter client; no machine paths in outputs).
 */
import * as fs from "node:fs";
import type { Figure } from "../viz/charts";
import { saveHtml } from "../viz/charts";
import { svgToPng } from "../viz/raster";
import { figureSvg } from "../viz/svg";
import { displayBundle, installKernelPatches, newDisplayId, scrubPaths, tslabPublic } from "./tslab";

if (tslabPublic()) installKernelPatches();

function note(what: string): void {
  console.log(`[display] ${what} (not shown: not running in a tslab notebook)`);
}

/** Show PNG bytes (e.g. from gridPng) as an image. */
export function showPng(png: Uint8Array): void {
  const t = tslabPublic();
  if (t) t.display.png(png);
  else note(`PNG image, ${png.length} bytes`);
}

/** Show an HTML fragment (with a plain-text note as the fallback for viewers without HTML). */
export function showHtml(html: string): void {
  const t = tslabPublic();
  if (!t) note(`HTML, ${html.length} characters`);
  else if (!displayBundle({ "text/html": html, "text/plain": `(HTML output, ${html.length} characters)` })) t.display.html(html);
}

/** Show Markdown text (its own text is the fallback where Markdown outputs are hidden). */
export function showMarkdown(md: string): void {
  const t = tslabPublic();
  if (!t) note(`Markdown: ${md.split("\n")[0].slice(0, 80)}`);
  else if (!displayBundle({ "text/markdown": md, "text/plain": md })) t.display.markdown(md);
}

/** True when the notebook should do its quick smoke run (GAN_QUICK=1, set by `--quick`). */
export function isQuick(): boolean {
  return budget() === "quick";
}

/**
 * A notebook's budget: "quick" (a smoke run in seconds, what the tests execute), "lab" (a few
 * minutes on a 2-core laptop, for a class) or "full" (what the quality target needs; resumable).
 * From GAN_BUDGET (set by `npm run nb -- --budget NAME`), else GAN_QUICK=1 means quick, else full.
 */
export type Budget = "quick" | "lab" | "full";
export const BUDGETS: readonly Budget[] = ["quick", "lab", "full"];
export function budget(env: NodeJS.ProcessEnv = process.env): Budget {
  const b = (env.GAN_BUDGET ?? "").trim().toLowerCase();
  if (b) {
    if (!(BUDGETS as readonly string[]).includes(b)) throw new Error(`GAN_BUDGET must be quick, lab or full, got "${env.GAN_BUDGET}"`);
    return b as Budget;
  }
  return /^(1|true|yes|on)$/i.test((env.GAN_QUICK ?? "").trim()) ? "quick" : "full";
}

/** True when running inside a tslab kernel (so the show* helpers display inline). */
export function inNotebook(): boolean {
  return tslabPublic() !== null;
}

// ---- charts --------------------------------------------------------------------------------

const titleOf = (fig: Figure) => {
  const t = fig.layout.title as { text?: unknown } | string | undefined;
  return String((typeof t === "string" ? t : t?.text) ?? "");
};

const num = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(4))) : String(v));

/** A chart in words: its title and, per series, the number of points and the range of y. */
export function figureSummary(fig: Figure): string {
  const lines = [`chart: ${titleOf(fig) || "(untitled)"}`];
  (fig.data as Record<string, unknown>[]).forEach((d, i) => {
    const y = ((d.y as unknown[]) ?? []).map(Number).filter(Number.isFinite);
    const range = y.length ? `, y ${num(Math.min(...y))} to ${num(Math.max(...y))}, last ${num(y[y.length - 1])}` : "";
    lines.push(`  ${String(d.name ?? `trace ${i}`)}: ${y.length} points${range}`);
  });
  return lines.join("\n");
}

/** The MIME bundle of a chart: plotly's JSON, the PNG picture and a text summary. */
export function figureBundle(fig: Figure): { data: Record<string, unknown>; metadata: Record<string, unknown> } {
  const svg = figureSvg(fig);
  const [w, h] = [/width="(\d+)"/.exec(svg), /height="(\d+)"/.exec(svg)].map((m) => Number(m?.[1] ?? 0));
  let png: string;
  try {
    png = svgToPng(svg).toString("base64");
  } catch (err) {
    // No resvg binding for this platform: the SVG instead (shown by trusted notebooks and most
    // viewers, not by nbconvert 6.5's HTML export), and why in the text.
    const why = `(no PNG: ${String((err as Error).message ?? err).split("\n")[0]})`;
    return { data: { "application/vnd.plotly.v1+json": { data: fig.data, layout: fig.layout }, "image/svg+xml": svg, "text/plain": `${figureSummary(fig)}\n${why}` }, metadata: {} };
  }
  return {
    data: {
      "application/vnd.plotly.v1+json": { data: fig.data, layout: fig.layout },
      "image/png": png,
      "text/plain": figureSummary(fig),
    },
    // The raster is drawn at 1.5x; shown at the SVG's size.
    metadata: { "image/png": { width: w, height: h } },
  };
}

let plotlySource: string | null = null;
/**
 * An interactive plotly chart as one HTML output that carries plotly.js itself (about 4.6 MB) and
 * loads it only where the page has none yet, so every output stands on its own: re-running or
 * deleting any cell cannot leave another chart without its library.
 */
export function plotlyInlineHtml(fig: Figure): string {
  plotlySource ??= fs.readFileSync(require.resolve("plotly.js-dist-min"), "utf8").replace(/<\/script/gi, "<\\/script");
  const id = `plot-${newDisplayId()}`;
  const json = (v: unknown) => JSON.stringify(v).replace(/</g, "\\u003c");
  return `<div id="${id}" style="height:420px"></div>
<script>if (typeof window.Plotly === "undefined") {
${plotlySource}
}</script>
<script>Plotly.newPlot("${id}", ${json(fig.data)}, ${json(fig.layout)});</script>`;
}

/**
 * Show a chart as one output (plotly JSON, PNG picture, text summary; see the file comment).
 * `save` also writes the interactive chart as a standalone offline HTML file and shows a link to
 * it. With GAN_PLOTLY_INLINE=1 the interactive chart is also shown inline as HTML (trusted
 * notebooks and HTML exports run it; each such output carries plotly.js).
 */
export function showFigure(fig: Figure, opts: { save?: string; title?: string } = {}): void {
  const t = tslabPublic();
  if (t) {
    const b = figureBundle(fig);
    if (!displayBundle(b.data, { metadata: b.metadata })) t.display.png(Buffer.from(String(b.data["image/png"]), "base64"));
  } else note(`chart "${titleOf(fig)}"`);
  if (opts.save) {
    saveHtml(opts.save, opts.title ?? (titleOf(fig) || "chart"), [fig]);
    const shown = scrubPaths(opts.save);
    if (t) displayBundle({ "text/html": `<a href="${escapeHtml(shown)}" target="_blank">interactive chart: ${escapeHtml(shown)}</a>`, "text/plain": `interactive chart: ${shown}` });
    else console.log(`interactive chart: ${shown}`);
  }
  if (t && /^(1|true|yes)$/i.test(process.env.GAN_PLOTLY_INLINE ?? "")) {
    displayBundle({ "text/html": plotlyInlineHtml(fig), "text/plain": "(interactive plotly chart: shown where the notebook is trusted and scripts run)" });
  }
}

// ---- tables --------------------------------------------------------------------------------

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

type Rows = Record<string, unknown>[];
type TableLike = Rows | { columns: string[]; values: unknown[][] };

function toRows(table: TableLike): Rows {
  return Array.isArray(table) ? table : table.values.map((v) => Object.fromEntries(table.columns.map((c, i) => [c, (v as unknown[])[i]])));
}

const columnsOf = (rows: Rows) => [...new Set(rows.flatMap((r) => Object.keys(r)))];
const cellText = (v: unknown) => (v === null || v === undefined ? "" : String(v));
const numeric = (s: string) => /^[-+]?(\d[\d,]*\.?\d*|\.\d+)(e[-+]?\d+)?%?$/i.test(s.trim());

/** A table as Markdown: every row (danfojs's own print shows at most 10). */
export function markdownTable(rows: Rows): string {
  if (!rows.length) return "(no rows)";
  const cols = columnsOf(rows);
  // "|" as an HTML entity: a backslash escape is split into columns by some Markdown renderers.
  const cell = (v: unknown) => cellText(v).replace(/\|/g, "&#124;").replace(/\n/g, " ");
  return [`| ${cols.map(cell).join(" | ")} |`, `| ${cols.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${cols.map((c) => cell(r[c])).join(" | ")} |`)].join("\n");
}

/** A table as aligned plain text (header, then one line a row). */
export function textTable(rows: Rows): string {
  if (!rows.length) return "(no rows)";
  const cols = columnsOf(rows);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => cellText(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(width[i])).join("  ").trimEnd();
  return [line(cols), ...rows.map((r) => line(cols.map((c) => cellText(r[c]))))].join("\n");
}

/**
 * A table as an HTML fragment: every value escaped, numbers right-aligned, cells not wrapped, in a
 * box that scrolls sideways when the table is wider than the output area. Inline styles and
 * <nobr> only (Jupyter's sanitiser drops style elements in untrusted notebooks).
 */
export function htmlTable(rows: Rows): string {
  if (!rows.length) return "<p>(no rows)</p>";
  const cols = columnsOf(rows);
  // <nobr> as well as the style: an untrusted classic Notebook mangles every style attribute and its
  // own CSS wraps table cells, but it keeps <nobr>; its output area then scrolls sideways.
  const td = (tag: string, v: string) => `<${tag} style="text-align:${numeric(v) ? "right" : "left"};white-space:nowrap;padding:2px 8px"><nobr>${escapeHtml(v)}</nobr></${tag}>`;
  return [
    `<div class="gan-table" style="overflow-x:auto;max-width:100%">`,
    `<table style="border-collapse:collapse;width:auto">`,
    `<thead><tr>${cols.map((c) => td("th", c)).join("")}</tr></thead>`,
    "<tbody>",
    ...rows.map((r) => `<tr>${cols.map((c) => td("td", cellText(r[c]))).join("")}</tr>`),
    "</tbody></table></div>",
  ].join("\n");
}

/**
 * Show a result table (a danfojs DataFrame or an array of records) in full: escaped HTML with a
 * plain-text fallback in a notebook, aligned text elsewhere.
 */
export function showTable(table: TableLike): void {
  showUpdatableTable(table);
}

/** A table shown by showUpdatableTable: `update` replaces it where it stands, in whichever cell showed it. */
export interface ShownTable {
  update(table: TableLike): void;
}

/**
 * showTable, for a table that a later cell replaces (update_display_data): a budget table at the
 * top that the last cell fills in with the run's own time. Outside a notebook, and where tslab
 * cannot update a display, an update shows the new table after the old one.
 */
export function showUpdatableTable(table: TableLike): ShownTable {
  const bundle = (t: TableLike) => {
    const rows = toRows(t);
    return { "text/html": htmlTable(rows), "text/plain": textTable(rows) };
  };
  const t = tslabPublic();
  if (t) {
    const id = newDisplayId();
    const first = bundle(table);
    if (displayBundle(first, { id })) return { update: (next) => void displayBundle(bundle(next), { id, update: true }) };
    t.display.html(first["text/html"]);
    return { update: (next) => t.display.html(bundle(next)["text/html"]) };
  }
  console.log(textTable(toRows(table)));
  return { update: (next) => console.log(textTable(toRows(next))) };
}

// ---- progress ------------------------------------------------------------------------------

/** One updating output in a notebook (a progress line): `update` replaces its text in place. */
export interface NotebookLine {
  update(text: string): void;
}

/**
 * A display that later calls replace in place (Jupyter's update_display_data), for progress in a
 * notebook: the saved notebook holds only the last state. null outside a tslab kernel.
 */
export function notebookLine(first: string): NotebookLine | null {
  if (!tslabPublic()) return null;
  const id = newDisplayId();
  const show = (text: string, update: boolean) => displayBundle({ "text/plain": text }, { id, update });
  if (!show(first, false)) return null;
  return { update: (text) => void show(text, true) };
}
