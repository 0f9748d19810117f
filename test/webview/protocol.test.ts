// The panel's pure parts without a browser: message validation both ways, the page's CSP, number
// formatting and axis ticks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderPanelHtml } from '../../webview/html';
import { formatBytes, formatDuration, formatGBps, formatPercent, logTicks, timeTicks } from '../../webview/format';
import { isPanelMessage, parseHostMessage, type ProfileData } from '../../webview/protocol';
import { rooflineAxes } from '../../webview/roofline';
import { sortRows } from '../../webview/table';
import { handWrittenSaxpy } from './fixtures';

describe('parseHostMessage', () => {
  const saxpy: ProfileData = handWrittenSaxpy();

  it('accepts a profile the engine produced, and theme and running messages', () => {
    const r = parseHostMessage({ type: 'profile', data: saxpy });
    assert.equal(r.ok, true);
    assert.deepEqual(parseHostMessage({ type: 'theme', kind: 'high-contrast' }), { ok: true, message: { type: 'theme', kind: 'high-contrast' } });
    assert.deepEqual(parseHostMessage({ type: 'running', runName: 'saxpy_16m', extra: 1 }), { ok: true, message: { type: 'running', runName: 'saxpy_16m' } });
  });

  it('rejects malformed messages with a reason naming the field, never throwing', () => {
    const cases: [unknown, string][] = [
      [undefined, 'message is not an object'],
      [[1, 2], 'message is not an object'],
      [{ type: 42 }, 'unknown message type 42'],
      [{ type: 'profile' }, 'profile: profile data is not an object'],
      [{ type: 'profile', data: { ...saxpy, device: { id: 'x', name: 'y' } } }, 'profile: device.ceilings is missing'],
      [{ type: 'profile', data: { ...saxpy, events: [{ ...saxpy.events[0], duration_us: -1 }] } }, 'profile: events[0].duration_us must not be negative'],
      [{ type: 'profile', data: { ...saxpy, events: [{ ...saxpy.events[0], start_us: Number.NaN }] } }, 'profile: events[0].start_us must be a finite number'],
      [{ type: 'profile', data: { ...saxpy, events: [{ ...saxpy.events[0], lane: 'gpu' }] } }, 'profile: events[0].lane must be one of h2d, compute, d2h, host'],
      [{ type: 'profile', data: { ...saxpy, events: [{ ...saxpy.events[0], source: { file: 'a' } }] } }, 'profile: events[0].source must be { file, line, column }'],
      [{ type: 'profile', data: { ...saxpy, summary: { ...saxpy.summary, verdict: 'fast' } } }, 'profile: summary.verdict must be one of link-bound, memory-bound, compute-bound, latency-bound, idle'],
      [{ type: 'profile', data: { ...saxpy, summary: { ...saxpy.summary, rows: [{ name: 'k', kind: 'kernel' }] } } }, 'profile: summary.rows[0].count must be a finite number'],
      [{ type: 'profile', data: { ...saxpy, roofline: { ...saxpy.roofline, points: [{ name: 'k' }] } } }, 'profile: roofline.points[0] needs name, arithmetic_intensity and gflops'],
      [{ type: 'profile', data: { ...saxpy, expects: 'all good' } }, 'profile: expects must be an array'],
      [{ type: 'theme', kind: 'solarized' }, 'theme: kind must be one of light, dark, high-contrast, high-contrast-light'],
    ];
    for (const [message, reason] of cases) assert.deepEqual(parseHostMessage(message), { ok: false, reason }, JSON.stringify(message)?.slice(0, 80));
  });
});

describe('isPanelMessage', () => {
  it('accepts exactly the four panel messages', () => {
    assert.equal(isPanelMessage({ type: 'ready' }), true);
    assert.equal(isPanelMessage({ type: 'exportTrace' }), true);
    assert.equal(isPanelMessage({ type: 'jumpToSource', file: '/a.kern', line: 3, column: 7 }), true);
    assert.equal(isPanelMessage({ type: 'log', level: 'warn', message: 'x' }), true);
    assert.equal(isPanelMessage({ type: 'jumpToSource', file: '/a.kern', line: '3', column: 7 }), false);
    assert.equal(isPanelMessage({ type: 'log', level: 'debug', message: 'x' }), false);
    assert.equal(isPanelMessage({ type: 'profile' }), false);
    assert.equal(isPanelMessage(null), false);
  });
});

describe('renderPanelHtml', () => {
  const html = renderPanelHtml({ cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce: 'abc123XYZ', scriptUri: 'https://x/dist/webview/main.js', styleUri: 'https://x/dist/webview/main.css', title: 'Profile <saxpy>' });

  it('has a strict CSP: nonce script, no remote resources', () => {
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1];
    assert.equal(
      csp,
      "default-src 'none'; script-src 'nonce-abc123XYZ'; style-src https://file+.vscode-resource.vscode-cdn.net 'nonce-abc123XYZ'; img-src https://file+.vscode-resource.vscode-cdn.net data:; font-src https://file+.vscode-resource.vscode-cdn.net".replace(/'/g, '&#39;'),
    );
    assert.match(html, /<script nonce="abc123XYZ" src="https:\/\/x\/dist\/webview\/main.js"><\/script>/);
    assert.match(html, /<link rel="stylesheet" href="https:\/\/x\/dist\/webview\/main.css" nonce="abc123XYZ">/);
    assert.match(html, /<meta property="csp-nonce" content="abc123XYZ">/);
    assert.match(html, /<title>Profile &#60;saxpy&#62;<\/title>/);
    assert.doesNotMatch(html, /<script>|style="/);
  });

  it('refuses a nonce that could break out of the attribute', () => {
    assert.throws(() => renderPanelHtml({ cspSource: 'x', nonce: `a" onload="x`, scriptUri: 's', styleUri: 's', title: 't' }), /nonce must be letters and digits/);
  });
});

describe('formatting', () => {
  it('durations, bytes, bandwidth and percentages read like a profiler', () => {
    assert.equal(formatDuration(0.25), '250 ns');
    assert.equal(formatDuration(127.35), '127 µs');
    assert.equal(formatDuration(2053.6), '2.05 ms');
    assert.equal(formatDuration(4_420_000), '4.42 s');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(64 * 1024 * 1024), '64.0 MiB');
    assert.equal(formatBytes(201_326_592), '192 MiB');
    assert.equal(formatGBps(32.68), '32.7 GB/s');
    assert.equal(formatPercent(98.7), '99%');
    assert.equal(formatPercent(1.23), '1.2%');
    assert.equal(formatPercent(0.01), '<0.1%');
  });

  it('time ticks step by 1, 2 or 5 and switch units', () => {
    assert.deepEqual(timeTicks(0, 6380, 13).ticks.map((t) => t.label), ['0.0 ms', '0.5 ms', '1.0 ms', '1.5 ms', '2.0 ms', '2.5 ms', '3.0 ms', '3.5 ms', '4.0 ms', '4.5 ms', '5.0 ms', '5.5 ms', '6.0 ms']);
    assert.deepEqual(timeTicks(0, 6380, 12).ticks.map((t) => t.label), ['0 ms', '1 ms', '2 ms', '3 ms', '4 ms', '5 ms', '6 ms']);
    assert.deepEqual(timeTicks(10, 95, 5).ticks.map((t) => t.label), ['20 µs', '40 µs', '60 µs', '80 µs']);
    assert.deepEqual(timeTicks(0.1, 0.35, 5).ticks.map((t) => t.label), ['100 ns', '150 ns', '200 ns', '250 ns', '300 ns', '350 ns']);
    assert.deepEqual(timeTicks(0, 4.4e6, 5).ticks.map((t) => t.label), ['0 s', '1 s', '2 s', '3 s', '4 s']);
    assert.deepEqual(timeTicks(5, 5, 4).ticks, []);
  });

  it('log ticks are the powers of ten in range', () => {
    assert.deepEqual(logTicks(0.01, 1000), [0.01, 0.1, 1, 10, 100, 1000]);
  });
});

describe('views without a DOM', () => {
  it('roofline axes hold every point and both ridge points', () => {
    const axes = rooflineAxes({ link_gbps: 33, memory_gbps: 1792, compute_gflops: 104_800, points: [{ name: 'saxpy', arithmetic_intensity: 1 / 6, gflops: 263, bound_by: 'memory' }] });
    assert.deepEqual(axes, { xMin: 0.01, xMax: 10_000, yMin: 0.1, yMax: 1_000_000 });
  });

  it('table sort is stable and toggles direction', () => {
    const rows = handWrittenSaxpy().summary.rows;
    assert.deepEqual(sortRows(rows, { key: 'name', descending: false }).map((r) => `${r.kind}:${r.name}`), ['kernel:saxpy', 'sync:synchronize', 'h2d:x', 'h2d:y', 'd2h:y']);
    assert.deepEqual(sortRows(rows, { key: 'total_us', descending: true }).map((r) => `${r.kind}:${r.name}`), ['h2d:x', 'h2d:y', 'd2h:y', 'kernel:saxpy', 'sync:synchronize']);
    assert.deepEqual(sortRows(rows, { key: 'total_us', descending: false }).map((r) => `${r.kind}:${r.name}`), ['sync:synchronize', 'kernel:saxpy', 'h2d:x', 'h2d:y', 'd2h:y']);
  });
});
