/**
 * `groupIntoLines`: reading order for character boxes. Boxes are sorted by
 * their vertical centres; a new line starts where the gap between
 * consecutive centres exceeds half a typical character height. Within a
 * line boxes run left to right, and a gap wider than a fraction of the
 * line's character height marks a space between words.
 *
 * @module
 */

import type { Box } from "./components.ts";

/** One line of text: its boxes in reading order, and where words end. */
export interface TextLine {
  /** Boxes left to right. */
  boxes: Box[];
  /** Indices in `boxes` after which a space follows. */
  spacesAfter: number[];
}

/** Options of {@link groupIntoLines}. */
export interface GroupOptions {
  /** A gap between centres larger than this times the median height starts a line (default 0.6). */
  lineGap?: number;
  /**
   * When a line's gaps do not split into two clear sizes, they are all
   * spaces if their median exceeds this times the character height (default 0.6).
   */
  wordGap?: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : 0;
}

/**
 * The gap above which a gap is a space: the best split of the gaps into
 * letter gaps and word gaps (largest between-class variance), used when the
 * word gaps are clearly wider; otherwise all or none of the gaps are spaces.
 */
function wordThreshold(gaps: number[], charHeight: number, uniformFactor: number): number {
  const sorted = [...gaps].sort((a, b) => a - b);
  let best = -1, split = -1;
  for (let k = 1; k < sorted.length; k++) {
    const lo = sorted.slice(0, k), hi = sorted.slice(k);
    const ml = lo.reduce((s, v) => s + v, 0) / lo.length,
      mh = hi.reduce((s, v) => s + v, 0) / hi.length;
    const between = lo.length * hi.length * (mh - ml) ** 2;
    if (between > best) {
      best = between;
      split = k;
    }
  }
  if (split > 0) {
    const lo = sorted.slice(0, split), hi = sorted.slice(split);
    const maxLo = lo[lo.length - 1], minHi = hi[0];
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    // two clear sizes: word gaps on average at least twice the letter gaps (hand-printed
    // letter gaps vary, so the classes' means, not their extremes), and wider than a
    // third of a character
    if (
      mean(hi) > 2 * Math.max(mean(lo), 0.1 * charHeight) && minHi > 0.33 * charHeight
    ) {
      return (maxLo + minHi) / 2;
    }
  }
  return median(gaps) > uniformFactor * charHeight ? -Infinity : Infinity;
}

/**
 * Group boxes into lines in reading order, with word breaks.
 *
 * @param boxes `[y1, x1, y2, x2]` boxes in any order.
 * @param options Gap factors.
 * @returns Lines from top to bottom.
 * @example
 * ```ts
 * import { groupIntoLines } from "@recognize/vision-ocr";
 * const lines = groupIntoLines([[50, 0, 70, 10], [0, 30, 20, 40], [0, 0, 20, 10], [0, 12, 20, 22]]);
 * console.assert(lines.length === 2 && lines[0].boxes.length === 3 && lines[0].spacesAfter.join() === "1");
 * ```
 */
export function groupIntoLines(boxes: readonly Box[], options: GroupOptions = {}): TextLine[] {
  if (boxes.length === 0) return [];
  const heights = boxes.map((b) => b[2] - b[0] + 1);
  const medianHeight = median(heights);
  const byCentre = [...boxes].sort((a, b) => (a[0] + a[2]) - (b[0] + b[2]));
  const groups: Box[][] = [[byCentre[0]]];
  for (let i = 1; i < byCentre.length; i++) {
    const prev = (byCentre[i - 1][0] + byCentre[i - 1][2]) / 2,
      cur = (byCentre[i][0] + byCentre[i][2]) / 2;
    if (cur - prev > (options.lineGap ?? 0.6) * medianHeight) groups.push([]);
    groups[groups.length - 1].push(byCentre[i]);
  }
  return groups.map((g) => {
    const sorted = g.sort((a, b) => a[1] - b[1]);
    const h = median(sorted.map((b) => b[2] - b[0] + 1));
    const gaps = sorted.slice(1).map((b, i) => b[1] - sorted[i][3]);
    const limit = wordThreshold(gaps, h, options.wordGap ?? 0.6);
    const spacesAfter = gaps.flatMap((g, i) => (g > limit ? [i] : []));
    return { boxes: sorted, spacesAfter };
  });
}
