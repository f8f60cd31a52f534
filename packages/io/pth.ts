/**
 * Import PyTorch checkpoints (`torch.save`'s zip format: a pickle plus raw
 * storages) without running any of their code: the restricted unpickler
 * accepts only the globals that rebuild tensors and ordered dicts.
 *
 * @module
 */

import { FormatError, withContext } from "./errors.ts";
import { unpickle } from "./pickle.ts";
import type { NamedTensor, SafetensorsDType, TensorData } from "./safetensors.ts";
import { decodeSafetensors, SAFETENSORS_DTYPES } from "./safetensors.ts";
import { readZip } from "./zip.ts";

const STORAGES: Record<string, SafetensorsDType> = {
  FloatStorage: "F32",
  DoubleStorage: "F64",
  HalfStorage: "F16",
  BFloat16Storage: "BF16",
  LongStorage: "I64",
  IntStorage: "I32",
  ShortStorage: "I16",
  CharStorage: "I8",
  ByteStorage: "U8",
  BoolStorage: "BOOL",
};

class StorageType {
  constructor(readonly dtype: SafetensorsDType) {}
}

interface Storage {
  dtype: SafetensorsDType;
  data: TensorData;
}

function toInt(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new FormatError(`a tensor has an invalid ${what}: ${String(v)}`);
  }
  return v;
}

function rebuildTensor(
  storage: unknown,
  offset: unknown,
  size: unknown,
  stride: unknown,
): NamedTensor {
  if (!storage || typeof storage !== "object" || !("data" in storage)) {
    throw new FormatError("a tensor is rebuilt from something that is not a storage");
  }
  const s = storage as Storage;
  if (!Array.isArray(size) || !Array.isArray(stride) || size.length !== stride.length) {
    throw new FormatError("a tensor has a malformed size or stride");
  }
  const shape = size.map((d) => toInt(d, "size"));
  const strides = stride.map((d) => toInt(d, "stride"));
  const start = toInt(offset, "storage offset");
  const count = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count) || count > 2 ** 30) {
    throw new FormatError(`a tensor of shape [${shape}] is too large to rebuild`);
  }
  let last = start;
  shape.forEach((d, i) => (last += d > 0 ? (d - 1) * strides[i] : 0));
  if (count > 0 && last >= s.data.length) {
    throw new FormatError(
      `a tensor of shape [${shape}] reads past its ${s.data.length}-element storage`,
    );
  }
  const Ctor = s.data.constructor as new (n: number) => TensorData;
  const out = new Ctor(count);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    let at = start;
    for (let d = 0; d < shape.length; d++) at += idx[d] * strides[d];
    (out as unknown as number[])[i] = (s.data as unknown as number[])[at];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return { dtype: s.dtype, shape, data: out };
}

/**
 * Unpickle a `torch.save` zip checkpoint into plain values: `Map` for dicts,
 * arrays for lists and tuples, {@link NamedTensor} for tensors.
 *
 * @param bytes The `.pth` file's bytes.
 * @returns The checkpoint object.
 * @throws {FormatError} On anything that is not plain data and tensors.
 */
export function readPth(bytes: Uint8Array): unknown {
  const entries = readZip(bytes);
  const pkl = entries.find((e) => e.name.endsWith("/data.pkl") || e.name === "data.pkl");
  if (!pkl) throw new FormatError("not a PyTorch zip checkpoint (no data.pkl)");
  const prefix = pkl.name.slice(0, pkl.name.length - "data.pkl".length);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const loaded = new Map<string, Storage>();
  const globals: Record<string, (...args: unknown[]) => unknown> = {
    "collections.OrderedDict": () => new Map(),
    "torch._utils._rebuild_tensor_v2": (storage, offset, size, stride) =>
      rebuildTensor(storage, offset, size, stride),
    "torch._utils._rebuild_parameter": (data) => data,
    "torch.device": (name) => String(name),
    "torch.Size": (dims) => dims,
  };
  for (const [name, dtype] of Object.entries(STORAGES)) {
    globals[`torch.${name}`] = () => new StorageType(dtype);
  }
  const persistentLoad = (pid: unknown) => {
    if (!Array.isArray(pid) || pid[0] !== "storage" || pid.length < 5) {
      throw new FormatError(`unknown persistent id ${JSON.stringify(pid)}`);
    }
    const [, type, key, , numelRaw] = pid;
    // storage types arrive as uncalled globals
    const dtype = typeof type === "object" && type && "fn" in type
      ? ((type as { fn: () => StorageType }).fn()).dtype
      : undefined;
    if (!dtype) throw new FormatError("a storage has an unknown element type");
    const numel = toInt(numelRaw, "storage size");
    const cacheKey = String(key);
    let s = loaded.get(cacheKey);
    if (!s) {
      const entry = byName.get(`${prefix}data/${cacheKey}`);
      if (!entry) throw new FormatError(`storage ${cacheKey} is missing from the archive`);
      if (entry.size !== numel * SAFETENSORS_DTYPES[dtype]) {
        throw new FormatError(
          `storage ${cacheKey} holds ${entry.size} bytes, not ${numel} × ${dtype}`,
        );
      }
      const raw = entry.read();
      // reuse the safetensors decoder for every dtype's byte layout
      const one = decodeSafetensors(encodeRaw(dtype, numel, raw));
      s = { dtype, data: one.tensors.get("s")!.data };
      loaded.set(cacheKey, s);
    }
    return s;
  };
  return unpickle(pkl.read(), { globals, persistentLoad });
}

function encodeRaw(dtype: SafetensorsDType, numel: number, raw: Uint8Array): Uint8Array {
  let json = JSON.stringify({ s: { dtype, shape: [numel], data_offsets: [0, raw.length] } });
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + raw.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(raw, 8 + head.length);
  return out;
}

/**
 * The tensors of a checkpoint's state dict: the `model_state_dict` or
 * `state_dict` entry when there is one, else the top-level dict itself.
 *
 * @param checkpoint What {@link readPth} returned.
 * @returns Tensors by parameter name.
 * @throws {FormatError} When no dict of tensors is found.
 */
export function stateDictOf(checkpoint: unknown): Map<string, NamedTensor> {
  let dict = checkpoint;
  if (dict instanceof Map) {
    for (const key of ["model_state_dict", "state_dict", "model"]) {
      if (dict.get(key) instanceof Map) {
        dict = dict.get(key);
        break;
      }
    }
  }
  if (!(dict instanceof Map)) throw new FormatError("the checkpoint holds no state dict");
  const out = new Map<string, NamedTensor>();
  for (const [k, v] of dict) {
    if (v && typeof v === "object" && "data" in v && "shape" in v) {
      out.set(String(k), v as NamedTensor);
    }
  }
  if (out.size === 0) throw new FormatError("the checkpoint's state dict holds no tensors");
  return out;
}

/**
 * Read a `.pth` file's state dict.
 *
 * @param path The checkpoint.
 * @returns Tensors by parameter name.
 */
export async function loadPthStateDict(path: string): Promise<Map<string, NamedTensor>> {
  const bytes = await Deno.readFile(path);
  return withContext(path, () => stateDictOf(readPth(bytes)));
}
