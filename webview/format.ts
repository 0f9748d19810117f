// Number formatting for the panel (times, bytes, bandwidth, flops) and "nice" axis ticks.
// Pure functions: unit-tested in node and used by every view.

/** A duration given in µs, in the unit that reads best: `850 ns`, `12.5 µs`, `3.21 ms`, `1.50 s`. */
export function formatDuration(us: number): string {
  const a = Math.abs(us);
  if (a === 0) return '0 µs';
  if (a < 1) return `${trim(us * 1000, 3)} ns`;
  if (a < 1000) return `${trim(us, 3)} µs`;
  if (a < 1e6) return `${trim(us / 1000, 3)} ms`;
  return `${trim(us / 1e6, 3)} s`;
}

/** Bytes in binary units: `512 B`, `64.0 MiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

/** GB/s (1e9 bytes per second) to three significant digits. */
export function formatGBps(gbps: number): string {
  return `${trim(gbps, 3)} GB/s`;
}

/** A FLOP count: `2.10 GFLOP`. */
export function formatFlops(flops: number): string {
  if (flops === 0) return '0';
  const units: [number, string][] = [[1e12, 'TFLOP'], [1e9, 'GFLOP'], [1e6, 'MFLOP'], [1e3, 'kFLOP']];
  for (const [scale, name] of units) if (Math.abs(flops) >= scale) return `${trim(flops / scale, 3)} ${name}`;
  return `${Math.round(flops)} FLOP`;
}

/** GFLOP/s, switching to TFLOP/s above 1000. */
export function formatGflops(gflops: number): string {
  return gflops >= 1000 ? `${trim(gflops / 1000, 3)} TFLOP/s` : `${trim(gflops, 3)} GFLOP/s`;
}

export function formatPercent(p: number): string {
  if (p > 0 && p < 0.1) return '<0.1%';
  return `${p >= 10 ? Math.round(p) : p.toFixed(1)}%`;
}

/** Three significant digits without exponent notation or trailing noise. */
function trim(v: number, digits: number): string {
  if (v === 0) return '0';
  const mag = Math.floor(Math.log10(Math.abs(v)));
  const decimals = Math.max(0, digits - 1 - mag);
  return v.toFixed(Math.min(decimals, 6));
}

export interface Tick {
  us: number;
  label: string;
}

/**
 * Ticks for a time axis covering [startUs, endUs] with about `maxTicks` steps of 1, 2 or 5 × 10^k µs,
 * labelled in the unit of the step (µs, ms or s) with just enough decimals to tell them apart.
 */
export function timeTicks(startUs: number, endUs: number, maxTicks: number): { step: number; ticks: Tick[] } {
  const span = endUs - startUs;
  if (!(span > 0) || maxTicks < 1) return { step: 0, ticks: [] };
  const raw = span / maxTicks;
  const pow = Math.pow(10, Math.floor(Math.log10(raw)));
  let step = pow * 10;
  for (const m of [1, 2, 5, 10]) {
    if (pow * m >= raw) {
      step = pow * m;
      break;
    }
  }
  const [scale, unit] = step >= 1e5 ? [1e6, 's'] : step >= 100 ? [1e3, 'ms'] : step >= 0.1 ? [1, 'µs'] : [1e-3, 'ns'];
  const decimals = Math.max(0, -Math.floor(Math.log10(step / scale) + 1e-9));
  const ticks: Tick[] = [];
  const first = Math.ceil(startUs / step - 1e-9);
  for (let i = first; i * step <= endUs + step * 1e-9; i++) {
    const us = i * step;
    ticks.push({ us, label: `${(us / scale).toFixed(decimals)} ${unit}` });
  }
  return { step, ticks };
}

/** Ticks at powers of ten for a log axis between lo and hi (both > 0). */
export function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.ceil(Math.log10(lo) - 1e-9); e <= Math.floor(Math.log10(hi) + 1e-9); e++) out.push(Math.pow(10, e));
  return out;
}

/** `0.001`, `0.1`, `10`, `1k`, `10k`, `1M` for log-axis labels. */
export function formatPowerOfTen(v: number): string {
  if (v >= 1e6) return `${v / 1e6}M`;
  if (v >= 1e3) return `${v / 1e3}k`;
  return `${Number(v.toPrecision(1))}`;
}

/** The file name of a path, for compact `file:line:col` labels. */
export function basename(file: string): string {
  const i = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return i >= 0 ? file.slice(i + 1) : file;
}
