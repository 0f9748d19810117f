// `egpu run` and `egpu devices` end to end through the CLI entry point: text report, --json shape,
// --trace file, runtime and expect failures as file:line:col, and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(__dirname, '..', '..');
// tsx by absolute URL, so that the CLI can run with a scratch folder as its working directory.
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const READY = existsSync(join(ROOT, 'driver/source-host.ts')) && existsSync(join(ROOT, 'driver/sim/device.ts'));

function egpu(args: string[], cwd = ROOT): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', TSX, join(ROOT, 'cli/main.ts'), ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 30, timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function scratch(name: string, text: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'egpu-cli-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return { dir, file };
}

const SMALL = `const BLOCK: u32 = 64;

kernel scale(n: u32, s: f32, x: f32[], y: mut f32[]) {
  let i = block.x * block_dim.x + thread.x;
  if i < n {
    y[i] = s * x[i];
  }
}

run ok {
  let n = 100;
  let x = buffer(f32, n, range(0.0, 1.0));
  let y = buffer(f32, n);
  launch scale[ceil_div(n, BLOCK), BLOCK](n, 3.0, x, y);
  read y;
  expect y[i] == 3.0 * x[i] within 0.0;
}

run wrong {
  let n = 100;
  let x = buffer(f32, n, range(0.0, 1.0));
  let y = buffer(f32, n);
  launch scale[ceil_div(n, BLOCK), BLOCK](n, 3.0, x, y);
  expect y[i] == 4.0 * x[i] within 0.5;
}

run out_of_bounds {
  let x = buffer(f32, 10, fill(1.0));
  let y = buffer(f32, 100);
  launch scale[2, BLOCK](100, 1.0, x, y);
}
`;

test('egpu run saxpy.kern: link-bound copies, memory-bound resident run, expects pass', (t) => {
  if (!READY) return t.skip('front end or simulator not there yet');
  const r = egpu(['run', 'kernels/examples/saxpy.kern']);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  const [copied, resident] = r.stdout.split(/\n(?=run )/);
  assert.match(copied!, /^run saxpy_16m on RTX 5090 · USB4 33 GB\/s \(sim\)\n/);
  assert.match(copied!, /\n  h2d     x          1   2\.1 ms   64 MiB  32\.7 GB\/s  99% of link\n/);
  assert.match(copied!, /\n  verdict: link-bound: 98% of 6\.3 ms is H2D\/D2H copies at 32\.7 GB\/s of a 33 GB\/s link; kernel 0\.13 ms at 1\.58 TB\/s\n/);
  assert.match(copied!, /\n  expect y: pass \(16777216 elements\)\n/);
  assert.match(resident!, /^run saxpy_resident on /);
  assert.match(resident!, /\n  kernel  saxpy +10 /, 'ten launches merged into one row');
  assert.match(resident!, /\n  verdict: memory-bound: \d+% of [\d.]+ ms is kernels and zero-fills at 1\.\d+ TB\/s of 1\.79 TB\/s memory/);
});

test('egpu run: failed expects and runtime faults print file:line:col and exit 1; --json shape', (t) => {
  if (!READY) return t.skip('front end or simulator not there yet');
  const { dir, file } = scratch('small.kern', SMALL);
  const r = egpu(['run', 'small.kern', '--trace', 'out.json'], dir);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /\n  expect y: pass \(100 elements\)\n/);
  assert.match(r.stdout, /\nsmall\.kern:24:3: error: expect y failed: 99 of 100 elements differ\n      y\[1\]: got 3, want 4\n      y\[2\]: got 6, want 8\n/);
  assert.match(r.stdout, /\n      … and 89 more\n/);
  assert.match(r.stdout, /\nsmall\.kern:\d+:\d+: error: out-of-bounds read: x\[10\] but x has 10 elements — kernel scale, block \(0,0,0\), thread \(10,0,0\)/);

  const trace = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { traceEvents: { ph: string; name: string }[] };
  assert.deepEqual(trace.traceEvents.filter((e) => e.ph === 'X' && e.name.startsWith('run ')).map((e) => e.name), ['run ok', 'run wrong', 'run out_of_bounds']);

  const j = egpu(['run', file, '--json', '--run', 'ok']);
  assert.equal(j.code, 0);
  const out = JSON.parse(j.stdout) as { device: { id: string }; runs: Record<string, unknown>[] };
  assert.equal(out.device.id, 'sim:rtx5090-usb4');
  assert.equal(out.runs.length, 1);
  const run = out.runs[0]!;
  assert.deepEqual(Object.keys(run), ['name', 'events', 'reads', 'expects', 'summary', 'roofline', 'error']);
  assert.equal(run['name'], 'ok');
  assert.equal(run['error'], null);
  const events = run['events'] as Record<string, unknown>[];
  assert.deepEqual(events.map((e) => e['kind']), ['h2d', 'memset', 'kernel', 'd2h']);
  for (const e of events) for (const k of ['kind', 'name', 'start_us', 'duration_us', 'bytes', 'flops', 'lane']) assert.ok(k in e, `event has ${k}`);
  assert.deepEqual((run['reads'] as Record<string, number[]>)['y'], Array.from({ length: 100 }, (_, i) => 3 * i));
  const expects = run['expects'] as { buffer: string; pass: boolean; mismatches: unknown[] }[];
  assert.deepEqual(expects.map((e) => [e.buffer, e.pass, e.mismatches]), [['y', true, []]]);
  assert.equal((run['summary'] as { verdict: string }).verdict, 'latency-bound');

  const bad = egpu(['run', file, '--json', '--run', 'out_of_bounds']);
  assert.equal(bad.code, 1);
  const err = (JSON.parse(bad.stdout) as { runs: { error: { kernel: string; line: number; column: number; message: string } }[] }).runs[0]!.error;
  assert.equal(err.kernel, 'scale');
  assert.equal(err.line, 6);
  assert.match(err.message, /^out-of-bounds read: x\[10\]/);
});

test('egpu run: compile errors exit 1 with check-style diagnostics; bad flags and devices exit 2', (t) => {
  if (!READY) return t.skip('front end or simulator not there yet');
  const { dir } = scratch('broken.kern', 'run r {\n  launch nope[1, 32]();\n}\n');
  const r = egpu(['run', 'broken.kern'], dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^broken\.kern:2:\d+: error K\d+: /);
  assert.equal(r.stdout, '');
  const dev = egpu(['run', 'kernels/examples/saxpy.kern', '--device', 'sim:nope']);
  assert.equal(dev.code, 2);
  assert.match(dev.stderr, /^egpu run: unknown device profile 'nope'; known profiles: rtx5090-usb4, /);
  const usage = egpu(['run']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^egpu run: missing FILE\nusage: egpu run FILE/);
});

test('egpu devices lists the sim profiles and what CUDA says', () => {
  const r = egpu(['devices']);
  assert.equal(r.code, 0);
  const lines = r.stdout.split('\n');
  assert.match(lines[0]!, /^device +name +memory +link GB\/s +memory GB\/s +FP32 TFLOPS$/);
  assert.match(lines[1]!, /^sim:rtx5090-usb4 \(default\) +RTX 5090 · USB4 33 GB\/s \(sim\) +32 GiB +33 +1792 +104\.8$/);
  assert.ok(lines.some((l) => /^sim:rtx4090-tb5 .* 5\.6 +1008 +82\.6$/.test(l)));
  assert.ok(/\ncuda: unavailable: .+\n/.test(r.stdout) || /^cuda:0 /m.test(r.stdout));
  const j = JSON.parse(egpu(['devices', '--json']).stdout) as { default: string; sim: { id: string }[]; cuda: { ok: boolean } };
  assert.equal(j.default, 'sim:rtx5090-usb4');
  assert.equal(j.sim.length, 6);
  assert.equal(typeof j.cuda.ok, 'boolean');
});
