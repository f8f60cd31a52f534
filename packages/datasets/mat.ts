/**
 * A reader for MATLAB MAT-files, version 5 (what `scipy.io.savemat` and
 * MATLAB's default `save` write): numeric arrays of every class, logical and
 * char arrays, N-D, plain or zlib-compressed elements, either byte order.
 *
 * Arrays come back **row-major** with their MATLAB shape: element
 * `(i0, i1, …)` is at `i0·s0 + i1·s1 + …` with C-order strides, the way
 * NumPy shows what `scipy.io.loadmat` returns. Structs, cells, objects,
 * sparse and complex arrays are rejected by name. Version 7.3 files are
 * HDF5 containers; the error says so and how to convert them.
 *
 * @module
 */

import { constants as zlibConstants, inflateSync } from "node:zlib";
import { FormatError, withContext } from "@recognize/io";

/** The MATLAB class of an array. */
export type MatClass =
  | "double"
  | "single"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "logical"
  | "char";

/** A numeric or logical variable. */
export interface MatNumeric {
  /** Variable name. */
  name: string;
  /** MATLAB class. */
  class: Exclude<MatClass, "char">;
  /** Shape, outermost first, as MATLAB reports it (at least 2-D). */
  shape: number[];
  /** Elements in row-major order, in the class's own type. */
  data:
    | Float64Array
    | Float32Array
    | Int8Array
    | Uint8Array
    | Int16Array
    | Uint16Array
    | Int32Array
    | Uint32Array
    | BigInt64Array
    | BigUint64Array;
}

/** A char variable: one string per row. */
export interface MatChar {
  /** Variable name. */
  name: string;
  /** Always "char". */
  class: "char";
  /** Shape as MATLAB reports it. */
  shape: number[];
  /** Rows of a 2-D char array. */
  data: string[];
}

/** A variable of a MAT-file. */
export type MatVariable = MatNumeric | MatChar;

/** Options of {@link readMat}. */
export interface ReadMatOptions {
  /** Largest size a compressed element may inflate to (default 2 GiB). */
  maxInflatedBytes?: number;
  /** Read only these variables (others are skipped after inflating). */
  only?: readonly string[];
  /**
   * `row` (default) returns row-major data; `column` leaves MATLAB's own
   * column-major order, for callers that rearrange the data anyway.
   */
  order?: "row" | "column";
}

const CLASSES: Record<number, MatClass | string> = {
  1: "cell",
  2: "struct",
  3: "object",
  4: "char",
  5: "sparse",
  6: "double",
  7: "single",
  8: "int8",
  9: "uint8",
  10: "int16",
  11: "uint16",
  12: "int32",
  13: "uint32",
  14: "int64",
  15: "uint64",
};

// miINT8 … miUTF32: element size in bytes
const TYPE_SIZE: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 2,
  5: 4,
  6: 4,
  7: 4,
  9: 8,
  12: 8,
  13: 8,
  16: 1,
  17: 2,
  18: 4,
};

interface Element {
  type: number;
  body: Uint8Array;
}

class Reader {
  readonly view: DataView;
  pos = 0;
  constructor(readonly bytes: Uint8Array, readonly little: boolean) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get done(): boolean {
    return this.pos >= this.bytes.length;
  }
  /** The next data element (tag + body), honouring the small-element form. */
  element(): Element {
    if (this.pos + 8 > this.bytes.length) throw new FormatError("a data element tag is truncated");
    const first = this.view.getUint32(this.pos, this.little);
    const smallBytes = first >>> 16;
    if (smallBytes !== 0) {
      if (smallBytes > 4) throw new FormatError(`a small data element claims ${smallBytes} bytes`);
      const body = this.bytes.subarray(this.pos + 4, this.pos + 4 + smallBytes);
      this.pos += 8;
      return { type: first & 0xffff, body };
    }
    const size = this.view.getUint32(this.pos + 4, this.little);
    const start = this.pos + 8;
    if (start + size > this.bytes.length) {
      throw new FormatError(
        `a data element of ${size} bytes runs past the end (${this.bytes.length - start} left)`,
      );
    }
    this.pos = start + size + (first === 15 ? 0 : (8 - (size % 8)) % 8);
    return { type: first, body: this.bytes.subarray(start, start + size) };
  }
}

function numbers(e: Element, little: boolean, what: string): number[] {
  const size = TYPE_SIZE[e.type];
  if (!size || e.type === 9 || e.type === 7) {
    throw new FormatError(`${what} has element type ${e.type}`);
  }
  const v = new DataView(e.body.buffer, e.body.byteOffset, e.body.byteLength);
  const out: number[] = [];
  for (let o = 0; o + size <= e.body.length; o += size) {
    out.push(
      size === 1
        ? (e.type === 1 ? v.getInt8(o) : v.getUint8(o))
        : size === 2
        ? (e.type === 3 ? v.getInt16(o, little) : v.getUint16(o, little))
        : size === 4
        ? (e.type === 5 ? v.getInt32(o, little) : v.getUint32(o, little))
        : Number(e.type === 12 ? v.getBigInt64(o, little) : v.getBigUint64(o, little)),
    );
  }
  return out;
}

type Numeric = MatNumeric["data"];

function makeArray(cls: MatNumeric["class"], n: number): Numeric {
  switch (cls) {
    case "double":
      return new Float64Array(n);
    case "single":
      return new Float32Array(n);
    case "int8":
      return new Int8Array(n);
    case "uint8":
    case "logical":
      return new Uint8Array(n);
    case "int16":
      return new Int16Array(n);
    case "uint16":
      return new Uint16Array(n);
    case "int32":
      return new Int32Array(n);
    case "uint32":
      return new Uint32Array(n);
    case "int64":
      return new BigInt64Array(n);
    case "uint64":
      return new BigUint64Array(n);
  }
}

/** Decode stored elements (of any storage type) in file (column-major) order. */
function decodeStored(e: Element, count: number, little: boolean, into: Numeric): void {
  const size = TYPE_SIZE[e.type];
  if (!size || e.type > 13) {
    throw new FormatError(`numeric data has unsupported storage type ${e.type}`);
  }
  if (e.body.length !== count * size) {
    throw new FormatError(`numeric data holds ${e.body.length} bytes, expected ${count} × ${size}`);
  }
  const v = new DataView(e.body.buffer, e.body.byteOffset, e.body.byteLength);
  const big = into instanceof BigInt64Array || into instanceof BigUint64Array;
  const read = (o: number): number | bigint => {
    switch (e.type) {
      case 1:
        return v.getInt8(o);
      case 2:
        return v.getUint8(o);
      case 3:
        return v.getInt16(o, little);
      case 4:
        return v.getUint16(o, little);
      case 5:
        return v.getInt32(o, little);
      case 6:
        return v.getUint32(o, little);
      case 7:
        return v.getFloat32(o, little);
      case 9:
        return v.getFloat64(o, little);
      case 12:
        return v.getBigInt64(o, little);
      default:
        return v.getBigUint64(o, little);
    }
  };
  // fast path: little-endian doubles into doubles (the NIST36 files)
  if (e.type === 9 && little && into instanceof Float64Array) {
    const aligned = e.body.byteOffset % 8 === 0 ? e.body : e.body.slice();
    into.set(new Float64Array(aligned.buffer, aligned.byteOffset, count));
    return;
  }
  for (let i = 0; i < count; i++) {
    const x = read(i * size);
    (into as unknown as (number | bigint)[])[i] = big ? BigInt(x) : Number(x);
  }
}

/** Column-major → row-major for an array of `shape`. */
function toRowMajor<T extends Numeric>(col: T, shape: number[]): T {
  const rank = shape.length;
  if (rank <= 1 || shape.filter((d) => d > 1).length <= 1) return col;
  const out = new (col.constructor as new (n: number) => T)(col.length);
  if (rank === 2) {
    const [r, c] = shape;
    // col[i + j·r] → out[i·c + j]
    for (let j = 0; j < c; j++) {
      for (let i = 0; i < r; i++) {
        (out as unknown as number[])[i * c + j] = (col as unknown as number[])[i + j * r];
      }
    }
    return out;
  }
  const rowStrides = new Array<number>(rank);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    rowStrides[d] = s;
    s *= shape[d];
  }
  const idx = new Array<number>(rank).fill(0);
  for (let k = 0; k < col.length; k++) {
    let at = 0;
    for (let d = 0; d < rank; d++) at += idx[d] * rowStrides[d];
    (out as unknown as number[])[at] = (col as unknown as number[])[k];
    for (let d = 0; d < rank; d++) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

function readMatrix(body: Uint8Array, little: boolean, rowMajor: boolean): MatVariable {
  const r = new Reader(body, little);
  const flags = r.element();
  if (flags.type !== 6 || flags.body.length < 8) {
    throw new FormatError("an array has no flags sub-element");
  }
  const f = numbers(flags, little, "the array flags");
  const classCode = f[0] & 0xff, complex = (f[0] & 0x800) !== 0, logical = (f[0] & 0x200) !== 0;
  const dims = numbers(r.element(), little, "the dimensions");
  const nameEl = r.element();
  const name = new TextDecoder().decode(nameEl.body);
  const cls = CLASSES[classCode];
  if (!cls) throw new FormatError(`variable "${name}" has unknown class code ${classCode}`);
  if (["cell", "struct", "object", "sparse"].includes(cls)) {
    throw new FormatError(
      `variable "${name}" is a ${cls} array; only numeric, logical and char arrays are supported`,
    );
  }
  if (complex) {
    throw new FormatError(`variable "${name}" is complex; only real arrays are supported`);
  }
  if (dims.length < 2 || dims.some((d) => d < 0)) {
    throw new FormatError(`variable "${name}" has invalid dimensions [${dims}]`);
  }
  let count = 1;
  for (const d of dims) count *= d;
  const real = r.element();
  const storedSize = TYPE_SIZE[real.type] ?? 0;
  if (!Number.isSafeInteger(count) || count * storedSize !== real.body.length) {
    throw new FormatError(
      `variable "${name}" of shape [${dims}] holds ${real.body.length} bytes of type ${real.type}, ` +
        `which does not match its ${count} elements`,
    );
  }
  if (cls === "char") {
    const codes = real.type === 16
      ? [...new TextDecoder().decode(real.body)].map((ch) => ch.codePointAt(0)!)
      : numbers(real, little, `variable "${name}"`);
    if (dims.length !== 2) throw new FormatError(`char variable "${name}" is not 2-D`);
    const [rows, cols] = dims;
    const lines = Array.from(
      { length: rows },
      (_, i) =>
        String.fromCodePoint(...Array.from({ length: cols }, (_, j) => codes[i + j * rows] ?? 32)),
    );
    return { name, class: "char", shape: dims, data: lines };
  }
  const arrayClass = (logical ? "logical" : cls) as MatNumeric["class"];
  let col: Numeric;
  if (
    arrayClass === "double" && real.type === 9 && little && real.body.byteOffset % 8 === 0
  ) {
    // little-endian doubles, aligned (the NIST36 files): a view, not a copy
    col = new Float64Array(real.body.buffer, real.body.byteOffset, count);
  } else {
    col = makeArray(arrayClass, count);
    decodeStored(real, count, little, col);
  }
  return { name, class: arrayClass, shape: dims, data: rowMajor ? toRowMajor(col, dims) : col };
}

/**
 * The size a compressed element inflates to, read from the tag at its start
 * (inflating only the first bytes), so that it inflates into one buffer:
 * in the default 16 KiB pieces a 90 MB matrix left the C allocator holding
 * as much again after it was freed.
 */
function inflatedSize(body: Uint8Array, little: boolean, max: number): number {
  const fallback = 64 * 1024;
  try {
    const head = inflateSync(body.subarray(0, 512), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    if (head.length < 8) return fallback;
    const view = new DataView(head.buffer, head.byteOffset, 8);
    const size = 8 + view.getUint32(4, little);
    return Math.min(max, Math.max(fallback, Math.ceil(size / 8) * 8));
  } catch {
    return fallback; // the full inflate reports what is wrong
  }
}

/**
 * Parse a version-5 MAT-file held in memory.
 *
 * @param bytes The file's content.
 * @param options Inflation limit and a variable filter.
 * @returns Variables by name.
 * @throws {FormatError} On a truncated, corrupt or unsupported file, naming the variable where known.
 * @example
 * ```ts ignore
 * import { readMat } from "@recognize/datasets";
 * const vars = readMat(await Deno.readFile("nist36_valid.mat"));
 * console.log(vars.get("valid_data")!.shape); // [3600, 1024]
 * ```
 */
export function readMat(bytes: Uint8Array, options: ReadMatOptions = {}): Map<string, MatVariable> {
  if (bytes.length >= 520 && String.fromCharCode(...bytes.subarray(513, 516)) === "HDF") {
    const text = new TextDecoder().decode(bytes.subarray(0, 116)).trim();
    throw new FormatError(
      `this is a MATLAB 7.3 (HDF5) file ("${text.slice(0, 40)}…"); re-save it as version 5 with ` +
        `MATLAB's save(..., '-v7') or scipy.io.savemat`,
    );
  }
  if (bytes.length < 128) throw new FormatError(`not a MAT-file: only ${bytes.length} bytes`);
  const header = new TextDecoder("latin1").decode(bytes.subarray(0, 10));
  if (!header.startsWith("MATLAB")) {
    throw new FormatError(
      'not a MAT-file version 5 (no "MATLAB 5.0 MAT-file" header; version 4 files are not supported)',
    );
  }
  const indicator = String.fromCharCode(bytes[126], bytes[127]);
  if (indicator !== "IM" && indicator !== "MI") {
    throw new FormatError(`bad endian indicator "${indicator}"`);
  }
  const little = indicator === "IM";
  const reader = new Reader(bytes.subarray(128), little);
  const vars = new Map<string, MatVariable>();
  const maxInflated = options.maxInflatedBytes ?? 2 ** 31;
  while (!reader.done) {
    let el = reader.element();
    if (el.type === 15) {
      let inflated: Uint8Array;
      try {
        // node's Buffer is a Uint8Array: use it as it is (copying would double the peak memory)
        inflated = inflateSync(el.body, {
          maxOutputLength: maxInflated,
          chunkSize: inflatedSize(el.body, little, maxInflated),
        });
      } catch (e) {
        throw new FormatError(`a compressed element does not inflate: ${(e as Error).message}`);
      }
      el = new Reader(inflated, little).element();
    }
    if (el.type !== 14) continue; // skip anything that is not an array
    if (options.only && !options.only.includes(peekName(el.body, little))) continue;
    const v = readMatrix(el.body, little, options.order !== "column");
    vars.set(v.name, v);
  }
  return vars;
}

function peekName(body: Uint8Array, little: boolean): string {
  const r = new Reader(body, little);
  r.element();
  r.element();
  return new TextDecoder().decode(r.element().body);
}

/**
 * Free the memory behind the numeric variables of a MAT-file now, instead of
 * at the garbage collector's next full pass: a caller that has copied what
 * it needs (the NIST loader converts the doubles to floats) would otherwise
 * hold a train split's 87 MB of doubles through the start of its training.
 * The variables' arrays, and any other view of the same memory, are empty
 * afterwards. Buffers under 1 MiB are left to the collector (small ones may
 * be shared with unrelated arrays).
 *
 * @param vars Variables from {@link readMat} or {@link loadMat}, owned by the caller.
 */
export function releaseMat(vars: Map<string, MatVariable>): void {
  for (const v of vars.values()) {
    if (v.class === "char") continue;
    const buffer = v.data.buffer;
    if (buffer instanceof ArrayBuffer && !buffer.detached && buffer.byteLength >= 1 << 20) {
      buffer.transfer(0); // detaching drops the only reference to the memory: freed at once
    }
  }
}

/**
 * Read a MAT-file from disk.
 *
 * @param path The file.
 * @param options Inflation limit and a variable filter.
 * @returns Variables by name.
 * @throws {FormatError} Naming the file and the problem.
 */
export async function loadMat(
  path: string,
  options: ReadMatOptions = {},
): Promise<Map<string, MatVariable>> {
  const bytes = await Deno.readFile(path);
  return withContext(path, () => readMat(bytes, options));
}
