/**
 * The safetensors format: an 8-byte little-endian header length, a JSON
 * header naming each tensor's dtype, shape and byte range, then the raw
 * little-endian data. The header is validated completely before any tensor
 * is read, so a corrupt or hostile file can neither read out of bounds nor
 * make the reader allocate by an unchecked number.
 *
 * @module
 */

import { writeFileAtomic } from "./atomic.ts";
import { FormatError, withContext } from "./errors.ts";

/** dtypes this reader understands, with their sizes in bytes. */
export const SAFETENSORS_DTYPES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
} as const;

/** A safetensors dtype name. */
export type SafetensorsDType = keyof typeof SAFETENSORS_DTYPES;

/** Any typed array a tensor's data can come back as. */
export type TensorData =
  | Float64Array
  | Float32Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | BigInt64Array
  | BigUint64Array;

/** One named tensor. F16 and BF16 are widened to Float32Array on reading. */
export interface NamedTensor {
  /** The stored dtype. */
  dtype: SafetensorsDType;
  /** The shape, row-major. */
  shape: number[];
  /** The elements. */
  data: TensorData;
}

/** A decoded file: tensors by name and the string metadata. */
export interface SafetensorsFile {
  /** Tensors by name, in file order. */
  tensors: Map<string, NamedTensor>;
  /** The `__metadata__` strings. */
  metadata: Record<string, string>;
}

/** Largest header accepted, as the reference implementation allows. */
export const MAX_HEADER_BYTES = 100_000_000;

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function readData(dtype: SafetensorsDType, bytes: Uint8Array): TensorData {
  const copy = bytes.slice(); // aligned, and detached from the file buffer
  const buf = copy.buffer;
  switch (dtype) {
    case "F64":
      return new Float64Array(buf);
    case "F32":
      return new Float32Array(buf);
    case "F16": {
      const h = new Uint16Array(buf), out = new Float32Array(h.length);
      for (let i = 0; i < h.length; i++) out[i] = f16ToF32(h[i]);
      return out;
    }
    case "BF16": {
      const h = new Uint16Array(buf), out = new Float32Array(h.length);
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < h.length; i++) u[i] = h[i] << 16;
      return out;
    }
    case "I64":
      return new BigInt64Array(buf);
    case "U64":
      return new BigUint64Array(buf);
    case "I32":
      return new Int32Array(buf);
    case "U32":
      return new Uint32Array(buf);
    case "I16":
      return new Int16Array(buf);
    case "U16":
      return new Uint16Array(buf);
    case "I8":
      return new Int8Array(buf);
    case "U8":
    case "BOOL":
      return copy;
  }
}

interface HeaderEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

function parseHeader(
  bytes: Uint8Array,
): { entries: HeaderEntry[]; metadata: Record<string, string>; start: number } {
  if (bytes.length < 8) {
    throw new FormatError(`not a safetensors file: ${bytes.length} bytes is too short`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES) || n > BigInt(bytes.length - 8)) {
    throw new FormatError(
      `header length ${n} exceeds the file (${bytes.length} bytes) or the limit`,
    );
  }
  const start = 8 + Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, start)));
  } catch (e) {
    throw new FormatError(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new FormatError("the header is not a JSON object");
  }
  const dataBytes = bytes.length - start;
  let metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (
        typeof raw !== "object" || raw === null ||
        Object.values(raw).some((v) => typeof v !== "string")
      ) {
        throw new FormatError("__metadata__ must map strings to strings");
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== "object" || e === null) {
      throw new FormatError(`tensor "${name}" has no description`);
    }
    if (typeof e.dtype !== "string" || !(e.dtype in SAFETENSORS_DTYPES)) {
      throw new FormatError(`tensor "${name}" has unknown dtype ${JSON.stringify(e.dtype)}`);
    }
    const dtype = e.dtype as SafetensorsDType;
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new FormatError(`tensor "${name}" has an invalid shape ${JSON.stringify(e.shape)}`);
    }
    const off = e.data_offsets;
    if (
      !Array.isArray(off) || off.length !== 2 ||
      !off.every((v) => Number.isSafeInteger(v) && v >= 0)
    ) {
      throw new FormatError(`tensor "${name}" has invalid data_offsets ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as number[];
    if (begin > end || end > dataBytes) {
      throw new FormatError(
        `tensor "${name}" spans bytes ${begin}–${end}, outside the ${dataBytes}-byte data`,
      );
    }
    let count = 1;
    for (const d of e.shape as number[]) count *= d;
    if (!Number.isSafeInteger(count) || count * SAFETENSORS_DTYPES[dtype] !== end - begin) {
      throw new FormatError(
        `tensor "${name}": shape [${e.shape}] of ${dtype} needs ${
          count * SAFETENSORS_DTYPES[dtype]
        } bytes, ` +
          `its range holds ${end - begin}`,
      );
    }
    entries.push({ name, dtype, shape: e.shape as number[], begin, end });
  }
  // ranges must tile the data exactly: no overlap, no hole
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin !== at) {
      throw new FormatError(
        e.begin < at
          ? `tensor "${e.name}" overlaps another tensor`
          : `a gap before tensor "${e.name}"`,
      );
    }
    at = e.end;
  }
  if (at !== dataBytes) throw new FormatError(`${dataBytes - at} bytes after the last tensor`);
  return { entries, metadata, start };
}

/**
 * Decode a safetensors file held in memory.
 *
 * @param bytes The file's bytes.
 * @returns Tensors and metadata.
 * @throws {FormatError} When the header is malformed or inconsistent with the data.
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "@recognize/io";
 * const bytes = encodeSafetensors({ w: { dtype: "F32", shape: [2], data: new Float32Array([1, 2]) } });
 * console.assert(decodeSafetensors(bytes).tensors.get("w")!.data[1] === 2);
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  const { entries, metadata, start } = parseHeader(bytes);
  const tensors = new Map<string, NamedTensor>();
  for (const e of entries) {
    tensors.set(e.name, {
      dtype: e.dtype,
      shape: e.shape,
      data: readData(e.dtype, bytes.subarray(start + e.begin, start + e.end)),
    });
  }
  return { tensors, metadata };
}

const ARRAY_DTYPE: [new (...args: never[]) => TensorData, SafetensorsDType][] = [
  [Float64Array, "F64"],
  [Float32Array, "F32"],
  [Int32Array, "I32"],
  [Int16Array, "I16"],
  [Int8Array, "I8"],
  [Uint32Array, "U32"],
  [Uint16Array, "U16"],
  [Uint8Array, "U8"],
  [BigInt64Array, "I64"],
  [BigUint64Array, "U64"],
];

/**
 * Encode named tensors (in key order) and string metadata.
 *
 * @param tensors Tensors by name; `dtype` may be omitted and is then taken from the array type.
 * @param metadata Optional `__metadata__` strings.
 * @returns The file's bytes.
 */
export function encodeSafetensors(
  tensors: Record<string, Omit<NamedTensor, "dtype"> & { dtype?: SafetensorsDType }>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  const parts: Uint8Array[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    const dtype = t.dtype ?? ARRAY_DTYPE.find(([C]) => t.data instanceof C)?.[1];
    if (!dtype) throw new TypeError(`Cannot encode tensor "${name}": unsupported array type`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new TypeError(
        `Cannot encode tensor "${name}": shape [${t.shape}] does not hold ${t.data.length} values`,
      );
    }
    if (dtype === "F16" || dtype === "BF16") {
      throw new TypeError(`Cannot encode ${dtype}: write F32 instead`);
    }
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((new TextEncoder().encode(json).length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Read and validate a safetensors file.
 *
 * @param path The file.
 * @returns Tensors and metadata.
 * @throws {FormatError} Naming the file and the problem.
 */
export async function loadSafetensors(path: string): Promise<SafetensorsFile> {
  const bytes = await Deno.readFile(path);
  return withContext(path, () => decodeSafetensors(bytes));
}

/**
 * Write a safetensors file atomically (a crash never leaves half a file).
 *
 * @param path The destination.
 * @param tensors Tensors by name.
 * @param metadata Optional metadata strings.
 */
export async function saveSafetensors(
  path: string,
  tensors: Parameters<typeof encodeSafetensors>[0],
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}
