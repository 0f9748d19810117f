// Finds and loads libcuda lazily (EGPU_LIBCUDA first, then the usual places per OS), and maps CUresults
// to CudaError through one check(). koffi itself is only required here, on first use.
import { existsSync } from 'node:fs';
import type * as Koffi from 'koffi';
import { bindCuda, type CudaBindings } from './bindings';

/** A failed CUDA driver call: the CUresult, its name and description, and what we were doing. */
export class CudaError extends Error {
  constructor(
    readonly code: number,
    readonly errorName: string,
    readonly errorString: string,
    readonly what: string,
  ) {
    super(`CUDA ${errorName} (${code}) while ${what}: ${errorString}`);
    this.name = 'CudaError';
  }
}

export interface LoadedCuda {
  api: CudaBindings;
  koffi: typeof Koffi;
  /** The library file that was loaded. */
  path: string;
}

export type LoadResult = { ok: true; cuda: LoadedCuda } | { ok: false; reason: string };

/** The places libcuda is looked for, in order (EGPU_LIBCUDA alone when it is set). */
export function libcudaCandidates(platform: string = process.platform, env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.EGPU_LIBCUDA) return [env.EGPU_LIBCUDA];
  if (platform === 'win32') return ['nvcuda.dll', 'C:\\Windows\\System32\\nvcuda.dll'];
  if (platform === 'darwin') return ['/usr/local/cuda/lib/libcuda.dylib', '/Library/Frameworks/CUDA.framework/CUDA', 'libcuda.dylib'];
  return [
    'libcuda.so.1',
    'libcuda.so',
    '/usr/lib/wsl/lib/libcuda.so.1',
    '/usr/lib/x86_64-linux-gnu/libcuda.so.1',
    '/usr/lib/aarch64-linux-gnu/libcuda.so.1',
    '/usr/lib64/libcuda.so.1',
  ];
}

let loaded: LoadResult | null = null;
let loadedFrom: string | undefined;

/** Loads libcuda once per process (again if EGPU_LIBCUDA changed). Never throws. */
export function loadLibcuda(): LoadResult {
  if (loaded && loadedFrom === process.env.EGPU_LIBCUDA) return loaded;
  loadedFrom = process.env.EGPU_LIBCUDA;
  loaded = tryLoad(libcudaCandidates());
  return loaded;
}

function tryLoad(candidates: string[]): LoadResult {
  let koffi: typeof Koffi;
  try {
    koffi = require('koffi') as typeof Koffi;
  } catch (err) {
    return { ok: false, reason: `the koffi package could not be loaded (${err instanceof Error ? err.message.split('\n')[0] : String(err)})` };
  }
  const failures: string[] = [];
  for (const path of candidates) {
    // Bare names go to the dynamic loader's search path; absolute ones must exist.
    if ((path.includes('/') || path.includes('\\')) && !existsSync(path)) {
      failures.push(path);
      continue;
    }
    let lib: Koffi.LibraryHandle;
    try {
      lib = koffi.load(path);
    } catch {
      failures.push(path);
      continue;
    }
    try {
      return { ok: true, cuda: { api: bindCuda(lib), koffi, path } };
    } catch (err) {
      return { ok: false, reason: `${path} is not a usable libcuda (${err instanceof Error ? err.message : String(err)})` };
    }
  }
  return { ok: false, reason: `libcuda not found (looked for ${failures.join(', ')}; set EGPU_LIBCUDA to its path)` };
}

/** The CUresult's name and description from the driver itself, or placeholders when it does not know the code. */
export function describeResult(cuda: LoadedCuda, code: number): { name: string; text: string } {
  const name: [string | null] = [null];
  const text: [string | null] = [null];
  let n = `CUDA_ERROR_${code}`;
  let t = 'unknown error';
  try {
    if (cuda.api.cuGetErrorName(code, name) === 0 && name[0]) n = name[0];
    if (cuda.api.cuGetErrorString(code, text) === 0 && text[0]) t = text[0];
  } catch {
    // Keep the placeholders: the error being reported matters more.
  }
  return { name: n, text: t };
}

/** Throws a CudaError unless `result` is CUDA_SUCCESS; `what` says what we were doing, in the user's words. */
export function check(cuda: LoadedCuda, result: number, what: string): void {
  if (result === 0) return;
  const { name, text } = describeResult(cuda, result);
  throw new CudaError(result, name, text, what);
}
