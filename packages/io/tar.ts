/**
 * A ustar/GNU tar reader for dataset archives (optionally gzip-compressed).
 *
 * @module
 */

import { gunzipSync } from "node:zlib";
import { FormatError } from "./errors.ts";

/** One regular file in a tar archive. */
export interface TarEntry {
  /** Path inside the archive. */
  name: string;
  /** The content (a view into the archive). */
  data: Uint8Array;
}

function field(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(start, end));
}

function octal(bytes: Uint8Array, start: number, length: number, name: string): number {
  const text = field(bytes, start, length).trim();
  if (!/^[0-7]*$/.test(text)) {
    throw new FormatError(`tar header of "${name}" has a bad number "${text}"`);
  }
  return text === "" ? 0 : parseInt(text, 8);
}

/**
 * The regular files of a tar archive; gzip input is detected and inflated.
 *
 * @param input The archive's bytes.
 * @returns The files in archive order.
 * @throws {FormatError} On a truncated or corrupt archive.
 */
export function readTar(input: Uint8Array): TarEntry[] {
  let bytes = input;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = new Uint8Array(gunzipSync(bytes));
    } catch (e) {
      throw new FormatError(`the gzip stream is corrupt: ${(e as Error).message}`);
    }
  }
  const entries: TarEntry[] = [];
  let p = 0;
  let longName: string | null = null;
  while (p + 512 <= bytes.length) {
    if (bytes.subarray(p, p + 512).every((b) => b === 0)) break; // end-of-archive block
    let name = field(bytes, p, 100);
    const prefix = field(bytes, p + 345, 155);
    if (prefix && field(bytes, p + 257, 6) === "ustar") name = `${prefix}/${name}`;
    const size = octal(bytes, p + 124, 12, name);
    const type = String.fromCharCode(bytes[p + 156] || 48);
    const start = p + 512;
    if (start + size > bytes.length) throw new FormatError(`tar entry "${name}" is truncated`);
    const data = bytes.subarray(start, start + size);
    if (type === "L") longName = field(data, 0, size);
    else {
      if (type === "0" || type === "7") entries.push({ name: longName ?? name, data });
      longName = null;
    }
    p = start + Math.ceil(size / 512) * 512;
  }
  return entries;
}
