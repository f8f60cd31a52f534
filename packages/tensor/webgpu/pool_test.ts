// The buffer pool's rules, on a stand-in device (no GPU needed): uploads
// never get a buffer released since the last submit, and the kernels'
// buffers come back in the order they were made, not the order they were
// freed, so a repeated step gets the same buffers.

import assert from "node:assert/strict";
import { BufferPool, type GpuBuffer } from "./pool.ts";

function fakePool(): { pool: BufferPool; made: () => number } {
  let made = 0;
  const device = {
    createBuffer: () => {
      made++;
      return { destroy() {} };
    },
  } as unknown as GPUDevice;
  return { pool: new BufferPool(device), made: () => made };
}

Deno.test("the pool hands out the first-made free buffer, whatever order they were freed in", () => {
  const { pool, made } = fakePool();
  const step = (freeOrder: number[]) => {
    const bufs = [pool.acquire(1000), pool.acquire(1000), pool.acquire(1000)];
    for (const i of freeOrder) pool.release(bufs[i]);
    return bufs.map((b) => b.id);
  };
  const first = step([2, 0, 1]);
  // freed in other orders, the next steps get the same buffers in the same places
  assert.deepEqual(step([0, 1, 2]), first);
  assert.deepEqual(step([1, 2, 0]), first);
  assert.equal(made(), 3, "buffers were made again");
  // sizes are pooled apart (rounded to 256 bytes)
  const small = pool.acquire(200);
  assert.ok(!first.includes(small.id));
  assert.equal(pool.acquire(1000).id, first[0]);
});

Deno.test("an upload never gets a buffer released since the last submit; a kernel may", () => {
  const { pool } = fakePool();
  const up = pool.acquire(512, true);
  pool.release(up);
  const again = pool.acquire(512, true);
  assert.notEqual(again.id, up.id, "an upload could overwrite data unsubmitted commands read");
  pool.release(again);
  // kernels keep to their own buffers
  const kernel = pool.acquire(512);
  assert.ok(kernel.id !== up.id && kernel.id !== again.id && !kernel.upload);
  pool.release(kernel);
  assert.equal(pool.acquire(512).id, kernel.id, "a kernel's buffer is reused at once");
  pool.submitted();
  // after the submit both released upload buffers may be written again, the first made first
  assert.deepEqual([pool.acquire(512, true).id, pool.acquire(512, true).id], [up.id, again.id]);
});

Deno.test("trim destroys the free buffers of both kinds and keeps those in use", () => {
  let destroyed = 0;
  const device = {
    createBuffer: () => ({ destroy: () => destroyed++ }),
  } as unknown as GPUDevice;
  const pool = new BufferPool(device);
  const kept: GpuBuffer[] = [pool.acquire(256), pool.acquire(256, true)];
  pool.release(pool.acquire(256));
  const up = pool.acquire(256, true);
  pool.release(up);
  pool.submitted();
  pool.trim();
  assert.equal(destroyed, 2);
  assert.equal(pool.stats().bytesAllocated, 2 * 256);
  assert.equal(pool.stats().buffersInUse, kept.length);
});
