// Writes small MAT-file v5 fixtures for the reader's tests: any numeric
// class, char and logical arrays, N-D, either byte order, plain or compressed.

import { deflateSync } from "node:zlib";
import type { MatClass } from "../mat.ts";

/** A variable to write: values in row-major order, as the reader returns them. */
export interface FixtureVar {
  name: string;
  class: MatClass | "struct";
  shape: number[];
  values: number[] | string[];
  /** Store the numbers as this mi type instead of the class's own (MATLAB may store doubles as uint8). */
  storage?: number;
}

const CLASS_CODE = {
  double: 6,
  single: 7,
  int8: 8,
  uint8: 9,
  int16: 10,
  uint16: 11,
  int32: 12,
  uint32: 13,
  int64: 14,
  uint64: 15,
  logical: 9,
  char: 4,
  struct: 2,
};
const MI = {
  double: 9,
  single: 7,
  int8: 1,
  uint8: 2,
  int16: 3,
  uint16: 4,
  int32: 5,
  uint32: 6,
  int64: 12,
  uint64: 13,
  logical: 2,
  char: 4,
  struct: 2,
};
const SIZE: Record<number, number> = {
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
};

class Writer {
  parts: number[] = [];
  constructor(readonly little: boolean) {}
  bytes(n: number, write: (v: DataView) => void) {
    const b = new Uint8Array(n);
    write(new DataView(b.buffer));
    this.parts.push(...b);
  }
  u32(v: number) {
    this.bytes(4, (d) => d.setUint32(0, v, this.little));
  }
  pad() {
    while (this.parts.length % 8) this.parts.push(0);
  }
  element(type: number, body: number[]) {
    this.u32(type);
    this.u32(body.length);
    for (const b of body) this.parts.push(b); // a spread overflows the stack past ~100k bytes
    if (type !== 15) this.pad(); // compressed elements are not padded
  }
}

function encodeValues(type: number, values: number[], little: boolean): number[] {
  const size = SIZE[type];
  const b = new Uint8Array(values.length * size);
  const d = new DataView(b.buffer);
  values.forEach((v, i) => {
    const o = i * size;
    switch (type) {
      case 1:
        d.setInt8(o, v);
        break;
      case 2:
        d.setUint8(o, v);
        break;
      case 3:
        d.setInt16(o, v, little);
        break;
      case 4:
        d.setUint16(o, v, little);
        break;
      case 5:
        d.setInt32(o, v, little);
        break;
      case 6:
        d.setUint32(o, v, little);
        break;
      case 7:
        d.setFloat32(o, v, little);
        break;
      case 9:
        d.setFloat64(o, v, little);
        break;
      case 12:
        d.setBigInt64(o, BigInt(v), little);
        break;
      case 13:
        d.setBigUint64(o, BigInt(v), little);
        break;
    }
  });
  return [...b];
}

/** Row-major values → MATLAB's column-major order. */
function columnMajor<T>(values: T[], shape: number[]): T[] {
  const out = new Array<T>(values.length);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  for (let r = 0; r < values.length; r++) {
    let c = 0, s = 1;
    for (let d = 0; d < rank; d++) {
      c += idx[d] * s;
      s *= shape[d];
    }
    out[c] = values[r];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

function matrix(v: FixtureVar, little: boolean): number[] {
  const w = new Writer(little);
  const flags = CLASS_CODE[v.class] | (v.class === "logical" ? 0x200 << 0 : 0);
  w.element(6, encodeValues(6, [flags, 0], little));
  w.element(5, encodeValues(5, v.shape, little));
  w.element(1, [...new TextEncoder().encode(v.name)]);
  if (v.class === "char") {
    const [rows, cols] = v.shape;
    const codes: number[] = [];
    for (let j = 0; j < cols; j++) {
      for (let i = 0; i < rows; i++) codes.push((v.values[i] as string).charCodeAt(j));
    }
    w.element(4, encodeValues(4, codes, little));
  } else if (v.class !== "struct") {
    const type = v.storage ?? MI[v.class];
    w.element(type, encodeValues(type, columnMajor(v.values as number[], v.shape), little));
  }
  return w.parts;
}

/** A MAT-file holding `vars`. */
export function makeMat(
  vars: FixtureVar[],
  options: { little?: boolean; compress?: boolean } = {},
): Uint8Array {
  const little = options.little ?? true;
  const w = new Writer(little);
  const text = "MATLAB 5.0 MAT-file, written by the recognize tests".padEnd(116, " ");
  w.parts.push(...new TextEncoder().encode(text), ...new Array(8).fill(0));
  w.bytes(2, (d) => d.setUint16(0, 0x0100, little));
  w.parts.push(...new TextEncoder().encode(little ? "IM" : "MI"));
  for (const v of vars) {
    const body = matrix(v, little);
    if (options.compress) {
      const inner = new Writer(little);
      inner.element(14, body);
      w.element(15, [...deflateSync(Uint8Array.from(inner.parts))]);
    } else w.element(14, body);
  }
  return Uint8Array.from(w.parts);
}
