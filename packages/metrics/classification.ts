/**
 * Classification metrics: accuracy, the confusion matrix, and the pairs of
 * classes confused most often.
 *
 * @module
 */

function checkLengths(truth: ArrayLike<number>, predicted: ArrayLike<number>): void {
  if (truth.length !== predicted.length) {
    throw new TypeError(
      `Cannot compare ${truth.length} labels with ${predicted.length} predictions`,
    );
  }
}

/**
 * The fraction of predictions equal to the truth.
 *
 * @param truth True class indices.
 * @param predicted Predicted class indices.
 * @returns Accuracy in [0, 1] (0 for no samples).
 */
export function accuracy(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkLengths(truth, predicted);
  let hits = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) hits++;
  return truth.length ? hits / truth.length : 0;
}

/**
 * `m[t][p]`: how many samples of true class t were predicted as p.
 *
 * @param truth True class indices.
 * @param predicted Predicted class indices.
 * @param numClasses The number of classes.
 * @returns The matrix.
 * @example
 * ```ts
 * import { confusionMatrix } from "@recognize/metrics";
 * const m = confusionMatrix([0, 0, 1], [0, 1, 1], 2);
 * console.assert(m[0][1] === 1 && m[1][1] === 1);
 * ```
 */
export function confusionMatrix(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  numClasses: number,
): number[][] {
  checkLengths(truth, predicted);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i], p = predicted[i];
    if (!(t >= 0 && t < numClasses && p >= 0 && p < numClasses)) {
      throw new RangeError(`Sample ${i} has class ${t} → ${p}, outside 0…${numClasses - 1}`);
    }
    m[t][p]++;
  }
  return m;
}

/** A pair of classes and how often they were mistaken for each other. */
export interface ConfusedPair {
  /** One class. */
  a: string;
  /** The other. */
  b: string;
  /** Samples of a predicted as b. */
  aAsB: number;
  /** Samples of b predicted as a. */
  bAsA: number;
  /** Both directions. */
  total: number;
}

/**
 * The `k` unordered pairs confused most often (both directions counted).
 *
 * @param matrix A confusion matrix.
 * @param labels Class names.
 * @param k How many pairs.
 * @returns Pairs, most confused first.
 */
export function topConfusedPairs(
  matrix: readonly (readonly number[])[],
  labels: readonly string[],
  k = 5,
): ConfusedPair[] {
  const pairs: ConfusedPair[] = [];
  for (let i = 0; i < matrix.length; i++) {
    for (let j = i + 1; j < matrix.length; j++) {
      const total = matrix[i][j] + matrix[j][i];
      if (total > 0) {
        pairs.push({ a: labels[i], b: labels[j], aAsB: matrix[i][j], bAsA: matrix[j][i], total });
      }
    }
  }
  return pairs.sort((p, q) => q.total - p.total || p.a.localeCompare(q.a)).slice(0, k);
}

/**
 * Index of the largest value in each row of a row-major `[n, c]` array.
 *
 * @param values The scores.
 * @param c Columns.
 * @returns One index per row.
 */
export function argmaxRows(values: ArrayLike<number>, c: number): Int32Array {
  const n = Math.floor(values.length / c);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (values[i * c + j] > values[i * c + best]) best = j;
    out[i] = best;
  }
  return out;
}
