// The diagnostics catalogue: every code the front end can give, with its severity, message template and
// a minimal example. docs/diagnostics.md is generated from / checked against this table.
//   K1xxx  lexical and syntax errors          (lexer.ts, parser.ts)
//   K2xxx  names, scopes and imports           (checker.ts)
//   K3xxx  types, literals and constants       (checker.ts)
//   K4xxx  kernels: barriers, shared memory, launches, run blocks (checker.ts)
//   K5xxx  warnings (unused, block size)       (checker.ts)
//   K9xxx  internal compiler errors            (index.ts: a bug in the front end, reported instead of thrown)
import type { Span } from './ast';
import type { Diagnostic, Severity } from './source';

export interface DiagnosticDef {
  severity: Severity;
  /** Message with `{0}`, `{1}`, … placeholders. */
  template: string;
  /** One-line title for the docs page. */
  title: string;
  /** A minimal .kern snippet that produces it. */
  example: string;
}

export const CATALOGUE = {
  // ---- K1xxx: syntax (owned by the parser)
  K1001: {
    severity: 'error',
    template: 'unexpected character {0}',
    title: 'Unexpected character',
    example: 'let x = 1 @ 2;',
  },
  K1002: {
    severity: 'error',
    template: "unterminated block comment: '/*' has no matching '*/'",
    title: 'Unterminated block comment',
    example: '/* never closed',
  },
  K1003: {
    severity: 'error',
    template: 'unterminated string: the closing \'"\' is missing on this line',
    title: 'Unterminated string',
    example: 'import "common.kern;',
  },
  K1004: {
    severity: 'error',
    template: "invalid number '{0}': {1}",
    title: 'Invalid number literal',
    example: 'let x = 0x;',
  },
  K1005: {
    severity: 'error',
    template: 'expected {0}, found {1}',
    title: 'Unexpected token',
    example: 'kernel k(n u32) {}',
  },
  K1006: {
    severity: 'error',
    template: "expected ';' after {0}, found {1}",
    title: 'Missing semicolon',
    example: 'kernel k() {\n  let a = 1\n  let b = 2;\n}',
  },
  K1007: {
    severity: 'error',
    template: "expected '{0}' to close {1}, found {2}",
    title: 'Unclosed bracket, parenthesis or brace',
    example: 'kernel k(n: u32) {\n  let a = (n + 1;\n}',
  },
  K1008: {
    severity: 'error',
    template: 'expected an expression, found {0}',
    title: 'Missing expression',
    example: 'kernel k() {\n  let a = ;\n}',
  },
  K1009: {
    severity: 'error',
    template: "expected a type such as 'f32', 'f32[]' or 'mut f32[]', found {0}",
    title: 'Missing type',
    example: 'kernel k(n: ) {}',
  },
  K1010: {
    severity: 'error',
    template: 'expected an item (import, const, fn, kernel or run), found {0}',
    title: 'Not an item',
    example: 'let x = 1;',
  },
  K1011: {
    severity: 'error',
    template: "'{0}' is a reserved keyword and cannot be used as a name",
    title: 'Keyword used as a name',
    example: 'kernel k() {\n  let step = 1;\n}',
  },
  K1012: {
    severity: 'error',
    template: 'cannot assign to this expression: only a variable or a buffer element can be assigned',
    title: 'Invalid assignment target',
    example: 'kernel k(n: u32) {\n  n + 1 = 2;\n}',
  },
  K1013: {
    severity: 'error',
    template: 'only a call can stand alone as a statement; the value of this {0} would be thrown away',
    title: 'Expression statement is not a call',
    example: 'kernel k(n: u32) {\n  n + 1;\n}',
  },
  K1014: {
    severity: 'error',
    template: 'nesting too deep: more than {0} levels of brackets, blocks or operators (split long expressions with `let`)',
    title: 'Nesting too deep',
    example: 'const X: i32 = 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1; // but 300 terms long',
  },
  K1015: {
    severity: 'error',
    template: "'mut' applies only to buffer types: write 'mut {0}[]'",
    title: "'mut' on a non-buffer type",
    example: 'kernel k(n: mut u32) {}',
  },
  K1016: {
    severity: 'error',
    template: "'const' is only allowed at the top level of a file; use 'let' inside a block",
    title: "'const' inside a block",
    example: 'kernel k() {\n  const N: u32 = 4;\n}',
  },
  K1017: {
    severity: 'error',
    template: 'only a function or built-in name can be called, not this {0}',
    title: 'Call of something that is not a name',
    example: 'kernel k(x: f32[]) {\n  x[0](1);\n}',
  },
  K1018: {
    severity: 'error',
    template: 'expected a statement, found {0}',
    title: 'Not a statement',
    example: 'kernel k() {\n  else { }\n}',
  },
  // ---- K2xxx..K5xxx: semantics (owned by the checker)
  // ---- K2xxx: names, scopes and imports
  K2001: { severity: 'error', template: 'cannot read file: {0}', title: 'File cannot be read', example: '// egpu check missing.kern' },
  K2002: { severity: 'error', template: 'cannot find `{0}` in this scope', title: 'Unknown name', example: 'kernel k(y: mut f32[]) {\n  y[0] = z;\n}' },
  K2003: { severity: 'error', template: '`{0}` is already declared in this scope', title: 'Duplicate declaration', example: 'const N: u32 = 1;\nconst N: u32 = 2;' },
  K2004: { severity: 'error', template: 'cannot import `{0}`: file not found', title: 'Import of a missing file', example: 'import "missing.kern";' },
  K2005: { severity: 'error', template: 'import cycle: {0}', title: 'Import cycle', example: '// a.kern\nimport "a.kern";' },
  K2006: { severity: 'error', template: '`{0}` is declared in both `{1}` and `{2}`', title: 'Name clash between files', example: '// lib.kern: const N: u32 = 1;\nimport "lib.kern";\nconst N: u32 = 2;' },
  K2007: { severity: 'error', template: '`{0}` is a {1}, not a {2}', title: 'Wrong kind of name', example: 'kernel k(y: mut f32[]) {\n  y[0] = k;\n}' },
  K2008: { severity: 'error', template: '`{0}` is used before its declaration', title: 'Use before declaration', example: 'kernel k(y: mut f32[]) {\n  y[0] = a;\n  let a = 1.0;\n  y[1] = a;\n}' },
  K2009: { severity: 'error', template: 'recursion is not allowed: {0}', title: 'Recursive fn', example: 'fn f(x: f32) -> f32 {\n  return f(x);\n}' },
  K2010: { severity: 'error', template: '`{0}` has no member `{1}`', title: 'Unknown member', example: 'kernel k(y: mut u32[]) {\n  y[0] = thread.w;\n}' },
  K2011: { severity: 'error', template: 'unknown named argument `{0}` for `{1}`', title: 'Unknown named argument', example: 'run r {\n  let b = buffer(f32, 4, fill(1.0), speed = 2);\n  read b;\n}' },
  K2012: { severity: 'error', template: 'cannot find kernel `{0}`', title: 'Launch of an unknown kernel', example: 'run r {\n  launch nothing[1, 32]();\n}' },
  K2013: { severity: 'error', template: 'cannot find buffer `{0}` in this run block', title: 'Unknown buffer in read/expect', example: 'run r {\n  read b;\n}' },
  K2014: { severity: 'error', template: 'imported file `{0}` has {1}', title: 'Errors in an imported file', example: '// lib.kern: fn f() -> f32 { return z; }\nimport "lib.kern";' },
  // ---- K3xxx: types, literals and constants
  K3001: { severity: 'error', template: 'mismatched types: expected `{0}`, found `{1}`', title: 'Type mismatch', example: 'kernel k(y: mut f32[]) {\n  y[0] = thread.x;\n}' },
  K3002: { severity: 'error', template: 'operator `{0}` cannot be applied to `{1}` and `{2}`', title: 'Bad operand types', example: 'kernel k(y: mut f32[]) {\n  y[0] = y[1] & y[2];\n}' },
  K3003: { severity: 'error', template: 'operator `{0}` cannot be applied to `{1}`', title: 'Bad unary operand', example: 'kernel k(y: mut u32[]) {\n  y[0] = -thread.x;\n}' },
  K3004: { severity: 'error', template: 'literal `{0}` does not fit in `{1}`', title: 'Literal out of range', example: 'const N: u32 = 5_000_000_000;' },
  K3005: { severity: 'error', template: 'integer literal `{0}` used where `f32` is expected; write `{0}.0`', title: 'Integer literal for a float', example: 'kernel k(y: mut f32[]) {\n  y[0] = 1;\n}' },
  K3006: { severity: 'error', template: 'float literal `{0}` used where `{1}` is expected', title: 'Float literal for an integer', example: 'kernel k(y: mut u32[]) {\n  y[0] = 1.5;\n}' },
  K3007: { severity: 'error', template: 'unknown type `{0}`', title: 'Unknown type', example: 'kernel k(y: mut f64[]) {\n}' },
  K3008: { severity: 'error', template: '`{0}` is a storage type; only buffer and shared-array elements can be `{0}`', title: 'Storage type used as a value type', example: 'kernel k(y: mut f32[]) {\n  let h: f16 = 1.0;\n  y[0] = h;\n}' },
  K3009: { severity: 'error', template: 'division by zero', title: 'Constant division by zero', example: 'kernel k(y: mut u32[]) {\n  y[0] = thread.x / 0;\n}' },
  K3010: { severity: 'error', template: 'shift by {0} is out of range for a 32-bit value (0..31)', title: 'Constant shift out of range', example: 'kernel k(y: mut u32[]) {\n  y[0] = thread.x << 32;\n}' },
  K3011: { severity: 'error', template: '{0} is not a constant expression', title: 'Not a constant expression', example: 'const N: u32 = thread.x;' },
  K3012: { severity: 'error', template: 'const `{0}` depends on itself', title: 'Const cycle', example: 'const A: u32 = B;\nconst B: u32 = A;' },
  K3013: { severity: 'error', template: 'constant value {0} does not fit in `{1}`', title: 'Constant overflow', example: 'const N: i32 = 2147483647 + 1;' },
  K3014: { severity: 'error', template: '`{0}` takes {1} but {2} given', title: 'Wrong argument count', example: 'kernel k(y: mut f32[]) {\n  y[0] = exp(1.0, 2.0);\n}' },
  K3015: { severity: 'error', template: 'cannot assign to `{0}`: it is {1}', title: 'Assignment to an immutable name', example: 'kernel k(y: mut f32[]) {\n  let x = 1.0;\n  x = 2.0;\n  y[0] = x;\n}' },
  K3016: { severity: 'error', template: 'cannot write to `{0}`: it is a read-only buffer (declare it `mut`)', title: 'Write to a read-only buffer', example: 'kernel k(y: f32[]) {\n  y[0] = 1.0;\n}' },
  K3017: { severity: 'error', template: 'cannot assign to this expression', title: 'Invalid assignment target', example: 'kernel k(y: mut f32[]) {\n  y = 1.0;\n}' },
  K3018: { severity: 'error', template: '{0} has no value', title: 'Call without a value used as a value', example: 'kernel k(y: mut f32[]) {\n  let x = barrier();\n}' },
  K3019: { severity: 'error', template: 'buffer `{0}` cannot be used as a value; index it (`{0}[i]`)', title: 'Buffer used as a value', example: 'kernel k(y: mut f32[]) {\n  let x = y;\n  y[0] = x;\n}' },
  K3020: { severity: 'error', template: 'cannot index `{0}`: it is not a buffer or shared array', title: 'Indexing a non-buffer', example: 'kernel k(y: mut f32[], n: u32) {\n  y[0] = n[0];\n}' },
  K3021: { severity: 'error', template: 'index must be an integer, found `{0}`', title: 'Non-integer index', example: 'kernel k(y: mut f32[]) {\n  y[y[0]] = 1.0;\n}' },
  K3022: { severity: 'error', template: 'fn `{0}` must return a `{1}` on every path', title: 'Missing return', example: 'fn f(x: f32) -> f32 {\n  if x > 0.0 {\n    return x;\n  }\n}' },
  K3023: { severity: 'error', template: 'fn `{0}` returns `{1}`; `return` needs a value', title: 'Return without a value', example: 'fn f(x: f32) -> f32 {\n  return;\n}' },
  K3024: { severity: 'error', template: 'fn `{0}` has no return type; `return` takes no value', title: 'Return value in a fn without a return type', example: 'fn f(x: f32) {\n  return x;\n}' },
  K3025: { severity: 'error', template: 'loop step must be positive, found {0}', title: 'Non-positive constant loop step', example: 'kernel k(y: mut i32[]) {\n  for i in 0..8 step 0 {\n    y[i] = i;\n  }\n}' },
  K3026: { severity: 'error', template: 'atomic target must be an element of a `mut` buffer or a shared array', title: 'Bad atomic target', example: 'kernel k(y: mut u32[]) {\n  var c: u32 = 0;\n  let old = atomic_add(c, 1);\n  y[0] = old + c;\n}' },
  K3027: { severity: 'error', template: '`{0}` is not supported on `{1}` elements', title: 'Unsupported atomic element type', example: 'kernel k(y: mut f32[]) {\n  atomic_max(y[0], 1.0);\n}' },
  K3028: { severity: 'error', template: '`{0}` needs a type or an initial value', title: 'Variable without type or value', example: 'kernel k(y: mut f32[]) {\n  var x;\n  y[0] = 1.0;\n}' },
  K3029: { severity: 'error', template: '`{0}` is not a parameter type; use a scalar (`n: u32`) or a buffer (`x: f32[]`)', title: 'Bad parameter type', example: 'kernel k(t: f32[4]) {\n}' },
  K3030: { severity: 'error', template: '{0} must be an integer, found `{1}`', title: 'Integer required', example: 'kernel k(y: mut f32[]) {\n  for i in 0.0..4.0 {\n    y[0] = i;\n  }\n}' },
  // ---- K4xxx: kernels, barriers, shared memory, launches and run blocks
  K4001: { severity: 'error', template: '`barrier()` under control flow that depends on {0}: every thread of the block must reach it', title: 'Barrier under divergent control flow', example: 'kernel k(y: mut f32[]) {\n  if thread.x < 16 {\n    barrier();\n  }\n  y[0] = 1.0;\n}' },
  K4002: { severity: 'error', template: '`{0}` under control flow that depends on {1}: all 32 lanes of the warp must take part', title: 'Warp collective under divergent control flow', example: 'kernel k(y: mut f32[]) {\n  if lane < 8 {\n    y[lane] = warp_sum(y[lane]);\n  }\n}' },
  K4003: { severity: 'error', template: 'shared array size must be a positive constant, found {0}', title: 'Non-constant shared array size', example: 'kernel k(n: u32) {\n  shared tile: f32[n];\n}' },
  K4004: { severity: 'error', template: 'shared memory of `{0}` is {1} bytes, over the limit of {2} bytes per block', title: 'Shared memory over the per-block limit', example: 'kernel k(y: mut f32[]) {\n  shared big: f32[16384];\n  big[0] = 1.0;\n  y[0] = big[0];\n}' },
  K4005: { severity: 'error', template: '`shared` is only allowed at the top level of a kernel body', title: 'Misplaced shared array', example: 'kernel k(y: mut f32[]) {\n  if true {\n    shared t: f32[32];\n    t[0] = 1.0;\n    y[0] = t[0];\n  }\n}' },
  K4006: { severity: 'error', template: 'a kernel returns nothing; remove the value', title: 'Return value in a kernel', example: 'kernel k(y: mut f32[]) {\n  return 1.0;\n}' },
  K4007: { severity: 'error', template: '`{0}` outside of a loop', title: 'Break or continue outside a loop', example: 'kernel k(y: mut f32[]) {\n  break;\n}' },
  K4008: { severity: 'error', template: '`{0}` is only allowed in a run block', title: 'Host statement in device code', example: 'kernel k(y: mut f32[]) {\n  read y;\n}' },
  K4009: { severity: 'error', template: '{0} is not allowed in a run block', title: 'Device statement in a run block', example: 'run r {\n  var n = 4;\n  let b = buffer(f32, n);\n  read b;\n}' },
  K4010: { severity: 'error', template: '`{0}` is only available in kernels and fns', title: 'Device built-in on the host', example: 'run r {\n  let t = thread.x;\n}' },
  K4011: { severity: 'error', template: '`{0}` is only available in run blocks', title: 'Host built-in in device code', example: 'kernel k(y: mut f32[]) {\n  let b = buffer(f32, 4);\n}' },
  K4012: { severity: 'error', template: 'parameter `{0}` of `{1}` is a buffer (`{2}`); pass a buffer', title: 'Scalar passed for a buffer parameter', example: 'kernel k(y: mut f32[]) {\n  y[0] = 1.0;\n}\nrun r {\n  launch k[1, 32](3);\n}' },
  K4013: { severity: 'error', template: 'parameter `{0}` of `{1}` is a scalar (`{2}`); a buffer cannot be passed', title: 'Buffer passed for a scalar parameter', example: 'kernel k(n: u32) {\n}\nrun r {\n  let b = buffer(u32, 4);\n  launch k[1, 32](b);\n}' },
  K4014: { severity: 'error', template: 'buffer `{0}` holds `{1}` but parameter `{2}` of `{3}` needs `{4}`', title: 'Buffer element type mismatch', example: 'kernel k(y: mut f32[]) {\n  y[0] = 1.0;\n}\nrun r {\n  let b = buffer(u32, 4);\n  launch k[1, 32](b);\n}' },
  K4015: { severity: 'error', template: 'parameter `{0}` of `{1}` is `f32`; pass a float (`{2}.0`) or convert with `f32(…)`', title: 'Integer passed for an f32 parameter', example: 'kernel k(a: f32) {\n}\nrun r {\n  launch k[1, 32](2);\n}' },
  K4016: { severity: 'error', template: 'block size {0} is over the limit of {1} threads per block', title: 'Block size over the limit', example: 'kernel k() {\n}\nrun r {\n  launch k[1, 2048]();\n}' },
  K4017: { severity: 'error', template: 'launch size must be an integer or `[x, y]` / `[x, y, z]`', title: 'Bad launch grid or block', example: 'kernel k() {\n}\nrun r {\n  launch k[[1, 2, 3, 4], 32]();\n}' },
  K4018: { severity: 'error', template: 'unknown buffer initialiser `{0}`: use `fill`, `range`, `random` or `file`', title: 'Unknown buffer initialiser', example: 'run r {\n  let b = buffer(f32, 4, zeros());\n  read b;\n}' },
  K4019: { severity: 'error', template: '`{0}` is only allowed as the value of a run-block `let`', title: 'Misplaced buffer allocation', example: 'run r {\n  let n = 1 + buffer(f32, 4);\n}' },
  K4020: { severity: 'error', template: 'placement must be `host` or `device`', title: 'Bad buffer placement', example: 'run r {\n  let b = buffer(f32, 4, placement = cloud);\n  read b;\n}' },
  K4022: { severity: 'error', template: 'buffer elements can only be read inside `expect`', title: 'Buffer element read on the host', example: 'run r {\n  let b = buffer(f32, 4);\n  let x = b[0];\n}' },
  K4023: { severity: 'error', template: 'a kernel cannot be called; launch it from a run block', title: 'Kernel called as a function', example: 'kernel k(y: mut f32[]) {\n  y[0] = 1.0;\n}\nkernel m(y: mut f32[]) {\n  k(y);\n}' },
  K4024: { severity: 'error', template: 'argument `{0}` must be a buffer or shared array name', title: 'Bad buffer argument to a fn', example: 'fn first(x: f32[]) -> f32 {\n  return x[0];\n}\nkernel k(y: mut f32[]) {\n  y[0] = first(1.0);\n}' },
  K4025: { severity: 'error', template: '{0} dimension {1} is {2}, over the limit of {3}', title: 'Launch dimension over the limit', example: 'kernel k() {\n}\nrun r {\n  launch k[1, [1, 1, 128]]();\n}' },
  K4026: { severity: 'error', template: '`within` tolerance must not be negative, found {0}', title: 'Negative tolerance', example: 'kernel k(y: mut f32[]) {\n  y[0] = 1.0;\n}\nrun r {\n  let b = buffer(f32, 32);\n  launch k[1, 32](b);\n  expect b[i] ~= 1.0 within -0.1;\n}' },
  // ---- K5xxx: warnings
  K5001: { severity: 'warning', template: 'unused variable `{0}` (prefix it with `_` to silence this)', title: 'Unused variable', example: 'kernel k(y: mut f32[]) {\n  let x = 1.0;\n  y[0] = 2.0;\n}' },
  K5002: { severity: 'warning', template: 'block size {0} is not a multiple of the warp size (32); the last warp runs partly idle', title: 'Block size not a multiple of 32', example: 'kernel k() {\n}\nrun r {\n  launch k[1, 100]();\n}' },
  // ---- K9xxx: internal errors (a bug in the front end, never the user's mistake)
  K9001: { severity: 'error', template: 'internal compiler error: {0}; please report it', title: 'Internal compiler error', example: '// any file that makes the front end fail' },
} satisfies Record<string, DiagnosticDef>;

export type DiagnosticCode = keyof typeof CATALOGUE;

/** Builds a diagnostic from the catalogue, filling the template's placeholders. */
export function makeDiagnostic(code: DiagnosticCode, file: string, span: Span, ...args: (string | number)[]): Diagnostic {
  const def: DiagnosticDef = CATALOGUE[code];
  const message = def.template.replace(/\{(\d+)\}/g, (_m, i: string) => String(args[Number(i)] ?? ''));
  return { code, severity: def.severity, message, file, span };
}
