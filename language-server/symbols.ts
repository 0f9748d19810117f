// Document symbols (items with their parameters and locals, nested) and workspace symbols (the items
// of every .kern file in the workspace, filtered by a fuzzy query).
import { SymbolKind, type DocumentSymbol, type SymbolInformation } from 'vscode-languageserver/node';
import type { Block, Item, SourceFile, Span, Stmt } from '../kernels/lang/ast';
import { LineMap } from '../kernels/lang/source';
import { parse } from '../kernels/lang/parser';
import type { Workspace } from './documents';

function itemKind(item: Item): SymbolKind {
  switch (item.kind) {
    case 'Kernel': return SymbolKind.Event;
    case 'Fn': return SymbolKind.Function;
    case 'Const': return SymbolKind.Constant;
    case 'Run': return SymbolKind.Module;
    case 'Import': return SymbolKind.File;
  }
}

export function documentSymbols(file: SourceFile, map: LineMap): DocumentSymbol[] {
  const range = (span: Span) => ({ start: map.position(span.start), end: map.position(span.end) });
  const sym = (name: string, kind: SymbolKind, whole: Span, sel: Span, detail?: string, children?: DocumentSymbol[]): DocumentSymbol => {
    const s: DocumentSymbol = { name: name || '?', kind, range: range(whole), selectionRange: range(sel) };
    if (detail) s.detail = detail;
    if (children && children.length) s.children = children;
    return s;
  };
  const textOf = (span: Span) => file.text.slice(span.start, span.end).replace(/\s+/g, ' ');
  const locals = (block: Block, host: boolean): DocumentSymbol[] => {
    const out: DocumentSymbol[] = [];
    const visit = (stmts: Stmt[]) => {
      for (const s of stmts) {
        switch (s.kind) {
          case 'Let': {
            const isBuffer = host && s.init?.kind === 'Call' && s.init.callee.name === 'buffer';
            const kind = isBuffer ? SymbolKind.Array : s.mutable ? SymbolKind.Variable : host ? SymbolKind.Variable : SymbolKind.Constant;
            out.push(sym(s.name.name, kind, s.span, s.name.span, s.type ? textOf(s.type.span) : undefined));
            break;
          }
          case 'Shared': out.push(sym(s.name.name, SymbolKind.Array, s.span, s.name.span, `shared ${textOf(s.type.span)}`)); break;
          case 'For': out.push(sym(s.variable.name, SymbolKind.Variable, s.span, s.variable.span, 'loop variable', locals(s.body, host))); break;
          case 'If': {
            visit(s.then.stmts);
            let e = s.else;
            while (e) {
              if (e.kind === 'Block') {
                visit(e.stmts);
                e = null;
              } else {
                visit(e.then.stmts);
                e = e.else;
              }
            }
            break;
          }
          case 'While': visit(s.body.stmts); break;
          case 'Repeat': visit(s.body.stmts); break;
          case 'Block': visit(s.stmts); break;
          default: break;
        }
      }
    };
    visit(block.stmts);
    return out;
  };
  const out: DocumentSymbol[] = [];
  for (const item of file.items) {
    switch (item.kind) {
      case 'Import': out.push(sym(item.path, SymbolKind.File, item.span, item.pathSpan, 'import')); break;
      case 'Const': out.push(sym(item.name.name, SymbolKind.Constant, item.span, item.name.span, item.type ? textOf(item.type.span) : undefined)); break;
      case 'Fn':
      case 'Kernel': {
        const params = item.params.map((p) => sym(p.name.name, SymbolKind.Variable, p.span, p.name.span, textOf(p.type.span)));
        const detail = `(${item.params.map((p) => textOf(p.span)).join(', ')})${item.kind === 'Fn' && item.returnType ? ` -> ${textOf(item.returnType.span)}` : ''}`;
        out.push(sym(item.name.name, itemKind(item), item.span, item.name.span, detail, [...params, ...locals(item.body, false)]));
        break;
      }
      case 'Run': out.push(sym(item.name.name, SymbolKind.Module, item.span, item.name.span, 'run', locals(item.body, true))); break;
    }
  }
  return out;
}

/** Case-insensitive subsequence match, as editors' symbol pickers do. */
export function fuzzyMatch(query: string, name: string): boolean {
  const q = query.toLowerCase();
  const n = name.toLowerCase();
  let i = 0;
  for (let j = 0; j < n.length && i < q.length; j++) if (n[j] === q[i]) i++;
  return i === q.length;
}

export function workspaceSymbols(ws: Workspace, query: string, limit = 500): SymbolInformation[] {
  const out: SymbolInformation[] = [];
  for (const p of ws.workspaceFiles()) {
    const text = ws.readText(p);
    if (text === undefined) continue;
    const { file } = parse(p, text);
    const map = new LineMap(text);
    for (const item of file.items) {
      if (item.kind === 'Import') continue;
      if (!fuzzyMatch(query, item.name.name)) continue;
      out.push({
        name: item.name.name,
        kind: itemKind(item),
        location: { uri: ws.uriOf(p), range: { start: map.position(item.name.span.start), end: map.position(item.name.span.end) } },
        containerName: p.split(/[\\/]/).pop() ?? p,
      });
      if (out.length >= limit) return out;
    }
  }
  return out;
}
