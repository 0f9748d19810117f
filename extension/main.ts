// Extension entry point: wires the context, the language client, commands, CodeLens, status bar and the
// profiler panel serializer together. Everything else lives in ctx.ts, commands.ts, codelens.ts, panel.ts.
import * as vscode from 'vscode';
import { Ctx } from './ctx';
import * as commands from './commands';
import { runLlamaDemo } from './llama';
import { RunCodeLensProvider } from './codelens';
import { PROFILER_VIEW_TYPE, ProfilerPanel } from './panel';

export interface ExtensionApi {
  ctx: Ctx;
}

export async function activate(extension: vscode.ExtensionContext): Promise<ExtensionApi> {
  const ctx = new Ctx(extension);
  extension.subscriptions.push(ctx);
  try {
    const register = (id: string, handler: commands.Handler) => ctx.push(vscode.commands.registerCommand(id, handler));
    register('egpu.run', commands.run(ctx));
    register('egpu.profile', commands.profile(ctx));
    register('egpu.selectDevice', commands.selectDevice(ctx));
    register('egpu.showPtx', commands.showGenerated(ctx, 'ptx'));
    register('egpu.showJs', commands.showGenerated(ctx, 'js'));
    register('egpu.exportTrace', commands.exportTrace(ctx));
    register('egpu.openTimeline', commands.openTimeline(ctx));
    register('egpu.runLlamaDemo', runLlamaDemo(ctx));
    register('egpu.restartServer', commands.restartServer(ctx));

    const lenses = new RunCodeLensProvider();
    ctx.push(vscode.languages.registerCodeLensProvider({ language: 'kern' }, lenses));
    ctx.push(
      vscode.window.registerWebviewPanelSerializer(PROFILER_VIEW_TYPE, {
        async deserializeWebviewPanel(panel, state) {
          ProfilerPanel.revive(panel, extension.extensionUri, state, (m) => ctx.output.appendLine(m));
        },
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('egpu')) ctx.refreshStatusBar();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => ctx.refreshStatusBar()),
    );
    ctx.refreshStatusBar();
    await ctx.startLanguageServer();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    ctx.output.appendLine(`eGPU Kernel Studio failed to activate: ${message}`);
    void vscode.window.showErrorMessage(`eGPU Kernel Studio failed to activate: ${message}`);
  }
  return { ctx };
}

export function deactivate(): void {
  // The Ctx is disposed through extension.subscriptions.
}
