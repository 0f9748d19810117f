// Timeline events every device records, and (below) the summary, verdict and Chrome-trace export.
import type { DeviceInfo } from './device';

export type EventKind = 'h2d' | 'd2h' | 'kernel' | 'memset' | 'sync';
export type Lane = 'h2d' | 'compute' | 'd2h' | 'host';

/** One timed event on a device's timeline (times in microseconds from the device's first event). */
export interface TraceEvent {
  kind: EventKind;
  name: string;
  start_us: number;
  duration_us: number;
  bytes: number;
  flops: number;
  lane: Lane;
  /** Kernels: bytes that crossed the link because they touched host-mapped buffers. */
  link_bytes?: number;
  /**
   * Kernels whose bytes and flops were estimated from the IR rather than counted (the CUDA backend): exact,
   * approximate (a decision on memory contents; the costlier side counted), or unknown (reported as 0).
   */
  work_estimate?: 'exact' | 'approximate' | 'unknown';
  /** Copies: source and destination memory kinds, as Nsight Systems names them. */
  src_kind?: 'pageable' | 'pinned' | 'device' | 'mapped';
  dst_kind?: 'pageable' | 'pinned' | 'device' | 'mapped';
  /** Kernels: launch geometry. */
  grid?: [number, number, number];
  block?: [number, number, number];
  /** Where in the source the event was issued (launch / read / buffer statement). */
  source?: { file: string; line: number; column: number };
}

/** One copy or kernel, summarised against the ceiling that bounds it. */
export interface EventStat {
  kind: EventKind;
  name: string;
  /** Number of events merged into this row (same kind and name). */
  count: number;
  total_us: number;
  bytes: number;
  flops: number;
  /** Achieved bandwidth over the row's total time, GB/s. */
  gbps: number;
  /** Achieved GFLOP/s (kernels). */
  gflops: number;
  /** The ceiling this row is measured against, and the share of it reached (0..100). */
  ceiling: 'link' | 'memory' | 'compute' | 'latency';
  ceiling_gbps_or_tflops: number;
  percent_of_ceiling: number;
  /** Kernels: flops per byte moved. */
  arithmetic_intensity?: number;
  source?: { file: string; line: number; column: number };
}

export type Verdict = 'link-bound' | 'memory-bound' | 'compute-bound' | 'latency-bound' | 'idle';

/** What the profiler shows at the top: where the time went and why. */
export interface TraceSummary {
  total_us: number;
  /** Wall time covered by at least one event of each class (lanes may overlap). */
  copy_us: number;
  compute_us: number;
  sync_us: number;
  /** Wall time with no event on any lane. */
  idle_us: number;
  /** Time spent in fixed latencies (launch, transfer setup, sync) rather than moving bytes or flops. */
  latency_us: number;
  h2d_bytes: number;
  d2h_bytes: number;
  /** Bytes kernels pulled across the link from host-mapped buffers. */
  mapped_link_bytes: number;
  kernel_count: number;
  rows: EventStat[];
  verdict: Verdict;
  /** One line with the numbers that justify the verdict. */
  verdict_text: string;
}

/** A point on the roofline chart, with the three roofs of the device. */
export interface RooflinePoint {
  name: string;
  arithmetic_intensity: number;
  gflops: number;
  /** Which roof bounds this kernel at its intensity. */
  bound_by: 'link' | 'memory' | 'compute';
  source?: { file: string; line: number; column: number };
}

export interface Roofline {
  link_gbps: number;
  memory_gbps: number;
  compute_gflops: number;
  points: RooflinePoint[];
}

// ---------------------------------------------------------------- analysis (summary, verdict, roofline, export)

type Interval = [number, number];

/** Total length of the union of intervals. */
function unionLength(intervals: Interval[]): number {
  const sorted = intervals.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const [a, b] of sorted) {
    if (a > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = a;
      curEnd = b;
    } else if (b > curEnd) curEnd = b;
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}

const span = (e: TraceEvent): Interval => [e.start_us, e.start_us + e.duration_us];
const isCopy = (e: TraceEvent): boolean => e.kind === 'h2d' || e.kind === 'd2h';
const isCompute = (e: TraceEvent): boolean => e.kind === 'kernel' || e.kind === 'memset';

/**
 * Bytes a kernel moved through device memory. A kernel's `bytes` counts device memory only; bytes of
 * host-mapped buffers are in `link_bytes`, on top (as the sim records them).
 */
export function kernelDeviceBytes(e: TraceEvent): number {
  return e.bytes;
}

/** The fixed cost the timing model charges for an event before any byte or flop moves. */
function fixedLatencyUs(e: TraceEvent, info: DeviceInfo): number {
  const c = info.ceilings;
  switch (e.kind) {
    case 'h2d': case 'd2h': return Math.min(e.duration_us, c.transferLatencyUs);
    case 'kernel': case 'memset': return Math.min(e.duration_us, c.launchLatencyUs);
    case 'sync': return e.duration_us;
  }
}

/** Which roof bounds work of these bytes and flops on this device, and the ideal time under each roof (µs). */
function kernelRoof(deviceBytes: number, linkBytes: number, flops: number, info: DeviceInfo): { roof: 'memory' | 'compute' | 'link'; idealUs: number } {
  const c = info.ceilings;
  const memoryUs = deviceBytes / (c.memoryGBps * 1e3);
  const computeUs = flops / (c.fp32TFLOPS * 1e6);
  const linkUs = linkBytes / (mappedLinkGBps(info) * 1e3);
  if (linkUs > memoryUs && linkUs > computeUs) return { roof: 'link', idealUs: linkUs };
  if (computeUs > memoryUs) return { roof: 'compute', idealUs: computeUs };
  return { roof: 'memory', idealUs: memoryUs };
}

/**
 * The ceiling for kernels reading and writing host-mapped buffers: reads come over the H2D direction and
 * writes go over D2H at the same time, and events carry only the total, so the bound is the sum.
 */
function mappedLinkGBps(info: DeviceInfo): number {
  return info.ceilings.linkH2DGBps + info.ceilings.linkD2HGBps;
}

/**
 * Earliest start and latest end of the events (0, 0 when empty). A loop, not Math.min(...spread):
 * a long Llama trace has more events than a call can take arguments.
 */
export function timeRange(events: readonly TraceEvent[]): { first: number; last: number } {
  if (events.length === 0) return { first: 0, last: 0 };
  let first = Infinity;
  let last = -Infinity;
  for (const e of events) {
    if (e.start_us < first) first = e.start_us;
    if (e.start_us + e.duration_us > last) last = e.start_us + e.duration_us;
  }
  return { first, last };
}

const gbpsOf = (bytes: number, us: number): number => (us > 0 ? bytes / (us * 1e3) : 0);

/** Time split, per-name rows against their ceilings, and the bottleneck verdict. */
export function summarize(events: TraceEvent[], info: DeviceInfo): TraceSummary {
  const c = info.ceilings;
  const { first, last } = timeRange(events);
  const total_us = last - first;
  const copy_us = unionLength(events.filter(isCopy).map(span));
  const compute_us = unionLength(events.filter(isCompute).map(span));
  const sync_us = unionLength(events.filter((e) => e.kind === 'sync').map(span));
  const busy_us = unionLength(events.map(span));
  const latency_us = unionLength(events.map((e): Interval => [e.start_us, e.start_us + fixedLatencyUs(e, info)]));
  let h2d_bytes = 0;
  let d2h_bytes = 0;
  let mapped_link_bytes = 0;
  let kernel_count = 0;
  for (const e of events) {
    if (e.kind === 'h2d') h2d_bytes += e.bytes;
    else if (e.kind === 'd2h') d2h_bytes += e.bytes;
    else if (e.kind === 'kernel') {
      kernel_count++;
      mapped_link_bytes += e.link_bytes ?? 0;
    }
  }

  const rows: EventStat[] = [];
  const byKey = new Map<string, EventStat & { linkBytes: number }>();
  for (const e of events) {
    const key = `${e.kind}\u0000${e.name}`;
    let row = byKey.get(key);
    if (!row) {
      row = {
        kind: e.kind, name: e.name, count: 0, total_us: 0, bytes: 0, flops: 0, gbps: 0, gflops: 0,
        ceiling: 'latency', ceiling_gbps_or_tflops: 0, percent_of_ceiling: 0, linkBytes: 0,
        ...(e.source ? { source: e.source } : {}),
      };
      byKey.set(key, row);
      rows.push(row);
    }
    row.count++;
    row.total_us += e.duration_us;
    row.bytes += e.bytes;
    row.flops += e.flops;
    row.linkBytes += e.link_bytes ?? 0;
  }
  for (const row of byKey.values()) {
    row.gbps = gbpsOf(row.bytes, row.total_us);
    row.gflops = row.total_us > 0 ? row.flops / (row.total_us * 1e3) : 0;
    if (row.kind === 'h2d' || row.kind === 'd2h') {
      row.ceiling = 'link';
      row.ceiling_gbps_or_tflops = row.kind === 'h2d' ? c.linkH2DGBps : c.linkD2HGBps;
      row.percent_of_ceiling = (100 * row.gbps) / row.ceiling_gbps_or_tflops;
    } else if (row.kind === 'kernel' || row.kind === 'memset') {
      const deviceBytes = row.bytes;
      const { roof, idealUs } = kernelRoof(deviceBytes, row.linkBytes, row.flops, info);
      const moved = row.bytes + row.linkBytes;
      if (row.kind === 'kernel') row.arithmetic_intensity = moved > 0 ? row.flops / moved : 0;
      // A kernel whose ideal time is below its launch cost is bound by the launch latency, not a roof.
      const latencyBound = row.kind === 'kernel' && idealUs < c.launchLatencyUs * row.count;
      if (roof === 'compute') {
        row.ceiling = 'compute';
        row.ceiling_gbps_or_tflops = c.fp32TFLOPS;
        row.percent_of_ceiling = (100 * row.gflops) / (c.fp32TFLOPS * 1e3);
      } else if (roof === 'link') {
        row.ceiling = 'link';
        row.ceiling_gbps_or_tflops = mappedLinkGBps(info);
        // A zero-copy kernel's rate is what it pulls across the link, the number its roof bounds.
        row.gbps = gbpsOf(row.linkBytes, row.total_us);
        row.percent_of_ceiling = (100 * row.gbps) / row.ceiling_gbps_or_tflops;
      } else {
        row.ceiling = 'memory';
        row.ceiling_gbps_or_tflops = c.memoryGBps;
        row.percent_of_ceiling = (100 * gbpsOf(deviceBytes, row.total_us)) / c.memoryGBps;
      }
      if (latencyBound) row.ceiling = 'latency';
    } else {
      row.ceiling = 'latency';
      row.ceiling_gbps_or_tflops = 0;
      row.percent_of_ceiling = 0;
    }
  }
  const cleanRows: EventStat[] = rows.map((r) => {
    const { linkBytes: _drop, ...rest } = r as EventStat & { linkBytes: number };
    return rest;
  });

  const base = {
    total_us, copy_us, compute_us, sync_us, idle_us: Math.max(0, total_us - busy_us), latency_us,
    h2d_bytes, d2h_bytes, mapped_link_bytes, kernel_count, rows: cleanRows,
  };
  return { ...base, ...decideVerdict(events, info, base) };
}

/** The verdict: which of link, memory, compute or fixed latency explains most of the wall time. */
function decideVerdict(
  events: TraceEvent[],
  info: DeviceInfo,
  s: { total_us: number; copy_us: number; compute_us: number; latency_us: number; h2d_bytes: number; d2h_bytes: number; kernel_count: number },
): { verdict: Verdict; verdict_text: string } {
  const c = info.ceilings;
  if (events.length === 0 || s.total_us <= 0) return { verdict: 'idle', verdict_text: 'idle: no device work was recorded' };
  const total = formatDuration(s.total_us);
  const pct = (us: number): string => `${Math.round((100 * us) / s.total_us)}%`;
  const kernels = events.filter((e) => e.kind === 'kernel');
  const kernelUs = kernels.reduce((a, e) => a + e.duration_us, 0);
  const kernelBytes = kernels.reduce((a, e) => a + kernelDeviceBytes(e), 0);
  const kernelLinkBytes = kernels.reduce((a, e) => a + (e.link_bytes ?? 0), 0);
  const kernelFlops = kernels.reduce((a, e) => a + e.flops, 0);
  const copies = events.filter(isCopy);
  const copyBusyUs = copies.reduce((a, e) => a + e.duration_us, 0);
  const copyBytes = s.h2d_bytes + s.d2h_bytes;
  const linkCeiling = c.linkH2DGBps === c.linkD2HGBps ? `${formatNumber(c.linkH2DGBps, 4)} GB/s link` : `${formatNumber(c.linkH2DGBps, 4)}/${formatNumber(c.linkD2HGBps, 4)} GB/s (H2D/D2H) link`;
  const kernelPart = kernels.length
    ? `${kernels.length === 1 ? 'kernel' : `${kernels.length} kernels`} ${formatDuration(kernelUs)} at ${formatRate(gbpsOf(kernelBytes + kernelLinkBytes, kernelUs))}`
    : 'no kernels';

  if (s.latency_us >= 0.5 * s.total_us) {
    const launches = kernels.length;
    const copyCount = copies.length;
    const syncs = events.filter((e) => e.kind === 'sync').length;
    const fixedCosts = [
      launches ? `${plural(launches, 'launch', 'launches')} at ${formatNumber(c.launchLatencyUs)} µs` : '',
      copyCount ? `${plural(copyCount, 'copy', 'copies')} at ${formatNumber(c.transferLatencyUs)} µs` : '',
      syncs ? `${plural(syncs, 'sync', 'syncs')} at ${formatNumber(c.syncLatencyUs)} µs` : '',
    ].filter(Boolean).join(', ');
    return {
      verdict: 'latency-bound',
      verdict_text: `latency-bound: ${pct(s.latency_us)} of ${total} is fixed cost (${fixedCosts}); batch work into fewer, larger launches and copies`,
    };
  }
  if (s.copy_us >= s.compute_us) {
    return {
      verdict: 'link-bound',
      verdict_text: `link-bound: ${pct(s.copy_us)} of ${total} is H2D/D2H copies at ${formatRate(gbpsOf(copyBytes, copyBusyUs))} of a ${linkCeiling}; ${kernelPart}`,
    };
  }
  // Zero-fills (memsets) share the compute lane with kernels and move bytes through the same memory.
  const memsets = events.filter((e) => e.kind === 'memset');
  const memsetUs = memsets.reduce((a, e) => a + e.duration_us, 0);
  const memsetBytes = memsets.reduce((a, e) => a + e.bytes, 0);
  const deviceUs = kernelUs + memsetUs;
  const deviceBytes = kernelBytes + memsetBytes;
  const { roof } = kernelRoof(deviceBytes, kernelLinkBytes, kernelFlops, info);
  const what = memsetUs > kernelUs ? (kernels.length ? 'zero-fills (memsets) and kernels' : 'zero-fills (memsets)') : memsetUs > 0 ? 'kernels and zero-fills' : 'kernels';
  const share = `${pct(s.compute_us)} of ${total} is ${what}`;
  if (roof === 'link') {
    return {
      verdict: 'link-bound',
      verdict_text: `link-bound: ${share} pulling ${formatBytes(kernelLinkBytes)} from host-mapped buffers at ${formatRate(gbpsOf(kernelLinkBytes, kernelUs))} of ${formatNumber(mappedLinkGBps(info), 4)} GB/s (the link both ways)`,
    };
  }
  if (roof === 'compute') {
    return {
      verdict: 'compute-bound',
      verdict_text: `compute-bound: ${share} at ${formatFlops(kernelFlops / (kernelUs * 1e3))} of ${formatNumber(c.fp32TFLOPS, 4)} TFLOPS FP32 (${Math.round((100 * kernelFlops) / (kernelUs * 1e6 * c.fp32TFLOPS))}%), ${formatNumber(kernelFlops / Math.max(1, kernelBytes))} flop/byte`,
    };
  }
  return {
    verdict: 'memory-bound',
    verdict_text: `memory-bound: ${share} at ${formatRate(gbpsOf(deviceBytes, deviceUs))} of ${formatRate(c.memoryGBps)} memory (${Math.round((100 * gbpsOf(deviceBytes, deviceUs)) / c.memoryGBps)}%); copies ${formatDuration(copyBusyUs)}`,
  };
}

/** One point per kernel name on the device's roofline. */
export function computeRoofline(events: TraceEvent[], info: DeviceInfo): Roofline {
  const c = info.ceilings;
  const byName = new Map<string, { bytes: number; linkBytes: number; flops: number; us: number; source?: TraceEvent['source'] }>();
  for (const e of events) {
    // A launch whose bytes and flops are unknown (CUDA, a loop bounded by memory contents) has no place on the
    // roofline: plotted at 0 it would read as a measurement.
    if (e.kind !== 'kernel' || e.work_estimate === 'unknown') continue;
    let p = byName.get(e.name);
    if (!p) {
      p = { bytes: 0, linkBytes: 0, flops: 0, us: 0, ...(e.source ? { source: e.source } : {}) };
      byName.set(e.name, p);
    }
    p.bytes += e.bytes;
    p.linkBytes += e.link_bytes ?? 0;
    p.flops += e.flops;
    p.us += e.duration_us;
  }
  const points: RooflinePoint[] = [];
  for (const [name, p] of byName) {
    const { roof } = kernelRoof(p.bytes, p.linkBytes, p.flops, info);
    const moved = p.bytes + p.linkBytes;
    points.push({
      name,
      arithmetic_intensity: moved > 0 ? p.flops / moved : 0,
      gflops: p.us > 0 ? p.flops / (p.us * 1e3) : 0,
      bound_by: roof,
      ...(p.source ? { source: p.source } : {}),
    });
  }
  return { link_gbps: Math.min(c.linkH2DGBps, c.linkD2HGBps), memory_gbps: c.memoryGBps, compute_gflops: c.fp32TFLOPS * 1e3, points };
}

const LANE_TIDS: Record<Lane, number> = { h2d: 1, compute: 2, d2h: 3, host: 4 };
const LANE_NAMES: Record<Lane, string> = { h2d: 'H2D copy', compute: 'Compute', d2h: 'D2H copy', host: 'Host' };

/** Chrome Trace Event JSON of one device's events (opens in Perfetto and chrome://tracing). */
export function toChromeTrace(events: TraceEvent[], info: DeviceInfo): object {
  return toChromeTraceRuns([{ name: '', events }], info);
}

/**
 * Chrome trace of several runs on one device, laid end to end on one time axis (each run's events
 * shifted to start after the previous run) with a span per run on the host lane when runs are named.
 */
export function toChromeTraceRuns(runs: { name: string; events: TraceEvent[] }[], info: DeviceInfo): object {
  const pid = 1;
  const c = info.ceilings;
  const traceEvents: object[] = [
    { ph: 'M', name: 'process_name', pid, tid: 0, args: { name: info.name } },
    { ph: 'M', name: 'process_labels', pid, tid: 0, args: { labels: `${info.gpu} · ${info.link}` } },
  ];
  for (const lane of Object.keys(LANE_TIDS) as Lane[]) {
    traceEvents.push({ ph: 'M', name: 'thread_name', pid, tid: LANE_TIDS[lane], args: { name: LANE_NAMES[lane] } });
    traceEvents.push({ ph: 'M', name: 'thread_sort_index', pid, tid: LANE_TIDS[lane], args: { sort_index: LANE_TIDS[lane] } });
  }
  let offset = 0;
  const counterPoints: { ts: number; lane: 'h2d' | 'd2h'; percent: number }[] = [];
  for (const run of runs) {
    if (run.events.length === 0) continue;
    const { first, last } = timeRange(run.events);
    const shift = offset - first;
    if (run.name) {
      traceEvents.push({ ph: 'X', name: `run ${run.name}`, cat: 'run', ts: offset, dur: last - first, pid, tid: LANE_TIDS.host, args: {} });
    }
    for (const e of run.events) {
      const ts = e.start_us + shift;
      const gbps = gbpsOf(e.bytes, e.duration_us);
      const args: Record<string, unknown> = { bytes: e.bytes, 'GB/s': round3(gbps), flops: e.flops };
      if (e.kind === 'h2d' || e.kind === 'd2h') {
        const ceiling = e.kind === 'h2d' ? c.linkH2DGBps : c.linkD2HGBps;
        args['% of ceiling'] = round3((100 * gbps) / ceiling);
        args['ceiling'] = `link ${formatNumber(ceiling)} GB/s`;
        if (e.src_kind) args['src'] = e.src_kind;
        if (e.dst_kind) args['dst'] = e.dst_kind;
        const percent = round3(Math.min(100, (100 * gbps) / ceiling));
        counterPoints.push({ ts, lane: e.kind, percent }, { ts: ts + e.duration_us, lane: e.kind, percent: 0 });
      } else if (e.kind === 'kernel' || e.kind === 'memset') {
        const deviceBytes = kernelDeviceBytes(e);
        const { roof } = kernelRoof(deviceBytes, e.link_bytes ?? 0, e.flops, info);
        const percent =
          roof === 'compute' ? (100 * e.flops) / (e.duration_us * 1e6 * c.fp32TFLOPS)
          : roof === 'link' ? (100 * gbpsOf(e.link_bytes ?? 0, e.duration_us)) / mappedLinkGBps(info)
          : (100 * gbpsOf(deviceBytes, e.duration_us)) / c.memoryGBps;
        args['% of ceiling'] = round3(percent);
        args['ceiling'] = roof;
        if (e.flops > 0) args['GFLOP/s'] = round3(e.flops / (e.duration_us * 1e3));
        if (e.link_bytes) args['link bytes'] = e.link_bytes;
        if (e.grid) args['grid'] = e.grid.join('×');
        if (e.block) args['block'] = e.block.join('×');
      }
      if (e.source) args['source'] = `${e.source.file}:${e.source.line}:${e.source.column}`;
      traceEvents.push({ ph: 'X', name: e.name, cat: e.kind, ts, dur: e.duration_us, pid, tid: LANE_TIDS[e.lane], args });
    }
    offset += last - first;
  }
  // Counters: one track per direction, in % of that direction's link ceiling.
  counterPoints.sort((a, b) => a.ts - b.ts || a.percent - b.percent);
  const current = { h2d: 0, d2h: 0 };
  for (const p of counterPoints) {
    current[p.lane] = p.percent;
    traceEvents.push({ ph: 'C', name: 'link utilisation %', pid, tid: 0, ts: p.ts, args: { h2d: current.h2d, d2h: current.d2h } });
  }
  return { traceEvents, displayTimeUnit: 'ns', otherData: { device: info.id, gpu: info.gpu, link: info.link } };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** A number with at most `digits` significant digits and no trailing zeros: 33, 32.9, 1.79. */
export function formatNumber(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 10 ** digits) return String(Math.round(x));
  return String(Number(x.toPrecision(digits)));
}

/** A duration from µs: `850 ns`, `42 µs`, `0.11 ms`, `6.1 ms`, `123 ms`, `2.5 s`. */
export function formatDuration(us: number): string {
  if (us < 1) return `${formatNumber(us * 1000)} ns`;
  if (us < 100) return `${formatNumber(us)} µs`;
  const ms = us / 1000;
  if (ms < 1000) return `${ms >= 100 ? Math.round(ms) : ms >= 10 ? Number(ms.toFixed(1)) : Number(ms.toPrecision(2))} ms`;
  return `${formatNumber(ms / 1000)} s`;
}

/** A bandwidth from GB/s: `32.9 GB/s`, `1.79 TB/s`, `450 MB/s`. */
export function formatRate(gbps: number): string {
  if (gbps >= 1000) return `${formatNumber(gbps / 1000)} TB/s`;
  if (gbps > 0 && gbps < 1) return `${formatNumber(gbps * 1000)} MB/s`;
  return `${formatNumber(gbps)} GB/s`;
}

/** A compute rate from GFLOP/s. */
export function formatFlops(gflops: number): string {
  if (gflops >= 1000) return `${formatNumber(gflops / 1000)} TFLOPS`;
  return `${formatNumber(gflops)} GFLOP/s`;
}

/** A byte count: `64 MiB`, `4 KiB`, `12 B`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${formatNumber(v)} ${units[i]}`;
}
