// `egpu lsp --stdio` runs the same server (re-run with the server's Node flags); without --stdio it prints usage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { REPO } from './harness';

const CLI = path.join(REPO, 'cli/main.ts');

test('egpu lsp --stdio answers initialize and exits 0 after shutdown/exit', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'lsp', '--stdio'], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  connection.listen();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const init = await connection.sendRequest<{ capabilities: Record<string, unknown>; serverInfo: { name: string } }>('initialize', { processId: null, rootUri: null, capabilities: {} });
  assert.equal(init.serverInfo.name, 'kern-language-server');
  assert.equal(init.capabilities.hoverProvider, true);
  assert.equal(init.capabilities.documentFormattingProvider, true);
  await connection.sendRequest('shutdown');
  await connection.sendNotification('exit');
  assert.equal(await exited, 0);
  connection.dispose();
});

test('egpu lsp without --stdio prints usage and exits 2', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'lsp'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /usage: egpu lsp --stdio/);
});
