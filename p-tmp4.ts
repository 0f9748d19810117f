import { loadProfile } from './driver/profiles';
import { SimDevice } from './driver/sim/device';
import { compileFile } from './driver/source-host';
async function main() {
  const r = compileFile('/tmp/kx/m.kern');
  for (const d of r.diagnostics) console.log(d.message);
  const ks = new Map(r.program!.kernels.map((k) => [k.name, k]));
  const device = new SimDevice(loadProfile('rtx5090-usb4'));
  const rows = 256, cols = 128;
  const w = await device.alloc(rows * cols / 32 * 34, 'device', 'w'); const x = await device.alloc(cols * 4, 'device', 'x'); const y = await device.alloc(rows * 4, 'device', 'y');
  for (const name of ['matmul_q8_0', 'matmul_q8_direct', 'matmul_f32']) {
    const p = await device.compile(ks.get(name)!);
    for (let round = 0; round < 3; round++) {
      const t = performance.now();
      for (let i = 0; i < 20; i++) await device.launch(p, [1,1,1], [256,1,1], [{kind:'scalar', type:'u32', value:rows}, {kind:'scalar', type:'u32', value:cols}, {kind:'scalar', type:'u32', value:1}, {kind:'scalar', type:'u32', value:0}, {kind:'buffer', buffer:w},{kind:'buffer', buffer:x},{kind:'buffer', buffer:y}]);
      if (round == 2) console.log(name, 'per launch ms', (performance.now() - t) / 20);
    }
  }
  await device.dispose();
}
main();
