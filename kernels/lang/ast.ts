// The Kern syntax tree: what the parser builds and the checker, lowering and language server read.
// Every node carries its exact source range (byte offsets into the file's text, end exclusive).

/** A half-open range of UTF-16 offsets into one file's text. */
export interface Span {
  start: number;
  end: number;
}

export interface Ident {
  kind: 'Ident';
  name: string;
  span: Span;
}

// ---------------------------------------------------------------- types

/** `f32`, `u32`, `bool`, … (value or storage type name, validated by the checker). */
export interface ScalarTypeNode {
  kind: 'ScalarType';
  name: string;
  span: Span;
}

/** `f32[]` or `mut f32[]` (kernel / fn parameters). */
export interface BufferTypeNode {
  kind: 'BufferType';
  elem: ScalarTypeNode;
  mutable: boolean;
  span: Span;
}

/** `f16[256]` (shared arrays). */
export interface ArrayTypeNode {
  kind: 'ArrayType';
  elem: ScalarTypeNode;
  size: Expr;
  span: Span;
}

export type TypeNode = ScalarTypeNode | BufferTypeNode | ArrayTypeNode;

// ---------------------------------------------------------------- expressions

export type BinaryOp =
  | '||' | '&&'
  | '==' | '!=' | '<' | '<=' | '>' | '>='
  | '|' | '^' | '&' | '<<' | '>>'
  | '+' | '-' | '*' | '/' | '%';

export type UnaryOp = '-' | '!' | '~';

export interface IntLit {
  kind: 'IntLit';
  /** Exact value (may not fit any type; the checker decides). */
  value: bigint;
  text: string;
  span: Span;
}

export interface FloatLit {
  kind: 'FloatLit';
  value: number;
  text: string;
  span: Span;
}

/** `"path.bin"`: a string literal, the argument of `file(…)` in run blocks (no escape sequences). */
export interface StringLit {
  kind: 'StringLit';
  /** The contents without the quotes. */
  value: string;
  text: string;
  span: Span;
}

export interface BoolLit {
  kind: 'BoolLit';
  value: boolean;
  span: Span;
}

export interface NameExpr {
  kind: 'Name';
  name: string;
  span: Span;
}

export interface BinaryExpr {
  kind: 'Binary';
  op: BinaryOp;
  opSpan: Span;
  left: Expr;
  right: Expr;
  span: Span;
}

export interface UnaryExpr {
  kind: 'Unary';
  op: UnaryOp;
  operand: Expr;
  span: Span;
}

/** One call argument; `name` is set for named arguments (`seed = 1`, `placement = host`). */
export interface Arg {
  name: Ident | null;
  value: Expr;
  span: Span;
}

/** `f(a, b)`; the callee is always a plain name (fn, built-in, conversion, or host generator). */
export interface CallExpr {
  kind: 'Call';
  callee: Ident;
  args: Arg[];
  /** Range of the parenthesised argument list, `(` through `)`. */
  argsSpan: Span;
  span: Span;
}

export interface IndexExpr {
  kind: 'Index';
  base: Expr;
  index: Expr;
  span: Span;
}

/** `thread.x`, `block_dim.y`, … */
export interface MemberExpr {
  kind: 'Member';
  base: Expr;
  member: Ident;
  span: Span;
}

/** `[x, y]` / `[x, y, z]` (launch grid and block sizes). */
export interface ArrayLit {
  kind: 'ArrayLit';
  elements: Expr[];
  span: Span;
}

/** Stands in for an expression the parser could not read (a diagnostic was already given). */
export interface ErrorExpr {
  kind: 'ErrorExpr';
  span: Span;
}

export type Expr =
  | IntLit | FloatLit | BoolLit | NameExpr | BinaryExpr | UnaryExpr
  | CallExpr | IndexExpr | MemberExpr | ArrayLit | ErrorExpr | StringLit;

// ---------------------------------------------------------------- statements

export interface Block {
  kind: 'Block';
  stmts: Stmt[];
  span: Span;
}

/** `let x = e;` (mutable = false) or `var x: T = e;` (mutable = true). */
export interface LetStmt {
  kind: 'Let';
  mutable: boolean;
  name: Ident;
  type: TypeNode | null;
  init: Expr | null;
  span: Span;
}

/** `shared tile: f16[256];` */
export interface SharedStmt {
  kind: 'Shared';
  name: Ident;
  type: TypeNode;
  span: Span;
}

export type AssignOp = '=' | '+=' | '-=' | '*=' | '/=' | '%=' | '&=' | '|=' | '^=' | '<<=' | '>>=';

export interface AssignStmt {
  kind: 'Assign';
  op: AssignOp;
  opSpan: Span;
  target: Expr;
  value: Expr;
  span: Span;
}

export interface IfStmt {
  kind: 'If';
  cond: Expr;
  then: Block;
  /** `else { … }` or `else if …`. */
  else: Block | IfStmt | null;
  span: Span;
}

export interface ForStmt {
  kind: 'For';
  variable: Ident;
  from: Expr;
  to: Expr;
  step: Expr | null;
  body: Block;
  span: Span;
}

export interface WhileStmt {
  kind: 'While';
  cond: Expr;
  body: Block;
  span: Span;
}

export interface BreakStmt { kind: 'Break'; span: Span }
export interface ContinueStmt { kind: 'Continue'; span: Span }

export interface ReturnStmt {
  kind: 'Return';
  value: Expr | null;
  span: Span;
}

export interface ExprStmt {
  kind: 'ExprStmt';
  expr: Expr;
  span: Span;
}

// Host statements (run blocks). The parser accepts them anywhere; the checker says where they belong.

/** `launch k[grid, block](args…);` */
export interface LaunchStmt {
  kind: 'Launch';
  kernel: Ident;
  grid: Expr;
  block: Expr;
  args: Arg[];
  argsSpan: Span;
  span: Span;
}

/** `read b;` */
export interface ReadStmt {
  kind: 'Read';
  buffer: Ident;
  span: Span;
}

/** `expect b[i] == e within tol;` / `expect b[i] ~= e within tol;` */
export interface ExpectStmt {
  kind: 'Expect';
  buffer: Ident;
  index: Ident;
  op: '==' | '~=';
  value: Expr;
  tolerance: Expr | null;
  span: Span;
}

/** `repeat k { … }` */
export interface RepeatStmt {
  kind: 'Repeat';
  count: Expr;
  body: Block;
  span: Span;
}

/** Stands in for a statement the parser could not read. */
export interface ErrorStmt {
  kind: 'ErrorStmt';
  span: Span;
}

export type Stmt =
  | Block | LetStmt | SharedStmt | AssignStmt | IfStmt | ForStmt | WhileStmt
  | BreakStmt | ContinueStmt | ReturnStmt | ExprStmt
  | LaunchStmt | ReadStmt | ExpectStmt | RepeatStmt | ErrorStmt;

// ---------------------------------------------------------------- items

export interface Param {
  name: Ident;
  type: TypeNode;
  span: Span;
}

export interface ImportItem {
  kind: 'Import';
  path: string;
  pathSpan: Span;
  span: Span;
}

export interface ConstItem {
  kind: 'Const';
  name: Ident;
  type: TypeNode | null;
  value: Expr;
  span: Span;
}

export interface FnItem {
  kind: 'Fn';
  name: Ident;
  params: Param[];
  returnType: TypeNode | null;
  body: Block;
  span: Span;
}

export interface KernelItem {
  kind: 'Kernel';
  name: Ident;
  params: Param[];
  body: Block;
  span: Span;
}

export interface RunItem {
  kind: 'Run';
  name: Ident;
  body: Block;
  span: Span;
}

export type Item = ImportItem | ConstItem | FnItem | KernelItem | RunItem;

/** One parsed `.kern` file. */
export interface SourceFile {
  kind: 'SourceFile';
  /** Path or URI the file was read from (as given by the host). */
  path: string;
  text: string;
  items: Item[];
  /** Comments, kept for the formatter and the language server. */
  comments: Span[];
  span: Span;
}

export type Node = Expr | Stmt | Item | TypeNode | Param | Arg | Ident | SourceFile;
