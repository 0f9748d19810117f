// The extension's context object: owns the language client, the output channel, the status bar, the
// runtime-fault diagnostics and every disposable. Commands receive it; main.ts only wires things together.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import type { DeviceInfo } from '../driver/device';
import { DEFAULT_PROFILE, listProfiles, type ProfileSource } from '../driver/profiles';
import { SERVER_NODE_FLAGS, SET_DEVICE_NOTIFICATION, type SetDeviceParams } from '../language-server/protocol';
import type { RunResult } from '../driver/runner';

/** The last run of each file, for Export Trace and Open Timeline. */
export interface LastRun {
  file: string;
  device: DeviceInfo;
  results: RunResult[];
}

export class Ctx implements vscode.Disposable {
  readonly output: vscode.LogOutputChannel;
  readonly runtimeDiagnostics: vscode.DiagnosticCollection;
  readonly statusBar: vscode.StatusBarItem;
  client: LanguageClient | undefined;
  lastRun: LastRun | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private cudaDevices: DeviceInfo[] = [];

  constructor(readonly extension: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('Kern', { log: true });
    this.runtimeDiagnostics = vscode.languages.createDiagnosticCollection('kern-runtime');
    this.statusBar = vscode.window.createStatusBarItem('egpu.device', vscode.StatusBarAlignment.Left, 50);
    this.statusBar.name = 'eGPU device';
    this.statusBar.command = 'egpu.selectDevice';
    this.disposables.push(this.output, this.runtimeDiagnostics, this.statusBar);
  }

  push(...d: vscode.Disposable[]): void {
    this.disposables.push(...d);
  }

  get config(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('egpu');
  }

  /**
   * Extra profiles from the settings: file paths (resolved against the first workspace folder) or inline
   * profile objects. Profile files are user input read from disk, so an untrusted workspace gets none.
   */
  extraProfilePaths(): ProfileSource[] {
    if (!vscode.workspace.isTrusted) return [];
    const raw = this.config.get<unknown[]>('deviceProfiles', []);
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
    return (Array.isArray(raw) ? raw : []).flatMap((p): ProfileSource[] => {
      if (typeof p === 'string') return [path.isAbsolute(p) ? p : path.join(root, p)];
      if (typeof p === 'object' && p !== null && !Array.isArray(p)) return [p as Record<string, unknown>];
      return [];
    });
  }

  /** The device spec in use: the one picked this session, else the setting, else the default profile. */
  deviceSpec(): string {
    const picked = this.extension.workspaceState.get<string>('egpu.device');
    return picked ?? this.config.get<string>('defaultDevice', `sim:${DEFAULT_PROFILE}`);
  }

  async setDeviceSpec(spec: string): Promise<void> {
    await this.extension.workspaceState.update('egpu.device', spec);
    this.refreshStatusBar();
    this.notifyServerOfDevice();
  }

  rememberCudaDevices(devices: DeviceInfo[]): void {
    this.cudaDevices = devices;
  }

  /** The DeviceInfo for the current spec, if known without opening the device. */
  deviceInfo(): DeviceInfo | undefined {
    const spec = this.deviceSpec();
    if (spec.startsWith('cuda:')) return this.cudaDevices.find((d) => d.id === spec);
    const id = spec === 'sim' ? `sim:${DEFAULT_PROFILE}` : spec;
    try {
      return listProfiles(this.extraProfilePaths()).find((p) => p.id === id);
    } catch {
      return undefined;
    }
  }

  refreshStatusBar(): void {
    const spec = this.deviceSpec();
    const info = this.deviceInfo();
    if (info) {
      const short = info.backend === 'sim' ? `${info.name.replace(/ \(sim\)$/, '')} (sim)` : `${info.gpu} · ${info.ceilings.linkH2DGBps.toFixed(0)} GB/s`;
      this.statusBar.text = `$(circuit-board) eGPU: ${short}`;
      this.statusBar.tooltip = new vscode.MarkdownString(
        `**${info.name}**\n\n${info.gpu}\n\nLink: ${info.link} — ${info.ceilings.linkH2DGBps} GB/s\n\n` +
          `Memory: ${info.ceilings.memoryGBps} GB/s · FP32: ${info.ceilings.fp32TFLOPS} TFLOPS\n\nClick to change the device.`,
      );
    } else {
      this.statusBar.text = `$(circuit-board) eGPU: ${spec}`;
      this.statusBar.tooltip = 'Click to change the device.';
    }
    this.statusBar.show();
  }

  notifyServerOfDevice(): void {
    const params = this.deviceParams();
    if (this.client && params) void this.client.sendNotification(SET_DEVICE_NOTIFICATION, params).catch(() => undefined);
  }

  /** What the server needs to know of the selected device for its kernel hovers. */
  private deviceParams(): SetDeviceParams | undefined {
    const info = this.deviceInfo();
    if (!info) return undefined;
    const { linkH2DGBps, linkD2HGBps, memoryGBps, fp32TFLOPS } = info.ceilings;
    return { name: info.name, ceilings: { linkH2DGBps, linkD2HGBps, memoryGBps, fp32TFLOPS } };
  }

  /** Starts (or restarts) the bundled language server; failures are shown, not only logged. */
  async startLanguageServer(): Promise<void> {
    if (this.client) {
      const old = this.client;
      this.client = undefined;
      await old.stop().catch(() => undefined);
    }
    const serverModule = this.extension.asAbsolutePath(path.join('dist', 'server.js'));
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_FLAGS] } },
      debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_FLAGS] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ language: 'kern' }],
      outputChannel: this.output,
      initializationOptions: { device: this.deviceParams() },
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.kern') },
    };
    const client = new LanguageClient('kern', 'Kern Language Server', serverOptions, clientOptions);
    this.client = client;
    try {
      await client.start();
      this.notifyServerOfDevice();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.output.appendLine(`Kern language server failed to start: ${message}`);
      const choice = await vscode.window.showErrorMessage(`Kern language server failed to start: ${message}`, 'Restart', 'Show Log');
      if (choice === 'Restart') await vscode.commands.executeCommand('egpu.restartServer');
      else if (choice === 'Show Log') this.output.show();
    }
  }

  dispose(): void {
    void this.client?.stop().catch(() => undefined);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
