// Simulated device profiles: the built-in JSON files in driver/profiles/ and user profile files,
// validated field by field and turned into the DeviceInfo the simulator and the verdict use.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { DeviceInfo } from './device';

export const DEFAULT_PROFILE = 'rtx5090-usb4';

/** The folder of built-in profiles, found from source (driver/) or from the bundle (dist/ -> ../driver/profiles). */
export function builtinProfilesDir(): string {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  const candidates = [
    join(here, 'profiles'),
    join(here, '..', 'driver', 'profiles'),
    join(here, '..', '..', 'driver', 'profiles'),
    join(process.cwd(), 'driver', 'profiles'),
  ];
  for (const dir of candidates) {
    if (existsSync(join(dir, `${DEFAULT_PROFILE}.json`))) return dir;
  }
  throw new Error(`built-in device profiles not found (looked in ${candidates.join(', ')})`);
}

/** A user-facing problem with a profile file (bad JSON, missing or wrong field). */
export class ProfileError extends Error {
  override name = 'ProfileError';
}

/** Parses and checks one profile's JSON text; `label` names it in messages (`profile my.json: …`). */
export function parseProfile(text: string, label: string): DeviceInfo {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ProfileError(`profile ${label}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const fail = (field: string, what: string): never => {
    throw new ProfileError(`profile ${label}: ${field} ${what}`);
  };
  if (!isObject(json)) fail('the file', 'must hold a JSON object');
  const root = json as Record<string, unknown>;
  const text_ = (field: string): string => {
    const v = root[field];
    if (typeof v !== 'string' || v.trim() === '') fail(field, 'must be a non-empty string');
    return v as string;
  };
  const positive = (obj: Record<string, unknown>, prefix: string, field: string): number => {
    const v = obj[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(prefix + field, 'must be a positive number');
    return v as number;
  };
  const nonNegative = (obj: Record<string, unknown>, prefix: string, field: string): number => {
    const v = obj[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(prefix + field, 'must be a number >= 0');
    return v as number;
  };
  const positiveInt = (obj: Record<string, unknown>, prefix: string, field: string): number => {
    const v = obj[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) fail(prefix + field, 'must be a positive integer');
    return v as number;
  };
  const dim3 = (obj: Record<string, unknown>, prefix: string, field: string): [number, number, number] => {
    const v = obj[field];
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isInteger(x) && x > 0)) {
      fail(prefix + field, 'must be an array of three positive integers');
    }
    const a = v as number[];
    return [a[0]!, a[1]!, a[2]!];
  };
  const section = (field: string): Record<string, unknown> => {
    const v = root[field];
    if (!isObject(v)) fail(field, 'must be an object');
    return v as Record<string, unknown>;
  };

  const id = text_('id');
  if (!/^[A-Za-z0-9._-]+$/.test(id)) fail('id', 'may hold only letters, digits, ".", "_" and "-"');
  const name = text_('name');
  const gpu = text_('gpu');
  const link = text_('link');
  const memoryBytes = positiveInt(root, '', 'memoryBytes');
  const limits = section('limits');
  const ceilings = section('ceilings');
  if (root['sources'] !== undefined && typeof root['sources'] !== 'string') fail('sources', 'must be a string');
  return {
    id: `sim:${id}`,
    backend: 'sim',
    name,
    gpu,
    link,
    memoryBytes,
    limits: {
      maxThreadsPerBlock: positiveInt(limits, 'limits.', 'maxThreadsPerBlock'),
      maxSharedBytesPerBlock: positiveInt(limits, 'limits.', 'maxSharedBytesPerBlock'),
      warpSize: positiveInt(limits, 'limits.', 'warpSize'),
      maxGridDim: dim3(limits, 'limits.', 'maxGridDim'),
      maxBlockDim: dim3(limits, 'limits.', 'maxBlockDim'),
    },
    ceilings: {
      linkH2DGBps: positive(ceilings, 'ceilings.', 'linkH2DGBps'),
      linkD2HGBps: positive(ceilings, 'ceilings.', 'linkD2HGBps'),
      memoryGBps: positive(ceilings, 'ceilings.', 'memoryGBps'),
      fp32TFLOPS: positive(ceilings, 'ceilings.', 'fp32TFLOPS'),
      transferLatencyUs: nonNegative(ceilings, 'ceilings.', 'transferLatencyUs'),
      launchLatencyUs: nonNegative(ceilings, 'ceilings.', 'launchLatencyUs'),
      syncLatencyUs: nonNegative(ceilings, 'ceilings.', 'syncLatencyUs'),
    },
  };
}

/** Reads and checks a profile file. */
export function loadProfileFile(path: string): DeviceInfo {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ProfileError(`profile ${path}: cannot read the file${code ? ` (${code})` : ''}`);
  }
  return parseProfile(text, basename(path));
}

/** Every built-in profile (sorted by id, the default first) and then the `extra` profile files. */
/** A user profile: the path of a JSON file, or the profile object itself (inline in the settings). */
export type ProfileSource = string | Record<string, unknown>;

function loadProfileSource(source: ProfileSource, index: number): DeviceInfo {
  if (typeof source === 'string') return loadProfileFile(source);
  const label = typeof source.id === 'string' ? `inline profile '${source.id}'` : `inline profile #${index + 1}`;
  return parseProfile(JSON.stringify(source), label);
}

export function listProfiles(extra: ProfileSource[] = []): DeviceInfo[] {
  const dir = builtinProfilesDir();
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const builtin = files.map((f) => loadProfileFile(join(dir, f)));
  builtin.sort((a, b) => (a.id === `sim:${DEFAULT_PROFILE}` ? -1 : b.id === `sim:${DEFAULT_PROFILE}` ? 1 : a.id.localeCompare(b.id)));
  const seen = new Set(builtin.map((p) => p.id));
  const out = [...builtin];
  for (const [index, source] of extra.entries()) {
    const p = loadProfileSource(source, index);
    // A user profile with a built-in id replaces the built-in one.
    if (seen.has(p.id)) out.splice(out.findIndex((q) => q.id === p.id), 1, p);
    else out.push(p);
    seen.add(p.id);
  }
  return out;
}

/**
 * A profile by id (`rtx5090-usb4`, with or without `sim:`) or by path to a `.json` file.
 * Throws ProfileError with a one-line message listing the known ids when there is no such profile.
 */
export function loadProfile(idOrPath: string, extra: ProfileSource[] = []): DeviceInfo {
  const spec = idOrPath.startsWith('sim:') ? idOrPath.slice(4) : idOrPath;
  if (spec.endsWith('.json') || spec.includes('/') || spec.includes('\\')) {
    return loadProfileFile(isAbsolute(spec) ? spec : resolve(spec));
  }
  const all = listProfiles(extra);
  const found = all.find((p) => p.id === `sim:${spec}`);
  if (found) return found;
  throw new ProfileError(`unknown device profile '${spec}'; known profiles: ${all.map((p) => p.id.slice(4)).join(', ')}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

