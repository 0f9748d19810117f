// Quick fixes: make a written-to buffer `mut`, remove or `_`-prefix an unused variable, wrap an
// unguarded global index in `if i < n { … }`, and did-you-mean for unknown names.
import { CodeActionKind, type CodeAction, type Diagnostic as LspDiagnostic, type Range, type TextEdit } from 'vscode-languageserver/node';
import type { Analysis } from './documents';
import type { Block, Expr, FnItem, KernelItem, LetStmt, Span, Stmt } from '../kernels/lang/ast';
import { nodePath, walk, isStmt, type Node } from './syntax';
import { visibleSymbols } from './model';
import { BUILTINS, GEOMETRY } from './docs';

const GEOMETRY_BASES = new Set(['thread', 'block', 'block_dim', 'grid_dim', 'lane']);
const PURE_CALLS = new Set(BUILTINS.filter((b) => !b.name.startsWith('atomic_') && !b.name.startsWith('warp_') && !['barrier', 'shuffle_down', 'shuffle_xor', 'broadcast'].includes(b.name)).map((b) => b.name));

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

function messageText(d: LspDiagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}

function quoted(message: string): string | null {
  return /`([^`]+)`/.exec(message)?.[1] ?? null;
}

export function codeActions(analysis: Analysis, range: Range, diagnostics: LspDiagnostic[]): CodeAction[] {
  const file = analysis.file;
  if (!file) return [];
  const uri = analysis.uri;
  const map = analysis.lineMap;
  const toRange = (span: Span): Range => ({ start: map.position(span.start), end: map.position(span.end) });
  const edit = (edits: TextEdit[]) => ({ changes: { [uri]: edits } });
  const out: CodeAction[] = [];
  const itemAt = (offset: number) => file.items.find((i) => i.span.start <= offset && offset <= i.span.end);

  for (const d of diagnostics) {
    const start = map.offset(d.range.start);
    const end = map.offset(d.range.end);
    const code = String(d.code ?? '');
    if (code === 'K3016') {
      const name = quoted(messageText(d));
      const item = itemAt(start);
      if (!name || !item || (item.kind !== 'Kernel' && item.kind !== 'Fn')) continue;
      const param = item.params.find((p) => p.name.name === name);
      if (!param || param.type.kind !== 'BufferType' || param.type.mutable) continue;
      const typeText = analysis.text.slice(param.type.span.start, param.type.span.end);
      out.push({
        title: `Make \`${name}\` writable (\`${name}: mut ${typeText}\`)`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: true,
        edit: edit([{ range: toRange({ start: param.type.span.start, end: param.type.span.start }), newText: 'mut ' }]),
      });
    } else if (code === 'K5001') {
      const name = quoted(messageText(d)) ?? analysis.text.slice(start, end);
      out.push({
        title: `Prefix \`${name}\` with \`_\``,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        edit: edit([{ range: toRange({ start, end: start }), newText: '_' }]),
      });
      let decl: LetStmt | undefined;
      walk(file, (n) => {
        if (n.kind === 'Let' && n.name.span.start === start) decl = n;
      });
      if (decl && (!decl.init || isPure(decl.init))) {
        out.push({
          title: `Remove unused variable \`${name}\``,
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          isPreferred: true,
          edit: edit([{ range: toRange(wholeLines(analysis.text, decl.span)), newText: '' }]),
        });
      }
    } else if (code === 'K2002') {
      const name = quoted(messageText(d)) ?? analysis.text.slice(start, end);
      const candidates = new Set<string>();
      for (const s of visibleSymbols(analysis.result.semantic, analysis.path, start)) candidates.add(s.name);
      for (const b of BUILTINS) candidates.add(b.name);
      for (const g of Object.keys(GEOMETRY)) candidates.add(g);
      const limit = Math.max(1, Math.floor(name.length / 3));
      const ranked = [...candidates]
        .filter((c) => c !== name)
        .map((c) => ({ c, dist: editDistance(name.toLowerCase(), c.toLowerCase()) }))
        .filter((x) => x.dist <= limit)
        .sort((a, b) => a.dist - b.dist || a.c.localeCompare(b.c))
        .slice(0, 3);
      ranked.forEach(({ c }, i) => {
        out.push({
          title: `Change to \`${c}\``,
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          ...(i === 0 ? { isPreferred: true } : {}),
          edit: edit([{ range: toRange({ start, end }), newText: c }]),
        });
      });
    }
  }

  const guard = guardAction(analysis, map.offset(range.start));
  if (guard) out.push({ title: guard.title, kind: CodeActionKind.QuickFix, edit: edit([{ range: toRange(guard.span), newText: guard.text }]) });
  return out;
}

function isPure(e: Expr): boolean {
  let pure = true;
  walk(e, (n) => {
    if (n.kind === 'Call' && !PURE_CALLS.has(n.callee.name)) pure = false;
  });
  return pure;
}

/** The statement's span grown to whole lines when nothing else shares them (so removal leaves no blank line). */
function wholeLines(text: string, span: Span): Span {
  const lineStart = text.lastIndexOf('\n', span.start - 1) + 1;
  let lineEnd = text.indexOf('\n', span.end);
  if (lineEnd < 0) lineEnd = text.length;
  const before = text.slice(lineStart, span.start);
  const after = text.slice(span.end, lineEnd);
  if (before.trim() === '' && after.trim() === '') return { start: lineStart, end: Math.min(text.length, lineEnd + 1) };
  return span;
}

function mentions(e: Node, name: string): boolean {
  let found = false;
  walk(e, (n) => {
    if (n.kind === 'Name' && n.name === name) found = true;
  });
  return found;
}

/** Whether `e` depends on thread or block indices, directly or through the `let`s of the kernel. */
function threadDerived(e: Expr, lets: Map<string, LetStmt>, depth = 0): boolean {
  if (depth > 16) return false;
  let derived = false;
  walk(e, (n) => {
    if (derived) return;
    if (n.kind === 'Member' && n.base.kind === 'Name' && GEOMETRY_BASES.has(n.base.name)) derived = true;
    else if (n.kind === 'Name' && n.name === 'lane') derived = true;
    else if (n.kind === 'Name') {
      const decl = lets.get(n.name);
      if (decl?.init && threadDerived(decl.init, lets, depth + 1)) derived = true;
    }
  });
  return derived;
}

function isGuardedBy(cond: Expr, index: string): boolean {
  let ok = false;
  walk(cond, (n) => {
    if (n.kind !== 'Binary') return;
    if ((n.op === '<' || n.op === '<=') && mentions(n.left, index)) ok = true;
    if ((n.op === '>' || n.op === '>=') && mentions(n.right, index)) ok = true;
  });
  return ok;
}

function isEarlyExit(stmt: Stmt, index: string): boolean {
  if (stmt.kind !== 'If') return false;
  let checks = false;
  walk(stmt.cond, (n) => {
    if (n.kind === 'Binary' && ((n.op === '>=' || n.op === '>') && mentions(n.left, index) || (n.op === '<=' || n.op === '<') && mentions(n.right, index))) checks = true;
  });
  return checks && stmt.then.stmts.some((s) => s.kind === 'Return');
}

function guardAction(analysis: Analysis, offset: number): { title: string; span: Span; text: string } | null {
  const file = analysis.file!;
  const path = nodePath(file, offset);
  const item = path.find((n): n is KernelItem | FnItem => n.kind === 'Kernel' || n.kind === 'Fn');
  if (!item || item.kind !== 'Kernel') return null;
  const indexNode = [...path].reverse().find((n) => n.kind === 'Index');
  if (!indexNode || indexNode.kind !== 'Index' || indexNode.base.kind !== 'Name') return null;
  const bufferName = indexNode.base.name;
  const isBufferParam = item.params.some((p) => p.name.name === bufferName && p.type.kind === 'BufferType');
  if (!isBufferParam) return null;
  const lets = new Map<string, LetStmt>();
  walk(item.body, (n) => {
    if (n.kind === 'Let') lets.set(n.name.name, n);
  });
  if (!threadDerived(indexNode.index, lets)) return null;
  const indexText = analysis.text.slice(indexNode.index.span.start, indexNode.index.span.end);
  const guardName = indexNode.index.kind === 'Name' ? indexNode.index.name : indexText;
  for (let i = 0; i < path.length; i++) {
    const n = path[i]!;
    if (n.kind === 'If' && path[i + 1] === n.then && isGuardedBy(n.cond, guardName)) return null;
  }
  // An earlier `if i >= n { return; }` in an enclosing block also guards it.
  let statement: Stmt | null = null;
  let block: Block | null = null;
  for (let i = path.length - 1; i >= 0; i--) {
    const n = path[i]!;
    if (n.kind === 'Block' && i + 1 < path.length && isStmt(path[i + 1]!)) {
      block = n;
      statement = path[i + 1] as Stmt;
      break;
    }
  }
  if (!statement || !block) return null;
  for (const n of path) {
    if (n.kind !== 'Block') continue;
    for (const s of n.stmts) {
      if (s.span.start >= offset) break;
      if (isEarlyExit(s, guardName)) return null;
    }
  }
  const scalar = (names: string[]) => item.params.find((p) => names.includes(p.name.name) && p.type.kind === 'ScalarType' && p.type.name === 'u32');
  const bound = scalar(['n', 'len', 'count', 'length', 'size']) ?? item.params.find((p) => p.type.kind === 'ScalarType' && p.type.name === 'u32');
  const boundName = bound?.name.name ?? 'n';
  const text = analysis.text;
  const lineStart = text.lastIndexOf('\n', statement.span.start - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  const body = text.slice(statement.span.start, statement.span.end).replace(/\n/g, '\n  ');
  return {
    title: `Guard \`${bufferName}[${indexText}]\` with \`if ${guardName} < ${boundName}\``,
    span: statement.span,
    text: `if ${guardName} < ${boundName} {\n${indent}  ${body}\n${indent}}`,
  };
}
