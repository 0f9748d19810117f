// Child process of nesting.test.ts (run with a reduced --stack-size): puts each of the deepest programs the
// parser accepts through check, lower, both code generators, the IR printer and the formatter.
import { checkProgram } from '../../kernels/lang/index';
import { printProgram } from '../../kernels/lang/ir-print';
import { formatKern } from '../../kernels/lang/format';
import { renderKernelJs } from '../../kernels/codegen/js';
import { renderPtx } from '../../kernels/codegen/ptx';
import { DEEP_SHAPES, largestAccepted } from './deep-shapes';

const results: { shape: string; n: number; passed: string[]; error?: string }[] = [];
for (const [shape, make] of Object.entries(DEEP_SHAPES)) {
  const n = largestAccepted(make);
  const text = make(n);
  const passed: string[] = [];
  try {
    const r = checkProgram('/deep.kern', { readFile: (p) => (p === '/deep.kern' ? text : undefined), resolveImport: (_f, s) => `/${s}` });
    const errors = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`);
    if (errors.length || !r.program) throw new Error(`check: ${errors.join('; ') || 'no program'}`);
    passed.push('check', 'lower');
    for (const k of r.program.kernels) renderKernelJs(k);
    passed.push('js');
    renderPtx(r.program.kernels);
    passed.push('ptx');
    printProgram(r.program);
    passed.push('ir-print');
    if (!formatKern('/deep.kern', text).ok) throw new Error('format refused');
    passed.push('format');
    results.push({ shape, n, passed });
  } catch (err) {
    results.push({ shape, n, passed, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
}
process.stdout.write(JSON.stringify(results));
