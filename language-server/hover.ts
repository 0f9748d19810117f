// Hover: the type of a name or expression, docs for keywords and built-ins, and for a kernel name its
// estimated bytes and flops per thread, arithmetic intensity and roof on the selected device.
import type { Hover } from 'vscode-languageserver/node';
import type { Analysis } from './documents';
import { BUILTIN_BY_NAME, builtinSignature, GEOMETRY, KEYWORD_DOCS, NAMED_ARGS, TYPE_DOCS } from './docs';
import { describeSymbol, exprTypeAt, symbolAt } from './model';
import { kernelCost, describeKernelCost } from './cost';
import { wordAt } from './syntax';
import type { SelectedDevice } from './device';

function code(text: string): string {
  return '```kern\n' + text + '\n```';
}

function inComment(analysis: Analysis, offset: number): boolean {
  return (analysis.file?.comments ?? []).some((c) => c.start <= offset && offset < c.end);
}

export function hover(analysis: Analysis, offset: number, device: SelectedDevice): Hover | null {
  if (inComment(analysis, offset)) return null;
  const model = analysis.result.semantic;
  const range = (span: { start: number; end: number }) => ({ start: analysis.lineMap.position(span.start), end: analysis.lineMap.position(span.end) });
  const hit = symbolAt(model, analysis.path, offset);
  if (hit) {
    const s = hit.symbol;
    const parts = [code(describeSymbol(s))];
    if (s.constValue !== undefined) parts.push(`Value: \`${s.constValue}\``);
    if (s.container) parts.push(`In \`${s.container}\``);
    if (s.kind === 'param' && s.type.endsWith('[]')) parts.push(s.mutable ? 'Writable global-memory buffer.' : 'Read-only global-memory buffer (add `mut` to write to it).');
    if (s.kind === 'shared') parts.push('Per-block shared memory.');
    if (s.kind === 'kernel') {
      const kernel = analysis.result.program?.kernels.find((k) => k.name === s.name);
      if (kernel) parts.push(describeKernelCost(kernelCost(kernel), device.name, device.ceilings).join('\n\n'));
      else parts.push('_Cost estimate available once the file checks without errors._');
    }
    return { contents: { kind: 'markdown', value: parts.join('\n\n') }, range: range(hit.span) };
  }
  const word = wordAt(analysis.text, offset);
  if (word) {
    const before = analysis.text.slice(0, word.span.start).trimEnd();
    const isMember = before.endsWith('.') && !before.endsWith('..');
    if (isMember) {
      const base = wordAt(analysis.text, before.length - 1);
      if (base && GEOMETRY[base.word] && /^[xyz]$/.test(word.word)) {
        return { contents: { kind: 'markdown', value: `${code(`${base.word}.${word.word}: u32`)}\n\n${GEOMETRY[base.word]}` }, range: range({ start: base.span.start, end: word.span.end }) };
      }
    } else {
      const builtin = BUILTIN_BY_NAME.get(word.word);
      const after = analysis.text.slice(word.span.end).trimStart();
      if (builtin && (after.startsWith('(') || !TYPE_DOCS[word.word])) {
        return { contents: { kind: 'markdown', value: `${code(builtinSignature(builtin))}\n\n${builtin.doc}` }, range: range(word.span) };
      }
      if (GEOMETRY[word.word]) return { contents: { kind: 'markdown', value: `${code(`${word.word}${word.word === 'lane' || word.word === 'warp_size' ? ': u32' : ''}`)}\n\n${GEOMETRY[word.word]}` }, range: range(word.span) };
      if (KEYWORD_DOCS[word.word]) return { contents: { kind: 'markdown', value: KEYWORD_DOCS[word.word]! }, range: range(word.span) };
      if (TYPE_DOCS[word.word]) return { contents: { kind: 'markdown', value: `${code(word.word)}\n\n${TYPE_DOCS[word.word]}` }, range: range(word.span) };
      if (NAMED_ARGS[word.word]) return { contents: { kind: 'markdown', value: NAMED_ARGS[word.word]! }, range: range(word.span) };
    }
  }
  const typed = exprTypeAt(model, analysis.path, offset);
  if (typed) {
    const text = analysis.text.slice(typed.span.start, typed.span.end);
    const shown = text.length > 60 || text.includes('\n') ? '(expression)' : text;
    return { contents: { kind: 'markdown', value: code(`${shown}: ${typed.type}`) }, range: range(typed.span) };
  }
  return null;
}
