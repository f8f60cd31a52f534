import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { encode, Image } from "image-js";
import { FormatError } from "@recognize/io";
import { dataTest } from "@recognize/tensor/testing";
import { loadMnist, readIdx } from "./idx.ts";
import { loadCifar10, readCifarBatches } from "./cifar.ts";
import { listImageFolder, loadImageFolder, naturalSort } from "./image_folder.ts";
import { loadSun, parseSunLists, SUN_CLASSES } from "./sun.ts";
import { loadFlowers17 } from "./flowers.ts";
import { DatasetNotFoundError, locate } from "./data_root.ts";

Deno.test("idx parses plain and gzip files and checks the size", () => {
  const idx = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 10, 20, 30, 40]);
  for (const bytes of [idx, new Uint8Array(gzipSync(idx))]) {
    const a = readIdx(bytes);
    assert.deepEqual(a.shape, [2, 1, 2]);
    assert.deepEqual([...a.data], [10, 20, 30, 40]);
  }
  assert.throws(() => readIdx(idx.subarray(0, 18)), /holds 2 bytes/);
  assert.throws(() => readIdx(new Uint8Array([1, 2, 3, 4])), /bad magic/);
});

Deno.test("CIFAR binary records give planar images in [0, 1] and labels", () => {
  const rec = new Uint8Array(3073 * 2);
  rec[0] = 3;
  rec[1] = 255; // red channel, first pixel
  rec[3073] = 9;
  rec[3073 + 1 + 1024] = 51; // green channel, first pixel
  const d = readCifarBatches([rec], "test");
  assert.deepEqual([...d.labels], [3, 9]);
  assert.equal(d.images[0], 1);
  assert.equal(d.images[3072 + 1024], Math.fround(0.2));
  assert.throws(() => readCifarBatches([rec.subarray(0, 100)], "x"), /whole 3073-byte records/);
});

Deno.test("natural sort orders numeric folders numerically", () => {
  assert.deepEqual(naturalSort(["10", "2", "1", "16"]), ["1", "2", "10", "16"]);
  assert.deepEqual(naturalSort(["cat", "ant", "bee"]), ["ant", "bee", "cat"]);
});

Deno.test("an image folder loads in stated order; bad trees fail clearly", async () => {
  const root = await Deno.makeTempDir();
  const png = (v: number) =>
    encode(new Image(4, 2, { colorModel: "GREY" }).fill(v), { format: "png" });
  for (const [cls, files] of [["10", ["b.png", "a.png"]], ["2", ["x.png"]]] as const) {
    await Deno.mkdir(`${root}/${cls}`);
    for (const f of files) await Deno.writeFile(`${root}/${cls}/${f}`, png(cls === "2" ? 255 : 0));
  }
  const d = await loadImageFolder(root, { size: [2, 2] });
  assert.deepEqual(d.classes, ["2", "10"]);
  assert.deepEqual([...d.labels], [0, 1, 1]);
  assert.deepEqual(d.shape, [3, 3, 2, 2]);
  assert.equal(d.images[0], 1); // the white image of class "2" comes first
  const one = await loadImageFolder(root, { size: [2, 2], perClass: 1 });
  assert.deepEqual([...one.labels], [0, 1]);
  assert.deepEqual(one.shape, [2, 3, 2, 2]);
  const listed = await listImageFolder(root);
  assert.deepEqual(listed.files.map((f) => f.slice(root.length + 1)), [
    "2/x.png",
    "10/a.png",
    "10/b.png",
  ]);

  await Deno.writeTextFile(`${root}/2/notes.txt`, "not an image");
  await assert.rejects(
    loadImageFolder(root, { size: [2, 2] }),
    (e: Error) =>
      e instanceof FormatError && e.message.includes("notes.txt") && /not an image/.test(e.message),
  );
  await Deno.mkdir(`${root}/empty`);
  await assert.rejects(listImageFolder(root), /empty holds no files/);
  const none = await Deno.makeTempDir();
  await assert.rejects(listImageFolder(none), /has no class folders/);
  await assert.rejects(listImageFolder(`${none}/missing`), /does not exist/);
  await Deno.remove(root, { recursive: true });
  await Deno.remove(none, { recursive: true });
});

Deno.test("SUN list files must agree", () => {
  const l = parseSunLists("a/x.jpg\nb/y.jpg\n", "0\n7\n");
  assert.deepEqual(l.paths, ["a/x.jpg", "b/y.jpg"]);
  assert.deepEqual([...l.labels], [0, 7]);
  assert.throws(() => parseSunLists("a\nb\n", "1\n"), /2 files but 1 labels/);
  assert.throws(() => parseSunLists("a\n", "8\n"), /label 1 is "8"/);
});

Deno.test("a missing dataset says where it looked and how to get it", async () => {
  const empty = await Deno.makeTempDir();
  await assert.rejects(
    locate("nist36", empty),
    (e: Error) =>
      e instanceof DatasetNotFoundError && e.message.includes("deno task data fetch nist36") &&
      e.message.includes("--data DIR") && e.message.includes("RECOGNIZE_DATA"),
  );
  await Deno.remove(empty);
});

dataTest(
  "MNIST t10k: 10,000 digits with the documented label counts",
  ["alternatives/mnist-t10k"],
  async (root) => {
    const d = await loadMnist("t10k", { root });
    assert.deepEqual(d.shape, [10000, 1, 28, 28]);
    const counts = new Array(10).fill(0);
    for (const l of d.labels) counts[l]++;
    assert.deepEqual(counts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  },
);

dataTest("CIFAR-10 from the JPEG tree: 1,000 test images a class in CIFAR order", [
  "cifar10-jpg/test",
], async (root) => {
  const d = await loadCifar10("test", { root });
  assert.deepEqual(d.shape, [10000, 3, 32, 32]);
  assert.equal(d.classes[0], "airplane");
  assert.equal(d.labels[0], 0);
  assert.equal(d.labels[9999], 9);
});

dataTest("SUN test split and Flowers-17 val load with their documented counts", [
  "hw1-sun",
  "oxford-flowers17",
], async (root) => {
  const sun = await loadSun("test", { root, size: [32, 32] });
  assert.deepEqual(sun.shape, [400, 3, 32, 32]);
  assert.deepEqual(sun.classes, [...SUN_CLASSES]);
  const flowers = await loadFlowers17("val", { root, size: [16, 16] });
  assert.equal(flowers.labels.length, 340);
  assert.equal(flowers.classes[16], "pansy");
  assert.equal(flowers.labels[339], 16);
  const few = await loadSun("test", { root, size: [8, 8], perClass: 3 });
  assert.deepEqual(
    [...few.labels].sort((a, b) => a - b),
    SUN_CLASSES.flatMap((_, c) => [c, c, c]).sort((a, b) => a - b),
  );
});
