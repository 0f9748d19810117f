// The summary header: the bottleneck verdict, where the wall time went (a stacked bar) and the device's
// ceilings. Everything shown is computed by the engine (driver/trace.ts summarize); this only lays it out.
import type { DeviceInfo } from '../driver/device';
import type { TraceSummary, Verdict } from '../driver/trace';
import { basename, formatBytes, formatDuration, formatGBps, formatPercent } from './format';

const VERDICT_TITLES: Record<Verdict, string> = {
  'link-bound': 'Link-bound',
  'memory-bound': 'Memory-bound',
  'compute-bound': 'Compute-bound',
  'latency-bound': 'Latency-bound',
  idle: 'Mostly idle',
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The five shares of the time split, in the order they are stacked. */
export function timeSplit(s: TraceSummary): { key: string; label: string; us: number }[] {
  return [
    { key: 'copy', label: 'copies', us: s.copy_us },
    { key: 'compute', label: 'compute', us: s.compute_us },
    { key: 'sync', label: 'sync', us: s.sync_us },
    { key: 'idle', label: 'idle', us: s.idle_us },
    { key: 'latency', label: 'fixed latency', us: s.latency_us },
  ];
}

/** Renders the header for one run into `root` (replacing what was there). */
export function renderSummary(root: HTMLElement, s: TraceSummary, device: DeviceInfo, runName: string, file: string): void {
  root.replaceChildren();
  root.classList.add('summary');

  const verdict = el('section', `verdict verdict-${s.verdict}`);
  verdict.dataset.verdict = s.verdict;
  verdict.setAttribute('aria-label', `Verdict: ${VERDICT_TITLES[s.verdict]}`);
  const title = el('div', 'verdict-title');
  title.append(el('span', 'verdict-mark', ''), el('span', 'verdict-name', VERDICT_TITLES[s.verdict]));
  // The engine's text starts with the verdict itself ("link-bound: …"), which the title already says.
  const prefix = `${s.verdict}: `;
  const reason = s.verdict_text.startsWith(prefix) ? s.verdict_text.slice(prefix.length) : s.verdict_text;
  const text = el('div', 'verdict-text', reason.charAt(0).toUpperCase() + reason.slice(1));
  text.title = s.verdict_text;
  verdict.append(el('div', 'caption', 'Bottleneck'), title, text);

  const split = el('section', 'split');
  const head = el('div', 'split-head');
  head.append(el('span', 'caption', 'Where the time went'), el('span', 'split-total', `${formatDuration(s.total_us)} wall`));
  split.appendChild(head);
  const parts = timeSplit(s);
  const wallParts = parts.filter((p) => p.key !== 'latency');
  // Lanes may overlap, so the four wall-time shares can exceed the total; scale to whichever is larger.
  const wallScale = Math.max(s.total_us, wallParts.reduce((a, p) => a + p.us, 0)) || 1;
  const bar = el('div', 'split-bar');
  bar.setAttribute('role', 'img');
  bar.setAttribute('aria-label', parts.map((p) => `${p.label} ${formatDuration(p.us)}`).join(', '));
  for (const p of wallParts) {
    if (p.us <= 0) continue;
    const seg = el('div', `seg seg-${p.key}`);
    seg.style.width = `${(p.us / wallScale) * 100}%`;
    seg.title = `${p.label}: ${formatDuration(p.us)} (${formatPercent((p.us / (s.total_us || 1)) * 100)} of wall time)`;
    bar.appendChild(seg);
  }
  const latencyBar = el('div', 'split-bar latency-bar');
  const lat = el('div', 'seg seg-latency');
  lat.style.width = `${Math.min(100, (s.latency_us / (s.total_us || 1)) * 100)}%`;
  lat.title = `fixed latency (launch, transfer setup, sync round trips): ${formatDuration(s.latency_us)}`;
  latencyBar.appendChild(lat);
  const legend = el('ul', 'split-legend');
  for (const p of parts) {
    const li = el('li', `legend-${p.key}`);
    li.append(el('span', `swatch seg-${p.key}`), el('span', 'legend-label', p.label), el('span', 'legend-value', `${formatDuration(p.us)} · ${formatPercent((p.us / (s.total_us || 1)) * 100)}`));
    legend.appendChild(li);
  }
  split.append(bar, latencyBar, legend);

  const dev = el('section', 'device');
  const c = device.ceilings;
  dev.append(el('div', 'caption', device.backend === 'sim' ? 'Simulated device' : 'Device'), el('div', 'device-name', device.name));
  const ceilings = el('dl', 'ceilings');
  const linkText = c.linkH2DGBps === c.linkD2HGBps ? `${formatGBps(c.linkH2DGBps)} each way` : `${formatGBps(c.linkH2DGBps)} H2D · ${formatGBps(c.linkD2HGBps)} D2H`;
  const entries: [string, string][] = [
    ['link', linkText],
    ['memory', formatGBps(c.memoryGBps)],
    ['compute', `${c.fp32TFLOPS} TFLOPS FP32`],
    ['latency', `launch ${formatDuration(c.launchLatencyUs)} · copy ${formatDuration(c.transferLatencyUs)} · sync ${formatDuration(c.syncLatencyUs)}`],
  ];
  for (const [k, v] of entries) ceilings.append(el('dt', undefined, k), el('dd', undefined, v));
  dev.appendChild(ceilings);

  const run = el('section', 'run-facts');
  const facts: [string, string][] = [
    ['run', `${runName} · ${basename(file)}`],
    ['kernels', `${s.kernel_count.toLocaleString('en-US')} ${s.kernel_count === 1 ? 'launch' : 'launches'}`],
    ['H2D', formatBytes(s.h2d_bytes)],
    ['D2H', formatBytes(s.d2h_bytes)],
  ];
  if (s.mapped_link_bytes > 0) facts.push(['mapped', `${formatBytes(s.mapped_link_bytes)} over the link from host memory`]);
  const dl = el('dl', 'facts');
  for (const [k, v] of facts) dl.append(el('dt', undefined, k), el('dd', undefined, v));
  run.appendChild(dl);

  root.append(verdict, split, dev, run);
}
