// Signature help for built-ins, device fns and launch arguments, found by scanning back from the cursor
// to the open call (so it works while the call is half typed).
import type { SignatureHelp, SignatureInformation } from 'vscode-languageserver/node';
import type { Analysis } from './documents';
import { BUILTIN_BY_NAME, builtinSignature } from './docs';
import type { Param } from '../kernels/lang/ast';

interface OpenCall {
  callee: string;
  isLaunch: boolean;
  activeParameter: number;
}

/** The innermost unclosed `(` before `offset` on the current statement, and which argument the cursor is in. */
export function openCallAt(text: string, offset: number): OpenCall | null {
  let depth = 0;
  let commas = 0;
  const limit = Math.max(0, offset - 4000);
  for (let i = offset - 1; i >= limit; i--) {
    const c = text[i]!;
    if (c === ')' || c === ']') depth++;
    else if (c === '[') {
      if (depth === 0) return null;
      depth--;
    } else if (c === '(') {
      if (depth > 0) {
        depth--;
        continue;
      }
      let j = i - 1;
      while (j >= 0 && /\s/.test(text[j]!)) j--;
      if (text[j] === ']') {
        // `launch k[grid, block](` — skip the bracket to find the kernel name.
        let d = 0;
        for (; j >= 0; j--) {
          if (text[j] === ']') d++;
          else if (text[j] === '[') {
            d--;
            if (d === 0) break;
          }
        }
        j--;
        while (j >= 0 && /\s/.test(text[j]!)) j--;
        const end = j + 1;
        while (j >= 0 && /[A-Za-z0-9_]/.test(text[j]!)) j--;
        const name = text.slice(j + 1, end);
        const before = text.slice(Math.max(0, j - 20), j + 1);
        if (!name || !/launch\s*$/.test(before)) return null;
        return { callee: name, isLaunch: true, activeParameter: commas };
      }
      const end = j + 1;
      while (j >= 0 && /[A-Za-z0-9_]/.test(text[j]!)) j--;
      const name = text.slice(j + 1, end);
      if (!name) return null;
      return { callee: name, isLaunch: false, activeParameter: commas };
    } else if (c === ',' && depth === 0) commas++;
    else if ((c === ';' || c === '{' || c === '}') && depth === 0) return null;
  }
  return null;
}

function fromParams(label: string, params: Param[], text: string): SignatureInformation {
  const shown = params.map((p) => text.slice(p.span.start, p.span.end).replace(/\s+/g, ' '));
  const sig = `${label}(${shown.join(', ')})`;
  return { label: sig, parameters: shown.map((p) => ({ label: p })) };
}

export function signatureHelp(analysis: Analysis, offset: number): SignatureHelp | null {
  const call = openCallAt(analysis.text, offset);
  if (!call) return null;
  const files = [...analysis.result.files.values()];
  const findItem = (kind: 'Kernel' | 'Fn') => {
    for (const f of files) {
      for (const item of f.items) {
        if (item.kind === kind && item.name.name === call.callee) return { item, text: f.text };
      }
    }
    return null;
  };
  let signature: SignatureInformation | null = null;
  if (call.isLaunch) {
    const found = findItem('Kernel');
    if (found && found.item.kind === 'Kernel') signature = fromParams(`launch ${call.callee}[grid, block]`, found.item.params, found.text);
  } else {
    const found = findItem('Fn');
    if (found && found.item.kind === 'Fn') {
      signature = fromParams(`fn ${call.callee}`, found.item.params, found.text);
      if (found.item.returnType) signature.label += ` -> ${found.text.slice(found.item.returnType.span.start, found.item.returnType.span.end)}`;
    } else {
      const b = BUILTIN_BY_NAME.get(call.callee);
      if (b) {
        signature = {
          label: builtinSignature(b),
          documentation: { kind: 'markdown', value: b.doc },
          parameters: b.params.map((p) => ({ label: p.type ? `${p.name}: ${p.type}` : p.name })),
        };
      }
    }
  }
  if (!signature) return null;
  const count = signature.parameters?.length ?? 0;
  return { signatures: [signature], activeSignature: 0, activeParameter: count === 0 ? 0 : Math.min(call.activeParameter, count - 1) };
}
