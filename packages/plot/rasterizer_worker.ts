// The rasteriser's thread: SVG in, PNG out (transferred), errors as text.

import { rasterize } from "./rasterize.ts";

/** The worker's global scope, typed without the worker lib (checked together with window code). */
const scope = self as unknown as {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
};

scope.onmessage = async (event: MessageEvent<{ id: number; svg: string; scale: number }>) => {
  const { id, svg, scale } = event.data;
  try {
    const png = await rasterize(svg, scale);
    const own = png.byteOffset === 0 && png.byteLength === png.buffer.byteLength
      ? png
      : png.slice();
    scope.postMessage({ id, png: own }, [own.buffer as ArrayBuffer]);
  } catch (e) {
    scope.postMessage({ id, error: (e as Error).message ?? String(e) });
  }
};
