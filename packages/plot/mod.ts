/**
 * Figures for the apps: Vega-Lite charts (training curves, confusion
 * matrices, bars) and grids of images (weights, samples, reconstructions),
 * written as SVG and PNG. Rendering uses Vega and resvg from npm with the
 * DejaVu fonts, so no system fonts or browser are needed.
 *
 * ```ts ignore
 * import { lineChart, saveFigure } from "@recognize/plot";
 * await saveFigure("out/loss", lineChart({ title: "Loss", series: [{ name: "train", y: [3, 2, 1] }] }));
 * ```
 *
 * @module
 */

export * from "./render.ts";
export * from "./charts.ts";
export * from "./image_grid.ts";
