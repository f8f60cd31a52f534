/**
 * Decoding with context: a character's word is evidence the classifier
 * alone does not have. A word is letters or digits by which reading is
 * more likely: the product over its characters of their probability of
 * being a letter, against that of being a digit; each character
 * is then read as its most probable letter (an "0" inside "DONT" becomes
 * "O") or digit. One-character words are judged together with the other
 * one-character words on their line (a row of digits stays digits).
 *
 * Within a word read as letters, the classifier's output is weighted by how
 * common each letter is in English text. The classifier was trained on
 * balanced classes, so its output is proportional to p(image | letter);
 * multiplying by p(letter) gives the posterior for running text, where an
 * "O" is about 80 times as likely as a "Q".
 *
 * @module
 */

/**
 * Relative frequencies of the letters in English text (percent; the widely
 * quoted table of Lewand, _Cryptological Mathematics_, 2000).
 */
export const ENGLISH_LETTER_FREQUENCY: Readonly<Record<string, number>> = {
  A: 8.167,
  B: 1.492,
  C: 2.782,
  D: 4.253,
  E: 12.702,
  F: 2.228,
  G: 2.015,
  H: 6.094,
  I: 6.966,
  J: 0.153,
  K: 0.772,
  L: 4.025,
  M: 2.406,
  N: 6.749,
  O: 7.507,
  P: 1.929,
  Q: 0.095,
  R: 5.987,
  S: 6.327,
  T: 9.056,
  U: 2.758,
  V: 0.978,
  W: 2.360,
  X: 0.150,
  Y: 1.974,
  Z: 0.074,
};

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
  prior?: Readonly<Record<string, number>>,
): Choice {
  let k = -1, score = -Infinity;
  for (let i = 0; i < classes.length; i++) {
    if (!allow(classes[i])) continue;
    const s = probs[i] * (prior?.[classes[i]] ?? 1);
    if (k < 0 || s > score) [k, score] = [i, s];
  }
  return { char: classes[k], confidence: probs[k] };
}

/** Options of {@link decodeWithContext}. */
export interface ContextOptions {
  /**
   * Prior weights of the letters inside words read as letters (default
   * {@link ENGLISH_LETTER_FREQUENCY}); `null` weighs every letter alike.
   */
  letterPrior?: Readonly<Record<string, number>> | null;
}

/**
 * Decode one line.
 *
 * @param probs Per character, its class probabilities.
 * @param classes Class names.
 * @param words Character index ranges `[start, end)` of the line's words.
 * @param options The letter prior.
 * @returns One choice per character.
 */
export function decodeWithContext(
  probs: readonly ArrayLike<number>[],
  classes: readonly string[],
  words: readonly [number, number][],
  options: ContextOptions = {},
): Choice[] {
  const prior = options.letterPrior === undefined
    ? ENGLISH_LETTER_FREQUENCY
    : options.letterPrior ?? undefined;
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
      out[i] = k === "digit"
        ? best(probs[i], classes, isDigit)
        : best(probs[i], classes, (c) => !isDigit(c), prior);
    }
  }
  return out;
}
