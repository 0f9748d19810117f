import { compileFile } from '../../driver/source-host';
import { compileKernel, executeKernel, runtime } from '../../driver/sim/executor';
const k = compileFile('kernels/examples/saxpy.kern').program!.kernels[0]!;
const c = compileKernel(k);
const n = 1 << 24;
const x = new Float32Array(n), y = new Float32Array(n);
const variants: Record<string, string> = { base: c.source };
variants.nocount = c.source.replace(/\(x\$reads\+\+, /g, '(').replace(/\(y\$reads\+\+, /g, '(').replace(' y$writes++;', '').replace('flops += 2;', '');
variants.oobnum = c.source.replace(/rt\.oob\(([^)]*)\)\)/g, '(rt.oob($1), 0))');
variants.localrt = c.source.replace("'use strict';", "'use strict'; const oob = rt.oob;").replace(/rt\.oob\(/g, 'oob(');
const buf = (d: Float32Array) => ({ kind: 'buffer' as const, name: 'b', data: d.buffer, placement: 'device' as const });
for (let rep = 0; rep < 2; rep++)
for (const [name, src] of Object.entries(variants)) {
  const run = new Function(`return (\n${src});`)()(runtime);
  const cc = { ...c, run };
  let best = 1e9;
  for (let r = 0; r < 4; r++) {
    const t = performance.now();
    executeKernel(cc, [n / 256, 1, 1], [256, 1, 1], [{ kind: 'scalar', type: 'u32', value: n }, { kind: 'scalar', type: 'f32', value: 2 }, buf(x), buf(y)]);
    best = Math.min(best, performance.now() - t);
  }
  let hb = 1e9;
  for (let r = 0; r < 4; r++) { const t = performance.now(); for (let i = 0; i < n; i++) y[i] = Math.fround(Math.fround(2 * x[i]!) + y[i]!); hb = Math.min(hb, performance.now() - t); }
  console.log(name, best.toFixed(1), hb.toFixed(1), (hb / best).toFixed(2));
}
