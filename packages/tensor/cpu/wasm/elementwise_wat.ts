/**
 * WebAssembly SIMD twins of the hottest CPU elementwise kernels (ReLU and
 * its backward, same-shape add/sub/mul/div, a row or a value per row
 * broadcast over rows, `a + α·b`, e^x, σ and its
 * backward, the softmax's passes, row maxima and their positions, 2×2
 * max-pooling and its backward, a convolution's im2col and col2im, a
 * strided copy's rows, column sums, and batch norm's elementwise passes),
 * written out as WebAssembly text. They run on arrays in the
 * kernels' heap; each gives bit for bit what the TypeScript loop in
 * cpu/elementwise.ts, cpu/reduce.ts, cpu/softmax.ts or cpu/unfold.ts gives
 * (a test checks, NaN and signed zeros included; for e^x and σ, a float64
 * evaluation rounded as the loop's is, in every value tested rather than by
 * construction), four lanes at a time where the loop's order allows.
 *
 * @module
 */

const lines: string[] = [];
const emit = (s: string) => lines.push(s);

/**
 * A function over `n` floats at byte addresses `ptrs`, writing `out`: a
 * four-lane loop, then a scalar loop for the last `n mod 4`. The expressions
 * read the inputs' current values as `$v<name>` (vector) or `$s<name>` (scalar).
 */
function streamFunction(name: string, ptrs: string[], vector: string, scalar: string): void {
  emit(
    `  (func (export "${name}") ${
      ptrs.map((p) => `(param $${p} i32)`).join(" ")
    } (param $out i32) (param $n i32)`,
  );
  emit(
    `    (local $i i32) (local $end i32) (local $bytes i32) (local $zero v128) ${
      ptrs.map((p) => `(local $v${p} v128) (local $s${p} f32)`).join(" ")
    }`,
  );
  lengths();
  lanes("", [
    ...ptrs.map((p) => `(local.set $v${p} (v128.load ${at(p)}))`),
    `(v128.store ${at("out")} ${vector})`,
  ], [
    ...ptrs.map((p) => `(local.set $s${p} (f32.load ${at(p)}))`),
    `(f32.store ${at("out")} ${scalar})`,
  ]);
  emit(`  )`);
}

function streams(): void {
  // relu: x > 0 ? x : 0 (NaN → 0). pmax(0, x) = 0 < x ? x : 0, the same choice.
  streamFunction(
    "relu",
    ["x"],
    `(f32x4.pmax (local.get $zero) (local.get $vx))`,
    `(select (local.get $sx) (f32.const 0) (f32.gt (local.get $sx) (f32.const 0)))`,
  );
  // reluGrad: y > 0 ? g : 0
  streamFunction(
    "relu_grad",
    ["g", "y"],
    `(v128.and (local.get $vg) (f32x4.gt (local.get $vy) (local.get $zero)))`,
    `(select (local.get $sg) (f32.const 0) (f32.gt (local.get $sy) (f32.const 0)))`,
  );
  // float32 sums, differences, products and quotients equal the TypeScript
  // loops' float64 ones rounded to float32 (53 ≥ 2·24 + 2 bits: rounding twice
  // changes nothing)
  for (const op of ["add", "sub", "mul", "div"]) {
    streamFunction(
      op,
      ["a", "b"],
      `(f32x4.${op} (local.get $va) (local.get $vb))`,
      `(f32.${op} (local.get $sa) (local.get $sb))`,
    );
  }
}

/**
 * A function over `rows` rows of `n` floats at the byte addresses
 * `pointers`; after each row, those in `advance` move on by a row. The row's
 * `body` sees `$bytes` (a row in bytes) and `$end` (its groups of four, in bytes).
 */
function rowsFunction(
  name: string,
  pointers: string[],
  locals: string,
  advance: string[],
  body: () => void,
): void {
  emit(
    `  (func (export "${name}") ${
      pointers.map((p) => `(param $${p} i32)`).join(" ")
    } (param $rows i32) (param $n i32)`,
  );
  emit(`    (local $r i32) (local $i i32) (local $end i32) (local $bytes i32) ${locals}`);
  lengths();
  emit(`    (block $done (loop $row (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))`);
  body();
  for (const p of advance) {
    emit(`      (local.set $${p} (i32.add (local.get $${p}) (local.get $bytes)))`);
  }
  emit(`      (local.set $r (i32.add (local.get $r) (i32.const 1))) (br $row)))`);
  emit(`  )`);
}

/** `$bytes`, `n` floats in bytes, and `$end`, their groups of four, for {@link lanes}. */
function lengths(): void {
  emit(`    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))`);
  emit(`    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))`);
}

/**
 * Within a row (`$i` its byte offset, from 0): `vector` over its groups of
 * four, then `between`, then `scalar` over the last `n mod 4` floats.
 */
function lanes(tag: string, vector: string[], scalar: string[], between: string[] = []): void {
  emit(`      (local.set $i (i32.const 0))`);
  emit(
    `      (block $v${tag} (loop $vl${tag} (br_if $v${tag} (i32.ge_u (local.get $i) (local.get $end)))`,
  );
  for (const line of vector) emit(`        ${line}`);
  emit(`        (local.set $i (i32.add (local.get $i) (i32.const 16))) (br $vl${tag})))`);
  for (const line of between) emit(`      ${line}`);
  emit(
    `      (block $s${tag} (loop $sl${tag} (br_if $s${tag} (i32.ge_u (local.get $i) (local.get $bytes)))`,
  );
  for (const line of scalar) emit(`        ${line}`);
  emit(`        (local.set $i (i32.add (local.get $i) (i32.const 4))) (br $sl${tag})))`);
}

/** The address `$p + $i`. */
const at = (p: string) => `(i32.add (local.get $${p}) (local.get $i))`;

/**
 * `out[r, j] = a[r, j] op b[j]` (`_rows`: one row `b` under every row) or
 * `a[r, j] op b[r]` (`_cols`: one value of `b` per row), over `rows` rows of
 * `n` floats: a bias, or a row's maximum or sum taken from each of its entries.
 */
function broadcastFunctions(): void {
  for (const op of ["add", "sub", "mul", "div"]) {
    for (const cols of [false, true]) {
      const locals = `(local $vb v128) (local $sb f32)`;
      rowsFunction(
        `${op}_${cols ? "cols" : "rows"}`,
        ["a", "b", "out"],
        locals,
        ["a", "out"],
        () => {
          if (cols) {
            emit(
              `      (local.set $sb (f32.load (i32.add (local.get $b) (i32.shl (local.get $r) (i32.const 2)))))`,
            );
            emit(`      (local.set $vb (f32x4.splat (local.get $sb)))`);
          }
          lanes("", [
            ...(cols ? [] : [`(local.set $vb (v128.load ${at("b")}))`]),
            `(v128.store ${at("out")} (f32x4.${op} (v128.load ${at("a")}) (local.get $vb)))`,
          ], [
            ...(cols ? [] : [`(local.set $sb (f32.load ${at("b")}))`]),
            `(f32.store ${at("out")} (f32.${op} (f32.load ${at("a")}) (local.get $sb)))`,
          ]);
        },
      );
    }
  }
}

/**
 * The softmax's two passes around e^x, over `rows` rows of `n` floats:
 * `shift_rows` writes `x − max(row)` (a NaN anywhere makes the row NaN, as
 * the maximum's reduction does), `normalize_rows` divides each row by its
 * sum, added in float64 in index order as the sum's reduction adds it and
 * rounded to float32 before the division.
 */
function softmaxPasses(): void {
  rowsFunction("shift_rows", ["x", "out"], `(local $vm v128) (local $m f32)`, ["x", "out"], () => {
    // the row maximum: four running maxima, then across them and the tail
    emit(`      (local.set $vm (v128.const f32x4 -inf -inf -inf -inf))`);
    const lane = (k: number) => `(f32x4.extract_lane ${k} (local.get $vm))`;
    lanes("max", [`(local.set $vm (f32x4.max (local.get $vm) (v128.load ${at("x")})))`], [
      `(local.set $m (f32.max (local.get $m) (f32.load ${at("x")})))`,
    ], [
      `(local.set $m (f32.max (f32.max ${lane(0)} ${lane(1)}) (f32.max ${lane(2)} ${lane(3)})))`,
    ]);
    // x − max
    emit(`      (local.set $vm (f32x4.splat (local.get $m)))`);
    lanes("sub", [
      `(v128.store ${at("out")} (f32x4.sub (v128.load ${at("x")}) (local.get $vm)))`,
    ], [`(f32.store ${at("out")} (f32.sub (f32.load ${at("x")}) (local.get $m)))`]);
  });
  const locals = `(local $acc f64) (local $s f32) (local $vs v128)`;
  rowsFunction("normalize_rows", ["x"], locals, ["x"], () => {
    emit(`      (local.set $acc (f64.const 0)) (local.set $i (i32.const 0))`);
    emit(`      (block $d (loop $l (br_if $d (i32.ge_u (local.get $i) (local.get $bytes)))`);
    emit(
      `        (local.set $acc (f64.add (local.get $acc) (f64.promote_f32 (f32.load ${at("x")}))))`,
    );
    emit(`        (local.set $i (i32.add (local.get $i) (i32.const 4))) (br $l)))`);
    emit(`      (local.set $s (f32.demote_f64 (local.get $acc)))`);
    emit(`      (local.set $vs (f32x4.splat (local.get $s)))`);
    lanes("div", [
      `(v128.store ${at("x")} (f32x4.div (v128.load ${at("x")}) (local.get $vs)))`,
    ], [`(f32.store ${at("x")} (f32.div (f32.load ${at("x")}) (local.get $s)))`]);
  });
}

/**
 * Each row's maximum (`$index` 0) or the position of its first maximum
 * (`$index` 1), as the reduction's loop finds them: a NaN wins and stays;
 * ties keep the first. One lane: rows are short (a class axis), and the
 * loop is the reduction's, element by element.
 */
function maxRows(): void {
  emit(
    `  (func (export "max_rows") (param $x i32) (param $out i32) (param $rows i32) (param $n i32) (param $index i32)`,
  );
  emit(
    `    (local $r i32) (local $j i32) (local $best f32) (local $at i32) (local $v f32) (local $p i32)`,
  );
  emit(`    (block $done (loop $row (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))`);
  emit(`      (local.set $best (f32.load (local.get $x))) (local.set $at (i32.const 0))`);
  emit(`      (local.set $j (i32.const 1)) (local.set $p (i32.add (local.get $x) (i32.const 4)))`);
  emit(`      (block $d (loop $l`);
  emit(`        (br_if $d (i32.ge_u (local.get $j) (local.get $n)))`);
  emit(`        (br_if $d (f32.ne (local.get $best) (local.get $best)))`);
  emit(`        (local.set $v (f32.load (local.get $p)))`);
  emit(
    `        (if (i32.or (f32.ne (local.get $v) (local.get $v)) (f32.gt (local.get $v) (local.get $best))) (then (local.set $best (local.get $v)) (local.set $at (local.get $j))))`,
  );
  emit(`        (local.set $j (i32.add (local.get $j) (i32.const 1)))`);
  emit(`        (local.set $p (i32.add (local.get $p) (i32.const 4))) (br $l)))`);
  emit(
    `      (f32.store (local.get $out) (select (f32.convert_i32_u (local.get $at)) (local.get $best) (local.get $index)))`,
  );
  emit(`      (local.set $x (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))`);
  emit(`      (local.set $out (i32.add (local.get $out) (i32.const 4)))`);
  emit(`      (local.set $r (i32.add (local.get $r) (i32.const 1))) (br $row)))`);
  emit(`  )`);
}

/** σ's backward `g·(y·(1 − y))` in float64, as the TypeScript loop computes it, two lanes at a time. */
function sigmoidGrad(): void {
  emit(
    `  (func (export "sigmoid_grad") (param $g i32) (param $y i32) (param $out i32) (param $n i32)`,
  );
  emit(`    (local $i i32) (local $end i32) (local $vy v128) (local $sy f64)`);
  emit(`    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 2)))`);
  emit(`    (block $d (loop $l (br_if $d (i32.ge_u (local.get $i) (local.get $end)))`);
  emit(
    `      (local.set $vy (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $y) (local.get $i)))))`,
  );
  emit(
    `      (v128.store64_lane 0 (i32.add (local.get $out) (local.get $i)) (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $g) (local.get $i)))) (f64x2.mul (local.get $vy) (f64x2.sub (v128.const f64x2 1 1) (local.get $vy))))))`,
  );
  emit(`      (local.set $i (i32.add (local.get $i) (i32.const 8))) (br $l)))`);
  emit(`    (if (i32.and (local.get $n) (i32.const 1)) (then`);
  emit(
    `      (local.set $sy (f64.promote_f32 (f32.load (i32.add (local.get $y) (local.get $i)))))`,
  );
  emit(
    `      (f32.store (i32.add (local.get $out) (local.get $i)) (f32.demote_f64 (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $g) (local.get $i)))) (f64.mul (local.get $sy) (f64.sub (f64.const 1) (local.get $sy))))))))`,
  );
  emit(`  )`);
}

function axpy(): void {
  // out = a + α·b computed as the TypeScript loop does, in float64 (α is a
  // float64), then rounded to float32; `out` may be `a` (each lane is read
  // before it is written)
  lanePass("axpy", "(param $a i32) (param $b i32) (param $alpha f64) (param $out i32)", [
    "a",
    "b",
  ], (l) => [
    `(local.set $a% ${l.load("a")})`,
    `(local.set $b% ${l.load("b")})`,
    l.store("out", l.axpy64("a%", "alpha", "b%")),
  ]);
}

/** WAT for a group of float32 lanes: four (v128) in the main loop, one (f32) in the tail. */
function laneOps(vec: boolean) {
  const t = vec ? "f32x4" : "f32", mem = vec ? "v128" : "f32";
  const halves = (x: string) => [
    `(f64x2.promote_low_f32x4 ${x})`,
    `(f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 ${x} ${x}))`,
  ];
  return {
    type: mem,
    load: (ptr: string) => `(${mem}.load ${at(ptr)})`,
    store: (ptr: string, x: string) => `(${mem}.store ${at(ptr)} ${x})`,
    mul: (a: string, b: string) => `(${t}.mul ${a} ${b})`,
    add: (a: string, b: string) => `(${t}.add ${a} ${b})`,
    div: (a: string, b: string) => `(${t}.div ${a} ${b})`,
    sqrt: (a: string) => `(${t}.sqrt ${a})`,
    /** A float32 parameter, in every lane. */
    param: (name: string) => vec ? `(f32x4.splat (local.get $${name}))` : `(local.get $${name})`,
    /**
     * `x + α·y` in float64 (α a float64 parameter), rounded to float32 once,
     * as the TypeScript loops' `fround(x + α * y)`; `x` and `y` are locals.
     */
    axpy64: (x: string, alpha: string, y: string) => {
      const [gx, gy, ga] = [`(local.get $${x})`, `(local.get $${y})`, `(local.get $${alpha})`];
      if (!vec) {
        return `(f32.demote_f64 (f64.add (f64.promote_f32 ${gx}) (f64.mul ${ga} (f64.promote_f32 ${gy}))))`;
      }
      const [x0, x1] = halves(gx), [y0, y1] = halves(gy);
      const part = (xh: string, yh: string) =>
        `(f32x4.demote_f64x2_zero (f64x2.add ${xh} (f64x2.mul (f64x2.splat ${ga}) ${yh})))`;
      return `(i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 ${part(x0, y0)} ${
        part(x1, y1)
      })`;
    },
  };
}

/**
 * A pass over `n` floats at the pointers among `params`: `body`'s
 * statements four lanes at a time, then one at a time ({@link lanes}), with
 * `locals` of the lanes' type (`$<name>%` in the body: % is 0 for four lanes, 1 for one).
 */
function lanePass(
  name: string,
  params: string,
  locals: string[],
  body: (l: ReturnType<typeof laneOps>) => string[],
): void {
  emit(`  (func (export "${name}") ${params} (param $n i32)`);
  const typed = (k: number) =>
    locals.map((v) => `(local $${v}${k} ${laneOps(k === 0).type})`).join(" ");
  emit(`    (local $i i32) (local $end i32) (local $bytes i32) ${typed(0)} ${typed(1)}`);
  lengths();
  const lines = (k: number) => body(laneOps(k === 0)).map((l) => l.replaceAll("%", String(k)));
  lanes("", lines(0), lines(1));
  emit(`  )`);
}

function momentum(): void {
  // One momentum step in place, as the three composed ops round it (cpu/
  // elementwise.ts momentumInPlace): m·μ in float32 (μ a float32 operand;
  // the product of two float32s rounded once is the TypeScript loop's fround
  // of its exact float64 product), plus step·g in float64 (step a float64),
  // rounded to float32 once; then p + m in float32 (a float64 sum of two
  // float32s rounded to float32 is the float32 sum; so for products,
  // quotients and roots).
  lanePass(
    "momentum",
    "(param $p i32) (param $g i32) (param $m i32) (param $mu f32) (param $step f64)",
    ["mm", "g", "mi"],
    (l) => [
      `(local.set $mm% ${l.mul(l.load("m"), l.param("mu"))})`,
      `(local.set $g% ${l.load("g")})`,
      `(local.set $mi% ${l.axpy64("mm%", "step", "g%")})`,
      l.store("m", "(local.get $mi%)"),
      l.store("p", l.add(l.load("p"), "(local.get $mi%)")),
    ],
  );
}

function adam(): void {
  // One Adam step in place, as cpu/elementwise.ts's adamLoop rounds it: the
  // moments' decays and g² in float32 (operands), their sums in float64 with
  // the float64 scales 1 − β, rounded once; the root, ε and the quotient in
  // float32; the weight's step in float64, rounded once.
  lanePass(
    "adam",
    "(param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $b1 f32) (param $b2 f32) (param $vscale f32) (param $eps f32) (param $a1 f64) (param $a2 f64) (param $step f64)",
    ["g", "mb", "vb", "g2", "mi", "vi", "q", "pi"],
    (l) => [
      `(local.set $g% ${l.load("g")})`,
      `(local.set $mb% ${l.mul(l.load("m"), l.param("b1"))})`,
      `(local.set $mi% ${l.axpy64("mb%", "a1", "g%")})`,
      `(local.set $vb% ${l.mul(l.load("v"), l.param("b2"))})`,
      `(local.set $g2% ${l.mul("(local.get $g%)", "(local.get $g%)")})`,
      `(local.set $vi% ${l.axpy64("vb%", "a2", "g2%")})`,
      l.store("m", "(local.get $mi%)"),
      l.store("v", "(local.get $vi%)"),
      `(local.set $q% ${
        l.div(
          "(local.get $mi%)",
          l.add(l.sqrt(l.mul("(local.get $vi%)", l.param("vscale"))), l.param("eps")),
        )
      })`,
      `(local.set $pi% ${l.load("p")})`,
      l.store("p", l.axpy64("pi%", "step", "q%")),
    ],
  );
}

function dropoutMask(): void {
  // Dropout's mask (cpu/backend.ts dropoutMask): for element start + i, keep
  // where counterHash(seed, start + i) >>> 8 >= threshold, else 0, with
  // counterHash(s, i) = triple32(triple32(i) ^ s) in 32-bit integer lanes
  // (i32x4.mul keeps the low 32 bits, as Math.imul does): the same bits.
  const mixes: [number, string][] = [[17, "0xed5ad4bb"], [11, "0xac4c1b51"], [15, "0x31848bab"]];
  const triple32 = (x: string, vec: boolean) => {
    const [xor, shr, mul, set] = vec
      ? [
        "v128.xor",
        "i32x4.shr_u",
        "i32x4.mul",
        (c: string) => `(v128.const i32x4 ${c} ${c} ${c} ${c})`,
      ]
      : ["i32.xor", "i32.shr_u", "i32.mul", (c: string) => `(i32.const ${c})`];
    const lines: string[] = [];
    for (const [shift, c] of mixes) {
      lines.push(
        `(local.set ${x} (${xor} (local.get ${x}) (${shr} (local.get ${x}) (i32.const ${shift}))))`,
      );
      lines.push(`(local.set ${x} (${mul} (local.get ${x}) ${set(c)}))`);
    }
    lines.push(
      `(local.set ${x} (${xor} (local.get ${x}) (${shr} (local.get ${x}) (i32.const 14))))`,
    );
    return lines.map((l) => `      ${l}`);
  };
  emit(
    `  (func (export "dropout_mask") (param $out i32) (param $start i32) (param $n i32) (param $seed i32) (param $threshold i32) (param $keep f32)`,
  );
  emit(
    `    (local $i i32) (local $end i32) (local $x v128) (local $idx v128) (local $s i32) (local $k i32)`,
  );
  emit(
    `    (local.set $idx (i32x4.add (i32x4.splat (local.get $start)) (v128.const i32x4 0 1 2 3)))`,
  );
  emit(`    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))`);
  emit(`    (block $d (loop $l (br_if $d (i32.ge_u (local.get $i) (local.get $end)))`);
  emit(`      (local.set $x (local.get $idx))`);
  for (const l of triple32("$x", true)) emit(l);
  emit(`      (local.set $x (v128.xor (local.get $x) (i32x4.splat (local.get $seed))))`);
  for (const l of triple32("$x", true)) emit(l);
  emit(
    `      (v128.store (i32.add (local.get $out) (local.get $i)) (v128.and (f32x4.splat (local.get $keep)) (i32x4.ge_u (i32x4.shr_u (local.get $x) (i32.const 8)) (i32x4.splat (local.get $threshold)))))`,
  );
  emit(`      (local.set $idx (i32x4.add (local.get $idx) (v128.const i32x4 4 4 4 4)))`);
  emit(`      (local.set $i (i32.add (local.get $i) (i32.const 16))) (br $l)))`);
  emit(`    (local.set $k (i32.add (local.get $start) (i32.shr_u (local.get $i) (i32.const 2))))`);
  emit(`    (local.set $end (i32.shl (local.get $n) (i32.const 2)))`);
  emit(`    (block $d2 (loop $l2 (br_if $d2 (i32.ge_u (local.get $i) (local.get $end)))`);
  emit(`      (local.set $s (local.get $k))`);
  for (const l of triple32("$s", false)) emit(l);
  emit(`      (local.set $s (i32.xor (local.get $s) (local.get $seed)))`);
  for (const l of triple32("$s", false)) emit(l);
  emit(
    `      (f32.store (i32.add (local.get $out) (local.get $i)) (select (local.get $keep) (f32.const 0) (i32.ge_u (i32.shr_u (local.get $s) (i32.const 8)) (local.get $threshold))))`,
  );
  emit(`      (local.set $k (i32.add (local.get $k) (i32.const 1)))`);
  emit(`      (local.set $i (i32.add (local.get $i) (i32.const 4))) (br $l2)))`);
  emit(`  )`);
}

function maxPool2x2(): void {
  // One output row of 2×2, stride-2 pooling over input rows r0 and r1 (byte
  // addresses), `count` outputs, four at a time (the caller does the rest):
  // the same choices as the TypeScript loop — the first of equals in window
  // order (a, b, c, d), a NaN wins, and a NaN ends its window row. `at0` is
  // the plane index of the first window's top-left pixel; argmax is stored
  // as float32, like every CPU index.
  emit(
    `  (func $max_pool_2x2_row (param $r0 i32) (param $r1 i32) (param $count i32) (param $at0 f32) (param $w f32) (param $out i32) (param $arg i32)`,
  );
  emit(
    `    (local $i i32) (local $x0 v128) (local $x1 v128) (local $a v128) (local $b v128) (local $c v128) (local $d v128)`,
  );
  emit(
    `    (local $best v128) (local $at v128) (local $ia v128) (local $take v128) (local $cNum v128) (local $step v128)`,
  );
  // plane indices of the four windows' top-left pixels: at0 + 0, 2, 4, 6
  emit(
    `    (local.set $ia (f32x4.add (f32x4.splat (local.get $at0)) (v128.const f32x4 0 2 4 6)))`,
  );
  emit(`    (local.set $step (f32x4.splat (f32.const 8)))`);
  emit(
    `    (block $d (loop $l (br_if $d (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $count)))`,
  );
  // eight pixels of each row: even lanes are the windows' left pixels, odd the right
  for (const [row, dst0, dst1, reg] of [["r0", "a", "b", "x0"], ["r1", "c", "d", "x1"]]) {
    emit(`      (local.set $${reg} (v128.load (local.get $${row})))`);
    emit(`      (local.set $${dst1} (v128.load offset=16 (local.get $${row})))`);
    emit(
      `      (local.set $${dst0} (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $${reg}) (local.get $${dst1})))`,
    );
    emit(
      `      (local.set $${dst1} (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $${reg}) (local.get $${dst1})))`,
    );
  }
  emit(`      (local.set $best (local.get $a))`);
  emit(`      (local.set $at (local.get $ia))`);
  // b, unless a is NaN: b > best or b is NaN
  emit(
    `      (local.set $take (v128.and (f32x4.eq (local.get $a) (local.get $a)) (v128.or (f32x4.gt (local.get $b) (local.get $best)) (f32x4.ne (local.get $b) (local.get $b)))))`,
  );
  emit(
    `      (local.set $best (v128.bitselect (local.get $b) (local.get $best) (local.get $take)))`,
  );
  emit(
    `      (local.set $at (v128.bitselect (f32x4.add (local.get $ia) (v128.const f32x4 1 1 1 1)) (local.get $at) (local.get $take)))`,
  );
  // c: c > best or c is NaN
  emit(`      (local.set $cNum (f32x4.eq (local.get $c) (local.get $c)))`);
  emit(
    `      (local.set $take (v128.or (f32x4.gt (local.get $c) (local.get $best)) (v128.not (local.get $cNum))))`,
  );
  emit(
    `      (local.set $best (v128.bitselect (local.get $c) (local.get $best) (local.get $take)))`,
  );
  emit(
    `      (local.set $at (v128.bitselect (f32x4.add (local.get $ia) (f32x4.splat (local.get $w))) (local.get $at) (local.get $take)))`,
  );
  // d, unless c is NaN: d > best or d is NaN
  emit(
    `      (local.set $take (v128.and (local.get $cNum) (v128.or (f32x4.gt (local.get $d) (local.get $best)) (f32x4.ne (local.get $d) (local.get $d)))))`,
  );
  emit(
    `      (local.set $best (v128.bitselect (local.get $d) (local.get $best) (local.get $take)))`,
  );
  emit(
    `      (local.set $at (v128.bitselect (f32x4.add (local.get $ia) (f32x4.add (f32x4.splat (local.get $w)) (v128.const f32x4 1 1 1 1))) (local.get $at) (local.get $take)))`,
  );
  emit(`      (v128.store (local.get $out) (local.get $best))`);
  emit(`      (v128.store (local.get $arg) (local.get $at))`);
  emit(`      (local.set $ia (f32x4.add (local.get $ia) (local.get $step)))`);
  for (const p of ["r0", "r1"]) {
    emit(`      (local.set $${p} (i32.add (local.get $${p}) (i32.const 32)))`);
  }
  for (const p of ["out", "arg"]) {
    emit(`      (local.set $${p} (i32.add (local.get $${p}) (i32.const 16)))`);
  }
  emit(`      (local.set $i (i32.add (local.get $i) (i32.const 4))) (br $l)))`);
  emit(`  )`);
}

function maxPool2x2Planes(): void {
  // every row of every plane: planes of h×w in, of outH×outW out (outW a multiple of 4)
  emit(
    `  (func (export "max_pool_2x2") (param $x i32) (param $planes i32) (param $h i32) (param $w i32) (param $outH i32) (param $outW i32) (param $out i32) (param $arg i32)`,
  );
  emit(`    (local $p i32) (local $oy i32) (local $top i32) (local $wb i32) (local $ob i32)`);
  emit(`    (local.set $wb (i32.shl (local.get $w) (i32.const 2)))`);
  emit(`    (local.set $ob (i32.shl (local.get $outW) (i32.const 2)))`);
  emit(`    (block $dp (loop $lp (br_if $dp (i32.ge_u (local.get $p) (local.get $planes)))`);
  emit(`      (local.set $oy (i32.const 0))`);
  emit(`      (block $dy (loop $ly (br_if $dy (i32.ge_u (local.get $oy) (local.get $outH)))`);
  emit(
    `        (local.set $top (i32.add (local.get $x) (i32.mul (i32.add (i32.mul (local.get $p) (local.get $h)) (i32.shl (local.get $oy) (i32.const 1))) (local.get $wb))))`,
  );
  emit(
    `        (call $max_pool_2x2_row (local.get $top) (i32.add (local.get $top) (local.get $wb)) (local.get $outW) (f32.convert_i32_u (i32.mul (i32.shl (local.get $oy) (i32.const 1)) (local.get $w))) (f32.convert_i32_u (local.get $w)) (local.get $out) (local.get $arg))`,
  );
  emit(`        (local.set $out (i32.add (local.get $out) (local.get $ob)))`);
  emit(`        (local.set $arg (i32.add (local.get $arg) (local.get $ob)))`);
  emit(`        (local.set $oy (i32.add (local.get $oy) (i32.const 1))) (br $ly)))`);
  emit(`      (local.set $p (i32.add (local.get $p) (i32.const 1))) (br $lp)))`);
  emit(`  )`);
}

/** f64x2 constant of one value, written so that the text reads back exactly. */
const f64x2 = (v: number) => `(v128.const f64x2 ${v} ${v})`;

function exponentials(): void {
  // e^x in float64 lanes, accurate to a few units in the last place of a
  // float64, so that rounded to float32 it is what Math.exp gives the
  // TypeScript loop (but for a value a float64 ulp from a float32 rounding
  // boundary: none in a test of millions). x = n·ln2 + r, |r| ≤ ln2/2 (ln2 in
  // fdlibm's two parts, so n·ln2hi is exact); e^r by its Taylor series to r¹³
  // (the rest is below 4e-18); 2^n built in the exponent bits. Clamping to
  // [-708, 709] keeps 2^n a normal float64: beyond it the float32 result is 0
  // or ∞ either way. 2^n's bits are n + 1023 shifted into the exponent: the
  // low bits of n + 2⁵² + 1023, whose exponent the shift pushes out. NaN
  // passes through (pmin and pmax keep a NaN first operand; its 2^n is junk
  // times NaN). pmin/pmax, one instruction each, where min/max's NaN and ±0
  // rules take several. The polynomial by Estrin's scheme: seven pairs c₂ⱼ + c₂ⱼ₊₁·r
  // joined by r², r⁴, r⁸, four steps deep where Horner's rule is thirteen
  // (each step waiting on the one before); two pairs of lanes side by side.
  let factorial = 1;
  const coefficients = [1];
  for (let k = 1; k <= 13; k++) coefficients.push(1 / (factorial *= k));
  const exp = (ks: number[]) => {
    for (const k of ks) {
      emit(
        `      (local.set $a${k} (f64x2.pmin (f64x2.pmax (local.get $a${k}) ${f64x2(-708)}) ${
          f64x2(709)
        }))`,
      );
      emit(
        `      (local.set $n${k} (f64x2.nearest (f64x2.mul (local.get $a${k}) ${
          f64x2(Math.LOG2E)
        })))`,
      );
      emit(
        `      (local.set $r${k} (f64x2.sub (f64x2.sub (local.get $a${k}) (f64x2.mul (local.get $n${k}) ${
          f64x2(6.93147180369123816490e-01)
        })) (f64x2.mul (local.get $n${k}) ${f64x2(1.90821492927058770002e-10)})))`,
      );
      emit(`      (local.set $s${k} (f64x2.mul (local.get $r${k}) (local.get $r${k})))`);
    }
    const mul = (a: string, b: string) => `(f64x2.mul ${a} ${b})`;
    const add = (a: string, b: string) => `(f64x2.add ${a} ${b})`;
    for (const k of ks) {
      const r = `(local.get $r${k})`, r2 = `(local.get $s${k})`;
      const pair = (j: number) => add(f64x2(coefficients[j]), mul(f64x2(coefficients[j + 1]), r));
      emit(`      (local.set $f${k} (f64x2.mul ${r2} ${r2}))`);
      const r4 = `(local.get $f${k})`, r8 = mul(r4, r4);
      const low = add(add(pair(0), mul(pair(2), r2)), mul(add(pair(4), mul(pair(6), r2)), r4));
      const high = add(add(pair(8), mul(pair(10), r2)), mul(pair(12), r4));
      emit(`      (local.set $p${k} ${add(low, mul(high, r8))})`);
    }
    for (const k of ks) {
      emit(
        `      (local.set $e${k} (f64x2.mul (local.get $p${k}) (i64x2.shl (f64x2.add (local.get $n${k}) ${
          f64x2(2 ** 52 + 1023)
        }) (i32.const 52))))`,
      );
    }
  };
  /**
   * `out = f(x)` over n floats, four at a time then one at a time: `pre`
   * sets the exponent `$a<k>` from the input `$v<k>`, `post` the result
   * `$y<k>` from `$e<k>` = e^a.
   */
  const kernel = (name: string, pre: (k: number) => string, post: (k: number) => string) => {
    const perPair = ["v", "a", "n", "r", "s", "f", "p", "e", "y"];
    emit(
      `  (func (export "${name}") (param $x i32) (param $out i32) (param $n i32) (local $i i32) (local $end i32) (local $q v128) ${
        [0, 1].flatMap((k) => perPair.map((v) => `(local $${v}${k} v128)`)).join(" ")
      }`,
    );
    const each = (ks: number[]) => {
      for (const k of ks) emit(`      ${pre(k)}`);
      exp(ks);
      for (const k of ks) emit(`      ${post(k)}`);
    };
    emit(`    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))`);
    emit(`    (block $d (loop $l (br_if $d (i32.ge_u (local.get $i) (local.get $end)))`);
    emit(`      (local.set $q (v128.load (i32.add (local.get $x) (local.get $i))))`);
    emit(`      (local.set $v0 (f64x2.promote_low_f32x4 (local.get $q)))`);
    emit(
      `      (local.set $v1 (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $q) (local.get $q))))`,
    );
    each([0, 1]);
    emit(
      `      (v128.store (i32.add (local.get $out) (local.get $i)) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $y0)) (f32x4.demote_f64x2_zero (local.get $y1))))`,
    );
    emit(`      (local.set $i (i32.add (local.get $i) (i32.const 16))) (br $l)))`);
    emit(`    (local.set $end (i32.shl (local.get $n) (i32.const 2)))`);
    emit(`    (block $d2 (loop $l2 (br_if $d2 (i32.ge_u (local.get $i) (local.get $end)))`);
    emit(
      `      (local.set $v0 (f64x2.promote_low_f32x4 (v128.load32_zero (i32.add (local.get $x) (local.get $i)))))`,
    );
    each([0]);
    emit(
      `      (v128.store32_lane 0 (i32.add (local.get $out) (local.get $i)) (f32x4.demote_f64x2_zero (local.get $y0)))`,
    );
    emit(`      (local.set $i (i32.add (local.get $i) (i32.const 4))) (br $l2)))`);
    emit(`  )`);
  };
  kernel(
    "exp",
    (k) => `(local.set $a${k} (local.get $v${k}))`,
    (k) => `(local.set $y${k} (local.get $e${k}))`,
  );
  // σ as the TypeScript loop splits it by sign, from e = e^-|x|:
  // 1/(1+e) for x ≥ 0, e/(1+e) below: one division of the chosen numerator
  const one = f64x2(1);
  kernel(
    "sigmoid",
    (k) => `(local.set $a${k} (f64x2.neg (f64x2.abs (local.get $v${k}))))`,
    (k) =>
      `(local.set $y${k} (f64x2.div (v128.bitselect ${one} (local.get $e${k}) (f64x2.ge (local.get $v${k}) ${
        f64x2(0)
      })) (f64x2.add ${one} (local.get $e${k}))))`,
  );
}

function im2col(): void {
  // unfold (im2col) and its adjoint fold (col2im) for a unit horizontal
  // stride, in the TypeScript loops' order (cpu/unfold.ts): per input plane,
  // kernel offset and output row, the valid pixels [lo, hi) of the row are
  // copied (unfold) or added back (fold) four at a time. unfold writes every
  // entry, padding included; a copy's last group of four may overlap the one
  // before (it writes the same values), while fold's tail goes one by one.
  // Geometry in elements; x, cols byte addresses; batchInner as in UnfoldSpec.
  const params = [
    "x",
    "cols",
    "n",
    "c",
    "h",
    "w",
    "kh",
    "kw",
    "sh",
    "ph",
    "pw",
    "dh",
    "dw",
    "outH",
    "outW",
    "batchInner",
    "b0",
    "b1",
  ].map((p) => `(param $${p} i32)`).join(" ");
  const get = (v: string) => `(local.get $${v})`;
  const add = (a: string, b: string) => `(i32.add ${a} ${b})`;
  const mul = (a: string, b: string) => `(i32.mul ${a} ${b})`;
  const bytes = (a: string) => `(i32.shl ${a} (i32.const 2))`;
  const min = (a: string, b: string) => `(select ${a} ${b} (i32.lt_s ${a} ${b}))`;
  const max = (a: string, b: string) => `(select ${a} ${b} (i32.gt_s ${a} ${b}))`;
  /** `stmt` for $i in [from, to), one at a time. */
  const scalar = (from: string, to: string, stmt: string) => {
    emit(`      (local.set $i ${from})`);
    emit(`      (block $ds (loop $ls (br_if $ds (i32.ge_s ${get("i")} ${to}))`);
    emit(`        ${stmt}`);
    emit(`        (local.set $i (i32.add ${get("i")} (i32.const 1))) (br $ls)))`);
  };
  /** The byte address of element $i of the row at `base`. */
  const at = (base: string) => add(get(base), bytes(get("i")));
  /** unfold: the pad value into the column row at $o, columns [from, to). */
  const padRange = (from: string, to: string) =>
    scalar(from, to, `(f32.store ${at("o")} (local.get $pad))`);
  /** $o: the byte address of output row $oy of the current column block. */
  const setColumnRow = () =>
    emit(
      `      (local.set $o ${
        add(get("cols"), bytes(add(get("base"), mul(get("oy"), get("outW")))))
      })`,
    );
  for (const kind of ["unfold", "fold"] as const) {
    emit(
      `  (func (export "${kind}_rows") ${params}${kind === "unfold" ? " (param $pad f32)" : ""}`,
    );
    emit(
      `    (local $b i32) (local $ch i32) (local $ky i32) (local $kx i32) (local $oy i32) (local $y i32) (local $i i32)`,
    );
    emit(
      `    (local $plane i32) (local $base i32) (local $off i32) (local $lo i32) (local $hi i32) (local $o i32) (local $src i32) (local $L i32) (local $rows i32)`,
    );
    emit(`    (local.set $L ${mul(get("outH"), get("outW"))})`);
    emit(`    (local.set $rows ${mul(mul(get("c"), get("kh")), get("kw"))})`);
    const loop = (v: string, end: string, body: () => void, start = "(i32.const 0)") => {
      emit(`    (local.set $${v} ${start})`);
      emit(`    (block $d${v} (loop $l${v} (br_if $d${v} (i32.ge_s ${get(v)} ${end}))`);
      body();
      emit(`      (local.set $${v} (i32.add ${get(v)} (i32.const 1))) (br $l${v})))`);
    };
    // the batch's samples [b0, b1): two threads each take a range
    loop("b", get("b1"), () =>
      loop("ch", get("c"), () => {
        emit(
          `      (local.set $plane ${
            mul(mul(add(mul(get("b"), get("c")), get("ch")), get("h")), get("w"))
          })`,
        );
        loop("ky", get("kh"), () =>
          loop("kx", get("kw"), () => {
            // r = (ch·kh + ky)·kw + kx; base = batchInner ? (r·n + b)·L : (b·rows + r)·L
            const r = add(mul(add(mul(get("ch"), get("kh")), get("ky")), get("kw")), get("kx"));
            emit(
              `      (local.set $base ${
                mul(
                  `(select ${add(mul(r, get("n")), get("b"))} ${
                    add(mul(get("b"), get("rows")), r)
                  } ${get("batchInner")})`,
                  get("L"),
                )
              })`,
            );
            emit(`      (local.set $off (i32.sub ${mul(get("kx"), get("dw"))} ${get("pw")}))`);
            // lo = min(outW, max(0, −off)), hi = max(lo, min(outW, w − off))
            emit(
              `      (local.set $lo ${
                max(`(i32.sub (i32.const 0) ${get("off")})`, "(i32.const 0)")
              })`,
            );
            emit(
              `      (local.set $lo ${min(get("outW"), get("lo"))})`,
            );
            emit(`      (local.set $hi (i32.sub ${get("w")} ${get("off")}))`);
            emit(
              `      (local.set $hi ${min(get("outW"), get("hi"))})`,
            );
            emit(
              `      (local.set $hi ${max(get("lo"), get("hi"))})`,
            );
            if (kind === "unfold") {
              // "same" rows (unit strides, outW = w): the block's valid rows are one stretch
              // of the input, shifted by off; one memory.copy moves them, then each row's
              // pad columns (which took a neighbouring row's pixels) and the rows outside
              // are written. The stretch starts at the first row's lo and ends at the last
              // row's hi, so it reads nothing outside the plane.
              emit(
                `      (if (i32.and (i32.and (i32.eq ${get("sh")} (i32.const 1)) (i32.eq ${
                  get("outW")
                } ${get("w")})) (i32.lt_s ${get("lo")} ${get("hi")})) (then`,
              );
              // valid rows: oy − ph + ky·dh in [0, h)
              emit(
                `      (local.set $y (i32.sub ${get("ph")} ${mul(get("ky"), get("dh"))}))`,
              );
              emit(
                `      (local.set $oy ${max(get("y"), "(i32.const 0)")})`,
              );
              emit(`      (local.set $i (i32.add ${get("h")} ${get("y")}))`);
              emit(
                `      (local.set $i ${min(get("outH"), get("i"))})`,
              );
              emit(
                `      (local.set $i ${max(get("oy"), get("i"))})`,
              );
              // $oy..$i are the valid rows; copy them in one stretch
              emit(`      (if (i32.lt_s ${get("oy")} ${get("i")}) (then`);
              emit(
                `        (memory.copy ${
                  add(
                    get("cols"),
                    bytes(add(add(get("base"), mul(get("oy"), get("outW"))), get("lo"))),
                  )
                } ${
                  add(
                    get("x"),
                    bytes(
                      add(
                        add(
                          add(get("plane"), mul(`(i32.sub ${get("oy")} ${get("y")})`, get("w"))),
                          get("off"),
                        ),
                        get("lo"),
                      ),
                    ),
                  )
                } ${
                  bytes(
                    `(i32.add ${
                      mul(`(i32.sub (i32.sub ${get("i")} ${get("oy")}) (i32.const 1))`, get("outW"))
                    } (i32.sub ${get("hi")} ${get("lo")}))`,
                  )
                })`,
              );
              emit(`      ))`);
              // every row: pad columns if valid, the whole row if not
              emit(`      (local.set $src ${get("oy")}) (local.set $y ${get("i")})`);
              loop("oy", get("outH"), () => {
                setColumnRow();
                emit(
                  `      (if (i32.and (i32.ge_s ${get("oy")} ${get("src")}) (i32.lt_s ${
                    get("oy")
                  } ${get("y")})) (then`,
                );
                padRange("(i32.const 0)", get("lo"));
                padRange(get("hi"), get("outW"));
                emit(`      ) (else`);
                padRange("(i32.const 0)", get("outW"));
                emit(`      ))`);
              });
              emit(`      ) (else`);
            }
            loop("oy", get("outH"), () => {
              emit(
                `      (local.set $y (i32.add (i32.sub ${mul(get("oy"), get("sh"))} ${get("ph")}) ${
                  mul(get("ky"), get("dh"))
                }))`,
              );
              // o: the column row's byte address; src: the input row's, at output column 0
              setColumnRow();
              emit(
                `      (local.set $src ${
                  add(get("x"), bytes(add(add(get("plane"), mul(get("y"), get("w"))), get("off"))))
                })`,
              );
              const outside = `(i32.or (i32.lt_s ${get("y")} (i32.const 0)) (i32.ge_s ${get("y")} ${
                get("h")
              }))`;
              if (kind === "unfold") {
                emit(`      (if ${outside} (then`);
                padRange("(i32.const 0)", get("outW"));
                emit(`      ) (else`);
                padRange("(i32.const 0)", get("lo"));
                padRange(get("hi"), get("outW"));
                emit(
                  `      (if (i32.ge_s (i32.sub ${get("hi")} ${get("lo")}) (i32.const 4)) (then`,
                );
                emit(`        (local.set $i ${get("lo")})`);
                emit(
                  `        (block $dv (loop $lv (br_if $dv (i32.gt_s (i32.add ${
                    get("i")
                  } (i32.const 4)) ${get("hi")}))`,
                );
                emit(`          (v128.store ${at("o")} (v128.load ${at("src")}))`);
                emit(`          (local.set $i (i32.add ${get("i")} (i32.const 4))) (br $lv)))`);
                emit(`        (if (i32.lt_s ${get("i")} ${get("hi")}) (then`);
                emit(`          (local.set $i (i32.sub ${get("hi")} (i32.const 4)))`);
                emit(`          (v128.store ${at("o")} (v128.load ${at("src")}))))`);
                emit(`      ) (else`);
                scalar(get("lo"), get("hi"), `(f32.store ${at("o")} (f32.load ${at("src")}))`);
                emit(`      ))))`);
              } else {
                emit(`      (if (i32.eqz ${outside}) (then`);
                emit(`        (local.set $i ${get("lo")})`);
                emit(
                  `        (block $dv (loop $lv (br_if $dv (i32.gt_s (i32.add ${
                    get("i")
                  } (i32.const 4)) ${get("hi")}))`,
                );
                emit(
                  `          (v128.store ${at("src")} (f32x4.add (v128.load ${
                    at("src")
                  }) (v128.load ${at("o")})))`,
                );
                emit(`          (local.set $i (i32.add ${get("i")} (i32.const 4))) (br $lv)))`);
                scalar(
                  get("i"),
                  get("hi"),
                  `(f32.store ${at("src")} (f32.add (f32.load ${at("src")}) (f32.load ${
                    at("o")
                  })))`,
                );
                emit(`      ))`);
              }
            });
            if (kind === "unfold") emit(`      ))`);
          }));
      }), get("b0"));
    emit(`  )`);
  }
}

function sumColumns(): void {
  // Column sums of an [n, inner] block, as the TypeScript loop in cpu/reduce.ts
  // adds them: each column's running sum in float64, the rows in order, then
  // rounded to float32; two columns a lane pair, the sums kept in `acc`
  // (inner float64s) while the rows stream past.
  emit(
    `  (func (export "sum_cols") (param $x i32) (param $out i32) (param $acc i32) (param $n i32) (param $inner i32)`,
  );
  emit(`    (local $i i32) (local $j i32) (local $row i32) (local $pairs i32) (local $a i32)`);
  emit(`    (local.set $pairs (i32.and (local.get $inner) (i32.const -2)))`);
  emit(
    `    (memory.fill (local.get $acc) (i32.const 0) (i32.shl (local.get $inner) (i32.const 3)))`,
  );
  emit(`    (local.set $row (local.get $x))`);
  emit(`    (block $dj (loop $lj (br_if $dj (i32.ge_u (local.get $j) (local.get $n)))`);
  emit(`      (local.set $i (i32.const 0))`);
  emit(`      (block $di (loop $li (br_if $di (i32.ge_u (local.get $i) (local.get $pairs)))`);
  emit(`        (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $i) (i32.const 3))))`);
  emit(
    `        (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))))))`,
  );
  emit(`        (local.set $i (i32.add (local.get $i) (i32.const 2))) (br $li)))`);
  emit(`      (if (i32.lt_u (local.get $i) (local.get $inner)) (then`);
  emit(`        (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $i) (i32.const 3))))`);
  emit(
    `        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.promote_f32 (f32.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))))))))`,
  );
  emit(
    `      (local.set $row (i32.add (local.get $row) (i32.shl (local.get $inner) (i32.const 2))))`,
  );
  emit(`      (local.set $j (i32.add (local.get $j) (i32.const 1))) (br $lj)))`);
  emit(`    (local.set $i (i32.const 0))`);
  emit(`    (block $do (loop $lo (br_if $do (i32.ge_u (local.get $i) (local.get $inner)))`);
  emit(
    `      (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) (f32.demote_f64 (f64.load (i32.add (local.get $acc) (i32.shl (local.get $i) (i32.const 3))))))`,
  );
  emit(`      (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $lo)))`);
  emit(`  )`);
}

function maxPoolScatter(): void {
  // 2×2 max-pool backward where the windows tile the input: each plane of
  // `size` floats is zeroed (memory.fill, in cache), then each window's
  // gradient written at its winner (argmax as float32, a plane index), as
  // g + 0, which is what the loop's 0 + g gives (−0 becomes +0).
  emit(
    `  (func (export "max_pool_scatter") (param $g i32) (param $arg i32) (param $dx i32) (param $planes i32) (param $size i32) (param $per i32)`,
  );
  emit(`    (local $p i32) (local $k i32) (local $bytes i32)`);
  emit(`    (local.set $bytes (i32.shl (local.get $size) (i32.const 2)))`);
  emit(`    (block $dp (loop $lp (br_if $dp (i32.ge_u (local.get $p) (local.get $planes)))`);
  emit(`      (memory.fill (local.get $dx) (i32.const 0) (local.get $bytes))`);
  emit(`      (local.set $k (i32.const 0))`);
  emit(`      (block $dk (loop $lk (br_if $dk (i32.ge_u (local.get $k) (local.get $per)))`);
  emit(
    `        (f32.store (i32.add (local.get $dx) (i32.shl (i32.trunc_f32_u (f32.load (local.get $arg))) (i32.const 2))) (f32.add (f32.load (local.get $g)) (f32.const 0)))`,
  );
  emit(`        (local.set $g (i32.add (local.get $g) (i32.const 4)))`);
  emit(`        (local.set $arg (i32.add (local.get $arg) (i32.const 4)))`);
  emit(`        (local.set $k (i32.add (local.get $k) (i32.const 1))) (br $lk)))`);
  emit(`      (local.set $dx (i32.add (local.get $dx) (local.get $bytes)))`);
  emit(`      (local.set $p (i32.add (local.get $p) (i32.const 1))) (br $lp)))`);
  emit(`  )`);
}

function batchNormPasses(): void {
  // The batch-norm passes over one channel of [N, C, inner] float32s, in
  // float64 as the TypeScript loops in cpu/batch_norm.ts compute them, two
  // values a lane pair. The arrays' addresses are the channel's first run;
  // runs are `stride` bytes apart (C·inner floats); the output is `out`.
  // Not exported: bn_apply_channels and bn_grad_channels call them per channel.
  const channelPass = (
    name: string,
    arrays: string[],
    constants: string[],
    value: (load: (a: string) => string, k: (c: string) => string) => string,
  ) => {
    const all = [...arrays, "out"];
    emit(
      `  (func $${name} ${
        all.map((a) => `(param $${a} i32)`).join(" ")
      } (param $n i32) (param $inner i32) (param $stride i32) ${
        constants.map((c) => `(param $${c} f64)`).join(" ")
      }`,
    );
    emit(
      `    (local $j i32) (local $i i32) (local $pairs i32) ${
        constants.map((c) => `(local $v${c} v128)`).join(" ")
      }`,
    );
    for (const c of constants) emit(`    (local.set $v${c} (f64x2.splat (local.get $${c})))`);
    const k = (c: string) => `(local.get $v${c})`;
    emit(
      `    (local.set $pairs (i32.shl (i32.and (local.get $inner) (i32.const -2)) (i32.const 2)))`,
    );
    emit(`    (block $dj (loop $lj (br_if $dj (i32.ge_u (local.get $j) (local.get $n)))`);
    emit(`      (local.set $i (i32.const 0))`);
    emit(`      (block $di (loop $li (br_if $di (i32.ge_u (local.get $i) (local.get $pairs)))`);
    const two = (a: string) =>
      `(f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $${a}) (local.get $i))))`;
    emit(
      `        (v128.store64_lane 0 (i32.add (local.get $out) (local.get $i)) (f32x4.demote_f64x2_zero ${
        value(two, k)
      }))`,
    );
    emit(`        (local.set $i (i32.add (local.get $i) (i32.const 8))) (br $li)))`);
    // an odd run's last value (the second lane computes nothing stored)
    const one = (a: string) =>
      `(f64x2.promote_low_f32x4 (v128.load32_zero (i32.add (local.get $${a}) (local.get $i))))`;
    emit(`      (if (i32.and (local.get $inner) (i32.const 1)) (then`);
    emit(
      `        (v128.store32_lane 0 (i32.add (local.get $out) (local.get $i)) (f32x4.demote_f64x2_zero ${
        value(one, k)
      }))))`,
    );
    for (const a of all) {
      emit(`      (local.set $${a} (i32.add (local.get $${a}) (local.get $stride)))`);
    }
    emit(`      (local.set $j (i32.add (local.get $j) (i32.const 1))) (br $lj)))`);
    emit(`  )`);
  };
  const f = (op: string, a: string, b: string) => `(f64x2.${op} ${a} ${b})`;
  // y = x·scale + shift
  channelPass(
    "bn_apply",
    ["x"],
    ["scale", "shift"],
    (v, k) => f("add", f("mul", v("x"), k("scale")), k("shift")),
  );
  // dx = k·((g − a) − ((x − μ)·s)·b)
  channelPass(
    "bn_grad",
    ["g", "x"],
    ["k", "a", "mu", "s", "b"],
    (v, k) =>
      f(
        "mul",
        k("k"),
        f(
          "sub",
          f("sub", v("g"), k("a")),
          f("mul", f("mul", f("sub", v("x"), k("mu")), k("s")), k("b")),
        ),
      ),
  );
  batchNormChannels();
}

function batchNormChannels(): void {
  // Batch norm over a range of channels [c0, c1) of [N, C, inner] float32s, so
  // that two threads can each take some: the statistics and the gradient's
  // two sums in float64, each channel's in the TypeScript loops' order
  // (cpu/batch_norm.ts: samples, then the run), four channels side by side
  // as four independent chains; then the elementwise passes above per
  // channel, with each channel's constants (float64, computed by the caller
  // from the sums) read from `params`.
  const get = (v: string) => `(local.get $${v})`;
  const chains = [0, 1, 2, 3];
  /** Sums of channels [c0, c1): `pass(k, load)` accumulates chain k; `store(k)` after the samples. */
  const sumChannels = (
    name: string,
    arrays: string[],
    locals: string,
    passes: {
      before?: (k: number) => string;
      add: (k: number, v: (a: string) => string) => string;
    }[],
    store: (k: number) => string,
  ) => {
    emit(
      `  (func (export "${name}") ${
        arrays.map((a) => `(param $${a} i32)`).join(" ")
      } (param $n i32) (param $c i32) (param $inner i32) (param $c0 i32) (param $c1 i32) (param $out i32)`,
    );
    emit(
      `    (local $ch i32) (local $b i32) (local $i i32) (local $run i32) (local $row i32) (local $m f64) (local $group i32) ${locals}`,
    );
    emit(`    (local.set $run (i32.shl ${get("inner")} (i32.const 2)))`);
    emit(`    (local.set $m (f64.convert_i32_u (i32.mul ${get("n")} ${get("inner")})))`);
    emit(`    (local.set $ch ${get("c0")})`);
    emit(`    (block $dc (loop $lc (br_if $dc (i32.ge_u ${get("ch")} ${get("c1")}))`);
    // four channels while four remain, else one
    emit(
      `      (local.set $group (select (i32.const 4) (i32.const 1) (i32.le_u (i32.add ${
        get("ch")
      } (i32.const 4)) ${get("c1")})))`,
    );
    for (const group of [4, 1]) {
      const ks = chains.slice(0, group);
      emit(`      (if (i32.eq ${get("group")} (i32.const ${group})) (then`);
      for (const pass of passes) {
        for (const k of ks) if (pass.before) emit(`        ${pass.before(k)}`);
        emit(`        (local.set $b (i32.const 0))`);
        emit(`        (block $db (loop $lb (br_if $db (i32.ge_u ${get("b")} ${get("n")}))`);
        // the channel's run in sample b, in bytes from each array's start
        emit(
          `          (local.set $row (i32.mul (i32.add (i32.mul ${get("b")} ${get("c")}) ${
            get("ch")
          }) ${get("run")}))`,
        );
        emit(`          (local.set $i (i32.const 0))`);
        emit(`          (block $di (loop $li (br_if $di (i32.ge_u ${get("i")} ${get("run")}))`);
        for (const k of ks) {
          const v = (a: string) =>
            `(f64.promote_f32 (f32.load offset=0 (i32.add (i32.add ${get(a)} ${
              get("row")
            }) (i32.add ${get("i")} (i32.mul (i32.const ${k}) ${get("run")})))))`;
          emit(`            ${pass.add(k, v)}`);
        }
        emit(`            (local.set $i (i32.add ${get("i")} (i32.const 4))) (br $li)))`);
        emit(`          (local.set $b (i32.add ${get("b")} (i32.const 1))) (br $lb)))`);
      }
      for (const k of ks) emit(`        ${store(k)}`);
      emit(`      ))`);
    }
    emit(`      (local.set $ch (i32.add ${get("ch")} ${get("group")})) (br $lc)))`);
    emit(`  )`);
  };
  const acc = (v: string) => chains.map((k) => `(local $${v}${k} f64)`).join(" ");
  /** Chain k's plain sum of x into $s<k>, from zero. */
  const sumX = {
    before: (k: number) => `(local.set $s${k} (f64.const 0))`,
    add: (k: number, v: (a: string) => string) =>
      `(local.set $s${k} (f64.add (local.get $s${k}) ${v("x")}))`,
  };
  const at = (k: number) =>
    `(i32.add ${get("out")} (i32.shl (i32.add ${get("ch")} (i32.const ${k})) (i32.const 4)))`;
  // statistics: the sum, the mean = sum/m, then Σ(x − mean)², the variance = that/m;
  // out[ch] = (mean, variance)
  sumChannels(
    "bn_stats",
    ["x"],
    `${acc("s")} ${acc("q")} ${acc("d")}`,
    [
      sumX,
      {
        before: (k) =>
          `(local.set $s${k} (f64.div (local.get $s${k}) (local.get $m))) (local.set $q${k} (f64.const 0))`,
        add: (k, v) =>
          `(local.set $d${k} (f64.sub ${
            v("x")
          } (local.get $s${k}))) (local.set $q${k} (f64.add (local.get $q${k}) (f64.mul (local.get $d${k}) (local.get $d${k}))))`,
      },
    ],
    (k) =>
      `(f64.store ${at(k)} (local.get $s${k})) (f64.store offset=8 ${
        at(k)
      } (f64.div (local.get $q${k}) (local.get $m)))`,
  );
  // the gradient's sums with the stored float32 mean μ and 1/σ s:
  // Σ g and Σ g·(x − μ)·s; out[ch] = (Σ g, Σ g·(x − μ)·s)
  sumChannels(
    "bn_grad_sums",
    ["g", "x", "mean", "invstd"],
    `${acc("s")} ${acc("q")} ${acc("u")} ${acc("r")} ${acc("v")}`,
    [{
      before: (k) =>
        `(local.set $s${k} (f64.const 0)) (local.set $q${k} (f64.const 0)) (local.set $u${k} (f64.promote_f32 (f32.load (i32.add ${
          get("mean")
        } (i32.shl (i32.add ${
          get("ch")
        } (i32.const ${k})) (i32.const 2)))))) (local.set $r${k} (f64.promote_f32 (f32.load (i32.add ${
          get("invstd")
        } (i32.shl (i32.add ${get("ch")} (i32.const ${k})) (i32.const 2))))))`,
      add: (k, v) =>
        `(local.set $v${k} ${
          v("g")
        }) (local.set $s${k} (f64.add (local.get $s${k}) (local.get $v${k}))) (local.set $q${k} (f64.add (local.get $q${k}) (f64.mul (f64.mul (local.get $v${k}) (f64.sub ${
          v("x")
        } (local.get $u${k}))) (local.get $r${k}))))`,
    }],
    (k) =>
      `(f64.store ${at(k)} (local.get $s${k})) (f64.store offset=8 ${at(k)} (local.get $q${k}))`,
  );
  // row sums of [rows, n] (a convolution's bias gradient): a batch of one sample whose
  // channels are the rows, each sum rounded to float32 as the TypeScript loop's (cpu/reduce.ts)
  sumChannels(
    "sum_rows",
    ["x"],
    acc("s"),
    [sumX],
    (k) =>
      `(f32.store (i32.add ${get("out")} (i32.shl (i32.add ${
        get("ch")
      } (i32.const ${k})) (i32.const 2))) (f32.demote_f64 (local.get $s${k})))`,
  );
  // the elementwise passes per channel, constants from params (float64s per channel)
  const perChannel = (name: string, pass: string, arrays: string[], constants: number) => {
    emit(
      `  (func (export "${name}") ${
        arrays.map((a) => `(param $${a} i32)`).join(" ")
      } (param $n i32) (param $c i32) (param $inner i32) (param $c0 i32) (param $c1 i32) (param $params i32)`,
    );
    emit(`    (local $ch i32) (local $first i32) (local $p i32)`);
    emit(`    (local.set $ch ${get("c0")})`);
    emit(`    (block $dc (loop $lc (br_if $dc (i32.ge_u ${get("ch")} ${get("c1")}))`);
    emit(
      `      (local.set $first (i32.shl (i32.mul ${get("ch")} ${get("inner")}) (i32.const 2)))`,
    );
    emit(
      `      (local.set $p (i32.add ${get("params")} (i32.mul ${get("ch")} (i32.const ${
        8 * constants
      }))))`,
    );
    emit(
      `      (call $${pass} ${arrays.map((a) => `(i32.add ${get(a)} ${get("first")})`).join(" ")} ${
        get("n")
      } ${get("inner")} (i32.shl (i32.mul ${get("c")} ${get("inner")}) (i32.const 2)) ${
        Array.from({ length: constants }, (_, j) => `(f64.load offset=${8 * j} ${get("p")})`).join(
          " ",
        )
      })`,
    );
    emit(`      (local.set $ch (i32.add ${get("ch")} (i32.const 1))) (br $lc)))`);
    emit(`  )`);
  };
  perChannel("bn_apply_channels", "bn_apply", ["x", "y"], 2);
  perChannel("bn_grad_channels", "bn_grad", ["g", "x", "dx"], 5);
}

function copyRuns(): void {
  // `blocks` blocks of `count` runs of `bytes` bytes: block b's k-th run from
  // src + b·blockStride + k·stride, the runs one after another at dst (a
  // strided copy's rows, a block per index of the axes before them):
  // memory.copy, the runtime's memmove, which moves a run faster than a
  // typed array's set() between views of shared memory
  emit(
    `  (func (export "copy_runs") (param $src i32) (param $stride i32) (param $dst i32) (param $bytes i32) (param $count i32) (param $blocks i32) (param $blockStride i32) (local $k i32) (local $b i32) (local $from i32)`,
  );
  emit(`    (block $db (loop $lb (br_if $db (i32.ge_u (local.get $b) (local.get $blocks)))`);
  emit(`      (local.set $from (local.get $src)) (local.set $k (i32.const 0))`);
  emit(`      (block $d (loop $l (br_if $d (i32.ge_u (local.get $k) (local.get $count)))`);
  emit(`        (memory.copy (local.get $dst) (local.get $from) (local.get $bytes))`);
  emit(`        (local.set $from (i32.add (local.get $from) (local.get $stride)))`);
  emit(`        (local.set $dst (i32.add (local.get $dst) (local.get $bytes)))`);
  emit(`        (local.set $k (i32.add (local.get $k) (i32.const 1))) (br $l)))`);
  emit(`      (local.set $src (i32.add (local.get $src) (local.get $blockStride)))`);
  emit(`      (local.set $b (i32.add (local.get $b) (i32.const 1))) (br $lb)))`);
  emit(`  )`);
}

/** The elementwise functions' WebAssembly text (module body). */
export function elementwiseFunctions(): string[] {
  lines.length = 0;
  streams();
  broadcastFunctions();
  softmaxPasses();
  maxRows();
  sigmoidGrad();
  axpy();
  momentum();
  adam();
  dropoutMask();
  exponentials();
  maxPool2x2();
  maxPool2x2Planes();
  im2col();
  copyRuns();
  sumColumns();
  maxPoolScatter();
  batchNormPasses();
  return [...lines];
}
