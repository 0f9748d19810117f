// Uniformity analysis: finds `barrier()` and warp collectives under control flow that differs between the
// threads of a block (or the lanes of a warp), so a kernel cannot hang or read garbage on real hardware.
import type { Block, Expr, FnItem, Item, KernelItem, Stmt } from './ast';
import type { Checked, Sym } from './checker';
import { makeDiagnostic } from './diagnostics';
import type { Diagnostic } from './source';

/**
 * Levels: 0 = the same in every thread of the block (block.*, params, consts),
 * 1 = the same within a warp (warp_sum results, `thread.x / 32`), 2 = per thread (thread.*, lane).
 * Variables get the highest level of anything assigned to them anywhere (flow-insensitive), found by
 * iterating to a fixpoint; control flow raises the level of what it guards.
 */
type Level = 0 | 1 | 2;

interface Jumps {
  /** Highest control level of a `return` inside. */
  ret: number;
  /** Highest control level of a `break` / `continue` leaving the innermost loop. */
  brk: number;
  cont: number;
}

const NONE: Jumps = { ret: 0, brk: 0, cont: 0 };

export interface FnSummary {
  barrier: boolean;
  warp: boolean;
  retLevel: Level;
}

const REASON = 'thread or lane indices';
const WARP_OPS = new Set(['warp_sum', 'warp_max', 'warp_min', 'shuffle_down', 'shuffle_xor', 'broadcast']);

/** What the analysis reads of a check. */
export type UniformityInput = Pick<Checked, 'refs' | 'constVals' | 'syms' | 'itemSyms'>;

/**
 * What one analysis found, for the next check of an edited version (CheckMemo): fn summaries and each body's
 * diagnostics. They hold while every fn is the same syntax node (a kernel's result depends on the fns it calls)
 * and the checker's environment is unchanged.
 */
export interface UniformityMemo {
  fns: Item[];
  summaries: Map<Item, FnSummary>;
  /** Per fn or kernel, its diagnostics with spans relative to its start; absent when they point outside it. */
  diagnostics: Map<Item, Diagnostic[]>;
}

export function checkUniformity(c: Checked): Diagnostic[] {
  return analyseUniformity(c).diagnostics;
}

/**
 * The analysis, reusing `reuse.memo` where it holds. Only kernels whose results cannot be replayed are analysed;
 * when all of them are in `reuse.fresh` (checked in this run, so in the checker's live tables) they are read
 * from `reuse.live` and the complete tables of `c` (built on first read) are not needed.
 */
export function analyseUniformity(
  c: Checked,
  reuse?: { memo: UniformityMemo | undefined; live: UniformityInput; fresh: ReadonlySet<Item> },
): { diagnostics: Diagnostic[]; memo: UniformityMemo } {
  const fns: Item[] = [];
  for (const item of c.itemSyms.keys()) if (item.kind === 'Fn') fns.push(item);
  const old = reuse?.memo;
  const same = old !== undefined && old.fns.length === fns.length && old.fns.every((f, i) => f === fns[i]) &&
    fns.every((f) => old.summaries.has(f) && old.diagnostics.has(f));
  const replayable = (item: Item) => same && old!.diagnostics.has(item);
  let input: UniformityInput = c;
  if (same && reuse) {
    let live = true;
    for (const item of c.itemSyms.keys()) if (item.kind === 'Kernel' && !replayable(item) && !reuse.fresh.has(item)) live = false;
    if (live) input = reuse.live;
  }
  const u = new Uniformity(input);
  const memo: UniformityMemo = { fns, summaries: new Map(), diagnostics: new Map() };
  const out: Diagnostic[] = [];
  const replay = (item: Item) => {
    const kept = old!.diagnostics.get(item)!;
    memo.diagnostics.set(item, kept);
    for (const d of kept) out.push(moved(d, item.span.start));
  };
  for (const [item, sym] of c.itemSyms) {
    if (item.kind === 'Fn') {
      if (same) {
        u.seed(sym, old!.summaries.get(item)!);
        replay(item);
      }
    } else if (item.kind === 'Kernel' && replayable(item)) replay(item);
  }
  u.run((item) => !replayable(item));
  // What was analysed now: its diagnostics out, and kept relative to its item unless one points outside it.
  for (const [item, sym] of c.itemSyms) {
    if (item.kind === 'Fn') {
      const summary = u.known(sym);
      if (summary) memo.summaries.set(item, summary);
      else continue; // recursive: never summarised, so never replayed
    } else if (item.kind !== 'Kernel') continue;
    if (memo.diagnostics.has(item)) continue; // replayed above
    const list = u.reported.get(item) ?? [];
    out.push(...list);
    const start = item.span.start;
    if (list.every((d) => d.span.start >= start && d.span.end <= item.span.end)) memo.diagnostics.set(item, list.map((d) => moved(d, -start)));
  }
  return { diagnostics: out, memo };
}

function moved(d: Diagnostic, by: number): Diagnostic {
  return { ...d, span: { start: d.span.start + by, end: d.span.end + by } };
}

class Uniformity {
  private readonly summaries = new Map<Sym, FnSummary>();
  private readonly busy = new Set<Sym>();
  /** Diagnostics by the fn or kernel they are in, as found. */
  readonly reported = new Map<Item, Diagnostic[]>();
  private declaredMap: Map<object, Sym> | null = null;

  constructor(private readonly c: UniformityInput) {}

  /** Local and loop-variable declarations -> their symbols. */
  get declared(): Map<object, Sym> {
    if (!this.declaredMap) {
      this.declaredMap = new Map();
      for (const s of this.c.syms) if (s.kind === 'local' || s.kind === 'loopvar') this.declaredMap.set(s.decl, s);
    }
    return this.declaredMap;
  }

  /** Analyses every fn (unless seeded) and every kernel `analyse` accepts. */
  run(analyse: (item: Item) => boolean): void {
    for (const [item, sym] of this.c.itemSyms) {
      if (item.kind === 'Fn') this.summary(sym);
      else if (item.kind === 'Kernel' && analyse(item)) new Body(this, sym, item).analyse();
    }
  }

  seed(sym: Sym, summary: FnSummary): void {
    this.summaries.set(sym, summary);
  }

  known(sym: Sym): FnSummary | undefined {
    return this.summaries.get(sym);
  }

  report(item: Item, d: Diagnostic): void {
    const list = this.reported.get(item);
    if (list) list.push(d);
    else this.reported.set(item, [d]);
  }

  get checked(): UniformityInput {
    return this.c;
  }

  summary(sym: Sym): FnSummary {
    const known = this.summaries.get(sym);
    if (known) return known;
    if (this.busy.has(sym)) return { barrier: false, warp: false, retLevel: 2 };
    this.busy.add(sym);
    const body = new Body(this, sym, sym.decl as FnItem);
    const s = body.analyse();
    this.summaries.set(sym, s);
    this.busy.delete(sym);
    return s;
  }
}

class Body {
  private readonly vars = new Map<Sym, Level>();
  private readonly loopExit = new Map<Stmt, number>();
  private changed = false;
  private emit = false;
  private summary: FnSummary = { barrier: false, warp: false, retLevel: 0 };

  constructor(
    private readonly u: Uniformity,
    private readonly sym: Sym,
    private readonly item: FnItem | KernelItem,
  ) {}

  analyse(): FnSummary {
    for (let i = 0; i < 50; i++) {
      this.changed = false;
      this.summary = { barrier: false, warp: false, retLevel: 0 };
      this.block(this.item.body, 0);
      if (!this.changed) break;
    }
    this.emit = true;
    this.summary = { barrier: false, warp: false, retLevel: 0 };
    this.block(this.item.body, 0);
    return this.summary;
  }

  private raise(sym: Sym, level: number): void {
    const old = this.vars.get(sym) ?? 0;
    if (level > old) {
      this.vars.set(sym, level as Level);
      this.changed = true;
    }
  }

  private raiseExit(loop: Stmt, level: number): void {
    const old = this.loopExit.get(loop) ?? 0;
    if (level > old) {
      this.loopExit.set(loop, level);
      this.changed = true;
    }
  }

  private block(b: Block, ctl: number): Jumps {
    return this.stmts(b.stmts, ctl);
  }

  private stmts(list: Stmt[], ctl: number): Jumps {
    const acc: Jumps = { ...NONE };
    let level = ctl;
    for (const s of list) {
      const j = this.stmt(s, level);
      acc.ret = Math.max(acc.ret, j.ret);
      acc.brk = Math.max(acc.brk, j.brk);
      acc.cont = Math.max(acc.cont, j.cont);
      // Code after a divergent exit only runs in the threads that did not leave.
      level = Math.max(level, j.ret > 0 ? j.ret : 0, j.brk, j.cont);
    }
    return acc;
  }

  private stmt(s: Stmt, ctl: number): Jumps {
    switch (s.kind) {
      case 'Block': return this.block(s, ctl);
      case 'Let': {
        const sym = this.symOfDecl(s);
        const v = s.init ? this.expr(s.init, ctl) : 0;
        if (sym) this.raise(sym, Math.max(v, ctl));
        return NONE;
      }
      case 'Assign': {
        const v = this.expr(s.value, ctl);
        if (s.target.kind === 'Name') {
          const sym = this.c.refs.get(s.target);
          if (sym) this.raise(sym, Math.max(v, ctl));
        } else if (s.target.kind === 'Index') {
          this.expr(s.target.index, ctl);
        }
        return NONE;
      }
      case 'If': {
        const c = this.expr(s.cond, ctl);
        const inner = Math.max(ctl, c);
        const a = this.block(s.then, inner);
        const b = s.else ? this.stmt(s.else, inner) : NONE;
        return { ret: Math.max(a.ret, b.ret), brk: Math.max(a.brk, b.brk), cont: Math.max(a.cont, b.cont) };
      }
      case 'For': {
        const bounds = Math.max(this.expr(s.from, ctl), this.expr(s.to, ctl), s.step ? this.expr(s.step, ctl) : 0);
        const inner = Math.max(ctl, bounds, this.loopExit.get(s) ?? 0);
        const sym = this.symOfDecl(s);
        if (sym) this.raise(sym, inner);
        const j = this.block(s.body, inner);
        this.raiseExit(s, Math.max(j.brk > ctl ? j.brk : 0, j.ret > ctl ? j.ret : 0));
        return { ret: j.ret, brk: 0, cont: 0 };
      }
      case 'While': {
        const c = this.expr(s.cond, ctl);
        const inner = Math.max(ctl, c, this.loopExit.get(s) ?? 0);
        const j = this.block(s.body, inner);
        this.raiseExit(s, Math.max(j.brk > ctl ? j.brk : 0, j.ret > ctl ? j.ret : 0));
        return { ret: j.ret, brk: 0, cont: 0 };
      }
      case 'Break': return { ret: 0, brk: ctl, cont: 0 };
      case 'Continue': return { ret: 0, brk: 0, cont: ctl };
      case 'Return': {
        if (s.value) {
          const v = this.expr(s.value, ctl);
          this.summary.retLevel = Math.max(this.summary.retLevel, v, ctl) as Level;
        }
        return { ret: ctl, brk: 0, cont: 0 };
      }
      case 'ExprStmt':
        this.expr(s.expr, ctl);
        return NONE;
      default:
        return NONE;
    }
  }

  private get c(): UniformityInput {
    return this.u.checked;
  }

  private symOfDecl(decl: Stmt): Sym | undefined {
    return this.u.declared.get(decl);
  }

  private constInt(e: Expr): bigint | null {
    const v = this.c.constVals.get(e);
    return v?.kind === 'int' ? v.value : null;
  }

  private isThreadX(e: Expr): boolean {
    return e.kind === 'Member' && e.base.kind === 'Name' && e.base.name === 'thread' && e.member.name === 'x' && !this.c.refs.has(e.base);
  }

  private expr(e: Expr, ctl: number): number {
    switch (e.kind) {
      case 'IntLit': case 'FloatLit': case 'BoolLit': case 'ErrorExpr': case 'ArrayLit': case 'StringLit':
        return 0;
      case 'Name': {
        const sym = this.c.refs.get(e);
        if (!sym) return e.name === 'lane' ? 2 : 0;
        if (sym.kind === 'local' || sym.kind === 'loopvar') return this.vars.get(sym) ?? 0;
        return 0;
      }
      case 'Member':
        return e.base.kind === 'Name' && e.base.name === 'thread' && !this.c.refs.has(e.base) ? 2 : 0;
      case 'Unary':
        return this.expr(e.operand, ctl);
      case 'Binary': {
        const l = this.expr(e.left, ctl);
        const r = this.expr(e.right, e.op === '&&' || e.op === '||' ? Math.max(ctl, l) : ctl);
        // `thread.x / 32` and `thread.x < 64` are the same across a warp when blocks are whole warps.
        const k = this.constInt(e.right);
        if (this.isThreadX(e.left) && k !== null && k > 0n && k % 32n === 0n && ['/', '<', '>='].includes(e.op)) return 1;
        return Math.max(l, r);
      }
      case 'Index':
        return this.expr(e.index, ctl);
      case 'Call':
        return this.call(e, ctl);
    }
  }

  private call(e: Expr & { kind: 'Call' }, ctl: number): number {
    const name = e.callee.name;
    const fn = this.c.refs.get(e.callee);
    let args = 0;
    for (const a of e.args) args = Math.max(args, this.expr(a.value, ctl));
    if (fn && fn.kind === 'fn') {
      const s = this.u.summary(fn);
      if (s.barrier) {
        this.summary.barrier = true;
        if (ctl > 0) this.report('K4001', e, REASON);
      }
      if (s.warp) {
        this.summary.warp = true;
        if (ctl > 1) this.report('K4002', e, name, REASON);
      }
      return Math.max(args, s.retLevel);
    }
    if (name === 'barrier') {
      this.summary.barrier = true;
      if (ctl > 0) this.report('K4001', e, REASON);
      return 0;
    }
    if (WARP_OPS.has(name)) {
      this.summary.warp = true;
      if (ctl > 1) this.report('K4002', e, name, REASON);
      if (name === 'shuffle_down' || name === 'shuffle_xor') return args;
      return Math.min(args, 1);
    }
    if (name.startsWith('atomic_')) return 2;
    return args;
  }

  private report(code: 'K4001' | 'K4002', e: Expr, ...args: string[]): void {
    if (!this.emit) return;
    this.u.report(this.item, makeDiagnostic(code, this.sym.file, e.span, ...args));
  }
}
