/**
 * A pool of GPU storage buffers, bucketed by size (rounded to 256 bytes), so
 * a training loop that allocates the same shapes every step reuses the same
 * buffers instead of growing.
 *
 * Buffers released while commands that may read them are still being
 * encoded are safe to hand to later kernels in the same command stream, but
 * not to `queue.writeBuffer` uploads, which run before unsubmitted commands.
 * Such buffers wait in `pending` until the next submit.
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

/** The buffer pool of one device. */
export class BufferPool {
  #device: GPUDevice;
  #free = new Map<number, GpuBuffer[]>();
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
    let buffer = this.#free.get(size)?.pop();
    if (!buffer && !forUpload) buffer = this.#pending.get(size)?.pop();
    if (!buffer) {
      buffer = {
        buffer: this.#device.createBuffer({ size, usage: USAGE }),
        bytes: size,
        id: this.#nextId++,
      };
      this.#allocated += size;
    }
    this.#inUse += size;
    this.#count++;
    return buffer;
  }

  /** Give a buffer back; it is reused only by later kernels until the next submit. */
  release(buf: GpuBuffer): void {
    this.#inUse -= buf.bytes;
    this.#count--;
    let list = this.#pending.get(buf.bytes);
    if (!list) this.#pending.set(buf.bytes, list = []);
    list.push(buf);
  }

  /** Called after a submit: pending buffers become free for uploads too. */
  submitted(): void {
    for (const [size, list] of this.#pending) {
      let free = this.#free.get(size);
      if (!free) this.#free.set(size, free = []);
      free.push(...list);
    }
    this.#pending.clear();
  }

  /** Destroy every free buffer. */
  trim(): void {
    for (const map of [this.#free]) {
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
