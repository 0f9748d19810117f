// The language server's Workspace driven directly (open, change, analyze), as the server does on each edit:
// its incremental re-parse and reused checks must give what `egpu check` gives for the document's text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkProgram } from '../../kernels/lang/index';
import { Workspace } from '../../language-server/documents';

function codes(diagnostics: { code: string; span: { start: number; end: number } }[]): string[] {
  return diagnostics.map((d) => `${d.code}@${d.span.start}-${d.span.end}`);
}

test('a broken file stays broken in the editor: stray tokens after a stray } are reported after the next edit', () => {
  const path = '/projects/stray.kern';
  const uri = 'file:///projects/stray.kern';
  const before = 'kernel a(o: mut f32[]) {\n  o[0] = }x\n\nkernel b(o: mut f32[]) {\n  o[0] = 2.0;\n}\n';
  const ws = new Workspace(() => {});
  ws.open(uri, 'kern', 1, before);
  assert.ok(ws.analyze(path)!.result.diagnostics.some((d) => d.severity === 'error'));
  const doc = ws.document(uri)!;
  const at = doc.positionAt(before.indexOf('}x'));
  ws.change(uri, 2, [{ range: { start: at, end: at }, text: '1.0; ' }]);
  const text = ws.document(uri)!.getText();
  const analysis = ws.analyze(path)!;
  const fresh = checkProgram(path, { readFile: () => text, resolveImport: (_f, s) => s });
  assert.deepEqual(codes(analysis.result.diagnostics), codes(fresh.diagnostics));
  assert.ok(fresh.diagnostics.some((d) => d.code === 'K1010'), 'the stray `x` after the kernel is an error');
  assert.equal(analysis.result.program, null, 'no program is lowered from a file with errors');
});

test('typing through a session: every analysis equals a fresh check of the text', () => {
  const path = '/projects/session.kern';
  const uri = 'file:///projects/session.kern';
  const ws = new Workspace(() => {});
  let text = 'const N: u32 = 64;\n\nkernel a(o: mut f32[]) {\n  o[thread.x] = 1.0;\n}\n\nkernel b(o: mut f32[]) {\n  let i = thread.x;\n  o[i] = 2.0;\n}\n\nrun r {\n  let o = buffer(f32, N);\n  launch a[1, N](o);\n  launch b[1, N](o);\n  read o;\n}\n';
  ws.open(uri, 'kern', 1, text);
  ws.analyze(path);
  // Type `let q = o[i] * 3.0;` into kernel b a character at a time, then delete it again.
  const insertAt = text.indexOf('  o[i] = 2.0;');
  const typed = '  let q = o[i] * 3.0;\n';
  let version = 2;
  const steps: [number, number, string][] = [];
  for (let i = 0; i < typed.length; i++) steps.push([insertAt + i, insertAt + i, typed[i]!]);
  for (let i = typed.length - 1; i >= 0; i--) steps.push([insertAt + i, insertAt + i + 1, '']);
  for (const [from, to, insert] of steps) {
    const doc = ws.document(uri)!;
    ws.change(uri, version++, [{ range: { start: doc.positionAt(from), end: doc.positionAt(to) }, text: insert }]);
    text = ws.document(uri)!.getText();
    const analysis = ws.analyze(path)!;
    const fresh = checkProgram(path, { readFile: () => text, resolveImport: (_f, s) => s });
    assert.deepEqual(codes(analysis.result.diagnostics), codes(fresh.diagnostics), `after typing up to ${JSON.stringify(text.slice(insertAt, insertAt + 24))}`);
    assert.deepEqual(analysis.result.semantic.symbols.map((s) => `${s.name}@${s.span.start}`), fresh.semantic.symbols.map((s) => `${s.name}@${s.span.start}`));
  }
});
