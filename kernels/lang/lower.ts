// Lowering: turns the checked syntax tree into the IR (ir.ts). Inlines fns, hoists calls, warp collectives
// and atomics out of expressions (keeping left-to-right order and short-circuiting), folds consts.
import type { Arg, Block, CallExpr, Expr, FnItem, IndexExpr, KernelItem, RunItem, Span, Stmt } from './ast';
import type { Checked, Sym } from './checker';
import {
  loadedType, type HostExpr, type HostType, type IrAtomicOp, type IrBinaryOp, type IrBufferInit, type IrExpr, type IrGeometry, type IrHostStmt,
  type IrKernel, type IrLocal, type IrMathFn, type IrMemRef, type IrParam, type IrProgram, type IrRun, type IrShared,
  type IrStmt, type IrWarpOp, type SourceLoc, type StorageType, type ValueType,
} from './ir';
import { LineMap } from './source';
import { constNumber, type Ty } from './types';

const WARP_KINDS: Record<string, IrWarpOp> = {
  warp_sum: 'sum', warp_max: 'max', warp_min: 'min', shuffle_down: 'shuffle_down', shuffle_xor: 'shuffle_xor', broadcast: 'broadcast',
};
const ATOMIC_KINDS: Record<string, IrAtomicOp> = { atomic_add: 'add', atomic_max: 'max', atomic_min: 'min' };
const MATH = new Set<string>([
  'exp', 'exp2', 'log', 'log2', 'sqrt', 'rsqrt', 'sin', 'cos', 'tanh', 'abs', 'floor', 'ceil', 'round', 'pow', 'fma',
  'min', 'max', 'clamp', 'ceil_div', 'bitcast_f32', 'bitcast_u32', 'f16_bits', 'bf16_bits',
]);

/** Lowers a checked program without errors. The main file's runs; the kernels of every loaded file. */
export function lowerProgram(c: Checked, mainPath: string): IrProgram {
  const locs = new Locator(c);
  const decls = new Map<object, Sym>();
  for (const s of c.syms) if (s.kind === 'local' || s.kind === 'loopvar' || s.kind === 'shared') decls.set(s.decl, s);
  const kernels: IrKernel[] = [];
  const runs: IrRun[] = [];
  for (const [path, file] of c.files) {
    for (const item of file.items) {
      if (item.kind === 'Kernel') kernels.push(new KernelLowering(c, locs, decls, c.itemSyms.get(item)!, item).lower());
      else if (item.kind === 'Run' && path === mainPath) runs.push(new RunLowering(c, locs, path, item).lower());
    }
  }
  const consts: IrProgram['consts'] = {};
  for (const sym of c.syms) {
    if (sym.kind === 'const' && sym.constValue && sym.ty.kind === 'value') {
      consts[sym.name] = { type: sym.ty.type, value: constNumber(sym.constValue) };
    }
  }
  return { file: mainPath, kernels, runs, consts };
}

class Locator {
  private readonly maps = new Map<string, LineMap>();
  constructor(private readonly c: Checked) {}

  at(file: string, span: Span): SourceLoc {
    let map = this.maps.get(file);
    if (!map) {
      map = new LineMap(this.c.files.get(file)!.text);
      this.maps.set(file, map);
    }
    const p = map.position(span.start);
    return { file, line: p.line + 1, column: p.character + 1 };
  }
}

type Binding =
  | { kind: 'local'; id: number; type: ValueType }
  | { kind: 'param'; index: number; type: ValueType }
  | { kind: 'mem'; mem: IrMemRef; elem: StorageType };

interface FnFrame {
  file: string;
  bindings: Map<Sym, Binding>;
  /** Innermost loop label first. */
  loops: string[];
  /** Set while lowering an inlined fn body. */
  fnReturn: { label: string; result: number | null } | null;
}

class KernelLowering {
  private readonly params: IrParam[] = [];
  private readonly locals: IrLocal[] = [];
  private readonly shared: IrShared[] = [];
  private out: IrStmt[] = [];
  private frame: FnFrame;
  private labels = 0;
  private barriers = 0;
  private usesBarrier = false;
  private usesWarp = false;

  constructor(
    private readonly c: Checked,
    private readonly locs: Locator,
    private readonly decls: Map<object, Sym>,
    private readonly sym: Sym,
    private readonly item: KernelItem,
  ) {
    this.frame = { file: sym.file, bindings: new Map(), loops: [], fnReturn: null };
  }

  lower(): IrKernel {
    (this.sym.params ?? []).forEach((p, index) => {
      const ty = p.ty;
      if (ty.kind === 'buffer') {
        this.params.push({ kind: 'buffer', name: p.name, elem: ty.elem, mutable: ty.mutable });
        this.frame.bindings.set(p, { kind: 'mem', mem: { space: 'global', param: index }, elem: ty.elem });
      } else if (ty.kind === 'value') {
        this.params.push({ kind: 'scalar', name: p.name, type: ty.type });
        this.frame.bindings.set(p, { kind: 'param', index, type: ty.type });
      } else throw new Error(`lowering kernel ${this.sym.name}: parameter ${p.name} has no type`);
    });
    this.stmts(this.item.body.stmts);
    return {
      name: this.sym.name,
      params: this.params,
      locals: this.locals,
      shared: this.shared,
      body: this.out,
      usesBarrier: this.usesBarrier,
      usesWarp: this.usesWarp,
      loc: this.locs.at(this.sym.file, this.sym.nameSpan),
    };
  }

  // ------------------------------------------------------------ helpers

  private loc(span: Span): SourceLoc {
    return this.locs.at(this.frame.file, span);
  }

  private newLocal(name: string, type: ValueType): number {
    const id = this.locals.length;
    this.locals.push({ id, name, type });
    return id;
  }

  private temp(type: ValueType): number {
    return this.newLocal(`$t${this.locals.length}`, type);
  }

  private label(base: string): string {
    return `${base}${this.labels++}`;
  }

  private emit(s: IrStmt): void {
    this.out.push(s);
  }

  /** Lowers statements into a fresh list. */
  private nested(fill: () => void): IrStmt[] {
    const saved = this.out;
    this.out = [];
    fill();
    const body = this.out;
    this.out = saved;
    return body;
  }

  private tyOf(e: Expr): ValueType {
    const t = this.c.types.get(e);
    if (!t || t.kind !== 'value') throw new Error(`lowering: expression at ${e.span.start} in ${this.frame.file} has no value type`);
    return t.type;
  }

  private symOf(node: object): Sym {
    const s = this.c.refs.get(node as Expr);
    if (!s) throw new Error(`lowering: unresolved name in ${this.frame.file}`);
    return s;
  }

  private binding(sym: Sym): Binding {
    const b = this.frame.bindings.get(sym);
    if (!b) throw new Error(`lowering: ${sym.name} has no binding in ${this.sym.name}`);
    return b;
  }

  private memOf(base: Expr): { mem: IrMemRef; elem: StorageType } {
    const b = this.binding(this.symOf(base));
    if (b.kind !== 'mem') throw new Error(`lowering: ${this.symOf(base).name} is not a buffer`);
    return b;
  }

  /** Whether evaluating e may have effects (fn calls, warp collectives, atomics) that must stay in order. */
  private hasEffects(e: Expr): boolean {
    switch (e.kind) {
      case 'Call': {
        const s = this.c.refs.get(e.callee);
        if (s?.kind === 'fn' || e.callee.name in WARP_KINDS || e.callee.name in ATOMIC_KINDS || e.callee.name === 'barrier') return true;
        return e.args.some((a) => this.hasEffects(a.value));
      }
      case 'Binary': return this.hasEffects(e.left) || this.hasEffects(e.right);
      case 'Unary': return this.hasEffects(e.operand);
      case 'Index': return this.hasEffects(e.index);
      default: return false;
    }
  }

  /** Keeps a value computed before later effects: copies it to a temporary unless it cannot change. */
  private stable(v: IrExpr): IrExpr {
    if (v.op === 'const' || v.op === 'local' || v.op === 'param' || v.op === 'geometry') return v;
    const t = this.temp(v.type);
    this.emit({ op: 'assign', local: t, value: v });
    return { op: 'local', type: v.type, local: t };
  }

  private exprs(list: Expr[]): IrExpr[] {
    const out: IrExpr[] = [];
    list.forEach((e, i) => {
      const v = this.expr(e);
      out.push(list.slice(i + 1).some((x) => this.hasEffects(x)) ? this.stable(v) : v);
    });
    return out;
  }

  // ------------------------------------------------------------ expressions

  private expr(e: Expr): IrExpr {
    const cv = this.c.constVals.get(e);
    const ty = this.c.types.get(e);
    if (cv && ty?.kind === 'value') return { op: 'const', type: ty.type, value: constNumber(cv) };
    switch (e.kind) {
      case 'Name': {
        const sym = this.c.refs.get(e);
        if (!sym) {
          if (e.name === 'lane') this.usesWarp = true;
          return { op: 'geometry', type: 'u32', name: e.name === 'lane' ? 'lane' : 'warp_size' };
        }
        const b = this.binding(sym);
        if (b.kind === 'local') return { op: 'local', type: b.type, local: b.id };
        if (b.kind === 'param') return { op: 'param', type: b.type, param: b.index };
        throw new Error(`lowering: buffer ${sym.name} used as a value`);
      }
      case 'Member':
        return { op: 'geometry', type: 'u32', name: `${(e.base as { name: string }).name}.${e.member.name}` as IrGeometry };
      case 'Unary':
        return { op: 'unary', type: this.tyOf(e), kind: e.op, operand: this.expr(e.operand) };
      case 'Binary': {
        const type = this.tyOf(e);
        const operandType = this.tyOf(e.left);
        if ((e.op === '&&' || e.op === '||') && this.hasEffects(e.right)) {
          // Short-circuit with effects on the right: t = left; if (t) / if (!t) { t = right }.
          const t = this.temp('bool');
          this.emit({ op: 'assign', local: t, value: this.expr(e.left) });
          const tv: IrExpr = { op: 'local', type: 'bool', local: t };
          const body = this.nested(() => this.emit({ op: 'assign', local: t, value: this.expr(e.right) }));
          this.emit(e.op === '&&' ? { op: 'if', cond: tv, then: body, else: [] } : { op: 'if', cond: tv, then: [], else: body });
          return tv;
        }
        const [left, right] = this.exprs([e.left, e.right]);
        return { op: 'binary', type, operandType, kind: e.op as IrBinaryOp, left: left!, right: right! };
      }
      case 'Index': {
        const { mem, elem } = this.memOf(e.base);
        return { op: 'load', type: loadedType(elem), mem, elem, index: this.expr(e.index), loc: this.loc(e.span) };
      }
      case 'Call': {
        const v = this.call(e, true);
        if (!v) throw new Error(`lowering: call to ${e.callee.name} has no value`);
        return v;
      }
      default:
        throw new Error(`lowering: unexpected ${e.kind} expression`);
    }
  }

  private call(e: CallExpr, wantValue: boolean): IrExpr | null {
    const name = e.callee.name;
    const sym = this.c.refs.get(e.callee);
    if (sym?.kind === 'fn') return this.inline(e, sym);
    const args = e.args.map((a) => a.value);
    if (name === 'barrier') {
      this.usesBarrier = true;
      this.emit({ op: 'barrier', id: this.barriers++, loc: this.loc(e.span) });
      return null;
    }
    if (name in WARP_KINDS) {
      this.usesWarp = true;
      const type = this.tyOf(e);
      const [value, arg] = this.exprs(args);
      const dest = this.temp(type);
      this.emit({ op: 'warp', kind: WARP_KINDS[name]!, type, dest, value: value!, arg: arg ?? null, loc: this.loc(e.span) });
      return { op: 'local', type, local: dest };
    }
    if (name in ATOMIC_KINDS) {
      const target = args[0] as IndexExpr;
      const { mem, elem } = this.memOf(target.base);
      const type = loadedType(elem);
      const [index, value] = this.exprs([target.index, args[1]!]);
      const dest = wantValue ? this.temp(type) : null;
      this.emit({ op: 'atomic', kind: ATOMIC_KINDS[name]!, type, mem, elem, index: index!, value: value!, dest, loc: this.loc(e.span) });
      return dest === null ? null : { op: 'local', type, local: dest };
    }
    const type = this.tyOf(e);
    if (name === 'f32' || name === 'i32' || name === 'u32') {
      const operand = this.expr(args[0]!);
      return operand.type === type ? operand : { op: 'convert', type, from: operand.type, operand };
    }
    if (name === 'select') {
      const [cond, ifTrue, ifFalse] = this.exprs(args);
      return { op: 'select', type, cond: cond!, ifTrue: ifTrue!, ifFalse: ifFalse! };
    }
    if (MATH.has(name)) {
      let lowered = this.exprs(args);
      if (name === 'bitcast_f32' || name === 'f16_bits' || name === 'bf16_bits') {
        lowered = lowered.map((a) => (a.type === 'u32' ? a : { op: 'convert', type: 'u32', from: a.type, operand: a }));
      }
      return { op: 'math', type, fn: name as IrMathFn, args: lowered };
    }
    throw new Error(`lowering: unknown built-in ${name}`);
  }

  private inline(e: CallExpr, fn: Sym): IrExpr | null {
    const item = fn.decl as FnItem;
    const params = fn.params ?? [];
    const bindings = new Map<Sym, Binding>();
    e.args.forEach((a: Arg, i) => {
      const p = params[i]!;
      if (p.ty.kind === 'buffer') {
        bindings.set(p, this.binding(this.symOf(a.value)));
        return;
      }
      const v = this.expr(a.value);
      const id = this.newLocal(p.name, (p.ty as { type: ValueType }).type);
      this.emit({ op: 'assign', local: id, value: v });
      bindings.set(p, { kind: 'local', id, type: (p.ty as { type: ValueType }).type });
    });
    const result = fn.ret ? this.newLocal(`${fn.name}$result`, fn.ret) : null;
    const label = this.label(`${fn.name}_`);
    const saved = this.frame;
    this.frame = { file: fn.file, bindings, loops: [], fnReturn: { label, result } };
    const body = this.nested(() => this.stmts(item.body.stmts));
    this.frame = saved;
    this.emit({ op: 'block', label, body });
    return result === null ? null : { op: 'local', type: fn.ret!, local: result };
  }

  // ------------------------------------------------------------ statements

  private stmts(list: Stmt[]): void {
    for (const s of list) this.stmt(s);
  }

  private block(b: Block): IrStmt[] {
    return this.nested(() => this.stmts(b.stmts));
  }

  private declSym(decl: object): Sym {
    const s = this.decls.get(decl);
    if (!s) throw new Error(`lowering: declaration without a symbol in ${this.frame.file}`);
    return s;
  }

  private stmt(s: Stmt): void {
    switch (s.kind) {
      case 'Block': return this.stmts(s.stmts);
      case 'Let': {
        const sym = this.declSym(s);
        const type = (sym.ty as { type: ValueType }).type;
        const value: IrExpr = s.init ? this.expr(s.init) : { op: 'const', type, value: 0 };
        const id = this.newLocal(sym.name, type);
        this.frame.bindings.set(sym, { kind: 'local', id, type });
        this.emit({ op: 'assign', local: id, value });
        return;
      }
      case 'Shared': {
        const sym = this.declSym(s);
        const ty = sym.ty as Ty & { kind: 'shared' };
        const id = this.shared.length;
        this.shared.push({ id, name: sym.name, elem: ty.elem, length: ty.length, loc: this.loc(s.name.span) });
        this.frame.bindings.set(sym, { kind: 'mem', mem: { space: 'shared', shared: id }, elem: ty.elem });
        return;
      }
      case 'Assign': return this.assign(s);
      case 'If': {
        const cond = this.expr(s.cond);
        const then = this.block(s.then);
        const otherwise = s.else ? this.nested(() => this.stmt(s.else!)) : [];
        this.emit({ op: 'if', cond, then, else: otherwise });
        return;
      }
      case 'For': {
        const sym = this.declSym(s);
        const type = (sym.ty as { type: ValueType }).type;
        // a, b and s are evaluated once, before the loop, in that order.
        const from = this.expr(s.from);
        const id = this.newLocal(sym.name, type);
        this.emit({ op: 'assign', local: id, value: from });
        const end = this.once(this.expr(s.to));
        const step: IrExpr = s.step ? this.once(this.expr(s.step)) : { op: 'const', type, value: 1 };
        const i: IrExpr = { op: 'local', type, local: id };
        this.frame.bindings.set(sym, { kind: 'local', id, type });
        const label = this.label('L');
        this.frame.loops.unshift(label);
        const body = this.block(s.body);
        this.frame.loops.shift();
        this.emit({
          op: 'loop', label,
          cond: { op: 'binary', type: 'bool', operandType: type, kind: '<', left: i, right: end },
          body,
          update: [{ op: 'assign', local: id, value: { op: 'binary', type, operandType: type, kind: '+', left: i, right: step } }],
        });
        return;
      }
      case 'While': {
        const label = this.label('L');
        this.frame.loops.unshift(label);
        let cond: IrExpr | null = null;
        let body: IrStmt[];
        if (this.hasEffects(s.cond)) {
          body = this.nested(() => {
            const c = this.expr(s.cond);
            this.emit({ op: 'if', cond: c, then: [], else: [{ op: 'break', label }] });
            this.stmts(s.body.stmts);
          });
        } else {
          const c = this.nested(() => (cond = this.expr(s.cond)));
          if (c.length) throw new Error('lowering: while condition without effects emitted statements');
          body = this.block(s.body);
        }
        this.frame.loops.shift();
        this.emit({ op: 'loop', label, cond, body, update: [] });
        return;
      }
      case 'Break': case 'Continue': {
        const label = this.frame.loops[0];
        if (!label) throw new Error(`lowering: ${s.kind} outside a loop`);
        this.emit({ op: s.kind === 'Break' ? 'break' : 'continue', label });
        return;
      }
      case 'Return': {
        const r = this.frame.fnReturn;
        if (!r) {
          this.emit({ op: 'return' });
          return;
        }
        if (s.value && r.result !== null) this.emit({ op: 'assign', local: r.result, value: this.expr(s.value) });
        this.emit({ op: 'break', label: r.label });
        return;
      }
      case 'ExprStmt':
        if (s.expr.kind === 'Call') this.call(s.expr, false);
        return;
      default:
        throw new Error(`lowering: ${s.kind} statement in kernel ${this.sym.name}`);
    }
  }

  /** A loop bound or step, evaluated once: kept as is when constant, else copied to a temporary. */
  private once(v: IrExpr): IrExpr {
    if (v.op === 'const' || v.op === 'param') return v;
    const t = this.temp(v.type);
    this.emit({ op: 'assign', local: t, value: v });
    return { op: 'local', type: v.type, local: t };
  }

  private assign(s: Stmt & { kind: 'Assign' }): void {
    const op = s.op === '=' ? null : (s.op.slice(0, -1) as IrBinaryOp);
    if (s.target.kind === 'Name') {
      const b = this.binding(this.symOf(s.target));
      if (b.kind !== 'local') throw new Error(`lowering: assignment to a non-local in ${this.sym.name}`);
      const rhs = this.expr(s.value);
      const cur: IrExpr = { op: 'local', type: b.type, local: b.id };
      const value: IrExpr = op ? { op: 'binary', type: b.type, operandType: b.type, kind: op, left: cur, right: rhs } : rhs;
      this.emit({ op: 'assign', local: b.id, value });
      return;
    }
    const target = s.target as IndexExpr;
    const { mem, elem } = this.memOf(target.base);
    const type = loadedType(elem);
    const loc = this.loc(target.span);
    let index = this.expr(target.index);
    if (op || this.hasEffects(s.value)) index = this.stable(index);
    let value: IrExpr;
    if (op) {
      let cur: IrExpr = { op: 'load', type, mem, elem, index, loc };
      if (this.hasEffects(s.value)) cur = this.stable(cur);
      value = { op: 'binary', type, operandType: type, kind: op, left: cur, right: this.expr(s.value) };
    } else value = this.expr(s.value);
    this.emit({ op: 'store', mem, elem, index, value, loc });
  }
}

// ------------------------------------------------------------ run blocks

class RunLowering {
  constructor(private readonly c: Checked, private readonly locs: Locator, private readonly file: string, private readonly item: RunItem) {}

  lower(): IrRun {
    return { name: this.item.name.name, body: this.stmts(this.item.body.stmts), loc: this.locs.at(this.file, this.item.name.span) };
  }

  private loc(span: Span): SourceLoc {
    return this.locs.at(this.file, span);
  }

  private hostType(e: Expr): HostType | 'bool' {
    const t = this.c.types.get(e);
    if (t?.kind === 'host') return t.type;
    if (t?.kind === 'value') return t.type === 'f32' ? 'float' : t.type === 'bool' ? 'bool' : 'int';
    throw new Error(`lowering: host expression at ${e.span.start} in ${this.file} has no type`);
  }

  private numeric(e: Expr): HostType {
    const t = this.hostType(e);
    if (t === 'bool') throw new Error(`lowering: host expression at ${e.span.start} is bool where a number is needed`);
    return t;
  }

  private expr(e: Expr): HostExpr {
    const cv = this.c.constVals.get(e);
    const type = this.hostType(e);
    if (cv && cv.kind !== 'bool' && type !== 'bool') return { op: 'const', type, value: constNumber(cv) };
    switch (e.kind) {
      case 'Name': {
        const sym = this.c.refs.get(e);
        if (!sym) throw new Error(`lowering: unresolved host name ${e.name}`);
        if (type === 'bool') throw new Error(`lowering: bool host variable ${e.name}`);
        return { op: 'var', type, name: sym.name };
      }
      case 'BoolLit':
        return { op: 'binary', type: 'bool', kind: '==', left: { op: 'const', type: 'int', value: e.value ? 1 : 0 }, right: { op: 'const', type: 'int', value: 1 } };
      case 'Unary':
        return { op: 'unary', type, kind: e.op, operand: this.expr(e.operand) };
      case 'Binary':
        return { op: 'binary', type, kind: e.op as IrBinaryOp, left: this.expr(e.left), right: this.expr(e.right) };
      case 'Call': {
        const args = e.args.map((a) => this.expr(a.value));
        if (e.callee.name === 'select') return { op: 'select', type: this.numeric(e), cond: args[0]!, ifTrue: args[1]!, ifFalse: args[2]! };
        return { op: 'call', type: this.numeric(e), fn: e.callee.name, args };
      }
      case 'Index':
        return { op: 'element', type: this.numeric(e), buffer: (e.base as { name: string }).name, index: this.expr(e.index) };
      default:
        throw new Error(`lowering: unexpected host ${e.kind}`);
    }
  }

  private stmts(list: Stmt[]): IrHostStmt[] {
    const out: IrHostStmt[] = [];
    for (const s of list) {
      const loc = this.loc(s.span);
      switch (s.kind) {
        case 'Let': {
          const init = s.init!;
          const bt = this.c.types.get(init);
          if (init.kind === 'Call' && bt?.kind === 'hostbuf') out.push(this.buffer(s.name.name, init, bt.elem, loc));
          else out.push({ op: 'let', name: s.name.name, value: this.expr(init), loc });
          break;
        }
        case 'Launch': {
          const kernel = this.c.refs.get(s.kernel)!;
          const dims = (e: Expr): HostExpr[] => {
            const list = e.kind === 'ArrayLit' ? e.elements.map((x) => this.expr(x)) : [this.expr(e)];
            while (list.length < 3) list.push({ op: 'const', type: 'int', value: 1 });
            return list;
          };
          const args = s.args.map((a, i) => {
            const p = kernel.params![i]!;
            if (p.ty.kind === 'buffer') return { kind: 'buffer' as const, buffer: (a.value as { name: string }).name };
            return { kind: 'scalar' as const, type: (p.ty as { type: ValueType }).type, value: this.expr(a.value) };
          });
          out.push({ op: 'launch', kernel: kernel.name, grid: dims(s.grid), block: dims(s.block), args, loc });
          break;
        }
        case 'Read':
          out.push({ op: 'read', buffer: s.buffer.name, loc });
          break;
        case 'Expect':
          out.push({
            op: 'expect', buffer: s.buffer.name, index: s.index.name, cmp: s.op, value: this.expr(s.value),
            tolerance: s.tolerance ? this.expr(s.tolerance) : { op: 'const', type: 'float', value: 0 }, loc,
          });
          break;
        case 'Repeat':
          out.push({ op: 'repeat', count: this.expr(s.count), body: this.stmts(s.body.stmts), loc });
          break;
        default:
          throw new Error(`lowering: ${s.kind} statement in run ${this.item.name.name}`);
      }
    }
    return out;
  }

  private buffer(name: string, call: CallExpr, elem: StorageType, loc: SourceLoc): IrHostStmt {
    const positional = call.args.filter((a) => !a.name);
    const placementArg = call.args.find((a) => a.name?.name === 'placement');
    const placement = placementArg && placementArg.value.kind === 'Name' && placementArg.value.name === 'host' ? 'host' : 'device';
    const initCall = positional[2]?.value as CallExpr | undefined;
    let init: IrBufferInit | null = null;
    if (initCall) {
      const args = initCall.args.filter((a) => !a.name).map((a) => a.value);
      switch (initCall.callee.name) {
        case 'fill': init = { kind: 'fill', value: this.expr(args[0]!) }; break;
        case 'range': init = { kind: 'range', start: this.expr(args[0]!), step: this.expr(args[1]!) }; break;
        case 'random': {
          const seed = initCall.args.find((a) => a.name?.name === 'seed');
          init = { kind: 'random', lo: this.expr(args[0]!), hi: this.expr(args[1]!), seed: seed ? this.expr(seed.value) : { op: 'const', type: 'int', value: 0 } };
          break;
        }
        case 'file': init = { kind: 'file', path: String((args[0] as unknown as { value: unknown }).value) }; break;
        default: throw new Error(`lowering: unknown buffer init ${initCall.callee.name}`);
      }
    }
    return { op: 'buffer', name, elem, count: this.expr(positional[1]!.value), init, placement, loc };
  }
}
