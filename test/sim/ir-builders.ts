// Small constructors for hand-built IR kernels in the simulator tests (the front end is built separately).
// Types follow kernels/lang/ir.ts exactly; each helper infers what the IR would record.
import type {
  IrBinaryOp, IrExpr, IrGeometry, IrKernel, IrMathFn, IrMemRef, IrParam, IrShared, IrStmt, IrWarpOp, SourceLoc, StorageType, ValueType,
} from '../../kernels/lang/ir';
import { loadedType } from '../../kernels/lang/ir';

export const FILE = 'test.kern';

export function at(line: number, column: number, file = FILE): SourceLoc {
  return { file, line, column };
}

export const u32 = (value: number): IrExpr => ({ op: 'const', type: 'u32', value: value >>> 0 });
export const i32 = (value: number): IrExpr => ({ op: 'const', type: 'i32', value: value | 0 });
export const f32 = (value: number): IrExpr => ({ op: 'const', type: 'f32', value: Math.fround(value) });
export const bool = (value: boolean): IrExpr => ({ op: 'const', type: 'bool', value: value ? 1 : 0 });
export const geo = (name: IrGeometry): IrExpr => ({ op: 'geometry', type: 'u32', name });

const COMPARISONS = new Set<IrBinaryOp>(['==', '!=', '<', '<=', '>', '>=']);

export function bin(kind: IrBinaryOp, left: IrExpr, right: IrExpr): IrExpr {
  const type: ValueType = COMPARISONS.has(kind) || kind === '&&' || kind === '||' ? 'bool' : left.type;
  return { op: 'binary', type, operandType: left.type, kind, left, right };
}
export const add = (a: IrExpr, b: IrExpr) => bin('+', a, b);
export const sub = (a: IrExpr, b: IrExpr) => bin('-', a, b);
export const mul = (a: IrExpr, b: IrExpr) => bin('*', a, b);
export const lt = (a: IrExpr, b: IrExpr) => bin('<', a, b);

export function unary(kind: '-' | '!' | '~', operand: IrExpr): IrExpr {
  return { op: 'unary', type: operand.type, kind, operand };
}
export function convert(type: ValueType, operand: IrExpr): IrExpr {
  return { op: 'convert', type, from: operand.type, operand };
}
export function math(fn: IrMathFn, ...args: IrExpr[]): IrExpr {
  let type: ValueType = args[0]!.type;
  if (fn === 'bitcast_f32' || fn === 'f16_bits' || fn === 'bf16_bits') type = 'f32';
  if (fn === 'bitcast_u32') type = 'u32';
  return { op: 'math', type, fn, args };
}
export function select(cond: IrExpr, ifTrue: IrExpr, ifFalse: IrExpr): IrExpr {
  return { op: 'select', type: ifTrue.type, cond, ifTrue, ifFalse };
}

/** Global thread index along x: block.x * block_dim.x + thread.x. */
export const globalX = (): IrExpr => add(mul(geo('block.x'), geo('block_dim.x')), geo('thread.x'));
/** Linear thread id within the block. */
export const linearTid = (): IrExpr =>
  add(mul(add(mul(geo('thread.z'), geo('block_dim.y')), geo('thread.y')), geo('block_dim.x')), geo('thread.x'));

/** Builds one kernel: declare params, locals and shared arrays, then write the body. */
export class KernelBuilder {
  readonly params: IrParam[] = [];
  readonly locals: { id: number; name: string; type: ValueType }[] = [];
  readonly shared: IrShared[] = [];
  private labels = 0;

  constructor(readonly name: string) {}

  scalar(name: string, type: ValueType): IrExpr {
    this.params.push({ kind: 'scalar', name, type });
    return { op: 'param', type, param: this.params.length - 1 };
  }

  buffer(name: string, elem: StorageType, mutable = true): Mem {
    this.params.push({ kind: 'buffer', name, elem, mutable });
    return new Mem({ space: 'global', param: this.params.length - 1 }, elem);
  }

  sharedArray(name: string, elem: StorageType, length: number, loc: SourceLoc = at(2, 3)): Mem {
    const id = this.shared.length;
    this.shared.push({ id, name, elem, length, loc });
    return new Mem({ space: 'shared', shared: id }, elem);
  }

  local(name: string, type: ValueType): Local {
    const id = this.locals.length;
    this.locals.push({ id, name, type });
    return new Local(id, type);
  }

  label(prefix = 'loop'): string {
    return `${prefix}${this.labels++}`;
  }

  /** `for v in start..end step` as the lowering writes it: assign, then a loop with cond and update. */
  forRange(v: Local, start: IrExpr, end: IrExpr, body: (label: string) => IrStmt[], step: IrExpr = v.type === 'i32' ? i32(1) : u32(1)): IrStmt[] {
    const label = this.label();
    return [v.set(start), { op: 'loop', label, cond: lt(v.get(), end), body: body(label), update: [v.set(add(v.get(), step))] }];
  }

  build(body: IrStmt[], loc: SourceLoc = at(1, 1)): IrKernel {
    const usesBarrier = JSON.stringify(body).includes('"op":"barrier"');
    const usesWarp = JSON.stringify(body).includes('"op":"warp"') || JSON.stringify(body).includes('"name":"lane"');
    return { name: this.name, params: this.params, locals: this.locals, shared: this.shared, body, usesBarrier, usesWarp, loc };
  }
}

export class Local {
  constructor(readonly id: number, readonly type: ValueType) {}
  get(): IrExpr {
    return { op: 'local', type: this.type, local: this.id };
  }
  set(value: IrExpr): IrStmt {
    return { op: 'assign', local: this.id, value };
  }
}

export class Mem {
  constructor(readonly mem: IrMemRef, readonly elem: StorageType) {}
  load(index: IrExpr, loc: SourceLoc = at(3, 5)): IrExpr {
    return { op: 'load', type: loadedType(this.elem), mem: this.mem, elem: this.elem, index, loc };
  }
  store(index: IrExpr, value: IrExpr, loc: SourceLoc = at(3, 5)): IrStmt {
    return { op: 'store', mem: this.mem, elem: this.elem, index, value, loc };
  }
  atomic(kind: 'add' | 'max' | 'min', index: IrExpr, value: IrExpr, dest: Local | null = null, loc: SourceLoc = at(4, 5)): IrStmt {
    return { op: 'atomic', kind, type: loadedType(this.elem), mem: this.mem, elem: this.elem, index, value, dest: dest ? dest.id : null, loc };
  }
}

export function iff(cond: IrExpr, then: IrStmt[], otherwise: IrStmt[] = []): IrStmt {
  return { op: 'if', cond, then, else: otherwise };
}
export function barrier(loc: SourceLoc = at(5, 3), id = 0): IrStmt {
  return { op: 'barrier', id, loc };
}
export function warp(kind: IrWarpOp, dest: Local, value: IrExpr, arg: IrExpr | null = null, loc: SourceLoc = at(6, 3)): IrStmt {
  return { op: 'warp', kind, type: value.type, dest: dest.id, value, arg, loc };
}
export function loop(label: string, cond: IrExpr | null, body: IrStmt[], update: IrStmt[] = []): IrStmt {
  return { op: 'loop', label, cond, body, update };
}
export function block(label: string, body: IrStmt[]): IrStmt {
  return { op: 'block', label, body };
}
export const brk = (label: string): IrStmt => ({ op: 'break', label });
export const cont = (label: string): IrStmt => ({ op: 'continue', label });
export const ret = (): IrStmt => ({ op: 'return' });

// ------------------------------------------------------------ running hand-built kernels

import type { ExecArg } from '../../driver/sim/executor';
import { decodeElements, encodeElements } from '../../driver/sim/storage';

export type BufferArg = Extract<ExecArg, { kind: 'buffer' }> & { elem: StorageType };

/** A buffer argument holding `values` (or `count` zeros), encoded exactly as kernel stores would. */
export function buf(name: string, elem: StorageType, values: number[] | number, placement: 'device' | 'host' = 'device'): BufferArg {
  const list = typeof values === 'number' ? new Array<number>(values).fill(0) : values;
  const bytes = encodeElements(elem, list);
  const data = new SharedArrayBuffer(bytes.byteLength);
  new Uint8Array(data).set(bytes);
  return { kind: 'buffer', name, data, placement, elem };
}

/** The numbers a buffer argument holds now. */
export function contents(arg: BufferArg): number[] {
  return decodeElements(arg.elem, new Uint8Array(arg.data));
}

export const scalarArg = (type: ValueType, value: number): ExecArg => ({ kind: 'scalar', type, value });
