// Diagnostics across imports over the protocol: an imported file's errors are published under its own URI
// (open or not) and summarised on the importer's import line (K2014); and a file the checker cannot handle
// still gets a diagnostic (K1014 for over-deep code, K9001 for a front-end bug), never silence.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { startServer, uriOf, type LspClient } from './harness';
import { Workspace } from '../../language-server/documents';
import { diagnosticsFor } from '../../language-server/diagnostics';

let client: LspClient;
let dir: string;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kern-imports-'));
  client = await startServer({ root: dir });
});

after(async () => {
  await client?.stop();
});

const BROKEN_LIB = '// helpers\nfn f() -> f32 {\n  return z;\n}\nconst B: u32 = 1.5;\n';
const FIXED_LIB = '// helpers\nfn f() -> f32 {\n  return 1.0;\n}\nconst B: u32 = 1;\n';
const MAIN = 'import "lib.kern";\n\nkernel k(y: mut f32[]) {\n  y[B] = f();\n}\n';

/** The diagnostics of `uri` once they satisfy `ok` (publications for other files may come in any order). */
async function until(uri: string, ok: (diags: Diagnostic[]) => boolean): Promise<Diagnostic[]> {
  let diags = await client.waitDiagnostics(uri);
  while (!ok(diags)) diags = await client.nextDiagnostics(uri);
  return diags;
}

const summary = (diags: Diagnostic[]) =>
  diags.map((d) => `${d.range.start.line}:${d.range.start.character} ${String(d.code)} ${typeof d.message === 'string' ? d.message : d.message.value}`);

test('errors in a closed imported file: published under its URI and summarised on the import line; cleared when fixed', async () => {
  const sub = mkdtempSync(path.join(dir, 'a-'));
  const libFile = path.join(sub, 'lib.kern');
  writeFileSync(libFile, BROKEN_LIB);
  const libUri = uriOf(libFile);
  const mainUri = await client.open(path.join(sub, 'main.kern'), MAIN);
  const mainDiags = await client.waitDiagnostics(mainUri, 1);
  assert.deepEqual(summary(mainDiags), ['0:7 K2014 imported file `lib.kern` has 2 errors']);
  assert.deepEqual(mainDiags[0]!.relatedInformation, [
    { location: { uri: libUri, range: { start: { line: 2, character: 9 }, end: { line: 2, character: 10 } } }, message: 'first error: cannot find `z` in this scope' },
  ]);
  assert.deepEqual(summary(await until(libUri, (d) => d.length > 0)), [
    '2:9 K2002 cannot find `z` in this scope',
    '4:15 K3006 float literal `1.5` used where `u32` is expected',
  ]);

  writeFileSync(libFile, FIXED_LIB);
  const libCleared = client.nextDiagnostics(libUri);
  const mainCleared = client.nextDiagnostics(mainUri);
  await client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: libUri, type: 2 }] });
  assert.deepEqual(await libCleared, []);
  assert.deepEqual(await mainCleared, []);
});

test('closing the only importer clears the closed imported file; an open imported file publishes its own', async () => {
  const sub = mkdtempSync(path.join(dir, 'b-'));
  const libFile = path.join(sub, 'lib.kern');
  writeFileSync(libFile, BROKEN_LIB);
  const libUri = uriOf(libFile);
  const mainUri = await client.open(path.join(sub, 'main.kern'), MAIN);
  await client.waitDiagnostics(mainUri, 1);
  assert.equal((await until(libUri, (d) => d.length > 0)).length, 2);

  // Opened in the editor, lib.kern is checked as a file of its own (same errors, now with its version).
  await client.open(libFile, BROKEN_LIB);
  assert.equal((await client.waitDiagnostics(libUri, 1)).length, 2);
  const fixedVersion = await client.replaceAll(libUri, FIXED_LIB);
  const mainFixed = client.nextDiagnostics(mainUri);
  assert.deepEqual(await client.waitDiagnostics(libUri, fixedVersion), []);
  assert.deepEqual(await mainFixed, []);

  // Unsaved fix closed: the file on disk is broken again, and now comes through main.kern.
  const fromImporter = client.nextDiagnostics(mainUri);
  await client.notify('textDocument/didClose', { textDocument: { uri: libUri } });
  assert.deepEqual(summary(await fromImporter), ['0:7 K2014 imported file `lib.kern` has 2 errors']);
  assert.deepEqual((await until(libUri, (d) => d.length > 0)).map((d) => d.code), ['K2002', 'K3006']);

  const cleared = client.nextDiagnostics(libUri);
  await client.notify('textDocument/didClose', { textDocument: { uri: mainUri } });
  assert.deepEqual(await cleared, []);
});

test('a 1500-term sum publishes K1014 at the crossing term (it used to publish nothing)', async () => {
  const text = `kernel k(y: mut f32[]) {\n  y[0] = ${Array(1500).fill('y[0]').join(' + ')} + 1.0;\n}\n`;
  const uri = await client.open(path.join(dir, 'deep.kern'), text);
  const diags = await client.waitDiagnostics(uri, 1);
  assert.deepEqual(diags.map((d) => d.code), ['K1014']);
  assert.equal(diags[0]!.range.start.line, 1);
  // Requests on it still answer.
  const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 10 } });
  assert.ok(hover === null || typeof hover === 'object');
  const tokens = await client.request<{ data: number[] }>('textDocument/semanticTokens/full', { textDocument: { uri } });
  assert.ok(tokens.data.length > 0);
});

test('the deepest accepted expression gets no diagnostics and every feature answers', async () => {
  const text = `kernel k(y: mut f32[]) {\n  let s = ${Array(250).fill('y[0]').join(' + ')};\n  y[0] = s;\n}\n`;
  const uri = await client.open(path.join(dir, 'deepest.kern'), text);
  assert.deepEqual(await client.waitDiagnostics(uri, 1), []);
  const hover = await client.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 7 } });
  assert.match(hover?.contents.value ?? '', /f32/);
  const hints = await client.request<unknown[]>('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 4, character: 0 } } });
  assert.ok(hints.length >= 1);
  const folding = await client.request<unknown[]>('textDocument/foldingRange', { textDocument: { uri } });
  assert.ok(folding.length >= 1);
  const edits = await client.request<unknown[]>('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
  assert.ok(Array.isArray(edits));
});

test('a front-end failure still gives the file a diagnostic (K9001 at its start)', () => {
  const ws = new Workspace(() => {});
  const file = path.join(dir, 'boom.kern');
  const readText = ws.readText.bind(ws);
  // A host that fails while loading an import: the kind of bug checkProgram must report, not throw.
  ws.readText = (p: string) => {
    if (p === file) return 'import "other.kern";\nkernel k() {\n}\n';
    if (p.endsWith('other.kern')) throw new Error('disk on fire');
    return readText(p);
  };
  const analysis = ws.analyze(file);
  assert.ok(analysis);
  assert.deepEqual(diagnosticsFor(ws, analysis).map((d) => [d.code, d.message, d.range.start, d.severity]), [
    ['K9001', 'internal compiler error: Error: disk on fire; please report it', { line: 0, character: 0 }, 1],
  ]);
});
