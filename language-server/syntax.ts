// Walking the Kern syntax tree for the editor features: children of a node, the chain of nodes at an
// offset, and the declarations a block introduces.
import type { Arg, Block, Expr, Ident, Item, Param, SourceFile, Span, Stmt, TypeNode } from '../kernels/lang/ast';

/** The syntax nodes with a `kind` (parameters and arguments are walked through, not visited). */
export type Node = Expr | Stmt | Item | TypeNode | Ident | SourceFile;

/** Calls `visit` on each direct child of `node`, in source order. */
export function forEachChild(node: Node, visit: (child: Node) => void): void {
  switch (node.kind) {
    case 'SourceFile': node.items.forEach(visit); return;
    case 'Import': return;
    case 'Const': visit(node.name); if (node.type) visit(node.type); visit(node.value); return;
    case 'Fn': visit(node.name); visitParams(node.params, visit); if (node.returnType) visit(node.returnType); visit(node.body); return;
    case 'Kernel': visit(node.name); visitParams(node.params, visit); visit(node.body); return;
    case 'Run': visit(node.name); visit(node.body); return;
    case 'BufferType': visit(node.elem); return;
    case 'ArrayType': visit(node.elem); visit(node.size); return;
    case 'Block': node.stmts.forEach(visit); return;
    case 'Let': visit(node.name); if (node.type) visit(node.type); if (node.init) visit(node.init); return;
    case 'Shared': visit(node.name); visit(node.type); return;
    case 'Assign': visit(node.target); visit(node.value); return;
    case 'If': visit(node.cond); visit(node.then); if (node.else) visit(node.else); return;
    case 'For': visit(node.variable); visit(node.from); visit(node.to); if (node.step) visit(node.step); visit(node.body); return;
    case 'While': visit(node.cond); visit(node.body); return;
    case 'Return': if (node.value) visit(node.value); return;
    case 'ExprStmt': visit(node.expr); return;
    case 'Launch': visit(node.kernel); visit(node.grid); visit(node.block); visitArgs(node.args, visit); return;
    case 'Read': visit(node.buffer); return;
    case 'Expect': visit(node.buffer); visit(node.index); visit(node.value); if (node.tolerance) visit(node.tolerance); return;
    case 'Repeat': visit(node.count); visit(node.body); return;
    case 'Binary': visit(node.left); visit(node.right); return;
    case 'Unary': visit(node.operand); return;
    case 'Call': visit(node.callee); visitArgs(node.args, visit); return;
    case 'Index': visit(node.base); visit(node.index); return;
    case 'Member': visit(node.base); visit(node.member); return;
    case 'ArrayLit': node.elements.forEach(visit); return;
    default: return;
  }
}

function visitParams(params: Param[], visit: (child: Node) => void): void {
  for (const p of params) {
    visit(p.name);
    visit(p.type);
  }
}

function visitArgs(args: Arg[], visit: (child: Node) => void): void {
  for (const a of args) {
    if (a.name) visit(a.name);
    visit(a.value);
  }
}

export function contains(span: Span, offset: number): boolean {
  return span.start <= offset && offset <= span.end;
}

/** The nodes whose range holds `offset`, outermost first. */
export function nodePath(file: SourceFile, offset: number): Node[] {
  const path: Node[] = [file];
  let node: Node = file;
  for (;;) {
    let next: Node | undefined;
    forEachChild(node, (child) => {
      if (!next && contains(child.span, offset)) next = child;
    });
    if (!next) return path;
    path.push(next);
    node = next;
  }
}

/** Visits every node under `root` (pre-order). */
export function walk(root: Node, visit: (node: Node, parent: Node | null) => void): void {
  const go = (node: Node, parent: Node | null) => {
    visit(node, parent);
    forEachChild(node, (child) => go(child, node));
  };
  go(root, null);
}

export function isExpr(node: Node): node is Expr {
  switch (node.kind) {
    case 'IntLit': case 'FloatLit': case 'BoolLit': case 'Name': case 'Binary': case 'Unary':
    case 'Call': case 'Index': case 'Member': case 'ArrayLit': case 'ErrorExpr':
      return true;
    default:
      return false;
  }
}

export function isStmt(node: Node): node is Stmt {
  switch (node.kind) {
    case 'Block': case 'Let': case 'Shared': case 'Assign': case 'If': case 'For': case 'While': case 'Break':
    case 'Continue': case 'Return': case 'ExprStmt': case 'Launch': case 'Read': case 'Expect': case 'Repeat': case 'ErrorStmt':
      return true;
    default:
      return false;
  }
}

export function isItem(node: Node): node is Item {
  return node.kind === 'Import' || node.kind === 'Const' || node.kind === 'Fn' || node.kind === 'Kernel' || node.kind === 'Run';
}

export function itemBody(item: Item): Block | null {
  return item.kind === 'Fn' || item.kind === 'Kernel' || item.kind === 'Run' ? item.body : null;
}

/** The identifier (letters, digits, `_`) around `offset`, with its range, or null. */
export function wordAt(text: string, offset: number): { word: string; span: Span } | null {
  let start = offset;
  let end = offset;
  while (start > 0 && /[A-Za-z0-9_]/.test(text[start - 1]!)) start--;
  while (end < text.length && /[A-Za-z0-9_]/.test(text[end]!)) end++;
  if (start === end || /[0-9]/.test(text[start]!)) return null;
  return { word: text.slice(start, end), span: { start, end } };
}
