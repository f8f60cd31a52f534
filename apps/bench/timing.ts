/**
 * Timing helpers for benchmarks: repeat until a time budget is spent, wait
 * for the device, report the median.
 *
 * @module
 */

import {
  type Backend,
  blasUnavailableReason,
  type CpuKernels,
  systemBlas,
} from "@recognize/tensor";

/** One way of running a benchmark: a device and, on the CPU, which matmul kernels. */
export interface KernelPath {
  /** For the report: `webgpu`, `blas (libopenblas.so.0)`, `wasm`. */
  label: string;
  kernels: CpuKernels;
}

/**
 * The fast paths to measure on a device: on the CPU the system BLAS (where
 * one is found) and the WebAssembly kernels, each reported on its own line.
 */
export function kernelPaths(device: Backend): KernelPath[] {
  if (device.name !== "cpu") return [{ label: device.name, kernels: "fast" }];
  const blas = systemBlas();
  if (!blas) {
    console.error(`note: no system BLAS (${blasUnavailableReason()}); CPU figures are WebAssembly`);
    return [{ label: "wasm", kernels: "wasm" }];
  }
  const label = `blas (${blas.path}${blas.core ? `, ${blas.core} kernels` : ""})`;
  return [{ label, kernels: "fast" }, { label: "wasm", kernels: "wasm" }];
}

/** The median of some numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median seconds per call of `fn`, after `warmup` calls, over at least `minSeconds`. */
export async function timeIt(
  fn: () => void | Promise<void>,
  backend: Backend,
  options: { warmup?: number; minSeconds?: number; minRuns?: number; maxRuns?: number } = {},
): Promise<number> {
  const warmup = options.warmup ?? 2, minSeconds = options.minSeconds ?? 1;
  const minRuns = options.minRuns ?? 3, maxRuns = options.maxRuns ?? 200;
  for (let i = 0; i < warmup; i++) await fn();
  await backend.sync?.();
  const times: number[] = [];
  const start = performance.now();
  while (
    times.length < maxRuns &&
    (times.length < minRuns || performance.now() - start < minSeconds * 1000)
  ) {
    const t0 = performance.now();
    await fn();
    await backend.sync?.();
    times.push((performance.now() - t0) / 1000);
  }
  return median(times);
}

/**
 * Callbacks for a trainer's `onBatch`/`onEpoch` that time how long each
 * epoch's host work took: from the epoch's start to its last batch encoded.
 * On a GPU the rest of the epoch's time is the GPU finishing and the read;
 * the difference says whether an epoch is bound by the host or the GPU.
 */
export function hostClock(): {
  onBatch: (epoch: number, batch: number, batches: number) => void;
  onEpoch: () => void;
  seconds: number[];
} {
  let start = performance.now();
  const seconds: number[] = [];
  return {
    onBatch: (_epoch, batch, batches) => {
      if (batch === batches) seconds.push((performance.now() - start) / 1000);
    },
    onEpoch: () => {
      start = performance.now();
    },
    seconds,
  };
}

/**
 * Seconds per call of `fn` on a GPU without the wait's latency: Deno
 * resolves a wait for the queue only every ~10 ms, so one product timed
 * with a wait measures the wait. The calls are repeated until `r` of them
 * take at least `floorSeconds`; then `r` and `2r` calls (each wait
 * included) are timed, five times each, and the difference of the medians
 * over `r` is the time of one call (where jitter swamps that difference,
 * the `2r` median over `2r`, an upper bound).
 */
export async function gpuSecondsPerCall(
  fn: () => void,
  backend: Backend,
  floorSeconds = 0.05,
): Promise<number> {
  const run = async (r: number) => {
    const t0 = performance.now();
    for (let i = 0; i < r; i++) fn();
    await backend.sync?.();
    return (performance.now() - t0) / 1000;
  };
  await run(2); // compile and warm up
  let r = 1;
  while (r < 4096 && (await run(r)) < floorSeconds) r *= 2;
  const one: number[] = [], two: number[] = [];
  for (let i = 0; i < 5; i++) {
    one.push(await run(r));
    two.push(await run(2 * r));
  }
  const slope = (median(two) - median(one)) / r, bound = median(two) / (2 * r);
  // a difference lost in the waits' jitter: the upper bound (waits included) instead
  return slope > 0.25 * bound ? slope : bound;
}

/**
 * Run a peer's timing script (`python -c script args…`) and return the words
 * it prints, or null where the interpreter or its library is missing.
 */
export async function runPeer(
  python: string,
  script: string,
  args: string[] = [],
): Promise<string[] | null> {
  try {
    const out = await new Deno.Command(python, {
      args: ["-c", script, ...args],
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim().split(/\s+/) : null;
  } catch {
    return null;
  }
}

/** Rounds of peer-then-ours when a peer (NumPy, PyTorch) is timed: each round's ratio, the median reported. */
const PEER_ROUNDS = 3;

/** A peer library's time for the same work, and what ran it. */
export interface PeerTime {
  seconds: number;
  /** E.g. `pytorch 1.13 cpu, 2 threads`. */
  about?: string;
}

/** Per path: our median seconds and, when the peer ran, its median and each round's ratio's median. */
export interface PeerComparison {
  seconds: number;
  peer?: {
    seconds: number;
    /** The median of the rounds' ratios. */
    ratio: number;
    /** Each round's ratio, the peer's time over ours (one a round). */
    ratios: number[];
    about?: string;
  };
}

/**
 * Time our paths in turn with a peer: rounds (three unless asked) of the
 * peer's run then each of ours, so that each round's ratio (the peer's time over ours)
 * compares runs seconds apart (this machine's second core is at times shared
 * with a neighbour, which slows both for a while). Without a peer, or when it
 * is unavailable (said once), one round of ours.
 *
 * @param paths Our kernel paths.
 * @param ours Our time on a path.
 * @param peer The peer's name for messages, its Python (or none), and its timing.
 * @param rounds Rounds when the peer runs.
 * @returns One comparison per path.
 */
export async function timeWithPeer(
  paths: KernelPath[],
  ours: (path: KernelPath) => Promise<number>,
  peer: { name: string; python?: string; time: (python: string) => Promise<PeerTime | null> },
  rounds = PEER_ROUNDS,
): Promise<PeerComparison[]> {
  let python = peer.python;
  const mine: number[][] = paths.map(() => []), theirs: number[] = [];
  let about: string | undefined;
  for (let round = 0; round < (python ? rounds : 1); round++) {
    if (python) {
      const t = await peer.time(python);
      if (t === null) {
        console.error(`note: ${python} with ${peer.name} is not available; no ${peer.name} figure`);
        python = undefined;
      } else {
        theirs.push(t.seconds);
        about = t.about;
      }
    }
    for (const [i, path] of paths.entries()) mine[i].push(await ours(path));
  }
  return mine.map((times) => {
    if (theirs.length !== times.length) return { seconds: median(times) };
    const ratios = theirs.map((s, r) => s / times[r]);
    return {
      seconds: median(times),
      peer: {
        seconds: median(theirs),
        ratio: median(ratios),
        ratios,
        about,
      },
    };
  });
}

/** A figure to three significant digits, for arrays in a report (which rounds only plain numbers). */
export function round3(x: number): number {
  return Number(x.toPrecision(3));
}

/** Print one JSON result line. */
export function report(result: Record<string, unknown>): void {
  const rounded = Object.fromEntries(
    Object.entries(result).map((
      [k, v],
    ) => [k, typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v]),
  );
  console.log(JSON.stringify(rounded));
}
