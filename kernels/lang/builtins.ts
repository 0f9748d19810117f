// The one table of Kern's built-ins, keywords and types: kinds and where each may be used, for the checker;
// signatures and docs (wording after LANGUAGE.md) for the language server's hover, completion and signature help.

export type BuiltinKind =
  | 'geometry' | 'value' | 'math' | 'convert' | 'select' | 'bitcast' | 'sync' | 'warp' | 'atomic'
  | 'host-alloc' | 'host-init';

export interface BuiltinParam {
  name: string;
  type: string;
}

export interface BuiltinDef {
  name: string;
  kind: BuiltinKind;
  /** Where it may be used: in kernels and fns, in run blocks, or both. */
  where: 'device' | 'host' | 'both';
  params: BuiltinParam[];
  returns: string;
  doc: string;
}

function fn(name: string, kind: BuiltinKind, where: BuiltinDef['where'], params: string, returns: string, doc: string): BuiltinDef {
  const list = params === '' ? [] : params.split(', ').map((p) => {
    const [n, t] = p.split(': ');
    return { name: n!, type: t ?? '' };
  });
  return { name, kind, where, params: list, returns, doc };
}

const UNARY_F32: [string, string][] = [
  ['exp', 'e raised to the power x.'],
  ['exp2', '2 raised to the power x.'],
  ['log', 'Natural logarithm of x.'],
  ['log2', 'Base-2 logarithm of x.'],
  ['sqrt', 'Square root of x.'],
  ['rsqrt', 'Reciprocal square root, 1 / sqrt(x).'],
  ['sin', 'Sine of x (radians).'],
  ['cos', 'Cosine of x (radians).'],
  ['tanh', 'Hyperbolic tangent of x.'],
  ['floor', 'Largest integer value not above x.'],
  ['ceil', 'Smallest integer value not below x.'],
  ['round', 'x rounded to the nearest integer value (halves away from zero).'],
];

/** The built-in functions, in the order completion lists them. */
export const BUILTIN_LIST: BuiltinDef[] = [
  fn('barrier', 'sync', 'device', '', 'void', 'Block-wide barrier: every thread of the block waits here until all have arrived. Every thread must reach the same `barrier()` call; a barrier under control flow that depends on thread or lane indices is an error.'),
  fn('warp_sum', 'warp', 'device', 'v: T', 'T', 'Sum of `v` over the 32 lanes of the warp; every lane gets the result. All 32 lanes must take part.'),
  fn('warp_max', 'warp', 'device', 'v: T', 'T', 'Maximum of `v` over the 32 lanes of the warp; every lane gets the result.'),
  fn('warp_min', 'warp', 'device', 'v: T', 'T', 'Minimum of `v` over the 32 lanes of the warp; every lane gets the result.'),
  fn('shuffle_down', 'warp', 'device', 'v: T, delta: u32', 'T', 'The value of `v` held by lane `lane + delta` (lanes past the end keep their own value).'),
  fn('shuffle_xor', 'warp', 'device', 'v: T, mask: u32', 'T', 'The value of `v` held by lane `lane ^ mask` (butterfly exchange).'),
  fn('broadcast', 'warp', 'device', 'v: T, src_lane: u32', 'T', 'The value of `v` held by lane `src_lane`, given to every lane.'),
  fn('atomic_add', 'atomic', 'device', 'target: mut T element, v: T', 'T', 'Atomically adds `v` to a `mut` buffer or shared element (`atomic_add(buf[i], v)`) and returns the old value. f32, i32 and u32.'),
  fn('atomic_max', 'atomic', 'device', 'target: mut T element, v: T', 'T', 'Atomically stores the maximum of the element and `v`, returning the old value. i32 and u32.'),
  fn('atomic_min', 'atomic', 'device', 'target: mut T element, v: T', 'T', 'Atomically stores the minimum of the element and `v`, returning the old value. i32 and u32.'),
  ...UNARY_F32.map(([name, doc]) => fn(name, 'math', 'both', 'x: f32', 'f32', doc)),
  fn('abs', 'math', 'both', 'x: T', 'T', 'Absolute value; on f32, i32 and u32.'),
  fn('pow', 'math', 'both', 'x: f32, y: f32', 'f32', 'x raised to the power y.'),
  fn('fma', 'math', 'device', 'a: f32, b: f32, c: f32', 'f32', 'Fused multiply-add: a * b + c with a single rounding.'),
  fn('min', 'math', 'both', 'a: T, b: T', 'T', 'The smaller of a and b; on f32, i32 and u32.'),
  fn('max', 'math', 'both', 'a: T, b: T', 'T', 'The larger of a and b; on f32, i32 and u32.'),
  fn('clamp', 'math', 'both', 'x: T, lo: T, hi: T', 'T', 'x limited to the range lo..hi; on f32, i32 and u32.'),
  fn('select', 'select', 'both', 'cond: bool, a: T, b: T', 'T', '`a` when `cond` is true, else `b` (both are evaluated; no branch).'),
  fn('ceil_div', 'math', 'both', 'a: T, b: T', 'T', 'Integer division rounding up: (a + b - 1) / b. Typical use: the grid size `ceil_div(n, BLOCK)`.'),
  fn('bitcast_f32', 'bitcast', 'device', 'u: u32', 'f32', 'Reinterprets the 32 bits of `u` as an f32.'),
  fn('bitcast_u32', 'bitcast', 'device', 'f: f32', 'u32', 'Reinterprets the 32 bits of `f` as a u32.'),
  fn('f16_bits', 'bitcast', 'device', 'u: u32', 'f32', 'Decodes the low 16 bits of `u` as an IEEE half-precision value.'),
  fn('bf16_bits', 'bitcast', 'device', 'u: u32', 'f32', 'Decodes the low 16 bits of `u` as a bfloat16 value.'),
  fn('f32', 'convert', 'both', 'x: i32|u32|f32', 'f32', 'Converts a value to f32 (explicit: Kern has no implicit conversions).'),
  fn('i32', 'convert', 'both', 'x: f32|u32|i32', 'i32', 'Converts a value to i32: floats truncate toward zero and saturate; integers wrap.'),
  fn('u32', 'convert', 'both', 'x: f32|i32|u32', 'u32', 'Converts a value to u32: floats truncate toward zero and saturate; integers wrap.'),
  fn('buffer', 'host-alloc', 'host', 'T: type, count: int, init: fill|range|random|file, placement = host', 'buffer', 'Allocates a device buffer of `count` elements of type `T`. Without `init` it is zero-filled on the device (no link traffic); with `init` the data is made on the host and copied host-to-device. `placement = host` keeps it in host memory mapped into the GPU: no copy, but every kernel access crosses the link.'),
  fn('fill', 'host-init', 'host', 'v: number', 'init', 'Buffer initialiser: every element is `v`.'),
  fn('range', 'host-init', 'host', 'start: number, step: number', 'init', 'Buffer initialiser: element i is `start + i * step`.'),
  fn('random', 'host-init', 'host', 'lo: number, hi: number, seed = k', 'init', 'Buffer initialiser: uniform random values in lo..hi, deterministic per `seed` (default 0).'),
  fn('file', 'host-init', 'host', 'path: string', 'init', 'Buffer initialiser: raw little-endian elements read from a file, relative to the .kern file and inside the workspace.'),
];

/** Thread geometry names; the first four have `.x/.y/.z` members. */
export const GEOMETRY: Record<string, string> = {
  thread: 'Index of this thread within its block (`thread.x`, `.y`, `.z`, all u32).',
  block: 'Index of this thread\'s block within the grid (`block.x`, `.y`, `.z`, all u32).',
  block_dim: 'Threads per block in each dimension (`block_dim.x`, `.y`, `.z`, all u32).',
  grid_dim: 'Blocks in the grid in each dimension (`grid_dim.x`, `.y`, `.z`, all u32).',
  lane: 'Index of this thread within its warp, 0‥31 (u32).',
  warp_size: 'Threads per warp: 32 (u32).',
};
export const GEOMETRY_WITH_MEMBERS = new Set(['thread', 'block', 'block_dim', 'grid_dim']);

/** Members of the geometry built-ins. */
export const GEOMETRY_MEMBERS = ['x', 'y', 'z'] as const;

/** Every built-in the checker knows, by name: the functions and the geometry and warp values. */
export const BUILTINS: Record<string, BuiltinDef> = Object.fromEntries([
  ...BUILTIN_LIST,
  ...Object.entries(GEOMETRY).map(([name, doc]) => ({
    name, kind: (GEOMETRY_WITH_MEMBERS.has(name) ? 'geometry' : 'value') as BuiltinKind, where: 'device' as const, params: [], returns: 'u32', doc,
  })),
].map((d) => [d.name, d]));

/** Keywords, with the form they take and what they do (markdown). */
export const KEYWORD_DOCS: Record<string, string> = {
  const: '`const NAME: T = expr;` — a compile-time constant (literals, other consts, arithmetic, `ceil_div`, `min`, `max`).',
  fn: '`fn name(p: T, …) -> T { … }` — a device function, inlined into the kernels that call it. No recursion.',
  kernel: '`kernel name(params) { … }` — a GPU entry point, one program instance per thread. Parameters are scalars (`n: u32`) or buffers (`x: f32[]` read-only, `y: mut f32[]` writable).',
  run: '`run name { … }` — a host-side script: allocate buffers, copy data across the link, launch kernels, read and check results. Each device-touching statement becomes a timeline event.',
  let: '`let x = e;` — an immutable binding; the type is inferred. In a run block, `let b = buffer(…)` allocates a device buffer.',
  var: '`var x: T = e;` or `var x = e;` — a mutable local.',
  mut: '`mut T[]` — a writable buffer parameter. Buffers without `mut` are read-only.',
  shared: '`shared tile: f16[256];` — per-block shared memory; the size is a const expression. Only at the top level of a kernel body.',
  if: '`if c { … } else { … }` — the condition is a `bool`; no parentheses needed.',
  else: '`else { … }` or `else if c { … }` — the branch taken when the `if` condition is false.',
  for: '`for i in a..b { … }` / `for i in a..b step s { … }` — a half-open counted loop; `i` takes the type of `a` and `b`.',
  in: '`for i in a..b` — introduces the loop range.',
  step: '`for i in a..b step s` — the loop increment (default 1).',
  while: '`while c { … }` — loops while the `bool` condition holds.',
  break: '`break;` — leaves the innermost loop.',
  continue: '`continue;` — goes on with the next iteration of the innermost loop.',
  return: '`return;` leaves a kernel; `return e;` returns a value from a fn.',
  launch: '`launch k[grid, block](args…);` — runs kernel `k` on the device. `grid` and `block` are an integer or `[x, y]` / `[x, y, z]`; arguments are host scalars or buffers.',
  read: '`read b;` — copies buffer `b` device-to-host; its contents appear in the result.',
  expect: '`expect b[i] == e within tol;` (absolute) or `expect b[i] ~= e within tol;` (relative) — checked on the host for every index `i` of `b`.',
  within: '`within tol` — the tolerance of an `expect`.',
  repeat: '`repeat k { … }` — repeats its statements k times (for timing).',
  buffer: '`buffer(T, count, init?)` — allocates a device buffer in a run block.',
  true: 'The `bool` value true.',
  false: 'The `bool` value false.',
  import: '`import "path.kern";` — brings that file\'s `const`, `fn` and `kernel` items into scope.',
};

export const TYPE_DOCS: Record<string, string> = {
  bool: 'Boolean value type (from comparisons).',
  i32: '32-bit signed integer (value and storage type).',
  u32: '32-bit unsigned integer (value and storage type).',
  f32: '32-bit IEEE float (value and storage type).',
  f16: 'Half-precision storage type: loads yield f32, stores round to nearest even.',
  bf16: 'bfloat16 storage type: loads yield f32, stores round to nearest even.',
  i8: '8-bit signed storage type: loads yield i32, stores wrap.',
  u8: '8-bit unsigned storage type: loads yield i32, stores wrap.',
};

export const STORAGE_TYPES = ['f32', 'f16', 'bf16', 'i32', 'u32', 'i8', 'u8'];

/** Named-argument names of host calls (not keywords). */
export const NAMED_ARGS: Record<string, string> = {
  placement: '`placement = host` keeps a buffer in host memory mapped into the GPU (zero-copy): no H2D copy, but every kernel access crosses the link.',
  host: '`placement = host` — the buffer lives in host memory, mapped into the GPU.',
  seed: '`seed = k` — the seed of `random(lo, hi, seed = k)` (default 0).',
};

/** `name(a: T, b: T) -> T`, the signature shown in completion and signature help. */
export function builtinSignature(b: BuiltinDef): string {
  const params = b.params.map((p) => (p.type ? `${p.name}: ${p.type}` : p.name)).join(', ');
  return b.returns === 'void' ? `${b.name}(${params})` : `${b.name}(${params}) -> ${b.returns}`;
}
