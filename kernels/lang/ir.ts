// The Kern IR: the checked, resolved program that every backend renders (codegen/js.ts, codegen/ptx.ts)
// and that the run-block interpreter (driver/runner.ts) executes. Plain JSON-serialisable data, so it can
// be posted to the simulator's worker thread as is.
//
// Shape: kernels are structured trees of statements over typed expressions. Device `fn`s are inlined
// by lowering (Kern has no recursion), so a kernel is self-contained. Calls to fns, warp collectives and
// atomics are hoisted out of expressions into statements, so expressions are pure and side-effect free;
// `&&`/`||` whose right side needed hoisting become `if` statements. Control flow is `if`, labelled
// `loop`s and `block`s with `break`/`continue` to a label (a fn's `return e` becomes assign + break).

/** Value types: what a register holds. `bool` is 0/1. */
export type ValueType = 'bool' | 'i32' | 'u32' | 'f32';

/** Element types of buffers and shared arrays. */
export type StorageType = 'f32' | 'f16' | 'bf16' | 'i32' | 'u32' | 'i8' | 'u8';

export const STORAGE_BYTES: Record<StorageType, number> = { f32: 4, f16: 2, bf16: 2, i32: 4, u32: 4, i8: 1, u8: 1 };

/** The value type a load of a storage element yields (f16/bf16 -> f32, i8/u8 -> i32). */
export function loadedType(t: StorageType): ValueType {
  switch (t) {
    case 'f32': case 'f16': case 'bf16': return 'f32';
    case 'i32': case 'i8': case 'u8': return 'i32';
    case 'u32': return 'u32';
  }
}

/** Where a construct came from, for runtime errors (1-based line and column). */
export interface SourceLoc {
  file: string;
  line: number;
  column: number;
}

// ---------------------------------------------------------------- kernels

export interface IrScalarParam {
  kind: 'scalar';
  name: string;
  type: ValueType;
}

export interface IrBufferParam {
  kind: 'buffer';
  name: string;
  elem: StorageType;
  mutable: boolean;
}

export type IrParam = IrScalarParam | IrBufferParam;

/** A register-like local of one thread. Ids are dense, 0..locals.length-1. */
export interface IrLocal {
  id: number;
  /** Source name (or `$t3` for temporaries lowering made). */
  name: string;
  type: ValueType;
}

/** A per-block shared array. Ids are dense, 0..shared.length-1. */
export interface IrShared {
  id: number;
  name: string;
  elem: StorageType;
  length: number;
  loc: SourceLoc;
}

/** A buffer operand: a kernel buffer parameter (by index into `params`) or a shared array (by id). */
export type IrMemRef = { space: 'global'; param: number } | { space: 'shared'; shared: number };

export type IrGeometry =
  | 'thread.x' | 'thread.y' | 'thread.z'
  | 'block.x' | 'block.y' | 'block.z'
  | 'block_dim.x' | 'block_dim.y' | 'block_dim.z'
  | 'grid_dim.x' | 'grid_dim.y' | 'grid_dim.z'
  | 'lane' | 'warp_size';

export type IrBinaryOp =
  | '+' | '-' | '*' | '/' | '%'
  | '&' | '|' | '^' | '<<' | '>>'
  | '==' | '!=' | '<' | '<=' | '>' | '>='
  | '&&' | '||';

/** Pure math built-ins (all operands already have the right type; `min`/`max`/`abs`/`clamp` also on ints). */
export type IrMathFn =
  | 'exp' | 'exp2' | 'log' | 'log2' | 'sqrt' | 'rsqrt' | 'sin' | 'cos' | 'tanh'
  | 'abs' | 'floor' | 'ceil' | 'round' | 'pow' | 'fma' | 'min' | 'max' | 'clamp'
  | 'ceil_div'
  | 'bitcast_f32' | 'bitcast_u32' | 'f16_bits' | 'bf16_bits';

export type IrExpr =
  /** Integers as exact JS numbers (u32 in 0..2^32-1, i32 signed), f32 already rounded by Math.fround, bool 0/1. */
  | { op: 'const'; type: ValueType; value: number }
  | { op: 'local'; type: ValueType; local: number }
  /** A scalar kernel parameter, by index into `params`. */
  | { op: 'param'; type: ValueType; param: number }
  | { op: 'geometry'; type: 'u32'; name: IrGeometry }
  /** `type` is the result type; `operandType` the type both operands share (comparisons yield bool). */
  | { op: 'binary'; type: ValueType; operandType: ValueType; kind: IrBinaryOp; left: IrExpr; right: IrExpr }
  | { op: 'unary'; type: ValueType; kind: '-' | '!' | '~'; operand: IrExpr }
  /** `f32(x)`, `i32(x)`, `u32(x)`: float->int truncates toward zero and saturates (as PTX cvt.rzi.sat); int->int wraps. */
  | { op: 'convert'; type: ValueType; from: ValueType; operand: IrExpr }
  | { op: 'math'; type: ValueType; fn: IrMathFn; args: IrExpr[] }
  | { op: 'select'; type: ValueType; cond: IrExpr; ifTrue: IrExpr; ifFalse: IrExpr }
  /** Load element `index` (u32 or i32) of a buffer or shared array; yields loadedType(elem). */
  | { op: 'load'; type: ValueType; mem: IrMemRef; elem: StorageType; index: IrExpr; loc: SourceLoc };

export type IrWarpOp = 'sum' | 'max' | 'min' | 'shuffle_down' | 'shuffle_xor' | 'broadcast';
export type IrAtomicOp = 'add' | 'max' | 'min';

export type IrStmt =
  | { op: 'assign'; local: number; value: IrExpr }
  /** Store (converting value to elem: round-to-nearest-even for f16/bf16, wrap for i8/u8). */
  | { op: 'store'; mem: IrMemRef; elem: StorageType; index: IrExpr; value: IrExpr; loc: SourceLoc }
  | { op: 'if'; cond: IrExpr; then: IrStmt[]; else: IrStmt[] }
  /**
   * Loop: while (cond ?? true) { body } with `update` run after body and on `continue label`.
   * `break label` / `continue label` may come from nested loops and blocks.
   */
  | { op: 'loop'; label: string; cond: IrExpr | null; body: IrStmt[]; update: IrStmt[] }
  /** A labelled block that `break label` leaves (used for inlined fn bodies). */
  | { op: 'block'; label: string; body: IrStmt[] }
  | { op: 'break'; label: string }
  | { op: 'continue'; label: string }
  /** This thread leaves the kernel. */
  | { op: 'return' }
  /** Block-wide barrier; every thread of the block reaches the same one. */
  | { op: 'barrier'; id: number; loc: SourceLoc }
  /**
   * Warp collective; all 32 lanes take part in lock step. `dest` receives the result.
   * `arg` is the delta / mask / source lane (u32) for shuffle_down / shuffle_xor / broadcast, else null.
   */
  | { op: 'warp'; kind: IrWarpOp; type: ValueType; dest: number; value: IrExpr; arg: IrExpr | null; loc: SourceLoc }
  /** Atomic read-modify-write; `dest` (or null) receives the old value. */
  | { op: 'atomic'; kind: IrAtomicOp; type: ValueType; mem: IrMemRef; elem: StorageType; index: IrExpr; value: IrExpr; dest: number | null; loc: SourceLoc };

export interface IrKernel {
  name: string;
  params: IrParam[];
  locals: IrLocal[];
  shared: IrShared[];
  body: IrStmt[];
  /** True when the body contains `barrier` statements. */
  usesBarrier: boolean;
  /** True when the body contains warp collectives (or reads `lane`). */
  usesWarp: boolean;
  /** Where the kernel is declared. */
  loc: SourceLoc;
}

// ---------------------------------------------------------------- run blocks (host side)

/** Host scalars are JS doubles tagged int or float; ints are exact up to 2^53. */
export type HostType = 'int' | 'float';

export type HostExpr =
  | { op: 'const'; type: HostType; value: number }
  /** A host `let` scalar or a file const. */
  | { op: 'var'; type: HostType; name: string }
  | { op: 'binary'; type: HostType | 'bool'; kind: IrBinaryOp; left: HostExpr; right: HostExpr }
  | { op: 'unary'; type: HostType | 'bool'; kind: '-' | '!' | '~'; operand: HostExpr }
  /** Math on host values: ceil_div, min, max, abs, sqrt, exp, … and conversions `f32`, `i32`, `u32`. */
  | { op: 'call'; type: HostType; fn: string; args: HostExpr[] }
  /** `x[i]` inside an `expect`: element of the host copy of a buffer (reads it first if needed). */
  | { op: 'element'; type: HostType; buffer: string; index: HostExpr }
  | { op: 'select'; type: HostType; cond: HostExpr; ifTrue: HostExpr; ifFalse: HostExpr };

export type IrBufferInit =
  | { kind: 'fill'; value: HostExpr }
  | { kind: 'range'; start: HostExpr; step: HostExpr }
  | { kind: 'random'; lo: HostExpr; hi: HostExpr; seed: HostExpr }
  /** Path as written, relative to the .kern file's folder. */
  | { kind: 'file'; path: string };

export type IrHostStmt =
  | { op: 'let'; name: string; value: HostExpr; loc: SourceLoc }
  | { op: 'buffer'; name: string; elem: StorageType; count: HostExpr; init: IrBufferInit | null; placement: 'device' | 'host'; loc: SourceLoc }
  | {
      op: 'launch';
      kernel: string;
      /** Always three entries (missing dimensions are const 1). */
      grid: HostExpr[];
      block: HostExpr[];
      args: ({ kind: 'scalar'; type: ValueType; value: HostExpr } | { kind: 'buffer'; buffer: string })[];
      loc: SourceLoc;
    }
  | { op: 'read'; buffer: string; loc: SourceLoc }
  /** For every index `index` of `buffer`: |got - want| <= tol (`==`) or <= tol * max(|want|, tiny) (`~=`). */
  | { op: 'expect'; buffer: string; index: string; cmp: '==' | '~='; value: HostExpr; tolerance: HostExpr; loc: SourceLoc }
  | { op: 'repeat'; count: HostExpr; body: IrHostStmt[]; loc: SourceLoc };

export interface IrRun {
  name: string;
  body: IrHostStmt[];
  loc: SourceLoc;
}

/** A whole checked program: the kernels of the file and its imports, and the file's own run blocks. */
export interface IrProgram {
  /** The main file's path. */
  file: string;
  kernels: IrKernel[];
  runs: IrRun[];
  /** Evaluated file consts (of the file and its imports). */
  consts: Record<string, { type: ValueType; value: number }>;
}
