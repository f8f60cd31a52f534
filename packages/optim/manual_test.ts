import assert from "node:assert/strict";
import { Params } from "@recognize/nn";
import { tensor } from "@recognize/tensor";
import { assertClose } from "@recognize/tensor/testing";
import { momentumUpdate, sgdUpdate } from "./manual.ts";

Deno.test("SGD: W ← W − α·∂J/∂W, only for parameters with gradients", async () => {
  const p = new Params();
  p.set("Wa", tensor([1, 2]));
  p.set("ba", tensor([5]));
  p.set("grad_Wa", tensor([10, -10]));
  sgdUpdate(p, 0.1);
  await assertClose(p.get("Wa"), [0, 3]);
  await assertClose(p.get("ba"), [5]);
});

Deno.test("momentum: M ← 0.9·M − α·g, W ← W + M, from zero accumulators", async () => {
  const p = new Params();
  p.set("Wa", tensor([1, 1]));
  p.set("grad_Wa", tensor([1, -2]));
  // step 1: M = −0.1·[1, −2] = [−0.1, 0.2]; W = [0.9, 1.2]
  momentumUpdate(p, 0.1);
  await assertClose(p.get("m_Wa"), [-0.1, 0.2]);
  await assertClose(p.get("Wa"), [0.9, 1.2]);
  // step 2 with the same gradient: M = 0.9·[−0.1, 0.2] − [0.1, −0.2] = [−0.19, 0.38]; W = [0.71, 1.58]
  momentumUpdate(p, 0.1);
  await assertClose(p.get("m_Wa"), [-0.19, 0.38]);
  await assertClose(p.get("Wa"), [0.71, 1.58]);
  assert.ok(!p.parameterKeys().includes("m_Wa"));
});
