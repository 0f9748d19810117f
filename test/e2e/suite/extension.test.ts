// Integration tests inside the real extension host: commands, language client, diagnostics, CodeLens,
// a Run that produces a trace, and the profiler panel.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const EXT_ID = 'egpu-studio.egpu-kernel-studio';

function workspaceFile(name: string): vscode.Uri {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(root, 'the test workspace folder is open');
  return vscode.Uri.file(path.join(root, name));
}

async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v as T;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('eGPU Kernel Studio in VS Code', () => {
  before(async () => {
    const doc = await vscode.workspace.openTextDocument(workspaceFile('small.kern'));
    await vscode.window.showTextDocument(doc);
    const ext = vscode.extensions.getExtension(EXT_ID);
    assert.ok(ext, `extension ${EXT_ID} is installed`);
    await ext.activate();
  });

  it('registers its commands', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const c of ['egpu.run', 'egpu.profile', 'egpu.selectDevice', 'egpu.showPtx', 'egpu.showJs', 'egpu.exportTrace', 'egpu.openTimeline', 'egpu.runLlamaDemo', 'egpu.restartServer']) {
      assert.ok(all.includes(c), `command ${c} registered`);
    }
  });

  it('starts the language client', async () => {
    const api = vscode.extensions.getExtension(EXT_ID)!.exports as { ctx: { client?: { isRunning(): boolean } } };
    await waitFor('the language client to run', () => api.ctx.client?.isRunning());
  });

  it('shows diagnostics for a broken file', async () => {
    const uri = workspaceFile('broken.kern');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const diags = await waitFor('diagnostics on broken.kern', () => {
      const d = vscode.languages.getDiagnostics(uri);
      return d.length > 0 ? d : undefined;
    });
    const unknown = diags.find((d) => /undefined_name/.test(d.message));
    assert.ok(unknown, `a diagnostic names undefined_name: ${diags.map((d) => d.message).join('; ')}`);
    assert.equal(unknown.range.start.line, 4);
    assert.equal(unknown.severity, vscode.DiagnosticSeverity.Error);
  });

  it('provides ▶ Run and ⏱ Profile CodeLenses on run blocks', async () => {
    const uri = workspaceFile('small.kern');
    const lenses = await waitFor('CodeLenses', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      return l && l.length > 0 ? l : undefined;
    });
    const titles = lenses.map((l) => l.command?.title);
    assert.ok(titles.includes('▶ Run'), `titles: ${titles.join(', ')}`);
    assert.ok(titles.includes('⏱ Profile'));
    const run = lenses.find((l) => l.command?.title === '▶ Run')!;
    assert.equal(run.range.start.line, 8, 'the lens sits on the run block');
    assert.deepEqual(run.command!.arguments?.[1], 'small');
  });

  it('runs a file and exports its trace', async () => {
    const uri = workspaceFile('small.kern');
    const last = (await vscode.commands.executeCommand('egpu.run', uri, 'small')) as { results: { name: string; error: unknown; expects: { pass: boolean }[]; events: { kind: string }[] }[] } | undefined;
    assert.ok(last, 'egpu.run returned the run');
    assert.equal(last.results.length, 1);
    const r = last.results[0]!;
    assert.equal(r.error, null);
    assert.ok(r.expects.length === 1 && r.expects[0]!.pass, 'the expect passed');
    assert.deepEqual([...new Set(r.events.map((e) => e.kind))].sort(), ['d2h', 'h2d', 'kernel']);
    const out = workspaceFile('small.trace.json');
    await vscode.commands.executeCommand('egpu.exportTrace', out);
    const trace = JSON.parse(fs.readFileSync(out.fsPath, 'utf8')) as { traceEvents: { ph: string; name: string }[] };
    assert.ok(trace.traceEvents.some((e) => e.ph === 'X' && e.name === 'scale'), 'the kernel is in the Chrome trace');
  });

  it('opens the profiler panel for a profiled run', async () => {
    const uri = workspaceFile('small.kern');
    await vscode.commands.executeCommand('egpu.profile', uri, 'small');
    await waitFor('the profiler tab', () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label.includes('Timeline · small')),
    );
  });
});
