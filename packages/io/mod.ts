/**
 * Reading and writing the files a deep-learning toolkit meets: safetensors
 * model files (validated before they are trusted, written atomically),
 * PyTorch `.pth` checkpoints through a restricted unpickler, and the zip and
 * tar archives datasets arrive in.
 *
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "@recognize/io";
 *
 * const bytes = encodeSafetensors({ bias: { shape: [3], data: new Float32Array([1, 2, 3]) } });
 * const { tensors } = decodeSafetensors(bytes);
 * console.assert(tensors.get("bias")!.shape[0] === 3);
 * ```
 *
 * @module
 */

export * from "./errors.ts";
export * from "./atomic.ts";
export * from "./crc32.ts";
export * from "./safetensors.ts";
export * from "./pickle.ts";
export * from "./pth.ts";
export * from "./zip.ts";
export * from "./tar.ts";
