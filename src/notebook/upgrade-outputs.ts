/**
 * Bring the stored outputs of a notebook to the kit's current display format without running it
 * (the committed notebooks hold outputs of long runs): `npm run nb -- --upgrade-outputs FILE`.
 *
 * - a chart bundle (plotly JSON + PNG) gets its PNG and text summary drawn again from its plotly
 *   JSON, so a fix to the still-picture renderer (e.g. log axes) reaches the committed notebooks;
 * - a chart stored as `image/svg+xml` becomes the chart bundle's PNG (the same SVG rasterised by
 *   the kit) with a text summary; the SVG is dropped (nbconvert 6.5 would prefer it and export it
 *   empty). The plotly JSON cannot be rebuilt from a picture: it stays in the standalone HTML file.
 * - Markdown tables (from showTable) and danfojs's boxed tables printed on stdout become the
 *   table bundle (escaped HTML with a text fallback);
 * - progress-bar lines on stderr collapse into one output holding the final state;
 * - `interactive chart: PATH` lines become a link; the backend line lists its kit kernels as a
 *   count; absolute paths into a project folder (data/, out/, src/, notebooks/) become relative
 *   to the notebook.
 * Outputs already in the current format pass through unchanged, so running it twice is harmless.
 */
import { compactBackendLine } from "../backend/select";
import { svgToPng } from "../viz/raster";
import type { Figure } from "../viz/charts";
import { figureBundle, htmlTable, textTable } from "./display";

type Stored = Record<string, unknown> & { output_type: string };
type Rows = Record<string, unknown>[];

const joined = (v: unknown) => (Array.isArray(v) ? v.join("") : String(v ?? ""));
/** Text as Jupyter stores it: a list of lines, each but the last ending with "\n". */
const toLines = (text: string) => text.match(/[^\n]*\n|[^\n]+$/g) ?? [];

const unescapeXml = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");

/** A display output holding `data` (text values stored as lists of lines). */
function display(data: Record<string, unknown>, metadata: Record<string, unknown> = {}): Stored {
  const stored: Record<string, unknown> = {};
  for (const [mime, v] of Object.entries(data)) stored[mime] = typeof v === "string" && mime !== "image/png" ? toLines(v) : v;
  return { output_type: "display_data", data: stored, metadata };
}

function stream(name: string, text: string): Stored | null {
  return text === "" ? null : { output_type: "stream", name, text: toLines(text) };
}

/** The title and legend names of one of the kit's SVG charts, as the chart bundle's text. */
export function svgChartSummary(svg: string): string {
  const title = /<text [^>]*font-size="14"[^>]*>([^<]*)<\/text>/.exec(svg)?.[1] ?? "";
  const names = [...svg.matchAll(/width="12" height="8" fill="[^"]+"\/>\s*<text [^>]*>([^<]*)<\/text>/g)].map((m) => unescapeXml(m[1]));
  const lines = [`chart: ${unescapeXml(title) || "(untitled)"}`];
  if (names.length) lines.push(`  series: ${names.join("; ")}`);
  lines.push("  (picture of the chart; its data is in the standalone interactive HTML file)");
  return lines.join("\n");
}

/** A stored SVG chart output as the PNG bundle. */
export function upgradeSvgChart(svg: string): Stored {
  const [w, h] = [/width="(\d+)"/.exec(svg), /height="(\d+)"/.exec(svg)].map((m) => Number(m?.[1] ?? 0));
  return display({ "image/png": svgToPng(svg).toString("base64"), "text/plain": svgChartSummary(svg) }, { "image/png": { width: w, height: h } });
}

/** The rows of a Markdown table (`| a | b |` lines; `\|` is a literal bar), or null. */
export function parseMarkdownTable(md: string): Rows | null {
  const lines = md.trim().split("\n").map((l) => l.trim());
  if (lines.length < 2 || !lines.every((l) => l.startsWith("|") && l.endsWith("|"))) return null;
  if (!/^\|(\s*:?-{3,}:?\s*\|)+$/.test(lines[1])) return null;
  const split = (l: string) =>
    l
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim().replace(/\\\|/g, "|").replace(/&#124;/g, "|"));
  const cols = split(lines[0]);
  return lines.slice(2).map((l) => Object.fromEntries(split(l).map((v, i) => [cols[i] ?? `column ${i + 1}`, v])));
}

/** The rows of a danfojs boxed table (╔ ... ╚ lines); the index column is dropped. */
export function parseBoxTable(lines: string[]): Rows {
  const cells = lines.filter((l) => l.startsWith("║")).map((l) => l.replace(/^║|║\s*$/g, "").split("│").map((c) => c.trim()));
  const [head, ...body] = cells;
  const dropIndex = head[0] === "";
  const cols = dropIndex ? head.slice(1) : head;
  return body.map((r) => Object.fromEntries((dropIndex ? r.slice(1) : r).map((v, i) => [cols[i], v])));
}

const tableBundle = (rows: Rows) => display({ "text/html": htmlTable(rows), "text/plain": textTable(rows) });

/** Absolute paths into a project folder, made relative to the notebook (in notebooks/). */
export function relativePaths(text: string): string {
  return text.replace(/(?<![\w.@+/-])(?:\/[\w.@+-]+)+?\/(?=(?:data|out|src|notebooks)\/)/g, "../");
}

const PROGRESS = /^\[[=\-]+\] step \d+\/\d+/;
const CHART_LINK = /^interactive chart: (\S+)$/;

function upgradeStdout(text: string): Stored[] {
  const out: Stored[] = [];
  let plain = "";
  const flush = () => {
    const s = stream("stdout", plain);
    if (s) out.push(s);
    plain = "";
  };
  const lines = relativePaths(text).split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const end = i === lines.length - 1 ? "" : "\n";
    if (line.startsWith("╔")) {
      const j = lines.findIndex((l, k) => k > i && l.startsWith("╚"));
      if (j > i) {
        flush();
        out.push(tableBundle(parseBoxTable(lines.slice(i, j + 1))));
        i = j;
        // danfojs prints a blank line after its table.
        if (lines[i + 1] === "" && i + 1 < lines.length - 1) i++;
        continue;
      }
    }
    const link = CHART_LINK.exec(line);
    if (link) {
      flush();
      const esc = link[1].replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
      out.push(display({ "text/html": `<a href="${esc}" target="_blank">interactive chart: ${esc}</a>`, "text/plain": `interactive chart: ${link[1]}` }));
      continue;
    }
    plain += (line.startsWith("[gan-repro] backend:") ? compactBackendLine(line) : line) + end;
  }
  flush();
  return out;
}

function upgradeStderr(text: string): Stored[] {
  const lines = relativePaths(text).split("\n");
  const progress = lines.filter((l) => PROGRESS.test(l));
  if (!progress.length) return [stream("stderr", lines.join("\n"))!].filter(Boolean);
  const first = lines.findIndex((l) => PROGRESS.test(l));
  const before = lines.slice(0, first).join("\n");
  const after = lines.slice(first).filter((l) => !PROGRESS.test(l)).join("\n").replace(/^\n+/, "");
  return [stream("stderr", before ? `${before}\n` : ""), display({ "text/plain": progress[progress.length - 1].trimEnd() }), stream("stderr", after.trim() ? after : "")].filter(
    (o): o is Stored => o !== null,
  );
}

/** One cell's outputs in the current format (see the file comment). */
export function upgradeOutputs(outputs: Stored[]): Stored[] {
  const out: Stored[] = [];
  for (const o of outputs) {
    if (o.output_type === "stream") {
      out.push(...(o.name === "stderr" ? upgradeStderr(joined(o.text)) : upgradeStdout(joined(o.text))));
      continue;
    }
    if (o.output_type === "display_data" || o.output_type === "execute_result") {
      const data = (o.data ?? {}) as Record<string, unknown>;
      if (data["image/svg+xml"] !== undefined && data["image/png"] === undefined) {
        out.push(upgradeSvgChart(joined(data["image/svg+xml"])));
        continue;
      }
      const plotly = data["application/vnd.plotly.v1+json"] as Figure | undefined;
      if (plotly && data["image/png"] !== undefined) {
        const b = figureBundle(plotly);
        // Where no PNG can be drawn (no resvg binding), the stored one stays.
        if (b.data["image/png"] !== undefined) {
          const again = display(b.data, b.metadata);
          out.push({ ...o, data: again.data, metadata: again.metadata });
          continue;
        }
      }
      if (data["text/markdown"] !== undefined && data["text/html"] === undefined) {
        const md = joined(data["text/markdown"]);
        const rows = parseMarkdownTable(md);
        out.push(rows ? tableBundle(rows) : { ...o, data: { ...data, "text/plain": data["text/plain"] ?? toLines(md) } });
        continue;
      }
      if (data["text/plain"] !== undefined) {
        out.push({ ...o, data: { ...data, "text/plain": toLines(relativePaths(joined(data["text/plain"]))) } });
        continue;
      }
    }
    out.push(o);
  }
  // Neighbouring streams of the same name merge, as Jupyter stores them.
  const merged: Stored[] = [];
  for (const o of out) {
    const last = merged[merged.length - 1];
    if (o.output_type === "stream" && last?.output_type === "stream" && last.name === o.name) last.text = toLines(joined(last.text) + joined(o.text));
    else merged.push(o);
  }
  return merged;
}

/** Upgrade every code cell of a parsed notebook in place; returns how many outputs changed. */
export function upgradeNotebook(nb: { cells: { cell_type: string; outputs?: unknown[] }[] }): number {
  let changed = 0;
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code" || !cell.outputs) continue;
    const before = JSON.stringify(cell.outputs);
    cell.outputs = upgradeOutputs(cell.outputs as Stored[]);
    if (JSON.stringify(cell.outputs) !== before) changed++;
  }
  return changed;
}
