/**
 * Vega-Lite specifications for the figures the apps draw: line charts of
 * training curves, bar charts, and a labelled confusion-matrix heatmap.
 *
 * @module
 */

import type { VegaLiteSpec } from "./render.ts";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** One line of a line chart. */
export interface Series {
  /** Legend entry. */
  name: string;
  /** y values; x is 1, 2, … unless `x` is given. */
  y: readonly number[];
  /** x values. */
  x?: readonly number[];
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  /** Chart title. */
  title: string;
  /** x-axis title. */
  xTitle?: string;
  /** y-axis title. */
  yTitle?: string;
  /** Lines. */
  series: readonly Series[];
  /** Plot width (default 420). */
  width?: number;
  /** Plot height (default 260). */
  height?: number;
  /** Fixed y range. */
  yDomain?: readonly [number, number];
  /** Logarithmic y axis. */
  logY?: boolean;
}

/**
 * A line chart.
 *
 * @param o Title, axes, series.
 * @returns The specification.
 * @example
 * ```ts
 * import { lineChart } from "@recognize/plot";
 * const spec = lineChart({ title: "Loss", series: [{ name: "train", y: [3, 2, 1] }] });
 * console.assert((spec.data as { values: unknown[] }).values.length === 3);
 * ```
 */
export function lineChart(o: LineChartOptions): VegaLiteSpec {
  const values = o.series.flatMap((s) =>
    s.y.map((y, i) => ({ x: s.x?.[i] ?? i + 1, y: Number.isFinite(y) ? y : null, series: s.name }))
  );
  return {
    $schema: SCHEMA,
    title: o.title,
    width: o.width ?? 420,
    height: o.height ?? 260,
    data: { values },
    mark: { type: "line", point: values.length <= 60 },
    encoding: {
      x: { field: "x", type: "quantitative", title: o.xTitle ?? "epoch" },
      y: {
        field: "y",
        type: "quantitative",
        title: o.yTitle ?? "",
        scale: {
          ...(o.yDomain ? { domain: o.yDomain } : { zero: false }),
          ...(o.logY ? { type: "log" } : {}),
        },
      },
      color: { field: "series", type: "nominal", title: null, sort: o.series.map((s) => s.name) },
    },
  };
}

/**
 * Charts side by side, sharing nothing (e.g. accuracy and loss).
 *
 * @param title The overall title.
 * @param charts The charts.
 * @returns The specification.
 */
export function sideBySide(title: string, charts: readonly VegaLiteSpec[]): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    title: { text: title, fontSize: 15 },
    hconcat: charts.map(({ $schema: _, ...rest }) => rest),
    resolve: { scale: { color: "independent" } },
  };
}

/**
 * A labelled heatmap of a confusion matrix: rows are true classes, columns
 * predictions; cells show counts, the diagonal and off-diagonal in separate
 * colour scales so that confusions stand out.
 *
 * @param matrix `matrix[t][p]` counts.
 * @param labels Class names.
 * @param title The title.
 * @returns The specification.
 */
export function confusionMatrixChart(
  matrix: readonly (readonly number[])[],
  labels: readonly string[],
  title: string,
): VegaLiteSpec {
  const values = matrix.flatMap((row, t) =>
    row.map((count, p) => ({ truth: labels[t], predicted: labels[p], count, diagonal: t === p }))
  );
  const size = Math.max(240, Math.min(720, labels.length * 18));
  const axis = { labelAngle: 0, labelFontSize: labels.length > 20 ? 9 : 11 };
  return {
    $schema: SCHEMA,
    title,
    width: size,
    height: size,
    data: { values },
    encoding: {
      x: {
        field: "predicted",
        type: "ordinal",
        sort: labels,
        title: "predicted class",
        axis: { ...axis, orient: "top" },
      },
      y: { field: "truth", type: "ordinal", sort: labels, title: "true class", axis },
    },
    layer: [
      {
        transform: [{ filter: "datum.diagonal" }],
        mark: "rect",
        encoding: {
          color: {
            field: "count",
            type: "quantitative",
            scale: { scheme: "greens" },
            title: "correct",
          },
        },
      },
      {
        transform: [{ filter: "!datum.diagonal && datum.count > 0" }],
        mark: "rect",
        encoding: {
          color: {
            field: "count",
            type: "quantitative",
            scale: { scheme: "reds" },
            title: "confused",
          },
        },
      },
      {
        transform: [{ filter: "datum.count > 0" }],
        mark: { type: "text", fontSize: labels.length > 20 ? 7 : 10 },
        encoding: { text: { field: "count", type: "quantitative" } },
      },
    ],
    resolve: { scale: { color: "independent" } },
  };
}

/**
 * A horizontal bar chart.
 *
 * @param title The title.
 * @param bars Label and value of each bar.
 * @param xTitle Value axis title.
 * @returns The specification.
 */
export function barChart(
  title: string,
  bars: readonly { label: string; value: number }[],
  xTitle = "",
): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    title,
    width: 360,
    data: { values: bars },
    mark: "bar",
    encoding: {
      y: { field: "label", type: "nominal", sort: null, title: null },
      x: { field: "value", type: "quantitative", title: xTitle },
    },
  };
}
