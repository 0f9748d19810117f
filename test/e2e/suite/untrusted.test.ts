// Runs in a workspace that is NOT trusted: language features work, running kernels is refused.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';

describe('eGPU Kernel Studio in an untrusted workspace', () => {
  it('is untrusted', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  it('still gives diagnostics', async () => {
    const root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const uri = vscode.Uri.file(path.join(root, 'broken.kern'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const start = Date.now();
    while (vscode.languages.getDiagnostics(uri).length === 0) {
      if (Date.now() - start > 30_000) throw new Error('no diagnostics in the untrusted workspace');
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  it('refuses to run kernels', async () => {
    const root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const uri = vscode.Uri.file(path.join(root, 'small.kern'));
    const result = await vscode.commands.executeCommand('egpu.run', uri, 'small');
    assert.equal(result, undefined, 'no run happened');
  });
});
