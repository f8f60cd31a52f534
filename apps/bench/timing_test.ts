import assert from "node:assert/strict";
import { type KernelPath, median, timeWithPeer } from "./timing.ts";

const PATHS: KernelPath[] = [
  { label: "blas", kernels: "fast" },
  { label: "wasm", kernels: "wasm" },
];

/** A clock whose values come from a list, one per call. */
const from = (values: number[]) => () => Promise.resolve(values.shift()!);

Deno.test("a peer and our paths are paired round by round, the median of the rounds' ratios kept", async () => {
  // the machine's speed moves from round to round and both sides with it: the BLAS path's
  // ratio is 2 in every round only if each of ours is paired with the peer's run beside it;
  // the WebAssembly path's median ratio (1) is not the ratio of the medians (8 / 16)
  const peer = from([2, 4, 16, 8, 64]);
  const ours: Record<string, number[]> = { blas: [1, 2, 8, 4, 32], wasm: [1, 1, 16, 16, 64] };
  const out = await timeWithPeer(
    PATHS,
    (path) => Promise.resolve(ours[path.label].shift()!),
    { name: "NumPy", python: "python3", time: async () => ({ seconds: await peer() }) },
    5,
  );
  assert.deepEqual(out[0].peer?.ratios, [2, 2, 2, 2, 2]);
  assert.equal(out[0].peer?.ratio, 2);
  assert.equal(out[0].peer?.ratios.length, 5);
  assert.deepEqual(out[1].peer?.ratios, [2, 4, 1, 0.5, 1]);
  assert.equal(out[1].peer?.ratio, 1);
  assert.equal(out[1].seconds, median([1, 1, 16, 16, 64]));
  assert.equal(out[0].peer?.seconds, 8);
});

Deno.test("without the peer: one round of ours, no peer figure, said once", async () => {
  let asked = 0, ran = 0;
  const errors: string[] = [];
  const original = console.error;
  console.error = (m: string) => errors.push(m);
  try {
    const out = await timeWithPeer(
      PATHS,
      () => Promise.resolve(++ran),
      { name: "NumPy", python: "nopython", time: () => (asked++, Promise.resolve(null)) },
      7,
    );
    assert.equal(asked, 1);
    assert.equal(ran, 2, "one round, both paths");
    assert.ok(out.every((r) => r.peer === undefined));
    assert.equal(errors.length, 1);
    assert.match(errors[0], /nopython with NumPy is not available/);
  } finally {
    console.error = original;
  }
});
