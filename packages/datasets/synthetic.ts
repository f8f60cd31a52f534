/**
 * Small synthetic datasets for checks and tests: Gaussian clusters with
 * diagonal covariances, as the homework's `run_q2.py` builds them.
 *
 * @module
 */

import { defaultGenerator, type Generator } from "@recognize/tensor";

/** One cluster: mean and per-axis variance. */
export interface ClusterSpec {
  /** The mean. */
  mean: readonly number[];
  /** The variance of each axis. */
  variance: readonly number[];
}

/** The four 2-D clusters of the homework's Q2 starter script. */
export const Q2_CLUSTERS: readonly ClusterSpec[] = [
  { mean: [3.6, 40], variance: [0.05, 10] },
  { mean: [3.9, 10], variance: [0.01, 5] },
  { mean: [3.4, 30], variance: [0.25, 5] },
  { mean: [2.0, 10], variance: [0.5, 10] },
];

/**
 * Draw `perCluster` points from each cluster.
 *
 * @param clusters Cluster specs; cluster i gets label i.
 * @param perCluster Points per cluster.
 * @param generator Random source.
 * @returns Points `[N·D]` row-major, labels, and one-hot rows `[N·C]`.
 */
export function gaussianClusters(
  clusters: readonly ClusterSpec[],
  perCluster: number,
  generator: Generator = defaultGenerator(),
): { x: Float64Array; labels: Int32Array; oneHot: Float64Array; dims: number } {
  const dims = clusters[0].mean.length, n = clusters.length * perCluster;
  const x = new Float64Array(n * dims),
    labels = new Int32Array(n),
    oneHot = new Float64Array(n * clusters.length);
  clusters.forEach((c, k) => {
    for (let i = 0; i < perCluster; i++) {
      const row = k * perCluster + i;
      for (let d = 0; d < dims; d++) {
        x[row * dims + d] = generator.normal(c.mean[d], Math.sqrt(c.variance[d]));
      }
      labels[row] = k;
      oneHot[row * clusters.length + k] = 1;
    }
  });
  return { x, labels, oneHot, dims };
}
