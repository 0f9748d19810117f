// Every kernel in kernels/examples and kernels/lib renders to JS that compiles on the simulator, and the
// examples that use barriers, warps and atomics run their `run` blocks on the sim device with passing expects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileKernel } from '../../driver/sim/executor';
import { kernelHasSyncPoints } from '../../kernels/codegen/js';
import { SimDevice } from '../../driver/sim/device';
import type { DeviceInfo } from '../../driver/device';

const ROOT = join(__dirname, '../..');
const DIRS = ['kernels/examples', 'kernels/lib'];

function kernFiles(): string[] {
  return DIRS.flatMap((d) => (existsSync(join(ROOT, d)) ? readdirSync(join(ROOT, d)).filter((f) => f.endsWith('.kern')).sort().map((f) => join(ROOT, d, f)) : []));
}

function defaultProfile(): DeviceInfo {
  const json = JSON.parse(readFileSync(join(ROOT, 'driver/profiles/rtx5090-usb4.json'), 'utf8'));
  return { id: 'sim:' + json.id, backend: 'sim', name: json.name, gpu: json.gpu, link: json.link, memoryBytes: json.memoryBytes, limits: json.limits, ceilings: json.ceilings };
}

async function frontEnd() {
  if (!existsSync(join(ROOT, 'driver/source-host.ts'))) return null;
  return await import('../../driver/source-host');
}

test('every example and library kernel compiles for the simulator', async (t) => {
  const fe = await frontEnd();
  if (!fe) return t.skip('driver/source-host.ts (the front end) is not there yet');
  const files = kernFiles();
  assert.ok(files.length > 0);
  let kernels = 0;
  let withSync = 0;
  for (const file of files) {
    const result = fe.compileFile(file);
    assert.ok(result.program, `${file} checks without errors`);
    for (const kernel of result.program.kernels) {
      const compiled = compileKernel(kernel);
      assert.equal(typeof compiled.run, 'function', `${kernel.name} of ${file}`);
      kernels++;
      if (kernelHasSyncPoints(kernel)) withSync++;
    }
  }
  assert.ok(kernels >= files.length);
  assert.ok(withSync > 0, 'some kernels exercise the state-machine path');
});

test('the barrier, warp and atomic examples run on the sim device with passing expects', async (t) => {
  const fe = await frontEnd();
  if (!fe || !existsSync(join(ROOT, 'driver/runner.ts'))) return t.skip('the front end or the runner is not there yet');
  const { runProgram } = await import('../../driver/runner');
  const device = new SimDevice(defaultProfile());
  try {
    for (const name of ['matmul_tiled.kern', 'warp_reduce.kern', 'atomics.kern', 'softmax_f16.kern', 'volume3d.kern']) {
      const file = join(ROOT, 'kernels/examples', name);
      if (!existsSync(file)) continue;
      const result = fe.compileFile(file);
      assert.ok(result.program, name);
      const runs = await runProgram(result.program, device, { baseDir: join(ROOT, 'kernels/examples') });
      for (const run of runs) {
        assert.equal(run.error, null, `${name} ${run.name}: ${run.error?.message}`);
        for (const e of run.expects) assert.ok(e.pass, `${name} ${run.name}: expect on ${e.buffer} (${JSON.stringify(e.mismatches.slice(0, 3))})`);
      }
    }
  } finally {
    await device.dispose();
  }
});
