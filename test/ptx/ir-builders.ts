// Hand-built IR for codegen and CUDA tests: small constructors plus a few complete kernels (saxpy, reductions, …).
// Lets the PTX renderer be tested without the front end.
import type {
  IrExpr, IrGeometry, IrKernel, IrLocal, IrMathFn, IrParam, IrShared, IrStmt, SourceLoc, StorageType, ValueType,
} from '../../kernels/lang/ir';
import { loadedType } from '../../kernels/lang/ir';

export const at = (line: number, column = 3, file = 'test.kern'): SourceLoc => ({ file, line, column });

export const u32 = (value: number): IrExpr => ({ op: 'const', type: 'u32', value });
export const i32 = (value: number): IrExpr => ({ op: 'const', type: 'i32', value });
export const f32 = (value: number): IrExpr => ({ op: 'const', type: 'f32', value: Math.fround(value) });
export const bool = (value: boolean): IrExpr => ({ op: 'const', type: 'bool', value: value ? 1 : 0 });
export const local = (l: IrLocal): IrExpr => ({ op: 'local', type: l.type, local: l.id });
export const param = (index: number, type: ValueType): IrExpr => ({ op: 'param', type, param: index });
export const geo = (name: IrGeometry): IrExpr => ({ op: 'geometry', type: 'u32', name });

const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);
export function bin(kind: Extract<IrExpr, { op: 'binary' }>['kind'], left: IrExpr, right: IrExpr): IrExpr {
  const type: ValueType = COMPARISONS.has(kind) || kind === '&&' || kind === '||' ? 'bool' : left.type;
  return { op: 'binary', type, operandType: left.type, kind, left, right };
}
export const un = (kind: '-' | '!' | '~', operand: IrExpr): IrExpr => ({ op: 'unary', type: operand.type, kind, operand });
export const cvt = (type: ValueType, operand: IrExpr): IrExpr => ({ op: 'convert', type, from: operand.type, operand });
export const math = (fn: IrMathFn, type: ValueType, ...args: IrExpr[]): IrExpr => ({ op: 'math', type, fn, args });
export const sel = (cond: IrExpr, ifTrue: IrExpr, ifFalse: IrExpr): IrExpr => ({ op: 'select', type: ifTrue.type, cond, ifTrue, ifFalse });
export const load = (param: number, elem: StorageType, index: IrExpr, line = 1): IrExpr =>
  ({ op: 'load', type: loadedType(elem), mem: { space: 'global', param }, elem, index, loc: at(line) });
export const loadShared = (shared: number, elem: StorageType, index: IrExpr, line = 1): IrExpr =>
  ({ op: 'load', type: loadedType(elem), mem: { space: 'shared', shared }, elem, index, loc: at(line) });

export const assign = (l: IrLocal, value: IrExpr): IrStmt => ({ op: 'assign', local: l.id, value });
export const store = (param: number, elem: StorageType, index: IrExpr, value: IrExpr, line = 1): IrStmt =>
  ({ op: 'store', mem: { space: 'global', param }, elem, index, value, loc: at(line) });
export const storeShared = (shared: number, elem: StorageType, index: IrExpr, value: IrExpr, line = 1): IrStmt =>
  ({ op: 'store', mem: { space: 'shared', shared }, elem, index, value, loc: at(line) });
export const iff = (cond: IrExpr, then: IrStmt[], otherwise: IrStmt[] = []): IrStmt => ({ op: 'if', cond, then, else: otherwise });
export const barrier = (line = 1): IrStmt => ({ op: 'barrier', id: 0, loc: at(line) });

/** A kernel under construction: declare locals and shared arrays, then `finish(body)`. */
export class KernelBuilder {
  readonly locals: IrLocal[] = [];
  readonly shared: IrShared[] = [];
  constructor(readonly name: string, readonly params: IrParam[], readonly line = 1) {}

  local(name: string, type: ValueType): IrLocal {
    const l = { id: this.locals.length, name, type };
    this.locals.push(l);
    return l;
  }

  sharedArray(name: string, elem: StorageType, length: number): number {
    this.shared.push({ id: this.shared.length, name, elem, length, loc: at(this.line + 1) });
    return this.shared.length - 1;
  }

  finish(body: IrStmt[]): IrKernel {
    const usesBarrier = JSON.stringify(body).includes('"op":"barrier"');
    const json = JSON.stringify(body);
    const usesWarp = json.includes('"op":"warp"') || json.includes('"name":"lane"');
    return { name: this.name, params: this.params, locals: this.locals, shared: this.shared, body, usesBarrier, usesWarp, loc: at(this.line, 1) };
  }
}

export const scalarParam = (name: string, type: ValueType): IrParam => ({ kind: 'scalar', name, type });
export const bufferParam = (name: string, elem: StorageType, mutable = false): IrParam => ({ kind: 'buffer', name, elem, mutable });

/** Global thread index: block.x * block_dim.x + thread.x. */
export const globalIndex = (): IrExpr => bin('+', bin('*', geo('block.x'), geo('block_dim.x')), geo('thread.x'));

/** kernel saxpy(n: u32, a: f32, x: f32[], y: mut f32[]) { let i = …; if i < n { y[i] = a * x[i] + y[i]; } } */
export function saxpyKernel(): IrKernel {
  const k = new KernelBuilder('saxpy', [scalarParam('n', 'u32'), scalarParam('a', 'f32'), bufferParam('x', 'f32'), bufferParam('y', 'f32', true)], 3);
  const i = k.local('i', 'u32');
  return k.finish([
    assign(i, globalIndex()),
    iff(bin('<', local(i), param(0, 'u32')), [
      store(3, 'f32', local(i), bin('+', bin('*', param(1, 'f32'), load(2, 'f32', local(i), 6)), load(3, 'f32', local(i), 6)), 6),
    ]),
  ]);
}

/** kernel to_f16(n: u32, x: f32[], y: mut f16[]) — converts with round-to-nearest-even. */
export function toHalfKernel(elem: 'f16' | 'bf16' = 'f16'): IrKernel {
  const k = new KernelBuilder(`to_${elem}`, [scalarParam('n', 'u32'), bufferParam('x', 'f32'), bufferParam('y', elem, true)]);
  const i = k.local('i', 'u32');
  return k.finish([
    assign(i, globalIndex()),
    iff(bin('<', local(i), param(0, 'u32')), [store(2, elem, local(i), load(1, 'f32', local(i), 4), 4)]),
  ]);
}

/** kernel block_sum(x: f32[], out: mut f32[]): shared-memory tree, warp_sum, atomic_add. */
export function blockSumKernel(): IrKernel {
  const k = new KernelBuilder('block_sum', [bufferParam('x', 'f32'), bufferParam('out', 'f32', true)], 10);
  const tile = k.sharedArray('tile', 'f32', 256);
  const t = k.local('t', 'u32');
  const s = k.local('s', 'u32');
  const v = k.local('v', 'f32');
  const total = k.local('total', 'f32');
  return k.finish([
    assign(t, geo('thread.x')),
    storeShared(tile, 'f32', local(t), load(0, 'f32', globalIndex(), 13), 13),
    barrier(14),
    assign(s, u32(128)),
    {
      op: 'loop', label: 'halve', cond: bin('>=', local(s), u32(32)), body: [
        iff(bin('<', local(t), local(s)), [
          storeShared(tile, 'f32', local(t), bin('+', loadShared(tile, 'f32', local(t), 17), loadShared(tile, 'f32', bin('+', local(t), local(s)), 17)), 17),
        ]),
        barrier(18),
      ], update: [assign(s, bin('>>', local(s), u32(1)))],
    },
    iff(bin('<', local(t), u32(32)), [
      assign(v, loadShared(tile, 'f32', local(t), 21)),
      { op: 'warp', kind: 'sum', type: 'f32', dest: total.id, value: local(v), arg: null, loc: at(22) },
      iff(bin('==', geo('lane'), u32(0)), [
        { op: 'atomic', kind: 'add', type: 'f32', mem: { space: 'global', param: 1 }, elem: 'f32', index: u32(0), value: local(total), dest: null, loc: at(24) },
      ]),
    ]),
  ]);
}

/** One kernel that uses every IR construct, type and built-in: what ptxas must accept on every target. */
export function everythingKernel(): IrKernel {
  const k = new KernelBuilder('everything', [
    scalarParam('n', 'u32'), scalarParam('k', 'i32'), scalarParam('a', 'f32'), scalarParam('flag', 'bool'),
    bufferParam('xs', 'f32'), bufferParam('hs', 'f16'), bufferParam('bs', 'bf16'), bufferParam('is', 'i8'), bufferParam('us', 'u8'),
    bufferParam('ws', 'u32'), bufferParam('out', 'f32', true), bufferParam('iout', 'i32', true), bufferParam('bytes', 'i8', true),
    bufferParam('halves', 'f16', true), bufferParam('brains', 'bf16', true), bufferParam('counts', 'u32', true),
  ], 30);
  const sf = k.sharedArray('sf', 'f32', 64);
  const sh = k.sharedArray('sh', 'f16', 64);
  const sb = k.sharedArray('sb', 'bf16', 64);
  const si = k.sharedArray('si', 'i32', 64);
  const su = k.sharedArray('su', 'u8', 64);
  const i = k.local('i', 'u32');
  const j = k.local('j', 'i32');
  const x = k.local('x', 'f32');
  const b = k.local('b', 'bool');
  const acc = k.local('acc', 'f32');
  const w = k.local('w', 'u32');
  const r = k.local('r', 'f32');
  const ri = k.local('ri', 'i32');
  const ru = k.local('ru', 'u32');
  const rb = k.local('rb', 'bool');
  const body: IrStmt[] = [
    assign(i, globalIndex()),
    iff(bin('>=', local(i), param(0, 'u32')), [{ op: 'return' }]),
    assign(j, cvt('i32', local(i))),
    assign(x, load(4, 'f32', local(i))),
    assign(b, bin('&&', param(3, 'bool'), bin('!=', local(x), f32(0)))),
    assign(acc, f32(0)),
  ];
  // Every f32 math function and binary operator.
  for (const fn of ['exp', 'exp2', 'log', 'log2', 'sqrt', 'rsqrt', 'sin', 'cos', 'tanh', 'abs', 'floor', 'ceil', 'round'] as IrMathFn[]) {
    body.push(assign(acc, bin('+', local(acc), math(fn, 'f32', local(x)))));
  }
  body.push(
    assign(acc, bin('+', local(acc), math('pow', 'f32', local(x), param(2, 'f32')))),
    assign(acc, math('fma', 'f32', local(acc), param(2, 'f32'), local(x))),
    assign(acc, math('clamp', 'f32', math('min', 'f32', local(acc), f32(100)), f32(-1), math('max', 'f32', local(x), f32(5)))),
  );
  for (const op of ['+', '-', '*', '/', '%'] as const) body.push(assign(acc, bin(op, local(acc), local(x))));
  for (const op of ['==', '!=', '<', '<=', '>', '>='] as const) body.push(assign(b, bin('||', local(b), bin(op, local(x), param(2, 'f32')))));
  // Integer arithmetic with both signednesses.
  for (const op of ['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>'] as const) {
    body.push(assign(j, bin(op, local(j), param(1, 'i32'))));
    body.push(assign(w, bin(op, local(i), cvt('u32', local(j)))));
  }
  for (const op of ['==', '!=', '<', '<=', '>', '>='] as const) {
    body.push(assign(b, bin('^', local(b), bin(op, local(j), i32(-3)))));
    body.push(assign(b, bin('==', local(b), bin(op, local(w), u32(7)))));
  }
  body.push(
    assign(j, un('-', un('~', math('abs', 'i32', local(j))))),
    assign(j, math('clamp', 'i32', math('min', 'i32', local(j), i32(9)), i32(-9), math('max', 'i32', local(j), i32(2)))),
    assign(w, math('ceil_div', 'u32', local(w), u32(3))),
    assign(j, math('ceil_div', 'i32', local(j), i32(-4))),
    assign(w, math('clamp', 'u32', math('abs', 'u32', local(w)), u32(1), u32(1000))),
    assign(b, un('!', sel(local(b), bool(false), bool(true)))),
    assign(x, sel(local(b), un('-', local(x)), f32(1.5))),
    assign(j, sel(local(b), local(j), i32(-1))),
    // Conversions between every pair of value types.
    assign(ri, bin('+', cvt('i32', local(x)), cvt('i32', local(w)))),
    assign(ru, bin('+', cvt('u32', local(x)), cvt('u32', local(j)))),
    assign(r, bin('+', cvt('f32', local(j)), cvt('f32', local(w)))),
    assign(r, bin('+', local(r), cvt('f32', local(b)))),
    assign(ri, bin('+', local(ri), cvt('i32', local(b)))),
    // Bit casts and packed halves.
    assign(ru, bin('^', local(ru), math('bitcast_u32', 'u32', local(r)))),
    assign(r, bin('+', math('bitcast_f32', 'f32', local(ru)), math('f16_bits', 'f32', load(9, 'u32', local(i))))),
    assign(r, bin('+', local(r), math('bf16_bits', 'f32', bin('>>', load(9, 'u32', local(i)), u32(16))))),
    // Every storage type, loaded and stored, global and shared.
    assign(r, bin('+', local(r), bin('+', load(5, 'f16', local(i)), load(6, 'bf16', local(i))))),
    assign(ri, bin('+', local(ri), bin('+', load(7, 'i8', local(i)), load(8, 'u8', local(i))))),
    store(12, 'i8', local(i), local(ri)),
    store(13, 'f16', local(i), local(r)),
    store(14, 'bf16', local(i), local(r)),
    store(13, 'f16', u32(0), f32(0.5)),
    storeShared(sf, 'f32', bin('&', local(i), u32(63)), local(r)),
    storeShared(sh, 'f16', bin('&', local(i), u32(63)), local(r)),
    storeShared(sb, 'bf16', bin('&', local(i), u32(63)), local(r)),
    storeShared(si, 'i32', bin('&', local(i), u32(63)), local(ri)),
    storeShared(su, 'u8', bin('&', local(i), u32(63)), local(ri)),
    barrier(40),
    assign(r, bin('+', local(r), bin('+', loadShared(sf, 'f32', u32(3)), loadShared(sh, 'f16', u32(5))))),
    assign(r, bin('+', local(r), loadShared(sb, 'bf16', bin('&', bin('+', local(i), u32(1)), u32(63))))),
    assign(ri, bin('+', local(ri), bin('+', loadShared(si, 'i32', u32(1)), loadShared(su, 'u8', u32(2))))),
    // Loops, blocks, break and continue.
    { op: 'loop', label: 'outer', cond: bin('<', local(j), i32(100)), body: [
      iff(bin('==', bin('%', local(j), i32(7)), i32(0)), [{ op: 'continue', label: 'outer' }]),
      { op: 'loop', label: 'inner', cond: null, body: [
        assign(j, bin('+', local(j), i32(3))),
        iff(bin('>', local(j), i32(50)), [{ op: 'break', label: 'outer' }]),
        iff(bin('>', local(j), i32(20)), [{ op: 'break', label: 'inner' }], [{ op: 'continue', label: 'inner' }]),
      ], update: [] },
    ], update: [assign(j, bin('+', local(j), i32(1)))] },
    { op: 'block', label: 'inlined', body: [
      assign(r, bin('*', local(r), f32(2))),
      iff(local(b), [{ op: 'break', label: 'inlined' }]),
      assign(r, bin('-', local(r), f32(1))),
    ] },
  );
  // Warp collectives on every value type.
  const kinds = ['sum', 'max', 'min'] as const;
  for (const kind of kinds) {
    body.push({ op: 'warp', kind, type: 'f32', dest: r.id, value: local(r), arg: null, loc: at(50) });
    body.push({ op: 'warp', kind, type: 'i32', dest: ri.id, value: local(ri), arg: null, loc: at(51) });
    body.push({ op: 'warp', kind, type: 'u32', dest: ru.id, value: local(ru), arg: null, loc: at(52) });
  }
  body.push(
    { op: 'warp', kind: 'max', type: 'bool', dest: rb.id, value: local(b), arg: null, loc: at(53) },
    { op: 'warp', kind: 'shuffle_down', type: 'f32', dest: r.id, value: local(r), arg: u32(1), loc: at(54) },
    { op: 'warp', kind: 'shuffle_xor', type: 'i32', dest: ri.id, value: local(ri), arg: u32(4), loc: at(55) },
    { op: 'warp', kind: 'broadcast', type: 'u32', dest: ru.id, value: local(ru), arg: local(w), loc: at(56) },
    { op: 'warp', kind: 'broadcast', type: 'bool', dest: rb.id, value: local(rb), arg: u32(0), loc: at(57) },
  );
  // Atomics: f32 add, and add/max/min on i32 and u32, global and shared, with and without the old value.
  for (const kind of ['add', 'max', 'min'] as const) {
    body.push({ op: 'atomic', kind, type: 'i32', mem: { space: 'global', param: 11 }, elem: 'i32', index: u32(0), value: local(ri), dest: ri.id, loc: at(60) });
    body.push({ op: 'atomic', kind, type: 'u32', mem: { space: 'global', param: 15 }, elem: 'u32', index: local(w), value: local(ru), dest: null, loc: at(61) });
    body.push({ op: 'atomic', kind, type: 'i32', mem: { space: 'shared', shared: si }, elem: 'i32', index: u32(0), value: local(ri), dest: null, loc: at(62) });
  }
  body.push(
    { op: 'atomic', kind: 'add', type: 'f32', mem: { space: 'global', param: 10 }, elem: 'f32', index: local(i), value: local(r), dest: r.id, loc: at(63) },
    { op: 'atomic', kind: 'add', type: 'f32', mem: { space: 'shared', shared: sf }, elem: 'f32', index: u32(0), value: local(r), dest: null, loc: at(64) },
    store(10, 'f32', local(i), bin('+', local(acc), sel(local(rb), local(r), f32(0)))),
    store(11, 'i32', local(i), bin('+', local(j), local(ri))),
    store(15, 'u32', local(i), bin('+', local(ru), bin('+', geo('lane'), bin('+', geo('warp_size'), bin('+', geo('grid_dim.x'), bin('+', geo('block.y'), geo('thread.z'))))))),
  );
  return k.finish(body);
}
