// Mutation fuzzing: thousands of random byte flips and truncations of valid
// files. Every failure must be a FormatError (never another crash, a hang,
// or an allocation sized by an unchecked header field).

import assert from "node:assert/strict";
import { Generator } from "@recognize/tensor";
import { testDataRoot } from "@recognize/tensor/testing";
import { decodeSafetensors, encodeSafetensors } from "./safetensors.ts";
import { readPth } from "./pth.ts";
import { readZip } from "./zip.ts";
import { FormatError } from "./errors.ts";
import { makeZip } from "./testdata/make_zip.ts";

/** Mutate `valid` `rounds` times and feed each mutant to `read`. */
export function fuzz(
  valid: Uint8Array,
  rounds: number,
  seed: number,
  read: (b: Uint8Array) => unknown,
) {
  const g = new Generator(seed);
  let rejected = 0;
  for (let r = 0; r < rounds; r++) {
    let bytes = valid.slice();
    const kind = g.int(3);
    if (kind === 0) bytes = bytes.subarray(0, g.int(bytes.length));
    else {
      const flips = 1 + g.int(kind === 1 ? 4 : 64);
      // flips near the start hit headers, which is where most parsing happens
      const span = g.uniform() < 0.5 ? Math.min(bytes.length, 256) : bytes.length;
      for (let i = 0; i < flips; i++) bytes[g.int(span)] = g.int(256);
    }
    try {
      read(bytes);
    } catch (e) {
      if (!(e instanceof FormatError)) {
        throw new Error(
          `round ${r} (mutation ${kind}) threw ${(e as Error).name}: ${(e as Error).message}`,
        );
      }
      rejected++;
    }
  }
  return rejected;
}

Deno.test("fuzz: safetensors", () => {
  const valid = encodeSafetensors({
    a: { shape: [3, 4], data: new Float32Array(12).fill(1.5) },
    b: { shape: [2], data: new BigInt64Array([1n, 2n]) },
  }, { k: "v" });
  assert.ok(fuzz(valid, 3000, 1, decodeSafetensors) > 1000);
});

Deno.test("fuzz: zip", () => {
  const valid = makeZip({
    "a.txt": new TextEncoder().encode("some text ".repeat(20)),
    "b": new Uint8Array(40),
  });
  assert.ok(fuzz(valid, 3000, 2, (b) => readZip(b).forEach((e) => e.read())) > 1000);
});

const pth = testDataRoot() &&
  `${testDataRoot()}/models/squeezenet1_1-imagenet-backbone_flowers17-head/flower17_snet_model_checkpoint.pth`;
Deno.test({
  name: "fuzz: a real PyTorch checkpoint",
  ignore: !pth,
  fn: async () => {
    const valid = await Deno.readFile(pth!);
    // mutate the zip directory and the pickle, where the parsing is, not the raw weights
    const g = new Generator(3);
    let rejected = 0;
    const entries = readZip(valid);
    const pkl = entries.find((e) => e.name.endsWith("data.pkl"))!;
    const pklBytes = pkl.read();
    const others = Object.fromEntries(
      entries.filter((e) => e !== pkl).map((e) => [e.name, e.read()]),
    );
    for (let r = 0; r < 150; r++) {
      const mutated = pklBytes.slice();
      if (g.uniform() < 0.3) {
        const cut = g.int(mutated.length);
        rejected += tryRead(makeZip({ ...others, [pkl.name]: mutated.subarray(0, cut) }, false));
      } else {
        for (let i = 0; i < 1 + g.int(3); i++) mutated[g.int(mutated.length)] = g.int(256);
        rejected += tryRead(makeZip({ ...others, [pkl.name]: mutated }, false));
      }
    }
    rejected += fuzz(valid.subarray(valid.length - 5000), 200, 4, readPth);
    assert.ok(rejected > 50);
  },
});

function tryRead(bytes: Uint8Array): number {
  try {
    readPth(bytes);
    return 0;
  } catch (e) {
    if (!(e instanceof FormatError)) {
      throw new Error(`${(e as Error).name}: ${(e as Error).message}`);
    }
    return 1;
  }
}
