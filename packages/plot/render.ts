/**
 * Rendering figures: Vega-Lite specifications to SVG through Vega, SVG to PNG
 * through resvg (WebAssembly), with the DejaVu fonts from npm so machines
 * without system fonts still render text.
 *
 * @module
 */

import * as vega from "vega";
import * as vl from "vega-lite";
import { initWasm, Resvg } from "@resvg/resvg-wasm";
import { writeFileAtomic } from "@recognize/io";

/** A Vega-Lite specification (kept loose: Vega-Lite validates it). */
export type VegaLiteSpec = Record<string, unknown>;

let ready: Promise<Uint8Array[]> | null = null;

async function readAsset(specifier: string): Promise<Uint8Array> {
  const url = new URL(import.meta.resolve(specifier));
  try {
    return await Deno.readFile(url);
  } catch (e) {
    throw new Error(
      `Cannot read ${url.pathname} (${(e as Error).message}): install the npm packages (npm ci)`,
    );
  }
}

function init(): Promise<Uint8Array[]> {
  ready ??= (async () => {
    await initWasm(readAsset("@resvg/resvg-wasm/index_bg.wasm"));
    return await Promise.all(
      ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf"].map((f) =>
        readAsset(`dejavu-fonts-ttf/ttf/${f}`)
      ),
    );
  })();
  return ready;
}

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
 * @param svg The SVG text.
 * @param scale Pixels per SVG unit (default 2, for sharp text).
 * @returns The PNG bytes.
 */
export async function svgToPng(svg: string, scale = 2): Promise<Uint8Array> {
  const fonts = await init();
  const r = new Resvg(svg, {
    font: {
      fontBuffers: fonts,
      loadSystemFonts: false,
      defaultFontFamily: "DejaVu Sans",
      sansSerifFamily: "DejaVu Sans",
      monospaceFamily: "DejaVu Sans Mono",
    },
    fitTo: { mode: "zoom", value: scale },
    background: "white",
  });
  const image = r.render();
  try {
    return image.asPng();
  } finally {
    image.free();
    r.free();
  }
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
