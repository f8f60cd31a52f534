/**
 * Rendering figures: Vega-Lite specifications to SVG through Vega, SVG to PNG
 * through resvg (WebAssembly), with the DejaVu fonts from npm so machines
 * without system fonts still render text.
 *
 * @module
 */

import * as vega from "vega";
import * as vl from "vega-lite";
import { writeFileAtomic } from "@recognize/io";
import { rasterize } from "./rasterize.ts";
import { rasterizer } from "./rasterizer_client.ts";

/** A Vega-Lite specification (kept loose: Vega-Lite validates it). */
export type VegaLiteSpec = Record<string, unknown>;

/**
 * Render a Vega-Lite specification to SVG.
 *
 * @param spec The specification.
 * @returns The SVG text.
 */
export async function vegaLiteToSvg(spec: VegaLiteSpec): Promise<string> {
  const compiled = vl.compile(spec as unknown as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Rasterise SVG to PNG.
 *
 * resvg runs in a worker that leaves once it has been idle for a moment:
 * its WebAssembly memory grows by tens of megabytes to lay out a figure's
 * text, and a WebAssembly memory never shrinks while its thread lives.
 * Where workers are missing it runs here.
 *
 * @param svg The SVG text.
 * @param scale Pixels per SVG unit (default 2, for sharp text).
 * @returns The PNG bytes.
 */
export function svgToPng(svg: string, scale = 2): Promise<Uint8Array> {
  if (typeof Worker === "undefined") return rasterize(svg, scale);
  return rasterizer().render(svg, scale);
}

/**
 * Write a figure as `<base>.svg` and `<base>.png` (atomically).
 *
 * @param base The path without extension (a trailing `.png` or `.svg` is dropped).
 * @param figure SVG text, or a Vega-Lite specification.
 * @param options `scale`: PNG pixels per SVG unit (default 2).
 * @returns The two paths written.
 */
export async function saveFigure(
  base: string,
  figure: string | VegaLiteSpec,
  options: { scale?: number } = {},
): Promise<{ svg: string; png: string }> {
  const stem = base.replace(/\.(png|svg)$/i, "");
  const svg = typeof figure === "string" ? figure : await vegaLiteToSvg(figure);
  const enc = new TextEncoder();
  await writeFileAtomic(`${stem}.svg`, enc.encode(svg));
  await writeFileAtomic(`${stem}.png`, await svgToPng(svg, options.scale));
  return { svg: `${stem}.svg`, png: `${stem}.png` };
}
