// Programs nested as deep as the parser accepts (MAX_NESTING), one per kind of nesting: shared by
// nesting.test.ts and the child process deep-passes.ts that runs every later pass on them.
import { parse } from '../../kernels/lang/parser';

export const DEEP_SHAPES: Record<string, (n: number) => string> = {
  'sum of buffer elements': (n) => `kernel k(y: mut f32[]) {\n  y[0] = ${Array.from({ length: n }, (_, i) => `y[${i % 8}]`).join(' + ')};\n}\n`,
  'prefix minus on a literal': (n) => `kernel k(y: mut f32[]) {\n  y[0] = ${'-'.repeat(n)}1.0;\n}\n`,
  'prefix minus on an element': (n) => `kernel k(y: mut i32[]) {\n  y[0] = ${'-'.repeat(n)}y[1];\n}\n`,
  'nested calls': (n) => `kernel k(y: mut f32[]) {\n  y[0] = ${'abs('.repeat(n)}y[1]${')'.repeat(n)};\n}\n`,
  'nested indexing': (n) => `kernel k(y: mut u32[]) {\n  y[0] = ${'y['.repeat(n)}0${']'.repeat(n)};\n}\n`,
  'nested ifs': (n) => `kernel k(y: mut f32[]) {\n  ${'if y[0] > 0.0 { '.repeat(n)}y[0] = 1.0;${' }'.repeat(n)}\n}\n`,
  'else-if chain': (n) => `kernel k(y: mut f32[]) {\n  if y[0] > 0.0 { y[0] = 1.0; }${Array.from({ length: n }, (_, i) => ` else if y[0] > ${i}.5 { y[0] = ${i}.0; }`).join('')}\n}\n`,
  'product chain in a fn': (n) => `fn f(x: f32) -> f32 {\n  return ${Array(n).fill('x').join(' * ')};\n}\nkernel k(y: mut f32[]) {\n  y[0] = f(y[1]);\n}\n`,
  'untyped const chain': (n) => `const C = ${Array(n).fill('1').join(' + ')};\nkernel k(y: mut i32[]) {\n  y[0] = C;\n}\n`,
  'comparison chain': (n) => `kernel k(y: mut f32[]) {\n  if ${Array.from({ length: n }, (_, i) => `y[${i % 8}] > 0.0`).join(' && ')} {\n    y[0] = 1.0;\n  }\n}\n`,
  'host arithmetic': (n) => `kernel k(a: f32, y: mut f32[]) {\n  y[thread.x] = a;\n}\nrun r {\n  let b = buffer(f32, 32);\n  launch k[1, 32](${Array(n).fill('0.5').join(' + ')}, b);\n  expect b[i] ~= ${Array(n).fill('0.5').join(' + ')} within 1e-3;\n}\n`,
  'blocks and a sum together': (n) => {
    const half = n >> 1;
    return `kernel k(y: mut f32[]) {\n  ${'if y[0] > 0.0 { '.repeat(half)}y[0] = ${Array.from({ length: n - half }, (_, i) => `y[${i % 8}]`).join(' + ')};${' }'.repeat(half)}\n}\n`;
  },
};

/** The largest `n` whose program parses without diagnostics (parsing is monotone in `n`). */
export function largestAccepted(make: (n: number) => string): number {
  let lo = 1;
  let hi = 1024;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (parse('/deep.kern', make(mid)).diagnostics.length === 0) lo = mid;
    else hi = mid;
  }
  return lo;
}
