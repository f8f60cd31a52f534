import assert from "node:assert/strict";
import {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  saveSafetensors,
} from "./safetensors.ts";
import { FormatError } from "./errors.ts";

function withHeader(header: unknown, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

Deno.test("safetensors round-trips every array type, shapes and metadata", () => {
  const bytes = encodeSafetensors({
    w: { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
    d: { shape: [2], data: new Float64Array([Math.PI, -0]) },
    i: { shape: [1], data: new Int32Array([-7]) },
    u: { shape: [3], data: new Uint8Array([1, 2, 255]) },
    l: { shape: [1], data: new BigInt64Array([-5n]) },
    s: { shape: [], data: new Float32Array([42]) },
  }, { note: "hello" });
  assert.equal(new DataView(bytes.buffer).getBigUint64(0, true) % 8n, 0n); // header padded to 8
  const { tensors, metadata } = decodeSafetensors(bytes);
  assert.deepEqual(metadata, { note: "hello" });
  assert.deepEqual([...tensors.keys()], ["w", "d", "i", "u", "l", "s"]);
  assert.deepEqual(tensors.get("w")!.shape, [2, 3]);
  assert.deepEqual([...tensors.get("w")!.data as Float32Array], [1, 2, 3, 4, 5, 6]);
  assert.equal((tensors.get("d")!.data as Float64Array)[0], Math.PI);
  assert.equal((tensors.get("l")!.data as BigInt64Array)[0], -5n);
  assert.equal(tensors.get("s")!.dtype, "F32");
});

Deno.test("F16 and BF16 widen to float32 exactly", () => {
  // F16 0x3c00 = 1, 0xc000 = -2, 0x7bff = 65504; BF16 0x3f80 = 1, 0x4049 = 3.140625
  const fixed = withHeader({
    a: { dtype: "F16", shape: [3], data_offsets: [0, 6] },
    b: { dtype: "BF16", shape: [2], data_offsets: [6, 10] },
  }, 10);
  const data = new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x3f80, 0x4049]);
  fixed.set(new Uint8Array(data.buffer), fixed.length - 10);
  const { tensors } = decodeSafetensors(fixed);
  assert.deepEqual([...tensors.get("a")!.data as Float32Array], [1, -2, 65504]);
  assert.deepEqual([...tensors.get("b")!.data as Float32Array], [1, 3.140625]);
});

Deno.test("corrupt headers are FormatErrors that say what is wrong", () => {
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(4), /too short/],
    [
      (() => {
        const b = new Uint8Array(16);
        new DataView(b.buffer).setBigUint64(0, 1n << 40n, true);
        return b;
      })(),
      /exceeds the file/,
    ],
    [withHeader("x", 0).map((v, i) => (i === 8 ? 0x7b : v)), /not valid JSON/],
    [withHeader([1, 2], 0), /not a JSON object/],
    [withHeader({ w: { dtype: "F99", shape: [1], data_offsets: [0, 4] } }, 4), /unknown dtype/],
    [withHeader({ w: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, 4), /invalid shape/],
    [withHeader({ w: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }, 4), /needs 8 bytes/],
    [
      withHeader({ w: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, 2),
      /outside the 2-byte data/,
    ],
    [withHeader({ w: { dtype: "F32", shape: [1], data_offsets: [4, 0] } }, 4), /outside/],
    [
      withHeader({
        a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
        b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
      }, 8),
      /overlaps/,
    ],
    [withHeader({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, 8), /gap/],
    [withHeader({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, 8), /4 bytes after/],
    [withHeader({ __metadata__: { k: 1 } }, 0), /__metadata__/],
  ];
  for (const [bytes, pattern] of cases) {
    assert.throws(
      () => decodeSafetensors(bytes),
      (e: Error) => e instanceof FormatError && pattern.test(e.message),
      String(pattern),
    );
  }
});

Deno.test("saveSafetensors writes atomically and loadSafetensors names the file on errors", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/m.safetensors`;
  await saveSafetensors(path, { w: { shape: [1], data: new Float32Array([3]) } });
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["m.safetensors"]);
  assert.equal((await loadSafetensors(path)).tensors.get("w")!.data[0], 3);
  await Deno.writeFile(`${dir}/bad.safetensors`, new Uint8Array(3));
  await assert.rejects(
    loadSafetensors(`${dir}/bad.safetensors`),
    /bad\.safetensors: not a safetensors file/,
  );
  await Deno.remove(dir, { recursive: true });
});
