// `Kern: Run Llama Demo`: runs the Llama engine on the selected device with progress, streams tokens to the
// output channel, then opens the run's timeline and the Llama 3.1 8B what-if side by side.
import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import type { Handler } from './commands';
import { makeNonce, ProfilerPanel } from './panel';
import { openDevice } from '../driver/open';
import { loadProfile } from '../driver/profiles';
import { computeRoofline, summarize } from '../driver/trace';
import { DEFAULT_PROMPT, decodeEvents, printableToken, runLlama, type LlamaRunResult } from '../kernels/llama/engine';
import { projectLlama } from '../kernels/llama/project';
import { ensureTinyModel } from '../kernels/llama/tiny-model';
import { renderWhatIfHtml } from '../webview/whatif-html';

export const runLlamaDemo = (ctx: Ctx): Handler => async () => {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('Running kernels is disabled in an untrusted workspace. Trust the workspace to run the Llama demo.');
    return undefined;
  }
  const configured = ctx.config.get<string>('llama.modelPath', '').trim();
  const tokens = Math.max(1, Math.min(4096, Math.floor(ctx.config.get<number>('llama.tokens', 32))));
  const spec = ctx.deviceSpec();
  let device;
  try {
    device = await openDevice(spec, { timeLimitMs: ctx.config.get<number>('runTimeLimitMs', 10_000), profiles: ctx.extraProfilePaths() });
  } catch (err) {
    void vscode.window.showErrorMessage(`Cannot open device ${spec}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
  const info = device.info();
  let result: LlamaRunResult;
  try {
    const model = configured || ensureTinyModel('q8_0');
    ctx.output.appendLine(`Llama demo on ${info.name}: ${configured ? model : 'the generated tiny model (random weights: the text is noise; the kernels and timings are real)'}`);
    ctx.output.appendLine(`prompt: ${DEFAULT_PROMPT}`);
    ctx.output.show(true);
    let text = '';
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Llama demo on ${info.name}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return runLlama({
          model,
          device: device!,
          prompt: DEFAULT_PROMPT,
          tokens,
          signal: abort.signal,
          onToken: (e) => {
            // Random weights make noise tokens: show control characters and broken UTF-8 as visible dots.
            text += printableToken(e.text);
            progress.report({ message: `token ${e.index + 1}/${tokens}`, increment: 100 / tokens });
          },
        });
      },
    );
    ctx.output.appendLine(`output: ${text}`);
    ctx.output.appendLine(
      `load ${result.load_ms.toFixed(1)} ms · prompt ${result.prompt_tok_s.toFixed(0)} tok/s · decode ${result.decode_tok_s.toFixed(1)} tok/s · ` +
        `TTFT ${result.ttft_ms.toFixed(2)} ms · ${result.kernels_per_token} kernels, ${result.syncs_per_token} syncs, ${result.link_bytes_per_token} link bytes per token (${result.stop})`,
    );
  } catch (err) {
    void vscode.window.showErrorMessage(`Llama demo failed: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  } finally {
    await device.dispose().catch(() => undefined);
  }

  const decoded = decodeEvents(result);
  const events = decoded.length ? decoded : result.events;
  ProfilerPanel.createOrShow(
    ctx.extension.extensionUri,
    'llama-demo',
    'Llama · decode timeline',
    { device: info, runName: 'llama decode', file: result.model, events, summary: summarize(events, info), roofline: computeRoofline(events, info) },
    vscode.ViewColumn.Two,
    (m) => ctx.output.appendLine(m),
  );
  const projectionDevice = info.backend === 'sim' ? info : loadProfile('rtx5090-usb4', ctx.extraProfilePaths());
  const projection = projectLlama({ model: 'llama-3.1-8b', quant: 'q4_0', device: projectionDevice });
  const whatIf = vscode.window.createWebviewPanel('egpu.whatif', `What-if: ${projection.title}`, { viewColumn: vscode.ViewColumn.Three, preserveFocus: true }, { enableScripts: false, localResourceRoots: [] });
  whatIf.webview.html = renderWhatIfHtml(projection, makeNonce());
  ctx.push(whatIf);
  for (const line of projection.explanation) ctx.output.appendLine(line);
  return { result, projection };
};

