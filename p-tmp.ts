import { parse } from './kernels/lang/parser';
import { check } from './kernels/lang/checker';
import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
const main = resolve(process.argv[2]!);
const files = new Map<string, any>();
const imports = new Map<string, any[]>();
const load = (p: string) => {
  if (files.has(p)) return;
  const r = parse(p, readFileSync(p, 'utf8'));
  for (const d of r.diagnostics) console.log(p, JSON.stringify(d).slice(0, 300));
  files.set(p, r.file);
  const list: any[] = [];
  imports.set(p, list);
  for (const item of r.file.items) if (item.kind === 'Import') {
    const ip = resolve(dirname(p), (item as any).path.value ?? (item as any).path);
    list.push({ item, path: ip });
    load(ip);
  }
};
load(main);
const c = check({ files, imports });
for (const d of c.diagnostics) console.log(d.severity, d.code, d.file ?? '', JSON.stringify(d.range ?? d.span), d.message);
