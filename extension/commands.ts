// Every command of the extension, each a small factory `(ctx) => handler`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { ProfilerPanel } from './panel';
import { checkProgram } from '../kernels/lang/index';
import { nodeSourceHost } from '../driver/source-host';
import { openDevice } from '../driver/open';
import { listProfiles } from '../driver/profiles';
import { runProgram, type RunResult } from '../driver/runner';
import { toChromeTrace } from '../driver/trace';
import { formatRunReport } from '../driver/report';
import type { DeviceInfo } from '../driver/device';
import { renderPtx } from '../kernels/codegen/ptx';
import { renderKernelJs } from '../kernels/codegen/js';
import type { ProfileData } from '../webview/protocol';

export type Handler = (...args: any[]) => unknown;

const UNTRUSTED = 'Running kernels, reading file() inputs and loading libcuda are disabled in an untrusted workspace. Trust the workspace to run.';

/** The .kern document a command acts on: the URI given (CodeLens), else the active editor. */
async function targetDocument(uri?: vscode.Uri): Promise<vscode.TextDocument | undefined> {
  if (uri instanceof vscode.Uri) return vscode.workspace.openTextDocument(uri);
  const doc = vscode.window.activeTextEditor?.document;
  if (doc && (doc.languageId === 'kern' || doc.fileName.endsWith('.kern'))) return doc;
  void vscode.window.showWarningMessage('Open a .kern file first.');
  return undefined;
}

/** Compiles a file, reading open (possibly unsaved) documents from the editor. */
function compile(doc: vscode.TextDocument, limits?: DeviceInfo['limits']) {
  const open = new Map(vscode.workspace.textDocuments.map((d) => [d.uri.fsPath, d.getText()]));
  const host = nodeSourceHost((p) => open.get(p));
  return checkProgram(doc.uri.fsPath, host, limits ? { limits } : undefined);
}

/** Runs the file's run blocks (or one) with progress and cancel; optionally opens the profiler. */
async function runFile(ctx: Ctx, uri: vscode.Uri | undefined, runName: string | undefined, profile: boolean): Promise<Ctx['lastRun']> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(UNTRUSTED);
    return undefined;
  }
  const doc = await targetDocument(uri);
  if (!doc) return undefined;
  const file = doc.uri.fsPath;
  const spec = ctx.deviceSpec();
  const timeLimitMs = ctx.config.get<number>('runTimeLimitMs', 10_000);
  ctx.runtimeDiagnostics.delete(doc.uri);
  let device;
  try {
    device = await openDevice(spec, { timeLimitMs, profiles: ctx.extraProfilePaths() });
  } catch (err) {
    void vscode.window.showErrorMessage(`Cannot open device ${spec}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
  try {
    const checked = compile(doc, device.info().limits);
    if (!checked.program) {
      const errors = checked.diagnostics.filter((d) => d.severity === 'error').length;
      void vscode.window.showErrorMessage(`${path.basename(file)} has ${errors} error(s); fix them to run.`, 'Show Problems').then((c) => {
        if (c) void vscode.commands.executeCommand('workbench.actions.view.problems');
      });
      return undefined;
    }
    const program = checked.program;
    const title = runName ? `Running ${runName}` : `Running ${path.basename(file)}`;
    const results = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `${title} on ${device.info().name}`, cancellable: true },
      async (_progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return runProgram(program, device!, {
          runName,
          baseDir: path.dirname(file),
          readFile: (p) => fs.readFileSync(p),
          signal: abort.signal,
        });
      },
    );
    for (const line of formatRunReport(results, device.info()).trimEnd().split('\n')) ctx.output.appendLine(line);
    ctx.output.show(true);
    reportRuntimeFaults(ctx, doc, results);
    const info = device.info();
    ctx.lastRun = { file, device: info, results };
    const failed = results.filter((r) => r.error || r.expects.some((e) => !e.pass));
    if (failed.length) void vscode.window.showWarningMessage(`${failed.length} run(s) failed: ${failed.map((r) => r.name).join(', ')} — see the Kern output.`);
    // ▶ Run shows the timeline beside the editor without taking focus; ⏱ Profile also brings it to the front.
    for (const r of results) openProfile(ctx, file, info, r, profile);
    return ctx.lastRun;
  } catch (err) {
    void vscode.window.showErrorMessage(`Run failed: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  } finally {
    await device.dispose().catch(() => undefined);
  }
}

function reportRuntimeFaults(ctx: Ctx, doc: vscode.TextDocument, results: RunResult[]): void {
  const byFile = new Map<string, vscode.Diagnostic[]>();
  for (const r of results) {
    const err = r.error;
    if (!err || err.line === undefined) continue;
    const line = Math.max(0, err.line - 1);
    const col = Math.max(0, (err.column ?? 1) - 1);
    const d = new vscode.Diagnostic(new vscode.Range(line, col, line, col + 1), `run ${r.name}: ${err.message}`, vscode.DiagnosticSeverity.Error);
    d.source = 'kern runtime';
    const f = err.file ?? doc.uri.fsPath;
    byFile.set(f, [...(byFile.get(f) ?? []), d]);
  }
  for (const [f, ds] of byFile) ctx.runtimeDiagnostics.set(vscode.Uri.file(f), ds);
}

export function profileData(file: string, device: DeviceInfo, r: RunResult): ProfileData {
  return { device, runName: r.name, file, events: r.events, summary: r.summary, roofline: r.roofline, expects: r.expects, error: r.error };
}

function openProfile(ctx: Ctx, file: string, device: DeviceInfo, r: RunResult, focus = false): void {
  const panel = ProfilerPanel.createOrShow(ctx.extension.extensionUri, `${file}#${r.name}`, `Timeline · ${r.name}`, profileData(file, device, r), vscode.ViewColumn.Beside, (m) => ctx.output.appendLine(m));
  if (focus) panel.panel.reveal(undefined, false);
}

export const run = (ctx: Ctx): Handler => (uri?: vscode.Uri, runName?: string) => runFile(ctx, uri, runName, false);
export const profile = (ctx: Ctx): Handler => (uri?: vscode.Uri, runName?: string) => runFile(ctx, uri, runName, true);

export const selectDevice = (ctx: Ctx): Handler => async () => {
  type Item = vscode.QuickPickItem & { spec: string };
  const items: Item[] = [];
  try {
    for (const p of listProfiles(ctx.extraProfilePaths())) {
      items.push({
        spec: p.id,
        label: `$(vm) ${p.name}`,
        description: p.id,
        detail: `${p.gpu} · link ${p.ceilings.linkH2DGBps} GB/s · memory ${p.ceilings.memoryGBps} GB/s · ${(p.memoryBytes / 2 ** 30).toFixed(0)} GiB`,
      });
    }
  } catch (err) {
    void vscode.window.showErrorMessage(`Device profiles: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (vscode.workspace.isTrusted) {
    try {
      const { probeCuda } = await import('../driver/cuda/index');
      const probe = await probeCuda();
      if (probe.ok) {
        ctx.rememberCudaDevices(probe.devices);
        for (const d of probe.devices) {
          items.push({ spec: d.id, label: `$(circuit-board) ${d.gpu}`, description: d.id, detail: `${(d.memoryBytes / 2 ** 30).toFixed(0)} GiB · ${d.link} · sm ${d.computeCapability ?? '?'}` });
        }
      } else {
        items.push({ spec: '', label: '$(info) No CUDA device', description: probe.reason, detail: 'The simulated devices stay available.' });
      }
    } catch (err) {
      items.push({ spec: '', label: '$(info) No CUDA device', description: err instanceof Error ? err.message : String(err) });
    }
  } else {
    items.push({ spec: '', label: '$(shield) CUDA devices hidden', description: 'loading libcuda is disabled in an untrusted workspace' });
  }
  const current = ctx.deviceSpec();
  for (const i of items) if (i.spec === current) i.label += '  $(check)';
  const pick = await vscode.window.showQuickPick(items, { title: 'Select the eGPU device', matchOnDescription: true, matchOnDetail: true });
  if (pick?.spec) await ctx.setDeviceSpec(pick.spec);
  return pick?.spec;
};

export const showGenerated = (ctx: Ctx, target: 'ptx' | 'js'): Handler => async (uri?: vscode.Uri) => {
  const doc = await targetDocument(uri);
  if (!doc) return;
  const checked = compile(doc);
  if (!checked.program) {
    void vscode.window.showErrorMessage(`${path.basename(doc.fileName)} has errors; fix them to see generated code.`);
    return;
  }
  const kernels = checked.program.kernels;
  const content = target === 'ptx' ? renderPtx(kernels) : kernels.map((k) => renderKernelJs(k)).join('\n\n');
  const out = await vscode.workspace.openTextDocument({ content, language: target === 'ptx' ? 'ptx' : 'javascript' });
  await vscode.window.showTextDocument(out, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  ctx.output.appendLine(`Generated ${target.toUpperCase()} for ${kernels.length} kernel(s) of ${path.basename(doc.fileName)}.`);
};

export const exportTrace = (ctx: Ctx): Handler => async (target?: vscode.Uri) => {
  const last = ctx.lastRun;
  if (!last) {
    void vscode.window.showInformationMessage('Nothing to export yet: run or profile a .kern file first.');
    return undefined;
  }
  const uri =
    target instanceof vscode.Uri
      ? target
      : await vscode.window.showSaveDialog({
          defaultUri: vscode.Uri.file(last.file.replace(/\.kern$/, '') + '.trace.json'),
          filters: { 'Chrome trace (Perfetto)': ['json'] },
        });
  if (!uri) return undefined;
  const events = last.results.flatMap((r) => r.events);
  const trace = toChromeTrace(events, last.device);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(JSON.stringify(trace)));
  void vscode.window.showInformationMessage(`Trace written to ${uri.fsPath} — open it in ui.perfetto.dev or chrome://tracing.`);
  return uri;
};

export const openTimeline = (ctx: Ctx): Handler => async () => {
  const last = ctx.lastRun;
  if (!last) {
    void vscode.window.showInformationMessage('No timeline yet: run or profile a .kern file first.');
    return;
  }
  for (const r of last.results) openProfile(ctx, last.file, last.device, r, true);
};

export const restartServer = (ctx: Ctx): Handler => async () => {
  await ctx.startLanguageServer();
  void vscode.window.showInformationMessage('Kern language server restarted.');
};
