/**
 * Decoding with context: a character's word is evidence the classifier
 * alone does not have. A word is letters or digits by which reading is
 * more likely: the product over its characters of their probability of
 * being a letter, against that of being a digit; each character
 * is then read as its most probable letter (an "0" inside "DONT" becomes
 * "O") or digit. One-character words are judged together with the other
 * one-character words on their line (a row of digits stays digits).
 *
 * @module
 */

/** Whether a class name is a digit. */
const isDigit = (c: string) => c >= "0" && c <= "9";

/** A decoded character. */
export interface Choice {
  /** The class name. */
  char: string;
  /** Its probability. */
  confidence: number;
}

function best(
  probs: ArrayLike<number>,
  classes: readonly string[],
  allow: (c: string) => boolean,
): Choice {
  let k = -1;
  for (let i = 0; i < classes.length; i++) {
    if (allow(classes[i]) && (k < 0 || probs[i] > probs[k])) k = i;
  }
  return { char: classes[k], confidence: probs[k] };
}

/**
 * Decode one line.
 *
 * @param probs Per character, its class probabilities.
 * @param classes Class names.
 * @param words Character index ranges `[start, end)` of the line's words.
 * @returns One choice per character.
 */
export function decodeWithContext(
  probs: readonly ArrayLike<number>[],
  classes: readonly string[],
  words: readonly [number, number][],
): Choice[] {
  const plain = probs.map((p) => best(p, classes, () => true));
  const hasBoth = classes.some(isDigit) && classes.some((c) => !isDigit(c));
  if (!hasBoth) return plain;
  const digitMass = probs.map((p) => classes.reduce((m, c, i) => m + (isDigit(c) ? p[i] : 0), 0));
  const kind = (indices: number[]) => {
    if (indices.length === 0) return null;
    let logDigit = 0, logLetter = 0;
    for (const i of indices) {
      logDigit += Math.log(Math.max(digitMass[i], 1e-9));
      logLetter += Math.log(Math.max(1 - digitMass[i], 1e-9));
    }
    return logDigit > logLetter ? "digit" : logDigit < logLetter ? "letter" : null;
  };
  const singles = words.filter(([s, e]) => e - s === 1).map(([s]) => s);
  const lineKind = kind(singles);
  const out = [...plain];
  for (const [s, e] of words) {
    const k = e - s === 1 ? lineKind : kind(Array.from({ length: e - s }, (_, i) => s + i));
    if (!k) continue;
    for (let i = s; i < e; i++) {
      out[i] = best(probs[i], classes, (c) => isDigit(c) === (k === "digit"));
    }
  }
  return out;
}
