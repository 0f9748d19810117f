// The profiler panel host: one class per panel (createOrShow, revive, dispose). The webview only draws;
// this side posts the engine's computed profile and answers the panel's typed messages.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { renderPanelHtml } from '../webview/html';
import { isPanelMessage, type ProfileData } from '../webview/protocol';

export const PROFILER_VIEW_TYPE = 'egpu.profiler';

export class ProfilerPanel {
  private static readonly panels = new Map<string, ProfilerPanel>();
  private data: ProfileData | undefined;
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];

  /** Shows (or reuses) the panel for `key` and draws `data` in it. */
  static createOrShow(extensionUri: vscode.Uri, key: string, title: string, data: ProfileData, column = vscode.ViewColumn.Beside, log?: (m: string) => void): ProfilerPanel {
    const existing = ProfilerPanel.panels.get(key);
    if (existing) {
      existing.panel.title = title;
      existing.panel.reveal(column, true);
      existing.show(data);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(PROFILER_VIEW_TYPE, title, { viewColumn: column, preserveFocus: true }, ProfilerPanel.options(extensionUri));
    const p = new ProfilerPanel(panel, extensionUri, key, log);
    p.show(data);
    return p;
  }

  /** Restores a panel after a window reload (the serializer hands back the last posted state). */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, state: unknown, log?: (m: string) => void): ProfilerPanel {
    panel.webview.options = ProfilerPanel.options(extensionUri);
    const p = new ProfilerPanel(panel, extensionUri, `revived:${Date.now()}`, log);
    const data = (state as { profile?: ProfileData } | undefined)?.profile;
    if (data) p.show(data);
    return p;
  }

  static get all(): ProfilerPanel[] {
    return [...ProfilerPanel.panels.values()];
  }

  private static options(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')] };
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly key: string,
    private readonly log?: (m: string) => void,
  ) {
    ProfilerPanel.panels.set(key, this);
    const webview = panel.webview;
    const nonce = makeNonce();
    const base = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    webview.html = renderPanelHtml({
      cspSource: webview.cspSource,
      nonce,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(base, 'main.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(base, 'main.css')).toString(),
      title: panel.title,
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
    );
  }

  get profile(): ProfileData | undefined {
    return this.data;
  }

  show(data: ProfileData): void {
    this.data = data;
    if (this.ready) void this.panel.webview.postMessage({ type: 'profile', data });
  }

  private onMessage(message: unknown): void {
    if (!isPanelMessage(message)) {
      this.log?.(`profiler panel: ignored a malformed message: ${safeJson(message)}`);
      return;
    }
    switch (message.type) {
      case 'ready':
        this.ready = true;
        if (this.data) void this.panel.webview.postMessage({ type: 'profile', data: this.data });
        break;
      case 'jumpToSource':
        void jumpTo(message.file, message.line, message.column);
        break;
      case 'exportTrace':
        void vscode.commands.executeCommand('egpu.exportTrace');
        break;
      case 'log':
        this.log?.(`profiler panel [${message.level}]: ${message.message}`);
        break;
    }
  }

  dispose(): void {
    ProfilerPanel.panels.delete(this.key);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

async function jumpTo(file: string, line: number, column: number): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const pos = new vscode.Position(Math.max(0, line - 1), Math.max(0, column - 1));
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.One });
}

/** A fresh CSP nonce for one webview page (unguessable: from the crypto RNG). */
export function makeNonce(): string {
  return randomBytes(18).toString('base64url');
}

function safeJson(x: unknown): string {
  try {
    return JSON.stringify(x)?.slice(0, 200) ?? String(x);
  } catch {
    return String(x);
  }
}
