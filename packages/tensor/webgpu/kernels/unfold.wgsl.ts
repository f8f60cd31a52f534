// WGSL twins of cpu/unfold.ts: im2col and col2im (one thread per pixel, no atomics).
// Params: count, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, outH, outW, padValue, n, batchInner.

import { elementwiseMain, type Kernel, LINEAR_INDEX, PARAMS, storage } from "./_common.ts";

const GEOMETRY = /* wgsl */ `
  let C = p(1u); let H = p(2u); let W = p(3u); let KH = p(4u); let KW = p(5u);
  let SH = p(6u); let SW = p(7u); let PH = p(8u); let PW = p(9u); let DH = p(10u); let DW = p(11u);
  let OH = p(12u); let OW = p(13u); let L = OH * OW; let NB = p(15u); let BI = p(16u) == 1u;`;

/**
 * For the pixel `(y, xx)`, run `body` once for every kernel tap `(ky, kx)` whose
 * window `(oy, ox)` reads it: the loop both adjoints (fold, max-pool backward) share.
 */
function eachWindowReadingPixel(body: string): string {
  return `
  for (var ky = 0u; ky < KH; ky++) {
    let ty = i32(y + PH) - i32(ky * DH);
    if (ty < 0 || ty % i32(SH) != 0) { continue; }
    let oy = u32(ty) / SH;
    if (oy >= OH) { continue; }
    for (var kx = 0u; kx < KW; kx++) {
      let tx = i32(xx + PW) - i32(kx * DW);
      if (tx < 0 || tx % i32(SW) != 0) { continue; }
      let ox = u32(tx) / SW;
      if (ox >= OW) { continue; }${body}
    }
  }`;
}

/** `[N, C, H, W]` → `[N, C·kh·kw, outH·outW]`, one thread per column entry. */
export const unfoldKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["x"]) + elementwiseMain(`${GEOMETRY}
  let l = i % L;
  // the column's batch item b and row r (channel, ky, kx) in either layout
  var b = 0u; var r = 0u;
  if (BI) { b = (i / L) % NB; r = i / (L * NB); } else { r = (i / L) % (C * KH * KW); b = i / (L * C * KH * KW); }
  let kx = r % KW; let ky = (r / KW) % KH; let plane = b * C + r / (KW * KH);
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
${
    eachWindowReadingPixel(`
      let r = ((plane % C) * KH + ky) * KW + kx; let b = plane / C;
      var at = (b * C * KH * KW + r) * L;
      if (BI) { at = (r * NB + b) * L; }
      acc += cols[at + oy * OW + ox];`)
  }
  out[i] = acc;`),
  workgroupSize: 256,
  bindings: 2,
};

/** Max over each window, one thread per output; writes the maxima (binding 2) and their positions (binding 3). */
export const maxPoolKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["x"], ["out", "argmax"]) + elementwiseMain(`${GEOMETRY}
  let o = i % L; let plane = i / L;
  let oy = o / OW; let ox = o % OW;
  var best = -3.4028234663852886e38; var at = -1;
  for (var ky = 0u; ky < KH; ky++) {
    let y = i32(oy * SH + ky * DH) - i32(PH);
    if (y < 0 || y >= i32(H)) { continue; }
    for (var kx = 0u; kx < KW; kx++) {
      let xx = i32(ox * SW + kx * DW) - i32(PW);
      if (xx < 0 || xx >= i32(W)) { continue; }
      let v = x[plane * H * W + u32(y) * W + u32(xx)];
      if (v > best || at < 0) { best = v; at = y * i32(W) + xx; }
    }
  }
  out[i] = best;
  argmax[i] = f32(at);`),
  workgroupSize: 256,
  bindings: 3,
};

/** The max-pool gradient, one thread per input pixel: the windows it won add their gradient. */
export const maxPoolBackwardKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["g", "argmax"]) + elementwiseMain(`${GEOMETRY}
  let xx = i % W; let y = (i / W) % H; let plane = i / (W * H);
  let here = f32(y * W + xx);
  var acc = 0.0;
${
    eachWindowReadingPixel(`
      let o = plane * L + oy * OW + ox;
      if (argmax[o] == here) { acc += g[o]; }`)
  }
  out[i] = acc;`),
  workgroupSize: 256,
  bindings: 3,
};
