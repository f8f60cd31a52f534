import assert from "node:assert/strict";
import { cpuBackend } from "@recognize/tensor";
import { runQ2Checks } from "./checks.ts";

Deno.test("every Q2 check passes in float64 on the CPU, for several seeds", async () => {
  for (const seed of [0, 1, 2]) {
    const checks = await runQ2Checks({
      device: cpuBackend(),
      dtype: "float64",
      seed,
      iterations: 500,
      learningRate: 1e-3,
    });
    const failed = checks.filter((c) => !c.ok);
    assert.equal(failed.length, 0, failed.map((c) => `${c.name}: ${c.detail}`).join("\n"));
    assert.equal(checks.length, 9);
  }
});
