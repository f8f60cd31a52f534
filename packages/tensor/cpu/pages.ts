// Giving a dataset's memory back to the system at dispose. A large upload
// lives in a WebAssembly memory of its own (wasm_memory.ts: dataArray),
// which JavaScript cannot free: V8 unmaps it when it collects the memory
// object, which may be long after `dispose()` (a program that uploads and
// disposes datasets in turn would hold them all meanwhile). With FFI on
// Linux, `madvise(MADV_DONTNEED)` hands the pages back at once (reading them
// after gives zeros: nothing does, the tensor is disposed); the mapping itself
// goes with the collection. Where this is not available, large uploads stay
// in ordinary memory instead, freed at dispose as before.

const MADV_DONTNEED = 4;

type Madvise = (addr: Deno.PointerValue, length: number | bigint, advice: number) => number;

let madvise: Madvise | null | undefined;

function load(): Madvise | null {
  try {
    if (Deno.build.os !== "linux") return null;
    const lib = Deno.dlopen("libc.so.6", {
      madvise: { parameters: ["pointer", "usize", "i32"], result: "i32" },
    });
    globalThis.addEventListener?.("unload", () => {
      madvise = null;
      lib.close();
    }, { once: true });
    return lib.symbols.madvise as Madvise;
  } catch {
    return null; // no FFI (or no permission for it), or no glibc
  }
}

/** Whether {@link givePagesBack} can give memory back here. */
export function canGivePagesBack(): boolean {
  if (madvise === undefined) madvise = typeof Deno === "undefined" ? null : load();
  return madvise !== null;
}

/**
 * Hand the whole pages of `buffer` back to the system; their contents read
 * as zeros afterwards. True when done.
 */
export function givePagesBack(buffer: ArrayBuffer): boolean {
  if (!canGivePagesBack()) return false;
  const at = Deno.UnsafePointer.of(buffer);
  return at !== null && madvise!(at, buffer.byteLength, MADV_DONTNEED) === 0;
}
