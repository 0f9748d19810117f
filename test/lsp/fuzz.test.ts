// Fuzz over the protocol: thousands of random edits and requests on real examples; the server must keep
// answering every request (no crash, no hang) and its answers must stay well-formed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { startServer, positionAt, uriOf, REPO, FIXTURES } from './harness';
import { checkProgram } from '../../kernels/lang/index';
import { seededRandom } from '../../kernels/llama/tiny-model';


const SNIPPETS = ['{', '}', '(', ')', '[', ']', ';', 'let ', 'var x = ', 'launch ', 'kernel k(', 'thread.', '..', '/*', '*/', '//', '"', '\n', ' ', 'mut ', 'f16', '1e', '0x', 'é', '\u{1F600}', 'barrier();', 'if i < n {', 'return ', '= ', '+'];
const REQUESTS = [
  'textDocument/hover', 'textDocument/completion', 'textDocument/signatureHelp', 'textDocument/definition',
  'textDocument/references', 'textDocument/documentHighlight', 'textDocument/documentSymbol', 'textDocument/foldingRange',
  'textDocument/semanticTokens/full', 'textDocument/formatting', 'textDocument/inlayHint', 'textDocument/codeAction',
  'textDocument/prepareRename',
];

test('the server survives 2,000 random edits with requests in between and still answers', async () => {
  const client = await startServer({ initializationOptions: { diagnosticsDelayMs: 5 } });
  try {
    const random = seededRandom(20240607);
    const sources = readdirSync(path.join(REPO, 'kernels/examples')).filter((f) => f.endsWith('.kern')).map((f) => path.join(REPO, 'kernels/examples', f));
    sources.push(path.join(FIXTURES, 'main.kern'), path.join(FIXTURES, 'fixes.kern'));
    const uris: string[] = [];
    for (const file of sources) uris.push(await client.open(file, readFileSync(file, 'utf8')));
    let answered = 0;
    let rejected = 0;
    const pending: Promise<void>[] = [];
    for (let step = 0; step < 2000; step++) {
      const uri = uris[Math.floor(random() * uris.length)]!;
      const text = client.texts.get(uri)!;
      const a = Math.floor(random() * (text.length + 1));
      const b = Math.min(text.length, a + Math.floor(random() * 12));
      const roll = random();
      const insert = roll < 0.4 ? SNIPPETS[Math.floor(random() * SNIPPETS.length)]! : roll < 0.7 ? '' : text.slice(Math.floor(random() * text.length), Math.floor(random() * text.length)).slice(0, 40);
      await client.edit(uri, { start: positionAt(text, a), end: positionAt(text, b) }, insert);
      if (step % 4 === 0) {
        const now = client.texts.get(uri)!;
        const pos = positionAt(now, Math.floor(random() * (now.length + 1)));
        const method = REQUESTS[Math.floor(random() * REQUESTS.length)]!;
        const params: Record<string, unknown> = { textDocument: { uri }, position: pos };
        if (method === 'textDocument/references') params.context = { includeDeclaration: true };
        if (method === 'textDocument/formatting') params.options = { tabSize: 2, insertSpaces: true };
        if (method === 'textDocument/inlayHint' || method === 'textDocument/codeAction') {
          params.range = { start: { line: 0, character: 0 }, end: pos };
          params.context = { diagnostics: [] };
        }
        pending.push(client.request(method, params).then(() => { answered++; }, () => { rejected++; }));
      }
      if (pending.length >= 25) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending.splice(0));
    assert.equal(answered + rejected, 500);
    // prepareRename may refuse with an error answer; nothing else should.
    assert.ok(rejected <= 60, `${rejected} requests failed`);
    // Still alive and answering on every document after the storm.
    for (const uri of uris) {
      const symbols = await client.request<unknown[]>('textDocument/documentSymbol', { textDocument: { uri } });
      assert.ok(Array.isArray(symbols));
    }
    // After the storm (re-parsed and re-checked incrementally all along), every document's diagnostics are
    // exactly those of a fresh check of its text.
    const textOf = new Map(sources.map((file, i) => [path.resolve(file), client.texts.get(uris[i]!)!]));
    const host = {
      readFile: (p: string) => textOf.get(p) ?? (() => { try { return readFileSync(p, 'utf8'); } catch { return undefined; } })(),
      resolveImport: (from: string, spec: string) => path.resolve(path.dirname(from), spec),
    };
    for (const [i, file] of sources.entries()) {
      const uri = uris[i]!;
      const version = await client.edit(uri, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, ' ');
      textOf.set(path.resolve(file), client.texts.get(uri)!);
      const published = await client.waitDiagnostics(uri, version, 20_000);
      const text = client.texts.get(uri)!;
      const fresh = checkProgram(path.resolve(file), host).diagnostics.filter((d) => d.file === path.resolve(file));
      assert.deepEqual(
        published.map((d) => `${d.code} ${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.message}`),
        fresh.map((d) => {
          const a = positionAt(text, d.span.start);
          const b = positionAt(text, d.span.end);
          return `${d.code} ${a.line}:${a.character}-${b.line}:${b.character} ${d.message}`;
        }),
        `${path.basename(file)}: the server's diagnostics after the edits differ from a fresh check (${uriOf(file)})`,
      );
    }
    assert.equal(client.child.exitCode, null, 'server exited');
    assert.doesNotMatch(client.stderr, /Unhandled|FATAL|RangeError: Maximum call stack/);
  } finally {
    await client.stop();
  }
});
