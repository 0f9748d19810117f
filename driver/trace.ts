// Timeline events every device records, and (below) the summary, verdict and Chrome-trace export.

export type EventKind = 'h2d' | 'd2h' | 'kernel' | 'memset' | 'sync';
export type Lane = 'h2d' | 'compute' | 'd2h' | 'host';

/** One timed event on a device's timeline (times in microseconds from the device's first event). */
export interface TraceEvent {
  kind: EventKind;
  name: string;
  start_us: number;
  duration_us: number;
  bytes: number;
  flops: number;
  lane: Lane;
  /** Kernels: bytes that crossed the link because they touched host-mapped buffers. */
  link_bytes?: number;
  /** Copies: source and destination memory kinds, as Nsight Systems names them. */
  src_kind?: 'pageable' | 'pinned' | 'device' | 'mapped';
  dst_kind?: 'pageable' | 'pinned' | 'device' | 'mapped';
  /** Kernels: launch geometry. */
  grid?: [number, number, number];
  block?: [number, number, number];
  /** Where in the source the event was issued (launch / read / buffer statement). */
  source?: { file: string; line: number; column: number };
}

/** One copy or kernel, summarised against the ceiling that bounds it. */
export interface EventStat {
  kind: EventKind;
  name: string;
  /** Number of events merged into this row (same kind and name). */
  count: number;
  total_us: number;
  bytes: number;
  flops: number;
  /** Achieved bandwidth over the row's total time, GB/s. */
  gbps: number;
  /** Achieved GFLOP/s (kernels). */
  gflops: number;
  /** The ceiling this row is measured against, and the share of it reached (0..100). */
  ceiling: 'link' | 'memory' | 'compute' | 'latency';
  ceiling_gbps_or_tflops: number;
  percent_of_ceiling: number;
  /** Kernels: flops per byte moved. */
  arithmetic_intensity?: number;
  source?: { file: string; line: number; column: number };
}

export type Verdict = 'link-bound' | 'memory-bound' | 'compute-bound' | 'latency-bound' | 'idle';

/** What the profiler shows at the top: where the time went and why. */
export interface TraceSummary {
  total_us: number;
  /** Wall time covered by at least one event of each class (lanes may overlap). */
  copy_us: number;
  compute_us: number;
  sync_us: number;
  /** Wall time with no event on any lane. */
  idle_us: number;
  /** Time spent in fixed latencies (launch, transfer setup, sync) rather than moving bytes or flops. */
  latency_us: number;
  h2d_bytes: number;
  d2h_bytes: number;
  /** Bytes kernels pulled across the link from host-mapped buffers. */
  mapped_link_bytes: number;
  kernel_count: number;
  rows: EventStat[];
  verdict: Verdict;
  /** One line with the numbers that justify the verdict. */
  verdict_text: string;
}

/** A point on the roofline chart, with the three roofs of the device. */
export interface RooflinePoint {
  name: string;
  arithmetic_intensity: number;
  gflops: number;
  /** Which roof bounds this kernel at its intensity. */
  bound_by: 'link' | 'memory' | 'compute';
  source?: { file: string; line: number; column: number };
}

export interface Roofline {
  link_gbps: number;
  memory_gbps: number;
  compute_gflops: number;
  points: RooflinePoint[];
}
