// WGSL shared by every kernel: the parameter block and the 2-D dispatch index.
//
// Every kernel reads its parameters from one uniform block of 64 u32 words
// (`p(i)`, `pf(i)` for floats). Element-wise kernels are dispatched over two
// dimensions of workgroups, so sizes past 65,535 workgroups in one dimension
// work; `linearIndex` turns the pair back into one element index.

/** A kernel as the backend consumes it. */
export interface Kernel {
  /** WGSL source. */
  code: string;
  /** Threads per workgroup (x·y·z). */
  workgroupSize: number;
  /** Storage bindings after the parameter block: inputs, then the output. */
  bindings: number;
}

/** Number of u32 parameter words. */
export const PARAM_WORDS = 64;

/** Threads per workgroup for element-wise kernels. */
export const WG = 256;

export const PARAMS = /* wgsl */ `
struct Params { u: array<vec4<u32>, ${PARAM_WORDS / 4}> }
@group(0) @binding(0) var<uniform> params: Params;
fn p(i: u32) -> u32 { return params.u[i / 4u][i % 4u]; }
fn pf(i: u32) -> f32 { return bitcast<f32>(p(i)); }
`;

export const LINEAR_INDEX = /* wgsl */ `
fn linearIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 {
  return (wid.y * nwg.x + wid.x) * ${WG}u + lid.x;
}
`;

/** The entry point of an element-wise kernel over `p(0)` elements. */
export function elementwiseMain(body: string): string {
  return /* wgsl */ `
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = linearIndex(wid, nwg, lid);
  if (i >= p(0)) { return; }
${body}
}`;
}

/**
 * Storage binding declarations from binding 1: `inputs` read-only, then the
 * buffers the kernel writes (`out` unless named: one, or several).
 */
export function storage(
  inputs: readonly string[],
  out: string | readonly string[] = "out",
): string {
  const outputs = typeof out === "string" ? [out] : out;
  const line = (name: string, k: number, access: string) =>
    `@group(0) @binding(${k + 1}) var<storage, ${access}> ${name}: array<f32>;`;
  return [
    ...inputs.map((name, k) => line(name, k, "read")),
    ...outputs.map((name, k) => line(name, inputs.length + k, "read_write")),
  ].join("\n");
}

/**
 * Decode element index `i` into offsets of strided operands. Parameters from
 * word `base`: rank, then `MAX_RANK` extents, then `MAX_RANK` strides per operand.
 */
export const MAX_RANK = 8;

export function stridedOffsets(operands: number, base = 1): string {
  const decl = Array.from({ length: operands }, (_, k) => `var off${k} = 0u;`).join(" ");
  const adds = Array.from(
    { length: operands },
    (_, k) => `off${k} += c * p(${base + 1 + MAX_RANK * (k + 1)}u + d);`,
  ).join(" ");
  return /* wgsl */ `
  ${decl}
  var rest = i;
  let rank = p(${base}u);
  for (var dd = 0u; dd < rank; dd++) {
    let d = rank - 1u - dd;
    let extent = p(${base + 1}u + d);
    let c = rest % extent;
    rest = rest / extent;
    ${adds}
  }`;
}

/**
 * A kernel factory that makes each variant once: the backend looks pipelines
 * up by source, and building the source again for every dispatch costs more
 * than the dispatch.
 */
export function memoKernel<A extends (string | number | boolean)[]>(
  make: (...args: A) => Kernel,
): (...args: A) => Kernel {
  const made = new Map<string, Kernel>();
  return (...args: A) => {
    const key = args.join("|");
    let kernel = made.get(key);
    if (!kernel) made.set(key, kernel = make(...args));
    return kernel;
  };
}
