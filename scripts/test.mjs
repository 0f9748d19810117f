// Runs the unit, golden and protocol tests with node's built-in runner (TypeScript through tsx).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name === 'e2e' || name === 'fixtures' || name === 'golden') continue;
      out.push(...collect(p));
    } else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
// `npm test -- --update` rewrites the golden files (the flag cannot reach tests through node --test).
const update = process.argv.includes('--update');
const filter = process.argv.slice(2).filter((a) => a !== '--update');
let files = collect('test').sort();
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env: update ? { ...process.env, UPDATE_GOLDENS: '1' } : process.env });
process.exit(r.status ?? 1);
