/**
 * A pool of GPU storage buffers, bucketed by size (rounded to 256 bytes), so
 * a training loop that allocates the same shapes every step reuses the same
 * buffers instead of growing.
 *
 * Kernels' outputs and uploads keep to buffers of their own. A buffer
 * released while commands that may read it are still being encoded is safe
 * to hand to a later kernel in the same command stream. An upload
 * (`queue.writeBuffer`) runs before the unsubmitted commands, so an upload
 * buffer released waits in `pending` until the next submit before it is
 * written again.
 *
 * Of the free buffers of a size, the one made first is handed out first,
 * whatever order they came back in: so a training step that allocates and
 * frees as the step before did gets the same buffers as that step (a stack
 * would hand them out in the order the last step's graph happened to free
 * them), and the backend's kept bind groups fit every step.
 *
 * @module
 */

/** A pooled GPU buffer: the same record each time the pool hands the buffer out. */
export interface GpuBuffer {
  /** The WebGPU buffer. */
  readonly buffer: GPUBuffer;
  /** Its size in bytes (a multiple of 256). */
  readonly bytes: number;
  /** A number unique among the pool's buffers (the backend keys bind groups by it). */
  readonly id: number;
  /** Whether it belongs to the uploads (written by `queue.writeBuffer`). */
  readonly upload: boolean;
}

/** Byte counts a pool reports. */
export interface PoolStats {
  /** Bytes of buffers handed out and not released. */
  bytesInUse: number;
  /** Bytes of every buffer the pool has created and not destroyed. */
  bytesAllocated: number;
  /** Number of buffers handed out. */
  buffersInUse: number;
}

const USAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** Round a byte count up to the pool's granularity. */
export function roundBytes(bytes: number): number {
  return Math.max(256, Math.ceil(bytes / 256) * 256);
}

/** Put `buf` into `list`, kept by falling id, so `pop()` gives the first made. */
function insertById(list: GpuBuffer[], buf: GpuBuffer): void {
  let i = list.length;
  while (i > 0 && list[i - 1].id < buf.id) i--;
  list.splice(i, 0, buf);
}

/** The buffer pool of one device. */
export class BufferPool {
  #device: GPUDevice;
  /** The kernels' buffers not in use, by size, each list by falling id (the first made last). */
  #free = new Map<number, GpuBuffer[]>();
  /** Upload buffers that may be written again. */
  #uploadFree = new Map<number, GpuBuffer[]>();
  /** Upload buffers released since the last submit. */
  #pending = new Map<number, GpuBuffer[]>();
  #nextId = 0;
  #inUse = 0;
  #allocated = 0;
  #count = 0;

  constructor(device: GPUDevice) {
    this.#device = device;
  }

  /**
   * A buffer of at least `bytes`.
   *
   * @param bytes Size needed.
   * @param forUpload The buffer will be written with `queue.writeBuffer`.
   */
  acquire(bytes: number, forUpload = false): GpuBuffer {
    const size = roundBytes(bytes);
    let buffer = (forUpload ? this.#uploadFree : this.#free).get(size)?.pop();
    if (!buffer) {
      buffer = {
        buffer: this.#device.createBuffer({ size, usage: USAGE }),
        bytes: size,
        id: this.#nextId++,
        upload: forUpload,
      };
      this.#allocated += size;
    }
    this.#inUse += size;
    this.#count++;
    return buffer;
  }

  /** Give a buffer back: a kernel's to the next kernel, an upload's after the next submit. */
  release(buf: GpuBuffer): void {
    this.#inUse -= buf.bytes;
    this.#count--;
    const map = buf.upload ? this.#pending : this.#free;
    let list = map.get(buf.bytes);
    if (!list) map.set(buf.bytes, list = []);
    insertById(list, buf);
  }

  /** Called after a submit: released upload buffers may be written again. */
  submitted(): void {
    for (const [size, list] of this.#pending) {
      let free = this.#uploadFree.get(size);
      if (!free) this.#uploadFree.set(size, free = []);
      for (const buf of list) insertById(free, buf);
    }
    this.#pending.clear();
  }

  /** Destroy every free buffer (after a submit: none is pending). */
  trim(): void {
    for (const map of [this.#free, this.#uploadFree]) {
      for (const list of map.values()) {
        for (const b of list) {
          this.#allocated -= b.bytes;
          b.buffer.destroy();
        }
      }
      map.clear();
    }
  }

  /** Current byte counts. */
  stats(): PoolStats {
    return { bytesInUse: this.#inUse, bytesAllocated: this.#allocated, buffersInUse: this.#count };
  }
}
