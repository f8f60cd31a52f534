/**
 * Test helpers shared by every package: run a test on every available
 * device, and compare tensors with stated tolerances.
 *
 * Under `REQUIRE_WEBGPU=1` (as CI sets it) a missing WebGPU adapter is a test
 * failure, so GPU tests can never silently skip.
 *
 * @module
 */

import type { Backend } from "./backend.ts";
import { cpuBackend, initWebGpu } from "./device.ts";
import { withCpuKernels } from "./cpu/kernels.ts";
import type { TypedArray } from "./dtype.ts";
import { formatShape } from "./shape.ts";
import { Tensor } from "./tensor.ts";

let detected: { backends: Backend[]; webgpuError: string | null } | null = null;

/**
 * The devices tests run on: the CPU, and WebGPU when an adapter exists.
 *
 * @returns The backends and, when WebGPU is missing, why.
 */
export async function testDevices(): Promise<{ backends: Backend[]; webgpuError: string | null }> {
  if (detected) return detected;
  const backends: Backend[] = [cpuBackend()];
  let webgpuError: string | null = null;
  let disabled = false;
  try {
    disabled = Deno.env.get("RECOGNIZE_TEST_WEBGPU") === "0";
  } catch { /* no env permission */ }
  if (disabled) webgpuError = "WebGPU tests are disabled (RECOGNIZE_TEST_WEBGPU=0)";
  else {
    try {
      backends.push(await initWebGpu());
    } catch (e) {
      webgpuError = (e as Error).message;
    }
  }
  detected = { backends, webgpuError };
  return detected;
}

const { backends, webgpuError } = await testDevices();

function webgpuRequired(): boolean {
  try {
    return Deno.env.get("REQUIRE_WEBGPU") === "1";
  } catch {
    return false;
  }
}

let reportedMissing = false;

/**
 * Register `fn` as one test per available device, named `name [device]`.
 *
 * @param name The test name.
 * @param fn The test body, given the backend to create tensors on.
 */
export function deviceTest(name: string, fn: (device: Backend) => void | Promise<void>): void {
  for (const backend of backends) {
    Deno.test({
      name: `${name} [${backend.name}]`,
      fn: () => fn(backend),
    });
  }
  if (webgpuError && webgpuRequired() && !reportedMissing) {
    reportedMissing = true;
    Deno.test("WebGPU adapter is available (REQUIRE_WEBGPU=1)", () => {
      throw new Error(`REQUIRE_WEBGPU=1 but ${webgpuError}`);
    });
  }
}

/**
 * Run `fn` once per CPU kernel path (the system BLAS where found, the
 * WebAssembly kernels, the TypeScript reference) on the CPU, once on any
 * other device; `fn` is given the path's name (or the device's).
 *
 * @param device The device under test.
 * @param fn The checks.
 */
export async function eachKernelPath(
  device: Backend,
  fn: (path: string) => Promise<void>,
): Promise<void> {
  if (device.name !== "cpu") return await fn(device.name);
  for (const k of ["fast", "wasm", "reference"] as const) await withCpuKernels(k, () => fn(k));
}

/** The WebGPU backend when available (for GPU-only tests), else null. */
export function webgpuForTests(): Backend | null {
  return backends.find((b) => b.name === "webgpu") ?? null;
}

/** Tolerances of {@link assertClose}. */
export interface Tolerance {
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-4). */
  rtol?: number;
}

/**
 * Assert `|actual − expected| ≤ atol + rtol·|expected|` elementwise, and equal shapes.
 *
 * @param actual A tensor or numbers.
 * @param expected A tensor or numbers.
 * @param tolerance atol and rtol.
 * @param message Context for the failure message.
 */
export async function assertClose(
  actual: Tensor | TypedArray | readonly number[] | number,
  expected: Tensor | TypedArray | readonly number[] | number,
  tolerance: Tolerance = {},
  message = "",
): Promise<void> {
  const values = async (v: typeof actual): Promise<[ArrayLike<number>, string]> => {
    if (v instanceof Tensor) return [await v.data(), formatShape(v.shape)];
    if (typeof v === "number") return [[v], "scalar"];
    return [v, `(${v.length})`];
  };
  const [a, as] = await values(actual);
  const [e, es] = await values(expected);
  const both = actual instanceof Tensor && expected instanceof Tensor;
  if (a.length !== e.length || (both && as !== es)) {
    throw new Error(`${message}: shape ${as} differs from expected ${es}`);
  }
  const atol = tolerance.atol ?? 1e-5, rtol = tolerance.rtol ?? 1e-4;
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i] - e[i]);
    const excess = diff - (atol + rtol * Math.abs(e[i]));
    const nanMismatch = Number.isNaN(a[i]) !== Number.isNaN(e[i]);
    if (nanMismatch || excess > worstExcess) {
      worst = i;
      worstExcess = nanMismatch ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    throw new Error(
      `${message ? message + ": " : ""}element ${worst} is ${a[worst]}, expected ${
        e[worst]
      } (atol ${atol}, rtol ${rtol})`,
    );
  }
}

/**
 * The shared data folder tests read (`RECOGNIZE_DATA`), or null when unset.
 *
 * @returns The folder, without a trailing slash.
 */
export function testDataRoot(): string | null {
  try {
    const root = Deno.env.get("RECOGNIZE_DATA");
    return root ? root.replace(/\/+$/, "") : null;
  } catch {
    return null;
  }
}

/**
 * Register a test that needs files under the shared data folder. Without
 * `RECOGNIZE_DATA` it is ignored — unless `REQUIRE_DATA=1` (as CI sets), when
 * a missing folder or file fails the test instead.
 *
 * @param name The test name.
 * @param paths Paths relative to the data root that must exist.
 * @param fn The test body, given the data root.
 */
export function dataTest(
  name: string,
  paths: readonly string[],
  fn: (root: string) => void | Promise<void>,
): void {
  const root = testDataRoot();
  let required = false;
  try {
    required = Deno.env.get("REQUIRE_DATA") === "1";
  } catch { /* no env permission: not required */ }
  Deno.test({
    name,
    ignore: root === null && !required,
    fn: async () => {
      if (root === null) throw new Error("REQUIRE_DATA=1 but RECOGNIZE_DATA is not set");
      for (const p of paths) {
        try {
          await Deno.stat(`${root}/${p}`);
        } catch {
          throw new Error(`test data ${root}/${p} is missing`);
        }
      }
      await fn(root);
    },
  });
}
