// Packages the extension as a .vsix with @vscode/vsce: esbuild bundles plus koffi's loader and native module
// (the only runtime dependency that cannot be bundled). Usage: node scripts/package.mjs [OUT.vsix]
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const out = resolve(process.argv[2] ?? 'egpu-kernel-studio.vsix');
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const vsce = resolve('node_modules/@vscode/vsce/vsce');
const r = spawnSync(process.execPath, [vsce, 'package', '--out', out, '--allow-missing-repository', '--skip-license', '--allow-star-activation', '--no-rewrite-relative-links'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
