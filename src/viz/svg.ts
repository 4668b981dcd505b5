/**
 * A static SVG rendering of the kit's plotly figures (lines, markers, bars), so charts stay
 * readable where no JavaScript runs. Notebooks show it rasterised to PNG (raster.ts; SVG outputs
 * are hidden in untrusted notebooks and emptied by nbconvert 6.5). The interactive chart remains
 * plotly's; this is its still picture.
 */
import type { Figure } from "./charts";

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

interface Series {
  name: string;
  x: (number | string)[];
  y: number[];
  type: string;
  mode: string;
  color: string;
  /** Marker diameter in px (plotly's marker.size), when the figure sets one. */
  size?: number;
  /** An open marker (plotly symbols ending in "-open"): outline only, e.g. to mark targets over dense points. */
  open: boolean;
}

function text(layoutTitle: unknown): string {
  if (typeof layoutTitle === "string") return layoutTitle;
  if (layoutTitle && typeof layoutTitle === "object" && "text" in layoutTitle) return String((layoutTitle as { text: unknown }).text ?? "");
  return "";
}

/** "Nice" tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * Tick values for a log axis covering [lo, hi] (both > 0), as plotly labels one: the powers of ten
 * inside it when there are three or more; else 1x, 2x and 5x of them when that gives four ticks;
 * else every 1x to 9x when that gives at most eight; else 1x, 2x and 5x; and plain "nice" ticks
 * when the range is too narrow for even two of those.
 */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !(hi > lo)) return [lo];
  const inside = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  const multiples = (ms: number[]) => {
    const out: number[] = [];
    for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
      for (const m of ms) {
        const v = Number((m * 10 ** k).toPrecision(12));
        if (inside(v)) out.push(v);
      }
    }
    return out;
  };
  const decades = multiples([1]);
  if (decades.length >= 3) return decades;
  const steps125 = multiples([1, 2, 5]);
  if (steps125.length >= 4) return steps125;
  const all = multiples([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  if (all.length >= 2 && all.length <= 8) return all;
  return steps125.length >= 2 ? steps125 : ticks(lo, hi).filter((v) => v > 0);
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

export function figureSvg(fig: Figure, width = 720, height = 380): string {
  const series: Series[] = (fig.data as Record<string, unknown>[]).map((d, i) => ({
    name: String(d.name ?? `trace ${i}`),
    x: (d.x as (number | string)[]) ?? [],
    y: ((d.y as number[]) ?? []).map(Number),
    type: String(d.type ?? "scatter"),
    mode: String(d.mode ?? "lines"),
    color: ((d.marker as { color?: string })?.color as string) ?? COLORS[i % COLORS.length],
    size: typeof (d.marker as { size?: unknown })?.size === "number" ? ((d.marker as { size: number }).size) : undefined,
    open: /-open$/.test(String((d.marker as { symbol?: unknown })?.symbol ?? "")),
  }));
  const categorical = series.some((s) => s.x.some((v) => typeof v === "string"));
  const cats = categorical ? [...new Set(series.flatMap((s) => s.x.map(String)))] : [];
  const xs = categorical ? [0, Math.max(1, cats.length)] : series.flatMap((s) => s.x.map(Number)).filter(Number.isFinite);
  // A log y axis (layout.yaxis.type "log") is drawn in log10 units; like plotly, values <= 0 are
  // left out of it.
  const logY = (fig.layout.yaxis as { type?: unknown } | undefined)?.type === "log";
  const ly = (v: number) => (logY ? (v > 0 ? Math.log10(v) : NaN) : v);
  const ys = series.flatMap((s) => s.y.map(ly)).filter(Number.isFinite);
  if (series.some((s) => s.type === "bar") && !logY) ys.push(0);
  const m = { l: 64, r: 16, t: 34, b: 44 };
  // The legend is as wide as its longest name (about 6.7 px a character at 11 px), at most 40% of
  // the chart; only names longer than that are shortened.
  const legendChars = Math.floor((width * 0.4 - 34) / 6.7);
  const legendName = (s: string) => (s.length > legendChars ? `${s.slice(0, legendChars - 1)}…` : s);
  const legendW = series.length > 1 ? Math.max(90, Math.ceil(34 + 6.7 * Math.max(...series.map((s) => legendName(s.name).length)))) : 0;
  const W = width - m.l - m.r - legendW;
  const H = height - m.t - m.b;
  let [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [y0, y1] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (!categorical && series.some((s) => s.mode.includes("markers"))) {
    const px = (x1 - x0) * 0.03;
    [x0, x1] = [x0 - px, x1 + px];
  }
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  y0 -= series.some((s) => s.type === "bar") && y0 === 0 && !logY ? 0 : pad;
  y1 += pad;
  const X = (v: number) => m.l + ((v - x0) / (x1 - x0)) * W;
  const Y = (v: number) => m.t + H - ((ly(v) - y0) / (y1 - y0)) * H;
  const yTicks = logY ? logTicks(10 ** y0, 10 ** y1) : ticks(y0, y1);
  // Bars rise from zero, or on a log axis (which has no zero) from the bottom of the chart.
  const barBase = logY ? 10 ** y0 : 0;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${m.l}" y="20" font-size="14">${esc(text(fig.layout.title))}</text>`);
  for (const t of yTicks) {
    out.push(`<line x1="${m.l}" x2="${m.l + W}" y1="${Y(t)}" y2="${Y(t)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.l - 6}" y="${Y(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  if (categorical) {
    cats.forEach((c, i) => out.push(`<text x="${X(i + 0.5)}" y="${m.t + H + 16}" text-anchor="middle">${esc(c)}</text>`));
  } else {
    for (const t of ticks(x0, x1)) out.push(`<text x="${X(t)}" y="${m.t + H + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${m.l}" y="${m.t}" width="${W}" height="${H}" fill="none" stroke="#888"/>`);
  const xTitle = text((fig.layout.xaxis as { title?: unknown })?.title);
  const yTitle = text((fig.layout.yaxis as { title?: unknown })?.title);
  if (xTitle) out.push(`<text x="${m.l + W / 2}" y="${height - 8}" text-anchor="middle">${esc(xTitle)}</text>`);
  if (yTitle) out.push(`<text transform="translate(14 ${m.t + H / 2}) rotate(-90)" text-anchor="middle">${esc(yTitle)}</text>`);
  const bars = series.filter((s) => s.type === "bar");
  series.forEach((s) => {
    if (s.type === "bar") {
      const k = bars.indexOf(s);
      const bw = (W / Math.max(1, cats.length || s.x.length)) * 0.8 / bars.length;
      s.x.forEach((xv, i) => {
        const ci = categorical ? cats.indexOf(String(xv)) : Number(xv);
        const left = (categorical ? X(ci + 0.1) : X(Number(xv)) - (bw * bars.length) / 2) + k * bw;
        if (!Number.isFinite(Y(s.y[i]))) return;
        const top = Y(Math.max(barBase, s.y[i]));
        out.push(`<rect x="${left.toFixed(1)}" y="${top.toFixed(1)}" width="${bw.toFixed(1)}" height="${Math.abs(Y(s.y[i]) - Y(barBase)).toFixed(1)}" fill="${s.color}"/>`);
      });
      return;
    }
    const pts = s.x.map((xv, i) => [categorical ? X(cats.indexOf(String(xv)) + 0.5) : X(Number(xv)), Y(s.y[i])]).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
    if (s.mode.includes("lines") && pts.length > 1) {
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(" ")}"/>`);
    }
    if (s.mode.includes("markers")) {
      const r = s.size !== undefined ? Math.min(12, s.size / 2) : pts.length > 500 ? 1.2 : 2.5;
      const paint = s.open ? `fill="none" stroke="${s.color}" stroke-width="1.5"` : `fill="${s.color}" fill-opacity="0.6"`;
      for (const [a, b] of pts) out.push(`<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="${r}" ${paint}/>`);
    }
  });
  if (legendW) {
    series.forEach((s, i) => {
      const ly = m.t + 8 + i * 16;
      out.push(`<rect x="${m.l + W + 12}" y="${ly - 8}" width="12" height="8" fill="${s.color}"/>`);
      out.push(`<text x="${m.l + W + 30}" y="${ly}">${esc(legendName(s.name))}</text>`);
    });
  }
  out.push("</svg>");
  return out.join("\n");
}
