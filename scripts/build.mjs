// Bundles every face of the engine with esbuild: CLI, language server, extension, sim worker, webview.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: 'linked', logLevel: 'warning' };
const entries = [
  { entryPoints: ['cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, external: ['koffi'] },
  { entryPoints: ['driver/sim/worker.ts'], outfile: 'dist/sim-worker.js' },
  { entryPoints: ['language-server/main.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['extension/main.ts'], outfile: 'dist/extension.js', external: ['vscode', 'koffi'] },
];
const jobs = [];
for (const e of entries) {
  if (!existsSync(e.entryPoints[0])) continue;
  jobs.push(build({ ...common, ...e }));
}
if (existsSync('webview/main.ts')) {
  jobs.push(build({ entryPoints: ['webview/main.ts'], outfile: 'dist/webview/main.js', bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: 'linked', logLevel: 'warning' }));
}
await Promise.all(jobs);
