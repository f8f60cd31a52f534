// WGSL twins of cpu/unfold.ts: im2col and col2im (one thread per pixel, no atomics).
// Params: count, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, outH, outW, padValue.

import { elementwiseMain, type Kernel, LINEAR_INDEX, PARAMS, storage } from "./_common.ts";

const GEOMETRY = /* wgsl */ `
  let C = p(1u); let H = p(2u); let W = p(3u); let KH = p(4u); let KW = p(5u);
  let SH = p(6u); let SW = p(7u); let PH = p(8u); let PW = p(9u); let DH = p(10u); let DW = p(11u);
  let OH = p(12u); let OW = p(13u); let L = OH * OW;`;

/** `[N, C, H, W]` → `[N, C·kh·kw, outH·outW]`, one thread per column entry. */
export const unfoldKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["x"]) + elementwiseMain(`${GEOMETRY}
  let l = i % L; let row = i / L;
  let kx = row % KW; let ky = (row / KW) % KH; let plane = row / (KW * KH);
  let y = i32((l / OW) * SH + ky * DH) - i32(PH);
  let xx = i32((l % OW) * SW + kx * DW) - i32(PW);
  var v = pf(14u);
  if (y >= 0 && y < i32(H) && xx >= 0 && xx < i32(W)) {
    v = x[plane * H * W + u32(y) * W + u32(xx)];
  }
  out[i] = v;`),
  workgroupSize: 256,
  bindings: 2,
};

/** The adjoint of unfold: each pixel sums the column entries that read it. */
export const foldKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["cols"]) + elementwiseMain(`${GEOMETRY}
  let xx = i % W; let y = (i / W) % H; let plane = i / (W * H);
  var acc = 0.0;
  for (var ky = 0u; ky < KH; ky++) {
    let ty = i32(y + PH) - i32(ky * DH);
    if (ty < 0 || ty % i32(SH) != 0) { continue; }
    let oy = u32(ty) / SH;
    if (oy >= OH) { continue; }
    for (var kx = 0u; kx < KW; kx++) {
      let tx = i32(xx + PW) - i32(kx * DW);
      if (tx < 0 || tx % i32(SW) != 0) { continue; }
      let ox = u32(tx) / SW;
      if (ox >= OW) { continue; }
      acc += cols[((plane * KH + ky) * KW + kx) * L + oy * OW + ox];
    }
  }
  out[i] = acc;`),
  workgroupSize: 256,
  bindings: 2,
};
