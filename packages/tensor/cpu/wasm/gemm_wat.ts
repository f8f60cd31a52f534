/**
 * The WebAssembly SIMD GEMM kernel, written out as WebAssembly text.
 *
 * `deno task build:wasm` puts it with the elementwise kernels into
 * `kernels.wat` (readable, committed) and `kernels.wasm` (assembled with
 * wabt from npm, committed); a test checks that the committed binary is
 * what the sources build to.
 *
 * Layout (after BLIS): an MR×NR micro-kernel keeps its block of C in twelve
 * 4-lane registers while it walks K, in blocks of KC so that what it reads
 * stays in the L1 cache. It reads A and B where they lie, through strides
 * (rows of A, rows of B), and packs only what it cannot read well in place:
 * a transposed B, whose NR columns are not side by side, or a wide one,
 * into panels `[k][NR]`, and a transposed A into panels `[k][MR]`.
 * Products of small matrices, the common case in training, spend as much
 * time moving operands as multiplying them: every pass saved counts.
 *
 * @module
 */

/** Rows of A per panel (and of C per micro-tile). */
export const MR = 6;
/** Columns of B per panel (and of C per micro-tile). */
export const NR = 8;
/**
 * The most K elements per cache block; K is cut into equal blocks no longer
 * than this (288 is one block, not 256 + 32: every block is a pass over C).
 */
export const KC = 512;

const lines: string[] = [];
const emit = (s: string) => lines.push(s);

function microKernel(): void {
  // (k, a0, aRow, aStep, b, bStep, c, ldc, accumulate):
  //   C[MR×NR] (+)= A · B with A(r, p) at a0 + r·aRow + p·aStep and B(p, 0…NR) at b + p·bStep
  const acc = Array.from({ length: MR * 2 }, (_, i) => `$c${i}`);
  const rows = Array.from({ length: MR }, (_, r) => `$a${r}`);
  emit(
    `  (func $micro (param $k i32) (param $a0 i32) (param $aRow i32) (param $aStep i32) (param $b i32) (param $bStep i32) (param $c i32) (param $ldc i32) (param $acc i32)`,
  );
  emit(
    `    (local $p i32) (local $b0 v128) (local $b1 v128) (local $x v128) ${
      rows.slice(1).map((a) => `(local ${a} i32)`).join(" ")
    } ${acc.map((c) => `(local ${c} v128)`).join(" ")}`,
  );
  for (let r = 1; r < MR; r++) {
    emit(`    (local.set $a${r} (i32.add (local.get $a${r - 1}) (local.get $aRow)))`);
  }
  emit(`    (block $done (loop $next`);
  emit(`      (br_if $done (i32.ge_u (local.get $p) (local.get $k)))`);
  emit(`      (local.set $b0 (v128.load offset=0 (local.get $b)))`);
  emit(`      (local.set $b1 (v128.load offset=16 (local.get $b)))`);
  for (let r = 0; r < MR; r++) {
    emit(`      (local.set $x (v128.load32_splat (local.get $a${r})))`);
    emit(
      `      (local.set $c${
        2 * r
      } (f32x4.relaxed_madd (local.get $x) (local.get $b0) (local.get $c${2 * r})))`,
    );
    emit(
      `      (local.set $c${
        2 * r + 1
      } (f32x4.relaxed_madd (local.get $x) (local.get $b1) (local.get $c${2 * r + 1})))`,
    );
    emit(`      (local.set $a${r} (i32.add (local.get $a${r}) (local.get $aStep)))`);
  }
  emit(`      (local.set $b (i32.add (local.get $b) (local.get $bStep)))`);
  emit(`      (local.set $p (i32.add (local.get $p) (i32.const 1)))`);
  emit(`      (br $next)))`);
  for (let r = 0; r < MR; r++) {
    for (let h = 0; h < 2; h++) {
      const addr =
        `(i32.add (local.get $c) (i32.add (i32.mul (i32.const ${r}) (local.get $ldc)) (i32.const ${
          16 * h
        })))`;
      const value = `(select (f32x4.add (local.get $c${
        2 * r + h
      }) (v128.load ${addr})) (local.get $c${2 * r + h}) (local.get $acc))`;
      emit(`    (v128.store ${addr} ${value})`);
    }
  }
  emit(`  )`);
}

/**
 * A packing function `name(src, …, dst)`: for each of ⌈count / width⌉
 * panels (`$panel` counts them) `panel` sets the source pointers, then for
 * each step `$p` of k `step` copies `width` floats to `$dst`, which advances
 * by them. `$ldb` is the source's row stride in bytes, `rowLength` floats.
 */
function packPanels(o: {
  name: string;
  params: string;
  count: string;
  width: number;
  rowLength: string;
  locals: string[];
  panel: string[];
  step: string[];
}): void {
  emit(`  (func (export "${o.name}") ${o.params}`);
  emit(
    `    (local $panel i32) (local $p i32) (local $panels i32) (local $ldb i32) ${
      o.locals.map((l) => `(local ${l} i32)`).join(" ")
    }`,
  );
  emit(
    `    (local.set $panels (i32.div_u (i32.add (local.get ${o.count}) (i32.const ${
      o.width - 1
    })) (i32.const ${o.width})))`,
  );
  emit(`    (local.set $ldb (i32.shl (local.get ${o.rowLength}) (i32.const 2)))`);
  emit(`    (block $d0 (loop $l0 (br_if $d0 (i32.ge_u (local.get $panel) (local.get $panels)))`);
  for (const line of o.panel) emit(`      ${line}`);
  emit(`      (local.set $p (i32.const 0))`);
  emit(`      (block $d1 (loop $l1 (br_if $d1 (i32.ge_u (local.get $p) (local.get $k)))`);
  for (const line of o.step) emit(`        ${line}`);
  emit(`        (local.set $dst (i32.add (local.get $dst) (i32.const ${4 * o.width})))`);
  emit(`        (local.set $p (i32.add (local.get $p) (i32.const 1))) (br $l1)))`);
  emit(`      (local.set $panel (i32.add (local.get $panel) (i32.const 1))) (br $l0)))`);
  emit(`  )`);
}

function packAt(): void {
  // Aᵀ stored [k, m] → panels [ceil(m/MR)][k][MR]. Reading a transposed A in
  // place would step m floats per k, and with m a multiple of 1024 every step
  // falls in the same cache set; the panels are contiguous. The last panel's
  // padding rows copy whatever follows A: they only reach C's padding.
  packPanels({
    name: "pack_at",
    params: "(param $src i32) (param $m i32) (param $k i32) (param $dst i32)",
    count: "$m",
    width: MR,
    rowLength: "$m",
    locals: ["$from"],
    panel: [
      `(local.set $from (i32.add (local.get $src) (i32.mul (local.get $panel) (i32.const ${
        4 * MR
      }))))`,
    ],
    step: [
      `(v128.store (local.get $dst) (v128.load (local.get $from)))`,
      `(i64.store offset=16 (local.get $dst) (i64.load offset=16 (local.get $from)))`,
      `(local.set $from (i32.add (local.get $from) (local.get $ldb)))`,
    ],
  });
}

function packBt(): void {
  // Bᵀ stored [n, k] → panels [ceil(n/NR)][k][NR]: NR rows of the source,
  // read side by side, one element from each per step of k. A partial last
  // panel reads rows past the source's end (whatever follows it): those
  // columns only reach C's padding.
  const rows = Array.from({ length: NR }, (_, c) => `$r${c}`);
  packPanels({
    name: "pack_bt",
    params: "(param $src i32) (param $k i32) (param $n i32) (param $dst i32)",
    count: "$n",
    width: NR,
    rowLength: "$k",
    locals: rows,
    panel: [
      `(local.set $r0 (i32.add (local.get $src) (i32.mul (i32.mul (local.get $panel) (i32.const ${NR})) (local.get $ldb))))`,
      ...rows.slice(1).map((r, c) =>
        `(local.set ${r} (i32.add (local.get ${rows[c]}) (local.get $ldb)))`
      ),
    ],
    step: rows.flatMap((r, c) => [
      `(f32.store offset=${4 * c} (local.get $dst) (f32.load (local.get ${r})))`,
      `(local.set ${r} (i32.add (local.get ${r}) (i32.const 4)))`,
    ]),
  });
}

function packBn(): void {
  // B stored [k, n] → panels [ceil(n/NR)][k][NR]. Read in place, a wide B
  // (rows of 4 KiB and more) costs the micro-kernel a page per step of k; the
  // panels are contiguous. A partial last panel reads past the row's end.
  packPanels({
    name: "pack_bn",
    params: "(param $src i32) (param $k i32) (param $n i32) (param $dst i32)",
    count: "$n",
    width: NR,
    rowLength: "$n",
    locals: ["$from"],
    panel: [
      `(local.set $from (i32.add (local.get $src) (i32.mul (local.get $panel) (i32.const ${
        4 * NR
      }))))`,
    ],
    step: [
      ...Array.from(
        { length: NR / 4 },
        (_, h) =>
          `(v128.store offset=${16 * h} (local.get $dst) (v128.load offset=${
            16 * h
          } (local.get $from)))`,
      ),
      `(local.set $from (i32.add (local.get $from) (local.get $ldb)))`,
    ],
  });
}

function gemm(): void {
  // C[mPanels·MR, ·] (row stride ldc floats) = A · B for B panels jp0 … jp1−1, where
  // A(i, p) = a + (i / MR)·aPanel + (i % MR)·aRow + p·aStep and
  // B(p, j) = b + (j / NR)·bPanel + (j % NR)·4 + p·bStep (all in bytes)
  emit(
    `  (func (export "gemm") (param $mPanels i32) (param $jp0 i32) (param $jp1 i32) (param $k i32) (param $a i32) (param $aPanel i32) (param $aRow i32) (param $aStep i32) (param $b i32) (param $bPanel i32) (param $bStep i32) (param $c i32) (param $ldc i32)`,
  );
  emit(
    `    (local $k0 i32) (local $kl i32) (local $jp i32) (local $ip i32) (local $ldcb i32) (local $kc i32)`,
  );
  emit(`    (local.set $ldcb (i32.shl (local.get $ldc) (i32.const 2)))`);
  // kc = ⌈k / ⌈k / KC⌉⌉ (at least 1, so that k = 0 ends at once)
  emit(
    `    (local.set $kc (i32.div_u (i32.add (local.get $k) (i32.const ${
      KC - 1
    })) (i32.const ${KC})))`,
  );
  emit(
    `    (local.set $kc (select (i32.div_u (i32.sub (i32.add (local.get $k) (local.get $kc)) (i32.const 1)) (local.get $kc)) (i32.const 1) (local.get $kc)))`,
  );
  emit(`    (block $d0 (loop $l0 (br_if $d0 (i32.ge_u (local.get $k0) (local.get $k)))`);
  emit(
    `      (local.set $kl (select (i32.sub (local.get $k) (local.get $k0)) (local.get $kc) (i32.lt_u (i32.sub (local.get $k) (local.get $k0)) (local.get $kc))))`,
  );
  emit(`      (local.set $jp (local.get $jp0))`);
  emit(`      (block $d1 (loop $l1 (br_if $d1 (i32.ge_u (local.get $jp) (local.get $jp1)))`);
  emit(`        (local.set $ip (i32.const 0))`);
  emit(`        (block $d2 (loop $l2 (br_if $d2 (i32.ge_u (local.get $ip) (local.get $mPanels)))`);
  emit(`          (call $micro (local.get $kl)`);
  emit(
    `            (i32.add (local.get $a) (i32.add (i32.mul (local.get $ip) (local.get $aPanel)) (i32.mul (local.get $k0) (local.get $aStep))))`,
  );
  emit(`            (local.get $aRow) (local.get $aStep)`);
  emit(
    `            (i32.add (local.get $b) (i32.add (i32.mul (local.get $jp) (local.get $bPanel)) (i32.mul (local.get $k0) (local.get $bStep))))`,
  );
  emit(`            (local.get $bStep)`);
  emit(
    `            (i32.add (local.get $c) (i32.add (i32.mul (i32.mul (local.get $ip) (i32.const ${MR})) (local.get $ldcb)) (i32.shl (i32.mul (local.get $jp) (i32.const ${NR})) (i32.const 2))))`,
  );
  emit(`            (local.get $ldcb) (i32.ne (local.get $k0) (i32.const 0)))`);
  emit(`          (local.set $ip (i32.add (local.get $ip) (i32.const 1))) (br $l2)))`);
  emit(`        (local.set $jp (i32.add (local.get $jp) (i32.const 1))) (br $l1)))`);
  emit(`      (local.set $k0 (i32.add (local.get $k0) (local.get $kc))) (br $l0)))`);
  emit(`  )`);
}

/** The GEMM functions' WebAssembly text (module body). */
export function gemmFunctions(): string[] {
  lines.length = 0;
  microKernel();
  packAt();
  packBt();
  packBn();
  gemm();
  return [...lines];
}
