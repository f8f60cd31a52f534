/**
 * The `--device` flag shared by every app and benchmark.
 *
 * @module
 */

import { type Backend, type DeviceChoice, selectDevice } from "@recognize/tensor";
import type { FlagSpec } from "./args.ts";

/** The `--device` flag's spec. */
export const DEVICE_FLAG: FlagSpec = {
  type: "string",
  description:
    "Compute device: cpu, webgpu (an error without an adapter) or auto (WebGPU if present, else CPU)",
  default: "cpu",
  choices: ["cpu", "webgpu", "auto"],
};

/**
 * Resolve `--device` and make it the default for new tensors.
 *
 * @param value The flag's value.
 * @returns The backend.
 */
export async function deviceFromFlag(value: unknown): Promise<Backend> {
  return await selectDevice((value ?? "cpu") as DeviceChoice);
}
