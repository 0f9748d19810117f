// The simulated eGPU's timing model: a virtual clock in µs with h2d / compute / d2h / host lanes, durations
// from the device profile's ceilings, and start times from lane availability and buffer dependencies.
import type { DeviceCeilings, DeviceInfo, LaunchOptions } from '../device';
import type { Lane, TraceEvent } from '../trace';

/** µs to move `bytes` at `gbps` (1 GB/s = 1e3 bytes per µs). */
export function bytesUs(bytes: number, gbps: number): number {
  return gbps > 0 ? bytes / (gbps * 1e3) : 0;
}

/** Modeled duration of a host-to-device or device-to-host copy. */
export function transferUs(bytes: number, direction: 'h2d' | 'd2h', c: DeviceCeilings): number {
  return c.transferLatencyUs + bytesUs(bytes, direction === 'h2d' ? c.linkH2DGBps : c.linkD2HGBps);
}

/** What a kernel did, as the executor counted it. */
export interface KernelWork {
  bytes: number;
  flops: number;
  /** Host-mapped bytes read across the link (H2D direction) and written (D2H direction). */
  linkReadBytes: number;
  linkWriteBytes: number;
}

/** Modeled duration of a kernel: launch latency + the slowest of memory, compute and link. */
export function kernelUs(work: KernelWork, c: DeviceCeilings): number {
  const memory = bytesUs(work.bytes, c.memoryGBps);
  const compute = c.fp32TFLOPS > 0 ? work.flops / (c.fp32TFLOPS * 1e6) : 0;
  const link = Math.max(bytesUs(work.linkReadBytes, c.linkH2DGBps), bytesUs(work.linkWriteBytes, c.linkD2HGBps));
  return c.launchLatencyUs + Math.max(memory, compute, link);
}

/**
 * Modeled duration of a device-side memset: it is enqueued like a kernel (cuMemsetD8Async costs a launch),
 * then writes its bytes at memory bandwidth.
 */
export function memsetUs(bytes: number, c: DeviceCeilings): number {
  return c.launchLatencyUs + bytes / (c.memoryGBps * 1e3);
}

type Source = LaunchOptions['source'];

/**
 * The virtual clock. Ops are issued in program order; each starts at the latest of: when the host issued it,
 * when its lane is free, and when the last op touching any of its buffers ended.
 */
export class Timeline {
  private laneFree: Record<Lane, number> = { h2d: 0, compute: 0, d2h: 0, host: 0 };
  /** When the host can issue the next op (advanced by blocking ops: downloads and synchronize). */
  private hostTime = 0;
  private bufferReady = new Map<number, number>();
  private recorded: TraceEvent[] = [];

  constructor(private readonly info: DeviceInfo) {}

  private startFor(lane: Lane, buffers: number[]): number {
    let start = Math.max(this.hostTime, this.laneFree[lane]);
    for (const b of buffers) start = Math.max(start, this.bufferReady.get(b) ?? 0);
    return start;
  }

  private record(event: TraceEvent, buffers: number[]): TraceEvent {
    const end = event.start_us + event.duration_us;
    this.laneFree[event.lane] = end;
    for (const b of buffers) this.bufferReady.set(b, end);
    this.recorded.push(event);
    return event;
  }

  upload(bufferId: number, name: string, bytes: number, source?: Source): TraceEvent {
    const start = this.startFor('h2d', [bufferId]);
    return this.record({
      kind: 'h2d', name, start_us: start, duration_us: transferUs(bytes, 'h2d', this.info.ceilings), bytes, flops: 0, lane: 'h2d',
      src_kind: 'pinned', dst_kind: 'device', ...(source ? { source } : {}),
    }, [bufferId]);
  }

  /** A blocking copy back: the host waits for it to land. */
  download(bufferId: number, name: string, bytes: number, source?: Source): TraceEvent {
    const start = this.startFor('d2h', [bufferId]);
    const event = this.record({
      kind: 'd2h', name, start_us: start, duration_us: transferUs(bytes, 'd2h', this.info.ceilings), bytes, flops: 0, lane: 'd2h',
      src_kind: 'device', dst_kind: 'pinned', ...(source ? { source } : {}),
    }, [bufferId]);
    this.hostTime = Math.max(this.hostTime, event.start_us + event.duration_us);
    return event;
  }

  memset(bufferId: number, name: string, bytes: number): TraceEvent {
    const start = this.startFor('compute', [bufferId]);
    return this.record({
      kind: 'memset', name, start_us: start, duration_us: memsetUs(bytes, this.info.ceilings), bytes, flops: 0, lane: 'compute', dst_kind: 'device',
    }, [bufferId]);
  }

  kernel(name: string, work: KernelWork, buffers: number[], grid: [number, number, number], block: [number, number, number], source?: Source): TraceEvent {
    const start = this.startFor('compute', buffers);
    return this.record({
      kind: 'kernel', name, start_us: start, duration_us: kernelUs(work, this.info.ceilings), bytes: work.bytes, flops: work.flops, lane: 'compute',
      link_bytes: work.linkReadBytes + work.linkWriteBytes, grid: [...grid], block: [...block], ...(source ? { source } : {}),
    }, buffers);
  }

  /** A sync round trip on the host lane once every lane has drained. */
  synchronize(name = 'synchronize', source?: Source): TraceEvent {
    const start = Math.max(this.hostTime, this.laneFree.h2d, this.laneFree.compute, this.laneFree.d2h, this.laneFree.host);
    const event = this.record({
      kind: 'sync', name, start_us: start, duration_us: this.info.ceilings.syncLatencyUs, bytes: 0, flops: 0, lane: 'host', ...(source ? { source } : {}),
    }, []);
    this.hostTime = start + event.duration_us;
    return event;
  }

  /**
   * The host touches a host-mapped buffer directly: if device work on it is still in flight, the host first
   * waits for it with a sync round trip; otherwise nothing is recorded.
   */
  hostAccess(bufferId: number, name: string, source?: Source): TraceEvent | null {
    const ready = this.bufferReady.get(bufferId) ?? 0;
    if (ready <= this.hostTime) return null;
    const start = ready;
    const event = this.record({
      kind: 'sync', name: `wait for ${name}`, start_us: start, duration_us: this.info.ceilings.syncLatencyUs, bytes: 0, flops: 0, lane: 'host',
      ...(source ? { source } : {}),
    }, []);
    this.hostTime = start + event.duration_us;
    return event;
  }

  forget(bufferId: number): void {
    this.bufferReady.delete(bufferId);
  }

  /** Events in start order (ties keep issue order). */
  events(): TraceEvent[] {
    return this.recorded.map((e, i) => ({ e, i })).sort((a, b) => a.e.start_us - b.e.start_us || a.i - b.i).map((x) => x.e);
  }

  reset(): void {
    this.laneFree = { h2d: 0, compute: 0, d2h: 0, host: 0 };
    this.hostTime = 0;
    this.bufferReady.clear();
    this.recorded = [];
  }
}
