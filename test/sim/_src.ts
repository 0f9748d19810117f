import { compileFile } from '../../driver/source-host';
import { renderKernelJs } from '../../kernels/codegen/js';
const [file, name] = process.argv.slice(2);
const r = compileFile(file!);
console.log(renderKernelJs(r.program!.kernels.find(k => k.name === name)!));
