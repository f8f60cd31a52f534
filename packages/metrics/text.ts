/**
 * Text recognition metrics: edit distance and character error rate.
 *
 * @module
 */

/**
 * Levenshtein distance: the fewest insertions, deletions and substitutions
 * turning `a` into `b` (by Unicode code point).
 *
 * @param a One string.
 * @param b The other.
 * @returns The distance.
 * @example
 * ```ts
 * import { levenshtein } from "@recognize/metrics";
 * console.assert(levenshtein("kitten", "sitting") === 3);
 * ```
 */
export function levenshtein(a: string, b: string): number {
  const s = [...a], t = [...b];
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[t.length];
}

/**
 * Character error rate: edit distance over the length of the truth.
 *
 * @param recognized The recognised text.
 * @param truth The true text.
 * @param options `ignoreWhitespace`: drop spaces and line breaks from both first.
 * @returns Errors per true character (may exceed 1).
 */
export function characterErrorRate(
  recognized: string,
  truth: string,
  options: { ignoreWhitespace?: boolean } = {},
): number {
  const clean = (s: string) => (options.ignoreWhitespace ? s.replace(/\s+/g, "") : s);
  const t = clean(truth);
  if (t.length === 0) return clean(recognized).length === 0 ? 0 : Infinity;
  return levenshtein(clean(recognized), t) / [...t].length;
}
