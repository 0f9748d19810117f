// The human-readable run report shared by `egpu run` and the VS Code output channel: events table, time split,
// verdict, expect results and the error of each run.
import { isAbsolute, relative } from 'node:path';
import type { DeviceInfo } from './device';
import type { RunResult } from './runner';
import { formatBytes, formatDuration, formatFlops, formatNumber, formatRate, type EventStat, type TraceEvent } from './trace';

/** A path relative to the working folder when it lies inside it, else as it is. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** The human report for every run: events table, time split, verdict, expects, error. */
export function formatRunReport(results: RunResult[], info: DeviceInfo): string {
  const out: string[] = [];
  for (const r of results) {
    out.push(`run ${r.name} on ${info.name}`);
    const s = r.summary;
    // A run that stopped on an error shows what ran before it, but no time split or advice: they would
    // describe a partial run as if it were the whole.
    if (r.error) {
      if (r.events.length) out.push('', '  before the error:', ...formatTable(s.rows));
    } else if (r.events.length) {
      out.push('', ...formatTable(s.rows), '');
      const share = (us: number): string => (s.total_us > 0 ? ` (${Math.round((100 * us) / s.total_us)}%)` : '');
      out.push(
        `  total ${formatDuration(s.total_us)}: copies ${formatDuration(s.copy_us)}${share(s.copy_us)}, compute ${formatDuration(s.compute_us)}${share(s.compute_us)}, ` +
          `sync ${formatDuration(s.sync_us)}${share(s.sync_us)}, idle ${formatDuration(s.idle_us)}${share(s.idle_us)}; fixed latency ${formatDuration(s.latency_us)}${share(s.latency_us)}`,
      );
      out.push(`  moved: ${formatBytes(s.h2d_bytes)} H2D, ${formatBytes(s.d2h_bytes)} D2H${s.mapped_link_bytes ? `, ${formatBytes(s.mapped_link_bytes)} by kernels from host-mapped buffers` : ''}; ${s.kernel_count} kernel launch${s.kernel_count === 1 ? '' : 'es'}`);
      const estimates = workEstimateNote(r.events);
      if (estimates) out.push(estimates);
    }
    if (!r.error) out.push(`  verdict: ${s.verdict_text}`);
    for (const e of r.expects) {
      const where = `${displayPath(e.loc.file)}:${e.loc.line}:${e.loc.column}`;
      if (e.pass) out.push(`  expect ${e.buffer}: pass (${e.checked} elements)`);
      else {
        out.push(`${where}: error: expect ${e.buffer} failed: ${e.failed} of ${e.checked} elements differ`);
        for (const m of e.mismatches) out.push(`      ${e.buffer}[${m.index}]: got ${m.got}, want ${m.want}`);
        if (e.failed > e.mismatches.length) out.push(`      … and ${e.failed - e.mismatches.length} more`);
      }
    }
    if (r.error) {
      const where = r.error.file ? `${displayPath(r.error.file)}:${r.error.line ?? 1}:${r.error.column ?? 1}: ` : '';
      // The location leads the line, so drop the message's own trailing `, at file:line:col`.
      const message = where ? r.error.message.replace(/,? at \S+:\d+:\d+$/, '') : r.error.message;
      out.push(`${where}error: ${message}`);
    }
    out.push('');
  }
  return out.join('\n');
}

/**
 * Kernels whose bytes/flops the backend could only estimate (CUDA): named, so a 0 in the table or a roofline
 * point is not read as a measurement. Empty when every kernel was counted or estimated exactly.
 */
export function workEstimateNote(events: TraceEvent[]): string {
  const unknown = new Set<string>();
  const approximate = new Set<string>();
  for (const e of events) {
    if (e.kind !== 'kernel') continue;
    if (e.work_estimate === 'unknown') unknown.add(e.name);
    else if (e.work_estimate === 'approximate') approximate.add(e.name);
  }
  const parts: string[] = [];
  const list = (names: Set<string>): string => `${names.size} kernel${names.size === 1 ? '' : 's'} (${[...names].join(', ')})`;
  if (unknown.size) parts.push(`bytes/flops unknown for ${list(unknown)}: loop trip counts depend on memory contents, counted as 0`);
  if (approximate.size) parts.push(`bytes/flops approximate for ${list(approximate)}: branches the estimate could not follow, the costlier side counted`);
  return parts.length ? `  note: ${parts.join('; ')}` : '';
}

function formatTable(rows: EventStat[]): string[] {
  const header = ['kind', 'name', 'count', 'time', 'bytes', 'rate', 'of ceiling', 'flop/B'];
  const lines = rows.map((r) => {
    const pct = `${r.percent_of_ceiling >= 10 ? Math.round(r.percent_of_ceiling) : formatNumber(r.percent_of_ceiling, 2)}%`;
    const ceiling =
      r.kind === 'sync' ? ''
      : r.ceiling === 'latency' ? `latency (${pct} of ${r.kind === 'kernel' || r.kind === 'memset' ? 'memory' : 'link'})`
      : `${pct} of ${r.ceiling}`;
    const rate = r.kind === 'sync' ? '' : r.ceiling === 'compute' ? formatFlops(r.gflops) : formatRate(r.gbps);
    return [
      r.kind, r.name, String(r.count), formatDuration(r.total_us), r.bytes ? formatBytes(r.bytes) : '', rate, ceiling,
      r.arithmetic_intensity !== undefined ? formatNumber(r.arithmetic_intensity) : '',
    ];
  });
  const table = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const right = new Set([2, 3, 4, 5, 7]);
  return table.map((row) => `  ${row.map((cell, i) => (right.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd()}`);
}
