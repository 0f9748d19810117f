// The Llama what-if panel: a static page (no script) that draws the engine's projection — decode tok/s with
// weights resident in VRAM vs streamed over the link, and where each token's time goes.
import { doesNotFit, type ProjectionCase, type ProjectionResult } from '../kernels/llama/project';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function shareBar(c: ProjectionCase): string {
  const parts: [keyof ProjectionCase['share'], string][] = [['link', 'link transfers'], ['kernels', 'kernels'], ['launch', 'launch latency'], ['sync', 'sync round trips']];
  const segs = parts
    .filter(([k]) => c.share[k] > 0.0005)
    .map(([k, label]) => `<div class="seg ${k}" style="width:${(c.share[k] * 100).toFixed(2)}%" title="${label}: ${c.ms[k].toFixed(2)} ms (${(c.share[k] * 100).toFixed(1)}%)"></div>`)
    .join('');
  const legend = parts.map(([k, label]) => `<span class="key ${k}"></span>${label} ${(c.share[k] * 100).toFixed(1)}%`).join(' &nbsp; ');
  return `<div class="bar">${segs}</div><div class="legend">${legend}</div>`;
}

function caseBlock(title: string, p: ProjectionResult, c: ProjectionCase, max: number): string {
  const misfit = c.fits ? '' : `<p class="misfit">Does not fit: ${esc(doesNotFit(p, c))}. The numbers below are what a card with enough memory would reach.</p>`;
  return `<section>
  <h2>${esc(title)}</h2>${misfit}
  <div class="big">${c.decode_tok_s >= 100 ? c.decode_tok_s.toFixed(0) : c.decode_tok_s.toFixed(2)} <small>tok/s</small></div>
  <div class="speed"><div style="width:${Math.max(0.5, (c.decode_tok_s / max) * 100).toFixed(2)}%"></div></div>
  <p>${c.ms_per_token.toFixed(2)} ms per token · ${c.kernels_per_token} kernels · ${c.syncs_per_token} host round trip · ${(c.link_bytes_per_token / 1e9).toFixed(2)} GB over the link</p>
  ${shareBar(c)}
</section>`;
}

/** A complete HTML page with a CSP that allows no script and only inline styles with the nonce. */
export function renderWhatIfHtml(p: ProjectionResult, nonce: string): string {
  const max = Math.max(p.resident.decode_tok_s, p.streamed.decode_tok_s);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}';">
<title>What-if: ${esc(p.title)}</title>
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family, system-ui, sans-serif); color: var(--vscode-foreground, #ccc); background: var(--vscode-editor-background, #1e1e1e); padding: 16px 24px; }
h1 { font-size: 1.3em; margin: 0 0 4px; } h2 { font-size: 1.05em; margin: 18px 0 4px; }
.sub { opacity: .8; margin-bottom: 12px; }
.big { font-size: 2.2em; font-weight: 600; } .big small { font-size: .45em; opacity: .8; }
.speed { height: 8px; background: var(--vscode-editorWidget-background, #333); border-radius: 4px; }
.speed div { height: 100%; background: var(--vscode-charts-green, #4caf50); border-radius: 4px; }
.bar { display: flex; height: 18px; margin: 8px 0 4px; border: 1px solid var(--vscode-contrastBorder, transparent); }
.seg.link, .key.link { background: var(--vscode-charts-red, #e05252); }
.seg.kernels, .key.kernels { background: var(--vscode-charts-blue, #3b8eea); }
.seg.launch, .key.launch { background: var(--vscode-charts-yellow, #d7ba7d); }
.seg.sync, .key.sync { background: var(--vscode-charts-purple, #b180d7); }
.key { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
.legend { font-size: .9em; opacity: .9; }
ul { padding-left: 18px; line-height: 1.5; }
.misfit { color: var(--vscode-errorForeground, #f48771); font-weight: 600; }
</style></head>
<body>
<h1>What-if: ${esc(p.title)} (${esc(p.quant.toUpperCase())}) on ${esc(p.device_name)}</h1>
<div class="sub">The simulator's timing model over the real shapes of the model: ${(p.weight_bytes_per_token / 1e9).toFixed(2)} GB of weights read per token, at position ${p.position}.</div>
${caseBlock('Weights streamed over the link every token', p, p.streamed, max)}
${caseBlock('Weights resident in VRAM', p, p.resident, max)}
<h2>What it means</h2>
<ul>${p.explanation.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>
</body></html>`;
}
