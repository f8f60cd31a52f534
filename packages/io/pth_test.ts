import assert from "node:assert/strict";
import { dataTest } from "@recognize/tensor/testing";
import { loadPthStateDict, readPth } from "./pth.ts";
import { loadSafetensors } from "./safetensors.ts";
import { makeZip } from "./testdata/make_zip.ts";
import { FormatError } from "./errors.ts";

const MODELS = "models/squeezenet1_1-imagenet-backbone_flowers17-head";

dataTest(
  "the SqueezeNet .pth checkpoint matches its safetensors copy exactly",
  [`${MODELS}/flower17_snet_model_checkpoint.pth`],
  async (root) => {
    const pth = await loadPthStateDict(`${root}/${MODELS}/flower17_snet_model_checkpoint.pth`);
    const st =
      (await loadSafetensors(`${root}/${MODELS}/squeezenet1_1_flowers17.safetensors`)).tensors;
    assert.equal(pth.size, 52);
    for (const [name, t] of pth) {
      const other = st.get(name.replace(/^backbone\./, "features."));
      assert.ok(other, `no ${name} in the safetensors copy`);
      assert.deepEqual(t.shape, other.shape, name);
      assert.deepEqual(t.data, other.data, name);
    }
    assert.deepEqual(pth.get("classifier.1.weight")!.shape, [17, 512, 1, 1]);
  },
);

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

Deno.test("a .pth whose pickle names an unknown global is rejected by name", () => {
  const zip = makeZip({ "ckpt/data.pkl": enc("\x80\x02csubprocess\ncall\nq\x00.") });
  assert.throws(
    () => readPth(zip),
    (e: Error) => e instanceof FormatError && e.message.includes('"subprocess.call"'),
  );
});

Deno.test("a .pth whose storage is missing or too small is rejected", () => {
  // _rebuild_tensor_v2(storage('0', FloatStorage, numel 4), 0, (2, 2), (2, 1), False, OrderedDict())
  const pkl = enc(
    "\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\n" +
      "X\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQK\x00K\x02K\x02\x86K\x02K\x01\x86\x89ccollections\nOrderedDict\n)RtR.",
  );
  assert.throws(() => readPth(makeZip({ "c/data.pkl": pkl })), /storage 0 is missing/);
  assert.throws(
    () => readPth(makeZip({ "c/data.pkl": pkl, "c/data/0": new Uint8Array(8) })),
    /holds 8 bytes, not 4 × F32/,
  );
  const ok = readPth(
    makeZip({
      "c/data.pkl": pkl,
      "c/data/0": new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer),
    }),
  );
  assert.deepEqual((ok as { shape: number[] }).shape, [2, 2]);
});
