import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readZip } from "@recognize/io";
import { type DatasetSource, fetchDataset } from "./fetch.ts";

const payload = new TextEncoder().encode("dataset bytes ".repeat(1000));
const md5 = createHash("md5").update(payload).digest("hex");

function serve(): { url: string; close: () => Promise<void> } {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/file.bin") return new Response(payload);
    if (path === "/cut.bin") {
      // announce the full length, send half, then break the connection
      const body = new ReadableStream({
        start(c) {
          c.enqueue(payload.subarray(0, payload.length / 2));
          c.error(new Error("connection reset"));
        },
      });
      return new Response(body, { headers: { "content-length": String(payload.length) } });
    }
    return new Response("missing", { status: 404 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

function source(url: string, digest?: string): DatasetSource {
  return {
    folder: "thing",
    description: "test data",
    files: [{ url, name: "file.bin", digest }],
    async unpack(files, dest) {
      await Deno.mkdir(dest, { recursive: true });
      await Deno.writeFile(`${dest}/data.bin`, files.get("file.bin")!);
    },
  };
}

async function listAll(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) {
      out.push(...(await listAll(`${dir}/${e.name}`)).map((f) => `${e.name}/${f}`));
    } else out.push(e.name);
  }
  return out.sort();
}

Deno.test("fetch downloads, verifies and unpacks; a second fetch reuses the cache", async () => {
  const s = serve();
  const root = await Deno.makeTempDir();
  try {
    const dest = await fetchDataset(source(`${s.url}/file.bin`, `md5:${md5}`), {
      root,
      progress: false,
    });
    assert.equal(dest, `${root}/thing`);
    assert.deepEqual(await Deno.readFile(`${dest}/data.bin`), payload);
    assert.deepEqual(await listAll(root), [
      ".checksums.json",
      ".downloads/file.bin",
      "thing/data.bin",
    ]);
    // cached: no server needed
    await s.close();
    assert.equal(
      await fetchDataset(source(`${s.url}/file.bin`, `md5:${md5}`), { root, progress: false }),
      dest,
    );
  } finally {
    await s.close().catch(() => {});
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a wrong checksum leaves nothing that looks complete", async () => {
  const s = serve();
  const root = await Deno.makeTempDir();
  try {
    await assert.rejects(
      fetchDataset(source(`${s.url}/file.bin`, "md5:0123456789abcdef"), { root, progress: false }),
      /expected 0123456789abcdef/,
    );
    assert.deepEqual(await listAll(root), []);
  } finally {
    await s.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("an interrupted download is removed, and the dataset is not created", async () => {
  const s = serve();
  const root = await Deno.makeTempDir();
  try {
    await assert.rejects(
      fetchDataset(source(`${s.url}/cut.bin`), { root, progress: false }),
      /broke off|incomplete/,
    );
    assert.deepEqual(await listAll(root), []);
  } finally {
    await s.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("without a published checksum the first download's SHA-256 is pinned", async () => {
  const s = serve();
  const root = await Deno.makeTempDir();
  try {
    await fetchDataset(source(`${s.url}/file.bin`), { root, progress: false });
    const ledger = JSON.parse(await Deno.readTextFile(`${root}/.checksums.json`));
    assert.equal(ledger[`${s.url}/file.bin`], createHash("sha256").update(payload).digest("hex"));
    // a different file at the same address is refused
    ledger[`${s.url}/file.bin`] = "f".repeat(64);
    await Deno.writeTextFile(`${root}/.checksums.json`, JSON.stringify(ledger));
    await assert.rejects(
      fetchDataset(source(`${s.url}/file.bin`), { root, progress: false, force: true }),
      /but the first download had/,
    );
  } finally {
    await s.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("offline, the error names the address and the --data flag", async () => {
  const root = await Deno.makeTempDir();
  try {
    await assert.rejects(
      fetchDataset(source("http://127.0.0.1:9/file.bin"), { root, progress: false }),
      (e: Error) =>
        e.message.includes("http://127.0.0.1:9/file.bin") && e.message.includes("--data DIR"),
    );
    await assert.rejects(fetchDataset("no-such-set", { root }), /Unknown dataset "no-such-set"/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the nist36 source unpacks only the three .mat files of data.zip", async () => {
  const { makeZip } = await import("../io/testdata/make_zip.ts");
  const { SOURCES } = await import("./fetch.ts");
  const zip = makeZip({
    "data/nist36_train.mat": new Uint8Array([1]),
    "data/nist36_valid.mat": new Uint8Array([2]),
    "data/nist36_test.mat": new Uint8Array([3]),
    "data/nist26_train.mat": new Uint8Array([4]),
  });
  assert.equal(readZip(zip).length, 4);
  const dest = await Deno.makeTempDir();
  await SOURCES.nist36.unpack(new Map([["data.zip", zip]]), dest);
  assert.deepEqual(await listAll(dest), [
    "nist36_test.mat",
    "nist36_train.mat",
    "nist36_valid.mat",
  ]);
  await Deno.remove(dest, { recursive: true });
});
