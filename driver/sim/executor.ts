// Runs IR kernels on the CPU with CUDA semantics: compiles the JS rendering once, checks launches, schedules
// threads through barriers and warp collectives, and turns faults into DeviceErrors naming kernel, block, thread, line.
import * as codegen from '../../kernels/codegen/js';
import type { JsFaultSite } from '../../kernels/codegen/js';
import { STORAGE_BYTES, type IrKernel, type SourceLoc, type StorageType, type ValueType } from '../../kernels/lang/ir';
import { DEFAULT_LIMITS, type DeviceLimits } from '../../kernels/lang/limits';
import { DeviceError, type Dim3, type Placement } from '../device';
import { F16_TABLE, f32ToBf16Bits, f32ToF16Bits, storageView, type StorageView } from './storage';

/** A kernel argument as the executor sees it: a scalar, or raw buffer bytes viewed with the parameter's element type. */
export type ExecArg =
  | { kind: 'scalar'; type: ValueType; value: number }
  | {
      kind: 'buffer';
      /** Name shown in fault messages when the kernel's parameter name is not enough (the run block's buffer). */
      name: string;
      data: ArrayBuffer | SharedArrayBuffer;
      byteOffset?: number;
      byteLength?: number;
      placement: Placement;
      /** The element type the buffer was allocated with, when known: a different kernel parameter type is a fault. */
      elem?: StorageType;
    };

export interface ExecOptions {
  /** Date.now() in ms after which the kernel stops with a 'timeout' fault. */
  deadline?: number;
  /** The limit the deadline came from, for the message. */
  timeLimitMs?: number;
  /** Non-zero in element 0 asks the kernel to stop with a 'cancelled' fault. */
  cancel?: Int32Array;
  limits?: DeviceLimits;
  /** Where the launch was written (for launch faults). */
  source?: SourceLoc;
}

export interface ExecResult {
  /** Bytes of device-placed buffers moved by global loads, stores and atomics. */
  bytes: number;
  flops: number;
  /** Bytes of host-placed buffers (they cross the link): reads + writes. */
  linkBytes: number;
  linkReadBytes: number;
  linkWriteBytes: number;
}

interface LaunchState {
  grid: Dim3;
  block: Dim3;
  args: (number | StorageView)[];
  deadline: number;
  timeLimitMs: number;
  cancel: Int32Array | null;
  kernel: IrKernel;
}

type LaunchFn = (L: LaunchState) => { flops: number; reads: number[]; writes: number[] };

export interface CompiledKernel {
  readonly kernel: IrKernel;
  readonly source: string;
  readonly run: LaunchFn;
}

/** Compiles a kernel's JS rendering into a callable launch function. */
export function compileKernel(kernel: IrKernel): CompiledKernel {
  const source = renderKernelJs(kernel);
  let factory: (rt: typeof runtime) => LaunchFn;
  try {
    factory = new Function(`return (\n${source});`)() as (rt: typeof runtime) => LaunchFn;
  } catch (e) {
    throw new Error(`rendered JS of kernel ${kernel.name} does not parse: ${(e as Error).message}`);
  }
  return { kernel, source, run: factory(runtime) };
}

/** Runs one launch synchronously; throws DeviceError on a fault. */
export function executeKernel(compiled: CompiledKernel, grid: Dim3, block: Dim3, args: ExecArg[], options: ExecOptions = {}): ExecResult {
  const kernel = compiled.kernel;
  const limits = options.limits ?? DEFAULT_LIMITS;
  checkLaunch(kernel, grid, block, args, limits, options.source);
  const values: (number | StorageView)[] = [];
  args.forEach((arg, i) => {
    const param = kernel.params[i]!;
    if (arg.kind === 'scalar') values.push(scalarValue(arg.value, param.kind === 'scalar' ? param.type : arg.type));
    else if (param.kind === 'buffer') {
      const size = STORAGE_BYTES[param.elem];
      const byteOffset = arg.byteOffset ?? 0;
      const byteLength = arg.byteLength ?? arg.data.byteLength - byteOffset;
      values.push(storageView(param.elem, arg.data, byteOffset, byteLength / size));
    }
  });
  const state: LaunchState = {
    grid, block, args: values,
    deadline: options.deadline ?? Infinity,
    timeLimitMs: options.timeLimitMs ?? 0,
    cancel: options.cancel ?? null,
    kernel,
  };
  const counts = compiled.run(state);
  const result: ExecResult = { bytes: 0, flops: counts.flops, linkBytes: 0, linkReadBytes: 0, linkWriteBytes: 0 };
  args.forEach((arg, i) => {
    const param = kernel.params[i]!;
    if (arg.kind !== 'buffer' || param.kind !== 'buffer') return;
    const size = STORAGE_BYTES[param.elem];
    const r = counts.reads[i]! * size;
    const w = counts.writes[i]! * size;
    if (arg.placement === 'host') {
      result.linkReadBytes += r;
      result.linkWriteBytes += w;
      result.linkBytes += r + w;
    } else result.bytes += r + w;
  });
  return result;
}

function scalarValue(value: number, type: ValueType): number {
  switch (type) {
    case 'f32': return Math.fround(value);
    case 'i32': return value | 0;
    case 'u32': return value >>> 0;
    case 'bool': return value ? 1 : 0;
  }
}

// ------------------------------------------------------------------ launch checks

function at(loc: SourceLoc | undefined): string {
  return loc ? `${loc.file}:${loc.line}:${loc.column}` : '';
}

function dim(d: readonly number[]): string {
  return `(${d.join(',')})`;
}

function checkLaunch(kernel: IrKernel, grid: Dim3, block: Dim3, args: ExecArg[], limits: DeviceLimits, source: SourceLoc | undefined): void {
  const where = source ?? kernel.loc;
  const fail = (kind: 'launch-limits' | 'invalid' | 'misaligned', what: string): never => {
    throw new DeviceError(`bad launch of kernel ${kernel.name}: ${what} — at ${at(where)}`, { kind, kernel: kernel.name, loc: where });
  };
  for (const [label, d] of [['grid', grid], ['block', block]] as const) {
    if (d.length !== 3 || d.some((x) => !Number.isInteger(x) || x < 1)) {
      fail('launch-limits', `${label} ${dim(d)} — every grid and block dimension must be a whole number of at least 1`);
    }
  }
  const threads = block[0] * block[1] * block[2];
  if (threads > limits.maxThreadsPerBlock) fail('launch-limits', `block ${dim(block)} has ${threads} threads, over the device's ${limits.maxThreadsPerBlock} per block`);
  for (let i = 0; i < 3; i++) {
    const axis = 'xyz'[i];
    if (block[i]! > limits.maxBlockDim[i]!) fail('launch-limits', `block.${axis} = ${block[i]} is over the device's ${limits.maxBlockDim[i]}`);
    if (grid[i]! > limits.maxGridDim[i]!) fail('launch-limits', `grid.${axis} = ${grid[i]} is over the device's ${limits.maxGridDim[i]}`);
  }
  const sharedBytes = kernel.shared.reduce((sum, s) => sum + s.length * STORAGE_BYTES[s.elem], 0);
  if (sharedBytes > limits.maxSharedBytesPerBlock) fail('launch-limits', `it uses ${sharedBytes} bytes of shared memory, over the device's ${limits.maxSharedBytesPerBlock} per block`);
  if (args.length !== kernel.params.length) fail('invalid', `it takes ${kernel.params.length} argument${kernel.params.length === 1 ? '' : 's'} but the launch passes ${args.length}`);
  args.forEach((arg, i) => {
    const param = kernel.params[i]!;
    if (param.kind === 'scalar') {
      if (arg.kind !== 'scalar') fail('invalid', `argument ${i + 1} (${param.name}) must be a ${param.type} scalar, not a buffer`);
      else if (arg.type !== param.type) fail('invalid', `argument ${i + 1} (${param.name}) must be ${param.type}, not ${arg.type}`);
      else if (!Number.isFinite(arg.value) && param.type !== 'f32') fail('invalid', `argument ${i + 1} (${param.name}) = ${arg.value} is not a ${param.type}`);
      return;
    }
    if (arg.kind !== 'buffer') return fail('invalid', `argument ${i + 1} (${param.name}) must be a ${param.elem} buffer, not a scalar`);
    if (arg.elem && arg.elem !== param.elem) fail('invalid', `argument ${i + 1} (${param.name}) is the ${arg.elem} buffer ${arg.name} but the kernel expects ${param.elem}[]`);
    const size = STORAGE_BYTES[param.elem];
    const byteOffset = arg.byteOffset ?? 0;
    const byteLength = arg.byteLength ?? arg.data.byteLength - byteOffset;
    if (byteOffset % size !== 0 || byteLength % size !== 0) {
      fail('misaligned', `argument ${i + 1} (${param.name}): buffer ${arg.name} has ${byteLength} bytes at offset ${byteOffset}, not whole ${param.elem} elements of ${size} bytes`);
    }
  });
}

// ------------------------------------------------------------------ runtime helpers the rendered code calls

function threadFault(kind: 'out-of-bounds' | 'barrier-divergence' | 'timeout' | 'cancelled', what: string, kernel: IrKernel, block: Dim3, thread: Dim3, loc: SourceLoc): DeviceError {
  return new DeviceError(
    `${what} — kernel ${kernel.name}, block ${dim(block)}, thread ${dim(thread)}, at ${at(loc)}`,
    { kind, kernel: kernel.name, block, thread, loc },
  );
}

function siteName(site: JsFaultSite): string {
  if (site.kind === 'barrier') return `barrier at ${at(site.loc)}`;
  if (site.kind === 'warp') return `${warpOpName(site.warp!.op)} at ${at(site.loc)}`;
  return `${site.kind} at ${at(site.loc)}`;
}

function warpOpName(op: string): string {
  return op === 'sum' || op === 'max' || op === 'min' ? `warp_${op}` : op;
}

const cvtScratch = new Float32Array(1);

// Local copies: module-namespace imports are getter calls under some loaders (tsx), too slow for the scheduler's loops.
const renderKernelJs = codegen.renderKernelJs;
const THREAD_RUNNABLE = codegen.THREAD_RUNNABLE;
const THREAD_AT_BARRIER = codegen.THREAD_AT_BARRIER;
const THREAD_AT_WARP = codegen.THREAD_AT_WARP;
const THREAD_EXITED = codegen.THREAD_EXITED;

export const runtime = {
  F16_TABLE,
  f32ToF16Bits,
  f32ToBf16Bits,
  /** float -> i32 as PTX cvt.rzi.sat.s32.f32: truncate, saturate, NaN -> 0. */
  f2i(x: number): number {
    if (x !== x) return 0;
    if (x >= 2147483647) return 2147483647;
    if (x <= -2147483648) return -2147483648;
    return x | 0;
  },
  /** float -> u32 as PTX cvt.rzi.sat.u32.f32. */
  f2u(x: number): number {
    if (!(x > 0)) return 0;
    if (x >= 4294967295) return 4294967295;
    return x >>> 0;
  },
  /** CUDA fminf/fmaxf: a NaN operand yields the other operand. */
  fminf(a: number, b: number): number {
    return a !== a ? b : b !== b ? a : Math.min(a, b);
  },
  fmaxf(a: number, b: number): number {
    return a !== a ? b : b !== b ? a : Math.max(a, b);
  },
  /** CUDA roundf: halfway cases away from zero. */
  roundf(x: number): number {
    cvtScratch[0] = x < 0 ? -Math.round(-x) : Math.round(x);
    return cvtScratch[0]!;
  },
  /** Integer division by zero: all ones (u32 0xFFFFFFFF, i32 -1), as NVIDIA GPUs return; x % 0 = x. */
  div_i32(a: number, b: number): number {
    return b === 0 ? -1 : (a / b) | 0;
  },
  rem_i32(a: number, b: number): number {
    return b === 0 ? a : (a % b) | 0;
  },
  div_u32(a: number, b: number): number {
    return b === 0 ? 4294967295 : (a / b) >>> 0;
  },
  rem_u32(a: number, b: number): number {
    return b === 0 ? a : a % b;
  },
  cdiv_i32(a: number, b: number): number {
    return b === 0 ? -1 : Math.ceil(a / b) | 0;
  },
  cdiv_u32(a: number, b: number): number {
    return b === 0 ? 4294967295 : Math.ceil(a / b) >>> 0;
  },
  /** Shifts as PTX: the amount is unsigned and clamps at 32 (shl/shr.u32 give 0, shr.s32 the sign). */
  shl(a: number, b: number): number {
    return b >>> 0 < 32 ? a << b : 0;
  },
  shr_i32(a: number, b: number): number {
    return b >>> 0 < 32 ? a >> b : a >> 31;
  },
  shr_u32(a: number, b: number): number {
    return b >>> 0 < 32 ? a >>> b : 0;
  },
  oob(L: LaunchState, _kernel: string, site: JsFaultSite, index: number, length: number, bx: number, by: number, bz: number, tx: number, ty: number, tz: number): never {
    const what = site.kind === 'atomic' ? 'atomic' : site.kind;
    throw threadFault('out-of-bounds', `out-of-bounds ${what}: ${site.buffer}[${index}] but ${site.buffer} has ${length} element${length === 1 ? '' : 's'}`, L.kernel, [bx, by, bz], [tx, ty, tz], site.loc);
  },
  tick(L: LaunchState, _kernel: string, bx: number, by: number, bz: number, tx: number, ty: number, tz: number): void {
    if (L.cancel && Atomics.load(L.cancel, 0) !== 0) {
      throw threadFault('cancelled', `cancelled: kernel ${L.kernel.name} was stopped`, L.kernel, [bx, by, bz], [tx, ty, tz], L.kernel.loc);
    }
    if (Date.now() > L.deadline) {
      throw threadFault('timeout', `timeout: kernel ${L.kernel.name} ran past the ${L.timeLimitMs} ms time limit and was stopped`, L.kernel, [bx, by, bz], [tx, ty, tz], L.kernel.loc);
    }
  },
  syncState(L: LaunchState, nthreads: number, nsave: number, sites: JsFaultSite[], siteAt: number[]): SyncState {
    return new SyncState(L, nthreads, nsave, sites, siteAt);
  },
};

/**
 * Per-block scheduler state of a kernel with sync points: every thread runs until it waits at a barrier or a
 * warp collective (or exits); then `resolve` completes the collectives or releases the barrier.
 */
export class SyncState {
  readonly pc: Int32Array;
  readonly status: Uint8Array;
  readonly site: Int32Array;
  readonly value: Float64Array;
  readonly arg: Float64Array;
  readonly save: Float64Array;
  readonly tx: Uint16Array;
  readonly ty: Uint16Array;
  readonly tz: Uint16Array;
  private readonly warpValues = new Float64Array(32);
  private readonly warpPresent = new Uint8Array(32);

  /**
   * `siteAt[pc]`: the barrier or collective a thread stopped at, by the case it resumes at (the generated code
   * records only the case; the site is looked up when the slow path needs it).
   */
  constructor(private readonly L: LaunchState, private readonly nthreads: number, private readonly nsave: number, private readonly sites: JsFaultSite[], private readonly siteAt: number[]) {
    this.pc = new Int32Array(nthreads);
    this.status = new Uint8Array(nthreads);
    this.site = new Int32Array(nthreads);
    this.value = new Float64Array(nthreads);
    this.arg = new Float64Array(nthreads);
    this.save = new Float64Array(nthreads * Math.max(nsave, 1));
    this.tx = new Uint16Array(nthreads);
    this.ty = new Uint16Array(nthreads);
    this.tz = new Uint16Array(nthreads);
    const [bdx, bdy] = L.block;
    for (let t = 0; t < nthreads; t++) {
      this.tx[t] = t % bdx;
      this.ty[t] = Math.floor(t / bdx) % bdy;
      this.tz[t] = Math.floor(t / (bdx * bdy));
    }
  }

  /** Every thread at the start, its saved locals zero (as the generated code's fresh locals are). */
  startBlock(): void {
    this.pc.fill(0);
    this.status.fill(THREAD_RUNNABLE);
    this.save.fill(0);
  }

  private thread(t: number): Dim3 {
    return [this.tx[t]!, this.ty[t]!, this.tz[t]!];
  }

  /**
   * Returns true when every thread of the block has exited. The counts are what the round just run saw:
   * threads that stopped at a barrier (all at `barPc` unless `barMixed`), at a warp collective, and exits so far.
   */
  resolve(bx: number, by: number, bz: number, nBar: number, barPc: number, barMixed: number, nWarp: number, nExited: number): boolean {
    const n = this.nthreads;
    const status = this.status;
    if (nWarp === 0) {
      // Common cases without a scan: all exited, or every thread waits at the same barrier.
      if (nExited === n) return true;
      if (nBar === n && barMixed === 0 && barPc >= 0) { status.fill(THREAD_RUNNABLE); return false; }
    }
    const block: Dim3 = [bx, by, bz];
    for (let t = 0; t < n; t++) {
      const s = status[t];
      if (s === THREAD_AT_BARRIER || s === THREAD_AT_WARP) this.site[t] = this.siteAt[this.pc[t]!]!;
    }
    let anyWarp = false;
    let anyBarrier = false;
    let exited = -1;
    for (let t = 0; t < n; t++) {
      const s = status[t];
      if (s === THREAD_AT_WARP) anyWarp = true;
      else if (s === THREAD_AT_BARRIER) anyBarrier = true;
      else if (s === THREAD_EXITED) { if (exited < 0) exited = t; }
      else throw new Error(`kernel ${this.L.kernel.name}: thread ${t} still runnable at resolve`);
    }
    if (!anyWarp && !anyBarrier) return true;
    if (anyWarp) {
      for (let w = 0; w * 32 < n; w++) this.resolveWarp(w, block);
      return false;
    }
    // Every live thread waits at a barrier: all must wait at the same one, and none may have exited.
    let first = -1;
    for (let t = 0; t < n; t++) {
      if (status[t] !== THREAD_AT_BARRIER) continue;
      if (first < 0) { first = t; continue; }
      if (this.site[t] !== this.site[first] || this.pc[t] !== this.pc[first]) {
        const a = this.sites[this.site[first]!]!;
        const b = this.sites[this.site[t]!]!;
        throw threadFault('barrier-divergence',
          `barrier divergence: thread ${dim(this.thread(first))} waits at the barrier at ${at(a.loc)} but thread ${dim(this.thread(t))} at the barrier at ${at(b.loc)}`,
          this.L.kernel, block, this.thread(t), b.loc);
      }
    }
    if (exited >= 0) {
      const a = this.sites[this.site[first]!]!;
      throw threadFault('barrier-divergence',
        `barrier divergence: thread ${dim(this.thread(exited))} exited while other threads of its block wait at the barrier at ${at(a.loc)}`,
        this.L.kernel, block, this.thread(exited), a.loc);
    }
    for (let t = 0; t < n; t++) status[t] = THREAD_RUNNABLE;
    return false;
  }

  private resolveWarp(w: number, block: Dim3): void {
    const base = w * 32;
    const end = Math.min(base + 32, this.nthreads);
    const status = this.status;
    let first = -1;
    for (let t = base; t < end; t++) if (status[t] === THREAD_AT_WARP) { first = t; break; }
    if (first < 0) return;
    // Live lanes of the warp must all wait at this same collective; exited lanes take no part.
    for (let t = base; t < end; t++) {
      const s = status[t];
      if (s === THREAD_EXITED) continue;
      if (s !== THREAD_AT_WARP || this.site[t] !== this.site[first] || this.pc[t] !== this.pc[first]) {
        const a = this.sites[this.site[first]!]!;
        const other = s === THREAD_AT_BARRIER || s === THREAD_AT_WARP ? siteName(this.sites[this.site[t]!]!) : 'another point';
        throw threadFault('barrier-divergence',
          `warp divergence: lane ${first - base} of warp ${w} waits at ${siteName(a)} but lane ${t - base} at ${other}`,
          this.L.kernel, block, this.thread(t), a.loc);
      }
    }
    const site = this.sites[this.site[first]!]!;
    const { op, type, destSlot } = site.warp!;
    const values = this.warpValues;
    const present = this.warpPresent;
    for (let l = 0; l < 32; l++) {
      const t = base + l;
      present[l] = t < end && status[t] === THREAD_AT_WARP ? 1 : 0;
      values[l] = present[l] ? this.value[t]! : 0;
    }
    const save = this.save;
    const nsave = this.nsave;
    if (op === 'sum' || op === 'max' || op === 'min') {
      const result = warpReduce(op, type, values, present);
      for (let t = base; t < end; t++) if (status[t] === THREAD_AT_WARP) save[t * nsave + destSlot] = result;
    } else {
      for (let t = base; t < end; t++) {
        if (status[t] !== THREAD_AT_WARP) continue;
        const l = t - base;
        const a = this.arg[t]!;
        let src: number;
        if (op === 'shuffle_down') src = l + a;
        else if (op === 'shuffle_xor') src = l ^ a;
        else src = a % 32; // broadcast: the source lane wraps modulo the warp width, as __shfl_sync
        save[t * nsave + destSlot] = src >= 0 && src < 32 && present[src] ? values[src]! : values[l]!;
      }
    }
    for (let t = base; t < end; t++) if (status[t] === THREAD_AT_WARP) status[t] = THREAD_RUNNABLE;
  }
}

/** Sum / max / min over the lanes present, as a butterfly over 32 slots (absent lanes hold the identity). */
function warpReduce(op: 'sum' | 'max' | 'min', type: ValueType, values: Float64Array, present: Uint8Array): number {
  const v = new Float64Array(32);
  let identity: number;
  if (op === 'sum') identity = 0;
  else if (type === 'f32') identity = NaN; // fminf/fmaxf ignore NaN
  else identity = op === 'max' ? (type === 'u32' ? 0 : -2147483648) : (type === 'u32' ? 4294967295 : 2147483647);
  for (let l = 0; l < 32; l++) v[l] = present[l] ? values[l]! : identity;
  for (let width = 16; width >= 1; width >>= 1) {
    for (let l = 0; l < width; l++) v[l] = combine(op, type, v[l]!, v[l + width]!);
  }
  return v[0]!;
}

function combine(op: 'sum' | 'max' | 'min', type: ValueType, a: number, b: number): number {
  if (op === 'sum') {
    if (type === 'f32') return Math.fround(a + b);
    if (type === 'u32') return (a + b) >>> 0;
    return (a + b) | 0;
  }
  if (type === 'f32') return op === 'max' ? runtime.fmaxf(a, b) : runtime.fminf(a, b);
  return op === 'max' ? Math.max(a, b) : Math.min(a, b);
}
