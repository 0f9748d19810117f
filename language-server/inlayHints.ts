// Inlay hints: the inferred type after `let`/`var` names whose type is not written, and the kernel's
// parameter names before launch arguments.
import { InlayHintKind, type InlayHint, type Range } from 'vscode-languageserver/node';
import type { Analysis } from './documents';
import { walk } from './syntax';
import type { KernelItem } from '../kernels/lang/ast';

export function inlayHints(analysis: Analysis, range: Range): InlayHint[] {
  const start = analysis.lineMap.offset(range.start);
  const end = analysis.lineMap.offset(range.end);
  const out: InlayHint[] = [];
  const inRange = (o: number) => o >= start && o <= end;
  for (const s of analysis.result.semantic.symbols) {
    if (s.file !== analysis.path || s.typeWritten || !inRange(s.span.end)) continue;
    if (s.kind !== 'local' && s.kind !== 'hostvar' && s.kind !== 'buffer') continue;
    if (!s.type) continue;
    out.push({ position: analysis.lineMap.position(s.span.end), label: `: ${s.type}`, kind: InlayHintKind.Type, paddingLeft: false });
  }
  if (!analysis.file) return out;
  const kernels = new Map<string, KernelItem>();
  for (const f of analysis.result.files.values()) for (const item of f.items) if (item.kind === 'Kernel' && !kernels.has(item.name.name)) kernels.set(item.name.name, item);
  walk(analysis.file, (node) => {
    if (node.kind !== 'Launch') return;
    const kernel = kernels.get(node.kernel.name);
    if (!kernel) return;
    node.args.forEach((arg, i) => {
      const param = kernel.params[i];
      if (!param || arg.name || !inRange(arg.span.start)) return;
      if (arg.value.kind === 'Name' && arg.value.name === param.name.name) return;
      out.push({ position: analysis.lineMap.position(arg.span.start), label: `${param.name.name}:`, kind: InlayHintKind.Parameter, paddingRight: true });
    });
  });
  out.sort((a, b) => a.position.line - b.position.line || a.position.character - b.position.character);
  return out;
}
