// Every example and library kernel run on cuda:0 and on the simulator, results compared: integers exactly,
// floats within the tolerance docs/ptx.md gives for the approximate math. Skipped unless a CUDA GPU is found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { probeCuda } from '../../driver/cuda/index';
import { openDevice } from '../../driver/open';
import { runProgram } from '../../driver/runner';
import { compileFile } from '../../driver/source-host';
import type { Device } from '../../driver/device';

/** The repository: two folders up from this test, or one up from its bundle in dist/ (scripts/gpu-pack.sh). */
const ROOT = [join(__dirname, '..', '..'), join(__dirname, '..')].find((d) => existsSync(join(d, 'kernels', 'examples'))) ?? join(__dirname, '..', '..');
const FOLDERS = ['kernels/examples', 'kernels/lib'];
/** |cuda - sim| <= ABS + REL * |sim|: ex2/lg2/sin/cos/rsqrt/tanh.approx and summation order (docs/ptx.md). */
const FLOAT_ABS = 1e-5;
const FLOAT_REL = 2e-3;

const files = FOLDERS.flatMap((dir) => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.kern')).sort().map((f) => join(dir, f)));

function isIntegral(values: number[]): boolean {
  return values.every((v) => Number.isInteger(v));
}

for (const file of files) {
  test(`cuda:0 matches the simulator on ${file}`, { timeout: 300_000 }, async (t) => {
    const probe = await probeCuda();
    if (!probe.ok) return t.skip(`no CUDA GPU: ${probe.reason}`);
    const result = compileFile(join(ROOT, file));
    assert.ok(result.program, `${file} does not check`);
    const program = result.program!;
    let sim: Device | null = null;
    let cuda: Device | null = null;
    try {
      sim = await openDevice('sim');
      cuda = await openDevice('cuda:0', { timeLimitMs: 60_000 });
      for (const run of program.runs) {
        const [want] = await runProgram(program, sim, { runName: run.name, baseDir: join(ROOT, file, '..') });
        const [got] = await runProgram(program, cuda, { runName: run.name, baseDir: join(ROOT, file, '..') });
        assert.ok(want && got, `run ${run.name} produced results on both devices`);
        assert.equal(got!.error, null, `cuda: ${got!.error?.message}`);
        assert.equal(want!.error, null, `sim: ${want!.error?.message}`);
        for (const [name, simValues] of Object.entries(want!.reads)) {
          const cudaValues = got!.reads[name];
          assert.ok(cudaValues, `${run.name}: buffer ${name} read on cuda`);
          assert.equal(cudaValues!.length, simValues.length);
          const exact = isIntegral(Array.from(simValues)) && isIntegral(Array.from(cudaValues!));
          for (let i = 0; i < simValues.length; i++) {
            const a = cudaValues![i]!;
            const b = simValues[i]!;
            if (exact) assert.equal(a, b, `${run.name}: ${name}[${i}]`);
            else if (!(Number.isNaN(a) && Number.isNaN(b))) {
              assert.ok(Math.abs(a - b) <= FLOAT_ABS + FLOAT_REL * Math.abs(b), `${run.name}: ${name}[${i}] cuda ${a} vs sim ${b}`);
            }
          }
        }
        for (const e of got!.expects) assert.equal(e.pass, true, `${run.name}: expect on ${e.buffer} failed on cuda (${e.failed} of ${e.checked})`);
      }
    } finally {
      await cuda?.dispose();
      await sim?.dispose();
    }
  });
}
