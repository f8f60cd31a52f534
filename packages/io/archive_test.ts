import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { makeZip } from "./testdata/make_zip.ts";
import { readTar } from "./tar.ts";
import { readZip } from "./zip.ts";
import { FormatError } from "./errors.ts";

Deno.test("zip entries inflate and pass their CRC", () => {
  const a = new TextEncoder().encode("hello hello hello hello");
  for (const deflate of [true, false]) {
    const entries = readZip(
      makeZip({ "dir/a.txt": a, "b.bin": new Uint8Array([1, 2, 3]) }, deflate),
    );
    assert.deepEqual(entries.map((e) => e.name), ["dir/a.txt", "b.bin"]);
    assert.deepEqual(entries[0].read(), a);
    assert.deepEqual([...entries[1].read()], [1, 2, 3]);
  }
});

Deno.test("a flipped byte in a stored zip entry fails its CRC", () => {
  const zip = makeZip({ "a.txt": new TextEncoder().encode("abcdef") }, false);
  zip[36] ^= 0xff; // inside the data of the first entry (30-byte header + 5-byte name)
  assert.throws(
    () => readZip(zip)[0].read(),
    (e: Error) => e instanceof FormatError && /CRC/.test(e.message),
  );
  assert.throws(() => readZip(new Uint8Array(100)), /not a zip archive/);
});

Deno.test("tar (plain and gzip) lists regular files with their content", () => {
  const header = (name: string, size: number) => {
    const h = new Uint8Array(512);
    h.set(new TextEncoder().encode(name), 0);
    h.set(new TextEncoder().encode(size.toString(8).padStart(11, "0")), 124);
    h[156] = 48;
    h.set(new TextEncoder().encode("ustar"), 257);
    return h;
  };
  const body = new TextEncoder().encode("content!");
  const tar = new Uint8Array(512 * 4);
  tar.set(header("x/y.txt", body.length), 0);
  tar.set(body, 512);
  for (const bytes of [tar, new Uint8Array(gzipSync(tar))]) {
    const entries = readTar(bytes);
    assert.equal(entries.length, 1);
    assert.equal(entries[0].name, "x/y.txt");
    assert.equal(new TextDecoder().decode(entries[0].data), "content!");
  }
  const truncated = tar.slice(0, 600);
  truncated.fill(0, 520); // keep the header; drop the data blocks
  assert.throws(() => readTar(truncated.slice(0, 515)), /truncated/);
});
