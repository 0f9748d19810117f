// Bytes and flops of one kernel launch, worked out from the IR, the launch geometry and its scalar arguments by
// the simulator's counting rules (codegen/js.ts): what the CUDA backend reports, since it cannot count on the GPU.
import type { IrExpr, IrKernel, IrMemRef, IrStmt, ValueType } from '../lang/ir';
import { STORAGE_BYTES, loadedType } from '../lang/ir';
import { exprFlops } from './js';

/** A launch as the estimate needs it. */
export interface LaunchShape {
  grid: [number, number, number];
  block: [number, number, number];
  /** Value of each scalar parameter, by parameter index (null for buffers). */
  scalars: (number | bigint | boolean | null)[];
  /** Buffer parameters bound to host-placed (mapped) buffers: their bytes cross the link. */
  hostParams?: Set<number>;
}

export interface LaunchWork {
  /** Bytes of device memory loaded and stored (as the simulator's event `bytes`). */
  bytes: number;
  flops: number;
  /** Bytes of host-placed buffers (they cross the link), as the simulator's `link_bytes`. */
  linkBytes: number;
  /** False when some decision could not be resolved and the costlier side was counted. */
  exact: boolean;
}

export interface LaunchWorkAnalysis {
  work: LaunchWork | null;
  /** Why the work is approximate or unknown (null when exact). */
  reason: string | null;
}

export interface WorkOptions {
  /** Statement executions the exact pass may spend before it falls back to the approximate one. */
  budget?: number;
}

const DEFAULT_BUDGET = 200_000;
/** What evaluating one more box costs against the budget (setting it up, and the exception that split it). */
const BOX_COST = 16;
/** Most thread ranges a trip-count sum walks; beyond, the box is halved instead. */
const MAX_SUM_CELLS = 1 << 20;

/** Bytes and flops of the launch; null when a loop's trip count depends on memory contents (or cannot be bounded). */
export function estimateLaunchWork(kernel: IrKernel, launch: LaunchShape, options: WorkOptions = {}): LaunchWork | null {
  return analyseLaunchWork(kernel, launch, options).work;
}

/** As estimateLaunchWork, with the reason when the result is approximate or unknown. */
export function analyseLaunchWork(kernel: IrKernel, launch: LaunchShape, options: WorkOptions = {}): LaunchWorkAnalysis {
  const facts = kernelFacts(kernel);
  const budget = options.budget ?? DEFAULT_BUDGET;
  for (const approx of [false, true]) {
    try {
      return runBoxes(facts, launch, approx, budget);
    } catch (err) {
      if (err instanceof Unknown) return { work: null, reason: err.reason };
      if (err instanceof OverBudget) continue;
      throw err;
    }
  }
  return { work: null, reason: 'its control flow is too costly to follow (a loop with very many passes whose cost varies)' };
}

// ---------------------------------------------------------------- values

/**
 * An integer (or f32, or 0/1 bool) interval over the threads of a box; `d` says which geometry dimensions it
 * varies with (bits of DIMS), 0 for a single value. null stands for a value that depends on memory contents.
 */
interface Iv {
  lo: number;
  hi: number;
  d: number;
  /** When known: the value is exactly c + Σ k[dim] · geometry[dim] in every thread of the box (no wrap-around). */
  k?: number[];
  c?: number;
}
type Val = Iv | null;

/** Geometry dimensions of a box: thread.x/y/z, block.x/y/z. */
const TX = 0, TY = 1, TZ = 2, BX = 3, BY = 4, BZ = 5;
const THREAD_DIMS = (1 << TX) | (1 << TY) | (1 << TZ);

const U32_MAX = 4294967295;
const TWO32 = 4294967296;

function point(v: number): Iv {
  return { lo: v, hi: v, d: 0 };
}

/** A range over the threads of a box; a single value when the bounds meet (ranges never hold NaN). */
function span(lo: number, hi: number, d: number): Iv {
  return lo === hi || d === 0 ? { lo, hi, d: 0 } : { lo, hi, d };
}

function top(t: ValueType, d: number): Iv {
  switch (t) {
    case 'u32': return { lo: 0, hi: U32_MAX, d };
    case 'i32': return { lo: -2147483648, hi: 2147483647, d };
    case 'bool': return { lo: 0, hi: 1, d };
    case 'f32': return { lo: -Infinity, hi: Infinity, d };
  }
}

/** An exact integer interval brought into the range of `t` by wrapping, when it stays contiguous. */
function wrapInt(t: ValueType, lo: number, hi: number, d: number): Iv {
  if (t === 'bool') return lo >= 0 && hi <= 1 ? span(lo, hi, d) : top(t, d);
  if (t === 'f32') return top(t, d);
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi - lo >= TWO32) return top(t, d);
  const base = t === 'u32' ? 0 : -2147483648;
  const k = Math.floor((lo - base) / TWO32);
  if (Math.floor((hi - base) / TWO32) !== k) return top(t, d);
  return span(lo - k * TWO32, hi - k * TWO32, d);
}

const cmpBool = (lo: boolean, hi: boolean, d: number): Iv => (lo ? point(1) : hi ? { lo: 0, hi: 1, d } : point(0));

// Exact single-value semantics, as the rendered JS computes them (codegen/js.ts and the sim runtime).

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

function f2i(x: number): number {
  if (x !== x) return 0;
  if (x >= 2147483647) return 2147483647;
  if (x <= -2147483648) return -2147483648;
  return x | 0;
}

function f2u(x: number): number {
  if (!(x > 0)) return 0;
  if (x >= 4294967295) return 4294967295;
  return x >>> 0;
}

const fminf = (a: number, b: number): number => (a !== a ? b : b !== b ? a : Math.min(a, b));
const fmaxf = (a: number, b: number): number => (a !== a ? b : b !== b ? a : Math.max(a, b));

function roundf(x: number): number {
  return Math.fround(x < 0 ? -Math.round(-x) : Math.round(x));
}

function f16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function pointBinary(kind: string, t: ValueType, a: number, b: number): number {
  switch (kind) {
    case '==': return a === b ? 1 : 0;
    case '!=': return a !== b ? 1 : 0;
    case '<': return a < b ? 1 : 0;
    case '<=': return a <= b ? 1 : 0;
    case '>': return a > b ? 1 : 0;
    case '>=': return a >= b ? 1 : 0;
  }
  if (t === 'f32') {
    switch (kind) {
      case '+': return Math.fround(a + b);
      case '-': return Math.fround(a - b);
      case '*': return Math.fround(a * b);
      case '/': return Math.fround(a / b);
      case '%': return Math.fround(a % b);
    }
    throw new Error(`work estimate: no f32 ${kind}`);
  }
  const u = t === 'u32';
  const wrap = (x: number): number => (u ? x >>> 0 : t === 'i32' ? x | 0 : x);
  switch (kind) {
    case '+': return wrap(a + b);
    case '-': return wrap(a - b);
    case '*': return u ? Math.imul(a, b) >>> 0 : Math.imul(a, b);
    case '/': return b === 0 ? (u ? U32_MAX : -1) : wrap(a / b);
    case '%': return b === 0 ? a : u ? a % b : (a % b) | 0;
    case '&': return wrap(a & b);
    case '|': return wrap(a | b);
    case '^': return wrap(a ^ b);
    case '<<': return b >>> 0 < 32 ? wrap(a << b) : 0;
    case '>>': return u ? (b >>> 0 < 32 ? a >>> b : 0) : b >>> 0 < 32 ? a >> b : a >> 31;
  }
  throw new Error(`work estimate: no ${t} ${kind}`);
}

function rangeBinary(kind: string, t: ValueType, a: Iv, b: Iv): Iv {
  const d = a.d | b.d;
  if (t === 'f32') {
    switch (kind) {
      case '==': case '!=': case '<': case '<=': case '>': case '>=': return { lo: 0, hi: 1, d };
      default: return top('f32', d);
    }
  }
  switch (kind) {
    case '<': return cmpBool(a.hi < b.lo, a.lo < b.hi, d);
    case '<=': return cmpBool(a.hi <= b.lo, a.lo <= b.hi, d);
    case '>': return cmpBool(a.lo > b.hi, a.hi > b.lo, d);
    case '>=': return cmpBool(a.lo >= b.hi, a.hi >= b.lo, d);
    case '==': return a.hi < b.lo || b.hi < a.lo ? point(0) : { lo: 0, hi: 1, d };
    case '!=': return a.hi < b.lo || b.hi < a.lo ? point(1) : { lo: 0, hi: 1, d };
    case '+': return wrapInt(t, a.lo + b.lo, a.hi + b.hi, d);
    case '-': return wrapInt(t, a.lo - b.hi, a.hi - b.lo, d);
    case '*': {
      const p = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi];
      return wrapInt(t, Math.min(...p), Math.max(...p), d);
    }
    case '/':
      if (b.lo === b.hi && b.lo > 0) return wrapInt(t, Math.trunc(a.lo / b.lo), Math.trunc(a.hi / b.lo), d);
      return top(t, d);
    case '%':
      if (b.lo === b.hi && b.lo > 0 && a.lo >= 0) {
        const m = b.lo;
        return Math.floor(a.lo / m) === Math.floor(a.hi / m) ? span(a.lo % m, a.hi % m, d) : span(0, m - 1, d);
      }
      return top(t, d);
    case '<<':
      if (b.lo === b.hi && b.lo >= 0 && b.lo < 32) return wrapInt(t, a.lo * 2 ** b.lo, a.hi * 2 ** b.lo, d);
      return top(t, d);
    case '>>':
      if (b.lo === b.hi && b.lo >= 0 && b.lo < 32) return span(Math.floor(a.lo / 2 ** b.lo), Math.floor(a.hi / 2 ** b.lo), d);
      return top(t, d);
    case '&':
      return a.lo >= 0 && b.lo >= 0 ? span(0, Math.min(a.hi, b.hi), d) : top(t, d);
    case '|': case '^': {
      if (a.lo < 0 || b.lo < 0) return top(t, d);
      const m = Math.max(a.hi, b.hi);
      return span(0, m === 0 ? 0 : 2 ** Math.ceil(Math.log2(m + 1)) - 1, d);
    }
  }
  return top(t, d);
}

function evalUnary(kind: '-' | '!' | '~', t: ValueType, a: Iv): Iv {
  if (a.d === 0) {
    const x = a.lo;
    if (kind === '!') return point(x !== 0 ? 0 : 1);
    if (kind === '~') return point(t === 'u32' ? ~x >>> 0 : ~x);
    if (t === 'f32') return point(-x);
    return point(t === 'u32' ? -x >>> 0 : -x | 0);
  }
  if (kind === '!') return a.lo > 0 || a.hi < 0 ? point(0) : { lo: 0, hi: 1, d: a.d };
  if (t === 'f32') return top(t, a.d);
  if (kind === '-') return wrapInt(t, -a.hi, -a.lo, a.d);
  return t === 'u32' ? wrapInt(t, U32_MAX - a.hi, U32_MAX - a.lo, a.d) : wrapInt(t, -a.hi - 1, -a.lo - 1, a.d);
}

function evalConvert(from: ValueType, to: ValueType, a: Iv): Iv {
  if (from === to) return a;
  if (a.d === 0) {
    const x = a.lo;
    if (from === 'f32') {
      if (to === 'i32') return point(f2i(x));
      if (to === 'u32') return point(f2u(x));
    }
    if (to === 'f32') return point(from === 'bool' ? x : Math.fround(x));
    if (to === 'u32') return point(from === 'bool' ? x : x >>> 0);
    if (to === 'i32') return point(from === 'bool' ? x : x | 0);
    return point(x !== 0 ? 1 : 0);
  }
  if (to === 'bool') return a.lo > 0 || a.hi < 0 ? point(1) : { lo: 0, hi: 1, d: a.d };
  if (from === 'f32') return to === 'i32' ? span(f2i(a.lo), f2i(a.hi), a.d) : span(f2u(a.lo), f2u(a.hi), a.d);
  if (to === 'f32') return top('f32', a.d);
  return wrapInt(to, a.lo, a.hi, a.d);
}

function evalMath(fn: string, t: ValueType, args: Iv[]): Iv {
  if (args.every((a) => a.d === 0)) return point(pointMath(fn, t, args.map((a) => a.lo)));
  const d = args.reduce((m, a) => m | a.d, 0);
  if (t === 'f32' || t === 'bool') return top(t, d);
  const [a, b, c] = args as [Iv, Iv, Iv];
  switch (fn) {
    case 'min': return span(Math.min(a.lo, b.lo), Math.min(a.hi, b.hi), d);
    case 'max': return span(Math.max(a.lo, b.lo), Math.max(a.hi, b.hi), d);
    case 'clamp': return span(Math.min(Math.max(a.lo, b.lo), c.lo), Math.min(Math.max(a.hi, b.hi), c.hi), d);
    case 'abs':
      if (t === 'u32' || a.lo >= 0) return a;
      if (a.hi <= 0) return wrapInt(t, -a.hi, -a.lo, d);
      return wrapInt(t, 0, Math.max(-a.lo, a.hi), d);
    case 'ceil_div':
      if (b.lo === b.hi && b.lo > 0) return wrapInt(t, Math.ceil(a.lo / b.lo), Math.ceil(a.hi / b.lo), d);
      return top(t, d);
    default: return top(t, d);
  }
}

function pointMath(fn: string, t: ValueType, a: number[]): number {
  const [x = 0, y = 0, z = 0] = a;
  const f = t === 'f32';
  switch (fn) {
    case 'exp': return Math.fround(Math.exp(x));
    case 'exp2': return Math.fround(Math.pow(2, x));
    case 'log': return Math.fround(Math.log(x));
    case 'log2': return Math.fround(Math.log2(x));
    case 'sqrt': return Math.fround(Math.sqrt(x));
    case 'rsqrt': return Math.fround(1 / Math.sqrt(x));
    case 'sin': return Math.fround(Math.sin(x));
    case 'cos': return Math.fround(Math.cos(x));
    case 'tanh': return Math.fround(Math.tanh(x));
    case 'pow': return Math.fround(Math.pow(x, y));
    case 'fma': return Math.fround(x * y + z);
    case 'floor': return Math.floor(x);
    case 'ceil': return Math.ceil(x);
    case 'round': return roundf(x);
    case 'abs': return f ? Math.abs(x) : t === 'u32' ? x : Math.abs(x) | 0;
    case 'min': return f ? fminf(x, y) : Math.min(x, y);
    case 'max': return f ? fmaxf(x, y) : Math.max(x, y);
    case 'clamp': return f ? fminf(fmaxf(x, y), z) : Math.min(Math.max(x, y), z);
    case 'ceil_div':
      if (y === 0) return t === 'u32' ? U32_MAX : -1;
      return t === 'u32' ? Math.ceil(x / y) >>> 0 : Math.ceil(x / y) | 0;
    case 'bitcast_f32': u32buf[0] = x; return f32buf[0]!;
    case 'bitcast_u32': f32buf[0] = x; return u32buf[0]!;
    case 'f16_bits': return f16ToNumber(x & 65535);
    case 'bf16_bits': u32buf[0] = (x & 65535) << 16; return f32buf[0]!;
  }
  throw new Error(`work estimate: no math function ${fn}`);
}

function scalarValue(v: number | bigint | boolean | null | undefined, t: ValueType): Val {
  if (v === null || v === undefined) return null;
  const x = typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
  switch (t) {
    case 'f32': return point(Math.fround(x));
    case 'i32': return point(x | 0);
    case 'u32': return point(x >>> 0);
    case 'bool': return point(x ? 1 : 0);
  }
}

// ---------------------------------------------------------------- what the IR says before any launch

/** A `for`-shaped loop: `i < E` (or `<=`), `i = i + S`, E and S fixed while it runs, nothing leaves it early. */
interface CountedLoop {
  induction: number;
  type: ValueType;
  inclusive: boolean;
  bound: IrExpr;
  step: IrExpr;
  /** Locals whose value may differ from one pass to the next (the induction variable among them). */
  varying: Set<number>;
  /** Locals the body or update assigns. */
  assigned: Set<number>;
  /** Whether every pass costs the same (no decision that changes the counts reads a varying local). */
  sameCost: boolean;
}

interface KernelFacts {
  kernel: IrKernel;
  elemBytes: number[];
  loops: Map<IrStmt, CountedLoop | null>;
  costFree: Map<IrStmt, boolean>;
  stmtFlops: Map<IrStmt, number>;
  /** Locals that hold a value read from memory wherever they are read. */
  mustData: Set<number>;
  globalLoads: WeakMap<IrExpr, boolean>;
}

const factsCache = new WeakMap<IrKernel, KernelFacts>();

function kernelFacts(kernel: IrKernel): KernelFacts {
  let f = factsCache.get(kernel);
  if (!f) {
    f = {
      kernel,
      elemBytes: kernel.params.map((p) => (p.kind === 'buffer' ? STORAGE_BYTES[p.elem] : 0)),
      loops: new Map(),
      costFree: new Map(),
      stmtFlops: new Map(),
      mustData: new Set(),
      globalLoads: new WeakMap(),
    };
    computeMustData(f);
    factsCache.set(kernel, f);
  }
  return f;
}

function readsOf(e: IrExpr, out: Set<number>): Set<number> {
  switch (e.op) {
    case 'local': out.add(e.local); break;
    case 'binary': readsOf(e.left, out); readsOf(e.right, out); break;
    case 'unary': case 'convert': readsOf(e.operand, out); break;
    case 'math': for (const a of e.args) readsOf(a, out); break;
    case 'select': readsOf(e.cond, out); readsOf(e.ifTrue, out); readsOf(e.ifFalse, out); break;
    case 'load': readsOf(e.index, out); break;
    default: break;
  }
  return out;
}

function readsAny(e: IrExpr, set: Set<number>): boolean {
  for (const x of readsOf(e, new Set())) if (set.has(x)) return true;
  return false;
}

function hasGlobalLoad(f: KernelFacts, e: IrExpr): boolean {
  const known = f.globalLoads.get(e);
  if (known !== undefined) return known;
  let r: boolean;
  switch (e.op) {
    case 'load': r = e.mem.space === 'global' || hasGlobalLoad(f, e.index); break;
    case 'binary': r = hasGlobalLoad(f, e.left) || hasGlobalLoad(f, e.right); break;
    case 'unary': case 'convert': r = hasGlobalLoad(f, e.operand); break;
    case 'math': r = e.args.some((a) => hasGlobalLoad(f, a)); break;
    case 'select': r = hasGlobalLoad(f, e.cond) || hasGlobalLoad(f, e.ifTrue) || hasGlobalLoad(f, e.ifFalse); break;
    default: r = false;
  }
  f.globalLoads.set(e, r);
  return r;
}

function hasAnyLoad(e: IrExpr): boolean {
  switch (e.op) {
    case 'load': return true;
    case 'binary': return hasAnyLoad(e.left) || hasAnyLoad(e.right);
    case 'unary': case 'convert': return hasAnyLoad(e.operand);
    case 'math': return e.args.some(hasAnyLoad);
    case 'select': return hasAnyLoad(e.cond) || hasAnyLoad(e.ifTrue) || hasAnyLoad(e.ifFalse);
    default: return false;
  }
}

function assignedIn(stmts: IrStmt[], out: Set<number>): Set<number> {
  for (const s of stmts) {
    switch (s.op) {
      case 'assign': out.add(s.local); break;
      case 'atomic': if (s.dest !== null) out.add(s.dest); break;
      case 'warp': out.add(s.dest); break;
      case 'if': assignedIn(s.then, out); assignedIn(s.else, out); break;
      case 'loop': assignedIn(s.body, out); assignedIn(s.update, out); break;
      case 'block': assignedIn(s.body, out); break;
      default: break;
    }
  }
  return out;
}

function labelsIn(stmts: IrStmt[], out: Set<string>): Set<string> {
  for (const s of stmts) {
    if (s.op === 'loop') { out.add(s.label); labelsIn(s.body, out); labelsIn(s.update, out); }
    else if (s.op === 'block') { out.add(s.label); labelsIn(s.body, out); }
    else if (s.op === 'if') { labelsIn(s.then, out); labelsIn(s.else, out); }
  }
  return out;
}

/** A `return`, or a break/continue to a label not declared inside `stmts`. */
function leaves(stmts: IrStmt[], inner: Set<string>): boolean {
  return stmts.some((s) => {
    switch (s.op) {
      case 'return': return true;
      case 'break': case 'continue': return !inner.has(s.label);
      case 'if': return leaves(s.then, inner) || leaves(s.else, inner);
      case 'loop': return leaves(s.body, inner) || leaves(s.update, inner);
      case 'block': return leaves(s.body, inner);
      default: return false;
    }
  });
}

function jumps(stmts: IrStmt[]): boolean {
  return stmts.some((s) => {
    switch (s.op) {
      case 'return': case 'break': case 'continue': return true;
      case 'if': return jumps(s.then) || jumps(s.else);
      case 'loop': return jumps(s.body) || jumps(s.update);
      case 'block': return jumps(s.body);
      default: return false;
    }
  });
}

function breaksTo(stmts: IrStmt[], label: string): boolean {
  return stmts.some((s) => {
    switch (s.op) {
      case 'break': return s.label === label;
      case 'if': return breaksTo(s.then, label) || breaksTo(s.else, label);
      case 'loop': return breaksTo(s.body, label) || breaksTo(s.update, label);
      case 'block': return breaksTo(s.body, label);
      default: return false;
    }
  });
}

/** Locals read (in `stmts`, in order) before this walk definitely assigned them: added to `exposed`. */
function exposedReads(stmts: IrStmt[], assigned: Set<number>, exposed: Set<number>): void {
  const use = (e: IrExpr, a: Set<number>): void => {
    for (const x of readsOf(e, new Set())) if (!a.has(x)) exposed.add(x);
  };
  for (const s of stmts) {
    switch (s.op) {
      case 'assign': use(s.value, assigned); assigned.add(s.local); break;
      case 'store': use(s.index, assigned); use(s.value, assigned); break;
      case 'atomic': use(s.index, assigned); use(s.value, assigned); if (s.dest !== null) assigned.add(s.dest); break;
      case 'warp': use(s.value, assigned); if (s.arg) use(s.arg, assigned); assigned.add(s.dest); break;
      case 'if': {
        use(s.cond, assigned);
        const a = new Set(assigned);
        const b = new Set(assigned);
        exposedReads(s.then, a, exposed);
        exposedReads(s.else, b, exposed);
        for (const x of a) if (b.has(x)) assigned.add(x);
        break;
      }
      case 'loop': {
        if (s.cond) use(s.cond, assigned);
        const inner = new Set(assigned);
        exposedReads(s.body, inner, exposed);
        exposedReads(s.update, inner, exposed);
        break;
      }
      case 'block': {
        const inner = new Set(assigned);
        exposedReads(s.body, inner, exposed);
        if (!breaksTo(s.body, s.label)) for (const x of inner) assigned.add(x);
        break;
      }
      default: break;
    }
  }
}

/**
 * Locals that always hold a value read from memory when read: every assignment stores such a value (a load,
 * a collective's or atomic's result, or arithmetic on one), and no read can come before the first assignment.
 */
function computeMustData(f: KernelFacts): void {
  const kernel = f.kernel;
  const exposed = new Set<number>();
  exposedReads(kernel.body, new Set(), exposed);
  const values = new Map<number, (IrExpr | null)[]>();
  const collect = (stmts: IrStmt[]): void => {
    for (const s of stmts) {
      const add = (local: number, e: IrExpr | null): void => {
        const list = values.get(local) ?? [];
        list.push(e);
        values.set(local, list);
      };
      switch (s.op) {
        case 'assign': add(s.local, s.value); break;
        case 'atomic': if (s.dest !== null) add(s.dest, null); break;
        case 'warp': add(s.dest, null); break;
        case 'if': collect(s.then); collect(s.else); break;
        case 'loop': collect(s.body); collect(s.update); break;
        case 'block': collect(s.body); break;
        default: break;
      }
    }
  };
  collect(kernel.body);
  const set = f.mustData;
  for (const local of values.keys()) if (!exposed.has(local)) set.add(local);
  for (let changed = true; changed;) {
    changed = false;
    for (const local of [...set]) {
      if (values.get(local)!.some((e) => e !== null && !mustDataExpr(e, set))) {
        set.delete(local);
        changed = true;
      }
    }
  }
}

/** True when the expression's value depends on memory contents for every thread, whatever the launch. */
function mustDataExpr(e: IrExpr, set: Set<number>): boolean {
  switch (e.op) {
    case 'load': return true;
    case 'local': return set.has(e.local);
    case 'binary': return e.kind !== '&&' && e.kind !== '||' && (mustDataExpr(e.left, set) || mustDataExpr(e.right, set));
    case 'unary': case 'convert': return mustDataExpr(e.operand, set);
    case 'math': return e.args.some((a) => mustDataExpr(a, set));
    default: return false;
  }
}

/** A loop that loads, stores and computes nothing the counts see, and is left only through its own end or break. */
function costFree(f: KernelFacts, s: Extract<IrStmt, { op: 'loop' }>): boolean {
  let known = f.costFree.get(s);
  if (known === undefined) {
    const exprFree = (e: IrExpr): boolean => exprFlops(e) === 0 && !hasGlobalLoad(f, e);
    const stmtsFree = (stmts: IrStmt[]): boolean => stmts.every((x) => {
      switch (x.op) {
        case 'assign': return exprFree(x.value);
        case 'store': case 'atomic': return false;
        case 'warp': return exprFree(x.value) && (x.arg === null || exprFree(x.arg));
        case 'if': return exprFree(x.cond) && stmtsFree(x.then) && stmtsFree(x.else);
        case 'loop': return (x.cond === null || exprFree(x.cond)) && stmtsFree(x.body) && stmtsFree(x.update);
        case 'block': return stmtsFree(x.body);
        default: return true;
      }
    });
    const inner = labelsIn([s], new Set());
    known = (s.cond === null || exprFree(s.cond)) && stmtsFree(s.body) && stmtsFree(s.update) && !leaves([...s.body, ...s.update], inner);
    if (known) {
      // Skipping it loses the values it leaves; fine unless a decision after it depends on them.
      const decisive = decisionInputs(f.kernel.body, s);
      for (const x of assignedIn([...s.body, ...s.update], new Set())) if (decisive.has(x)) known = false;
    }
    f.costFree.set(s, known);
  }
  return known;
}

/** Locals whose values feed a decision (if, loop condition) outside `skip`, through any chain of assignments. */
function decisionInputs(body: IrStmt[], skip: IrStmt): Set<number> {
  const inputs = new Set<number>();
  const assigns: [number, IrExpr][] = [];
  const guards = (e: IrExpr): void => {
    switch (e.op) {
      case 'select': readsOf(e.cond, inputs); guards(e.ifTrue); guards(e.ifFalse); break;
      case 'binary': if (e.kind === '&&' || e.kind === '||') readsOf(e.left, inputs); guards(e.left); guards(e.right); break;
      case 'unary': case 'convert': guards(e.operand); break;
      case 'math': e.args.forEach(guards); break;
      case 'load': guards(e.index); break;
      default: break;
    }
  };
  const walk = (stmts: IrStmt[], outside: boolean): void => {
    for (const x of stmts) {
      const here = outside && x !== skip;
      if (here && (x.op === 'assign' || x.op === 'store' || x.op === 'atomic' || x.op === 'warp')) {
        guards(x.value);
        if (x.op !== 'assign' && x.op !== 'warp') guards(x.index);
      }
      switch (x.op) {
        case 'assign': assigns.push([x.local, x.value]); break;
        case 'if': if (here) readsOf(x.cond, inputs); walk(x.then, here); walk(x.else, here); break;
        case 'loop': if (here && x.cond) readsOf(x.cond, inputs); walk(x.body, here); walk(x.update, here); break;
        case 'block': walk(x.body, here); break;
        default: break;
      }
    }
  };
  walk(body, true);
  for (let grew = true; grew;) {
    grew = false;
    for (const [local, value] of assigns) {
      if (!inputs.has(local)) continue;
      for (const x of readsOf(value, new Set())) if (!inputs.has(x)) { inputs.add(x); grew = true; }
    }
  }
  return inputs;
}

function countedLoop(f: KernelFacts, s: Extract<IrStmt, { op: 'loop' }>): CountedLoop | null {
  if (f.loops.has(s)) return f.loops.get(s)!;
  const plan = planLoop(f, s);
  f.loops.set(s, plan);
  return plan;
}

function planLoop(f: KernelFacts, s: Extract<IrStmt, { op: 'loop' }>): CountedLoop | null {
  const c = s.cond;
  if (!c || c.op !== 'binary' || (c.operandType !== 'u32' && c.operandType !== 'i32')) return null;
  let induction: number;
  let bound: IrExpr;
  let inclusive: boolean;
  if ((c.kind === '<' || c.kind === '<=') && c.left.op === 'local') {
    induction = c.left.local; bound = c.right; inclusive = c.kind === '<=';
  } else if ((c.kind === '>' || c.kind === '>=') && c.right.op === 'local') {
    induction = c.right.local; bound = c.left; inclusive = c.kind === '>=';
  } else return null;
  if (s.update.length !== 1) return null;
  const u = s.update[0]!;
  if (u.op !== 'assign' || u.local !== induction || u.value.op !== 'binary' || u.value.kind !== '+' || u.value.operandType !== c.operandType) return null;
  let step: IrExpr;
  if (u.value.left.op === 'local' && u.value.left.local === induction) step = u.value.right;
  else if (u.value.right.op === 'local' && u.value.right.local === induction) step = u.value.left;
  else return null;
  if (hasAnyLoad(bound) || hasAnyLoad(step)) return null;
  const assigned = assignedIn([...s.body, ...s.update], new Set());
  if (readsAny(bound, assigned) || readsAny(step, assigned)) return null;
  if (assignedIn(s.body, new Set()).has(induction)) return null;
  if (leaves(s.body, labelsIn(s.body, new Set()))) return null;

  // Varying: locals carried from one pass to the next, and whatever is computed from them or under them.
  const exposed = new Set<number>();
  const start = new Set<number>();
  for (const x of readsOf(c, new Set())) exposed.add(x);
  exposedReads([...s.body, ...s.update], start, exposed);
  const varying = new Set([...exposed].filter((x) => assigned.has(x)));
  varying.add(induction);
  const decides = (e: IrExpr): boolean => readsAny(e, varying);
  const jumpsUnderVarying = (stmts: IrStmt[]): boolean => stmts.some((x) => {
    switch (x.op) {
      case 'if': return (decides(x.cond) && (jumps(x.then) || jumps(x.else))) || jumpsUnderVarying(x.then) || jumpsUnderVarying(x.else);
      case 'loop': return jumpsUnderVarying(x.body) || jumpsUnderVarying(x.update);
      case 'block': return jumpsUnderVarying(x.body);
      default: return false;
    }
  });
  const spread = (stmts: IrStmt[], taint: boolean): boolean => {
    let grew = false;
    const mark = (local: number): void => {
      if (!varying.has(local)) { varying.add(local); grew = true; }
    };
    for (const x of stmts) {
      switch (x.op) {
        case 'assign': if (taint || decides(x.value)) mark(x.local); break;
        case 'atomic': if (x.dest !== null && (taint || decides(x.value) || decides(x.index))) mark(x.dest); break;
        case 'warp': if (taint || decides(x.value) || (x.arg !== null && decides(x.arg))) mark(x.dest); break;
        case 'if': {
          const t = taint || decides(x.cond);
          if (spread(x.then, t)) grew = true;
          if (spread(x.else, t)) grew = true;
          break;
        }
        case 'loop': {
          const t = taint || (x.cond !== null && decides(x.cond)) || jumpsUnderVarying(x.body);
          if (spread(x.body, t)) grew = true;
          if (spread(x.update, t)) grew = true;
          break;
        }
        case 'block':
          if (spread(x.body, taint || jumpsUnderVarying(x.body))) grew = true;
          break;
        default: break;
      }
    }
    return grew;
  };
  while (spread([...s.body, ...s.update], false));

  // Same cost on every pass: no decision that changes the counts reads a varying local, unless it is decided
  // by memory contents every time (then the costlier side is taken every time).
  const fixed = (e: IrExpr): boolean => !decides(e) || mustDataExpr(e, f.mustData);
  const exprOk = (e: IrExpr): boolean => {
    switch (e.op) {
      case 'binary':
        if ((e.kind === '&&' || e.kind === '||') && hasGlobalLoad(f, e.right) && !fixed(e.left)) return false;
        return exprOk(e.left) && exprOk(e.right);
      case 'select':
        if ((hasGlobalLoad(f, e.ifTrue) || hasGlobalLoad(f, e.ifFalse)) && !fixed(e.cond)) return false;
        return exprOk(e.cond) && exprOk(e.ifTrue) && exprOk(e.ifFalse);
      case 'unary': case 'convert': return exprOk(e.operand);
      case 'math': return e.args.every(exprOk);
      case 'load': return exprOk(e.index);
      default: return true;
    }
  };
  const stmtsOk = (stmts: IrStmt[]): boolean => stmts.every((x) => {
    switch (x.op) {
      case 'assign': return exprOk(x.value);
      case 'store': case 'atomic': return exprOk(x.index) && exprOk(x.value);
      case 'warp': return exprOk(x.value) && (x.arg === null || exprOk(x.arg));
      case 'if': return fixed(x.cond) && exprOk(x.cond) && stmtsOk(x.then) && stmtsOk(x.else);
      case 'loop': return (x.cond === null || (fixed(x.cond) && exprOk(x.cond))) && stmtsOk(x.body) && stmtsOk(x.update);
      case 'block': return stmtsOk(x.body);
      default: return true;
    }
  });
  return { induction, type: c.operandType, inclusive, bound, step, varying, assigned, sameCost: stmtsOk(s.body) };
}

// ---------------------------------------------------------------- boxes of threads

class Split {
  constructor(readonly dims: number) {}
}

class Unknown {
  constructor(readonly reason: string) {}
}

class OverBudget {}

type Signal = null | 'return' | { kind: 'break' | 'continue'; label: string };

interface Box {
  lo: number[];
  hi: number[];
}

/**
 * The kernel is interpreted over boxes of threads (ranges of thread.* and block.*), values held as integer
 * ranges; a box where every decision that changes the counts comes out the same for all its threads is counted
 * in one go, any other box is halved (a bounds guard costs a few dozen boxes). Counted loops whose body costs
 * the same on every pass are multiplied out, their per-thread trip counts summed when they differ. Values read
 * from memory are unknown: an `if` on them counts the costlier side (inexact), a loop bounded by them makes
 * the estimate unknown. Past the budget, the approximate pass takes the costlier side of every unresolved decision.
 */
function runBoxes(f: KernelFacts, launch: LaunchShape, approx: boolean, budget: number): LaunchWorkAnalysis {
  const { grid, block } = launch;
  const kernel = f.kernel;
  const n = kernel.params.length;
  const totals = new Float64Array(1 + 2 * n);
  let exact = true;
  let reason: string | null = null;
  const steps = { left: budget };
  const stack: Box[] = [{ lo: [0, 0, 0, 0, 0, 0], hi: [block[0] - 1, block[1] - 1, block[2] - 1, grid[0] - 1, grid[1] - 1, grid[2] - 1] }];
  if (stack[0]!.hi.some((h) => h < 0)) return { work: { bytes: 0, flops: 0, linkBytes: 0, exact: true }, reason: null };
  while (stack.length) {
    const box = stack.pop()!;
    steps.left -= BOX_COST;
    const ev = new Evaluator(f, launch, box, approx, steps);
    try {
      ev.run();
    } catch (err) {
      if (!(err instanceof Split)) throw err;
      const dim = splitDim(box, err.dims);
      const mid = Math.floor((box.lo[dim]! + box.hi[dim]!) / 2);
      const low: Box = { lo: [...box.lo], hi: [...box.hi] };
      const high: Box = { lo: [...box.lo], hi: [...box.hi] };
      low.hi[dim] = mid;
      high.lo[dim] = mid + 1;
      stack.push(high, low);
      continue;
    }
    for (let i = 0; i < totals.length; i++) totals[i]! += ev.acc[i]!;
    if (!ev.exact) {
      exact = false;
      reason ??= ev.reason;
    }
  }
  let bytes = 0;
  let linkBytes = 0;
  for (let p = 0; p < n; p++) {
    const moved = (totals[1 + p]! + totals[1 + n + p]!) * f.elemBytes[p]!;
    if (launch.hostParams?.has(p)) linkBytes += moved;
    else bytes += moved;
  }
  return { work: { bytes, flops: totals[0]!, linkBytes, exact }, reason: exact ? null : reason };
}

/** The dimension to halve: block dimensions first (a guard's threshold usually falls inside one block). */
function splitDim(box: Box, dims: number): number {
  let best = -1;
  for (const group of [[BX, BY, BZ], [TX, TY, TZ]]) {
    for (const dim of group) {
      if (!(dims & (1 << dim))) continue;
      if (box.hi[dim]! > box.lo[dim]! && (best < 0 || box.hi[dim]! - box.lo[dim]! > box.hi[best]! - box.lo[best]!)) best = dim;
    }
    if (best >= 0) return best;
  }
  throw new Error('work estimate: asked to split a box along dimensions it does not span');
}

class Evaluator {
  /** Counts of all threads of the box: [flops, elements read per param…, elements written per param…]. */
  acc: Float64Array;
  exact = true;
  reason: string | null = null;
  private env: Val[];
  /** How many times, over the box, the statement being evaluated runs. */
  private mult: number;
  /** Dimensions whose per-thread trip counts are already summed into `mult` (a nested sum over them would be wrong). */
  private summed = 0;
  private readonly geometry: Iv[];
  private readonly lane: Iv;

  constructor(
    private readonly f: KernelFacts,
    private readonly launch: LaunchShape,
    private readonly box: Box,
    private readonly approx: boolean,
    private readonly steps: { left: number },
  ) {
    this.acc = new Float64Array(1 + 2 * f.kernel.params.length);
    this.env = f.kernel.locals.map(() => point(0));
    this.mult = 1;
    for (let i = 0; i < 6; i++) this.mult *= box.hi[i]! - box.lo[i]! + 1;
    const g = (dim: number): Iv => {
      const v = span(box.lo[dim]!, box.hi[dim]!, 1 << dim);
      if (v.d) {
        v.k = [0, 0, 0, 0, 0, 0];
        v.k[dim] = 1;
        v.c = 0;
      }
      return v;
    };
    this.geometry = [g(TX), g(TY), g(TZ), g(BX), g(BY), g(BZ)];
    const [bdx, bdy] = launch.block;
    const lo = (box.lo[TZ]! * bdy + box.lo[TY]!) * bdx + box.lo[TX]!;
    const hi = (box.hi[TZ]! * bdy + box.hi[TY]!) * bdx + box.hi[TX]!;
    const d = THREAD_DIMS & this.spanned();
    this.lane = Math.floor(lo / 32) === Math.floor(hi / 32) ? span(lo & 31, hi & 31, d) : span(0, 31, d);
  }

  run(): void {
    this.stmts(this.f.kernel.body);
  }

  private spanned(): number {
    let m = 0;
    for (let i = 0; i < 6; i++) if (this.box.hi[i]! > this.box.lo[i]!) m |= 1 << i;
    return m;
  }

  private tick(): void {
    if (--this.steps.left < 0) throw new OverBudget();
  }

  private approximate(reason: string): void {
    this.exact = false;
    this.reason ??= reason;
  }

  /**
   * How a decision comes out for the whole box: true/false, or null when it cannot be known (memory contents,
   * or — in the approximate pass — a range). A range in the exact pass halves the box.
   */
  private decide(v: Val): boolean | null {
    if (v === null) return null;
    if (v.d === 0) return v.lo !== 0;
    if (v.lo > 0 || v.hi < 0) return true;
    if (this.approx || !(v.d & this.spanned())) return null;
    throw new Split(v.d);
  }

  private flopsOf(s: IrStmt): number {
    let n = this.f.stmtFlops.get(s);
    if (n === undefined) {
      switch (s.op) {
        case 'assign': n = exprFlops(s.value); break;
        case 'store': n = exprFlops(s.index) + exprFlops(s.value); break;
        case 'atomic': n = exprFlops(s.index) + exprFlops(s.value) + (s.kind === 'add' && loadedType(s.elem) === 'f32' ? 1 : 0); break;
        case 'if': n = exprFlops(s.cond); break;
        case 'loop': n = s.cond ? exprFlops(s.cond) : 0; break;
        default: n = 0;
      }
      this.f.stmtFlops.set(s, n);
    }
    return n;
  }

  private stmts(list: IrStmt[]): Signal {
    for (const s of list) {
      const sig = this.stmt(s);
      if (sig !== null) return sig;
    }
    return null;
  }

  private stmt(s: IrStmt): Signal {
    this.tick();
    switch (s.op) {
      case 'assign':
        this.acc[0]! += this.flopsOf(s) * this.mult;
        this.env[s.local] = this.expr(s.value);
        return null;
      case 'store':
        this.acc[0]! += this.flopsOf(s) * this.mult;
        this.expr(s.value);
        this.expr(s.index);
        this.write(s.mem);
        return null;
      case 'atomic':
        this.acc[0]! += this.flopsOf(s) * this.mult;
        this.expr(s.index);
        this.expr(s.value);
        this.write(s.mem);
        if (s.dest !== null) this.env[s.dest] = null;
        return null;
      case 'warp':
        // Collectives count the loads of their operands, never flops (as the simulator).
        this.expr(s.value);
        if (s.arg) this.expr(s.arg);
        this.env[s.dest] = null;
        return null;
      case 'barrier':
        return null;
      case 'return':
        return 'return';
      case 'break': case 'continue':
        return { kind: s.op, label: s.label };
      case 'block': {
        const sig = this.stmts(s.body);
        return sig !== null && sig !== 'return' && sig.kind === 'break' && sig.label === s.label ? null : sig;
      }
      case 'if': {
        this.acc[0]! += this.flopsOf(s) * this.mult;
        const v = this.expr(s.cond);
        const c = this.decide(v);
        if (c !== null) return this.stmts(c ? s.then : s.else);
        return this.fork(() => this.stmts(s.then), () => this.stmts(s.else), unresolved(v, 'an if'));
      }
      case 'loop':
        return this.loop(s);
    }
  }

  private write(mem: IrMemRef): void {
    if (mem.space === 'global') this.acc[1 + this.f.kernel.params.length + mem.param]! += this.mult;
  }

  /** Runs both sides on copies; keeps the costlier one's counts (exact when both count the same). */
  private fork<T>(a: () => T, b: () => T, reason: string, same: (x: T, y: T) => boolean = sameSignal as (x: T, y: T) => boolean): T {
    const saved = this.acc;
    const before = this.env.slice();
    const accA = new Float64Array(saved.length);
    this.acc = accA;
    const ra = a();
    const envA = this.env;
    this.env = before.slice();
    const accB = new Float64Array(saved.length);
    this.acc = accB;
    const rb = b();
    const envB = this.env;
    this.acc = saved;
    const equal = same(ra, rb) && accA.every((x, i) => x === accB[i]);
    if (!equal) this.approximate(reason);
    const costA = this.cost(accA);
    const costB = this.cost(accB);
    const takeA = costA > costB || (costA === costB && (ra === null || rb !== null));
    const chosen = takeA ? accA : accB;
    for (let i = 0; i < saved.length; i++) saved[i]! += chosen[i]!;
    this.env = envA.map((x, i) => (sameVal(x, envB[i]!) ? x : null));
    return takeA ? ra : rb;
  }

  private cost(acc: Float64Array): number {
    const n = this.f.kernel.params.length;
    let total = acc[0]!;
    for (let p = 0; p < n; p++) total += (acc[1 + p]! + acc[1 + n + p]!) * this.f.elemBytes[p]!;
    return total;
  }

  private loop(s: Extract<IrStmt, { op: 'loop' }>): Signal {
    if (costFree(this.f, s)) {
      // Counts nothing however often it runs: only the values it leaves behind are lost.
      for (const x of assignedIn([...s.body, ...s.update], new Set())) this.env[x] = null;
      return null;
    }
    const plan = countedLoop(this.f, s);
    if (plan && plan.sameCost) {
      const done = this.countedLoop(s, plan);
      if (done) return null;
    }
    const condFlops = this.flopsOf(s);
    for (;;) {
      this.tick();
      if (s.cond) {
        this.acc[0]! += condFlops * this.mult;
        const c = this.expr(s.cond);
        const go = this.decide(c);
        if (go === null) {
          if (c === null) throw new Unknown(`the trip count of a loop depends on memory contents (kernel ${this.f.kernel.name})`);
          throw new Unknown(`the trip count of a loop differs between threads in a way too costly to follow (kernel ${this.f.kernel.name})`);
        }
        if (!go) return null;
      }
      const sig = this.stmts(s.body);
      if (sig !== null) {
        if (sig === 'return') return sig;
        if (sig.label === s.label) {
          if (sig.kind === 'break') return null;
        } else return sig;
      }
      const after = this.stmts(s.update);
      if (after !== null) {
        if (after !== 'return' && after.kind === 'break' && after.label === s.label) return null;
        return after;
      }
    }
  }

  /** A counted loop with the same cost on every pass: trips from the bounds, the body run once and multiplied. */
  private countedLoop(s: Extract<IrStmt, { op: 'loop' }>, plan: CountedLoop): boolean {
    const start = this.env[plan.induction]!;
    const bound = this.expr(plan.bound);
    const step = this.expr(plan.step);
    if (start === null || bound === null || step === null) {
      throw new Unknown(`the trip count of a loop depends on memory contents (kernel ${this.f.kernel.name})`);
    }
    if (step.d !== 0) {
      if (this.approx || !(step.d & this.spanned())) return false;
      throw new Split(step.d);
    }
    const by = step.lo;
    if (!(by >= 1)) return false;
    const trips = (from: number, to: number): number => {
      if (plan.inclusive) return from <= to ? Math.floor((to - from) / by) + 1 : 0;
      return from < to ? Math.ceil((to - from) / by) : 0;
    };
    const fewest = trips(start.hi, bound.lo);
    const most = trips(start.lo, bound.hi);
    const limit = plan.type === 'u32' ? U32_MAX : 2147483647;
    if (start.hi + most * by > limit) return false;
    const mult = this.mult;
    const summed = this.summed;
    // Passes over the box: the same count in every thread, or the per-thread counts summed.
    let passes = mult * most;
    const runs = mult;
    if (fewest !== most) {
      const sum = this.sumTrips(start, bound, trips);
      if (sum) {
        passes = (mult / sum.cells) * sum.total;
        this.summed |= sum.dims;
      } else {
        if (!this.approx) throw new Split(start.d | bound.d);
        this.approximate('a loop runs a different number of times in different threads (the most is counted)');
      }
    }
    this.acc[0]! += this.flopsOf(s) * (passes + runs);
    if (most > 0) {
      const before = fewest === 0 ? this.env.slice() : null;
      this.mult = passes;
      const sig = this.stmts(s.body);
      if (sig !== null) throw new Error(`work estimate: counted loop ${s.label} was left by ${JSON.stringify(sig)}`);
      this.stmts(s.update);
      for (const v of plan.varying) this.env[v] = null;
      // Threads that made no pass still hold what they held before the loop: separate them when that matters.
      if (before) {
        for (const v of plan.assigned) {
          if (sameVal(before[v]!, this.env[v]!) || plan.varying.has(v)) continue;
          if (!this.approx) throw new Split(start.d | bound.d);
          this.env[v] = null;
        }
      }
      this.env[plan.induction] = span(start.lo + fewest * by, start.hi + most * by, start.d | bound.d);
    }
    this.mult = mult;
    this.summed = summed;
    return true;
  }

  /**
   * Total trips over the threads of the box, when start and bound are linear in the geometry over dimensions
   * not summed already: a walk over those dimensions' ranges. Null when that does not apply or is too long.
   */
  private sumTrips(start: Iv, bound: Iv, trips: (from: number, to: number) => number): { total: number; cells: number; dims: number } | null {
    const dims = start.d | bound.d;
    if (dims & this.summed) return null;
    if ((start.d && !start.k) || (bound.d && !bound.k)) return null;
    const list: number[] = [];
    let cells = 1;
    for (let dim = 0; dim < 6; dim++) {
      if (!(dims & (1 << dim))) continue;
      list.push(dim);
      cells *= this.box.hi[dim]! - this.box.lo[dim]! + 1;
    }
    if (cells > MAX_SUM_CELLS) return null;
    const ks = start.k ?? [0, 0, 0, 0, 0, 0];
    const kb = bound.k ?? [0, 0, 0, 0, 0, 0];
    const cs = start.d ? start.c! : start.lo;
    const cb = bound.d ? bound.c! : bound.lo;
    // The innermost dimension is walked in a plain loop; the others as an odometer.
    const inner = list[list.length - 1]!;
    const outer = list.slice(0, -1);
    const at = outer.map((dim) => this.box.lo[dim]!);
    let total = 0;
    for (;;) {
      let s0 = cs;
      let b0 = cb;
      outer.forEach((dim, i) => { s0 += ks[dim]! * at[i]!; b0 += kb[dim]! * at[i]!; });
      for (let x = this.box.lo[inner]!; x <= this.box.hi[inner]!; x++) total += trips(s0 + ks[inner]! * x, b0 + kb[inner]! * x);
      let i = outer.length - 1;
      for (; i >= 0; i--) {
        const dim = outer[i]!;
        if (at[i]! < this.box.hi[dim]!) { at[i]!++; break; }
        at[i] = this.box.lo[dim]!;
      }
      if (i < 0) break;
    }
    return { total, cells, dims };
  }

  /** Keeps the linear form of a +, - or * of linear forms when the result did not wrap. */
  private linear(kind: string, a: Iv, b: Iv, r: Iv): Iv {
    if (r.d === 0) return r;
    const form = (v: Iv): { c: number; k: number[] } | null => (v.d === 0 ? { c: v.lo, k: [0, 0, 0, 0, 0, 0] } : v.k ? { c: v.c!, k: v.k } : null);
    const x = form(a);
    const y = form(b);
    if (!x || !y) return r;
    let c: number;
    let k: number[];
    if (kind === '+') { c = x.c + y.c; k = x.k.map((v, i) => v + y.k[i]!); }
    else if (kind === '-') { c = x.c - y.c; k = x.k.map((v, i) => v - y.k[i]!); }
    else if (a.d === 0) { c = x.c * y.c; k = y.k.map((v) => v * x.c); }
    else if (b.d === 0) { c = x.c * y.c; k = x.k.map((v) => v * y.c); }
    else return r;
    let lo = c;
    let hi = c;
    k.forEach((v, dim) => {
      lo += v * (v > 0 ? this.box.lo[dim]! : this.box.hi[dim]!);
      hi += v * (v > 0 ? this.box.hi[dim]! : this.box.lo[dim]!);
    });
    if (lo !== r.lo || hi !== r.hi || !Number.isSafeInteger(lo) || !Number.isSafeInteger(hi)) return r;
    return { lo, hi, d: r.d, k, c };
  }

  private expr(e: IrExpr): Val {
    switch (e.op) {
      case 'const': return point(e.value);
      case 'local': return this.env[e.local]!;
      case 'param': {
        const p = this.f.kernel.params[e.param]!;
        return p.kind === 'scalar' ? scalarValue(this.launch.scalars[e.param], p.type) : null;
      }
      case 'geometry': return this.geometryValue(e.name);
      case 'binary': {
        if (e.kind === '&&' || e.kind === '||') return this.logical(e);
        const a = this.expr(e.left);
        const b = this.expr(e.right);
        if (a === null || b === null) return null;
        if (a.d === 0 && b.d === 0) return point(pointBinary(e.kind, e.operandType, a.lo, b.lo));
        const r = rangeBinary(e.kind, e.operandType, a, b);
        const int = e.operandType === 'u32' || e.operandType === 'i32';
        return int && (e.kind === '+' || e.kind === '-' || e.kind === '*') ? this.linear(e.kind, a, b, r) : r;
      }
      case 'unary': {
        const a = this.expr(e.operand);
        return a === null ? null : evalUnary(e.kind, e.type, a);
      }
      case 'convert': {
        const a = this.expr(e.operand);
        return a === null ? null : evalConvert(e.from, e.type, a);
      }
      case 'math': {
        const args = e.args.map((x) => this.expr(x));
        if (args.some((x) => x === null)) return null;
        return evalMath(e.fn, e.type, args as Iv[]);
      }
      case 'select': return this.select(e);
      case 'load':
        this.expr(e.index);
        if (e.mem.space === 'global') this.acc[1 + e.mem.param]! += this.mult;
        return null;
    }
  }

  private geometryValue(name: string): Iv {
    switch (name) {
      case 'thread.x': return this.geometry[TX]!;
      case 'thread.y': return this.geometry[TY]!;
      case 'thread.z': return this.geometry[TZ]!;
      case 'block.x': return this.geometry[BX]!;
      case 'block.y': return this.geometry[BY]!;
      case 'block.z': return this.geometry[BZ]!;
      case 'block_dim.x': return point(this.launch.block[0]);
      case 'block_dim.y': return point(this.launch.block[1]);
      case 'block_dim.z': return point(this.launch.block[2]);
      case 'grid_dim.x': return point(this.launch.grid[0]);
      case 'grid_dim.y': return point(this.launch.grid[1]);
      case 'grid_dim.z': return point(this.launch.grid[2]);
      case 'lane': return this.lane;
      case 'warp_size': return point(32);
      default: throw new Error(`work estimate: no geometry ${name}`);
    }
  }

  /** `&&` / `||`: the right side (and the loads in it) only runs when the left does not decide. */
  private logical(e: Extract<IrExpr, { op: 'binary' }>): Val {
    const and = e.kind === '&&';
    const a = this.expr(e.left);
    const loads = hasGlobalLoad(this.f, e.right);
    const decided = loads ? this.decide(a) : a === null ? null : a.d === 0 ? a.lo !== 0 : a.lo > 0 || a.hi < 0 ? true : null;
    if (decided !== null) {
      if (decided !== and) return point(and ? 0 : 1);
      const b = this.expr(e.right);
      return b === null ? null : toBool(b);
    }
    if (loads) {
      this.fork(() => this.expr(e.right), () => null, unresolved(a, 'whether the loads right of && or || run'), () => false);
      return null;
    }
    const b = this.expr(e.right);
    if (a === null || b === null) return null;
    const bb = toBool(b);
    // a is a range 0..1 here.
    if (and) return bb.hi === 0 ? point(0) : { lo: 0, hi: 1, d: a.d | bb.d };
    return bb.lo === 1 ? point(1) : { lo: 0, hi: 1, d: a.d | bb.d };
  }

  /** `select`: only the chosen side runs, so only its loads count. */
  private select(e: Extract<IrExpr, { op: 'select' }>): Val {
    const c = this.expr(e.cond);
    const loads = hasGlobalLoad(this.f, e.ifTrue) || hasGlobalLoad(this.f, e.ifFalse);
    if (loads) {
      const go = this.decide(c);
      if (go !== null) return this.expr(go ? e.ifTrue : e.ifFalse);
      this.fork(() => this.expr(e.ifTrue), () => this.expr(e.ifFalse), unresolved(c, 'a select between loads'), () => true);
      return null;
    }
    const t = this.expr(e.ifTrue);
    const f = this.expr(e.ifFalse);
    if (c === null || t === null || f === null) return null;
    if (c.d === 0) return c.lo !== 0 ? t : f;
    if (c.lo > 0 || c.hi < 0) return t;
    return span(Math.min(t.lo, f.lo), Math.max(t.hi, f.hi), c.d | t.d | f.d);
  }
}

/** Why a decision was not resolved: memory contents, or (approximate pass) too many thread ranges. */
function unresolved(v: Val, what: string): string {
  return v === null
    ? `${what} depends on memory contents or on a value the estimate does not follow (the costlier side is counted)`
    : `${what} differs between threads in a way too costly to follow exactly (the costlier side is counted)`;
}

/** A value as a 0/1 condition. */
function toBool(v: Iv): Iv {
  if (v.d === 0) return point(v.lo !== 0 ? 1 : 0);
  return v.lo > 0 || v.hi < 0 ? point(1) : { lo: 0, hi: 1, d: v.d };
}

function sameSignal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const x = a as { kind: string; label: string };
  const y = b as { kind: string; label: string };
  return x.kind === y.kind && x.label === y.label;
}

function sameVal(a: Val, b: Val): boolean {
  if (a === null || b === null) return a === b;
  return Object.is(a.lo, b.lo) && Object.is(a.hi, b.hi);
}
