// The main thread's side of the rasteriser worker: one worker, started on
// demand, ended once idle so that the memory resvg grew is given back.

/** How long the worker waits for the next figure before it is ended. */
const IDLE_MS = 1000;

interface Pending {
  resolve(png: Uint8Array): void;
  reject(e: Error): void;
}

/** A rasteriser thread. */
export class Rasterizer {
  #worker: Worker | null = null;
  #pending = new Map<number, Pending>();
  #next = 0;
  #idle: number | null = null;
  /** Workers started so far (tests check that an idle one ends). */
  started = 0;

  /** Whether a worker is running. */
  get running(): boolean {
    return this.#worker !== null;
  }

  /**
   * Rasterise in the worker.
   *
   * @param svg The SVG text.
   * @param scale Pixels per SVG unit.
   * @returns The PNG bytes.
   */
  render(svg: string, scale: number): Promise<Uint8Array> {
    if (this.#idle !== null) clearTimeout(this.#idle);
    this.#idle = null;
    const worker = this.#worker ?? this.#start();
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, svg, scale });
    });
  }

  /** End the worker now (pending figures fail). */
  stop(): void {
    if (this.#idle !== null) clearTimeout(this.#idle);
    this.#idle = null;
    this.#worker?.terminate();
    this.#worker = null;
    for (const p of this.#pending.values()) p.reject(new Error("the rasteriser was stopped"));
    this.#pending.clear();
  }

  #start(): Worker {
    const worker = new Worker(new URL("./rasterizer_worker.ts", import.meta.url).href, {
      type: "module",
    });
    this.started++;
    worker.onmessage = (event: MessageEvent<{ id: number; png?: Uint8Array; error?: string }>) => {
      const { id, png, error } = event.data;
      const p = this.#pending.get(id);
      this.#pending.delete(id);
      if (error !== undefined || !png) p?.reject(new Error(`Cannot render the figure: ${error}`));
      else p?.resolve(png);
      if (this.#pending.size === 0) this.#scheduleStop();
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      const e = new Error(`The rasteriser thread failed: ${event.message}`);
      for (const p of this.#pending.values()) p.reject(e);
      this.#pending.clear();
      this.stop();
    };
    this.#worker = worker;
    return worker;
  }

  #scheduleStop(): void {
    const id = setTimeout(() => {
      this.#idle = null;
      if (this.#pending.size === 0) this.stop();
    }, IDLE_MS) as unknown as number;
    this.#idle = id;
    // the wait must not keep a finished program alive
    try {
      Deno.unrefTimer(id);
    } catch { /* not Deno */ }
  }
}

let shared: Rasterizer | null = null;

/** The process's rasteriser. */
export function rasterizer(): Rasterizer {
  if (!shared) {
    shared = new Rasterizer();
    // end an idle worker before the runtime tears down: exiting with a worker
    // alive has aborted Deno now and then (a double free in teardown)
    globalThis.addEventListener?.("unload", () => shared?.stop());
  }
  return shared;
}
