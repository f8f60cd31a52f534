/**
 * Crash-safe writes: write beside the target, then rename into place, so a
 * reader never sees a half-written file.
 *
 * @module
 */

import { dirname } from "node:path";

/**
 * Write `bytes` to `path` atomically, creating the folder.
 *
 * @param path The destination.
 * @param bytes The content.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(path) || ".", { recursive: true });
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
