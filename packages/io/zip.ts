/**
 * A zip reader (stored and deflated entries, CRC-checked), enough for
 * PyTorch checkpoints and the course's data archives. Every size and offset
 * is checked against the file before it is used.
 *
 * @module
 */

import { inflateRawSync } from "node:zlib";
import { crc32 } from "./crc32.ts";
import { FormatError } from "./errors.ts";

/** One file in a zip archive. */
export interface ZipEntry {
  /** Path inside the archive. */
  name: string;
  /** Uncompressed size in bytes. */
  size: number;
  /** Whether the entry is a folder. */
  isDirectory: boolean;
  /** Decompress and CRC-check the content. */
  read(): Uint8Array;
}

/**
 * List the entries of a zip archive held in memory.
 *
 * @param bytes The archive.
 * @returns Entries in central-directory order.
 * @throws {FormatError} On a truncated or corrupt archive.
 */
export function readZip(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => view.getUint16(o, true), u32 = (o: number) => view.getUint32(o, true);
  let eocd = -1;
  for (let o = bytes.length - 22; o >= Math.max(0, bytes.length - 22 - 65535); o--) {
    if (u32(o) === 0x06054b50) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0) throw new FormatError("not a zip archive (no end-of-central-directory record)");
  const count = u16(eocd + 10), cdSize = u32(eocd + 12), cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) {
    throw new FormatError("zip64 archives are not supported");
  }
  if (cdOffset + cdSize > eocd) {
    throw new FormatError("the central directory lies outside the archive");
  }
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  const decoder = new TextDecoder();
  for (let i = 0; i < count; i++) {
    if (p + 46 > eocd || u32(p) !== 0x02014b50) {
      throw new FormatError(`central directory entry ${i} is corrupt`);
    }
    const method = u16(p + 10), crc = u32(p + 16);
    const compressed = u32(p + 20), size = u32(p + 24);
    const nameLen = u16(p + 28), extraLen = u16(p + 30), commentLen = u16(p + 32);
    const local = u32(p + 42);
    if (p + 46 + nameLen > eocd) throw new FormatError(`central directory entry ${i} is truncated`);
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
    if (local + 30 > bytes.length || u32(local) !== 0x04034b50) {
      throw new FormatError(`entry "${name}" has no local header`);
    }
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    if (start + compressed > bytes.length) throw new FormatError(`entry "${name}" is truncated`);
    if (method !== 0 && method !== 8) {
      throw new FormatError(
        `entry "${name}" uses compression method ${method}; only stored and deflate are supported`,
      );
    }
    entries.push({
      name,
      size,
      isDirectory: name.endsWith("/"),
      read() {
        const raw = bytes.subarray(start, start + compressed);
        let data: Uint8Array;
        if (method === 0) {
          if (compressed !== size) {
            throw new FormatError(`stored entry "${name}" has inconsistent sizes`);
          }
          data = raw;
        } else {
          try {
            data = new Uint8Array(inflateRawSync(raw, { maxOutputLength: Math.max(size, 1) }));
          } catch (e) {
            throw new FormatError(`entry "${name}" does not inflate: ${(e as Error).message}`);
          }
        }
        if (data.length !== size) {
          throw new FormatError(`entry "${name}" inflates to ${data.length} bytes, not ${size}`);
        }
        if (crc32(data) !== crc) throw new FormatError(`entry "${name}" fails its CRC check`);
        return data;
      },
    });
  }
  return entries;
}
