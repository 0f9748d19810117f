import { readdirSync } from 'node:fs';
import { compileFile } from '/work/main/driver/source-host';
import { runProgram } from '/work/main/driver/runner';
import { SimDevice } from '/work/main/driver/sim/device';
import { loadProfile } from '/work/main/driver/profiles';
(async () => {
for (const dir of ['kernels/examples', 'kernels/lib']) for (const f of readdirSync(dir).filter(f => f.endsWith('.kern'))) {
  const path = `/work/main/${dir}/${f}`;
  const r = compileFile(path);
  if (!r.program) { console.log(f, 'CHECK ERRORS', r.diagnostics.filter(d=>d.severity==='error').map(d => d.message).slice(0,3)); continue; }
  const dev = new SimDevice(loadProfile('rtx5090-usb4'));
  const t = Date.now();
  try {
    const res = await runProgram(r.program, dev, { baseDir: `/work/main/${dir}` });
    for (const rr of res) console.log(f, rr.name, rr.error ? 'ERROR ' + rr.error.message : 'ok', rr.expects.map(e => e.pass ? 'pass' : `FAIL ${e.buffer} ${JSON.stringify(e.mismatches.slice(0,2))}`).join(','), Date.now() - t, 'ms');
    if (!res.length) console.log(f, 'no runs; kernels', r.program.kernels.map(k => k.name));
  } catch (e) { console.log(f, 'THROW', e); }
  await dev.dispose();
}
})();
