/**
 * Where the shipped classifiers live.
 *
 * @module
 */

/** The Q6 CNN (`./recognize q6 cnn`): 92.7 % on the NIST36 test split; q4's default. */
export const CNN_MODEL: string =
  new URL("../../models/q6_cnn.safetensors", import.meta.url).pathname;

/** The Q3 MLP (`./recognize q3`): 78.5 % on the NIST36 test split. */
export const MLP_MODEL: string =
  new URL("../../models/q3_mlp.safetensors", import.meta.url).pathname;

/** The model q4 uses unless `--model` says otherwise. */
export const DEFAULT_MODEL: string = CNN_MODEL;
