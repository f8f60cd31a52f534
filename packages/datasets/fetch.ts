/**
 * Downloading datasets from their official addresses into the `data/`
 * cache: a progress bar, a checksum, then unpacking.
 *
 * Interrupting is safe: a download goes to `*.part` and is renamed only once
 * complete and verified, and an archive is unpacked into a temporary folder
 * renamed into place at the end, so nothing half-done ever looks like a
 * dataset. Where the publisher gives no checksum, the first download's
 * SHA-256 is recorded in `data/.checksums.json` and later downloads must match it.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { FormatError, readTar, readZip } from "@recognize/io";
import { ProgressBar } from "@recognize/cli";
import { readMat } from "./mat.ts";
import { exists } from "./_fs.ts";

/** One file to download. */
export interface RemoteFile {
  /** The official address. */
  url: string;
  /** Name in the download cache. */
  name: string;
  /** Expected digest, `md5:…` or `sha256:…` (a prefix of the hex is allowed). */
  digest?: string;
}

/** A fetchable dataset. */
export interface DatasetSource {
  /** The folder it unpacks to under the data root. */
  folder: string;
  /** What it is. */
  description: string;
  /** Files to download. */
  files: RemoteFile[];
  /** Write the dataset into `dest` from the downloaded files (by name). */
  unpack(files: Map<string, Uint8Array>, dest: string): Promise<void>;
}

async function writeAll(dest: string, entries: Iterable<[string, Uint8Array]>): Promise<number> {
  let n = 0;
  for (const [path, data] of entries) {
    const full = `${dest}/${path}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    await Deno.writeFile(full, data);
    n++;
  }
  return n;
}

const base = (name: string) => name.slice(name.lastIndexOf("/") + 1);

function md5Of(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

function sha256Of(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

// md5s of the four homework photos (as published, before the shared copy dropped GPS tags)
const OCR_IMAGES: Record<string, string> = {
  "01_list.jpg": "de2c5936b570936b640b35115f57c29f",
  "02_letters.jpg": "77ba3540db390c4bfbd6857400f9a2e9",
  "03_haiku.jpg": "2873d807344a7878ffd73316e9717479",
  "04_deep.jpg": "f41eab794019df82ee7b8df1f4324c7d",
};

/** Every dataset `deno task data fetch` knows. */
export const SOURCES: Record<string, DatasetSource> = {
  nist36: {
    folder: "nist36",
    description: "NIST36 train/valid/test .mat files from the course's data.zip",
    files: [{ url: "http://www.cs.cmu.edu/~lkeselma/16720a_data/data.zip", name: "data.zip" }],
    async unpack(files, dest) {
      const wanted = readZip(files.get("data.zip")!).filter((e) =>
        /^nist36_(train|valid|test)\.mat$/.test(base(e.name))
      );
      if (wanted.length !== 3) {
        throw new FormatError(`data.zip holds ${wanted.length} of the 3 nist36_*.mat files`);
      }
      await writeAll(dest, wanted.map((e) => [base(e.name), e.read()]));
    },
  },
  images: {
    folder: "images",
    description: "the four OCR photos from the course's images.zip",
    files: [{ url: "http://www.cs.cmu.edu/~lkeselma/16720a_data/images.zip", name: "images.zip" }],
    async unpack(files, dest) {
      const entries = readZip(files.get("images.zip")!).filter((e) => base(e.name) in OCR_IMAGES);
      for (const e of entries) {
        const data = e.read();
        if (md5Of(data) !== OCR_IMAGES[base(e.name)]) {
          throw new FormatError(`${e.name} fails its md5 check`);
        }
      }
      await writeAll(dest, entries.map((e) => [base(e.name), e.read()]));
    },
  },
  mnist: {
    folder: "mnist",
    description: "MNIST digits (idx, gzip)",
    files: [
      ["train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"],
      ["train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"],
      ["t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"],
      ["t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"],
    ].map(([name, md5]) => ({
      url: `https://ossci-datasets.s3.amazonaws.com/mnist/${name}`,
      name,
      digest: `md5:${md5}`,
    })),
    async unpack(files, dest) {
      await writeAll(dest, files);
    },
  },
  "cifar10-bin": {
    folder: "cifar-10-batches-bin",
    description: "CIFAR-10, binary version",
    files: [{
      url: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
      name: "cifar-10-binary.tar.gz",
      digest: "md5:c32a1d4ab5d03f1284b67883e8d87530",
    }],
    async unpack(files, dest) {
      const entries = readTar(files.get("cifar-10-binary.tar.gz")!).filter((e) =>
        e.name.endsWith(".bin") || e.name.endsWith(".txt")
      );
      await writeAll(dest, entries.map((e) => [base(e.name), e.data]));
    },
  },
  flowers17: {
    folder: "oxford-flowers17",
    description:
      "Oxford Flowers-17, partitioned with split 2 of datasplits.mat (as the course script does)",
    files: [
      {
        url: "https://www.robots.ox.ac.uk/~vgg/data/flowers/17/17flowers.tgz",
        name: "17flowers.tgz",
      },
      {
        url: "https://www.robots.ox.ac.uk/~vgg/data/flowers/17/datasplits.mat",
        name: "datasplits.mat",
      },
    ],
    async unpack(files, dest) {
      const splits = readMat(files.get("datasplits.mat")!);
      const images = new Map(
        readTar(files.get("17flowers.tgz")!).filter((e) => e.name.endsWith(".jpg")).map((
          e,
        ) => [base(e.name), e.data]),
      );
      for (const [split, key] of [["train", "trn2"], ["val", "val2"], ["test", "tst2"]]) {
        const v = splits.get(key);
        if (!v || v.class === "char") {
          throw new FormatError(`datasplits.mat has no numeric "${key}"`);
        }
        const picked: [string, Uint8Array][] = [];
        for (const k of v.data) {
          const n = Number(k);
          const name = `image_${String(n).padStart(4, "0")}.jpg`;
          const data = images.get(name);
          if (!data) throw new FormatError(`17flowers.tgz has no ${name}`);
          picked.push([`${split}/${Math.floor((n - 1) / 80)}/${name}`, data]);
        }
        await writeAll(dest, picked);
      }
    },
  },
  squeezenet: {
    folder: "models/squeezenet1_1",
    description: "SqueezeNet 1.1 ImageNet weights (torchvision), converted to safetensors",
    files: [{
      url: "https://download.pytorch.org/models/squeezenet1_1-b8a52dc0.pth",
      name: "squeezenet1_1-b8a52dc0.pth",
      digest: "sha256:b8a52dc0",
    }],
    async unpack(files, dest) {
      const { stateDictOf, readPth, encodeSafetensors } = await import("@recognize/io");
      const sd = stateDictOf(readPth(files.get("squeezenet1_1-b8a52dc0.pth")!));
      const tensors = Object.fromEntries(
        [...sd].map(([k, v]) => [k, { shape: v.shape, data: v.data }]),
      );
      await Deno.mkdir(dest, { recursive: true });
      await Deno.writeFile(
        `${dest}/squeezenet1_1_imagenet.safetensors`,
        encodeSafetensors(tensors),
      );
    },
  },
};

/** Options of {@link fetchDataset}. */
export interface FetchOptions {
  /** The data root to fill. */
  root: string;
  /** Re-download even when the dataset is present. */
  force?: boolean;
  /** Progress output (default: a bar on standard error). */
  progress?: boolean;
  /** `fetch` to use (tests). */
  fetch?: typeof globalThis.fetch;
}

async function checkDigest(file: RemoteFile, bytes: Uint8Array, root: string): Promise<void> {
  const ledgerPath = `${root}/.checksums.json`;
  let ledger: Record<string, string> = {};
  try {
    ledger = JSON.parse(await Deno.readTextFile(ledgerPath));
  } catch { /* first download */ }
  const sha = sha256Of(bytes);
  if (file.digest) {
    const [algo, hex] = file.digest.split(":");
    const actual = algo === "md5" ? md5Of(bytes) : sha;
    if (!actual.startsWith(hex)) {
      throw new FormatError(
        `${file.url} has ${algo} ${actual}, expected ${hex}: the download is corrupt or was changed`,
      );
    }
  } else if (ledger[file.url] && ledger[file.url] !== sha) {
    throw new FormatError(
      `${file.url} has sha256 ${sha}, but the first download had ${ledger[file.url]} ` +
        `(delete ${ledgerPath} to accept the new file)`,
    );
  } else if (!ledger[file.url]) {
    console.error(
      `note: ${file.name} has no published checksum; recorded sha256 ${
        sha.slice(0, 16)
      }… for later downloads`,
    );
  }
  ledger[file.url] = sha;
  await Deno.writeTextFile(ledgerPath, JSON.stringify(ledger, null, 2) + "\n");
}

async function download(file: RemoteFile, dir: string, options: FetchOptions): Promise<Uint8Array> {
  const final = `${dir}/${file.name}`;
  if (!options.force && await exists(final)) return await Deno.readFile(final);
  const part = `${final}.part`;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(file.url);
  } catch (e) {
    throw new Error(
      `Cannot download ${file.url} (${
        (e as Error).message
      }). If this machine is offline, download the file ` +
        `elsewhere into ${dir}/, or point at a local copy with --data DIR or RECOGNIZE_DATA=DIR.`,
    );
  }
  if (!response.ok || !response.body) {
    throw new Error(
      `Cannot download ${file.url}: the server answered ${response.status} ${response.statusText}`,
    );
  }
  const total = Number(response.headers.get("content-length") ?? 0);
  const bar = options.progress === false
    ? null
    : new ProgressBar(total > 0 ? Math.ceil(total / 1048576) : 0, {
      label: `${file.name} (MB)`,
    });
  const chunks: Uint8Array[] = [];
  let received = 0, reported = 0;
  const out = await Deno.open(part, { write: true, create: true, truncate: true });
  try {
    for await (const chunk of response.body) {
      chunks.push(chunk);
      await out.write(chunk);
      received += chunk.length;
      const mb = Math.floor(received / 1048576);
      if (bar && mb > reported) {
        bar.tick({}, mb - reported);
        reported = mb;
      }
    }
  } catch (e) {
    out.close();
    await Deno.remove(part).catch(() => {});
    throw new Error(
      `The download of ${file.url} broke off after ${received} bytes: ${(e as Error).message}`,
    );
  }
  out.close();
  bar?.done();
  if (total > 0 && received !== total) {
    await Deno.remove(part).catch(() => {});
    throw new Error(`The download of ${file.url} is incomplete: ${received} of ${total} bytes`);
  }
  const bytes = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  try {
    await checkDigest(file, bytes, options.root);
  } catch (e) {
    await Deno.remove(part).catch(() => {});
    throw e;
  }
  await Deno.rename(part, final);
  return bytes;
}

/**
 * Download (if needed) and unpack one dataset into the data root.
 *
 * @param name A key of {@link SOURCES}, or a source object.
 * @param options The data root and switches.
 * @returns The dataset's folder.
 */
export async function fetchDataset(
  name: string | DatasetSource,
  options: FetchOptions,
): Promise<string> {
  const source = typeof name === "string" ? SOURCES[name] : name;
  if (!source) {
    throw new Error(`Unknown dataset "${name}". Known: ${Object.keys(SOURCES).join(", ")}`);
  }
  const dest = `${options.root}/${source.folder}`;
  if (!options.force && await exists(dest)) return dest;
  const downloads = `${options.root}/.downloads`;
  await Deno.mkdir(downloads, { recursive: true });
  const files = new Map<string, Uint8Array>();
  for (const f of source.files) files.set(f.name, await download(f, downloads, options));
  const tmp = `${dest}.tmp-${Deno.pid}`;
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
  try {
    await source.unpack(files, tmp);
    await Deno.remove(dest, { recursive: true }).catch(() => {});
    await Deno.mkdir(dest.slice(0, dest.lastIndexOf("/")), { recursive: true });
    await Deno.rename(tmp, dest);
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw e;
  }
  return dest;
}
