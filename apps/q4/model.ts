/**
 * Where the shipped classifier lives.
 *
 * @module
 */

/** The model q4 uses unless `--model` says otherwise. */
export const DEFAULT_MODEL: string =
  new URL("../../models/q3_mlp.safetensors", import.meta.url).pathname;
