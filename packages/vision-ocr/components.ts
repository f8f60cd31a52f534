/**
 * Connected components of a binary mask (8-connected), labelled by a
 * two-pass union–find over typed arrays, with each component's box and area.
 *
 * @module
 */

/** A box `[y1, x1, y2, x2]`: top-left and bottom-right corners, inclusive. */
export type Box = [number, number, number, number];

/** A connected component. */
export interface Component {
  /** Its label in the label image (1-based). */
  label: number;
  /** Bounding box. */
  box: Box;
  /** Pixels in it. */
  area: number;
}

/**
 * Label the 8-connected components of a mask.
 *
 * @param mask 1 = foreground.
 * @param width Mask width.
 * @param height Mask height.
 * @returns The components and the label image (0 = background).
 */
export function connectedComponents(
  mask: Uint8Array,
  width: number,
  height: number,
): { components: Component[]; labels: Int32Array } {
  const labels = new Int32Array(width * height);
  const parent: number[] = [0];
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  };
  const union = (a: number, b: number) => {
    const ra = find(a), rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      // already-visited neighbours: W, NW, N, NE
      const n = [
        x > 0 ? labels[i - 1] : 0,
        x > 0 && y > 0 ? labels[i - width - 1] : 0,
        y > 0 ? labels[i - width] : 0,
        x < width - 1 && y > 0 ? labels[i - width + 1] : 0,
      ].filter((l) => l > 0);
      if (n.length === 0) {
        parent.push(parent.length);
        labels[i] = parent.length - 1;
      } else {
        const m = Math.min(...n);
        labels[i] = m;
        for (const l of n) if (l !== m) union(m, l);
      }
    }
  }
  // second pass: final labels 1…k and per-component stats
  const remap = new Int32Array(parent.length);
  const stats: Component[] = [];
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!l) continue;
    const root = find(l);
    let k = remap[root];
    if (!k) {
      stats.push({ label: stats.length + 1, box: [height, width, -1, -1], area: 0 });
      k = remap[root] = stats.length;
    }
    labels[i] = k;
    const c = stats[k - 1];
    const y = Math.floor(i / width), x = i - y * width;
    if (y < c.box[0]) c.box[0] = y;
    if (x < c.box[1]) c.box[1] = x;
    if (y > c.box[2]) c.box[2] = y;
    if (x > c.box[3]) c.box[3] = x;
    c.area++;
  }
  return { components: stats, labels };
}
