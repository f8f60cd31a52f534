/**
 * Devices: the always-available CPU, and WebGPU when an adapter exists.
 *
 * The CPU is the default. `selectDevice("webgpu")` fails with a clear error
 * when there is no adapter; `selectDevice("auto")` falls back to the CPU and
 * says so once.
 *
 * @module
 */

import type { Backend, DeviceName } from "./backend.ts";
import { CpuBackend } from "./cpu/backend.ts";
import { createWebGpuBackend, type WebGpuBackend } from "./webgpu/backend.ts";

const cpu = new CpuBackend();
let webgpu: WebGpuBackend | null = null;
let webgpuFailure: string | null = null;
let defaultBackend: Backend = cpu;
let warnedFallback = false;

/** What a caller may pass to choose a device. */
export type DeviceChoice = DeviceName | "auto";

/**
 * The CPU backend.
 *
 * @returns The process-wide CPU backend.
 */
export function cpuBackend(): CpuBackend {
  return cpu;
}

/**
 * Initialise WebGPU, once per process.
 *
 * @returns The WebGPU backend.
 * @throws {Error} When no adapter or device is available, with the reason.
 */
export async function initWebGpu(): Promise<WebGpuBackend> {
  if (webgpu) return webgpu;
  if (webgpuFailure) throw new Error(webgpuFailure);
  try {
    webgpu = await createWebGpuBackend();
    return webgpu;
  } catch (e) {
    webgpuFailure = `WebGPU is not available: ${(e as Error).message}`;
    throw new Error(webgpuFailure);
  }
}

/**
 * Resolve a device choice to a backend, and make it the default for new tensors.
 *
 * @param choice `cpu`, `webgpu` (an error without an adapter) or `auto`
 *   (WebGPU when available, else the CPU, with one warning on standard error).
 * @returns The chosen backend.
 */
export async function selectDevice(choice: DeviceChoice = "cpu"): Promise<Backend> {
  let chosen: Backend;
  if (choice === "cpu") chosen = cpu;
  else if (choice === "webgpu") chosen = await initWebGpu();
  else if (choice === "auto") {
    try {
      chosen = await initWebGpu();
    } catch (e) {
      if (!warnedFallback) {
        console.error(`${(e as Error).message}; using the CPU`);
        warnedFallback = true;
      }
      chosen = cpu;
    }
  } else {
    throw new TypeError(`Unknown device ${JSON.stringify(choice)}: expected cpu, webgpu or auto`);
  }
  defaultBackend = chosen;
  return chosen;
}

/**
 * The backend new tensors go to when no device is named.
 *
 * @returns The default backend.
 */
export function defaultDevice(): Backend {
  return defaultBackend;
}

/**
 * Set the default backend.
 *
 * @param backend The backend for new tensors.
 */
export function setDefaultDevice(backend: Backend): void {
  defaultBackend = backend;
}

/**
 * Resolve a device name or backend given to a tensor constructor.
 *
 * @param device A backend, a device name, or undefined for the default.
 * @returns The backend.
 * @throws {Error} When WebGPU is named but was never initialised.
 */
export function resolveDevice(device?: Backend | DeviceName): Backend {
  if (device === undefined) return defaultBackend;
  if (typeof device !== "string") return device;
  if (device === "cpu") return cpu;
  if (device === "webgpu") {
    if (!webgpu) {
      throw new Error('WebGPU is not initialised: call await selectDevice("webgpu") first');
    }
    return webgpu;
  }
  throw new TypeError(`Unknown device ${JSON.stringify(device)}: expected cpu or webgpu`);
}
