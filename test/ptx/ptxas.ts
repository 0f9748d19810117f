// Finds NVIDIA's ptxas (CUDA toolkit or PATH) and assembles PTX text with it, for the codegen tests.
// Tests skip visibly when it is absent.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The ptxas binary to use, or null when there is none. */
export function findPtxas(): string | null {
  const candidates = [process.env.EGPU_PTXAS, '/usr/local/cuda/bin/ptxas'].filter((p): p is string => !!p);
  for (const c of candidates) if (existsSync(c)) return c;
  const r = spawnSync('ptxas', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? 'ptxas' : null;
}

/** Assembles `ptx` for `arch` (e.g. sm_80); `log` holds ptxas's messages. */
export function assemble(ptxas: string, ptx: string, arch: string): { ok: boolean; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'egpu-ptxas-'));
  try {
    const file = join(dir, 'module.ptx');
    writeFileSync(file, ptx);
    const r = spawnSync(ptxas, [`-arch=${arch}`, file, '-o', join(dir, 'module.cubin')], { encoding: 'utf8' });
    return { ok: r.status === 0, log: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
