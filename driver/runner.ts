// Executes the `run` blocks of a checked program on a device: host scalars, buffers and their initial
// data, launches, reads and expects, each run on a fresh trace, with runtime faults reported per run.
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { readFileSync } from 'node:fs';
import { STORAGE_BYTES } from '../kernels/lang/ir';
import type { HostExpr, IrBufferInit, IrHostStmt, IrKernel, IrProgram, IrRun, IrStmt, IrWarpOp, SourceLoc, StorageType, ValueType } from '../kernels/lang/ir';
import { DeviceError } from './device';
import type { Device, DeviceBuffer, DeviceProgram, Dim3, LaunchArg } from './device';
import { computeRoofline, summarize } from './trace';
import type { Roofline, TraceEvent, TraceSummary } from './trace';

export interface RunOptions {
  /** Run only the block with this name. */
  runName?: string;
  /** Reads a `file("…")` init; defaults to fs.readFileSync. */
  readFile?: (absPath: string) => Uint8Array;
  /** The folder `file("…")` paths are relative to and must stay inside; defaults to the program file's folder. */
  baseDir?: string;
  signal?: AbortSignal;
  /** Called for each event as soon as the statement that caused it has finished. */
  onEvent?: (e: TraceEvent) => void;
}

export interface ExpectResult {
  buffer: string;
  pass: boolean;
  /** Elements compared. */
  checked: number;
  failed: number;
  /** The first (up to 10) mismatching elements. */
  mismatches: { index: number; got: number; want: number }[];
  loc: SourceLoc;
}

export interface RunError {
  message: string;
  kernel?: string;
  line?: number;
  column?: number;
  file?: string;
}

export interface RunResult {
  name: string;
  events: TraceEvent[];
  /**
   * Contents of the buffers named by `read` statements (the last read of each), decoded to numbers.
   * Typed arrays, not number[]: a 64 Mi-element read must stay linear in time and memory.
   */
  reads: Record<string, ArrayLike<number>>;
  expects: ExpectResult[];
  summary: TraceSummary;
  roofline: Roofline;
  error: RunError | null;
}

const MAX_MISMATCHES = 10;
/** The `tiny` of the relative comparison: the smallest normal f32, so `~=` against 0 needs an exact 0. */
const RELATIVE_FLOOR = 1.1754943508222875e-38;

/** A user-facing runtime fault raised by the interpreter itself (bad host value, bad file, …). */
const WARP_NAMES: Record<IrWarpOp, string> = {
  sum: 'warp_sum', max: 'warp_max', min: 'warp_min', shuffle_down: 'shuffle_down', shuffle_xor: 'shuffle_xor', broadcast: 'broadcast',
};

/** The first warp collective in a kernel's body (fns are inlined into it), or null. */
function firstWarpCollective(body: IrStmt[]): Extract<IrStmt, { op: 'warp' }> | null {
  for (const s of body) {
    if (s.op === 'warp') return s;
    const inner = s.op === 'if' ? [...s.then, ...s.else] : s.op === 'loop' ? [...s.body, ...s.update] : s.op === 'block' ? s.body : null;
    const found = inner ? firstWarpCollective(inner) : null;
    if (found) return found;
  }
  return null;
}

class RunFault extends Error {
  constructor(message: string, readonly loc: SourceLoc, readonly kernel?: string) {
    super(message);
  }
}

/** Runs every run block (or the one named `options.runName`) in order; never throws for user errors. */
export async function runProgram(program: IrProgram, device: Device, options: RunOptions = {}): Promise<RunResult[]> {
  const runs = options.runName === undefined ? program.runs : program.runs.filter((r) => r.name === options.runName);
  if (options.runName !== undefined && runs.length === 0) {
    const known = program.runs.map((r) => r.name).join(', ') || 'none';
    const events: TraceEvent[] = [];
    return [{
      name: options.runName,
      events,
      reads: {},
      expects: [],
      summary: summarize(events, device.info()),
      roofline: computeRoofline(events, device.info()),
      error: { message: `no run block named '${options.runName}' (run blocks: ${known})`, file: program.file },
    }];
  }
  const compiled = new Map<string, DeviceProgram>();
  const results: RunResult[] = [];
  for (const run of runs) {
    results.push(await executeRun(program, run, device, options, compiled));
    if (options.signal?.aborted) break;
  }
  return results;
}

interface HostBuffer {
  name: string;
  elem: StorageType;
  count: number;
  device: DeviceBuffer;
  /** The host's copy of the contents, or null when the device may have changed it since. */
  host: ArrayLike<number> | null;
  /** Whether `host` came back from the device (a read), rather than being what the host uploaded. */
  readBack?: boolean;
}

async function executeRun(
  program: IrProgram,
  run: IrRun,
  device: Device,
  options: RunOptions,
  compiled: Map<string, DeviceProgram>,
): Promise<RunResult> {
  const info = device.info();
  device.resetTrace();
  const interp = new Interpreter(program, device, options, compiled);
  let error: RunError | null = null;
  try {
    await interp.execBlock(run.body);
    await interp.finish(run.loc);
  } catch (err) {
    error = toRunError(err, run.loc, program.file);
  } finally {
    await interp.freeAll();
  }
  const events = device.events();
  interp.flushEvents();
  return {
    name: run.name,
    events,
    reads: interp.reads,
    expects: interp.expects,
    summary: summarize(events, info),
    roofline: computeRoofline(events, info),
    error,
  };
}

function toRunError(err: unknown, loc: SourceLoc, file: string): RunError {
  if (err instanceof RunFault) {
    return { message: err.message, file: err.loc.file, line: err.loc.line, column: err.loc.column, ...(err.kernel ? { kernel: err.kernel } : {}) };
  }
  if (err instanceof DeviceError) {
    const at = err.detail.loc ?? loc;
    return { message: err.message, file: at.file, line: at.line, column: at.column, ...(err.detail.kernel ? { kernel: err.detail.kernel } : {}) };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { message: `internal error: ${message}`, file: loc.file ?? file, line: loc.line, column: loc.column };
}

class Interpreter {
  readonly reads: Record<string, ArrayLike<number>> = {};
  readonly expects: ExpectResult[] = [];
  private readonly scalars = new Map<string, number>();
  private readonly buffers = new Map<string, HostBuffer>();
  private readonly allocated: DeviceBuffer[] = [];
  private eventsSeen = 0;
  /** True while launches may still be running since the last download or sync. */
  private pendingWork = false;

  constructor(
    private readonly program: IrProgram,
    private readonly device: Device,
    private readonly options: RunOptions,
    private readonly compiled: Map<string, DeviceProgram>,
  ) {
    for (const [name, c] of Object.entries(program.consts)) this.scalars.set(name, c.value);
  }

  async execBlock(body: IrHostStmt[]): Promise<void> {
    for (const stmt of body) {
      if (this.options.signal?.aborted) throw new RunFault('cancelled', stmt.loc);
      await this.exec(stmt);
      this.flushEvents();
    }
  }

  /** Waits for launches still in flight so that the timeline ends when the work does. */
  async finish(_loc: SourceLoc): Promise<void> {
    if (this.pendingWork) await this.device.synchronize();
    this.pendingWork = false;
    this.flushEvents();
  }

  flushEvents(): void {
    if (!this.options.onEvent) return;
    const events = this.device.events();
    for (let i = this.eventsSeen; i < events.length; i++) this.options.onEvent(events[i]!);
    this.eventsSeen = events.length;
  }

  async freeAll(): Promise<void> {
    for (const buf of this.allocated.splice(0)) {
      try {
        await this.device.free(buf);
      } catch {
        // The run has already ended (possibly with this device's fault); a failed free changes nothing for the user.
      }
    }
  }

  private async exec(stmt: IrHostStmt): Promise<void> {
    switch (stmt.op) {
      case 'let':
        this.scalars.set(stmt.name, await this.evaluate(stmt.value, stmt.loc));
        return;
      case 'buffer':
        return this.execBuffer(stmt);
      case 'launch':
        return this.execLaunch(stmt);
      case 'read': {
        const buf = this.buffer(stmt.buffer, stmt.loc);
        const values = await this.download(buf, stmt.loc);
        this.reads[buf.name] = values;
        return;
      }
      case 'expect':
        return this.execExpect(stmt);
      case 'repeat': {
        const count = await this.evaluate(stmt.count, stmt.loc);
        if (!Number.isInteger(count) || count < 0) throw new RunFault(`repeat count must be a whole number >= 0, got ${count}`, stmt.loc);
        for (let i = 0; i < count; i++) await this.execBlock(stmt.body);
        return;
      }
    }
  }

  private async execBuffer(stmt: Extract<IrHostStmt, { op: 'buffer' }>): Promise<void> {
    const count = await this.evaluate(stmt.count, stmt.loc);
    if (!Number.isInteger(count) || count <= 0) {
      throw new RunFault(`buffer '${stmt.name}' needs a whole number of elements > 0, got ${count}`, stmt.loc);
    }
    const bytes = count * STORAGE_BYTES[stmt.elem];
    const values = stmt.init ? await this.initialValues(stmt.name, stmt.elem, count, stmt.init, stmt.loc) : null;
    const previous = this.buffers.get(stmt.name);
    if (previous) {
      // Re-declared (inside a repeat): the old allocation is no longer reachable.
      await this.device.free(previous.device);
      this.allocated.splice(this.allocated.indexOf(previous.device), 1);
    }
    const deviceBuf = await this.device.alloc(bytes, stmt.placement, stmt.name);
    this.allocated.push(deviceBuf);
    const source = { file: stmt.loc.file, line: stmt.loc.line, column: stmt.loc.column };
    let host: ArrayLike<number>;
    if (values) {
      await this.device.upload(deviceBuf, values.bytes, source);
      host = values.decoded;
    } else {
      if (stmt.placement === 'host') await this.device.upload(deviceBuf, new Uint8Array(bytes), source);
      else await this.device.fill(deviceBuf, 0);
      host = new Float64Array(count);
    }
    this.buffers.set(stmt.name, { name: stmt.name, elem: stmt.elem, count, device: deviceBuf, host });
  }

  private async initialValues(
    name: string,
    elem: StorageType,
    count: number,
    init: IrBufferInit,
    loc: SourceLoc,
  ): Promise<{ bytes: Uint8Array; decoded: ArrayLike<number> }> {
    const values = new Float64Array(count);
    switch (init.kind) {
      case 'fill': {
        values.fill(this.checkElementValue(await this.evaluate(init.value, loc), elem, `fill value for '${name}'`, loc));
        break;
      }
      case 'range': {
        const start = await this.evaluate(init.start, loc);
        const step = await this.evaluate(init.step, loc);
        this.checkElementValue(start, elem, `range start for '${name}'`, loc);
        this.checkElementValue(step, elem, `range step for '${name}'`, loc);
        for (let i = 0; i < count; i++) values[i] = start + i * step;
        break;
      }
      case 'random': {
        const lo = await this.evaluate(init.lo, loc);
        const hi = await this.evaluate(init.hi, loc);
        const seed = await this.evaluate(init.seed, loc);
        if (!(hi > lo)) throw new RunFault(`random(${lo}, ${hi}) for '${name}': the upper bound must be greater than the lower`, loc);
        if (!Number.isInteger(seed)) throw new RunFault(`random seed for '${name}' must be a whole number, got ${seed}`, loc);
        fillRandom(values, lo, hi, seed, elem);
        break;
      }
      case 'file':
        return this.fileValues(name, elem, count, init.path, loc);
    }
    const bytes = encodeElements(values, elem);
    return { bytes, decoded: decodeElements(bytes, elem) };
  }

  private fileValues(name: string, elem: StorageType, count: number, path: string, loc: SourceLoc): { bytes: Uint8Array; decoded: ArrayLike<number> } {
    const base = resolve(this.options.baseDir ?? dirname(this.program.file));
    const abs = resolve(base, path);
    const rel = relative(base, abs);
    if (isAbsolute(path) || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw new RunFault(`file("${path}") for '${name}' is outside the folder of the .kern file (${base}); data files must live in that folder or below it`, loc);
    }
    let bytes: Uint8Array;
    try {
      bytes = (this.options.readFile ?? ((p: string) => new Uint8Array(readFileSync(p))))(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new RunFault(`cannot read file("${path}") for '${name}': ${code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err)} (${abs})`, loc);
    }
    const size = STORAGE_BYTES[elem];
    if (bytes.length % size !== 0) {
      throw new RunFault(`file("${path}") holds ${bytes.length} bytes, not a whole number of ${elem} elements (${size} bytes each)`, loc);
    }
    if (bytes.length / size !== count) {
      throw new RunFault(`file("${path}") holds ${bytes.length / size} ${elem} elements but buffer '${name}' has ${count}`, loc);
    }
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    return { bytes: copy, decoded: decodeElements(copy, elem) };
  }

  /** Values for integer element types must be whole numbers; floats are rounded on encoding. */
  private checkElementValue(v: number, elem: StorageType, what: string, loc: SourceLoc): number {
    if (isIntegerStorage(elem) && !Number.isInteger(v)) throw new RunFault(`${what} must be a whole number for a ${elem} buffer, got ${v}`, loc);
    return v;
  }

  private async execLaunch(stmt: Extract<IrHostStmt, { op: 'launch' }>): Promise<void> {
    const kernel = this.program.kernels.find((k) => k.name === stmt.kernel);
    if (!kernel) throw new RunFault(`launch of unknown kernel '${stmt.kernel}'`, stmt.loc);
    const grid = await this.dims(stmt.grid, 'grid', kernel, stmt.loc);
    const block = await this.dims(stmt.block, 'block', kernel, stmt.loc);
    const threads = block[0] * block[1] * block[2];
    const collective = threads % 32 === 0 ? null : firstWarpCollective(kernel.body);
    if (collective) {
      // On a GPU the missing lanes of the last warp hold nothing to combine: the result is undefined there, so
      // the launch is refused on every device rather than given a meaning only the simulator has.
      throw new RunFault(
        `launch ${kernel.name}: a block of ${threads} threads is not whole warps, and ${kernel.name} uses ${WARP_NAMES[collective.kind]} ` +
          `(line ${collective.loc.line}), which needs all 32 lanes of every warp; use a block size that is a multiple of 32`,
        stmt.loc,
        kernel.name,
      );
    }
    if (stmt.args.length !== kernel.params.length) {
      throw new RunFault(`launch ${kernel.name}: expected ${kernel.params.length} arguments, got ${stmt.args.length}`, stmt.loc, kernel.name);
    }
    const args: LaunchArg[] = [];
    const written: HostBuffer[] = [];
    for (let i = 0; i < kernel.params.length; i++) {
      const param = kernel.params[i]!;
      const arg = stmt.args[i]!;
      if (param.kind === 'scalar') {
        if (arg.kind !== 'scalar') throw new RunFault(`launch ${kernel.name}: argument '${param.name}' must be a ${param.type} value, not a buffer`, stmt.loc, kernel.name);
        const value = await this.evaluate(arg.value, stmt.loc);
        args.push({ kind: 'scalar', type: param.type, value: toParamValue(value, param.type, `launch ${kernel.name}: argument '${param.name}'`, stmt.loc, kernel.name) });
      } else {
        if (arg.kind !== 'buffer') throw new RunFault(`launch ${kernel.name}: argument '${param.name}' must be a ${param.elem}[] buffer`, stmt.loc, kernel.name);
        const buf = this.buffer(arg.buffer, stmt.loc);
        if (buf.elem !== param.elem) {
          throw new RunFault(`launch ${kernel.name}: argument '${param.name}' expects ${param.elem}[] but '${buf.name}' is a ${buf.elem} buffer`, stmt.loc, kernel.name);
        }
        args.push({ kind: 'buffer', buffer: buf.device });
        if (param.mutable) written.push(buf);
      }
    }
    const program = await this.compile(kernel);
    const source = { file: stmt.loc.file, line: stmt.loc.line, column: stmt.loc.column };
    await this.device.launch(program, grid, block, args, { source, ...(this.options.signal ? { signal: this.options.signal } : {}) });
    for (const buf of written) {
      buf.host = null;
      buf.readBack = false;
    }
    this.pendingWork = true;
  }

  private async compile(kernel: IrKernel): Promise<DeviceProgram> {
    let program = this.compiled.get(kernel.name);
    if (!program) {
      program = await this.device.compile(kernel);
      this.compiled.set(kernel.name, program);
    }
    return program;
  }

  private async dims(exprs: HostExpr[], what: string, kernel: IrKernel, loc: SourceLoc): Promise<Dim3> {
    const out: number[] = [];
    for (const e of exprs) {
      const v = await this.evaluate(e, loc);
      if (!Number.isInteger(v) || v < 1) throw new RunFault(`launch ${kernel.name}: ${what} sizes must be whole numbers >= 1, got ${v}`, loc, kernel.name);
      out.push(v);
    }
    while (out.length < 3) out.push(1);
    return [out[0]!, out[1]!, out[2]!];
  }

  private async execExpect(stmt: Extract<IrHostStmt, { op: 'expect' }>): Promise<void> {
    const target = this.buffer(stmt.buffer, stmt.loc);
    // LANGUAGE.md: `expect b[…]` reads b first if it was not read — a D2H copy on the timeline, even when
    // the host still holds what it uploaded. Other buffers the expression indexes use any current host copy.
    let got = target.host;
    if (!got || !target.readBack) {
      got = await this.download(target, stmt.loc);
      this.reads[target.name] = got;
    }
    await this.prepare(stmt.value, stmt.loc);
    await this.prepare(stmt.tolerance, stmt.loc);
    const indexSlot = { value: 0 };
    const want = this.compileExpr(stmt.value, stmt.loc, stmt.index, indexSlot);
    const tolerance = this.compileExpr(stmt.tolerance, stmt.loc, stmt.index, indexSlot);
    const relative = stmt.cmp === '~=';
    const mismatches: ExpectResult['mismatches'] = [];
    let failed = 0;
    for (let i = 0; i < target.count; i++) {
      indexSlot.value = i;
      const g = got[i]!;
      const w = want();
      const tol = tolerance();
      const ok = Number.isNaN(w)
        ? Number.isNaN(g)
        : Math.abs(g - w) <= (relative ? tol * Math.max(Math.abs(w), RELATIVE_FLOOR) : tol) || g === w;
      if (!ok) {
        failed++;
        if (mismatches.length < MAX_MISMATCHES) mismatches.push({ index: i, got: g, want: w });
      }
    }
    this.expects.push({ buffer: target.name, pass: failed === 0, checked: target.count, failed, mismatches, loc: stmt.loc });
  }

  private buffer(name: string, loc: SourceLoc): HostBuffer {
    const buf = this.buffers.get(name);
    if (!buf) throw new RunFault(`unknown buffer '${name}'`, loc);
    return buf;
  }

  private async download(buf: HostBuffer, loc: SourceLoc): Promise<ArrayLike<number>> {
    const bytes = await this.device.download(buf.device, { file: loc.file, line: loc.line, column: loc.column });
    this.pendingWork = false;
    buf.host = decodeElements(bytes.subarray(0, buf.count * STORAGE_BYTES[buf.elem]), buf.elem);
    buf.readBack = true;
    return buf.host;
  }

  /** The host copy of a buffer, downloading it when kernels may have changed it. */
  private async hostCopy(buf: HostBuffer, loc: SourceLoc): Promise<ArrayLike<number>> {
    return buf.host ?? this.download(buf, loc);
  }

  /** Makes sure every buffer an expression indexes has a current host copy. */
  private async prepare(expr: HostExpr, loc: SourceLoc): Promise<void> {
    const names = new Set<string>();
    const visit = (e: HostExpr): void => {
      switch (e.op) {
        case 'element': names.add(e.buffer); visit(e.index); return;
        case 'binary': visit(e.left); visit(e.right); return;
        case 'unary': visit(e.operand); return;
        case 'call': e.args.forEach(visit); return;
        case 'select': visit(e.cond); visit(e.ifTrue); visit(e.ifFalse); return;
        case 'const': case 'var': return;
      }
    };
    visit(expr);
    for (const name of names) await this.hostCopy(this.buffer(name, loc), loc);
  }

  private async evaluate(expr: HostExpr, loc: SourceLoc): Promise<number> {
    await this.prepare(expr, loc);
    return this.compileExpr(expr, loc)();
  }

  /** Turns a host expression into a closure; `indexName` is bound to `indexSlot.value` (expect's element index). */
  private compileExpr(expr: HostExpr, loc: SourceLoc, indexName?: string, indexSlot?: { value: number }): () => number {
    const fault = (message: string): never => {
      throw new RunFault(message, loc);
    };
    const build = (e: HostExpr): (() => number) => {
      switch (e.op) {
        case 'const': {
          const v = e.value;
          return () => v;
        }
        case 'var': {
          if (indexName !== undefined && e.name === indexName && indexSlot) return () => indexSlot.value;
          const v = this.scalars.get(e.name);
          if (v === undefined) return fault(`unknown host value '${e.name}'`);
          return () => v;
        }
        case 'element': {
          const buf = this.buffer(e.buffer, loc);
          const data = buf.host;
          if (!data) return fault(`internal error: no host copy of '${e.buffer}'`);
          const index = build(e.index);
          const count = buf.count;
          return () => {
            const i = index();
            if (!Number.isInteger(i) || i < 0 || i >= count) fault(`${e.buffer}[${i}] is out of bounds: '${e.buffer}' has ${count} elements`);
            return data[i]!;
          };
        }
        case 'binary':
          return buildBinary(e.kind, e.left.type === 'float' || e.right.type === 'float' ? 'float' : 'int', build(e.left), build(e.right), fault);
        case 'unary': {
          const operand = build(e.operand);
          switch (e.kind) {
            case '-': return () => -operand();
            case '!': return () => (operand() === 0 ? 1 : 0);
            case '~': return () => -operand() - 1;
          }
          break;
        }
        case 'call':
          return buildCall(e.fn, e.args.map((a) => a.type), e.args.map(build), fault);
        case 'select': {
          const cond = build(e.cond);
          const a = build(e.ifTrue);
          const b = build(e.ifFalse);
          return () => (cond() !== 0 ? a() : b());
        }
      }
      throw new Error(`runner: no evaluator for host expression ${JSON.stringify(e).slice(0, 80)}`);
    };
    return build(expr);
  }
}

function buildBinary(kind: string, type: 'int' | 'float', left: () => number, right: () => number, fault: (m: string) => never): () => number {
  const int = type === 'int';
  switch (kind) {
    case '+': return () => left() + right();
    case '-': return () => left() - right();
    case '*': return () => left() * right();
    case '/':
      if (!int) return () => left() / right();
      return () => {
        const b = right();
        if (b === 0) fault('integer division by zero');
        return Math.trunc(left() / b);
      };
    case '%':
      return () => {
        const b = right();
        if (int && b === 0) fault('integer remainder by zero');
        return left() % b;
      };
    case '&': return () => bitwise(left(), right(), (a, b) => a & b, (a, b) => a & b);
    case '|': return () => bitwise(left(), right(), (a, b) => a | b, (a, b) => a | b);
    case '^': return () => bitwise(left(), right(), (a, b) => a ^ b, (a, b) => a ^ b);
    case '<<': return () => left() * 2 ** right();
    case '>>': return () => Math.floor(left() / 2 ** right());
    case '==': return () => (left() === right() ? 1 : 0);
    case '!=': return () => (left() !== right() ? 1 : 0);
    case '<': return () => (left() < right() ? 1 : 0);
    case '<=': return () => (left() <= right() ? 1 : 0);
    case '>': return () => (left() > right() ? 1 : 0);
    case '>=': return () => (left() >= right() ? 1 : 0);
    case '&&': return () => (left() !== 0 && right() !== 0 ? 1 : 0);
    case '||': return () => (left() !== 0 || right() !== 0 ? 1 : 0);
  }
  throw new Error(`runner: no evaluator for host operator '${kind}'`);
}

/** Bitwise ops on exact host integers: 32-bit fast path, BigInt beyond it. */
function bitwise(a: number, b: number, small: (a: number, b: number) => number, big: (a: bigint, b: bigint) => bigint): number {
  if (a === (a | 0) && b === (b | 0)) return small(a, b);
  return Number(big(BigInt(a), BigInt(b)));
}

function buildCall(fn: string, argTypes: string[], args: (() => number)[], fault: (m: string) => never): () => number {
  const [a, b, c] = args;
  const float = argTypes[0] === 'float';
  const unary = (f: (x: number) => number): (() => number) => () => f(a!());
  switch (fn) {
    case 'ceil_div':
      return () => {
        const d = b!();
        if (d === 0) fault('ceil_div by zero');
        return Math.ceil(a!() / d);
      };
    case 'min': return () => Math.min(a!(), b!());
    case 'max': return () => Math.max(a!(), b!());
    case 'clamp': return () => Math.min(Math.max(a!(), b!()), c!());
    case 'abs': return unary(Math.abs);
    case 'sqrt': return unary(Math.sqrt);
    case 'rsqrt': return unary((x) => 1 / Math.sqrt(x));
    case 'exp': return unary(Math.exp);
    case 'exp2': return unary((x) => 2 ** x);
    case 'log': return unary(Math.log);
    case 'log2': return unary(Math.log2);
    case 'sin': return unary(Math.sin);
    case 'cos': return unary(Math.cos);
    case 'tanh': return unary(Math.tanh);
    case 'floor': return unary(Math.floor);
    case 'ceil': return unary(Math.ceil);
    case 'round': return unary((x) => Math.sign(x) * Math.floor(Math.abs(x) + 0.5));
    case 'pow': return () => a!() ** b!();
    case 'fma': return () => a!() * b!() + c!();
    case 'f32': return unary(Math.fround);
    case 'i32': return unary((x) => (float ? saturate(x, -2147483648, 2147483647) : x | 0));
    case 'u32': return unary((x) => (float ? saturate(x, 0, 4294967295) : x >>> 0));
  }
  throw new Error(`runner: no evaluator for host function '${fn}'`);
}

/** float -> int as PTX cvt.rzi.sat: truncate, clamp, NaN -> 0. */
function saturate(x: number, lo: number, hi: number): number {
  if (Number.isNaN(x)) return 0;
  return Math.min(hi, Math.max(lo, Math.trunc(x)));
}

/** A host value converted to a kernel parameter's type; out-of-range values are a user error. */
function toParamValue(value: number, type: ValueType, what: string, loc: SourceLoc, kernel: string): number {
  switch (type) {
    case 'f32':
      return Math.fround(value);
    case 'bool':
      return value !== 0 ? 1 : 0;
    case 'i32':
    case 'u32': {
      const [lo, hi] = type === 'i32' ? [-2147483648, 2147483647] : [0, 4294967295];
      if (!Number.isInteger(value)) throw new RunFault(`${what} = ${value} is not a whole number (the parameter is ${type})`, loc, kernel);
      if (value < lo || value > hi) throw new RunFault(`${what} = ${value} does not fit ${type} (${lo}..${hi})`, loc, kernel);
      return value;
    }
  }
}

// ---------------------------------------------------------------- element encoding (host side)

function isIntegerStorage(elem: StorageType): boolean {
  return elem === 'i32' || elem === 'u32' || elem === 'i8' || elem === 'u8';
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** f32 -> f16 bits, round to nearest even, overflow to infinity. */
export function f32ToF16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 2 ** (shift - 1);
    let r = Math.floor(mant / 2 ** shift);
    const rem = mant - r * 2 ** shift;
    if (rem > half || (rem === half && r & 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) r++;
  return sign | r;
}

/** f16 bits -> number (exact). */
export function f16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** f32 -> bf16 bits, round to nearest even. */
export function f32ToBf16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0]!;
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return ((x >>> 16) & 0x8000) | 0x7fc0;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

export function bf16BitsToNumber(bits: number): number {
  u32Scratch[0] = (bits & 0xffff) << 16;
  return f32Scratch[0]!;
}

/** Numbers as element bytes, converted as a store in a kernel would (round floats, wrap integers). */
export function encodeElements(values: ArrayLike<number>, elem: StorageType): Uint8Array {
  const n = values.length;
  const source = values instanceof Float64Array ? values : Float64Array.from(values);
  let out: ArrayBufferView;
  switch (elem) {
    // Typed-array construction converts natively: fround for f32, modular wrap for the integer types.
    case 'f32': out = new Float32Array(source); break;
    case 'i32': out = new Int32Array(source); break;
    case 'u32': out = new Uint32Array(source); break;
    case 'i8': out = new Int8Array(source); break;
    case 'u8': out = new Uint8Array(source); break;
    case 'f16':
    case 'bf16': {
      const bits = new Uint16Array(n);
      const convert = elem === 'f16' ? f32ToF16Bits : f32ToBf16Bits;
      for (let i = 0; i < n; i++) bits[i] = convert(source[i]!);
      out = bits;
      break;
    }
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The numbers held in little-endian element bytes. */
export function decodeElements(bytes: Uint8Array, elem: StorageType): ArrayLike<number> {
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const { buffer, byteOffset } = aligned;
  const n = aligned.byteLength / STORAGE_BYTES[elem];
  switch (elem) {
    case 'f32': return new Float32Array(buffer, byteOffset, n);
    case 'i32': return new Int32Array(buffer, byteOffset, n);
    case 'u32': return new Uint32Array(buffer, byteOffset, n);
    case 'i8': return new Int8Array(buffer, byteOffset, n);
    case 'u8': return new Uint8Array(buffer, byteOffset, n);
    case 'f16':
    case 'bf16': {
      const raw = new Uint16Array(buffer, byteOffset, n);
      const out = new Float32Array(n);
      const decode = elem === 'f16' ? f16BitsToNumber : bf16BitsToNumber;
      for (let i = 0; i < n; i++) out[i] = decode(raw[i]!);
      return out;
    }
  }
}

// ---------------------------------------------------------------- random(lo, hi, seed)

/**
 * The generator behind `random(lo, hi, seed = k)`: xoshiro128** seeded by four SplitMix32 outputs of
 * the seed (taken as u32). Each element takes one 32-bit output u and maps it to lo + (hi - lo) * u / 2^32;
 * floats round to the element type (a result that rounds up to hi becomes the largest value below hi),
 * integers take the floor. Stable across versions: tests pin the first values per seed.
 */
export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let state = seed >>> 0;
    const splitmix32 = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = splitmix32();
    this.s1 = splitmix32();
    this.s2 = splitmix32();
    this.s3 = splitmix32();
  }

  /** The next 32-bit output. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The values `random(lo, hi, seed)` gives for `count` elements of type `elem` (as numbers before encoding). */
export function randomValues(count: number, lo: number, hi: number, seed: number, elem: StorageType): number[] {
  const out = new Float64Array(count);
  fillRandom(out, lo, hi, seed, elem);
  return toNumbers(out);
}

/** Fills `target` with what `random(lo, hi, seed)` gives for elements of type `elem` (before encoding). */
export function fillRandom(target: Float64Array, lo: number, hi: number, seed: number, elem: StorageType): void {
  const rng = new Xoshiro128(seed);
  const width = hi - lo;
  const count = target.length;
  if (isIntegerStorage(elem)) {
    for (let i = 0; i < count; i++) target[i] = Math.floor(lo + (width * rng.nextU32()) / 4294967296);
    return;
  }
  const below = largestFloatBelow(hi);
  for (let i = 0; i < count; i++) {
    const v = Math.fround(lo + (width * rng.nextU32()) / 4294967296);
    target[i] = v >= hi ? below : v;
  }
}

/** A plain array of numbers (what RunResult.reads holds), copied without the iterator protocol. */
function toNumbers(values: ArrayLike<number>): number[] {
  // Pre-filled with numbers so that the array stays a packed array of doubles (fastest for 16M elements).
  const out: number[] = new Array<number>(values.length).fill(0);
  for (let i = 0; i < values.length; i++) out[i] = values[i]!;
  return out;
}

function largestFloatBelow(x: number): number {
  f32Scratch[0] = x;
  const f = f32Scratch[0]!;
  if (f < x) return f;
  if (f === 0) return -1.401298464324817e-45;
  u32Scratch[0] = f > 0 ? u32Scratch[0]! - 1 : u32Scratch[0]! + 1;
  return f32Scratch[0]!;
}
