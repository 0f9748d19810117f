// CudaDevice: the Device interface over the CUDA driver API — PTX JIT, pinned staging, host-mapped buffers,
// separate copy and compute streams, and CUDA events around every copy and kernel for the timeline.
import type { IrKernel } from '../../kernels/lang/ir';
import { renderPtx } from '../../kernels/codegen/ptx';
import { estimateLaunchWork, type LaunchWork } from '../../kernels/codegen/work';
import {
  DeviceError, type Device, type DeviceBuffer, type DeviceInfo, type DeviceProgram, type Dim3, type LaunchArg,
  type LaunchOptions, type Placement,
} from '../device';
import type { TraceEvent } from '../trace';
import {
  CUDA_ERROR_NOT_READY, CU_EVENT_DEFAULT, CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
  CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES, CU_MEMHOSTALLOC_DEVICEMAP, CU_MEMHOSTALLOC_PORTABLE,
  CU_STREAM_NON_BLOCKING,
} from './bindings';
import { CudaError, check, type LoadedCuda } from './libcuda';

/** An opaque driver handle (koffi External). */
type Handle = unknown;

export interface CudaDeviceOptions {
  /** How long a wait for the GPU may take before it is reported as a timeout, ms (default 10 s). */
  timeLimitMs?: number;
  /** Size of each of the two pinned staging chunks, bytes (default 8 MiB). */
  stagingBytes?: number;
}

interface CudaBuffer extends DeviceBuffer {
  dptr: number;
  /** Host-placed buffers: the mapped host allocation. */
  host: Handle | null;
  hostView: Uint8Array | null;
  /** The last queued operation that touches this buffer. */
  lastUse: Handle | null;
  freed: boolean;
}

interface CudaProgram extends DeviceProgram {
  module: Handle;
  fn: Handle;
  ptx: string;
}

interface StagingChunk {
  ptr: Handle;
  view: Uint8Array;
  /** The copy that last used this chunk; it must finish before the chunk is refilled. */
  busy: Handle | null;
}

/** A queued copy or kernel, turned into a TraceEvent once its end event has completed. */
interface PendingOp {
  event: Omit<TraceEvent, 'start_us' | 'duration_us'>;
  start: Handle;
  end: Handle;
  /** Kernels: estimates the launch's bytes and flops, done when the timeline is read, not between launches. */
  work?: () => LaunchWork | null;
}

const LOG_BYTES = 16 * 1024;
/** CUDA's limit on a kernel's parameter bytes (before Volta's 32 KiB extension). */
const ARG_AREA_BYTES = 4096;

export class CudaDevice implements Device {
  private readonly api: LoadedCuda['api'];
  private readonly copyIn: Handle;
  private readonly copyOut: Handle;
  private readonly compute: Handle;
  private base: Handle;
  private readonly buffers = new Map<number, CudaBuffer>();
  private readonly programs = new Map<string, CudaProgram>();
  private readonly staging: StagingChunk[] = [];
  private nextStaging = 0;
  private pending: PendingOp[] = [];
  private recorded: TraceEvent[] = [];
  /** Recorded kernel events whose bytes and flops are still to be estimated (PendingOp.work). */
  private readonly unestimated = new Map<TraceEvent, () => LaunchWork | null>();
  private readonly spareEvents: Handle[] = [];
  private nextBufferId = 1;
  private broken: string | null = null;
  private disposed = false;
  private readonly timeLimitMs: number;
  private readonly stagingBytes: number;
  /** Native memory for kernel parameters: the values, and the table of pointers to them (kernelParams). */
  private readonly argArea: Handle;
  private readonly argTable: Handle;
  private readonly argBytes: Uint8Array;
  private readonly argPointers: DataView;
  private readonly argAddress: bigint;
  /** Per kernel: work estimates by launch (geometry, scalar arguments, host-placed buffers). */
  private readonly workEstimates = new WeakMap<IrKernel, Map<string, LaunchWork | null>>();

  /** Use openCudaDevice() (driver/cuda/index.ts); this expects cuInit done and the context current. */
  constructor(
    private readonly cuda: LoadedCuda,
    private readonly ordinal: number,
    private readonly context: Handle,
    private readonly deviceInfo: DeviceInfo,
    options: CudaDeviceOptions = {},
  ) {
    this.api = cuda.api;
    this.timeLimitMs = options.timeLimitMs ?? 10_000;
    this.stagingBytes = options.stagingBytes ?? 8 * 1024 * 1024;
    this.copyIn = this.createStream('host-to-device copy');
    this.copyOut = this.createStream('device-to-host copy');
    this.compute = this.createStream('kernel');
    this.base = this.newEvent();
    this.call(this.api.cuEventRecord(this.base, this.compute), 'starting the timeline clock');
    const { koffi } = cuda;
    this.argArea = koffi.alloc('uint8_t', ARG_AREA_BYTES);
    this.argTable = koffi.alloc('uint64_t', ARG_AREA_BYTES / 4);
    this.argBytes = new Uint8Array(koffi.view(this.argArea, ARG_AREA_BYTES));
    this.argPointers = new DataView(koffi.view(this.argTable, 2 * ARG_AREA_BYTES));
    this.argAddress = koffi.address(this.argArea);
  }

  info(): DeviceInfo {
    return this.deviceInfo;
  }

  // ------------------------------------------------------------ memory

  async alloc(bytes: number, placement: Placement, name: string): Promise<DeviceBuffer> {
    this.usable();
    if (!Number.isInteger(bytes) || bytes < 0) throw new DeviceError(`cannot allocate buffer ${name}: ${bytes} is not a byte count`, { kind: 'invalid' });
    const size = Math.max(1, bytes);
    let dptr: number;
    let host: Handle | null = null;
    let hostView: Uint8Array | null = null;
    try {
      if (placement === 'host') {
        const out: [Handle] = [null];
        this.call(this.api.cuMemHostAlloc(out, size, CU_MEMHOSTALLOC_DEVICEMAP | CU_MEMHOSTALLOC_PORTABLE), `allocating host-mapped buffer '${name}' (${bytes} bytes)`);
        host = out[0];
        hostView = new Uint8Array(this.cuda.koffi.view(host, size));
        const dev: [number | bigint] = [0];
        this.call(this.api.cuMemHostGetDevicePointer_v2(dev, host, 0), `mapping host buffer '${name}' into the GPU`);
        dptr = Number(dev[0]);
      } else {
        const dev: [number | bigint] = [0];
        this.call(this.api.cuMemAlloc_v2(dev, size), `allocating buffer '${name}' (${bytes} bytes)`);
        dptr = Number(dev[0]);
      }
    } catch (err) {
      if (err instanceof CudaError && err.code === 2) {
        throw new DeviceError(
          `out of ${placement === 'host' ? 'pinned host' : 'device'} memory: buffer '${name}' needs ${formatBytes(bytes)}, ${this.deviceInfo.id} has ${formatBytes(this.deviceInfo.memoryBytes)} (${err.errorName})`,
          { kind: 'out-of-memory' },
        );
      }
      throw err;
    }
    const buf: CudaBuffer = { id: this.nextBufferId++, bytes, placement, name, dptr, host, hostView, lastUse: null, freed: false };
    this.buffers.set(buf.id, buf);
    // Device memory is zeroed by the caller's fill() (the runner does, as a memset on the timeline).
    hostView?.fill(0);
    return buf;
  }

  async free(buf: DeviceBuffer): Promise<void> {
    const b = this.own(buf);
    if (b.lastUse) await this.waitFor(b.lastUse, `the last use of buffer '${b.name}'`);
    this.release(b);
  }

  async upload(buf: DeviceBuffer, data: Uint8Array, source?: LaunchOptions['source']): Promise<void> {
    this.usable();
    const b = this.own(buf);
    if (data.length > b.bytes) throw new DeviceError(`upload of ${data.length} bytes into buffer '${b.name}' of ${b.bytes} bytes`, { kind: 'invalid' });
    if (b.hostView) {
      if (b.lastUse) await this.waitFor(b.lastUse, `kernels using host buffer '${b.name}'`);
      b.hostView.set(data);
      return;
    }
    const what = `copying ${formatBytes(data.length)} to buffer '${b.name}'`;
    this.after(this.copyIn, b.lastUse, what);
    const start = this.record(this.copyIn, what);
    for (let offset = 0; offset < data.length; offset += this.stagingBytes) {
      const part = data.subarray(offset, Math.min(data.length, offset + this.stagingBytes));
      const chunk = await this.stagingChunk(what);
      chunk.view.set(part);
      this.call(this.api.cuMemcpyHtoDAsync_v2(b.dptr + offset, chunk.ptr, part.length, this.copyIn), what);
      chunk.busy = this.record(this.copyIn, what);
    }
    const end = this.record(this.copyIn, what);
    b.lastUse = end;
    this.pending.push({
      event: { kind: 'h2d', name: b.name, bytes: data.length, flops: 0, lane: 'h2d', src_kind: 'pinned', dst_kind: 'device', ...(source ? { source } : {}) },
      start, end,
    });
  }

  async download(buf: DeviceBuffer, source?: LaunchOptions['source']): Promise<Uint8Array> {
    this.usable();
    const b = this.own(buf);
    if (b.hostView) {
      if (b.lastUse) await this.waitFor(b.lastUse, `kernels using host buffer '${b.name}'`);
      return b.hostView.slice(0, b.bytes);
    }
    const what = `copying buffer '${b.name}' (${formatBytes(b.bytes)}) back to the host`;
    const out = new Uint8Array(b.bytes);
    this.after(this.copyOut, b.lastUse, what);
    const start = this.record(this.copyOut, what);
    for (let offset = 0; offset < b.bytes; offset += this.stagingBytes) {
      const length = Math.min(this.stagingBytes, b.bytes - offset);
      const chunk = await this.stagingChunk(what);
      this.call(this.api.cuMemcpyDtoHAsync_v2(chunk.ptr, b.dptr + offset, length, this.copyOut), what);
      const done = this.record(this.copyOut, what);
      await this.waitFor(done, what);
      out.set(chunk.view.subarray(0, length), offset);
      chunk.busy = null;
      this.spareEvents.push(done);
    }
    const end = this.record(this.copyOut, what);
    await this.waitFor(end, what);
    b.lastUse = end;
    this.pending.push({
      event: { kind: 'd2h', name: b.name, bytes: b.bytes, flops: 0, lane: 'd2h', src_kind: 'device', dst_kind: 'pinned', ...(source ? { source } : {}) },
      start, end,
    });
    return out;
  }

  async fill(buf: DeviceBuffer, byte: number): Promise<void> {
    this.usable();
    const b = this.own(buf);
    if (b.hostView) {
      if (b.lastUse) await this.waitFor(b.lastUse, `kernels using host buffer '${b.name}'`);
      b.hostView.fill(byte & 0xff);
      return;
    }
    const what = `filling buffer '${b.name}'`;
    this.after(this.compute, b.lastUse, what);
    const start = this.record(this.compute, what);
    this.call(this.api.cuMemsetD8Async(b.dptr, byte & 0xff, Math.max(1, b.bytes), this.compute), what);
    const end = this.record(this.compute, what);
    b.lastUse = end;
    this.pending.push({ event: { kind: 'memset', name: b.name, bytes: b.bytes, flops: 0, lane: 'compute' }, start, end });
  }

  // ------------------------------------------------------------ kernels

  async compile(kernel: IrKernel): Promise<DeviceProgram> {
    this.usable();
    const target = `sm_${(this.deviceInfo.computeCapability ?? '8.0').replace('.', '')}`;
    const ptx = renderPtx([kernel], { target });
    const cached = this.programs.get(ptx);
    if (cached) return { ...cached, kernel };
    const module = this.loadModule(ptx, kernel.name);
    const fn: [Handle] = [null];
    this.call(this.api.cuModuleGetFunction(fn, module, kernel.name), `looking up kernel ${kernel.name} in its module`);
    const program: CudaProgram = { kernel, module, fn: fn[0], ptx };
    this.programs.set(ptx, program);
    return program;
  }

  private loadModule(ptx: string, kernelName: string): Handle {
    const { koffi } = this.cuda;
    const errorLog = koffi.alloc('uint8_t', LOG_BYTES);
    const infoLog = koffi.alloc('uint8_t', LOG_BYTES);
    const values = koffi.alloc('uint64_t', 4);
    try {
      const slots = new DataView(koffi.view(values, 32));
      slots.setBigUint64(0, koffi.address(errorLog), true);
      slots.setBigUint64(8, BigInt(LOG_BYTES), true);
      slots.setBigUint64(16, koffi.address(infoLog), true);
      slots.setBigUint64(24, BigInt(LOG_BYTES), true);
      const options = new Int32Array([CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES]);
      const out: [Handle] = [null];
      const result = this.api.cuModuleLoadDataEx(out, ptx, 4, options, values);
      if (result !== 0) {
        const log = cString(new Uint8Array(koffi.view(errorLog, LOG_BYTES)));
        try {
          check(this.cuda, result, `JIT-compiling the PTX of kernel ${kernelName}`);
        } catch (err) {
          if (err instanceof CudaError) {
            throw new CudaError(err.code, err.errorName, `${err.errorString}${log ? `\nJIT log:\n${log}` : ''}`, err.what);
          }
          throw err;
        }
      }
      return out[0];
    } finally {
      koffi.free(errorLog);
      koffi.free(infoLog);
      koffi.free(values);
    }
  }

  async launch(program: DeviceProgram, grid: Dim3, block: Dim3, args: LaunchArg[], options: LaunchOptions = {}): Promise<void> {
    this.usable();
    const p = program as CudaProgram;
    const kernel = p.kernel;
    if (!p.fn) throw new Error(`CudaDevice.launch: program for ${kernel.name} was not compiled by this device`);
    if (options.signal?.aborted) throw new DeviceError(`launch of ${kernel.name} cancelled`, { kind: 'cancelled', kernel: kernel.name });
    this.checkLimits(kernel.name, grid, block, options.source);
    const params = packArguments(kernel, args);
    const buffers: CudaBuffer[] = [];
    for (const a of args) if (a.kind === 'buffer') buffers.push(this.own(a.buffer));
    const what = `launching kernel ${kernel.name}${options.source ? ` (${options.source.file}:${options.source.line})` : ''}`;
    for (const b of buffers) this.after(this.compute, b.lastUse, what);

    if (params.bytes.length > ARG_AREA_BYTES) {
      throw new DeviceError(`kernel ${kernel.name} has ${params.bytes.length} bytes of parameters (the limit is ${ARG_AREA_BYTES})`, { kind: 'launch-limits', kernel: kernel.name });
    }
    const packed = new DataView(params.bytes.buffer, params.bytes.byteOffset, params.bytes.byteLength);
    for (const [offset, index] of params.buffers) {
      const arg = args[index] as Extract<LaunchArg, { kind: 'buffer' }>;
      packed.setBigUint64(offset, BigInt(this.own(arg.buffer).dptr), true);
    }
    // cuLaunchKernel copies the parameters before it returns, so one native area serves every launch.
    this.argBytes.set(params.bytes);
    params.offsets.forEach((offset, i) => this.argPointers.setBigUint64(8 * i, this.argAddress + BigInt(offset), true));
    const start = this.record(this.compute, what);
    this.call(this.api.cuLaunchKernel(p.fn, grid[0], grid[1], grid[2], block[0], block[1], block[2], 0, this.compute, this.argTable, null), what);
    const end = this.record(this.compute, what);
    for (const b of buffers) b.lastUse = end;
    const at: [Dim3, Dim3, LaunchArg[]] = [[...grid], [...block], [...args]];
    this.pending.push({
      event: {
        kind: 'kernel', name: kernel.name, bytes: 0, flops: 0, lane: 'compute',
        grid: [...grid], block: [...block], ...(options.source ? { source: options.source } : {}),
      },
      start, end,
      // Estimating can take milliseconds for a big launch: doing it here would delay the next launch and put a
      // gap of our own making on the GPU's timeline.
      work: () => this.launchWork(kernel, ...at),
    });
  }

  /**
   * Bytes and flops of a launch, estimated from the IR (the GPU does not count them); cached, since decode
   * repeats the same launches token after token. Null when a loop's trip count depends on memory contents.
   */
  private launchWork(kernel: IrKernel, grid: Dim3, block: Dim3, args: LaunchArg[]): LaunchWork | null {
    const scalars = args.map((a) => (a.kind === 'scalar' ? a.value : null));
    const hostParams = new Set<number>();
    args.forEach((a, i) => { if (a.kind === 'buffer' && a.buffer.placement === 'host') hostParams.add(i); });
    const key = JSON.stringify([grid, block, scalars, [...hostParams]]);
    let cache = this.workEstimates.get(kernel);
    if (!cache) {
      cache = new Map();
      this.workEstimates.set(kernel, cache);
    }
    const known = cache.get(key);
    if (known !== undefined) return known;
    const work = estimateLaunchWork(kernel, { grid: [...grid], block: [...block], scalars, hostParams });
    if (cache.size >= 256) cache.clear();
    cache.set(key, work);
    return work;
  }

  private checkLimits(kernel: string, grid: Dim3, block: Dim3, loc: LaunchOptions['source']): void {
    const limits = this.deviceInfo.limits;
    const threads = block[0] * block[1] * block[2];
    const problems: string[] = [];
    if (threads > limits.maxThreadsPerBlock) problems.push(`${threads} threads per block (limit ${limits.maxThreadsPerBlock})`);
    for (let d = 0; d < 3; d++) {
      const axis = 'xyz'[d];
      if (block[d]! < 1 || grid[d]! < 1) problems.push(`an empty ${axis} dimension`);
      if (block[d]! > limits.maxBlockDim[d]!) problems.push(`block.${axis} = ${block[d]} (limit ${limits.maxBlockDim[d]})`);
      if (grid[d]! > limits.maxGridDim[d]!) problems.push(`grid.${axis} = ${grid[d]} (limit ${limits.maxGridDim[d]})`);
    }
    if (problems.length) {
      throw new DeviceError(`launch of ${kernel} is over ${this.deviceInfo.id}'s limits: ${problems.join(', ')}`, { kind: 'launch-limits', kernel, ...(loc ? { loc } : {}) });
    }
  }

  // ------------------------------------------------------------ timeline

  async synchronize(): Promise<void> {
    this.usable();
    const marks = [this.copyIn, this.copyOut, this.compute].map((s) => this.record(s, 'synchronizing'));
    for (const m of marks) await this.waitFor(m, 'synchronizing with the GPU');
    const end = marks[2]!;
    for (const s of [marks[0], marks[1]]) this.spareEvents.push(s);
    this.pending.push({ event: { kind: 'sync', name: 'synchronize', bytes: 0, flops: 0, lane: 'host' }, start: end, end });
    this.resolvePending();
  }

  events(): TraceEvent[] {
    this.resolvePending();
    for (const [event, estimate] of this.unestimated) {
      const work = estimate();
      event.bytes = work?.bytes ?? 0;
      event.flops = work?.flops ?? 0;
      if (work?.linkBytes) event.link_bytes = work.linkBytes;
      event.work_estimate = work ? (work.exact ? 'exact' : 'approximate') : 'unknown';
    }
    this.unestimated.clear();
    return [...this.recorded].sort((a, b) => a.start_us - b.start_us);
  }

  resetTrace(): void {
    for (const op of this.pending) this.spareEvents.push(...(op.start === op.end ? [op.start] : [op.start, op.end]));
    this.spareEvents.push(this.base);
    this.pending = [];
    this.recorded = [];
    this.unestimated.clear();
    this.base = this.newEvent();
    this.call(this.api.cuEventRecord(this.base, this.compute), 'restarting the timeline clock');
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (!this.broken) {
      try {
        this.call(this.api.cuCtxSynchronize(), 'finishing queued work before closing the device');
      } catch {
        // Still free what we can.
      }
    }
    for (const b of this.buffers.values()) this.release(b);
    for (const p of this.programs.values()) this.api.cuModuleUnload(p.module);
    this.programs.clear();
    for (const c of this.staging) this.api.cuMemFreeHost(c.ptr);
    this.staging.length = 0;
    for (const s of [this.copyIn, this.copyOut, this.compute]) this.api.cuStreamDestroy_v2(s);
    for (const e of this.spareEvents) this.api.cuEventDestroy_v2(e);
    this.spareEvents.length = 0;
    this.cuda.koffi.free(this.argArea);
    this.cuda.koffi.free(this.argTable);
    this.api.cuDevicePrimaryCtxRelease_v2(this.ordinal);
  }

  // ------------------------------------------------------------ plumbing

  private call(result: number, what: string): void {
    check(this.cuda, result, what);
  }

  private usable(): void {
    if (this.disposed) throw new DeviceError(`${this.deviceInfo.id} was closed`, { kind: 'invalid' });
    if (this.broken) throw new DeviceError(`${this.deviceInfo.id} cannot be used any more: ${this.broken}; open it again`, { kind: 'driver' });
    this.call(this.api.cuCtxSetCurrent(this.context), `making ${this.deviceInfo.id}'s context current`);
  }

  private own(buf: DeviceBuffer): CudaBuffer {
    const b = this.buffers.get(buf.id);
    if (!b || b !== buf || b.freed) throw new DeviceError(`buffer '${buf.name}' does not belong to ${this.deviceInfo.id} or was freed`, { kind: 'invalid' });
    return b;
  }

  private release(b: CudaBuffer): void {
    if (b.freed) return;
    b.freed = true;
    if (b.host) this.api.cuMemFreeHost(b.host);
    else this.api.cuMemFree_v2(b.dptr);
    this.buffers.delete(b.id);
  }

  private createStream(what: string): Handle {
    const out: [Handle] = [null];
    this.call(this.api.cuStreamCreate(out, CU_STREAM_NON_BLOCKING), `creating the ${what} stream`);
    return out[0];
  }

  private newEvent(): Handle {
    const spare = this.spareEvents.pop();
    if (spare) return spare;
    const out: [Handle] = [null];
    this.call(this.api.cuEventCreate(out, CU_EVENT_DEFAULT), 'creating a timing event');
    return out[0];
  }

  private record(stream: Handle, what: string): Handle {
    const e = this.newEvent();
    this.call(this.api.cuEventRecord(e, stream), `recording an event for ${what}`);
    return e;
  }

  /** Makes `stream` wait for `event` (queued on another stream) before what comes next. */
  private after(stream: Handle, event: Handle | null, what: string): void {
    if (event) this.call(this.api.cuStreamWaitEvent(stream, event, 0), `ordering ${what} after earlier work`);
  }

  private async stagingChunk(what: string): Promise<StagingChunk> {
    if (this.staging.length < 2) {
      const out: [Handle] = [null];
      this.call(this.api.cuMemHostAlloc(out, this.stagingBytes, CU_MEMHOSTALLOC_PORTABLE), `allocating ${formatBytes(this.stagingBytes)} of pinned staging memory`);
      const chunk = { ptr: out[0], view: new Uint8Array(this.cuda.koffi.view(out[0], this.stagingBytes)), busy: null };
      this.staging.push(chunk);
      return chunk;
    }
    const chunk = this.staging[this.nextStaging]!;
    this.nextStaging = (this.nextStaging + 1) % this.staging.length;
    if (chunk.busy) {
      await this.waitFor(chunk.busy, what);
      this.spareEvents.push(chunk.busy);
      chunk.busy = null;
    }
    return chunk;
  }

  /** Polls `event` until it completes; past the time limit the device is marked unusable and a timeout thrown. */
  private async waitFor(event: Handle, what: string): Promise<void> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const r = this.api.cuEventQuery(event);
      if (r === 0) return;
      if (r !== CUDA_ERROR_NOT_READY) {
        this.broken = `a CUDA error while ${what}`;
        this.call(r, what);
      }
      if (Date.now() - started > this.timeLimitMs) {
        const running = this.pending.find((p) => p.event.kind === 'kernel' && this.api.cuEventQuery(p.end) !== 0);
        const kernel = running?.event.name;
        this.broken = `the GPU did not finish within ${this.timeLimitMs} ms`;
        throw new DeviceError(
          `timeout: ${kernel ? `kernel ${kernel}` : 'the GPU'} did not finish within ${this.timeLimitMs} ms (${what})`,
          { kind: 'timeout', ...(kernel ? { kernel } : {}), ...(running?.event.source ? { loc: running.event.source } : {}) },
        );
      }
      await new Promise<void>((resolve) => (attempt < 8 ? setImmediate(resolve) : setTimeout(resolve, 1)));
    }
  }

  private elapsedUs(from: Handle, to: Handle): number {
    const ms: [number] = [0];
    this.call(this.api.cuEventElapsedTime(ms, from, to), 'reading event timings');
    return ms[0] * 1000;
  }

  /** Moves every completed operation from `pending` to the recorded timeline. */
  private resolvePending(): void {
    const still: PendingOp[] = [];
    for (const op of this.pending) {
      if (this.api.cuEventQuery(op.end) !== 0) {
        still.push(op);
        continue;
      }
      const start = this.elapsedUs(this.base, op.start);
      const duration = op.start === op.end ? 0 : this.elapsedUs(op.start, op.end);
      const event = { ...op.event, start_us: round3(start), duration_us: round3(Math.max(0, duration)) } as TraceEvent;
      this.recorded.push(event);
      if (op.work) this.unestimated.set(event, op.work);
      // Reusing a finished event is safe: anything still waiting on it then waits for a later point, never an earlier one.
      if (op.start !== this.base) this.spareEvents.push(op.start);
      if (op.end !== op.start && op.end !== this.base) this.spareEvents.push(op.end);
    }
    this.pending = still;
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} bytes`;
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end >= 0 ? bytes.subarray(0, end) : bytes).trim();
}

/**
 * Packs launch arguments as the PTX entry declares them (renderPtx): 8-byte pointers and 4-byte scalars, each
 * at an offset aligned to its size. `offsets` are the kernelParams slots; `buffers` lists [offset, arg index]
 * for pointers filled in by the device.
 */
export function packArguments(kernel: IrKernel, args: LaunchArg[]): { bytes: Uint8Array; offsets: number[]; buffers: [number, number][] } {
  if (args.length !== kernel.params.length) {
    throw new DeviceError(`kernel ${kernel.name} takes ${kernel.params.length} arguments, got ${args.length}`, { kind: 'invalid', kernel: kernel.name });
  }
  const offsets: number[] = [];
  let size = 0;
  for (const p of kernel.params) {
    const n = p.kind === 'buffer' ? 8 : 4;
    size = Math.ceil(size / n) * n;
    offsets.push(size);
    size += n;
  }
  const bytes = new Uint8Array(Math.max(size, 8));
  const view = new DataView(bytes.buffer);
  const buffers: [number, number][] = [];
  kernel.params.forEach((p, i) => {
    const a = args[i]!;
    const offset = offsets[i]!;
    if (p.kind === 'buffer') {
      if (a.kind !== 'buffer') throw new DeviceError(`kernel ${kernel.name}: argument ${i + 1} (${p.name}) needs a buffer`, { kind: 'invalid', kernel: kernel.name });
      buffers.push([offset, i]);
      return;
    }
    if (a.kind !== 'scalar') throw new DeviceError(`kernel ${kernel.name}: argument ${i + 1} (${p.name}) needs a ${p.type} value, not a buffer`, { kind: 'invalid', kernel: kernel.name });
    switch (p.type) {
      case 'f32': view.setFloat32(offset, a.value, true); break;
      case 'i32': view.setInt32(offset, a.value | 0, true); break;
      case 'u32': view.setUint32(offset, a.value >>> 0, true); break;
      case 'bool': view.setUint32(offset, a.value ? 1 : 0, true); break;
    }
  });
  return { bytes: bytes.subarray(0, Math.max(size, 8)), offsets, buffers };
}
