// The Kern checker: resolves names, types every expression, evaluates consts and checks kernels, fns and
// run blocks, recording diagnostics and the semantic model. lower.ts reads its side tables to build the IR.
import type {
  Arg, Block, CallExpr, ConstItem, Expr, ExpectStmt, FnItem, Ident, IndexExpr, Item, KernelItem, LaunchStmt,
  LetStmt, Node, Param, RunItem, SourceFile, Span, Stmt, TypeNode,
} from './ast';
import { BUILTINS, type BuiltinDef } from './builtins';
import { CATALOGUE, makeDiagnostic, type DiagnosticCode } from './diagnostics';
import { loadedType, STORAGE_BYTES, type StorageType, type ValueType } from './ir';
import { DEFAULT_LIMITS, type DeviceLimits } from './limits';
import type { SemanticModel, SymbolInfo, SymbolKind, SymbolReference, ExprType } from './semantic';
import type { Diagnostic } from './source';
import {
  BOOL, ERROR, F32, U32, VOID, fits, hostOf, hostTy, isInt, isStorageType, isValueType, showTy, valueTy, wrap,
  type ConstVal, type HostScalar, type Ty,
} from './types';
import { analyseUniformity, type UniformityMemo } from './uniformity';

/** A declared name, with what the checker learned about it. */
export interface Sym {
  id: number;
  name: string;
  kind: SymbolKind;
  file: string;
  ty: Ty;
  mutable: boolean;
  nameSpan: Span;
  declSpan: Span;
  decl: Node | ExpectStmt;
  typeWritten: boolean;
  container: string | null;
  scope: Span;
  used: boolean;
  /** Consts: evaluation state, value, and whether it is an untyped literal constant that adapts to its context. */
  constState?: 'busy' | 'done';
  constValue?: ConstVal;
  flexible?: boolean;
  /** Fns and kernels: parameters (in order) and return type. */
  params?: Sym[];
  ret?: ValueType | null;
  /** Fns and kernels: the signature shown in hovers, e.g. `fn(x: f32) -> f32`. */
  display?: string;
}

/** The checker's result: side tables keyed by syntax node, for lowering and the language server. */
export interface Checked {
  files: Map<string, SourceFile>;
  syms: Sym[];
  /** Name uses (NameExpr, callee / launch / read / expect Idents) -> symbol. */
  refs: Map<Node, Sym>;
  types: TypeTable;
  /** Compile-time values of constant expressions. */
  constVals: Map<Expr, ConstVal>;
  /** Each file's item scope (own items and imported ones). */
  itemScopes: Map<string, Map<string, Sym>>;
  /** fn / kernel item -> its symbol. */
  itemSyms: Map<Item, Sym>;
  diagnostics: Diagnostic[];
  semantic: SemanticModel;
  /** What the next check of an edited version of these files can reuse (see CheckMemo); empty unless asked for. */
  memo: CheckMemo;
}

/**
 * What checking each fn, kernel and run body produced, kept so that the next check of an edited file (the
 * language server's) replays it for every body the edit left alone instead of checking it again. A body's check
 * depends on the body and on its environment: every item's header (names, parameters, return types, consts and
 * imports, in every file), the device limits, and so the symbols made before any body is checked. While those
 * are the same (`env`, `globalCount`), a body that is the same syntax node (the incremental parse keeps the items
 * an edit did not touch) checks the same, apart from its place in the file, which only moves its diagnostics.
 */
export interface CheckMemo {
  env: string;
  globalCount: number;
  bodies: Map<Item, BodyMemo>;
  /** The uniformity analysis's own memo (it runs only on checks without errors). */
  uniformity?: UniformityMemo;
}

interface Mark {
  diagnostics: number;
  syms: number;
  refs: number;
  types: number;
  consts: number;
  used: number;
  calls: number;
}

/** One body's results. Symbols made before bodies are checked are kept as ids (they are made again each check). */
interface BodyMemo {
  file: string;
  /** Diagnostics with spans relative to the item's start (related ones inside the item too). */
  diagnostics: Diagnostic[];
  /** Symbols the body declared, in order. */
  locals: Sym[];
  refNodes: Node[];
  refSyms: (Sym | number)[];
  refWrites: boolean[];
  types: { nodes: Expr[]; tys: Ty[]; files: (string | null)[] };
  constKeys: Expr[];
  constValues: ConstVal[];
  /** Ids of earlier symbols the body marked used. */
  used: number[];
  calls: { caller: number; callee: number; span: Span }[];
}

/**
 * The type of each expression. Kept as an append-only log, indexed into a Map only when first read (lowering,
 * a few error paths), because a Map insert per expression is a large share of checking a big file.
 */
export class TypeTable {
  private readonly nodes: Expr[] = [];
  private readonly tys: Ty[] = [];
  /** Per entry: the file when the entry also goes into the semantic model's exprTypes, else null. */
  private readonly files: (string | null)[] = [];
  private map: Map<Expr, Ty> | null = null;

  /** Records `e: t` (a later entry for the same expression wins); `file` also shows it in the semantic model. */
  set(e: Expr, t: Ty, file: string | null = null): void {
    this.nodes.push(e);
    this.tys.push(t);
    this.files.push(file);
    if (this.map) this.map.set(e, t);
  }

  get(e: Expr): Ty | undefined {
    return this.index().get(e);
  }

  has(e: Expr): boolean {
    return this.index().has(e);
  }

  get size(): number {
    return this.index().size;
  }

  /** How many entries were recorded: with `entries`, what one stretch of checking recorded. */
  get count(): number {
    return this.nodes.length;
  }

  /** The entries recorded from `from` to `to`, as parallel arrays. */
  entries(from: number, to: number): { nodes: Expr[]; tys: Ty[]; files: (string | null)[] } {
    return { nodes: this.nodes.slice(from, to), tys: this.tys.slice(from, to), files: this.files.slice(from, to) };
  }

  private index(): Map<Expr, Ty> {
    if (!this.map) {
      const map = new Map<Expr, Ty>();
      for (let i = 0; i < this.nodes.length; i++) map.set(this.nodes[i]!, this.tys[i]!);
      this.map = map;
    }
    return this.map;
  }

  /** The semantic model's expression types, in the order they were recorded (errors left out). */
  exprTypes(): ExprType[] {
    const out: ExprType[] = [];
    for (let i = 0; i < this.nodes.length; i++) {
      const file = this.files[i];
      const t = this.tys[i]!;
      if (file === null || file === undefined || t.kind === 'error') continue;
      out.push({ file, span: this.nodes[i]!.span, type: showTy(t) });
    }
    return out;
  }
}

/**
 * The semantic model, with `symbols` and `exprTypes` built on first read: publishing diagnostics after an edit
 * needs neither. Symbols are not changed once checking is done, so the value is the same whenever it is read.
 */
function semanticModel(syms: Sym[], references: SymbolReference[], types: TypeTable): SemanticModel {
  let symbols: SymbolInfo[] | undefined;
  let exprTypes: ExprType[] | undefined;
  const model = {} as SemanticModel;
  Object.defineProperty(model, 'symbols', { enumerable: true, configurable: true, get: () => (symbols ??= syms.map(toSymbolInfo)) });
  Object.defineProperty(model, 'references', { enumerable: true, configurable: true, writable: true, value: references });
  Object.defineProperty(model, 'exprTypes', { enumerable: true, configurable: true, get: () => (exprTypes ??= types.exprTypes()) });
  return model;
}

export class Scope {
  readonly names = new Map<string, Sym>();
  /** Names a block declares further down, for "used before its declaration". */
  readonly later = new Set<string>();
  constructor(readonly parent: Scope | null, readonly span: Span) {}

  lookup(name: string): Sym | undefined {
    for (let s: Scope | null = this; s; s = s.parent) {
      const sym = s.names.get(name);
      if (sym) return sym;
    }
    return undefined;
  }

  declaredLater(name: string): boolean {
    for (let s: Scope | null = this; s; s = s.parent) if (s.later.has(name)) return true;
    return false;
  }
}

type Mode = 'kernel' | 'fn' | 'run' | 'const';

interface Ctx {
  file: string;
  mode: Mode;
  itemSym: Sym | null;
  container: string | null;
  ret: ValueType | null;
  loops: number;
  topBlock: Block | null;
  sharedBytes: number;
  /** In an `expect` value: buffer elements may be read. */
  inExpect: boolean;
}

const ARITH = new Set(['+', '-', '*', '/', '%']);
const BITWISE = new Set(['&', '|', '^', '<<', '>>']);
const ORDER = new Set(['<', '<=', '>', '>=']);
const EQUALITY = new Set(['==', '!=']);
const GEOMETRY = new Set(['thread', 'block', 'block_dim', 'grid_dim']);
const F32_UNARY = new Set(['exp', 'exp2', 'log', 'log2', 'sqrt', 'rsqrt', 'sin', 'cos', 'tanh', 'floor', 'ceil', 'round']);
const HOST_MATH = new Set([...F32_UNARY, 'pow', 'abs', 'min', 'max', 'clamp', 'ceil_div', 'select', 'f32', 'i32', 'u32']);
const FLEX_CALLS = new Set(['min', 'max', 'ceil_div']);

export interface CheckInput {
  /** Files in load order, main first. */
  files: Map<string, SourceFile>;
  /** Per file, its resolved imports (path of the imported file) that loaded. */
  imports: Map<string, { item: Item & { kind: 'Import' }; path: string }[]>;
  limits?: DeviceLimits;
  /** Per file, where its syntax errors start: a `let` with one inside is not reported as unused. */
  syntaxErrors?: Map<string, number[]>;
}

/**
 * Checks a loaded program; never throws for bad input. `memo`: keep what the next check of an edited version
 * can reuse (Checked.memo); `reuse`: the memo of a check of an earlier version.
 */
export function check(input: CheckInput, options: { memo?: boolean; reuse?: CheckMemo | undefined } = {}): Checked {
  return new Checker(input, options.reuse, options.memo === true || options.reuse !== undefined).run();
}

function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

class Checker {
  private readonly files: Map<string, SourceFile>;
  private readonly limits: DeviceLimits;
  private readonly syms: Sym[] = [];
  private readonly refs = new Map<Node, Sym>();
  private readonly types = new TypeTable();
  private readonly constVals = new Map<Expr, ConstVal>();
  private readonly itemScopes = new Map<string, Map<string, Sym>>();
  private readonly fileScopes = new Map<string, Scope>();
  private readonly itemSyms = new Map<Item, Sym>();
  private readonly diagnostics: Diagnostic[] = [];
  /** fn/kernel -> fns it calls, with the call's place (for recursion). */
  readonly calls = new Map<Sym, { callee: Sym; file: string; span: Span }[]>();
  /**
   * Logs of what checking does, in order, so that one body's share can be kept (BodyMemo). The references are
   * kept as these parallel logs and become SymbolReferences (with the final symbol ids) when first read.
   */
  private readonly refNodes: Node[] = [];
  private readonly refSyms: Sym[] = [];
  private readonly refFiles: string[] = [];
  private readonly refWrites: boolean[] = [];
  /** The bodies in check order: replayed (a memo) or checked now (a stretch of the logs). */
  private readonly segments: ({ memo: BodyMemo } | { from: Mark; to: Mark })[] = [];
  private prelude: Mark | null = null;
  private tables: { syms: Sym[]; refs: Map<Node, Sym>; types: TypeTable; constVals: Map<Expr, ConstVal>; references: SymbolReference[] } | null = null;
  private readonly constKeys: Expr[] = [];
  private readonly constValues: ConstVal[] = [];
  private readonly usedLog: number[] = [];
  private readonly callLog: { caller: Sym; callee: Sym; span: Span }[] = [];
  /** Symbols made before any body is checked (items, parameters, consts); -1 until then. */
  private globalCount = -1;
  private readonly memo: CheckMemo = { env: '', globalCount: -1, bodies: new Map() };

  constructor(private readonly input: CheckInput, private readonly reuse: CheckMemo | undefined, private readonly keepMemo: boolean) {
    this.files = input.files;
    this.limits = input.limits ?? DEFAULT_LIMITS;
  }

  run(): Checked {
    for (const [path, file] of this.files) this.collectItems(path, file);
    for (const [path] of this.files) this.addImports(path);
    this.checkKernelNamesUnique();
    for (const sym of this.syms) if (sym.kind === 'fn' || sym.kind === 'kernel') this.signature(sym);
    for (const sym of [...this.syms]) if (sym.kind === 'const') this.evalConst(sym);
    this.globalCount = this.syms.length;
    this.memo.env = this.environment();
    this.memo.globalCount = this.globalCount;
    const reuse = this.reuse && this.reuse.env === this.memo.env && this.reuse.globalCount === this.globalCount ? this.reuse : null;
    this.prelude = this.mark();
    const fresh = new Set<Item>();
    for (const [path, file] of this.files) {
      for (const item of file.items) {
        if (item.kind !== 'Fn' && item.kind !== 'Kernel' && item.kind !== 'Run') continue;
        const kept = reuse?.bodies.get(item);
        if (kept && kept.file === path) {
          this.replay(item, kept);
          this.memo.bodies.set(item, kept);
          this.segments.push({ memo: kept });
          continue;
        }
        fresh.add(item);
        const mark = this.mark();
        if (item.kind === 'Run') this.checkRun(path, item);
        else this.checkBody(path, item);
        this.segments.push({ from: mark, to: this.mark() });
        const made = this.keepMemo ? this.remember(path, item, mark) : null;
        if (made) this.memo.bodies.set(item, made);
      }
    }
    this.checkRecursion();
    const self = this;
    const checked = {
      files: this.files,
      itemScopes: this.itemScopes,
      itemSyms: this.itemSyms,
      diagnostics: this.diagnostics,
      memo: this.memo,
    } as Checked;
    // The complete tables are put together on first read: publishing diagnostics after an edit needs none.
    for (const key of ['syms', 'refs', 'types', 'constVals'] as const) {
      Object.defineProperty(checked, key, { enumerable: true, configurable: true, get: () => self.complete()[key] });
    }
    let semantic: SemanticModel | undefined;
    Object.defineProperty(checked, 'semantic', {
      enumerable: true,
      configurable: true,
      get: () => (semantic ??= semanticModel(self.complete().syms, self.complete().references, self.complete().types)),
    });
    if (!this.diagnostics.some((d) => d.severity === 'error')) {
      const live = { syms: this.syms, refs: this.refs, constVals: this.constVals, itemSyms: this.itemSyms };
      const u = analyseUniformity(checked, { memo: reuse?.uniformity, live, fresh });
      for (const d of u.diagnostics) this.diagnostics.push(d);
      this.memo.uniformity = u.memo;
    }
    return checked;
  }

  // ------------------------------------------------------------ helpers

  private diag(code: DiagnosticCode, file: string, span: Span, ...args: (string | number)[]): void {
    if (!(code in CATALOGUE)) throw new Error(`checker used unknown diagnostic code ${code}`);
    this.diagnostics.push(makeDiagnostic(code, file, span, ...args));
  }

  private text(file: string, span: Span): string {
    return this.files.get(file)!.text.slice(span.start, span.end);
  }

  private newSym(init: Omit<Sym, 'id' | 'used'>): Sym {
    // Every field written out, in one order, so that all symbols share one object shape (fast property access).
    const sym: Sym = {
      id: this.syms.length, name: init.name, kind: init.kind, file: init.file, ty: init.ty, mutable: init.mutable,
      nameSpan: init.nameSpan, declSpan: init.declSpan, decl: init.decl, typeWritten: init.typeWritten,
      container: init.container, scope: init.scope, used: false, constState: undefined, constValue: undefined,
      flexible: undefined, params: undefined, ret: undefined, display: undefined,
    };
    this.syms.push(sym);
    return sym;
  }

  private markUsed(sym: Sym): void {
    // Every use of an earlier symbol is logged, not only the first: the body that used it first may change.
    if (sym.id < this.globalCount) this.usedLog.push(sym.id);
    sym.used = true;
  }

  private setConst(e: Expr, v: ConstVal): void {
    this.constVals.set(e, v);
    this.constKeys.push(e);
    this.constValues.push(v);
  }

  private addCall(caller: Sym, callee: Sym, file: string, span: Span): void {
    const list = this.calls.get(caller);
    if (list) list.push({ callee, file, span });
    else this.calls.set(caller, [{ callee, file, span }]);
    this.callLog.push({ caller, callee, span });
  }

  // ------------------------------------------------------------ reuse of unchanged bodies (CheckMemo)

  /** Everything a body's check depends on outside the body, as text: the limits and every item's header. */
  private environment(): string {
    const parts: string[] = [JSON.stringify(this.limits)];
    for (const [path, file] of this.files) {
      parts.push(path);
      for (const item of file.items) {
        const end = item.kind === 'Fn' || item.kind === 'Kernel' || item.kind === 'Run' ? item.body.span.start : item.span.end;
        parts.push(file.text.slice(item.span.start, end));
      }
    }
    return parts.join('\u0000');
  }

  private mark(): Mark {
    return {
      diagnostics: this.diagnostics.length, syms: this.syms.length, refs: this.refNodes.length, types: this.types.count,
      consts: this.constKeys.length, used: this.usedLog.length, calls: this.callLog.length,
    };
  }

  /** The memo of the body just checked since `mark`, or null when it cannot be replayed faithfully. */
  private remember(file: string, item: Item, mark: Mark): BodyMemo | null {
    const { start, end } = item.span;
    // A syntax error inside changes how unused names are reported; diagnostics pointing outside the item would
    // not move with it.
    if (this.syntaxErrorIn(file, item.span)) return null;
    const diagnostics: Diagnostic[] = [];
    for (let i = mark.diagnostics; i < this.diagnostics.length; i++) {
      const d = this.diagnostics[i]!;
      const inside = (f: string, sp: Span) => f === file && sp.start >= start && sp.end <= end;
      if (!inside(d.file, d.span) || (d.related ?? []).some((r) => !inside(r.file, r.span))) return null;
      const copy: Diagnostic = { ...d, span: { start: d.span.start - start, end: d.span.end - start } };
      if (d.related) copy.related = d.related.map((r) => ({ ...r, span: { start: r.span.start - start, end: r.span.end - start } }));
      diagnostics.push(copy);
    }
    const refSyms: (Sym | number)[] = [];
    const refWrites: boolean[] = [];
    for (let i = mark.refs; i < this.refNodes.length; i++) {
      const sym = this.refSyms[i]!;
      refSyms.push(sym.id < this.globalCount ? sym.id : sym);
      refWrites.push(this.refWrites[i]!);
    }
    return {
      file,
      diagnostics,
      locals: this.syms.slice(mark.syms),
      refNodes: this.refNodes.slice(mark.refs),
      refSyms,
      refWrites,
      types: this.types.entries(mark.types, this.types.count),
      constKeys: this.constKeys.slice(mark.consts),
      constValues: this.constValues.slice(mark.consts),
      used: this.usedLog.slice(mark.used),
      calls: this.callLog.slice(mark.calls).map((c) => ({ caller: c.caller.id, callee: c.callee.id, span: c.span })),
    };
  }

  /**
   * Records what of a kept body's results the rest of the check needs now (its diagnostics, the earlier symbols
   * it uses, its calls); its symbols, references and types join the tables when they are put together.
   */
  private replay(item: Item, m: BodyMemo): void {
    const at = item.span.start;
    for (const d of m.diagnostics) {
      const copy: Diagnostic = { ...d, span: { start: d.span.start + at, end: d.span.end + at } };
      if (d.related) copy.related = d.related.map((r) => ({ ...r, span: { start: r.span.start + at, end: r.span.end + at } }));
      this.diagnostics.push(copy);
    }
    for (const id of m.used) this.markUsed(this.syms[id]!);
    for (const c of m.calls) this.addCall(this.syms[c.caller]!, this.syms[c.callee]!, m.file, c.span);
  }

  /**
   * The complete tables, in the order a check of every body would have made them (symbol ids follow it): the
   * symbols and entries made before the bodies, then each body's, replayed or checked now.
   */
  private complete(): NonNullable<Checker['tables']> {
    if (this.tables) return this.tables;
    if (this.segments.every((seg) => 'from' in seg)) {
      // Nothing replayed (every check but the language server's): the logs are the tables, in order already.
      const references = this.refNodes.map((node, i) => ({ symbol: this.refSyms[i]!.id, file: this.refFiles[i]!, span: node.span, write: this.refWrites[i]! }));
      this.tables = { syms: this.syms, refs: this.refs, types: this.types, constVals: this.constVals, references };
      return this.tables;
    }
    const prelude = this.prelude ?? this.mark();
    const end = this.mark();
    const syms: Sym[] = [];
    const types = new TypeTable();
    const refs = this.refs;
    const constVals = this.constVals;
    const pending: { sym: Sym; file: string; node: Node; write: boolean }[] = [];
    const live = (from: Mark, to: Mark) => {
      for (let i = from.syms; i < to.syms; i++) syms.push(this.syms[i]!);
      for (let i = from.refs; i < to.refs; i++) pending.push({ sym: this.refSyms[i]!, file: this.refFiles[i]!, node: this.refNodes[i]!, write: this.refWrites[i]! });
      const t = this.types.entries(from.types, to.types);
      for (let i = 0; i < t.nodes.length; i++) types.set(t.nodes[i]!, t.tys[i]!, t.files[i]!);
    };
    live(this.mark0(), prelude);
    let last = prelude;
    for (const seg of this.segments) {
      if ('from' in seg) {
        live(seg.from, seg.to);
        last = seg.to;
        continue;
      }
      const m = seg.memo;
      for (const local of m.locals) syms.push(local);
      for (let i = 0; i < m.refNodes.length; i++) {
        const held = m.refSyms[i]!;
        const sym = typeof held === 'number' ? this.syms[held]! : held;
        const node = m.refNodes[i]!;
        refs.set(node, sym);
        pending.push({ sym, file: m.file, node, write: m.refWrites[i]! });
      }
      const t = m.types;
      for (let i = 0; i < t.nodes.length; i++) types.set(t.nodes[i]!, t.tys[i]!, t.files[i]!);
      for (let i = 0; i < m.constKeys.length; i++) constVals.set(m.constKeys[i]!, m.constValues[i]!);
    }
    live(last, end);
    for (let i = 0; i < syms.length; i++) syms[i]!.id = i;
    const references = pending.map((r) => ({ symbol: r.sym.id, file: r.file, span: r.node.span, write: r.write }));
    this.tables = { syms, refs, types, constVals, references };
    return this.tables;
  }

  private mark0(): Mark {
    return { diagnostics: 0, syms: 0, refs: 0, types: 0, consts: 0, used: 0, calls: 0 };
  }

  /** Records a use of `sym` at `node` (the reference's range is the node's, which moves with it). */
  private ref(node: Node, sym: Sym, file: string, write = false): void {
    this.refs.set(node, sym);
    this.refNodes.push(node);
    this.refSyms.push(sym);
    this.refFiles.push(file);
    this.refWrites.push(write);
    if (!write) this.markUsed(sym);
  }

  private record(e: Expr, t: Ty, cx: Ctx): Ty {
    this.types.set(e, t, cx.file);
    return t;
  }

  private declare(scope: Scope, sym: Sym, cx: Ctx | null): void {
    if (scope.names.has(sym.name)) this.diag('K2003', sym.file, sym.nameSpan, sym.name);
    else scope.names.set(sym.name, sym);
    void cx;
  }

  // ------------------------------------------------------------ items

  private collectItems(path: string, file: SourceFile): void {
    const items = new Map<string, Sym>();
    const whole = file.span;
    for (const item of file.items) {
      if (item.kind === 'Import') continue;
      const kind: SymbolKind = item.kind === 'Const' ? 'const' : item.kind === 'Fn' ? 'fn' : item.kind === 'Kernel' ? 'kernel' : 'run';
      const sym = this.newSym({
        name: item.name.name, kind, file: path, ty: kind === 'const' ? ERROR : { kind } as Ty, mutable: false,
        nameSpan: item.name.span, declSpan: item.span, decl: item,
        typeWritten: item.kind !== 'Const' || item.type !== null, container: null, scope: whole,
      });
      if (item.kind !== 'Const') sym.used = true;
      this.itemSyms.set(item, sym);
      if (items.has(sym.name)) this.diag('K2003', path, item.name.span, sym.name);
      else items.set(sym.name, sym);
    }
    this.itemScopes.set(path, items);
  }

  private addImports(path: string): void {
    const own = new Map(this.itemScopes.get(path)!);
    const scope = this.itemScopes.get(path)!;
    for (const imp of this.input.imports.get(path) ?? []) {
      const theirs = this.input.imports.has(imp.path) || this.files.has(imp.path) ? this.ownItems(imp.path) : [];
      for (const sym of theirs) {
        if (sym.kind === 'run') continue;
        const mine = scope.get(sym.name);
        if (mine === sym) continue;
        if (mine) {
          const atOwn = own.get(sym.name) === mine;
          this.diag('K2006', path, atOwn ? mine.nameSpan : imp.item.pathSpan, sym.name, baseName(mine.file), baseName(sym.file));
          continue;
        }
        scope.set(sym.name, sym);
      }
    }
    const fileScope = new Scope(null, this.files.get(path)!.span);
    for (const [name, sym] of scope) fileScope.names.set(name, sym);
    this.fileScopes.set(path, fileScope);
  }

  private ownItems(path: string): Sym[] {
    return this.syms.filter((s) => s.file === path && s.container === null && ['const', 'fn', 'kernel', 'run'].includes(s.kind));
  }

  private checkKernelNamesUnique(): void {
    const seen = new Map<string, Sym>();
    for (const sym of this.syms) {
      if (sym.kind !== 'kernel') continue;
      const first = seen.get(sym.name);
      if (!first) seen.set(sym.name, sym);
      else if (first.file !== sym.file) this.diag('K2006', sym.file, sym.nameSpan, sym.name, baseName(first.file), baseName(sym.file));
    }
  }

  /** Resolves a written type to a value type, or reports it. */
  private valueType(node: TypeNode, file: string): ValueType | null {
    if (node.kind !== 'ScalarType') {
      this.diag('K3001', file, node.span, 'a scalar type', this.text(file, node.span));
      return null;
    }
    if (isValueType(node.name)) return node.name;
    if (isStorageType(node.name)) this.diag('K3008', file, node.span, node.name);
    else if (node.name !== '') this.diag('K3007', file, node.span, node.name);
    return null;
  }

  private storageType(node: { name: string; span: Span }, file: string): StorageType | null {
    if (isStorageType(node.name)) return node.name;
    if (node.name !== '') this.diag('K3007', file, node.span, node.name);
    return null;
  }

  private paramTy(p: Param, file: string): Ty {
    const t = p.type;
    if (t.kind === 'BufferType') {
      const elem = this.storageType(t.elem, file);
      return elem ? { kind: 'buffer', elem, mutable: t.mutable } : ERROR;
    }
    if (t.kind === 'ArrayType') {
      this.diag('K3029', file, t.span, this.text(file, t.span));
      return ERROR;
    }
    const v = this.valueType(t, file);
    return v ? valueTy(v) : ERROR;
  }

  private signature(sym: Sym): void {
    const item = sym.decl as FnItem | KernelItem;
    const params: Sym[] = [];
    for (const p of item.params) {
      const ty = this.paramTy(p, sym.file);
      params.push(this.newSym({
        name: p.name.name, kind: 'param', file: sym.file, ty, mutable: ty.kind === 'buffer' && ty.mutable,
        nameSpan: p.name.span, declSpan: p.span, decl: p, typeWritten: true, container: sym.name, scope: item.body.span,
      }));
    }
    sym.params = params;
    sym.ret = item.kind === 'Fn' && item.returnType ? this.valueType(item.returnType, sym.file) : null;
    const shown = params.map((p) => `${p.name}: ${showTy(p.ty)}`).join(', ');
    sym.ty = { kind: item.kind === 'Fn' ? 'fn' : 'kernel' };
    sym.display =
      item.kind === 'Fn' ? `fn(${shown})${item.returnType ? ` -> ${this.text(sym.file, item.returnType.span)}` : ''}` : `kernel(${shown})`;
  }

  // ------------------------------------------------------------ consts

  private constCtx(file: string): Ctx {
    return { file, mode: 'const', itemSym: null, container: null, ret: null, loops: 0, topBlock: null, sharedBytes: 0, inExpect: false };
  }

  private evalConst(sym: Sym): void {
    if (sym.constState === 'done') return;
    const item = sym.decl as ConstItem;
    if (sym.constState === 'busy') {
      this.diag('K3012', sym.file, sym.nameSpan, sym.name);
      sym.constState = 'done';
      return;
    }
    sym.constState = 'busy';
    const cx = this.constCtx(sym.file);
    const scope = this.fileScopes.get(sym.file)!;
    let declared: ValueType | null = null;
    if (item.type) {
      declared = this.valueType(item.type, sym.file);
      sym.ty = declared ? valueTy(declared) : ERROR;
    }
    let ty: Ty;
    if (declared) ty = this.devAs(item.value, declared, scope, cx);
    else if (item.type) ty = ERROR;
    else if (this.isFlexible(item.value, scope)) {
      const v = this.foldFlex(item.value, scope, cx);
      if (v) {
        sym.flexible = true;
        sym.constValue = v;
        ty = valueTy(v.kind === 'float' ? 'f32' : v.kind === 'bool' ? 'bool' : 'i32');
        this.markFlex(item.value, ty, cx);
        this.setConst(item.value, v);
      } else ty = ERROR;
    } else ty = this.dev(item.value, null, scope, cx);
    if ((sym.constState as string) === 'done') return; // a cycle was reported while evaluating
    sym.constState = 'done';
    if (!item.type) sym.ty = ty;
    const v = this.constVals.get(item.value);
    if (v && ty.kind !== 'error') sym.constValue = v;
  }

  // ------------------------------------------------------------ flexible (untyped) constant expressions

  /** Literal-only expressions (and untyped consts) whose type comes from their context. */
  private isFlexible(e: Expr, scope: Scope): boolean {
    switch (e.kind) {
      case 'IntLit': case 'FloatLit': return true;
      case 'Name': {
        const sym = scope.lookup(e.name);
        if (!sym || sym.kind !== 'const') return false;
        if (sym.constState !== 'busy') this.evalConst(sym);
        return sym.flexible === true;
      }
      case 'Unary': return e.op !== '!' && this.isFlexible(e.operand, scope);
      case 'Binary': return (ARITH.has(e.op) || BITWISE.has(e.op)) && this.isFlexible(e.left, scope) && this.isFlexible(e.right, scope);
      case 'Call': {
        if (!FLEX_CALLS.has(e.callee.name) || scope.lookup(e.callee.name)) return false;
        return e.args.length === 2 && e.args.every((a) => a.name === null && this.isFlexible(a.value, scope));
      }
      default: return false;
    }
  }

  /** Folds a flexible expression with unbounded integers; null after a reported error. */
  private foldFlex(e: Expr, scope: Scope, cx: Ctx): ConstVal | null {
    switch (e.kind) {
      case 'IntLit': return { kind: 'int', value: e.value };
      case 'FloatLit': {
        const value = Math.fround(e.value);
        if (!Number.isFinite(value)) {
          this.diag('K3004', cx.file, e.span, e.text, 'f32');
          return null;
        }
        return { kind: 'float', value };
      }
      case 'Name': {
        const sym = scope.lookup(e.name)!;
        this.ref(e, sym, cx.file);
        return sym.constValue ?? null;
      }
      case 'Unary': {
        const v = this.foldFlex(e.operand, scope, cx);
        if (!v) return null;
        if (v.kind === 'int') return { kind: 'int', value: e.op === '-' ? -v.value : ~v.value };
        if (v.kind === 'float' && e.op === '-') return { kind: 'float', value: -v.value };
        this.diag('K3003', cx.file, e.span, e.op, 'f32');
        return null;
      }
      case 'Binary': {
        const l = this.foldFlex(e.left, scope, cx);
        const r = this.foldFlex(e.right, scope, cx);
        if (!l || !r) return null;
        if (l.kind !== r.kind) {
          this.mixedLiterals(e.left, l, e.right, e.op === '%' || BITWISE.has(e.op), cx);
          return null;
        }
        if (l.kind === 'int' && r.kind === 'int') return this.foldIntOp(e.op, l.value, r.value, null, e, cx);
        if (l.kind === 'float' && r.kind === 'float') {
          if (!ARITH.has(e.op) || e.op === '%') {
            this.diag('K3002', cx.file, e.span, e.op, 'f32', 'f32');
            return null;
          }
          return { kind: 'float', value: floatOp(e.op, l.value, r.value) };
        }
        return null;
      }
      case 'Call': {
        const vals = e.args.map((a) => this.foldFlex(a.value, scope, cx));
        if (vals.some((v) => !v)) return null;
        const [a, b] = vals as ConstVal[];
        if (a!.kind !== b!.kind) {
          this.mixedLiterals(e.args[0]!.value, a!, e.args[1]!.value, e.callee.name === 'ceil_div', cx);
          return null;
        }
        return this.foldCall(e.callee.name, a!, b!, e, cx);
      }
      default: return null;
    }
  }

  /**
   * `1.0 + 2`, `min(1.0, 2)`: an integer and a float constant meet. The float side wins (K3005 "write `2.0`")
   * unless the operation needs integers (`%`, bit operations, `ceil_div`): then the float side is wrong.
   */
  private mixedLiterals(a: Expr, av: ConstVal, b: Expr, integerOp: boolean, cx: Ctx): void {
    const intSide = av.kind === 'int' ? a : b;
    const floatSide = av.kind === 'int' ? b : a;
    if (integerOp) {
      if (isBareLiteral(floatSide)) this.diag('K3006', cx.file, floatSide.span, this.text(cx.file, floatSide.span), 'i32');
      else this.diag('K3001', cx.file, floatSide.span, 'i32', 'f32');
    } else if (isBareLiteral(intSide)) {
      this.diag('K3005', cx.file, intSide.span, this.text(cx.file, intSide.span));
    } else {
      this.diag('K3001', cx.file, intSide.span, 'f32', 'i32');
    }
  }

  private foldCall(name: string, a: ConstVal, b: ConstVal, e: CallExpr, cx: Ctx): ConstVal | null {
    if (a.kind === 'int' && b.kind === 'int') {
      if (name === 'min') return { kind: 'int', value: a.value < b.value ? a.value : b.value };
      if (name === 'max') return { kind: 'int', value: a.value > b.value ? a.value : b.value };
      if (b.value === 0n) {
        this.diag('K3009', cx.file, e.args[1]!.value.span);
        return null;
      }
      const q = a.value / b.value;
      return { kind: 'int', value: a.value % b.value !== 0n && (a.value < 0n) === (b.value < 0n) ? q + 1n : q };
    }
    if (a.kind === 'float' && b.kind === 'float' && name !== 'ceil_div') {
      return { kind: 'float', value: name === 'min' ? Math.min(a.value, b.value) : Math.max(a.value, b.value) };
    }
    this.diag('K3030', cx.file, e.span, `\`${name}\` argument`, a.kind === 'float' ? 'f32' : 'bool');
    return null;
  }

  /** Integer constant arithmetic; `type` null means unbounded (flexible). */
  private foldIntOp(op: string, a: bigint, b: bigint, type: 'i32' | 'u32' | null, e: Expr & { kind: 'Binary' }, cx: Ctx): ConstVal | null {
    switch (op) {
      case '+': return this.intResult(a + b, type, e, cx);
      case '-': return this.intResult(a - b, type, e, cx);
      case '*': return this.intResult(a * b, type, e, cx);
      case '/': case '%':
        if (b === 0n) {
          this.diag('K3009', cx.file, e.right.span);
          return null;
        }
        return this.intResult(op === '/' ? a / b : a % b, type, e, cx);
      case '&': return { kind: 'int', value: a & b };
      case '|': return { kind: 'int', value: a | b };
      case '^': return { kind: 'int', value: a ^ b };
      case '<<': case '>>':
        if (b < 0n || b >= 32n) {
          this.diag('K3010', cx.file, e.right.span, String(b));
          return null;
        }
        if (op === '<<') return { kind: 'int', value: type ? wrap(a << b, type) : a << b };
        return { kind: 'int', value: a >> b };
      case '==': return { kind: 'bool', value: a === b };
      case '!=': return { kind: 'bool', value: a !== b };
      case '<': return { kind: 'bool', value: a < b };
      case '<=': return { kind: 'bool', value: a <= b };
      case '>': return { kind: 'bool', value: a > b };
      case '>=': return { kind: 'bool', value: a >= b };
    }
    return null;
  }

  private intResult(v: bigint, type: 'i32' | 'u32' | null, e: Expr, cx: Ctx): ConstVal | null {
    if (type && !fits(v, type)) {
      this.diag('K3013', cx.file, e.span, String(v), type);
      return null;
    }
    return { kind: 'int', value: v };
  }

  /** Types a flexible expression from its context (`want`), checking the value fits. */
  private flexible(e: Expr, want: ValueType | null, scope: Scope, cx: Ctx): Ty {
    const v = this.foldFlex(e, scope, cx);
    if (!v) return this.markFlex(e, ERROR, cx);
    const literal = isBareLiteral(e);
    const src = this.text(cx.file, e.span);
    let t: ValueType;
    if (v.kind === 'int') {
      if (want === 'f32') {
        // An integer constant with no other type is an `i32`: that is how it is named to the user.
        if (literal) this.diag('K3005', cx.file, e.span, src);
        else this.diag('K3001', cx.file, e.span, 'f32', 'i32');
        return this.markFlex(e, F32, cx);
      }
      if (want === 'bool') {
        this.diag('K3001', cx.file, e.span, 'bool', 'i32');
        return this.markFlex(e, BOOL, cx);
      }
      t = want ?? 'i32';
      if (!fits(v.value, t)) {
        if (literal) this.diag('K3004', cx.file, e.span, src, t);
        else this.diag('K3013', cx.file, e.span, String(v.value), t);
        return this.markFlex(e, valueTy(t), cx);
      }
    } else {
      if (want === 'i32' || want === 'u32') {
        this.diag('K3006', cx.file, e.span, src, want);
        return this.markFlex(e, valueTy(want), cx);
      }
      if (want === 'bool') {
        this.diag('K3001', cx.file, e.span, 'bool', 'f32');
        return this.markFlex(e, BOOL, cx);
      }
      t = 'f32';
    }
    this.setConst(e, v);
    return this.markFlex(e, valueTy(t), cx);
  }

  private markFlex(e: Expr, t: Ty, cx: Ctx): Ty {
    this.record(e, t, cx);
    if (e.kind === 'Unary') this.markFlex(e.operand, t, cx);
    else if (e.kind === 'Binary') {
      this.markFlex(e.left, t, cx);
      this.markFlex(e.right, t, cx);
    } else if (e.kind === 'Call') for (const a of e.args) this.markFlex(a.value, t, cx);
    return t;
  }

  // ------------------------------------------------------------ device expressions

  /** Types a device (or const) expression that must be a value; `want` is a hint for literals. */
  private dev(e: Expr, want: ValueType | null, scope: Scope, cx: Ctx): Ty {
    const t = this.devAny(e, want, scope, cx);
    if (t.kind === 'buffer' || t.kind === 'shared') {
      this.diag('K3019', cx.file, e.span, this.text(cx.file, e.span));
      return ERROR;
    }
    if (t.kind === 'void') {
      this.diag('K3018', cx.file, e.span, `\`${this.text(cx.file, e.span)}\``);
      return ERROR;
    }
    return t;
  }

  /** Like dev, and reports a mismatch with `want`. */
  private devAs(e: Expr, want: ValueType, scope: Scope, cx: Ctx): Ty {
    const t = this.dev(e, want, scope, cx);
    if (t.kind === 'value' && t.type !== want) {
      this.diag('K3001', cx.file, e.span, want, t.type);
      return ERROR;
    }
    return t;
  }

  private devAny(e: Expr, want: ValueType | null, scope: Scope, cx: Ctx): Ty {
    if ((e.kind === 'IntLit' || e.kind === 'FloatLit' || e.kind === 'Unary' || e.kind === 'Binary' || e.kind === 'Call' || e.kind === 'Name')
      && this.isFlexible(e, scope)) {
      return this.flexible(e, want, scope, cx);
    }
    switch (e.kind) {
      case 'BoolLit':
        this.setConst(e, { kind: 'bool', value: e.value });
        return this.record(e, BOOL, cx);
      case 'Name': return this.record(e, this.devName(e, scope, cx), cx);
      case 'Unary': return this.record(e, this.devUnary(e, want, scope, cx), cx);
      case 'Binary': return this.record(e, this.devBinary(e, want, scope, cx), cx);
      case 'Call': return this.record(e, this.devCall(e, want, scope, cx), cx);
      case 'Index': return this.record(e, this.devIndex(e, scope, cx, false), cx);
      case 'Member': return this.record(e, this.member(e, scope, cx), cx);
      case 'ArrayLit':
        this.diag('K4017', cx.file, e.span);
        return this.record(e, ERROR, cx);
      case 'StringLit':
        this.diag('K3001', cx.file, e.span, want ?? 'a number', 'string');
        return this.record(e, ERROR, cx);
      default:
        return this.record(e, ERROR, cx);
    }
  }

  private unknownName(name: string, span: Span, scope: Scope, cx: Ctx): Ty {
    if (scope.declaredLater(name)) this.diag('K2008', cx.file, span, name);
    else this.diag('K2002', cx.file, span, name);
    return ERROR;
  }

  private devName(e: Expr & { kind: 'Name' }, scope: Scope, cx: Ctx): Ty {
    const sym = scope.lookup(e.name);
    if (!sym) {
      if ((e.name === 'lane' || e.name === 'warp_size') && cx.mode !== 'const') return U32;
      if (e.name === 'lane' || e.name === 'warp_size' || GEOMETRY.has(e.name)) {
        if (cx.mode === 'const') {
          this.diag('K3011', cx.file, e.span, `\`${e.name}\``);
          return ERROR;
        }
        this.diag('K2007', cx.file, e.span, e.name, 'built-in with members (`.x`, `.y`, `.z`)', 'value');
        return ERROR;
      }
      if (BUILTINS[e.name]) {
        this.diag('K2007', cx.file, e.span, e.name, 'built-in function', 'value');
        return ERROR;
      }
      return this.unknownName(e.name, e.span, scope, cx);
    }
    this.ref(e, sym, cx.file);
    if (cx.mode === 'const' && sym.kind !== 'const') {
      this.diag('K3011', cx.file, e.span, `\`${e.name}\``);
      return ERROR;
    }
    switch (sym.kind) {
      case 'const':
        this.evalConst(sym);
        if (sym.constValue) this.setConst(e, sym.constValue);
        return sym.ty;
      case 'param': case 'local': case 'loopvar': case 'shared':
        return sym.ty;
      default:
        this.diag('K2007', cx.file, e.span, e.name, sym.kind, 'value');
        return ERROR;
    }
  }

  private devUnary(e: Expr & { kind: 'Unary' }, want: ValueType | null, scope: Scope, cx: Ctx): Ty {
    const t = this.dev(e.operand, e.op === '!' ? 'bool' : want, scope, cx);
    if (t.kind !== 'value') return ERROR;
    const ok = e.op === '!' ? t.type === 'bool' : e.op === '~' ? isInt(t.type) : t.type === 'i32' || t.type === 'f32';
    if (!ok) {
      this.diag('K3003', cx.file, e.span, e.op, t.type);
      return ERROR;
    }
    const v = this.constVals.get(e.operand);
    if (v) {
      if (v.kind === 'bool') this.setConst(e, { kind: 'bool', value: !v.value });
      else if (v.kind === 'float') this.setConst(e, { kind: 'float', value: -v.value });
      else if (e.op === '~') this.setConst(e, { kind: 'int', value: wrap(~v.value, t.type as 'i32' | 'u32') });
      else if (fits(-v.value, t.type as 'i32')) this.setConst(e, { kind: 'int', value: -v.value });
      else this.diag('K3013', cx.file, e.span, String(-v.value), t.type);
    }
    return t;
  }

  private devBinary(e: Expr & { kind: 'Binary' }, want: ValueType | null, scope: Scope, cx: Ctx): Ty {
    if (e.op === '&&' || e.op === '||') {
      const l = this.devAs(e.left, 'bool', scope, cx);
      const r = this.devAs(e.right, 'bool', scope, cx);
      if (l.kind === 'error' || r.kind === 'error') return ERROR;
      const lv = this.constVals.get(e.left);
      const rv = this.constVals.get(e.right);
      if (lv?.kind === 'bool' && rv?.kind === 'bool') {
        this.setConst(e, { kind: 'bool', value: e.op === '&&' ? lv.value && rv.value : lv.value || rv.value });
      }
      return BOOL;
    }
    const hint = ARITH.has(e.op) || BITWISE.has(e.op) ? (want === 'bool' ? null : want) : null;
    let l: Ty;
    let r: Ty;
    if (this.isFlexible(e.left, scope) && !this.isFlexible(e.right, scope)) {
      r = this.dev(e.right, hint, scope, cx);
      l = r.kind === 'value' ? this.devAs(e.left, r.type, scope, cx) : this.dev(e.left, hint, scope, cx);
    } else {
      l = this.dev(e.left, hint, scope, cx);
      r = l.kind === 'value' ? this.devAs(e.right, l.type, scope, cx) : this.dev(e.right, null, scope, cx);
    }
    if (l.kind !== 'value' || r.kind !== 'value') return ERROR;
    const t = l.type;
    const ok = EQUALITY.has(e.op) ? true
      : ORDER.has(e.op) ? t !== 'bool'
      : e.op === '%' || BITWISE.has(e.op) ? isInt(t)
      : t !== 'bool';
    if (!ok) {
      this.diag('K3002', cx.file, e.span, e.op, t, r.type);
      return ERROR;
    }
    const rv = this.constVals.get(e.right);
    if (rv?.kind === 'int' && (e.op === '/' || e.op === '%') && rv.value === 0n) {
      this.diag('K3009', cx.file, e.right.span);
      return ERROR;
    }
    if (rv?.kind === 'int' && (e.op === '<<' || e.op === '>>') && (rv.value < 0n || rv.value >= 32n)) {
      this.diag('K3010', cx.file, e.right.span, String(rv.value));
      return ERROR;
    }
    const result: Ty = EQUALITY.has(e.op) || ORDER.has(e.op) ? BOOL : l;
    const lv = this.constVals.get(e.left);
    if (lv && rv) {
      let v: ConstVal | null = null;
      if (lv.kind === 'int' && rv.kind === 'int') v = this.foldIntOp(e.op, lv.value, rv.value, t as 'i32' | 'u32', e, cx);
      else if (lv.kind === 'float' && rv.kind === 'float') {
        v = ARITH.has(e.op) ? { kind: 'float', value: floatOp(e.op, lv.value, rv.value) } : { kind: 'bool', value: compare(e.op, lv.value, rv.value) };
      } else if (lv.kind === 'bool' && rv.kind === 'bool') {
        v = { kind: 'bool', value: e.op === '==' ? lv.value === rv.value : lv.value !== rv.value };
      }
      if (!v) return v === null && lv.kind === 'int' ? ERROR : result;
      this.setConst(e, v);
    }
    return result;
  }

  private member(e: Expr & { kind: 'Member' }, scope: Scope, cx: Ctx): Ty {
    const base = e.base;
    const baseName = base.kind === 'Name' ? base.name : this.text(cx.file, base.span);
    if (base.kind === 'Name' && GEOMETRY.has(base.name) && !scope.lookup(base.name)) {
      if (cx.mode === 'const') {
        this.diag('K3011', cx.file, e.span, `\`${this.text(cx.file, e.span)}\``);
        return ERROR;
      }
      if (cx.mode === 'run') {
        this.diag('K4010', cx.file, e.span, base.name);
        return ERROR;
      }
      if (!['x', 'y', 'z'].includes(e.member.name)) {
        this.diag('K2010', cx.file, e.member.span, base.name, e.member.name);
        return ERROR;
      }
      return U32;
    }
    if (base.kind === 'Name') {
      const sym = scope.lookup(base.name);
      if (sym) this.ref(base, sym, cx.file);
      else return this.unknownName(base.name, base.span, scope, cx);
    }
    this.diag('K2010', cx.file, e.member.span, baseName, e.member.name);
    return ERROR;
  }

  /** Resolves the buffer or shared array an index expression reads or writes. */
  private memOf(base: Expr, scope: Scope, cx: Ctx, write: boolean): Sym | null {
    if (base.kind !== 'Name') {
      this.dev(base, null, scope, cx);
      this.diag('K3020', cx.file, base.span, this.text(cx.file, base.span));
      return null;
    }
    const sym = scope.lookup(base.name);
    if (!sym) {
      this.unknownName(base.name, base.span, scope, cx);
      return null;
    }
    this.ref(base, sym, cx.file, write);
    this.markUsed(sym);
    if (sym.ty.kind === 'error') return null;
    if (sym.ty.kind !== 'buffer' && sym.ty.kind !== 'shared') {
      this.diag('K3020', cx.file, base.span, base.name);
      return null;
    }
    this.types.set(base, sym.ty);
    return sym;
  }

  private devIndex(e: IndexExpr, scope: Scope, cx: Ctx, write: boolean): Ty {
    if (cx.mode === 'const') {
      this.diag('K3011', cx.file, e.span, `\`${this.text(cx.file, e.span)}\``);
      return ERROR;
    }
    const sym = this.memOf(e.base, scope, cx, write);
    const it = this.dev(e.index, 'u32', scope, cx);
    if (it.kind === 'value' && !isInt(it.type)) this.diag('K3021', cx.file, e.index.span, it.type);
    if (!sym || sym.ty.kind === 'error') return ERROR;
    const elem = (sym.ty as { elem: StorageType }).elem;
    return valueTy(loadedType(elem));
  }

  // ------------------------------------------------------------ calls

  private argCount(e: CallExpr, name: string, want: number | string, cx: Ctx, scope: Scope): boolean {
    const ok = typeof want === 'number' ? e.args.length === want : true;
    if (!ok) {
      this.diag('K3014', cx.file, e.argsSpan, name, argumentsPhrase(want), givenPhrase(e.args.length));
      for (const a of e.args) this.types.has(a.value) || this.devAny(a.value, null, scope, cx);
    }
    return ok;
  }

  private noNamedArgs(e: CallExpr, cx: Ctx): void {
    for (const a of e.args) if (a.name) this.diag('K2011', cx.file, a.name.span, a.name.name, e.callee.name);
  }

  private devCall(e: CallExpr, want: ValueType | null, scope: Scope, cx: Ctx): Ty {
    const name = e.callee.name;
    const sym = scope.lookup(name);
    if (sym) {
      this.ref(e.callee, sym, cx.file);
      if (sym.kind === 'fn') return this.fnCall(e, sym, scope, cx);
      if (sym.kind === 'kernel') {
        this.diag('K4023', cx.file, e.span);
        return ERROR;
      }
      this.diag('K2007', cx.file, e.callee.span, name, sym.kind, 'fn');
      return ERROR;
    }
    const def = BUILTINS[name];
    if (!def) return this.unknownName(name, e.callee.span, scope, cx);
    if (def.where === 'host') {
      this.diag('K4011', cx.file, e.callee.span, name);
      return ERROR;
    }
    if (cx.mode === 'const' && !['min', 'max', 'ceil_div', 'f32', 'i32', 'u32'].includes(name)) {
      this.diag('K3011', cx.file, e.span, `\`${name}(…)\``);
      return ERROR;
    }
    this.noNamedArgs(e, cx);
    return this.builtinCall(e, def, want, scope, cx);
  }

  private fnCall(e: CallExpr, sym: Sym, scope: Scope, cx: Ctx): Ty {
    if (cx.mode === 'const') {
      this.diag('K3011', cx.file, e.span, `\`${e.callee.name}(…)\``);
      return ERROR;
    }
    this.noNamedArgs(e, cx);
    const params = sym.params ?? [];
    if (cx.itemSym) this.addCall(cx.itemSym, sym, cx.file, e.span);
    if (!this.argCount(e, e.callee.name, params.length, cx, scope)) return sym.ret ? valueTy(sym.ret) : sym.ret === null ? VOID : ERROR;
    e.args.forEach((a, i) => {
      const p = params[i]!;
      if (p.ty.kind === 'buffer') {
        const v = a.value;
        const bsym = v.kind === 'Name' ? scope.lookup(v.name) : undefined;
        if (v.kind !== 'Name' || !bsym || (bsym.ty.kind !== 'buffer' && bsym.ty.kind !== 'shared' && bsym.ty.kind !== 'error')) {
          if (v.kind === 'Name' && !bsym) this.unknownName(v.name, v.span, scope, cx);
          else {
            if (v.kind !== 'Name') this.dev(v, null, scope, cx);
            else this.ref(v, bsym!, cx.file);
            this.diag('K4024', cx.file, v.span, p.name);
          }
          return;
        }
        this.ref(v, bsym, cx.file, p.ty.mutable);
        this.markUsed(bsym);
        this.types.set(v, bsym.ty);
        if (bsym.ty.kind === 'error') return;
        const elem = (bsym.ty as { elem: StorageType }).elem;
        if (elem !== p.ty.elem) {
          this.diag('K3001', cx.file, v.span, showTy(p.ty), showTy(bsym.ty));
        } else if (p.ty.mutable && bsym.ty.kind === 'buffer' && !bsym.ty.mutable) {
          this.diag('K3016', cx.file, v.span, v.name);
        }
      } else if (p.ty.kind === 'value') {
        this.devAs(a.value, p.ty.type, scope, cx);
      } else {
        this.dev(a.value, null, scope, cx);
      }
    });
    if (sym.ret === undefined) return ERROR;
    if (sym.ret === null) {
      const item = sym.decl as FnItem;
      return item.returnType ? ERROR : VOID;
    }
    return valueTy(sym.ret);
  }

  /** Types a list of arguments that must share one value type (min, max, clamp, select's branches). */
  private unify(args: Expr[], want: ValueType | null, scope: Scope, cx: Ctx): Ty {
    const anchor = args.findIndex((a) => !this.isFlexible(a, scope));
    const first = anchor >= 0 ? anchor : 0;
    const t = this.dev(args[first]!, want, scope, cx);
    let bad = t.kind !== 'value';
    args.forEach((a, i) => {
      if (i === first) return;
      const u = t.kind === 'value' ? this.devAs(a, t.type, scope, cx) : this.dev(a, null, scope, cx);
      if (u.kind !== 'value') bad = true;
    });
    return bad ? ERROR : t;
  }

  private builtinCall(e: CallExpr, def: BuiltinDef, want: ValueType | null, scope: Scope, cx: Ctx): Ty {
    const name = def.name;
    const args = e.args.map((a) => a.value);
    const numericHint = want === 'bool' ? null : want;
    switch (def.kind) {
      case 'geometry': case 'value':
        this.diag('K2007', cx.file, e.callee.span, name, 'built-in value', 'fn');
        return ERROR;
      case 'math': {
        if (F32_UNARY.has(name) || name === 'pow' || name === 'fma') {
          const n = name === 'pow' ? 2 : name === 'fma' ? 3 : 1;
          if (!this.argCount(e, name, n, cx, scope)) return ERROR;
          const ts = args.map((a) => this.devAs(a, 'f32', scope, cx));
          return ts.some((t) => t.kind === 'error') ? ERROR : F32;
        }
        const n = name === 'abs' ? 1 : name === 'clamp' ? 3 : 2;
        if (!this.argCount(e, name, n, cx, scope)) return ERROR;
        const t = this.unify(args, numericHint, scope, cx);
        if (t.kind !== 'value') return ERROR;
        if (t.type === 'bool' || (name === 'ceil_div' && t.type === 'f32')) {
          this.diag('K3030', cx.file, e.span, `\`${name}\` argument`, t.type);
          return ERROR;
        }
        this.foldBuiltin(e, name, t.type, cx);
        return t;
      }
      case 'select': {
        if (!this.argCount(e, name, 3, cx, scope)) return ERROR;
        const c = this.devAs(args[0]!, 'bool', scope, cx);
        const t = this.unify(args.slice(1), want, scope, cx);
        return c.kind === 'error' ? ERROR : t;
      }
      case 'convert': {
        if (!this.argCount(e, name, 1, cx, scope)) return ERROR;
        const t = this.dev(args[0]!, null, scope, cx);
        if (t.kind !== 'value') return ERROR;
        const to = name as ValueType;
        const v = this.constVals.get(args[0]!);
        if (v) this.setConst(e, convertConst(v, to));
        return valueTy(to);
      }
      case 'bitcast': {
        if (!this.argCount(e, name, 1, cx, scope)) return ERROR;
        if (name === 'bitcast_u32') return this.devAs(args[0]!, 'f32', scope, cx).kind === 'error' ? ERROR : U32;
        const t = this.dev(args[0]!, 'u32', scope, cx);
        if (t.kind !== 'value') return ERROR;
        if (!isInt(t.type)) {
          this.diag('K3001', cx.file, args[0]!.span, 'u32', t.type);
          return ERROR;
        }
        return F32;
      }
      case 'sync':
        if (!this.argCount(e, name, 0, cx, scope)) return ERROR;
        return VOID;
      case 'warp': {
        const two = name.startsWith('shuffle') || name === 'broadcast';
        if (!this.argCount(e, name, two ? 2 : 1, cx, scope)) return ERROR;
        const t = this.dev(args[0]!, numericHint, scope, cx);
        if (two) this.devAs(args[1]!, 'u32', scope, cx);
        if (t.kind !== 'value') return ERROR;
        if (t.type === 'bool') {
          this.diag('K3001', cx.file, args[0]!.span, 'f32, i32 or u32', 'bool');
          return ERROR;
        }
        return t;
      }
      case 'atomic': {
        if (!this.argCount(e, name, 2, cx, scope)) return ERROR;
        const target = args[0]!;
        if (target.kind !== 'Index') {
          this.dev(target, null, scope, cx);
          this.dev(args[1]!, null, scope, cx);
          this.diag('K3026', cx.file, target.span);
          return ERROR;
        }
        const sym = this.memOf(target.base, scope, cx, true);
        const it = this.dev(target.index, 'u32', scope, cx);
        if (it.kind === 'value' && !isInt(it.type)) this.diag('K3021', cx.file, target.index.span, it.type);
        if (!sym) {
          this.dev(args[1]!, null, scope, cx);
          return ERROR;
        }
        if (sym.ty.kind === 'buffer' && !sym.ty.mutable) {
          this.diag('K3026', cx.file, target.span);
          this.dev(args[1]!, null, scope, cx);
          return ERROR;
        }
        const elem = (sym.ty as { elem: StorageType }).elem;
        const ok = name === 'atomic_add' ? ['f32', 'i32', 'u32'].includes(elem) : ['i32', 'u32'].includes(elem);
        const vt = loadedType(elem);
        this.record(target, valueTy(vt), cx);
        if (!ok) {
          this.diag('K3027', cx.file, target.span, name, elem);
          this.dev(args[1]!, null, scope, cx);
          return ERROR;
        }
        return this.devAs(args[1]!, vt, scope, cx).kind === 'error' ? ERROR : valueTy(vt);
      }
      default:
        this.diag('K4011', cx.file, e.callee.span, name);
        return ERROR;
    }
  }

  private foldBuiltin(e: CallExpr, name: string, t: ValueType, cx: Ctx): void {
    if (!['min', 'max', 'ceil_div', 'abs'].includes(name)) return;
    const vals = e.args.map((a) => this.constVals.get(a.value));
    if (vals.some((v) => !v)) return;
    if (name === 'abs') {
      const v = vals[0]!;
      if (v.kind === 'int') this.setConst(e, { kind: 'int', value: wrap(v.value < 0n ? -v.value : v.value, t as 'i32' | 'u32') });
      else if (v.kind === 'float') this.setConst(e, { kind: 'float', value: Math.abs(v.value) });
      return;
    }
    const v = this.foldCall(name, vals[0]!, vals[1]!, e, cx);
    if (v) this.setConst(e, v);
  }

  // ------------------------------------------------------------ kernel and fn bodies

  private checkBody(file: string, item: FnItem | KernelItem): void {
    const sym = this.itemSyms.get(item)!;
    const cx: Ctx = {
      file, mode: item.kind === 'Fn' ? 'fn' : 'kernel', itemSym: sym, container: sym.name, ret: sym.ret ?? null,
      loops: 0, topBlock: item.body, sharedBytes: 0, inExpect: false,
    };
    const scope = new Scope(this.fileScopes.get(file)!, item.body.span);
    for (const p of sym.params ?? []) this.declare(scope, p, cx);
    this.block(item.body, scope, cx, false);
    if (item.kind === 'Fn' && sym.ret && !alwaysReturns(item.body.stmts)) {
      const closing = { start: Math.max(item.body.span.end - 1, item.body.span.start), end: item.body.span.end };
      this.diag('K3022', file, closing, sym.name, sym.ret);
    }
  }

  private block(b: Block, parent: Scope, cx: Ctx, newScope = true): void {
    const scope = newScope ? new Scope(parent, b.span) : parent;
    for (const s of b.stmts) if (s.kind === 'Let') scope.later.add(s.name.name);
    for (const s of b.stmts) {
      if (s.kind === 'Let') scope.later.delete(s.name.name);
      this.stmt(s, scope, cx, b);
    }
    this.reportUnused(scope);
  }

  private reportUnused(scope: Scope): void {
    for (const sym of scope.names.values()) {
      if (sym.used || sym.name.startsWith('_') || sym.kind === 'param' || sym.kind === 'const' || sym.ty.kind === 'error') continue;
      // A broken `let` (`let b = (2.0;`) probably swallowed its uses while the parser recovered.
      if ((sym.decl as { kind?: string }).kind === 'Let' && this.syntaxErrorIn(sym.file, sym.declSpan)) continue;
      this.diag('K5001', sym.file, sym.nameSpan, sym.name);
    }
  }

  private syntaxErrorIn(file: string, span: Span): boolean {
    return (this.input.syntaxErrors?.get(file) ?? []).some((at) => at >= span.start && at <= span.end);
  }

  private localSym(name: Ident, kind: SymbolKind, ty: Ty, mutable: boolean, decl: Node, typeWritten: boolean, scope: Scope, cx: Ctx): Sym {
    return this.newSym({
      name: name.name, kind, file: cx.file, ty, mutable, nameSpan: name.span, declSpan: decl.span, decl,
      typeWritten, container: cx.container, scope: scope.span,
    });
  }

  private stmt(s: Stmt, scope: Scope, cx: Ctx, parent: Block): void {
    switch (s.kind) {
      case 'Block': return this.block(s, scope, cx);
      case 'Let': return this.letStmt(s, scope, cx);
      case 'Shared': {
        const top = cx.mode === 'kernel' && parent === cx.topBlock;
        if (!top) this.diag('K4005', cx.file, s.span);
        let ty: Ty = ERROR;
        if (s.type.kind !== 'ArrayType') {
          this.diag('K4003', cx.file, s.type.span, `\`${this.text(cx.file, s.type.span)}\``);
        } else {
          const elem = this.storageType(s.type.elem, cx.file);
          const size = s.type.size;
          const st = this.dev(size, 'u32', scope, cx);
          const v = this.constVals.get(size);
          if (st.kind === 'value' && (!v || v.kind !== 'int' || v.value <= 0n)) {
            this.diag('K4003', cx.file, size.span, v ? showConstVal(v) : `\`${this.text(cx.file, size.span)}\``);
          } else if (elem && v && v.kind === 'int') {
            const length = Number(v.value);
            ty = { kind: 'shared', elem, length };
            const before = cx.sharedBytes;
            cx.sharedBytes += length * STORAGE_BYTES[elem];
            if (top && cx.sharedBytes > this.limits.maxSharedBytesPerBlock && before <= this.limits.maxSharedBytesPerBlock) {
              this.diag('K4004', cx.file, s.name.span, cx.container ?? '', cx.sharedBytes, this.limits.maxSharedBytesPerBlock);
            }
          }
        }
        this.declare(scope, this.localSym(s.name, 'shared', ty, true, s, true, scope, cx), cx);
        return;
      }
      case 'Assign': return this.assign(s, scope, cx);
      case 'If': {
        this.devAs(s.cond, 'bool', scope, cx);
        this.block(s.then, scope, cx);
        if (s.else?.kind === 'Block') this.block(s.else, scope, cx);
        else if (s.else) this.stmt(s.else, scope, cx, parent);
        return;
      }
      case 'For': {
        let t: Ty;
        if (this.isFlexible(s.from, scope) && !this.isFlexible(s.to, scope)) {
          t = this.dev(s.to, null, scope, cx);
          if (t.kind === 'value') this.devAs(s.from, t.type, scope, cx);
        } else {
          t = this.dev(s.from, null, scope, cx);
          if (t.kind === 'value') this.devAs(s.to, t.type, scope, cx);
          else this.dev(s.to, null, scope, cx);
        }
        if (t.kind === 'value' && !isInt(t.type)) {
          this.diag('K3030', cx.file, { start: s.from.span.start, end: s.to.span.end }, 'a loop range', t.type);
          t = ERROR;
        }
        if (s.step) {
          const st = t.kind === 'value' ? this.devAs(s.step, t.type, scope, cx) : this.dev(s.step, null, scope, cx);
          const v = this.constVals.get(s.step);
          if (st.kind === 'value' && v?.kind === 'int' && v.value <= 0n) this.diag('K3025', cx.file, s.step.span, String(v.value));
        }
        const inner = new Scope(scope, s.span);
        const sym = this.localSym(s.variable, 'loopvar', t, false, s, false, inner, cx);
        inner.names.set(sym.name, sym);
        cx.loops++;
        this.block(s.body, inner, cx);
        cx.loops--;
        this.reportUnused(inner);
        return;
      }
      case 'While':
        this.devAs(s.cond, 'bool', scope, cx);
        cx.loops++;
        this.block(s.body, scope, cx);
        cx.loops--;
        return;
      case 'Break': case 'Continue':
        if (cx.loops === 0) this.diag('K4007', cx.file, s.span, s.kind === 'Break' ? 'break' : 'continue');
        return;
      case 'Return':
        if (cx.mode === 'kernel') {
          if (s.value) {
            this.dev(s.value, null, scope, cx);
            this.diag('K4006', cx.file, s.value.span);
          }
        } else if (cx.ret) {
          if (s.value) this.devAs(s.value, cx.ret, scope, cx);
          else this.diag('K3023', cx.file, s.span, cx.container ?? '', cx.ret);
        } else if (s.value) {
          this.dev(s.value, null, scope, cx);
          const item = cx.itemSym?.decl as FnItem | undefined;
          if (!item || !item.returnType) this.diag('K3024', cx.file, s.value.span, cx.container ?? '');
        }
        return;
      case 'ExprStmt':
        // Non-call statements were reported by the parser (K1013); type them for the semantic model only.
        this.devAny(s.expr, null, scope, cx);
        return;
      case 'Launch': case 'Read': case 'Expect': case 'Repeat':
        this.diag('K4008', cx.file, s.span, s.kind.toLowerCase());
        return;
      case 'ErrorStmt':
        return;
    }
  }

  private letStmt(s: LetStmt, scope: Scope, cx: Ctx): void {
    let ty: Ty = ERROR;
    let declared: ValueType | null = null;
    if (s.type) declared = this.valueType(s.type, cx.file);
    if (s.init) {
      if (declared) ty = this.devAs(s.init, declared, scope, cx);
      else if (s.type) this.dev(s.init, null, scope, cx);
      else ty = this.dev(s.init, null, scope, cx);
      if (declared) ty = valueTy(declared);
    } else if (declared) {
      ty = valueTy(declared);
    } else if (!s.type) {
      this.diag('K3028', cx.file, s.name.span, s.name.name);
    }
    const sym = this.localSym(s.name, 'local', ty, s.mutable, s, s.type !== null, scope, cx);
    const c = s.init && !s.mutable ? this.constVals.get(s.init) : undefined;
    if (c) sym.constValue = c;
    this.declare(scope, sym, cx);
  }

  private assign(s: Stmt & { kind: 'Assign' }, scope: Scope, cx: Ctx): void {
    const target = s.target;
    let tt: Ty = ERROR;
    if (target.kind === 'Name') {
      const sym = scope.lookup(target.name);
      if (!sym) this.unknownName(target.name, target.span, scope, cx);
      else {
        this.ref(target, sym, cx.file, s.op === '=');
        if (s.op !== '=') this.ref(target, sym, cx.file, true);
        if (sym.kind === 'local' && sym.mutable) tt = sym.ty;
        else if (sym.kind === 'buffer' || sym.ty.kind === 'buffer' || sym.ty.kind === 'shared') this.diag('K3017', cx.file, target.span);
        else {
          const what = sym.kind === 'local' ? 'declared with `let` (use `var` to change it)'
            : sym.kind === 'param' ? 'a parameter' : sym.kind === 'loopvar' ? 'a loop variable' : `a ${sym.kind}`;
          this.diag('K3015', cx.file, target.span, target.name, what);
        }
        this.types.set(target, sym.ty);
      }
    } else if (target.kind === 'Index') {
      const sym = target.base.kind === 'Name' ? scope.lookup(target.base.name) : undefined;
      const t = this.record(target, this.devIndex(target, scope, cx, true), cx);
      if (sym && sym.ty.kind === 'buffer' && !sym.ty.mutable) this.diag('K3016', cx.file, target.base.span, sym.name);
      else tt = t;
    } else if (target.kind !== 'ErrorExpr') {
      // The parser already reported the target (K1012); only type it for the semantic model.
      this.devAny(target, null, scope, cx);
    }
    if (tt.kind !== 'value') {
      this.dev(s.value, null, scope, cx);
      return;
    }
    const t = tt.type;
    if (s.op !== '=') {
      const op = s.op.slice(0, -1);
      const ok = op === '%' || BITWISE.has(op) ? isInt(t) : t !== 'bool';
      if (!ok) {
        this.dev(s.value, null, scope, cx);
        this.diag('K3002', cx.file, s.opSpan, s.op, t, t);
        return;
      }
    }
    const vt = this.devAs(s.value, t, scope, cx);
    const v = this.constVals.get(s.value);
    if (vt.kind === 'value' && v?.kind === 'int') {
      if ((s.op === '/=' || s.op === '%=') && v.value === 0n) this.diag('K3009', cx.file, s.value.span);
      if ((s.op === '<<=' || s.op === '>>=') && (v.value < 0n || v.value >= 32n)) this.diag('K3010', cx.file, s.value.span, String(v.value));
    }
  }

  // ------------------------------------------------------------ run blocks

  private checkRun(file: string, item: RunItem): void {
    const sym = this.itemSyms.get(item)!;
    const cx: Ctx = { file, mode: 'run', itemSym: sym, container: sym.name, ret: null, loops: 0, topBlock: item.body, sharedBytes: 0, inExpect: false };
    const scope = new Scope(this.fileScopes.get(file)!, item.body.span);
    this.hostBlock(item.body.stmts, scope, cx);
    this.reportUnused(scope);
  }

  private hostBlock(stmts: Stmt[], scope: Scope, cx: Ctx): void {
    for (const s of stmts) if (s.kind === 'Let') scope.later.add(s.name.name);
    for (const s of stmts) {
      if (s.kind === 'Let') scope.later.delete(s.name.name);
      this.hostStmt(s, scope, cx);
    }
  }

  private hostStmt(s: Stmt, scope: Scope, cx: Ctx): void {
    switch (s.kind) {
      case 'Let': {
        if (s.mutable) this.diag('K4009', cx.file, s.span, '`var`');
        if (!s.init) {
          this.diag('K3028', cx.file, s.name.span, s.name.name);
          this.declare(scope, this.localSym(s.name, 'hostvar', ERROR, false, s, false, scope, cx), cx);
          return;
        }
        const init = s.init;
        if (init.kind === 'Call' && init.callee.name === 'buffer' && !scope.lookup('buffer')) {
          const ty = this.bufferAlloc(init, scope, cx);
          this.declare(scope, this.localSym(s.name, 'buffer', ty, true, s, false, scope, cx), cx);
          return;
        }
        let want: HostScalar | null = null;
        if (s.type) {
          const v = this.valueType(s.type, cx.file);
          want = v ? hostOf(v) : null;
        }
        const t = want ? this.hostAs(init, want, scope, cx) : this.host(init, null, scope, cx);
        const sym = this.localSym(s.name, 'hostvar', t, false, s, s.type !== null, scope, cx);
        const c = this.constVals.get(init);
        if (c) sym.constValue = c;
        this.declare(scope, sym, cx);
        return;
      }
      case 'Launch': return this.launch(s, scope, cx);
      case 'Read': {
        this.bufferName(s.buffer, scope, cx);
        return;
      }
      case 'Expect': {
        const buf = this.bufferName(s.buffer, scope, cx);
        const inner = new Scope(scope, s.span);
        const idx = this.localSym(s.index, 'hostvar', hostTy('int'), false, s, false, inner, cx);
        this.markUsed(idx);
        inner.names.set(idx.name, idx);
        const want = buf?.ty.kind === 'hostbuf' ? hostOf(loadedType(buf.ty.elem)) : null;
        const ecx = { ...cx, inExpect: true };
        const t = this.host(s.value, want, inner, ecx);
        if (t.kind === 'host' && t.type === 'bool') this.diag('K3001', cx.file, s.value.span, want ?? 'float', 'bool');
        if (s.tolerance) {
          const tt = this.host(s.tolerance, null, scope, cx);
          const tv = this.constVals.get(s.tolerance);
          if (tt.kind === 'host' && tt.type === 'bool') this.diag('K3001', cx.file, s.tolerance.span, 'float', 'bool');
          else if (tt.kind === 'host' && (tv?.kind === 'int' || tv?.kind === 'float') && tv.value < 0) {
            this.diag('K4026', cx.file, s.tolerance.span, this.text(cx.file, s.tolerance.span));
          }
        }
        return;
      }
      case 'Repeat': {
        this.hostAs(s.count, 'int', scope, cx);
        const inner = new Scope(scope, s.body.span);
        this.hostBlock(s.body.stmts, inner, cx);
        this.reportUnused(inner);
        return;
      }
      case 'ErrorStmt':
        return;
      default: {
        const what: Record<string, string> = {
          Block: 'a block', Shared: '`shared`', Assign: 'assignment', If: '`if`', For: '`for`', While: '`while`',
          Break: '`break`', Continue: '`continue`', Return: '`return`', ExprStmt: 'an expression statement',
        };
        this.diag('K4009', cx.file, s.span, what[s.kind] ?? s.kind);
      }
    }
  }

  private bufferName(id: Ident, scope: Scope, cx: Ctx): Sym | null {
    const sym = scope.lookup(id.name);
    if (!sym || sym.kind !== 'buffer') {
      if (sym) this.ref(id, sym, cx.file);
      this.diag('K2013', cx.file, id.span, id.name);
      return null;
    }
    this.ref(id, sym, cx.file);
    return sym;
  }

  private bufferAlloc(e: CallExpr, scope: Scope, cx: Ctx): Ty {
    this.refs.delete(e);
    const positional = e.args.filter((a) => !a.name);
    if (positional.length < 2 || positional.length > 3) {
      this.diag('K3014', cx.file, e.argsSpan, 'buffer', argumentsPhrase('2 or 3'), givenPhrase(positional.length));
      return ERROR;
    }
    const typeArg = positional[0]!.value;
    let elem: StorageType | null = null;
    if (typeArg.kind === 'Name' && isStorageType(typeArg.name)) elem = typeArg.name;
    else this.diag('K3007', cx.file, typeArg.span, this.text(cx.file, typeArg.span));
    const count = positional[1]!.value;
    this.hostAs(count, 'int', scope, cx);
    const cv = this.constVals.get(count);
    const elemHost: HostScalar | null = elem ? hostOf(loadedType(elem)) : null;
    const init = positional[2]?.value;
    if (init) this.bufferInit(init, elemHost, scope, cx);
    for (const a of e.args) {
      if (!a.name) continue;
      if (a.name.name !== 'placement') {
        this.diag('K2011', cx.file, a.name.span, a.name.name, 'buffer');
        continue;
      }
      if (a.value.kind !== 'Name' || (a.value.name !== 'host' && a.value.name !== 'device')) this.diag('K4020', cx.file, a.value.span);
    }
    const ty: Ty = elem ? { kind: 'hostbuf', elem, count: cv?.kind === 'int' ? Number(cv.value) : null } : ERROR;
    this.types.set(e, ty);
    return ty;
  }

  private bufferInit(init: Expr, elemHost: HostScalar | null, scope: Scope, cx: Ctx): void {
    const kinds: Record<string, number> = { fill: 1, range: 2, random: 2, file: 1 };
    if (init.kind !== 'Call' || !(init.callee.name in kinds) || scope.lookup(init.callee.name)) {
      const name = init.kind === 'Call' ? init.callee.name : this.text(cx.file, init.span);
      if (init.kind !== 'Call') this.host(init, null, scope, cx);
      this.diag('K4018', cx.file, init.kind === 'Call' ? init.callee.span : init.span, name);
      return;
    }
    const name = init.callee.name;
    const positional = init.args.filter((a) => !a.name);
    for (const a of init.args) {
      if (!a.name) continue;
      if (name === 'random' && a.name.name === 'seed') this.hostAs(a.value, 'int', scope, cx);
      else this.diag('K2011', cx.file, a.name.span, a.name.name, name);
    }
    if (positional.length !== kinds[name]) {
      this.diag('K3014', cx.file, init.argsSpan, name, argumentsPhrase(kinds[name]!), givenPhrase(positional.length));
      return;
    }
    if (name === 'file') {
      const v = positional[0]!.value;
      if (v.kind !== 'StringLit' && v.kind !== 'ErrorExpr') this.diag('K3001', cx.file, v.span, 'a "path" string', this.text(cx.file, v.span));
      return;
    }
    for (const a of positional) {
      if (elemHost) this.hostAs(a.value, elemHost, scope, cx);
      else this.host(a.value, null, scope, cx);
    }
  }

  private launchDims(e: Expr, scope: Scope, cx: Ctx): (number | null)[] | null {
    const dims = e.kind === 'ArrayLit' ? e.elements : [e];
    if (dims.length < 1 || dims.length > 3) {
      this.diag('K4017', cx.file, e.span);
      return null;
    }
    if (e.kind === 'ArrayLit') this.types.set(e, hostTy('int'));
    const values: (number | null)[] = [];
    for (const d of dims) {
      if (d.kind === 'ArrayLit') {
        this.diag('K4017', cx.file, d.span);
        return null;
      }
      const t = this.hostAs(d, 'int', scope, cx);
      const v = this.constVals.get(d);
      values.push(t.kind === 'host' && v?.kind === 'int' ? Number(v.value) : null);
    }
    return values;
  }

  /** K4025 for each constant dimension over the device's limit; true when any was. */
  private dimLimits(what: 'grid' | 'block', e: Expr, values: (number | null)[], limits: [number, number, number], cx: Ctx): boolean {
    const spans = e.kind === 'ArrayLit' ? e.elements.map((d) => d.span) : [e.span];
    let over = false;
    values.forEach((v, i) => {
      if (v === null || v <= limits[i]!) return;
      this.diag('K4025', cx.file, spans[i]!, what, 'xyz'[i]!, v, limits[i]!);
      over = true;
    });
    return over;
  }

  private launch(s: LaunchStmt, scope: Scope, cx: Ctx): void {
    const sym = scope.lookup(s.kernel.name);
    let kernel: Sym | null = null;
    if (!sym) this.diag('K2012', cx.file, s.kernel.span, s.kernel.name);
    else {
      this.ref(s.kernel, sym, cx.file);
      if (sym.kind !== 'kernel') this.diag('K2007', cx.file, s.kernel.span, s.kernel.name, sym.kind, 'kernel');
      else kernel = sym;
    }
    const grid = this.launchDims(s.grid, scope, cx);
    const block = this.launchDims(s.block, scope, cx);
    if (grid) this.dimLimits('grid', s.grid, grid, this.limits.maxGridDim, cx);
    if (block) {
      // One problem per block size: too many threads in all, else one dimension too large, else the warning.
      const known = block.every((v) => v !== null);
      const threads = known ? (block as number[]).reduce((a, b) => a * b, 1) : 0;
      if (known && threads > this.limits.maxThreadsPerBlock) this.diag('K4016', cx.file, s.block.span, threads, this.limits.maxThreadsPerBlock);
      else if (!this.dimLimits('block', s.block, block, this.limits.maxBlockDim, cx) && known && threads % this.limits.warpSize !== 0) {
        this.diag('K5002', cx.file, s.block.span, threads);
      }
    }
    for (const a of s.args) if (a.name) this.diag('K2011', cx.file, a.name.span, a.name.name, 'launch');
    if (!kernel) {
      for (const a of s.args) this.hostArg(a, scope, cx);
      return;
    }
    const params = kernel.params ?? [];
    if (s.args.length !== params.length) {
      this.diag('K3014', cx.file, s.argsSpan, kernel.name, argumentsPhrase(params.length), givenPhrase(s.args.length));
      for (const a of s.args) this.hostArg(a, scope, cx);
      return;
    }
    s.args.forEach((a, i) => this.launchArg(a, params[i]!, kernel!, scope, cx));
  }

  private hostArg(a: Arg, scope: Scope, cx: Ctx): void {
    const v = a.value;
    const sym = v.kind === 'Name' ? scope.lookup(v.name) : undefined;
    if (v.kind === 'Name' && sym?.kind === 'buffer') this.ref(v, sym, cx.file);
    else this.host(v, null, scope, cx);
  }

  private launchArg(a: Arg, p: Sym, kernel: Sym, scope: Scope, cx: Ctx): void {
    const v = a.value;
    const sym = v.kind === 'Name' ? scope.lookup(v.name) : undefined;
    if (p.ty.kind === 'buffer') {
      if (v.kind === 'Name' && sym?.kind === 'buffer') {
        this.ref(v, sym, cx.file, p.ty.mutable);
        this.markUsed(sym);
        this.types.set(v, sym.ty);
        if (sym.ty.kind === 'hostbuf' && sym.ty.elem !== p.ty.elem) {
          this.diag('K4014', cx.file, v.span, sym.name, sym.ty.elem, p.name, kernel.name, p.ty.elem);
        }
        return;
      }
      const t = this.host(v, null, scope, cx);
      if (t.kind !== 'error') this.diag('K4012', cx.file, v.span, p.name, kernel.name, showTy(p.ty));
      return;
    }
    if (v.kind === 'Name' && sym?.kind === 'buffer') {
      this.ref(v, sym, cx.file);
      if (p.ty.kind !== 'error') this.diag('K4013', cx.file, v.span, p.name, kernel.name, showTy(p.ty));
      return;
    }
    if (p.ty.kind !== 'value') {
      this.host(v, null, scope, cx);
      return;
    }
    const pt = p.ty.type;
    if (pt === 'f32') {
      const t = this.host(v, null, scope, cx);
      const c = this.constVals.get(v);
      if (t.kind === 'host' && t.type === 'int') this.diag('K4015', cx.file, v.span, p.name, kernel.name, this.text(cx.file, v.span));
      else if (t.kind === 'host' && t.type !== 'float') this.diag('K3001', cx.file, v.span, 'f32', t.type);
      else if (c?.kind === 'float' && Number.isFinite(c.value) && !Number.isFinite(Math.fround(c.value))) {
        this.diag('K3004', cx.file, v.span, this.text(cx.file, v.span), 'f32');
      }
      return;
    }
    if (pt === 'i32' || pt === 'u32') {
      // Named with the parameter's type (`u32`), not the host's `int`.
      const t = this.host(v, null, scope, cx);
      const c = this.constVals.get(v);
      if (t.kind !== 'host') return;
      if (t.type === 'float' && this.isHostLiteral(v)) this.diag('K3006', cx.file, v.span, this.text(cx.file, v.span), pt);
      else if (t.type !== 'int') this.diag('K3001', cx.file, v.span, pt, t.type);
      else if (c?.kind === 'int' && !fits(c.value, pt)) this.diag('K3004', cx.file, v.span, this.text(cx.file, v.span), pt);
      return;
    }
    this.hostAs(v, hostOf(pt), scope, cx);
  }

  // ------------------------------------------------------------ host expressions

  private hostAs(e: Expr, want: HostScalar, scope: Scope, cx: Ctx): Ty {
    const t = this.host(e, want, scope, cx);
    if (t.kind === 'host' && t.type !== want) {
      this.diag('K3001', cx.file, e.span, want, t.type);
      return ERROR;
    }
    return t;
  }

  private host(e: Expr, want: HostScalar | null, scope: Scope, cx: Ctx): Ty {
    const t = this.hostInner(e, want, scope, cx);
    if (t.kind === 'hostbuf') {
      this.diag('K3019', cx.file, e.span, this.text(cx.file, e.span));
      return this.record(e, ERROR, cx);
    }
    return this.record(e, t, cx);
  }

  private hostInner(e: Expr, want: HostScalar | null, scope: Scope, cx: Ctx): Ty {
    switch (e.kind) {
      case 'IntLit': {
        if (want === 'float') {
          this.diag('K3005', cx.file, e.span, e.text);
          return hostTy('float');
        }
        if (e.value > 2n ** 53n) this.diag('K3004', cx.file, e.span, e.text, 'int');
        this.setConst(e, { kind: 'int', value: e.value });
        return hostTy('int');
      }
      case 'FloatLit':
        if (want === 'int') {
          this.diag('K3006', cx.file, e.span, e.text, 'int');
          return hostTy('int');
        }
        if (!Number.isFinite(e.value)) {
          this.diag('K3004', cx.file, e.span, e.text, 'float');
          return ERROR;
        }
        this.setConst(e, { kind: 'float', value: e.value });
        return hostTy('float');
      case 'BoolLit':
        this.setConst(e, { kind: 'bool', value: e.value });
        return hostTy('bool');
      case 'Name': {
        const sym = scope.lookup(e.name);
        if (!sym) {
          if (e.name === 'lane' || e.name === 'warp_size' || GEOMETRY.has(e.name)) {
            this.diag('K4010', cx.file, e.span, e.name);
            return ERROR;
          }
          return this.unknownName(e.name, e.span, scope, cx);
        }
        this.ref(e, sym, cx.file);
        if (sym.kind === 'const') {
          this.evalConst(sym);
          if (sym.ty.kind !== 'value') return ERROR;
          if (sym.constValue?.kind === 'int' && !exactOnHost(sym.constValue.value)) {
            this.diag('K3013', cx.file, e.span, String(sym.constValue.value), 'int');
            return ERROR;
          }
          if (sym.constValue) this.setConst(e, sym.constValue);
          return hostTy(hostOf(sym.ty.type));
        }
        if (sym.kind === 'hostvar') {
          if (sym.constValue) this.setConst(e, sym.constValue);
          return sym.ty;
        }
        if (sym.kind === 'buffer') return sym.ty;
        this.diag('K2007', cx.file, e.span, e.name, sym.kind, 'value');
        return ERROR;
      }
      case 'Unary': {
        const t = this.host(e.operand, e.op === '!' ? 'bool' : want, scope, cx);
        if (t.kind !== 'host') return ERROR;
        const ok = e.op === '!' ? t.type === 'bool' : e.op === '~' ? t.type === 'int' : t.type !== 'bool';
        if (!ok) {
          this.diag('K3003', cx.file, e.span, e.op, t.type);
          return ERROR;
        }
        const v = this.constVals.get(e.operand);
        if (v?.kind === 'int') this.setConst(e, { kind: 'int', value: e.op === '-' ? -v.value : ~v.value });
        else if (v?.kind === 'float') this.setConst(e, { kind: 'float', value: -v.value });
        else if (v?.kind === 'bool') this.setConst(e, { kind: 'bool', value: !v.value });
        return t;
      }
      case 'Binary': return this.hostBinary(e, want, scope, cx);
      case 'Call': return this.hostCall(e, want, scope, cx);
      case 'Index': {
        if (!cx.inExpect) {
          const base = e.base.kind === 'Name' ? scope.lookup(e.base.name) : undefined;
          if (base && e.base.kind === 'Name') this.ref(e.base, base, cx.file);
          this.host(e.index, 'int', scope, cx);
          this.diag('K4022', cx.file, e.span);
          return ERROR;
        }
        const it = this.hostAs(e.index, 'int', scope, cx);
        if (e.base.kind !== 'Name') {
          this.diag('K3020', cx.file, e.base.span, this.text(cx.file, e.base.span));
          return ERROR;
        }
        const sym = scope.lookup(e.base.name);
        if (!sym) return this.unknownName(e.base.name, e.base.span, scope, cx);
        this.ref(e.base, sym, cx.file);
        if (sym.ty.kind !== 'hostbuf') {
          if (sym.ty.kind !== 'error') this.diag('K3020', cx.file, e.base.span, e.base.name);
          return ERROR;
        }
        this.types.set(e.base, sym.ty);
        return it.kind === 'error' ? ERROR : hostTy(hostOf(loadedType(sym.ty.elem)));
      }
      case 'Member':
        if (e.base.kind === 'Name' && GEOMETRY.has(e.base.name) && !scope.lookup(e.base.name)) {
          this.diag('K4010', cx.file, e.span, e.base.name);
          return ERROR;
        }
        this.diag('K2010', cx.file, e.member.span, this.text(cx.file, e.base.span), e.member.name);
        return ERROR;
      case 'ArrayLit':
        this.diag('K4017', cx.file, e.span);
        return ERROR;
      case 'StringLit':
        this.diag('K3001', cx.file, e.span, want ?? 'a number', 'string');
        return ERROR;
      default:
        return ERROR;
    }
  }

  private isHostLiteral(e: Expr): boolean {
    return e.kind === 'IntLit' || e.kind === 'FloatLit' || (e.kind === 'Unary' && e.op === '-' && this.isHostLiteral(e.operand));
  }

  private hostBinary(e: Expr & { kind: 'Binary' }, want: HostScalar | null, scope: Scope, cx: Ctx): Ty {
    if (e.op === '&&' || e.op === '||') {
      const l = this.hostAs(e.left, 'bool', scope, cx);
      const r = this.hostAs(e.right, 'bool', scope, cx);
      return l.kind === 'error' || r.kind === 'error' ? ERROR : hostTy('bool');
    }
    const hint = ARITH.has(e.op) || BITWISE.has(e.op) ? (want === 'bool' ? null : want) : null;
    let l: Ty;
    let r: Ty;
    if (this.isHostLiteral(e.left) && !this.isHostLiteral(e.right)) {
      r = this.host(e.right, hint, scope, cx);
      l = r.kind === 'host' ? this.hostAs(e.left, r.type, scope, cx) : this.host(e.left, hint, scope, cx);
    } else {
      l = this.host(e.left, hint, scope, cx);
      r = l.kind === 'host' ? this.host(e.right, l.type, scope, cx) : this.host(e.right, null, scope, cx);
    }
    if (l.kind !== 'host' || r.kind !== 'host') return ERROR;
    const t = l.type;
    const ok = l.type === r.type && (EQUALITY.has(e.op) ? true : e.op === '%' || BITWISE.has(e.op) ? t === 'int' : t !== 'bool');
    if (!ok) {
      this.diag('K3002', cx.file, e.span, e.op, l.type, r.type);
      return ERROR;
    }
    const rv = this.constVals.get(e.right);
    if (rv?.kind === 'int' && (e.op === '/' || e.op === '%') && rv.value === 0n) {
      this.diag('K3009', cx.file, e.right.span);
      return ERROR;
    }
    if (rv?.kind === 'int' && (e.op === '<<' || e.op === '>>') && (rv.value < 0n || rv.value >= 32n)) {
      this.diag('K3010', cx.file, e.right.span, String(rv.value));
      return ERROR;
    }
    const lv = this.constVals.get(e.left);
    if (lv && rv) {
      if (lv.kind === 'int' && rv.kind === 'int') {
        const v = this.foldIntOp(e.op, lv.value, rv.value, null, e, cx);
        if (v?.kind === 'int' && !exactOnHost(v.value)) {
          this.diag('K3013', cx.file, e.span, String(v.value), 'int');
          return ERROR;
        }
        if (v) this.setConst(e, v);
      } else if (lv.kind === 'float' && rv.kind === 'float') {
        this.setConst(e, ARITH.has(e.op) ? { kind: 'float', value: floatOp(e.op, lv.value, rv.value, false) } : { kind: 'bool', value: compare(e.op, lv.value, rv.value) });
      }
    }
    return EQUALITY.has(e.op) || ORDER.has(e.op) ? hostTy('bool') : l;
  }

  private hostCall(e: CallExpr, want: HostScalar | null, scope: Scope, cx: Ctx): Ty {
    const name = e.callee.name;
    const sym = scope.lookup(name);
    if (sym) {
      this.ref(e.callee, sym, cx.file);
      if (sym.kind === 'kernel') this.diag('K4023', cx.file, e.span);
      else if (sym.kind === 'fn') this.diag('K4010', cx.file, e.callee.span, name);
      else this.diag('K2007', cx.file, e.callee.span, name, sym.kind, 'fn');
      return ERROR;
    }
    const def = BUILTINS[name];
    if (!def) return this.unknownName(name, e.callee.span, scope, cx);
    if (def.kind === 'host-alloc' || def.kind === 'host-init') {
      this.diag('K4019', cx.file, e.callee.span, name);
      return ERROR;
    }
    if (!HOST_MATH.has(name)) {
      this.diag('K4010', cx.file, e.callee.span, name);
      return ERROR;
    }
    this.noNamedArgs(e, cx);
    const args = e.args.map((a) => a.value);
    const n = name === 'pow' || name === 'min' || name === 'max' || name === 'ceil_div' ? 2 : name === 'clamp' || name === 'select' ? 3 : 1;
    if (!this.argCount(e, name, n, cx, scope)) return ERROR;
    if (name === 'f32' || name === 'i32' || name === 'u32') {
      const t = this.host(args[0]!, null, scope, cx);
      const v = this.constVals.get(args[0]!);
      if (v) this.setConst(e, convertConst(v, name));
      return t.kind === 'error' ? ERROR : hostTy(name === 'f32' ? 'float' : 'int');
    }
    if (F32_UNARY.has(name) || name === 'pow') {
      const ts = args.map((a) => this.hostAs(a, 'float', scope, cx));
      return ts.some((t) => t.kind === 'error') ? ERROR : hostTy('float');
    }
    let vals = args;
    if (name === 'select') {
      this.hostAs(args[0]!, 'bool', scope, cx);
      vals = args.slice(1);
    }
    const anchor = Math.max(0, vals.findIndex((a) => !this.isHostLiteral(a)));
    const t = this.host(vals[anchor]!, want === 'bool' ? null : want, scope, cx);
    if (t.kind !== 'host') return ERROR;
    vals.forEach((a, i) => i !== anchor && this.hostAs(a, t.type, scope, cx));
    if (name !== 'select' && (t.type === 'bool' || (name === 'ceil_div' && t.type !== 'int'))) {
      this.diag('K3030', cx.file, e.span, `\`${name}\` argument`, t.type);
      return ERROR;
    }
    if (name === 'min' || name === 'max' || name === 'ceil_div') {
      const [a, b] = vals.map((x) => this.constVals.get(x));
      if (a && b) {
        const v = this.foldCall(name, a, b, e, cx);
        if (v) this.setConst(e, v);
      }
    }
    return t;
  }

  // ------------------------------------------------------------ recursion

  private checkRecursion(): void {
    const state = new Map<Sym, 'busy' | 'done'>();
    const stack: { sym: Sym; via: { file: string; span: Span } | null }[] = [];
    const visit = (sym: Sym, via: { file: string; span: Span } | null): void => {
      if (state.get(sym) === 'done') return;
      if (state.get(sym) === 'busy') {
        const at = stack.findIndex((f) => f.sym === sym);
        const cycle = stack.slice(at).map((f) => f.sym.name).concat(sym.name);
        const where = via!;
        const msg = cycle.length === 2 ? `\`${sym.name}\` calls itself` : `\`${cycle.join('` → `')}\``;
        this.diag('K2009', where.file, where.span, msg);
        return;
      }
      state.set(sym, 'busy');
      stack.push({ sym, via });
      for (const c of this.calls.get(sym) ?? []) visit(c.callee, c);
      stack.pop();
      state.set(sym, 'done');
    };
    for (const sym of this.syms) if (sym.kind === 'fn' || sym.kind === 'kernel') visit(sym, null);
  }
}

// ------------------------------------------------------------ small pure helpers

/** `1 argument`, `3 arguments`, `2 or 3 arguments`. */
function argumentsPhrase(want: number | string): string {
  return `${want} argument${want === 1 ? '' : 's'}`;
}

/** `1 was`, `0 were`, `3 were` (the message adds "given"). */
function givenPhrase(n: number): string {
  return `${n} ${n === 1 ? 'was' : 'were'}`;
}

function isBareLiteral(e: Expr): boolean {
  return e.kind === 'IntLit' || e.kind === 'FloatLit' || (e.kind === 'Unary' && e.op === '-' && (e.operand.kind === 'IntLit' || e.operand.kind === 'FloatLit'));
}

/** Host ints are doubles: exact up to 2^53 either way. */
function exactOnHost(v: bigint): boolean {
  return v <= 2n ** 53n && v >= -(2n ** 53n);
}

function floatOp(op: string, a: number, b: number, round = true): number {
  const r = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b;
  return round ? Math.fround(r) : r;
}

function compare(op: string, a: number, b: number): boolean {
  switch (op) {
    case '==': return a === b;
    case '!=': return a !== b;
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    default: return a >= b;
  }
}

function convertConst(v: ConstVal, to: string): ConstVal {
  const n = v.kind === 'int' ? Number(v.value) : v.kind === 'float' ? v.value : v.value ? 1 : 0;
  if (to === 'f32' || to === 'float') return { kind: 'float', value: Math.fround(n) };
  if (to === 'bool') return { kind: 'bool', value: n !== 0 };
  if (v.kind === 'int') return { kind: 'int', value: to === 'u32' ? BigInt.asUintN(32, v.value) : to === 'i32' ? BigInt.asIntN(32, v.value) : v.value };
  const t = Math.trunc(n);
  if (Number.isNaN(t)) return { kind: 'int', value: 0n };
  const [lo, hi] = to === 'u32' ? [0, 4294967295] : [-2147483648, 2147483647];
  return { kind: 'int', value: BigInt(Math.min(hi, Math.max(lo, t))) };
}

function showConstVal(v: ConstVal): string {
  return String(v.value);
}

/** Whether a statement list returns on every path (for "missing return"). */
export function alwaysReturns(stmts: Stmt[]): boolean {
  for (const s of stmts) {
    if (s.kind === 'Return') return true;
    if (s.kind === 'Block' && alwaysReturns(s.stmts)) return true;
    if (s.kind === 'If' && s.else && alwaysReturns(s.then.stmts) && alwaysReturns(s.else.kind === 'Block' ? s.else.stmts : [s.else])) return true;
    if (s.kind === 'While' && s.cond.kind === 'BoolLit' && s.cond.value && !breaks(s.body.stmts)) return true;
  }
  return false;
}

function breaks(stmts: Stmt[]): boolean {
  for (const s of stmts) {
    if (s.kind === 'Break') return true;
    if (s.kind === 'Block' && breaks(s.stmts)) return true;
    if (s.kind === 'If' && (breaks(s.then.stmts) || (s.else && breaks(s.else.kind === 'Block' ? s.else.stmts : [s.else])))) return true;
  }
  return false;
}

function toSymbolInfo(s: Sym): SymbolInfo {
  const display = s.display;
  const info: SymbolInfo = {
    id: s.id, name: s.name, kind: s.kind, file: s.file, span: s.nameSpan, declSpan: s.declSpan,
    type: display ?? showTy(s.ty), mutable: s.mutable, typeWritten: s.typeWritten, container: s.container, scope: s.scope,
  };
  if (s.constValue) info.constValue = Number(s.constValue.kind === 'bool' ? (s.constValue.value ? 1 : 0) : s.constValue.value);
  return info;
}
