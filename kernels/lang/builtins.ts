// The table of Kern built-ins and keywords: signatures and one-line docs for the checker and the language
// server (hover, completion, signature help). Type rules live in the checker; this is the user-facing face.

export type BuiltinKind =
  | 'geometry' | 'value' | 'math' | 'convert' | 'select' | 'bitcast' | 'sync' | 'warp' | 'atomic'
  | 'host-alloc' | 'host-init';

export interface BuiltinDef {
  name: string;
  kind: BuiltinKind;
  /** Signature as shown to users, e.g. `exp(x: f32) -> f32`. */
  signature: string;
  /** Parameter labels, for signature help. */
  params: string[];
  doc: string;
  /** Where it may be used: kernels and fns, run blocks, or both. */
  where: 'device' | 'host' | 'both';
}

function def(name: string, kind: BuiltinKind, signature: string, params: string[], doc: string, where: BuiltinDef['where'] = 'device'): BuiltinDef {
  return { name, kind, signature, params, doc, where };
}

const F32_UNARY: [string, string][] = [
  ['exp', 'e raised to x'],
  ['exp2', '2 raised to x'],
  ['log', 'natural logarithm'],
  ['log2', 'base-2 logarithm'],
  ['sqrt', 'square root'],
  ['rsqrt', 'reciprocal square root, 1 / sqrt(x)'],
  ['sin', 'sine (radians)'],
  ['cos', 'cosine (radians)'],
  ['tanh', 'hyperbolic tangent'],
  ['floor', 'largest integer value not above x'],
  ['ceil', 'smallest integer value not below x'],
  ['round', 'nearest integer value, halves away from zero'],
];

/** Every built-in callable or value, by name. */
export const BUILTINS: Record<string, BuiltinDef> = Object.fromEntries(
  [
    def('thread', 'geometry', 'thread.x | thread.y | thread.z: u32', [], 'Index of this thread within its block.'),
    def('block', 'geometry', 'block.x | block.y | block.z: u32', [], 'Index of this thread\'s block within the grid.'),
    def('block_dim', 'geometry', 'block_dim.x | block_dim.y | block_dim.z: u32', [], 'Number of threads per block in each dimension.'),
    def('grid_dim', 'geometry', 'grid_dim.x | grid_dim.y | grid_dim.z: u32', [], 'Number of blocks in the grid in each dimension.'),
    def('lane', 'value', 'lane: u32', [], 'Index of this thread within its warp (0..31).'),
    def('warp_size', 'value', 'warp_size: u32', [], 'Threads per warp (32).'),
    ...F32_UNARY.map(([n, d]) => def(n, 'math', `${n}(x: f32) -> f32`, ['x: f32'], `The ${d}.`, 'both')),
    def('pow', 'math', 'pow(x: f32, y: f32) -> f32', ['x: f32', 'y: f32'], 'x raised to the power y.', 'both'),
    def('fma', 'math', 'fma(a: f32, b: f32, c: f32) -> f32', ['a: f32', 'b: f32', 'c: f32'], 'a * b + c with a single rounding.'),
    def('abs', 'math', 'abs(x: T) -> T  (T = f32, i32, u32)', ['x: T'], 'Absolute value.', 'both'),
    def('min', 'math', 'min(a: T, b: T) -> T  (T = f32, i32, u32)', ['a: T', 'b: T'], 'The smaller of a and b; also in consts and run blocks.', 'both'),
    def('max', 'math', 'max(a: T, b: T) -> T  (T = f32, i32, u32)', ['a: T', 'b: T'], 'The larger of a and b; also in consts and run blocks.', 'both'),
    def('clamp', 'math', 'clamp(x: T, lo: T, hi: T) -> T  (T = f32, i32, u32)', ['x: T', 'lo: T', 'hi: T'], 'x limited to lo..hi: min(max(x, lo), hi).', 'both'),
    def('ceil_div', 'math', 'ceil_div(a: T, b: T) -> T  (T = i32, u32)', ['a: T', 'b: T'], 'a / b rounded up: how many blocks of b cover a; also in consts and run blocks.', 'both'),
    def('select', 'select', 'select(c: bool, a: T, b: T) -> T', ['c: bool', 'a: T', 'b: T'], 'a when c is true, else b (both are evaluated).', 'both'),
    def('f32', 'convert', 'f32(x) -> f32', ['x'], 'Converts an integer (or bool) to f32, rounding to nearest.', 'both'),
    def('i32', 'convert', 'i32(x) -> i32', ['x'], 'Converts to i32: floats truncate toward zero and saturate; u32 wraps.', 'both'),
    def('u32', 'convert', 'u32(x) -> u32', ['x'], 'Converts to u32: floats truncate toward zero and saturate; i32 wraps.', 'both'),
    def('bitcast_f32', 'bitcast', 'bitcast_f32(u: u32) -> f32', ['u: u32'], 'Reinterprets the 32 bits of u as an f32.'),
    def('bitcast_u32', 'bitcast', 'bitcast_u32(f: f32) -> u32', ['f: f32'], 'Reinterprets the 32 bits of f as a u32.'),
    def('f16_bits', 'bitcast', 'f16_bits(u: u32) -> f32', ['u: u32'], 'Decodes the low 16 bits of u as an IEEE half-precision value.'),
    def('bf16_bits', 'bitcast', 'bf16_bits(u: u32) -> f32', ['u: u32'], 'Decodes the low 16 bits of u as a bfloat16 value.'),
    def('barrier', 'sync', 'barrier()', [], 'Waits until every thread of the block reaches this barrier; shared-memory writes before it are visible after it.'),
    def('warp_sum', 'warp', 'warp_sum(v: T) -> T', ['v: T'], 'Sum of v over the 32 lanes of the warp (every lane gets it).'),
    def('warp_max', 'warp', 'warp_max(v: T) -> T', ['v: T'], 'Largest v over the 32 lanes of the warp.'),
    def('warp_min', 'warp', 'warp_min(v: T) -> T', ['v: T'], 'Smallest v over the 32 lanes of the warp.'),
    def('shuffle_down', 'warp', 'shuffle_down(v: T, delta: u32) -> T', ['v: T', 'delta: u32'], 'v from lane + delta (this lane\'s own v when that is past lane 31).'),
    def('shuffle_xor', 'warp', 'shuffle_xor(v: T, mask: u32) -> T', ['v: T', 'mask: u32'], 'v from lane ^ mask (butterfly exchange).'),
    def('broadcast', 'warp', 'broadcast(v: T, src_lane: u32) -> T', ['v: T', 'src_lane: u32'], 'v from lane src_lane, to every lane.'),
    def('atomic_add', 'atomic', 'atomic_add(buf[i], v: T) -> T  (T = f32, i32, u32)', ['buf[i]', 'v: T'], 'Adds v to the element atomically; returns the old value.'),
    def('atomic_max', 'atomic', 'atomic_max(buf[i], v: T) -> T  (T = i32, u32)', ['buf[i]', 'v: T'], 'Stores max(old, v) atomically; returns the old value.'),
    def('atomic_min', 'atomic', 'atomic_min(buf[i], v: T) -> T  (T = i32, u32)', ['buf[i]', 'v: T'], 'Stores min(old, v) atomically; returns the old value.'),
    def('buffer', 'host-alloc', 'buffer(T, count[, init][, placement = host])', ['T', 'count: int', 'init', 'placement = host | device'], 'Allocates a device buffer of count elements of T; with init, fills it on the host and copies it over the link.', 'host'),
    def('fill', 'host-init', 'fill(v)', ['v'], 'Every element is v.', 'host'),
    def('range', 'host-init', 'range(start, step)', ['start', 'step'], 'Element i is start + i * step.', 'host'),
    def('random', 'host-init', 'random(lo, hi, seed = k)', ['lo', 'hi', 'seed = k'], 'Uniform random values in lo..hi, deterministic per seed (default 0).', 'host'),
    def('file', 'host-init', 'file("path.bin")', ['path'], 'Raw little-endian elements read from a file next to the .kern file.', 'host'),
  ].map((d) => [d.name, d]),
);

/** Members of the geometry built-ins. */
export const GEOMETRY_MEMBERS = ['x', 'y', 'z'] as const;

/** Type names, with their docs (value types first, then storage-only types). */
export const TYPE_DOCS: Record<string, string> = {
  bool: 'Boolean value (from comparisons).',
  i32: '32-bit signed integer.',
  u32: '32-bit unsigned integer.',
  f32: '32-bit IEEE float.',
  f16: 'Storage type: IEEE half float; loads as f32, stores round to nearest even.',
  bf16: 'Storage type: bfloat16; loads as f32, stores round to nearest even.',
  i8: 'Storage type: 8-bit signed integer; loads as i32, stores wrap.',
  u8: 'Storage type: 8-bit unsigned integer; loads as i32, stores wrap.',
};

/** Keywords, with a one-line doc and the form they take. */
export const KEYWORD_DOCS: Record<string, { signature: string; doc: string }> = {
  const: { signature: 'const NAME: T = expr;', doc: 'A compile-time constant (literals, other consts, arithmetic, ceil_div, min, max).' },
  fn: { signature: 'fn name(p: T, …) -> T { … }', doc: 'A device function, inlined where it is called; no recursion.' },
  kernel: { signature: 'kernel name(params) { … }', doc: 'A GPU entry point: one instance per thread; launched from a run block.' },
  run: { signature: 'run name { … }', doc: 'A host-side script: allocates buffers, launches kernels, reads and checks results.' },
  let: { signature: 'let x = e;', doc: 'An immutable binding.' },
  var: { signature: 'var x: T = e;', doc: 'A mutable variable (type inferred when omitted; zero when no value is given).' },
  mut: { signature: 'y: mut f32[]', doc: 'Marks a buffer parameter writable.' },
  shared: { signature: 'shared tile: T[N];', doc: 'Per-block shared memory; N is a constant; only at the top level of a kernel body.' },
  if: { signature: 'if c { … } else { … }', doc: 'Runs a block when the bool condition holds.' },
  else: { signature: 'else { … } | else if c { … }', doc: 'The branch taken when the condition is false.' },
  for: { signature: 'for i in a..b step s { … }', doc: 'Counts i from a up to (not including) b; a, b and s are evaluated once; s must be positive.' },
  in: { signature: 'for i in a..b', doc: 'Introduces the range of a for loop.' },
  step: { signature: 'for i in a..b step s', doc: 'The increment of a for loop (default 1).' },
  while: { signature: 'while c { … }', doc: 'Repeats the block while the bool condition holds.' },
  break: { signature: 'break;', doc: 'Leaves the innermost loop.' },
  continue: { signature: 'continue;', doc: 'Goes on with the next iteration of the innermost loop.' },
  return: { signature: 'return; | return e;', doc: 'Leaves the kernel (no value) or the fn (with its value).' },
  launch: { signature: 'launch k[grid, block](args…);', doc: 'Runs kernel k on the device; grid and block are an integer or [x, y] / [x, y, z].' },
  read: { signature: 'read b;', doc: 'Copies buffer b device-to-host; its contents appear in the result.' },
  expect: { signature: 'expect b[i] == e within tol; | expect b[i] ~= e within tol;', doc: 'Checks every element of b on the host: == absolute tolerance, ~= relative.' },
  within: { signature: 'within tol', doc: 'The tolerance of an expect.' },
  repeat: { signature: 'repeat k { … }', doc: 'Repeats its statements k times (for timing).' },
  buffer: { signature: BUILTINS['buffer']!.signature, doc: BUILTINS['buffer']!.doc },
  true: { signature: 'true: bool', doc: 'The bool value true.' },
  false: { signature: 'false: bool', doc: 'The bool value false.' },
  import: { signature: 'import "path.kern";', doc: 'Brings the consts, fns and kernels of another file into scope.' },
};
