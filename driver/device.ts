// The one interface every backend implements (sim, cuda): memory, copies, compile, launch, sync, trace.
// The run-block interpreter (runner.ts) and the Llama engine talk only to this.
import type { IrKernel } from '../kernels/lang/ir';
import type { DeviceLimits } from '../kernels/lang/limits';
import type { TraceEvent } from './trace';

/** Ceilings and latencies of a device: what the timing model uses and what the verdict compares to. */
export interface DeviceCeilings {
  /** Host-to-device link bandwidth, GB/s (1e9 bytes/s). */
  linkH2DGBps: number;
  /** Device-to-host link bandwidth, GB/s. */
  linkD2HGBps: number;
  /** Device memory bandwidth, GB/s. */
  memoryGBps: number;
  /** Peak FP32 throughput, TFLOPS. */
  fp32TFLOPS: number;
  /** Fixed cost of one copy across the link (doorbell, DMA setup, completion), µs. */
  transferLatencyUs: number;
  /** Host cost of one kernel launch, µs. */
  launchLatencyUs: number;
  /** One host<->device synchronisation round trip, µs. */
  syncLatencyUs: number;
}

export interface DeviceInfo {
  /** How to select it: `sim:rtx5090-usb4`, `cuda:0`. */
  id: string;
  backend: 'sim' | 'cuda';
  /** Human name, e.g. `RTX 5090 · USB4 33 GB/s (sim)`. */
  name: string;
  /** GPU name, e.g. `NVIDIA GeForce RTX 5090`. */
  gpu: string;
  /** Link description, e.g. `USB4 / Thunderbolt (PCIe tunnel)`. */
  link: string;
  memoryBytes: number;
  limits: DeviceLimits;
  ceilings: DeviceCeilings;
  /** CUDA only: compute capability, e.g. `9.0`. */
  computeCapability?: string;
}

export type Placement = 'device' | 'host';

/** A device allocation. `bytes` is the size asked for. */
export interface DeviceBuffer {
  readonly id: number;
  readonly bytes: number;
  readonly placement: Placement;
  /** Name shown on the timeline (the run block's buffer name). */
  readonly name: string;
}

/** A compiled kernel, ready to launch. */
export interface DeviceProgram {
  readonly kernel: IrKernel;
}

export type LaunchArg =
  | { kind: 'scalar'; type: 'i32' | 'u32' | 'f32' | 'bool'; value: number }
  | { kind: 'buffer'; buffer: DeviceBuffer };

export type Dim3 = [number, number, number];

/** Options for one launch. */
export interface LaunchOptions {
  /** Where the launch was written, for the timeline and error messages. */
  source?: { file: string; line: number; column: number };
  /** Abort signal: a cancelled launch stops the kernel and rejects with a cancellation error. */
  signal?: AbortSignal;
}

/**
 * A runtime fault in a kernel or a device operation (out of bounds, out of memory, time limit, …).
 * The message already names kernel, block, thread and source line where they apply.
 */
export class DeviceError extends Error {
  constructor(
    message: string,
    readonly detail: {
      kind: 'out-of-bounds' | 'misaligned' | 'launch-limits' | 'out-of-memory' | 'timeout' | 'cancelled' | 'barrier-divergence' | 'driver' | 'invalid';
      kernel?: string;
      block?: Dim3;
      thread?: Dim3;
      loc?: { file: string; line: number; column: number };
    },
  ) {
    super(message);
    this.name = 'DeviceError';
  }
}

export interface Device {
  info(): DeviceInfo;
  alloc(bytes: number, placement: Placement, name: string): Promise<DeviceBuffer>;
  free(buf: DeviceBuffer): Promise<void>;
  /** Copies host bytes into the buffer (an H2D event; for host-placed buffers a plain host write, no event). */
  upload(buf: DeviceBuffer, data: Uint8Array, source?: LaunchOptions['source']): Promise<void>;
  /** Copies the buffer back to the host (a D2H event; none for host-placed buffers). */
  download(buf: DeviceBuffer, source?: LaunchOptions['source']): Promise<Uint8Array>;
  /** Sets every byte of the buffer to `byte` on the device (a memset event). */
  fill(buf: DeviceBuffer, byte: number): Promise<void>;
  compile(kernel: IrKernel): Promise<DeviceProgram>;
  launch(program: DeviceProgram, grid: Dim3, block: Dim3, args: LaunchArg[], options?: LaunchOptions): Promise<void>;
  /** Waits for all queued work (a sync event: one host round trip). */
  synchronize(): Promise<void>;
  /** The events recorded so far, in start order. */
  events(): TraceEvent[];
  /** Clears the recorded events and restarts the clock at 0. */
  resetTrace(): void;
  /** Frees everything and stops workers; the device cannot be used afterwards. */
  dispose(): Promise<void>;
}
