// Mutation fuzzing of the MAT-file reader on real and synthetic files: every
// failure is a FormatError, never a crash of another kind or an allocation
// sized by an unchecked header field.

import assert from "node:assert/strict";
import { FormatError } from "@recognize/io";
import { Generator } from "@recognize/tensor";
import { testDataRoot } from "@recognize/tensor/testing";
import { readMat } from "./mat.ts";
import { decodeImage } from "./image.ts";
import { makeMat } from "./testdata/make_mat.ts";

function fuzz(
  valid: Uint8Array,
  rounds: number,
  seed: number,
  read: (b: Uint8Array) => unknown,
): number {
  const g = new Generator(seed);
  let rejected = 0;
  for (let r = 0; r < rounds; r++) {
    let bytes = valid.slice();
    if (g.uniform() < 0.3) bytes = bytes.subarray(0, g.int(bytes.length));
    else {
      const span = g.uniform() < 0.6 ? Math.min(bytes.length, 300) : bytes.length;
      for (let i = 0; i < 1 + g.int(8); i++) bytes[g.int(span)] = g.int(256);
    }
    try {
      read(bytes);
    } catch (e) {
      if (!(e instanceof FormatError)) {
        throw new Error(`round ${r}: ${(e as Error).name}: ${(e as Error).message}`);
      }
      rejected++;
    }
  }
  return rejected;
}

Deno.test("fuzz: synthetic MAT-files, plain and compressed, both byte orders", () => {
  const vars = [
    {
      name: "a",
      class: "double" as const,
      shape: [3, 4],
      values: Array.from({ length: 12 }, (_, i) => i / 3),
    },
    { name: "b", class: "uint8" as const, shape: [2, 2, 2], values: [1, 2, 3, 4, 5, 6, 7, 8] },
    { name: "c", class: "char" as const, shape: [1, 3], values: ["abc"] },
  ];
  let rejected = 0;
  for (const little of [true, false]) {
    for (const compress of [false, true]) {
      rejected += fuzz(
        makeMat(vars, { little, compress }),
        800,
        little ? 1 : 2,
        (b) => readMat(b, { maxInflatedBytes: 1 << 20 }),
      );
    }
  }
  assert.ok(rejected > 1000, `${rejected} rejected`);
});

const root = testDataRoot();
Deno.test({
  name: "fuzz: the real NIST26 MAT-file (headers and data)",
  ignore: !root,
  fn: async () => {
    const valid = await Deno.readFile(`${root}/nist26-2016/nist26_valid.mat`);
    assert.ok(fuzz(valid, 300, 3, (b) => readMat(b, { maxInflatedBytes: 1 << 26 })) > 50);
  },
});

Deno.test("fuzz: image decoding", async () => {
  const { encode, Image } = await import("image-js");
  const img = new Image(8, 8, { colorModel: "RGB" }).fill([10, 200, 30]);
  for (const format of ["png", "jpeg", "bmp"] as const) {
    fuzz(encode(img, { format }), 400, 4, decodeImage);
  }
});
