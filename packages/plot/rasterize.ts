/**
 * SVG to PNG through resvg (WebAssembly), with the DejaVu fonts from npm so
 * machines without system fonts still render text. The worker in
 * rasterizer_worker.ts runs this; so does the main thread where workers are
 * missing.
 *
 * @module
 */

import { initWasm, Resvg } from "@resvg/resvg-wasm";

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
 * Rasterise SVG to PNG in this thread.
 *
 * @param svg The SVG text.
 * @param scale Pixels per SVG unit.
 * @returns The PNG bytes.
 */
export async function rasterize(svg: string, scale: number): Promise<Uint8Array> {
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
