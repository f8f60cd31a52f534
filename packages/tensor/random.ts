/**
 * A small, fast, seedable random generator (xoshiro128**, seeded through
 * splitmix32) with the draws the toolkit needs: uniform, normal and
 * permutations. The same seed gives the same numbers on every machine.
 *
 * @module
 */

import type { TypedArray } from "./dtype.ts";

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A seeded pseudo-random generator.
 *
 * @example
 * ```ts
 * import { Generator } from "@recognize/tensor";
 * const a = new Generator(7), b = new Generator(7);
 * console.assert(a.uniform() === b.uniform());
 * ```
 */
export class Generator {
  #s0 = 0;
  #s1 = 0;
  #s2 = 0;
  #s3 = 0;
  #spare: number | null = null;

  /**
   * @param seed Any integer; equal seeds give equal streams.
   */
  constructor(seed = 0) {
    this.seed(seed);
  }

  /**
   * Reset the stream to the start of `seed`'s sequence.
   *
   * @param seed An integer seed.
   */
  seed(seed: number): void {
    if (!Number.isFinite(seed)) throw new RangeError(`Cannot seed a generator with ${seed}`);
    const st = { s: Math.trunc(seed) | 0 };
    this.#s0 = splitmix32(st);
    this.#s1 = splitmix32(st);
    this.#s2 = splitmix32(st);
    this.#s3 = splitmix32(st);
    this.#spare = null;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5), 7), 9) >>> 0;
    const t = this.#s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /**
   * A uniform draw in `[low, high)` with 53 random bits.
   *
   * @param low Lower bound (inclusive).
   * @param high Upper bound (exclusive).
   * @returns The draw.
   */
  uniform(low = 0, high = 1): number {
    const hi = this.nextUint32() >>> 5, lo = this.nextUint32() >>> 6;
    const u = (hi * 67108864 + lo) / 9007199254740992;
    return low + (high - low) * u;
  }

  /**
   * A normal draw (Box–Muller).
   *
   * @param mean The mean.
   * @param std The standard deviation.
   * @returns The draw.
   */
  normal(mean = 0, std = 1): number {
    if (this.#spare !== null) {
      const z = this.#spare;
      this.#spare = null;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /**
   * A uniform integer in `[0, n)`.
   *
   * @param n The exclusive upper bound (at most 2^32).
   * @returns The draw.
   */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Cannot draw an integer below ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /**
   * A random permutation of `0 … n-1` (Fisher–Yates).
   *
   * @param n The length.
   * @returns The permutation.
   */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /**
   * Fill `out` with uniform draws in `[low, high)`.
   *
   * @param out The array to fill.
   * @param low Lower bound.
   * @param high Upper bound.
   * @returns `out`.
   */
  fillUniform<T extends TypedArray>(out: T, low = 0, high = 1): T {
    for (let i = 0; i < out.length; i++) out[i] = this.uniform(low, high);
    return out;
  }

  /**
   * Fill `out` with normal draws.
   *
   * @param out The array to fill.
   * @param mean The mean.
   * @param std The standard deviation.
   * @returns `out`.
   */
  fillNormal<T extends TypedArray>(out: T, mean = 0, std = 1): T {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }
}

/** Chris Wellons' triple32 integer hash: a bijection of 32-bit words with very low bias. */
function triple32(x: number): number {
  x ^= x >>> 17;
  x = Math.imul(x, 0xed5ad4bb);
  x ^= x >>> 11;
  x = Math.imul(x, 0xac4c1b51);
  x ^= x >>> 15;
  x = Math.imul(x, 0x31848bab);
  x ^= x >>> 14;
  return x >>> 0;
}

/**
 * A counter-based draw: 32 random bits for element `index` of the stream
 * `seed`, `triple32(triple32(index) ^ seed)`. Every element is drawn on its
 * own, so a device draws a whole mask in parallel; the WebGPU backend's
 * dropout kernel computes the same bits (webgpu/kernels/unary.wgsl.ts).
 *
 * @param seed The stream (a 32-bit word, e.g. from {@link Generator.nextUint32}).
 * @param index The element.
 * @returns An unsigned 32-bit word.
 * @example
 * ```ts
 * import { counterHash } from "@recognize/tensor";
 * console.assert(counterHash(7, 0) === counterHash(7, 0) && counterHash(7, 0) !== counterHash(8, 0));
 * ```
 */
export function counterHash(seed: number, index: number): number {
  return triple32(triple32(index) ^ seed);
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

let globalGenerator = new Generator(0);

/**
 * The generator used when a caller passes none.
 *
 * @returns The global generator.
 */
export function defaultGenerator(): Generator {
  return globalGenerator;
}

/**
 * Reseed the global generator, as `torch.manual_seed` does.
 *
 * @param seed The seed.
 */
export function manualSeed(seed: number): void {
  globalGenerator = new Generator(seed);
}
