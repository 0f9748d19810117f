// Every example (and library) .kern file runs on the simulated eGPU with all expects passing, and what
// it reads back matches a plain-TypeScript computation of the same thing from the same inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../driver/runner';
import { f16BitsToNumber, f32ToBf16Bits, bf16BitsToNumber, f32ToF16Bits, fillRandom, randomValues, runProgram } from '../driver/runner';
import { DEFAULT_PROFILE, loadProfile } from '../driver/profiles';

const ROOT = join(__dirname, '..');
const FOLDERS = ['kernels/examples', 'kernels/lib'];
const READY = existsSync(join(ROOT, 'driver/source-host.ts')) && existsSync(join(ROOT, 'driver/sim/device.ts'));

type Check = (r: RunResult) => void;
const range = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));
const f16 = (x: number): number => f16BitsToNumber(f32ToF16Bits(x));
const bf16 = (x: number): number => bf16BitsToNumber(f32ToBf16Bits(x));
const read = (r: RunResult, name: string): number[] => {
  const values = r.reads[name];
  assert.ok(values, `run ${r.name} reads ${name}`);
  return Array.from(values);
};
/** Element-wise comparison that names the first difference. */
function near(got: number[], want: number[], tol: (w: number) => number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= tol(want[i]!))) assert.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}
const exact = (got: number[], want: number[], what: string): void => near(got, want, () => 0, what);

function matmulFma(m: number, n: number, k: number, a: number[], b: number[]): number[] {
  return range(m * n, (idx) => {
    const row = Math.floor(idx / n);
    const col = idx % n;
    let acc = 0;
    for (let kk = 0; kk < k; kk++) acc = Math.fround(a[row * k + kk]! * b[kk * n + col]! + acc);
    return acc;
  });
}

function softmaxRows(x: number[], rows: number, cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = x.slice(r * cols, (r + 1) * cols);
    const max = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
    for (const v of row) out.push(Math.exp(v - max) / sum);
  }
  return out;
}

const REFERENCES: Record<string, Record<string, Check>> = {
  'saxpy.kern': {
    saxpy_16m: (r) => {
      const x = new Float64Array(1 << 24);
      fillRandom(x, -1, 1, 1, 'f32');
      const y = read(r, 'y');
      assert.equal(y.length, x.length);
      for (let i = 0; i < x.length; i++) if (y[i] !== Math.fround(2 * x[i]! + 1)) assert.fail(`y[${i}]: got ${y[i]}, want ${Math.fround(2 * x[i]! + 1)}`);
      assert.equal(r.summary.verdict, 'link-bound', r.summary.verdict_text);
      assert.match(r.summary.verdict_text, /H2D\/D2H copies at 3[23]\.\d GB\/s of a 33 GB\/s link/);
    },
    saxpy_resident: (r) => {
      assert.deepEqual(r.reads, {});
      assert.equal(r.summary.kernel_count, 10);
      assert.equal(r.summary.h2d_bytes + r.summary.d2h_bytes, 0);
      assert.equal(r.summary.verdict, 'memory-bound', r.summary.verdict_text);
    },
  },
  'common.kern': {
    common_selftest: (r) => exact(read(r, 'out'), range(1024, (i) => i), 'out'),
  },
  'matmul_tiled.kern': {
    matmul_vs_naive: (r) => {
      const [m, n, k] = [70, 45, 37];
      const want = matmulFma(m, n, k, randomValues(m * k, -1, 1, 7, 'f32'), randomValues(k * n, -1, 1, 8, 'f32'));
      near(read(r, 'c'), want, () => 1e-6, 'c');
      exact(read(r, 'c_ref'), read(r, 'c'), 'c_ref');
    },
    matmul_ones: (r) => exact(read(r, 'c'), range(64 * 64, () => 200), 'c'),
  },
  'softmax_f16.kern': {
    softmax_32x1000: (r) => {
      const x = randomValues(32 * 1000, -4, 4, 3, 'f16').map(f16);
      const want = softmaxRows(x, 32, 1000);
      near(read(r, 'y'), want, (w) => 1e-3 * w + 1e-7, 'y (f16)');
      near(read(r, 'y_ref'), want, (w) => 1e-5 * w + 1e-9, 'y_ref (f32)');
    },
    softmax_uniform: (r) => assert.equal(r.expects.length, 1),
  },
  'atomics.kern': {
    histogram_4096: (r) => {
      const counts = new Array(16).fill(0);
      for (let i = 0; i < 4096; i++) counts[(7 + 3 * i) % 16]++;
      exact(read(r, 'counts'), counts, 'counts');
      exact(read(r, 'largest'), [7 + 3 * 4095], 'largest');
      exact(read(r, 'smallest'), [7], 'smallest');
      exact(read(r, 'weight'), [4096 * 0.5], 'weight');
    },
  },
  'reduction.kern': {
    sum_5000: (r) => exact(read(r, 'total'), [(4999 * 5000) / 2], 'total'),
    sum_1m: (r) => assert.deepEqual(r.expects.map((e) => e.pass), [true]),
  },
  'warp_reduce.kern': {
    warp_stats_4096: (r) => {
      const sums = range(128, (w) => range(32, (l) => 32 * w + l).reduce((a, b) => a + b, 0));
      exact(read(r, 'sums'), sums, 'sums');
      exact(read(r, 'tree_sums'), sums, 'tree_sums');
      exact(read(r, 'maxes'), range(128, (w) => 32 * w + 31), 'maxes');
      exact(read(r, 'firsts'), range(128, (w) => 32 * w), 'firsts');
    },
  },
  'quantized.kern': {
    dequantize: (r) => exact(read(r, 'out'), range(128, (i) => bf16((-64 + i) * f16BitsToNumber(0x3800))), 'out'),
    unpack_pairs: (r) => assert.deepEqual(r.expects.map((e) => e.pass), [true]),
    threshold_ramp: (r) => exact(read(r, 'out'), range(256, (p) => (p >= 128 ? 255 : p >= 64 ? 10 : 0)), 'out'),
    negate: (r) => exact(read(r, 'y'), range(256, (i) => -(-100 + 0.75 * i)), 'y'),
  },
  'volume3d.kern': {
    volume: (r) => exact(read(r, 'volume'), range(16 * 8 * 4, (i) => i), 'volume'),
    loop_forms: (r) => {
      exact(read(r, 'sums'), range(1000, (i) => 2 * i * (i - 1)), 'sums');
      exact(read(r, 'steps'), range(1000, (i) => Math.ceil(i / 7)), 'steps');
      const mixed = range(1000, (i) => {
        let v = i + 5;
        v *= 3;
        v -= 1;
        v = Math.trunc(v / 2);
        v %= 1000;
        v = (v << 4) >>> 0;
        v |= 3;
        v ^= 1;
        v >>>= 1;
        return v & 0x1fff;
      });
      exact(read(r, 'mixed'), mixed, 'mixed');
    },
  },
  'zero_copy.kern': {
    zero_copy: (r) => {
      const n = 1 << 20;
      exact(read(r, 'y'), range(n, (i) => Math.fround(3 * i)), 'y');
      assert.equal(r.summary.h2d_bytes, 0, 'host-placed buffers are not copied');
      assert.equal(r.summary.mapped_link_bytes, 2 * 4 * n, 'the kernel reads x and writes y across the link');
    },
    copied: (r) => {
      const n = 1 << 20;
      exact(read(r, 'y'), range(n, (i) => Math.fround(3 * i)), 'y');
      assert.equal(r.summary.h2d_bytes, 4 * n);
      assert.equal(r.summary.mapped_link_bytes, 0);
    },
  },
};

for (const folder of FOLDERS) {
  const dir = join(ROOT, folder);
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.kern')).sort() : [];
  for (const file of files) {
    test(`${folder}/${file} runs on the sim and matches its reference`, async (t) => {
      if (!READY) return t.skip('the front end (driver/source-host.ts) or the simulator (driver/sim/device.ts) is not there yet');
      const { compileFile } = await import('../driver/source-host');
      const { SimDevice } = await import('../driver/sim/device');
      const compiled = compileFile(join(dir, file));
      const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
      assert.deepEqual(errors.map((d) => d.message), []);
      assert.ok(compiled.program);
      const device = new SimDevice(loadProfile(DEFAULT_PROFILE), { timeLimitMs: 60_000 });
      try {
        const results = await runProgram(compiled.program, device);
        const refs = REFERENCES[file] ?? {};
        for (const r of results) {
          assert.equal(r.error, null, `run ${r.name}: ${r.error?.message}`);
          for (const e of r.expects) assert.ok(e.pass, `run ${r.name}: expect ${e.buffer} at line ${e.loc.line}: ${e.failed} of ${e.checked} differ, first ${JSON.stringify(e.mismatches.slice(0, 3))}`);
          const check = refs[r.name];
          if (!check) {
            if (folder === 'kernels/lib') continue; // library files are checked by their expects until a reference is written
            assert.fail(`no plain-TypeScript reference for run ${r.name} in ${file}`);
          }
          check(r);
        }
        assert.deepEqual(results.map((r) => r.name).filter((n) => folder === 'kernels/examples' && !refs[n]), []);
      } finally {
        await device.dispose();
      }
    });
  }
}
