// Timeline analysis on hand-made traces: the time split, per-name rows, each verdict, the roofline and
// the Chrome-trace export parsed back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeRoofline, formatDuration, formatRate, summarize, toChromeTrace, toChromeTraceRuns } from '../../driver/trace';
import type { TraceEvent } from '../../driver/trace';
import { loadProfile } from '../../driver/profiles';
import { FAKE_INFO } from './fake-device';

const USB4 = loadProfile('rtx5090-usb4');
const SRC = { file: 'saxpy.kern', line: 21, column: 3 };
const MB64 = 64 * 1024 * 1024;

function ev(kind: TraceEvent['kind'], name: string, start_us: number, duration_us: number, bytes = 0, flops = 0, extra: Partial<TraceEvent> = {}): TraceEvent {
  const lane = kind === 'h2d' ? 'h2d' : kind === 'd2h' ? 'd2h' : kind === 'sync' ? 'host' : 'compute';
  return { kind, name, start_us, duration_us, bytes, flops, lane, ...extra };
}

/** saxpy on 1<<24 floats as the sim models it on the USB4 profile: two uploads, a kernel, a download. */
function saxpyTrace(): TraceEvent[] {
  const c = USB4.ceilings;
  const copy = c.transferLatencyUs + MB64 / (c.linkH2DGBps * 1e3);
  const kernel = c.launchLatencyUs + (3 * MB64) / (c.memoryGBps * 1e3);
  return [
    ev('h2d', 'x', 0, copy, MB64),
    ev('h2d', 'y', copy, copy, MB64),
    ev('kernel', 'saxpy', 2 * copy, kernel, 3 * MB64, 2 * (MB64 / 4), { source: SRC, grid: [65536, 1, 1], block: [256, 1, 1] }),
    ev('d2h', 'y', 2 * copy + kernel, copy, MB64),
  ];
}

test('time split over wall time with overlapping lanes', () => {
  const events = [
    ev('h2d', 'a', 0, 100, 1000),
    ev('kernel', 'k', 50, 100, 10, 0),   // overlaps the copy by 50
    ev('d2h', 'b', 200, 50, 500),        // gap 150..200 is idle
    ev('sync', 'sync', 250, 20),
  ];
  const s = summarize(events, FAKE_INFO);
  assert.equal(s.total_us, 270);
  assert.equal(s.copy_us, 150);
  assert.equal(s.compute_us, 100);
  assert.equal(s.sync_us, 20);
  assert.equal(s.idle_us, 50);
  // Latency: 10 µs per copy, 5 µs per launch, the whole sync.
  assert.equal(s.latency_us, 10 + 5 + 10 + 20);
  assert.equal(s.h2d_bytes, 1000);
  assert.equal(s.d2h_bytes, 500);
  assert.equal(s.kernel_count, 1);
  assert.deepEqual(s.rows.map((r) => [r.kind, r.name, r.count, r.ceiling]), [
    ['h2d', 'a', 1, 'link'], ['kernel', 'k', 1, 'latency'], ['d2h', 'b', 1, 'link'], ['sync', 'sync', 1, 'latency'],
  ]);
  const h2d = s.rows[0]!;
  assert.equal(h2d.gbps, 1000 / (100 * 1e3));
  assert.equal(h2d.ceiling_gbps_or_tflops, 10);
  assert.equal(h2d.percent_of_ceiling, 0.1);
});

test('saxpy 1<<24 over USB4 is link-bound at ~33 GB/s', () => {
  const s = summarize(saxpyTrace(), USB4);
  assert.equal(s.verdict, 'link-bound');
  assert.equal(s.verdict_text, 'link-bound: 98% of 6.3 ms is H2D/D2H copies at 32.7 GB/s of a 33 GB/s link; kernel 0.13 ms at 1.58 TB/s');
  const rows = Object.fromEntries(s.rows.map((r) => [`${r.kind} ${r.name}`, r]));
  assert.equal(rows['h2d x']!.percent_of_ceiling.toFixed(1), '99.0');
  const k = rows['kernel saxpy']!;
  assert.equal(k.ceiling, 'memory');
  assert.equal(k.arithmetic_intensity, 2 / 12);
  assert.equal(Math.round(k.percent_of_ceiling), 88);
  assert.deepEqual(k.source, SRC);
});

test('the same kernel on resident data is memory-bound', () => {
  const c = USB4.ceilings;
  const kernel = c.launchLatencyUs + (3 * MB64) / (c.memoryGBps * 1e3);
  const events: TraceEvent[] = [ev('memset', 'x', 0, 40, MB64), ev('memset', 'y', 40, 40, MB64)];
  for (let i = 0; i < 10; i++) events.push(ev('kernel', 'saxpy', 80 + i * kernel, kernel, 3 * MB64, MB64 / 2));
  events.push(ev('sync', 'sync', 80 + 10 * kernel, c.syncLatencyUs));
  const s = summarize(events, USB4);
  assert.equal(s.verdict, 'memory-bound');
  assert.equal(s.verdict_text, 'memory-bound: 98% of 1.4 ms is kernels and zero-fills at 1.59 TB/s of 1.79 TB/s memory (89%); copies 0 ns');
  assert.equal(s.rows.find((r) => r.kind === 'kernel')!.count, 10);
});

test('many tiny launches are latency-bound; a flop-heavy kernel is compute-bound', () => {
  const tiny: TraceEvent[] = [];
  for (let i = 0; i < 100; i++) tiny.push(ev('kernel', 'tiny', i * 16, 16, 1024, 256));
  tiny.push(ev('sync', 'sync', 1600, 30));
  const t = summarize(tiny, USB4);
  assert.equal(t.verdict, 'latency-bound');
  assert.equal(t.verdict_text, 'latency-bound: 94% of 1.6 ms is fixed cost (100 launches at 15 µs, 1 sync at 30 µs); batch work into fewer, larger launches and copies');

  const flops = 1e12;
  const dur = 15 + flops / (USB4.ceilings.fp32TFLOPS * 1e6);
  const s = summarize([ev('kernel', 'matmul', 0, dur, 12 * 1024 * 1024, flops)], USB4);
  assert.equal(s.verdict, 'compute-bound');
  assert.match(s.verdict_text, /^compute-bound: 100% of 9\.6 ms is kernels at 105 TFLOPS of 104\.8 TFLOPS FP32 \(100%\), 79473 flop\/byte$/);
  assert.equal(s.rows[0]!.ceiling, 'compute');
  assert.equal(s.rows[0]!.ceiling_gbps_or_tflops, 104.8);
});

test('kernels reading host-mapped buffers are link-bound', () => {
  const linkBytes = 32 * 1024 * 1024;
  const dur = 15 + linkBytes / 66e3;
  const s = summarize([ev('kernel', 'zero_copy', 0, dur, 1024, 0, { link_bytes: linkBytes })], USB4);
  assert.equal(s.verdict, 'link-bound');
  assert.equal(s.mapped_link_bytes, linkBytes);
  assert.equal(s.verdict_text, 'link-bound: 100% of 0.52 ms is kernels pulling 32 MiB from host-mapped buffers at 64.1 GB/s of 66 GB/s (the link both ways)');
  assert.equal(s.rows[0]!.ceiling, 'link');
});

test('an empty trace is idle', () => {
  const s = summarize([], USB4);
  assert.equal(s.verdict, 'idle');
  assert.equal(s.total_us, 0);
  assert.deepEqual(s.rows, []);
});

test('roofline: one point per kernel with the roof that bounds it', () => {
  const r = computeRoofline(saxpyTrace(), USB4);
  assert.equal(r.link_gbps, 33);
  assert.equal(r.memory_gbps, 1792);
  assert.equal(r.compute_gflops, 104800);
  assert.equal(r.points.length, 1);
  assert.equal(r.points[0]!.name, 'saxpy');
  assert.equal(r.points[0]!.bound_by, 'memory');
  assert.equal(r.points[0]!.arithmetic_intensity, 2 / 12);
  assert.deepEqual(r.points[0]!.source, SRC);
});

test('roofline: kernels whose bytes and flops are unknown (CUDA estimate) get no point', () => {
  const events = [
    ...saxpyTrace(),
    ev('kernel', 'walk', 500, 20, 0, 0, { work_estimate: 'unknown' }),
    ev('kernel', 'scan', 520, 20, 4096, 1024, { work_estimate: 'approximate' }),
  ];
  assert.deepEqual(computeRoofline(events, USB4).points.map((p) => p.name), ['saxpy', 'scan']);
});

interface ChromeEvent { ph: string; name: string; pid: number; tid: number; ts?: number; dur?: number; cat?: string; args: Record<string, unknown> }

test('Chrome trace: metadata, one X event per trace event, link counters; survives JSON', () => {
  const events = saxpyTrace();
  const trace = JSON.parse(JSON.stringify(toChromeTrace(events, USB4))) as { traceEvents: ChromeEvent[]; displayTimeUnit: string };
  assert.equal(trace.displayTimeUnit, 'ns');
  const meta = trace.traceEvents.filter((e) => e.ph === 'M');
  assert.deepEqual(meta.find((e) => e.name === 'process_name')?.args, { name: USB4.name });
  assert.deepEqual(
    meta.filter((e) => e.name === 'thread_name').map((e) => [e.tid, e.args['name']]),
    [[1, 'H2D copy'], [2, 'Compute'], [3, 'D2H copy'], [4, 'Host']],
  );
  assert.ok(trace.traceEvents.every((e) => e.pid === 1));
  const xs = trace.traceEvents.filter((e) => e.ph === 'X');
  assert.deepEqual(xs.map((e) => [e.name, e.cat, e.tid, e.ts, e.dur]), events.map((e) => [e.name, e.kind, { h2d: 1, compute: 2, d2h: 3, host: 4 }[e.lane], e.start_us, e.duration_us]));
  assert.equal(xs[0]!.args['bytes'], MB64);
  assert.equal(xs[0]!.args['GB/s'], 32.679);
  assert.equal(xs[0]!.args['% of ceiling'], 99.026);
  assert.equal(xs[2]!.args['source'], 'saxpy.kern:21:3');
  assert.equal(xs[2]!.args['flops'], MB64 / 2);
  assert.equal(xs[2]!.args['ceiling'], 'memory');
  assert.equal(xs[2]!.args['grid'], '65536×1×1');
  const counters = trace.traceEvents.filter((e) => e.ph === 'C');
  assert.equal(counters.length, 6, 'a rise and a fall per copy');
  assert.ok(counters.every((e) => e.name === 'link utilisation %'));
  assert.deepEqual(counters[0]!.args, { h2d: 99.026, d2h: 0 });
  assert.deepEqual(counters.at(-1)!.args, { h2d: 0, d2h: 0 });
  for (let i = 1; i < counters.length; i++) assert.ok(counters[i]!.ts! >= counters[i - 1]!.ts!);
});

test('Chrome trace of several runs lays them end to end with a span per run', () => {
  const a = [ev('kernel', 'k', 0, 10, 100)];
  const b = [ev('kernel', 'k', 0, 5, 100), ev('sync', 'sync', 5, 20)];
  const trace = toChromeTraceRuns([{ name: 'first', events: a }, { name: 'second', events: b }], FAKE_INFO) as { traceEvents: ChromeEvent[] };
  const xs = trace.traceEvents.filter((e) => e.ph === 'X');
  assert.deepEqual(xs.map((e) => [e.name, e.ts, e.dur, e.tid]), [
    ['run first', 0, 10, 4], ['k', 0, 10, 2], ['run second', 10, 25, 4], ['k', 10, 5, 2], ['sync', 15, 20, 4],
  ]);
});

test('durations and rates read naturally', () => {
  assert.deepEqual([0.5, 42, 110, 6100, 12345, 123456, 2.5e6].map(formatDuration), ['500 ns', '42 µs', '0.11 ms', '6.1 ms', '12.3 ms', '123 ms', '2.5 s']);
  assert.deepEqual([32.93, 33, 1790, 0.45].map(formatRate), ['32.9 GB/s', '33 GB/s', '1.79 TB/s', '450 MB/s']);
});
