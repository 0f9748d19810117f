// The Kern language server over the real protocol: one server process, real files (fixtures and
// kernels/examples), exact positions and edits for each feature.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, copyFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CodeAction, CompletionItem, DocumentSymbol, FoldingRange, Hover, InlayHint, Location, SignatureHelp, SymbolInformation, TextEdit, WorkspaceEdit, DocumentHighlight, SemanticTokens, Diagnostic } from 'vscode-languageserver-protocol';
import { startServer, find, uriOf, applyEdit, type LspClient, FIXTURES, REPO } from './harness';

let client: LspClient;
let work: string;
const read = (name: string) => readFileSync(path.join(work, name), 'utf8');

before(async () => {
  // A private copy of the fixtures: some tests change files on disk.
  work = mkdtempSync(path.join(os.tmpdir(), 'kern-lsp-'));
  for (const f of ['lib.kern', 'main.kern', 'fixes.kern', 'broken.kern']) copyFileSync(path.join(FIXTURES, f), path.join(work, f));
  client = await startServer({ root: work });
});

after(async () => {
  await client?.stop();
});

async function openFixture(name: string): Promise<{ uri: string; text: string }> {
  const file = path.join(work, name);
  const text = read(name);
  const uri = uriOf(file);
  if (!client.texts.has(uri)) await client.open(file, text);
  return { uri, text: client.texts.get(uri)! };
}

const hoverText = (h: Hover | null) => (h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '');

test('diagnostics: a clean file publishes none; an edit that breaks it publishes the checker\'s error at its exact range', async () => {
  const { uri, text } = await openFixture('main.kern');
  assert.deepEqual(await client.waitDiagnostics(uri, 1), []);
  const at = find(text, 'scale(x[i], a)');
  const version = await client.edit(uri, { start: at, end: { line: at.line, character: at.character + 5 } }, 'scal');
  const diags = await client.waitDiagnostics(uri, version);
  assert.equal(diags.length, 1);
  assert.equal(diags[0]!.code, 'K2002');
  assert.equal(diags[0]!.message, 'cannot find `scal` in this scope');
  assert.deepEqual(diags[0]!.range, { start: at, end: { line: at.line, character: at.character + 4 } });
  const fixed = await client.edit(uri, { start: at, end: { line: at.line, character: at.character + 4 } }, 'scale');
  assert.deepEqual(await client.waitDiagnostics(uri, fixed), []);
});

test('diagnostics: syntax errors of a broken file, every one in one pass', async () => {
  const { uri } = await openFixture('broken.kern');
  const diags = await client.waitDiagnostics(uri, 1);
  assert.ok(diags.length >= 2, JSON.stringify(diags));
  assert.ok(diags.every((d) => String(d.code).startsWith('K1')));
  assert.equal(diags[0]!.range.start.line, 0);
});

test('diagnostics: a change in an imported open file re-checks the importer', async () => {
  const main = await openFixture('main.kern');
  const lib = await openFixture('lib.kern');
  await client.waitDiagnostics(main.uri);
  const at = find(lib.text, 'fn scale');
  const waitMain = client.nextDiagnostics(main.uri);
  await client.edit(lib.uri, { start: { line: at.line, character: 3 }, end: { line: at.line, character: 8 } }, 'scaled');
  const diags = await waitMain;
  assert.deepEqual(diags.map((d) => [d.code, d.message]), [['K2002', 'cannot find `scale` in this scope']]);
  const restore = client.nextDiagnostics(main.uri);
  await client.edit(lib.uri, { start: { line: at.line, character: 3 }, end: { line: at.line, character: 9 } }, 'scale');
  assert.deepEqual(await restore, []);
});

test('diagnostics: a file changed on disk (didChangeWatchedFiles) re-checks the open files importing it', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kern-watch-'));
  writeFileSync(path.join(dir, 'dep.kern'), 'const K: u32 = 4;\n');
  const mainFile = path.join(dir, 'use.kern');
  const mainText = 'import "dep.kern";\n\nkernel k(y: mut u32[]) {\n  y[0] = K;\n}\n';
  const uri = await client.open(mainFile, mainText);
  assert.deepEqual(await client.waitDiagnostics(uri, 1), []);
  writeFileSync(path.join(dir, 'dep.kern'), 'const KK: u32 = 4;\n');
  const next = client.nextDiagnostics(uri);
  await client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(path.join(dir, 'dep.kern')), type: 2 }] });
  const diags = await next;
  assert.deepEqual(diags.map((d) => [d.code, d.range.start.line, d.range.start.character]), [['K2002', 3, 9]]);
});

test('hover: the type of a local, a parameter and an expression', async () => {
  const { uri, text } = await openFixture('main.kern');
  const onI = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: find(text, 'let i', 0, 4) });
  assert.match(hoverText(onI), /let i: u32/);
  assert.deepEqual(onI.range, { start: find(text, 'let i', 0, 4), end: find(text, 'let i', 0, 5) });
  const onY = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: find(text, 'y[i] = scale', 0, 0) });
  assert.match(hoverText(onY), /y: mut f32\[\]/);
  const onPlus = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: find(text, ' + y[i]', 0, 1) });
  assert.match(hoverText(onPlus), /: f32/);
});

test('hover: docs for keywords, built-ins and thread geometry', async () => {
  const { uri, text } = await openFixture('main.kern');
  const kw = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: find(text, 'launch axpy', 0, 2) });
  assert.match(hoverText(kw), /runs kernel `k` on the device/);
  const builtin = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: find(text, 'ceil_div(n', 0, 3) });
  assert.match(hoverText(builtin), /ceil_div\(a: T, b: T\) -> T/);
  assert.match(hoverText(builtin), /Integer division rounding up/);
  const geom = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: find(text, 'thread.x', 0, 7) });
  assert.match(hoverText(geom), /thread\.x: u32/);
});

test('hover on a kernel: bytes and flops per thread, intensity and the roof on the selected device', async () => {
  const { uri, text } = await openFixture('main.kern');
  const h = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: find(text, 'kernel axpy', 0, 8) });
  const v = hoverText(h);
  assert.match(v, /kernel axpy\(n: u32, a: f32, x: f32\[\], y: mut f32\[\]\)/);
  // x[i] and y[i] loaded (8 B), y[i] stored (4 B); scale() is a mul and the + an add: 2 FLOP.
  assert.match(v, /\*\*Per thread:\*\* 12 B global \(8 B loaded, 4 B stored\), 2 FLOP/);
  assert.match(v, /\*\*Arithmetic intensity:\*\* 0\.17 FLOP\/B/);
  assert.match(v, /On \*\*RTX 5090 · USB4 33 GB\/s \(sim\)\*\*: under the \*\*memory roof\*\* \(1,792 GB\/s\)/);
  const loop = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: find(text, 'kernel dot_partial', 0, 8) });
  assert.match(hoverText(loop), /\*\*Per loop iteration:\*\* 8 B global \(8 B loaded, 0 B stored\), 2 FLOP — the loop's trip count is unknown/);
});

test('kern/setDevice changes the device kernel hovers compare against', async () => {
  const { uri, text } = await openFixture('main.kern');
  await client.notify('kern/setDevice', { name: 'Test GPU', ceilings: { linkH2DGBps: 10, linkD2HGBps: 10, memoryGBps: 100, fp32TFLOPS: 1 } });
  const info = await client.request<{ name: string }>('kern/deviceInfo', null);
  assert.equal(info.name, 'Test GPU');
  const h = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: find(text, 'kernel axpy', 0, 8) });
  assert.match(hoverText(h), /On \*\*Test GPU\*\*: under the \*\*memory roof\*\* \(100 GB\/s\): at most 16.67 GFLOP\/s of 1,000; the ridge point is 10 FLOP\/B/);
  await client.notify('kern/setDevice', { profile: 'sim:rtx5090-usb4' });
  const back = await client.request<{ id: string }>('kern/deviceInfo', null);
  assert.equal(back.id, 'rtx5090-usb4');
});

test('completion: members after thread., kernels after launch, names in scope, built-ins with signatures, types', async () => {
  const { uri, text } = await openFixture('main.kern');
  const members = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: find(text, 'thread.x', 0, 7) });
  assert.deepEqual(members.map((m) => m.label), ['x', 'y', 'z']);
  const kernels = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: find(text, 'launch axpy', 0, 8) });
  assert.deepEqual(kernels.map((k) => k.label).sort(), ['axpy', 'dot_partial', 'fill_ones']);
  const body = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: find(text, 'y[i] = scale', 0, 0) });
  const labels = new Set(body.map((b) => b.label));
  for (const name of ['i', 'n', 'a', 'x', 'y', 'scale', 'BLOCK', 'exp', 'barrier', 'thread', 'let', 'if']) assert.ok(labels.has(name), `missing ${name}`);
  assert.ok(!labels.has('acc'), 'a local of another kernel is not in scope');
  assert.ok(!labels.has('buffer'.concat('_')));
  const exp = body.find((b) => b.label === 'exp');
  assert.equal(exp?.detail, 'exp(x: f32) -> f32');
  const types = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: find(text, 'buffer(f32, n, range', 0, 7) });
  assert.deepEqual(types.map((t) => t.label), ['f32', 'f16', 'bf16', 'i32', 'u32', 'i8', 'u8']);
});

test('completion offers snippets for kernel/run at the top level and launch in a run block', async () => {
  const { uri, text } = await openFixture('main.kern');
  const top = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: find(text, 'kernel axpy', 0, 0) });
  const kernelSnippet = top.find((c) => c.label === 'kernel' && c.kind === 15);
  assert.ok(kernelSnippet?.insertText?.startsWith('kernel ${1:name}('));
  const inRun = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: find(text, '  read y;', 0, 2) });
  assert.ok(inRun.some((c) => c.label === 'launch' && c.kind === 15));
  assert.ok(inRun.some((c) => c.label === 'fill'));
  assert.ok(!inRun.some((c) => c.label === 'barrier'), 'device built-ins are not offered in run blocks');
});

test('signature help for built-ins, fns and launch arguments', async () => {
  const { uri, text } = await openFixture('main.kern');
  const fn = await client.request<SignatureHelp>('textDocument/signatureHelp', { textDocument: { uri }, position: find(text, 'scale(x[i], a)', 0, 12) });
  assert.equal(fn.signatures[0]!.label, 'fn scale(v: f32, k: f32) -> f32');
  assert.equal(fn.activeParameter, 1);
  const launch = await client.request<SignatureHelp>('textDocument/signatureHelp', { textDocument: { uri }, position: find(text, '(n, 2.0, x, y)', 0, 9) });
  assert.equal(launch.signatures[0]!.label, 'launch axpy[grid, block](n: u32, a: f32, x: f32[], y: mut f32[])');
  assert.equal(launch.activeParameter, 2);
  const builtin = await client.request<SignatureHelp>('textDocument/signatureHelp', { textDocument: { uri }, position: find(text, 'ceil_div(n, BLOCK)', 0, 12) });
  assert.equal(builtin.signatures[0]!.label, 'ceil_div(a: T, b: T) -> T');
  assert.equal(builtin.activeParameter, 1);
});

test('definition and references across imports', async () => {
  const main = await openFixture('main.kern');
  const lib = await openFixture('lib.kern');
  const def = await client.request<Location>('textDocument/definition', { textDocument: { uri: main.uri }, position: find(main.text, 'scale(x', 0, 2) });
  assert.equal(def.uri, lib.uri);
  assert.deepEqual(def.range, { start: find(lib.text, 'scale'), end: find(lib.text, 'scale', 0, 5) });
  const refs = await client.request<Location[]>('textDocument/references', { textDocument: { uri: lib.uri }, position: find(lib.text, 'BLOCK'), context: { includeDeclaration: true } });
  const shown = refs.map((r) => `${path.basename(r.uri)}:${r.range.start.line}:${r.range.start.character}`);
  const launch = find(main.text, 'ceil_div(n, BLOCK), BLOCK');
  assert.deepEqual(shown, ['lib.kern:1:6', `main.kern:${launch.line}:${launch.character + 12}`, `main.kern:${launch.line}:${launch.character + 20}`]);
});

test('rename across imports edits every use; renaming a built-in is refused with a clear error', async () => {
  const main = await openFixture('main.kern');
  const lib = await openFixture('lib.kern');
  const edit = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: main.uri }, position: find(main.text, 'BLOCK)', 0, 1), newName: 'THREADS' });
  const changes = edit.changes!;
  assert.deepEqual(Object.keys(changes).map((u) => path.basename(u)).sort(), ['lib.kern', 'main.kern']);
  assert.equal(applyAll(lib.text, changes[lib.uri]!).includes('const THREADS: u32 = 256;'), true);
  assert.equal(applyAll(main.text, changes[main.uri]!).includes('launch axpy[ceil_div(n, THREADS), THREADS]'), true);
  await assert.rejects(
    client.request('textDocument/rename', { textDocument: { uri: main.uri }, position: find(main.text, 'ceil_div', 0, 2), newName: 'cd' }),
    /cannot rename 'ceil_div': it is a Kern built-in/,
  );
  const local = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: main.uri }, position: find(main.text, 'acc', 0, 0), newName: 'sum' });
  assert.equal(applyAll(main.text, local.changes![main.uri]!).match(/\bsum\b/g)?.length, 3);
});

function applyAll(text: string, edits: TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character)) out = applyEdit(out, e.range, e.newText);
  return out;
}

test('document highlights tell writes from reads', async () => {
  const { uri, text } = await openFixture('main.kern');
  const hl = await client.request<DocumentHighlight[]>('textDocument/documentHighlight', { textDocument: { uri }, position: find(text, 'acc', 0, 0) });
  assert.deepEqual(hl.map((h) => [h.range.start.line, h.range.start.character, h.kind]), [[11, 6, 3], [13, 4, 3], [15, 11, 2]]);
});

test('document symbols are hierarchical; workspace symbols search every file', async () => {
  const { uri } = await openFixture('main.kern');
  const syms = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
  assert.deepEqual(syms.map((s) => s.name), ['lib.kern', 'axpy', 'dot_partial', 'check_axpy']);
  assert.deepEqual(syms[1]!.children!.map((c) => c.name), ['n', 'a', 'x', 'y', 'i']);
  assert.deepEqual(syms[2]!.children!.map((c) => c.name), ['n', 'x', 'y', 'out', 'i', 'acc', 'k']);
  assert.deepEqual(syms[3]!.children!.map((c) => c.name), ['n', 'x', 'y']);
  const ws = await client.request<SymbolInformation[]>('workspace/symbol', { query: 'fil' });
  assert.deepEqual(ws.map((s) => `${s.name}@${path.basename(s.location.uri)}`), ['fill_ones@lib.kern']);
});

test('folding ranges cover item bodies and nested blocks', async () => {
  const { uri } = await openFixture('main.kern');
  const folds = await client.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri } });
  assert.deepEqual(folds.map((f) => [f.startLine, f.endLine]), [[2, 6], [4, 5], [9, 15], [12, 13], [18, 24]]);
});

test('semantic tokens mark kernels, fns, buffer vs scalar parameters and mutability', async () => {
  const { uri, text } = await openFixture('main.kern');
  const tokens = await client.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri } });
  const decoded: { line: number; char: number; len: number; type: string; mods: string[] }[] = [];
  const types = ['kernel', 'function', 'parameter', 'variable', 'property', 'type', 'namespace'];
  const mods = ['declaration', 'readonly', 'mutable', 'buffer', 'shared', 'defaultLibrary'];
  let line = 0;
  let char = 0;
  for (let i = 0; i < tokens.data.length; i += 5) {
    const [dl, dc, len, t, m] = tokens.data.slice(i, i + 5) as [number, number, number, number, number];
    line += dl;
    char = dl === 0 ? char + dc : dc;
    decoded.push({ line, char, len, type: types[t]!, mods: mods.filter((_, k) => m & (1 << k)) });
  }
  const at = (needle: string, delta = 0) => {
    const p = find(text, needle, 0, delta);
    return decoded.find((d) => d.line === p.line && d.char === p.character);
  };
  assert.deepEqual(at('axpy'), { line: 2, char: 7, len: 4, type: 'kernel', mods: ['declaration'] });
  assert.deepEqual(at('x: f32[]'), { line: 2, char: 28, len: 1, type: 'parameter', mods: ['declaration', 'readonly', 'buffer'] });
  assert.deepEqual(at('y: mut'), { line: 2, char: find(text, 'y: mut').character, len: 1, type: 'parameter', mods: ['declaration', 'mutable', 'buffer'] });
  assert.deepEqual(at('n: u32'), { line: 2, char: 12, len: 1, type: 'parameter', mods: ['declaration', 'readonly'] });
  assert.equal(at('scale(x')?.type, 'function');
  assert.deepEqual(at('thread.x', 7)?.mods, ['readonly', 'defaultLibrary']);
  assert.equal(at('ceil_div')?.type, 'function');
  assert.deepEqual(at('var acc', 4), { line: 11, char: 6, len: 3, type: 'variable', mods: ['declaration', 'mutable'] });
});

test('inlay hints: inferred types of let/var and parameter names at launch arguments', async () => {
  const { uri, text } = await openFixture('main.kern');
  const hints = await client.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 30, character: 0 } } });
  const shown = hints.map((h) => `${h.position.line}:${h.position.character} ${h.label as string}`);
  assert.ok(shown.includes('3:7 : u32'), shown.join('\n'));
  assert.ok(shown.includes('11:9 : f32'), shown.join('\n'));
  const launchLine = find(text, 'launch axpy').line;
  // `n`, `x` and `y` are passed by names equal to the parameters' and get no hint; `2.0` gets `a:`.
  assert.deepEqual(shown.filter((s) => s.startsWith(`${launchLine}:`)), [`${launchLine}:${find(text, '2.0, x, y').character} a:`]);
});

test('code action: store to a read-only buffer → make the parameter mut', async () => {
  const { uri, text } = await openFixture('fixes.kern');
  const diags = await client.waitDiagnostics(uri, 1);
  const ro = diags.filter((d) => d.code === 'K3016');
  assert.equal(ro.length, 1);
  const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: ro[0]!.range, context: { diagnostics: ro } });
  const fix = actions.find((a) => a.title.startsWith('Make `dst` writable'));
  assert.ok(fix, JSON.stringify(actions.map((a) => a.title)));
  assert.deepEqual(fix.edit!.changes![uri], [{ range: { start: find(text, 'f32[])'), end: find(text, 'f32[])') }, newText: 'mut ' }]);
});

test('code action: unused variable → remove it or prefix it with _', async () => {
  const { uri, text } = await openFixture('fixes.kern');
  const diags = await client.waitDiagnostics(uri, 1);
  const unused = diags.filter((d) => d.code === 'K5001');
  assert.equal(unused.length, 1);
  const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: unused[0]!.range, context: { diagnostics: unused } });
  const prefix = actions.find((a) => a.title === 'Prefix `unused` with `_`');
  const remove = actions.find((a) => a.title === 'Remove unused variable `unused`');
  assert.deepEqual(prefix?.edit?.changes?.[uri], [{ range: { start: find(text, 'unused'), end: find(text, 'unused') }, newText: '_' }]);
  assert.deepEqual(remove?.edit?.changes?.[uri], [{ range: { start: { line: 2, character: 0 }, end: { line: 3, character: 0 } }, newText: '' }]);
});

test('code action: unknown name → did you mean', async () => {
  const { uri, text } = await openFixture('fixes.kern');
  const diags = await client.waitDiagnostics(uri, 1);
  const unknown = diags.filter((d) => d.code === 'K2002');
  assert.equal(unknown.length, 1);
  const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: unknown[0]!.range, context: { diagnostics: unknown } });
  assert.equal(actions[0]!.title, 'Change to `index`');
  assert.deepEqual(actions[0]!.edit!.changes![uri], [{ range: { start: find(text, 'indx'), end: find(text, 'indx', 0, 4) }, newText: 'index' }]);
});

test('code action: unguarded global index → wrap in if i < len', async () => {
  const { uri, text } = await openFixture('fixes.kern');
  const at = find(text, 'x[i] = x[i] * scale', 0, 2);
  const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: { start: at, end: at }, context: { diagnostics: [] } });
  const guard = actions.find((a) => a.title.startsWith('Guard'));
  assert.equal(guard?.title, 'Guard `x[i]` with `if i < len`');
  const after = applyAll(text, guard!.edit!.changes![uri]!);
  assert.ok(after.includes('  if i < len {\n    x[i] = x[i] * scale;\n  }\n}'), after);
  // Already guarded: no such action.
  const guarded = find(text, 'dst[i] = src[i]', 0, 5);
  const none = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: { start: guarded, end: guarded }, context: { diagnostics: [] } });
  assert.ok(!none.some((a) => a.title.startsWith('Guard')));
});

test('formatting over the protocol: edits for an unformatted document, none for a broken one', async () => {
  const file = path.join(work, 'unformatted.kern');
  const uri = await client.open(file, 'kernel k(y:mut f32[]){y[0]=1.0;}\n');
  const edits = await client.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
  assert.equal(applyAll(client.texts.get(uri)!, edits), 'kernel k(y: mut f32[]) {\n  y[0] = 1.0;\n}\n');
  const broken = await openFixture('broken.kern');
  assert.deepEqual(await client.request('textDocument/formatting', { textDocument: { uri: broken.uri }, options: { tabSize: 2, insertSpaces: true } }), []);
});

test('requests on a broken document answer (no crash, no hang)', async () => {
  const { uri, text } = await openFixture('broken.kern');
  const methods = ['textDocument/hover', 'textDocument/completion', 'textDocument/definition', 'textDocument/documentSymbol', 'textDocument/foldingRange', 'textDocument/semanticTokens/full', 'textDocument/signatureHelp'];
  for (let offset = 0; offset < text.length; offset += 7) {
    const position = find(text, text.slice(offset, offset + 1), 0, 0);
    for (const m of methods) await client.request(m, { textDocument: { uri }, position });
  }
  const diags: Diagnostic[] = await client.waitDiagnostics(uri);
  assert.ok(diags.length > 0);
});

test('every example in kernels/examples opens without errors', async () => {
  const dir = path.join(REPO, 'kernels/examples');
  for (const f of ['saxpy.kern', 'reduction.kern', 'matmul_tiled.kern']) {
    const uri = await client.open(path.join(dir, f));
    const diags = await client.waitDiagnostics(uri, 1);
    assert.deepEqual(diags.filter((d) => d.severity === 1), [], f);
  }
});
