// Writes the NIST36 train and valid images (upright, float32, row-major) to raw
// files for the NumPy reference of Q5: deno run -A tools/reference/export_nist.ts DATA OUTDIR

import { loadNist36 } from "@recognize/datasets";

const [root = "../shared/data", out = "/tmp"] = Deno.args;
for (const split of ["train", "valid"] as const) {
  const d = await loadNist36(split, { root });
  const bytes = new Uint8Array(d.images.buffer, d.images.byteOffset, d.images.byteLength);
  await Deno.writeFile(`${out}/nist_${split}.f32`, bytes);
  console.log(`${out}/nist_${split}.f32: ${d.labels.length} images`);
}
