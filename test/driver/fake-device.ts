// A small in-memory Device for the runner tests: kernels are plain JS functions registered by name,
// time follows the sim's formulas on one serial clock, and every call is logged.
import { DeviceError } from '../../driver/device';
import type { Device, DeviceBuffer, DeviceInfo, DeviceProgram, Dim3, LaunchArg, LaunchOptions, Placement } from '../../driver/device';
import type { TraceEvent } from '../../driver/trace';
import type { IrKernel } from '../../kernels/lang/ir';
import { DEFAULT_LIMITS } from '../../kernels/lang/limits';

/** What a fake kernel sees: its arguments as numbers or raw buffer bytes, and the launch geometry. */
export type FakeKernel = (ctx: {
  grid: Dim3;
  block: Dim3;
  args: (number | Uint8Array)[];
  names: string[];
}) => { bytes: number; flops: number } | void;

export const FAKE_INFO: DeviceInfo = {
  id: 'sim:fake',
  backend: 'sim',
  name: 'Fake device',
  gpu: 'Fake GPU',
  link: 'Fake link',
  memoryBytes: 1 << 30,
  limits: DEFAULT_LIMITS,
  ceilings: {
    linkH2DGBps: 10,
    linkD2HGBps: 10,
    memoryGBps: 1000,
    fp32TFLOPS: 10,
    transferLatencyUs: 10,
    launchLatencyUs: 5,
    syncLatencyUs: 20,
  },
};

interface FakeBuffer extends DeviceBuffer {
  data: Uint8Array;
  freed: boolean;
}

export class FakeDevice implements Device {
  readonly log: string[] = [];
  private clock = 0;
  private trace: TraceEvent[] = [];
  private nextId = 1;
  readonly live = new Set<FakeBuffer>();

  constructor(
    private readonly kernels: Record<string, FakeKernel> = {},
    private readonly deviceInfo: DeviceInfo = FAKE_INFO,
  ) {}

  info(): DeviceInfo {
    return this.deviceInfo;
  }

  async alloc(bytes: number, placement: Placement, name: string): Promise<DeviceBuffer> {
    const buf: FakeBuffer = { id: this.nextId++, bytes, placement, name, data: new Uint8Array(bytes).fill(0xcd), freed: false };
    this.live.add(buf);
    this.log.push(`alloc ${name} ${bytes} ${placement}`);
    return buf;
  }

  async free(buf: DeviceBuffer): Promise<void> {
    const b = buf as FakeBuffer;
    if (b.freed) throw new Error(`double free of ${buf.name}`);
    b.freed = true;
    this.live.delete(b);
    this.log.push(`free ${buf.name}`);
  }

  async upload(buf: DeviceBuffer, data: Uint8Array, source?: LaunchOptions['source']): Promise<void> {
    (buf as FakeBuffer).data.set(data);
    this.log.push(`upload ${buf.name} ${data.length}`);
    if (buf.placement === 'host') return;
    const c = this.deviceInfo.ceilings;
    this.record({ kind: 'h2d', name: buf.name, duration_us: c.transferLatencyUs + data.length / (c.linkH2DGBps * 1e3), bytes: data.length, flops: 0, lane: 'h2d', ...(source ? { source } : {}) });
  }

  async download(buf: DeviceBuffer, source?: LaunchOptions['source']): Promise<Uint8Array> {
    this.log.push(`download ${buf.name}`);
    const data = (buf as FakeBuffer).data.slice();
    if (buf.placement === 'host') return data;
    const c = this.deviceInfo.ceilings;
    this.record({ kind: 'd2h', name: buf.name, duration_us: c.transferLatencyUs + data.length / (c.linkD2HGBps * 1e3), bytes: data.length, flops: 0, lane: 'd2h', ...(source ? { source } : {}) });
    return data;
  }

  async fill(buf: DeviceBuffer, byte: number): Promise<void> {
    (buf as FakeBuffer).data.fill(byte);
    this.log.push(`fill ${buf.name} ${byte}`);
    const c = this.deviceInfo.ceilings;
    this.record({ kind: 'memset', name: buf.name, duration_us: c.launchLatencyUs + buf.bytes / (c.memoryGBps * 1e3), bytes: buf.bytes, flops: 0, lane: 'compute' });
  }

  async compile(kernel: IrKernel): Promise<DeviceProgram> {
    this.log.push(`compile ${kernel.name}`);
    return { kernel };
  }

  async launch(program: DeviceProgram, grid: Dim3, block: Dim3, args: LaunchArg[], options?: LaunchOptions): Promise<void> {
    const name = program.kernel.name;
    const fn = this.kernels[name];
    if (!fn) throw new DeviceError(`fake device has no kernel '${name}'`, { kind: 'invalid', kernel: name });
    const values = args.map((a) => (a.kind === 'scalar' ? a.value : (a.buffer as FakeBuffer).data));
    this.log.push(`launch ${name} [${grid.join(',')}] [${block.join(',')}] (${args.map((a) => (a.kind === 'scalar' ? `${a.type}:${a.value}` : a.buffer.name)).join(', ')})`);
    const counts = fn({ grid, block, args: values, names: args.map((a) => (a.kind === 'buffer' ? a.buffer.name : '')) }) ?? { bytes: 0, flops: 0 };
    const c = this.deviceInfo.ceilings;
    const duration = c.launchLatencyUs + Math.max(counts.bytes / (c.memoryGBps * 1e3), counts.flops / (c.fp32TFLOPS * 1e6));
    this.record({ kind: 'kernel', name, duration_us: duration, bytes: counts.bytes, flops: counts.flops, lane: 'compute', grid, block, ...(options?.source ? { source: options.source } : {}) });
  }

  async synchronize(): Promise<void> {
    this.log.push('sync');
    this.record({ kind: 'sync', name: 'sync', duration_us: this.deviceInfo.ceilings.syncLatencyUs, bytes: 0, flops: 0, lane: 'host' });
  }

  events(): TraceEvent[] {
    return this.trace.slice();
  }

  resetTrace(): void {
    this.log.push('reset');
    this.trace = [];
    this.clock = 0;
  }

  async dispose(): Promise<void> {}

  private record(e: Omit<TraceEvent, 'start_us'>): void {
    this.trace.push({ ...e, start_us: this.clock });
    this.clock += e.duration_us;
  }
}

/** Float32 view of a buffer argument's bytes. */
export function f32(data: number | Uint8Array): Float32Array {
  if (typeof data === 'number') throw new Error('expected a buffer argument');
  return new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4);
}
