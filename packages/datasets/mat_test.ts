import assert from "node:assert/strict";
import { FormatError } from "@recognize/io";
import { dataTest } from "@recognize/tensor/testing";
import { loadMat, readMat, releaseMat } from "./mat.ts";
import { type FixtureVar, makeMat } from "./testdata/make_mat.ts";

const vars: FixtureVar[] = [
  { name: "d", class: "double", shape: [2, 3], values: [1.5, -2, 3, 4, 5, 6.25] },
  { name: "s", class: "single", shape: [1, 2], values: [0.5, -8] },
  { name: "i8", class: "int8", shape: [2, 1], values: [-128, 127] },
  { name: "u8", class: "uint8", shape: [1, 3], values: [0, 128, 255] },
  { name: "i16", class: "int16", shape: [1, 2], values: [-32768, 7] },
  { name: "u16", class: "uint16", shape: [1, 2], values: [65535, 1] },
  { name: "i32", class: "int32", shape: [1, 2], values: [-2147483648, 5] },
  { name: "u32", class: "uint32", shape: [1, 1], values: [4294967295] },
  { name: "i64", class: "int64", shape: [1, 2], values: [-3, 9] },
  { name: "u64", class: "uint64", shape: [1, 1], values: [12] },
  { name: "mask", class: "logical", shape: [2, 2], values: [1, 0, 0, 1] },
  // MATLAB stores small whole doubles compactly, e.g. as uint8
  { name: "packed", class: "double", shape: [1, 3], values: [1, 2, 200], storage: 2 },
  // 2×3×4, values 0…23 in row-major order
  {
    name: "cube",
    class: "double",
    shape: [2, 3, 4],
    values: Array.from({ length: 24 }, (_, i) => i),
  },
  { name: "words", class: "char", shape: [2, 5], values: ["hello", "world"] },
];

for (const little of [true, false]) {
  for (const compress of [false, true]) {
    Deno.test(`every class reads back (${little ? "little" : "big"}-endian, ${compress ? "compressed" : "plain"})`, () => {
      const out = readMat(makeMat(vars, { little, compress }));
      assert.deepEqual([...out.keys()], vars.map((v) => v.name));
      for (const v of vars) {
        const got = out.get(v.name)!;
        assert.equal(got.class, v.class, v.name);
        assert.deepEqual(got.shape, v.shape, v.name);
        const values = Array.from(got.data as ArrayLike<number | bigint | string>).map((x) =>
          typeof x === "bigint" ? Number(x) : x
        );
        assert.deepEqual(values, v.values, v.name);
      }
      assert.ok(out.get("d")!.data instanceof Float64Array);
      assert.ok(out.get("i64")!.data instanceof BigInt64Array);
      assert.ok(out.get("mask")!.data instanceof Uint8Array);
    });
  }
}

Deno.test("column order leaves MATLAB's layout", () => {
  const out = readMat(makeMat([vars[0]]), { order: "column" });
  assert.deepEqual([...out.get("d")!.data as Float64Array], [1.5, 4, -2, 5, 3, 6.25]);
});

Deno.test("structs, cells and complex arrays are rejected by variable name", () => {
  const bytes = makeMat([{ name: "cfg", class: "struct", shape: [1, 1], values: [] }]);
  assert.throws(
    () => readMat(bytes),
    (e: Error) => e instanceof FormatError && /variable "cfg" is a struct/.test(e.message),
  );
});

Deno.test("truncated, foreign and HDF5 files are FormatErrors saying what they are", () => {
  const good = makeMat(vars.slice(0, 3));
  assert.throws(() => readMat(good.subarray(0, good.length - 5)), FormatError);
  assert.throws(() => readMat(good.subarray(0, 60)), /only 60 bytes/);
  assert.throws(() => readMat(new Uint8Array(200)), /not a MAT-file version 5/);
  const hdf5 = new Uint8Array(1024);
  hdf5.set(new TextEncoder().encode("MATLAB 7.3 MAT-file, Platform: GLNXA64"));
  hdf5.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], 512);
  assert.throws(
    () => readMat(hdf5),
    (e: Error) => /7\.3 \(HDF5\)/.test(e.message) && /-v7/.test(e.message),
  );
  const flipped = good.slice();
  flipped[126] = 0x41;
  assert.throws(() => readMat(flipped), /endian indicator/);
});

Deno.test("a compressed element that inflates past the limit is refused", () => {
  const big = makeMat([{
    name: "z",
    class: "double",
    shape: [1, 4096],
    values: new Array(4096).fill(0),
  }], { compress: true });
  assert.throws(() => readMat(big, { maxInflatedBytes: 1024 }), /does not inflate/);
});

Deno.test("releaseMat frees large numeric variables at once and leaves the rest", () => {
  const n = 256 * 1024; // 2 MiB of doubles
  const out = readMat(
    makeMat([
      { name: "big", class: "double", shape: [1, n], values: new Array(n).fill(0.5) },
      { name: "small", class: "double", shape: [1, 2], values: [1, 2] },
      { name: "words", class: "char", shape: [1, 2], values: ["hi"] },
    ], { compress: true }),
  );
  const big = out.get("big")!.data as Float64Array;
  assert.equal(big.length, n);
  releaseMat(out);
  assert.equal(big.length, 0, "the large array's memory is gone");
  assert.deepEqual([...out.get("small")!.data as Float64Array], [1, 2]);
  assert.deepEqual(out.get("words")!.data, ["hi"]);
});

dataTest("the 2016 NIST26 file (plain, MACI64) reads with its documented shapes", [
  "nist26-2016/nist26_valid.mat",
], async (root) => {
  const v = await loadMat(`${root}/nist26-2016/nist26_valid.mat`);
  assert.deepEqual(v.get("valid_data")!.shape, [1300, 1024]);
  assert.equal(v.get("valid_data")!.class, "double");
  assert.deepEqual(v.get("valid_labels")!.shape, [1300, 26]);
  const data = v.get("valid_data")!.data as Float64Array;
  let lo = Infinity, hi = -Infinity;
  for (const x of data) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  // PROVENANCE.md: range −0.1414…1.1222
  assert.ok(Math.abs(lo + 0.1414) < 1e-3 && Math.abs(hi - 1.1222) < 1e-3, `${lo} … ${hi}`);
});
