/**
 * SVG to PNG with @resvg/resvg-js (resvg, prebuilt for each platform from the npm registry): the
 * raster every chart carries in notebooks, so it shows where SVG does not (untrusted notebooks,
 * nbconvert 6 HTML exports, viewers that drop SVG).
 *
 * Text is drawn with the system's fonts (fontconfig folders: /usr/share/fonts on Debian). The kit
 * asks for "DejaVu Sans" first, then "Liberation Sans", then any sans-serif font found; a machine
 * without any font gets charts without labels (Debian: apt-get install fonts-dejavu-core).
 */
import type * as ResvgJs from "@resvg/resvg-js";

export interface RasterOptions {
  /** Pixel scale of the raster relative to the SVG's size (default 1.5: sharp on common screens). */
  scale?: number;
}

/**
 * The PNG bytes of an SVG document. resvg's native binding is loaded on first use (not when the kit
 * loads), so a platform without a prebuilt binding fails only here, and callers can fall back.
 */
export function svgToPng(svg: string, opts: RasterOptions = {}): Buffer {
  const scale = opts.scale ?? 1.5;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Resvg } = require("@resvg/resvg-js") as typeof ResvgJs;
  const r = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "white",
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
    // The SVGs are the kit's own: no external images or fonts to fetch.
    imageRendering: 0,
    shapeRendering: 2,
    textRendering: 1,
  });
  return r.render().asPng();
}
