// Test harness: starts the real Kern language server as a child process and talks LSP to it over stdio
// with vscode-jsonrpc, the same way an editor does.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { Diagnostic, PublishDiagnosticsParams, Position, Range } from 'vscode-languageserver-protocol';
import { SERVER_NODE_FLAGS } from '../../language-server/protocol';

export const REPO = path.resolve(__dirname, '../..');
export const FIXTURES = path.join(__dirname, 'fixtures');

export function uriOf(file: string): string {
  return pathToFileURL(file).toString();
}

export interface ServerOptions {
  root?: string;
  initializationOptions?: Record<string, unknown>;
}

export class LspClient {
  private readonly diagnostics = new Map<string, { version: number | undefined; diagnostics: Diagnostic[]; count: number }>();
  private readonly waiters: (() => void)[] = [];
  private readonly versions = new Map<string, number>();
  readonly texts = new Map<string, string>();
  stderr = '';

  constructor(readonly connection: MessageConnection, readonly child: ChildProcess) {
    connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      const prev = this.diagnostics.get(p.uri);
      this.diagnostics.set(p.uri, { version: p.version, diagnostics: p.diagnostics, count: (prev?.count ?? 0) + 1 });
      for (const w of this.waiters.splice(0)) w();
    });
    connection.onNotification('window/logMessage', () => {});
    connection.onNotification('window/showMessage', () => {});
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('workspace/configuration', () => []);
    connection.onRequest('window/workDoneProgress/create', () => null);
  }

  request<R = unknown>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest(method, params) as Promise<R>;
  }

  notify(method: string, params: unknown): Promise<void> {
    return this.connection.sendNotification(method, params);
  }

  async open(file: string, text?: string): Promise<string> {
    const uri = uriOf(file);
    const content = text ?? readFileSync(file, 'utf8');
    this.versions.set(uri, 1);
    this.texts.set(uri, content);
    await this.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'kern', version: 1, text: content } });
    return uri;
  }

  /** Applies one incremental edit, as an editor does. */
  async edit(uri: string, range: Range, newText: string): Promise<number> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    const text = this.texts.get(uri) ?? '';
    this.texts.set(uri, applyEdit(text, range, newText));
    await this.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range, text: newText }] });
    return version;
  }

  async replaceAll(uri: string, text: string): Promise<number> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    this.texts.set(uri, text);
    await this.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    return version;
  }

  version(uri: string): number {
    return this.versions.get(uri) ?? 0;
  }

  /** Waits for diagnostics of `uri` for at least document version `version` (or any, when undefined). */
  async waitDiagnostics(uri: string, version?: number, timeoutMs = 10_000): Promise<Diagnostic[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = this.diagnostics.get(uri);
      if (d && (version === undefined || (d.version ?? 0) >= version)) return d.diagnostics;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no diagnostics for ${uri} (version ${version}) within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits until a new publication for `uri` arrives (after the call). */
  async nextDiagnostics(uri: string, timeoutMs = 10_000): Promise<Diagnostic[]> {
    const before = this.diagnostics.get(uri)?.count ?? 0;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = this.diagnostics.get(uri);
      if (d && d.count > before) return d.diagnostics;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no new diagnostics for ${uri} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.request('shutdown', null), new Promise((r) => setTimeout(r, 2000))]);
      await this.notify('exit', null);
    } catch {
      // already gone
    }
    this.connection.dispose();
    if (this.child.exitCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.child.kill();
          resolve();
        }, 2000);
        this.child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

export function applyEdit(text: string, range: Range, newText: string): string {
  return text.slice(0, offsetAt(text, range.start)) + newText + text.slice(offsetAt(text, range.end));
}

export function offsetAt(text: string, pos: Position): number {
  let line = 0;
  let i = 0;
  while (line < pos.line && i < text.length) {
    const nl = text.indexOf('\n', i);
    if (nl < 0) return text.length;
    i = nl + 1;
    line++;
  }
  const lineEnd = text.indexOf('\n', i);
  return Math.min(i + pos.character, lineEnd < 0 ? text.length : lineEnd);
}

export function positionAt(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

/** Position of the `nth` occurrence of `needle` in `text` (plus `delta` characters). */
export function find(text: string, needle: string, nth = 0, delta = 0): Position {
  let at = -1;
  for (let k = 0; k <= nth; k++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`'${needle}' (#${nth}) not in text`);
  }
  return positionAt(text, at + delta);
}

/** Spawns `node --import tsx language-server/main.ts --stdio` (or dist/server.js with KERN_LSP_BUNDLE=1) and initializes it. */
export async function startServer(options: ServerOptions = {}): Promise<LspClient> {
  const useBundle = process.env.KERN_LSP_BUNDLE === '1';
  // With the flags the extension and `egpu lsp` give the server process.
  const args = useBundle
    ? [...SERVER_NODE_FLAGS, path.join(REPO, 'dist/server.js'), '--stdio']
    : [...SERVER_NODE_FLAGS, '--import', 'tsx', path.join(REPO, 'language-server/main.ts'), '--stdio'];
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const client = new LspClient(connection, child);
  child.stderr!.on('data', (d: Buffer) => {
    client.stderr += d.toString();
  });
  connection.listen();
  const root = options.root ?? FIXTURES;
  await client.request('initialize', {
    processId: process.pid,
    rootUri: uriOf(root),
    workspaceFolders: [{ uri: uriOf(root), name: path.basename(root) }],
    capabilities: {
      textDocument: {
        synchronization: { dynamicRegistration: false },
        hover: { contentFormat: ['markdown', 'plaintext'] },
        completion: { completionItem: { snippetSupport: true } },
        publishDiagnostics: { relatedInformation: true, versionSupport: true },
      },
      workspace: { workspaceFolders: true },
    },
    initializationOptions: { diagnosticsDelayMs: 20, ...(options.initializationOptions ?? {}) },
  });
  await client.notify('initialized', {});
  return client;
}
