// The simulated eGPU: device memory in SharedArrayBuffers, kernels run for real in a worker thread, and
// every operation placed on a virtual timeline by the profile's timing model (see docs/simulator.md).
import { constants as bufferConstants } from 'node:buffer';
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { IrKernel } from '../../kernels/lang/ir';
import {
  DeviceError, type Device, type DeviceBuffer, type DeviceInfo, type DeviceProgram, type Dim3, type LaunchArg, type LaunchOptions, type Placement,
} from '../device';
import type { TraceEvent } from '../trace';
import type { ExecArg } from './executor';
import { Timeline } from './timing';
import type { WorkerReply, WorkerRequest } from './worker';

/** Default per-launch time limit. */
export const DEFAULT_TIME_LIMIT_MS = 30_000;
/** How long a kernel gets to stop by itself after a cancel or its deadline before its worker is terminated. */
const STOP_GRACE_MS = 1_000;

interface SimBuffer extends DeviceBuffer {
  data: SharedArrayBuffer;
}

interface SimProgram extends DeviceProgram {
  readonly programId: number;
}

/** Where the worker script is: next to a bundle (dist/sim-worker.js), or the .ts source run through tsx. */
function workerScript(): { script: string; eval: boolean } {
  const here = typeof __filename === 'string' ? __filename : '';
  if (here.endsWith('.ts')) {
    const tsx = createRequire(here).resolve('tsx/cjs');
    const source = join(dirname(here), 'worker.ts');
    return { script: `require(${JSON.stringify(tsx)}); require(${JSON.stringify(source)});`, eval: true };
  }
  const bundled = join(dirname(here), 'sim-worker.js');
  if (existsSync(bundled)) return { script: bundled, eval: false };
  throw new Error(`sim device: no worker script next to ${here} (run \`npm run build\`)`);
}

function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(2)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(2)} KiB`;
  return `${bytes} B`;
}

interface Pending {
  resolve: (reply: WorkerReply) => void;
  reject: (error: Error) => void;
}

/** The largest buffer the simulator can back: the longest Uint8Array this Node.js allows. */
export const MAX_SIMULATED_BUFFER_BYTES = bufferConstants.MAX_LENGTH;

export class SimDevice implements Device {
  private readonly timeLimitMs: number;
  private readonly timeline: Timeline;
  private readonly buffers = new Map<number, SimBuffer>();
  private nextBufferId = 1;
  private nextProgramId = 1;
  private nextRequestId = 1;
  private allocatedBytes = 0;
  private worker: Worker | null = null;
  /** Programs the current worker has compiled. */
  private workerPrograms = new Set<number>();
  private pending = new Map<number, Pending>();
  /** Every device op runs after the previous one finished, in issue order. */
  private tail: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(private readonly deviceInfo: DeviceInfo, options: { timeLimitMs?: number } = {}) {
    this.timeLimitMs = options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
    this.timeline = new Timeline(deviceInfo);
  }

  info(): DeviceInfo {
    return this.deviceInfo;
  }

  private enqueue<T>(op: () => T | Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new DeviceError(`device ${this.deviceInfo.id} was disposed`, { kind: 'invalid' }));
    const run = this.tail.then(op, op);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private live(buf: DeviceBuffer, what: string): SimBuffer {
    const b = this.buffers.get(buf.id);
    if (!b) throw new DeviceError(`${what}: buffer ${buf.name} was freed or belongs to another device`, { kind: 'invalid' });
    return b;
  }

  alloc(bytes: number, placement: Placement, name: string): Promise<DeviceBuffer> {
    return this.enqueue(() => {
      if (!Number.isInteger(bytes) || bytes < 0) {
        throw new DeviceError(`cannot allocate buffer ${name}: ${bytes} is not a byte count`, { kind: 'invalid' });
      }
      const capacity = this.deviceInfo.memoryBytes;
      if (placement === 'device' && this.allocatedBytes + bytes > capacity) {
        throw new DeviceError(
          `out of device memory: buffer ${name} needs ${formatBytes(bytes)} (${bytes} bytes) but ${this.deviceInfo.name} has ${formatBytes(capacity)} ` +
            `(${capacity} bytes) with ${formatBytes(this.allocatedBytes)} (${this.allocatedBytes} bytes) already allocated`,
          { kind: 'out-of-memory' },
        );
      }
      // Kernels see a buffer through one typed array, and this Node.js caps a typed array's length.
      if (bytes > MAX_SIMULATED_BUFFER_BYTES) {
        throw new DeviceError(
          `buffer ${name} of ${formatBytes(bytes)} (${bytes} bytes) fits the simulated ${formatBytes(capacity)} device, but the simulator can back ` +
            `at most ${formatBytes(MAX_SIMULATED_BUFFER_BYTES)} per buffer on Node.js ${process.version}; split it, shrink it, or run it on a real GPU (--device cuda:N)`,
          { kind: 'out-of-memory' },
        );
      }
      let data: SharedArrayBuffer;
      try {
        data = new SharedArrayBuffer(bytes);
      } catch {
        throw new DeviceError(
          `out of memory: the simulator's host could not hold buffer ${name} of ${formatBytes(bytes)} (${bytes} bytes)`,
          { kind: 'out-of-memory' },
        );
      }
      const buffer: SimBuffer = { id: this.nextBufferId++, bytes, placement, name, data };
      this.buffers.set(buffer.id, buffer);
      if (placement === 'device') this.allocatedBytes += bytes;
      const handle: DeviceBuffer = { id: buffer.id, bytes, placement, name };
      return handle;
    });
  }

  free(buf: DeviceBuffer): Promise<void> {
    return this.enqueue(() => {
      const b = this.buffers.get(buf.id);
      if (!b) return;
      this.buffers.delete(buf.id);
      if (b.placement === 'device') this.allocatedBytes -= b.bytes;
      this.timeline.forget(buf.id);
    });
  }

  upload(buf: DeviceBuffer, data: Uint8Array, source?: LaunchOptions['source']): Promise<void> {
    return this.enqueue(() => {
      const b = this.live(buf, 'upload');
      if (data.byteLength > b.bytes) {
        throw new DeviceError(`upload to buffer ${b.name}: ${data.byteLength} bytes do not fit in its ${b.bytes}`, { kind: 'invalid' });
      }
      new Uint8Array(b.data).set(data);
      if (b.placement === 'host') this.timeline.hostAccess(b.id, b.name, source);
      else this.timeline.upload(b.id, b.name, data.byteLength, source);
    });
  }

  download(buf: DeviceBuffer, source?: LaunchOptions['source']): Promise<Uint8Array> {
    return this.enqueue(() => {
      const b = this.live(buf, 'download');
      if (b.placement === 'host') this.timeline.hostAccess(b.id, b.name, source);
      else this.timeline.download(b.id, b.name, b.bytes, source);
      return new Uint8Array(b.data).slice();
    });
  }

  fill(buf: DeviceBuffer, byte: number): Promise<void> {
    return this.enqueue(() => {
      const b = this.live(buf, 'fill');
      new Uint8Array(b.data).fill(byte & 0xff);
      if (b.placement === 'host') this.timeline.hostAccess(b.id, b.name);
      else this.timeline.memset(b.id, b.name, b.bytes);
    });
  }

  compile(kernel: IrKernel): Promise<DeviceProgram> {
    const program: SimProgram = { kernel, programId: this.nextProgramId++ };
    return Promise.resolve(program);
  }

  launch(program: DeviceProgram, grid: Dim3, block: Dim3, args: LaunchArg[], options: LaunchOptions = {}): Promise<void> {
    return this.enqueue(async () => {
      const p = program as SimProgram;
      if (typeof p.programId !== 'number') throw new DeviceError(`kernel ${program.kernel.name} was not compiled by this device`, { kind: 'invalid' });
      const kernel = program.kernel;
      const execArgs: ExecArg[] = [];
      const bufferIds: number[] = [];
      for (const a of args) {
        if (a.kind === 'scalar') execArgs.push({ kind: 'scalar', type: a.type, value: a.value });
        else {
          const b = this.live(a.buffer, `launch of kernel ${kernel.name}`);
          execArgs.push({ kind: 'buffer', name: b.name, data: b.data, placement: b.placement });
          bufferIds.push(b.id);
        }
      }
      const result = await this.execute(p, kernel, grid, block, execArgs, options);
      this.timeline.kernel(kernel.name, result, bufferIds, grid, block, options.source);
    });
  }

  private async execute(p: SimProgram, kernel: IrKernel, grid: Dim3, block: Dim3, args: ExecArg[], options: LaunchOptions) {
    const signal = options.signal;
    const cancelledError = () =>
      new DeviceError(`cancelled: kernel ${kernel.name} was stopped`, { kind: 'cancelled', kernel: kernel.name, ...(options.source ? { loc: options.source } : {}) });
    if (signal?.aborted) throw cancelledError();
    const worker = this.ensureWorker();
    const id = this.nextRequestId++;
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const request: WorkerRequest = {
      type: 'launch', id, programId: p.programId, grid, block, args,
      deadline: Date.now() + this.timeLimitMs, timeLimitMs: this.timeLimitMs, cancel, limits: this.deviceInfo.limits,
      ...(this.workerPrograms.has(p.programId) ? {} : { kernel }),
      ...(options.source ? { source: options.source } : {}),
    };
    this.workerPrograms.add(p.programId);
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      let killTimer: NodeJS.Timeout | null = null;
      const kill = (error: DeviceError) => {
        if (!this.pending.has(id)) return;
        this.pending.delete(id);
        this.stopWorker();
        reject(error);
      };
      // The kernel checks its deadline and the cancel flag itself; these timers only catch one that does not stop.
      const hardTimer = setTimeout(() => kill(new DeviceError(
        `timeout: kernel ${kernel.name} ran past the ${this.timeLimitMs} ms time limit and was stopped`,
        { kind: 'timeout', kernel: kernel.name, ...(options.source ? { loc: options.source } : {}) },
      )), this.timeLimitMs + STOP_GRACE_MS);
      const onAbort = () => {
        Atomics.store(cancel, 0, 1);
        killTimer = setTimeout(() => kill(cancelledError()), STOP_GRACE_MS);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => {
        clearTimeout(hardTimer);
        if (killTimer) clearTimeout(killTimer);
        signal?.removeEventListener('abort', onAbort);
        this.worker?.unref();
      };
      this.pending.set(id, {
        resolve: (r) => { cleanup(); resolve(r); },
        reject: (e) => { cleanup(); reject(e); },
      });
      worker.ref();
      worker.postMessage(request);
    });
    if (reply.type === 'done') return reply.result;
    if (reply.type === 'fault') throw new DeviceError(reply.message, reply.detail);
    throw new Error(`sim worker failed running kernel ${kernel.name}: ${reply.message}`);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const { script, eval: isEval } = workerScript();
    const worker = new Worker(script, { eval: isEval });
    worker.on('message', (reply: WorkerReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      p.resolve(reply);
    });
    const failAll = (why: string) => {
      if (this.worker === worker) {
        this.worker = null;
        this.workerPrograms = new Set();
      }
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(new DeviceError(`the simulator's worker stopped: ${why}`, { kind: 'driver' }));
      }
    };
    worker.on('error', (e) => failAll(e.message));
    worker.on('exit', (code) => failAll(`exit code ${code}`));
    worker.unref();
    this.worker = worker;
    this.workerPrograms = new Set();
    return worker;
  }

  private stopWorker(): void {
    const w = this.worker;
    this.worker = null;
    this.workerPrograms = new Set();
    if (w) void w.terminate();
  }

  synchronize(): Promise<void> {
    return this.enqueue(() => {
      this.timeline.synchronize();
    });
  }

  events(): TraceEvent[] {
    return this.timeline.events();
  }

  resetTrace(): void {
    this.timeline.reset();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    await this.tail;
    this.disposed = true;
    this.buffers.clear();
    this.allocatedBytes = 0;
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
