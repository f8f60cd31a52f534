/**
 * What every app of the toolkit shares on the command line: flags with a
 * generated `--help`, the `--device` flag, and a progress bar.
 *
 * ```ts
 * import { helpText } from "@recognize/cli";
 * const text = helpText({ usage: "demo [options]", description: "A demo.", flags: {
 *   epochs: { type: "number", description: "Passes over the data", default: 50 },
 * } });
 * console.assert(text.includes("--epochs NUMBER"));
 * ```
 *
 * @module
 */

export * from "./args.ts";
export * from "./device.ts";
export * from "./progress.ts";
