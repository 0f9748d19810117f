// The typed messages between the extension (or any host page) and the profiler panel, both ways,
// with validators so a malformed message is ignored and logged instead of breaking the panel.
import type { DeviceInfo } from '../driver/device';
import type { EventKind, Lane, Roofline, TraceEvent, TraceSummary, Verdict } from '../driver/trace';

/** Where a timeline event, table row or roofline point was written; forwarded verbatim on click. */
export interface SourceRef {
  file: string;
  line: number;
  column: number;
}

/** One `expect` result of the run, as the runner reports it (a subset of driver/runner.ts ExpectResult). */
export interface PanelExpect {
  buffer: string;
  pass: boolean;
  checked: number;
  failed: number;
  mismatches: { index: number; got: number; want: number }[];
  loc?: SourceRef;
}

/** A run that stopped with an error (driver/runner.ts RunError). */
export interface PanelRunError {
  message: string;
  kernel?: string;
  file?: string;
  line?: number;
  column?: number;
}

/** Everything the panel draws for one run; the engine computed all of it. */
export interface ProfileData {
  device: DeviceInfo;
  runName: string;
  file: string;
  events: TraceEvent[];
  summary: TraceSummary;
  roofline: Roofline;
  expects?: PanelExpect[];
  error?: PanelRunError | null;
}

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

/** Extension → panel. */
export type HostMessage =
  | { type: 'profile'; data: ProfileData }
  /** Standalone pages only: VS Code itself sets the body class of a webview. */
  | { type: 'theme'; kind: ThemeKind }
  /** A run started: the panel shows it is waiting for a new profile. */
  | { type: 'running'; runName: string };

/** Panel → extension. */
export type PanelMessage =
  | { type: 'ready' }
  | { type: 'jumpToSource'; file: string; line: number; column: number }
  | { type: 'exportTrace' }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

export type ParseResult<T> = { ok: true; message: T } | { ok: false; reason: string };

const EVENT_KINDS: readonly EventKind[] = ['h2d', 'd2h', 'kernel', 'memset', 'sync'];
const LANES: readonly Lane[] = ['h2d', 'compute', 'd2h', 'host'];
const VERDICTS: readonly Verdict[] = ['link-bound', 'memory-bound', 'compute-bound', 'latency-bound', 'idle'];
const THEMES: readonly ThemeKind[] = ['light', 'dark', 'high-contrast', 'high-contrast-light'];
const LOG_LEVELS = ['info', 'warn', 'error'] as const;

type Obj = Record<string, unknown>;

function isObject(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
function isNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}
function isStr(x: unknown): x is string {
  return typeof x === 'string';
}
function isOneOf<T extends string>(x: unknown, values: readonly T[]): x is T {
  return typeof x === 'string' && (values as readonly string[]).includes(x);
}

function checkSource(x: unknown, where: string): string | null {
  if (x === undefined) return null;
  if (!isObject(x) || !isStr(x.file) || !isNum(x.line) || !isNum(x.column)) return `${where}.source must be { file, line, column }`;
  return null;
}

function checkEvent(e: unknown, i: number): string | null {
  const where = `events[${i}]`;
  if (!isObject(e)) return `${where} is not an object`;
  if (!isOneOf(e.kind, EVENT_KINDS)) return `${where}.kind must be one of ${EVENT_KINDS.join(', ')}`;
  if (!isOneOf(e.lane, LANES)) return `${where}.lane must be one of ${LANES.join(', ')}`;
  if (!isStr(e.name)) return `${where}.name must be a string`;
  for (const k of ['start_us', 'duration_us', 'bytes', 'flops'] as const) {
    if (!isNum(e[k])) return `${where}.${k} must be a finite number`;
  }
  if ((e.duration_us as number) < 0) return `${where}.duration_us must not be negative`;
  return checkSource(e.source, where);
}

function checkSummary(s: unknown): string | null {
  if (!isObject(s)) return 'summary is not an object';
  for (const k of ['total_us', 'copy_us', 'compute_us', 'sync_us', 'idle_us', 'latency_us', 'h2d_bytes', 'd2h_bytes', 'kernel_count'] as const) {
    if (!isNum(s[k])) return `summary.${k} must be a finite number`;
  }
  if (!isOneOf(s.verdict, VERDICTS)) return `summary.verdict must be one of ${VERDICTS.join(', ')}`;
  if (!isStr(s.verdict_text)) return 'summary.verdict_text must be a string';
  if (!Array.isArray(s.rows)) return 'summary.rows must be an array';
  for (let i = 0; i < s.rows.length; i++) {
    const r: unknown = s.rows[i];
    if (!isObject(r) || !isStr(r.name) || !isOneOf(r.kind, EVENT_KINDS)) return `summary.rows[${i}] needs a name and a kind`;
    for (const k of ['count', 'total_us', 'bytes', 'flops', 'gbps', 'gflops', 'percent_of_ceiling'] as const) {
      if (!isNum(r[k])) return `summary.rows[${i}].${k} must be a finite number`;
    }
    const bad = checkSource(r.source, `summary.rows[${i}]`);
    if (bad) return bad;
  }
  return null;
}

function checkRoofline(r: unknown): string | null {
  if (!isObject(r)) return 'roofline is not an object';
  for (const k of ['link_gbps', 'memory_gbps', 'compute_gflops'] as const) {
    if (!isNum(r[k])) return `roofline.${k} must be a finite number`;
  }
  if (!Array.isArray(r.points)) return 'roofline.points must be an array';
  for (let i = 0; i < r.points.length; i++) {
    const p: unknown = r.points[i];
    if (!isObject(p) || !isStr(p.name) || !isNum(p.arithmetic_intensity) || !isNum(p.gflops)) {
      return `roofline.points[${i}] needs name, arithmetic_intensity and gflops`;
    }
    const bad = checkSource(p.source, `roofline.points[${i}]`);
    if (bad) return bad;
  }
  return null;
}

function checkDevice(d: unknown): string | null {
  if (!isObject(d) || !isStr(d.name) || !isStr(d.id)) return 'device needs an id and a name';
  const c = d.ceilings;
  if (!isObject(c)) return 'device.ceilings is missing';
  for (const k of ['linkH2DGBps', 'linkD2HGBps', 'memoryGBps', 'fp32TFLOPS'] as const) {
    if (!isNum(c[k])) return `device.ceilings.${k} must be a finite number`;
  }
  return null;
}

function checkProfile(d: unknown): string | null {
  if (!isObject(d)) return 'profile data is not an object';
  if (!isStr(d.runName) || !isStr(d.file)) return 'profile data needs runName and file';
  const dev = checkDevice(d.device);
  if (dev) return dev;
  if (!Array.isArray(d.events)) return 'events must be an array';
  for (let i = 0; i < d.events.length; i++) {
    const bad = checkEvent(d.events[i], i);
    if (bad) return bad;
  }
  const sum = checkSummary(d.summary);
  if (sum) return sum;
  const roof = checkRoofline(d.roofline);
  if (roof) return roof;
  if (d.expects !== undefined && !Array.isArray(d.expects)) return 'expects must be an array';
  if (d.error !== undefined && d.error !== null && !(isObject(d.error) && isStr(d.error.message))) return 'error must be { message }';
  return null;
}

/** Validates a message from the host; never throws. */
export function parseHostMessage(x: unknown): ParseResult<HostMessage> {
  if (!isObject(x)) return { ok: false, reason: 'message is not an object' };
  switch (x.type) {
    case 'profile': {
      const bad = checkProfile(x.data);
      return bad ? { ok: false, reason: `profile: ${bad}` } : { ok: true, message: x as HostMessage };
    }
    case 'theme':
      return isOneOf(x.kind, THEMES)
        ? { ok: true, message: { type: 'theme', kind: x.kind } }
        : { ok: false, reason: `theme: kind must be one of ${THEMES.join(', ')}` };
    case 'running':
      return isStr(x.runName) ? { ok: true, message: { type: 'running', runName: x.runName } } : { ok: false, reason: 'running: runName must be a string' };
    default:
      return { ok: false, reason: `unknown message type ${JSON.stringify(x.type)}` };
  }
}

/** Validates a message from the panel (what the extension receives); never throws. */
export function isPanelMessage(x: unknown): x is PanelMessage {
  if (!isObject(x)) return false;
  switch (x.type) {
    case 'ready':
    case 'exportTrace':
      return true;
    case 'jumpToSource':
      return isStr(x.file) && isNum(x.line) && isNum(x.column);
    case 'log':
      return isOneOf(x.level, LOG_LEVELS) && isStr(x.message);
    default:
      return false;
  }
}
