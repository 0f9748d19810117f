// An interpreter for the PTX subset kernels/codegen/ptx.ts emits, to check that the PTX computes what the simulator does:
// parses a module, runs a kernel SIMT per warp (per-lane PC, reconverging at the lowest PC) over fake 64-bit buffers.
import { F16_TABLE, f32ToBf16Bits, f32ToF16Bits } from '../../driver/sim/storage';

export type Dim3 = [number, number, number];

/** A fault the GPU would raise or an interpreter limit (bad address, misaligned access, runaway kernel). */
export class PtxFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PtxFault';
  }
}

/** PTX the interpreter does not understand: a renderer change it must learn, or a malformed module. */
export class PtxSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PtxSyntaxError';
  }
}

export interface PtxParam {
  name: string;
  type: 'u64' | 'u32' | 'f32';
  /** Byte offset in the packed parameter block (each parameter aligned to its size). */
  offset: number;
  size: number;
}

export interface PtxKernel {
  name: string;
  params: PtxParam[];
  paramBytes: number;
  sharedBytes: number;
  /** Instructions in order (labels resolved), for messages and tests. */
  instructions: string[];
  /** Every opcode used (`add.rn.f32`, `shfl.sync.bfly.b32`, …). */
  opcodes: Set<string>;
  /** @internal */ code: Instr[];
  /** @internal */ regs: { w: number; d: number; p: number };
}

export interface PtxModule {
  version: string;
  target: string;
  kernels: Map<string, PtxKernel>;
}

// ---------------------------------------------------------------------------------------------- global memory

const SLOT = 2 ** 32;

interface GlobalBuffer {
  name: string;
  bytes: Uint8Array;
  view: DataView;
  /** One flag per byte: stored to by the kernel (so a launch over some blocks can be compared where it wrote). */
  written: Uint8Array;
}

/** Global memory: each buffer at its own fake 64-bit base ((index + 1) · 2³²), bounds- and alignment-checked. */
export class GlobalMemory {
  private readonly buffers: GlobalBuffer[] = [];

  /** Adds a copy of `bytes` and returns its device address. */
  add(name: string, bytes: Uint8Array): number {
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    this.buffers.push({ name, bytes: copy, view: new DataView(copy.buffer), written: new Uint8Array(bytes.length) });
    return this.buffers.length * SLOT;
  }

  /** The buffer at `address` (its current contents). */
  bytes(address: number): Uint8Array {
    return this.buffer(address).bytes;
  }

  /** Per-byte flags: 1 where a store or atomic of the kernel wrote. */
  written(address: number): Uint8Array {
    return this.buffer(address).written;
  }

  private buffer(address: number): GlobalBuffer {
    const b = this.buffers[address / SLOT - 1];
    if (!b || address % SLOT !== 0) throw new Error(`GlobalMemory: no buffer at address ${address}`);
    return b;
  }

  /** @internal */ view: DataView = new DataView(new ArrayBuffer(0));
  /** @internal */ offset = 0;

  /** Points `view`/`offset` at the `size` bytes at `address`, or faults. */
  at(address: number, size: number, write: boolean): void {
    const slot = Math.floor(address / SLOT) - 1;
    const b = this.buffers[slot];
    const offset = address - (slot + 1) * SLOT;
    if (!b || offset < 0 || offset + size > b.bytes.length) {
      const where = b ? `${b.name} + ${offset} (${b.bytes.length} bytes)` : `no buffer`;
      throw new PtxFault(`global ${write ? 'store' : 'load'} of ${size} bytes at 0x${address.toString(16)} is out of bounds: ${where}`);
    }
    if (offset % size !== 0) throw new PtxFault(`misaligned global access of ${size} bytes at ${b.name} + ${offset}`);
    this.view = b.view;
    this.offset = offset;
    if (write) b.written.fill(1, offset, offset + size);
  }
}

/** Shared memory of one block: offsets 0 … bytes-1. */
class SharedMemory {
  view: DataView<ArrayBufferLike>;
  offset = 0;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer);
  }
  at(address: number, size: number, write: boolean): void {
    if (!(address >= 0 && address + size <= this.bytes.length)) {
      throw new PtxFault(`shared ${write ? 'store' : 'load'} of ${size} bytes at ${address} is out of bounds (${this.bytes.length} bytes of shared memory)`);
    }
    if (address % size !== 0) throw new PtxFault(`misaligned shared access of ${size} bytes at ${address}`);
    this.offset = address;
  }
}

type Space = GlobalMemory | SharedMemory;

/** Loads, stores and atomics the generated code calls: `M.ld_u32(G, addr)`. Floats travel as their 32 bits. */
const M = {
  ld_u32(s: Space, a: number): number { s.at(a, 4, false); return s.view.getUint32(s.offset, true); },
  ld_s32(s: Space, a: number): number { s.at(a, 4, false); return s.view.getInt32(s.offset, true); },
  ld_u16(s: Space, a: number): number { s.at(a, 2, false); return s.view.getUint16(s.offset, true); },
  ld_s8(s: Space, a: number): number { s.at(a, 1, false); return s.view.getInt8(s.offset); },
  ld_u8(s: Space, a: number): number { s.at(a, 1, false); return s.view.getUint8(s.offset); },
  st_u32(s: Space, a: number, v: number): void { s.at(a, 4, true); s.view.setUint32(s.offset, v, true); },
  st_u16(s: Space, a: number, v: number): void { s.at(a, 2, true); s.view.setUint16(s.offset, v, true); },
  st_u8(s: Space, a: number, v: number): void { s.at(a, 1, true); s.view.setUint8(s.offset, v & 0xff); },
  atom(s: Space, op: string, type: string, a: number, v: number): number {
    s.at(a, 4, true);
    const view = s.view;
    const o = s.offset;
    if (type === 'f32') {
      const old = view.getFloat32(o, true);
      if (op !== 'add') throw new PtxSyntaxError(`atom.${op}.f32 is not in the renderer's subset`);
      view.setFloat32(o, old + v, true);
      return old;
    }
    if (type === 's32') {
      const old = view.getInt32(o, true);
      view.setInt32(o, op === 'add' ? old + v : op === 'max' ? Math.max(old, v) : Math.min(old, v), true);
      return old;
    }
    const old = view.getUint32(o, true);
    view.setUint32(o, op === 'add' ? old + v : op === 'max' ? Math.max(old, v) : Math.min(old, v), true);
    return old;
  },
};

// ---------------------------------------------------------------------------------------------- float helpers

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

function bitsToF32(bits: number): number {
  u32Scratch[0] = bits;
  return f32Scratch[0]!;
}

function f32ToBits(value: number): number {
  f32Scratch[0] = value;
  return u32Scratch[0]!;
}

/** The f32 next to `r` (an f32) in the direction of `toward`. */
function nextF32(r: number, toward: number): number {
  if (r === 0) return toward > 0 ? 2 ** -149 : -(2 ** -149);
  const bits = f32ToBits(r);
  return bitsToF32((toward > r) === (r > 0) ? bits + 1 : bits - 1);
}

/** fma.rn.f32: a·b + c rounded once. a·b is exact in a double; the double sum's error decides f32 ties. */
export function fmaF32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  if (!Number.isFinite(s)) return Math.fround(s);
  // TwoSum: s + e == p + c exactly.
  const bb = s - p;
  const e = (p - (s - bb)) + (c - bb);
  const r = Math.fround(s);
  if (e === 0 || r === s) return r;
  const other = nextF32(r, s);
  // Only an exact midpoint of two f32s can round the wrong way: the sign of e says which side the true sum is.
  if (Math.abs(s - r) !== Math.abs(other - s)) return r;
  return (e > 0) === (other > r) ? other : r;
}

/** cvt.rni: round to nearest integer, ties to even. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const d = x - f;
  const r = d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  // The result keeps the sign of x (−0.5 and −0.2 round to −0).
  return r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r;
}

function f2i(x: number): number {
  if (x !== x) return 0;
  if (x >= 2147483647) return 2147483647;
  if (x <= -2147483648) return -2147483648;
  return Math.trunc(x);
}

function f2u(x: number): number {
  if (!(x > 0)) return 0;
  if (x >= 4294967295) return 4294967295;
  return Math.trunc(x);
}

/** min.f32 / max.f32: a NaN operand yields the other operand. */
function fmin(a: number, b: number): number {
  return a !== a ? b : b !== b ? a : Math.min(a, b);
}
function fmax(a: number, b: number): number {
  return a !== a ? b : b !== b ? a : Math.max(a, b);
}

/**
 * The approximate instructions, modelled with double-precision Math rounded once to f32. The PTX ISA bounds their
 * error on hardware (docs/ptx.md); here they are as exact as the simulator's, so a comparison checks what the
 * renderer builds around them (argument reduction, scaling by log2 e, sign handling), not the GPU's tables.
 */
const APPROX: Record<string, (x: number) => number> = {
  ex2: (x) => Math.pow(2, x),
  lg2: (x) => Math.log2(x),
  rsqrt: (x) => 1 / Math.sqrt(x),
  sin: (x) => Math.sin(x),
  cos: (x) => Math.cos(x),
  tanh: (x) => Math.tanh(x),
};

const HELPERS = { M, F16: F16_TABLE, f16: f32ToF16Bits, bf16: f32ToBf16Bits, fma: fmaF32, rni: roundHalfEven, f2i, f2u, fmin, fmax, APPROX };
const HELPER_NAMES = Object.keys(HELPERS);
const HELPER_VALUES = Object.values(HELPERS);

// ---------------------------------------------------------------------------------------------- parsing

const enum Kind { Normal, Shfl, Bra, Ret, Bar }

type ExecFn = (ws: WarpState, lanes: Int32Array, n: number) => void;

interface Instr {
  kind: Kind;
  text: string;
  fn: ExecFn | null;
  /** Bra: target instruction index. */
  target: number;
  /** Guard predicate register slot (index · 32) or -1, and whether it is negated. */
  guard: number;
  guardNeg: boolean;
}

interface RegInfo {
  cls: 'w' | 'd' | 'p';
  /** Slot base: index · 32. */
  base: number;
  decl: string;
}

interface KernelScope {
  name: string;
  regs: Map<string, RegInfo>;
  counts: { w: number; d: number; p: number };
  shared: Map<string, number>;
  params: Map<string, PtxParam>;
}

/** Parses a module as renderPtx writes it. Throws PtxSyntaxError on anything outside the subset. */
export function parsePtx(text: string): PtxModule {
  const lines = text.split('\n').map((l) => l.replace(/\/\/.*$/, '').trim());
  let version = '';
  let target = '';
  const kernels = new Map<string, PtxKernel>();
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (!line) { i++; continue; }
    let m: RegExpExecArray | null;
    if ((m = /^\.version\s+(\S+)$/.exec(line))) { version = m[1]!; i++; continue; }
    if ((m = /^\.target\s+(\S+)$/.exec(line))) { target = m[1]!; i++; continue; }
    if (/^\.address_size\s+64$/.test(line)) { i++; continue; }
    if ((m = /^\.visible\s+\.entry\s+(\w+)\((\)?)$/.exec(line))) {
      const name = m[1]!;
      const params: PtxParam[] = [];
      i++;
      let offset = 0;
      if (!m[2]) {
        for (;;) {
          const p = lines[i++];
          if (p === undefined) throw new PtxSyntaxError(`kernel ${name}: unterminated parameter list`);
          if (p === ')') break;
          const pm = /^\.param\s+\.(u64|u32|f32)\s+(\w+),?$/.exec(p);
          if (!pm) throw new PtxSyntaxError(`kernel ${name}: unexpected parameter line '${p}'`);
          const type = pm[1] as PtxParam['type'];
          const size = type === 'u64' ? 8 : 4;
          offset = Math.ceil(offset / size) * size;
          params.push({ name: pm[2]!, type, offset, size });
          offset += size;
        }
      }
      if (lines[i] !== '{') throw new PtxSyntaxError(`kernel ${name}: expected '{' after the parameters, found '${lines[i]}'`);
      i++;
      const body: string[] = [];
      while (i < lines.length && lines[i] !== '}') body.push(lines[i++]!);
      if (i >= lines.length) throw new PtxSyntaxError(`kernel ${name}: missing '}'`);
      i++;
      kernels.set(name, parseKernel(name, params, offset, body));
      continue;
    }
    throw new PtxSyntaxError(`unexpected module line '${line}'`);
  }
  if (!version || !target) throw new PtxSyntaxError('module has no .version or .target');
  return { version, target, kernels };
}

function parseKernel(name: string, paramList: PtxParam[], paramBytes: number, body: string[]): PtxKernel {
  const scope: KernelScope = { name, regs: new Map(), counts: { w: 0, d: 0, p: 0 }, shared: new Map(), params: new Map(paramList.map((p) => [p.name, p])) };
  let sharedBytes = 0;
  const labels = new Map<string, number>();
  const pending: { text: string; index: number }[] = [];
  for (const line of body) {
    if (!line) continue;
    let m: RegExpExecArray | null;
    if ((m = /^\.reg\s+\.(\w+)\s+(%\w+?)(?:<(\d+)>)?;$/.exec(line))) {
      const decl = m[1]!;
      const cls = decl === 'pred' ? 'p' : decl === 'b64' || decl === 'u64' || decl === 's64' ? 'd' : 'w';
      if (!['pred', 'b64', 'u64', 's64', 'b32', 'u32', 's32', 'f32', 'b16'].includes(decl)) throw new PtxSyntaxError(`kernel ${name}: register type .${decl} is not in the subset`);
      const stem = m[2]!;
      const names = m[3] === undefined ? [stem] : Array.from({ length: Number(m[3]) }, (_, k) => `${stem}${k}`);
      for (const r of names) {
        if (scope.regs.has(r)) throw new PtxSyntaxError(`kernel ${name}: register ${r} declared twice`);
        scope.regs.set(r, { cls, base: scope.counts[cls]++ * 32, decl });
      }
      continue;
    }
    if ((m = /^\.shared\s+\.align\s+(\d+)\s+\.b8\s+(\w+)\[(\d+)\];$/.exec(line))) {
      const align = Number(m[1]);
      sharedBytes = Math.ceil(sharedBytes / align) * align;
      scope.shared.set(m[2]!, sharedBytes);
      sharedBytes += Number(m[3]);
      continue;
    }
    if ((m = /^(\$?\w+):$/.exec(line))) {
      if (labels.has(m[1]!)) throw new PtxSyntaxError(`kernel ${name}: label ${m[1]} defined twice`);
      labels.set(m[1]!, pending.length);
      continue;
    }
    if (line.startsWith('.')) throw new PtxSyntaxError(`kernel ${name}: directive '${line}' is not in the subset`);
    if (!line.endsWith(';')) throw new PtxSyntaxError(`kernel ${name}: instruction without ';': '${line}'`);
    pending.push({ text: line.slice(0, -1).trim(), index: pending.length });
  }
  const opcodes = new Set<string>();
  const code = pending.map((p) => compileInstr(scope, p.text, labels, opcodes));
  // Falling off the end exits, as a final ret.
  code.push({ kind: Kind.Ret, text: '(end of kernel)', fn: null, target: -1, guard: -1, guardNeg: false });
  return { name, params: paramList, paramBytes, sharedBytes, instructions: pending.map((p) => p.text), opcodes, code, regs: { ...scope.counts } };
}

/** Splits operands at top-level commas. */
function splitOperands(s: string): string[] {
  if (!s.trim()) return [];
  return s.split(',').map((x) => x.trim());
}

const SPECIAL: Record<string, string> = {
  '%tid.x': 'ws.tidx[l]', '%tid.y': 'ws.tidy[l]', '%tid.z': 'ws.tidz[l]',
  '%ntid.x': 'ws.ntid[0]', '%ntid.y': 'ws.ntid[1]', '%ntid.z': 'ws.ntid[2]',
  '%ctaid.x': 'ws.ctaid[0]', '%ctaid.y': 'ws.ctaid[1]', '%ctaid.z': 'ws.ctaid[2]',
  '%nctaid.x': 'ws.nctaid[0]', '%nctaid.y': 'ws.nctaid[1]', '%nctaid.z': 'ws.nctaid[2]',
  '%laneid': 'l',
};

type Ty = 'f32' | 's32' | 'u32' | 'b32' | 'b16' | 'u16' | 's8' | 'u8' | 'u64' | 's64' | 'b64' | 'pred';

function jsNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '(-Infinity)';
  if (Object.is(v, -0)) return '(-0)';
  return v < 0 ? `(${v})` : String(v);
}

function compileInstr(scope: KernelScope, text: string, labels: Map<string, number>, opcodes: Set<string>): Instr {
  const fail = (why: string): never => { throw new PtxSyntaxError(`kernel ${scope.name}: ${why} in '${text}'`); };
  let rest = text;
  let guard = -1;
  let guardNeg = false;
  const g = /^@(!?)(%\w+)\s+/.exec(rest);
  if (g) {
    const r = scope.regs.get(g[2]!);
    if (!r || r.cls !== 'p') fail(`guard ${g[2]} is not a predicate register`);
    guard = r!.base;
    guardNeg = g[1] === '!';
    rest = rest.slice(g[0].length);
  }
  const sp = rest.search(/\s/);
  const opcode = sp < 0 ? rest : rest.slice(0, sp);
  const ops = splitOperands(sp < 0 ? '' : rest.slice(sp + 1));
  opcodes.add(opcode);
  const parts = opcode.split('.');
  const op = parts[0]!;
  const mods = parts.slice(1);
  const base: Instr = { kind: Kind.Normal, text, fn: null, target: -1, guard, guardNeg };

  const reg = (tok: string): RegInfo => {
    const r = scope.regs.get(tok);
    if (!r) return fail(`unknown register ${tok}`);
    return r;
  };
  const need = (count: number): void => { if (ops.length !== count) fail(`expected ${count} operands, found ${ops.length}`); };
  /** The JS expression reading operand `tok` as type `ty` for lane `l`. */
  const src = (tok: string, ty: Ty): string => {
    if (ty === 'pred') {
      const neg = tok.startsWith('!');
      const r = reg(neg ? tok.slice(1) : tok);
      if (r.cls !== 'p') fail(`${tok} is not a predicate`);
      return neg ? `(P[${r.base}+l]^1)` : `P[${r.base}+l]`;
    }
    if (tok in SPECIAL) {
      if (ty !== 'u32' && ty !== 'b32') fail(`special register ${tok} read as .${ty}`);
      return SPECIAL[tok]!;
    }
    if (tok.startsWith('%')) {
      const r = reg(tok);
      const wide = ty === 'u64' || ty === 's64' || ty === 'b64';
      if (wide ? r.cls !== 'd' : r.cls !== 'w') fail(`register ${tok} (.${r.decl}) used as .${ty}`);
      if (r.decl === 'f32' && ty !== 'f32' && ty !== 'b32') fail(`f32 register ${tok} used as .${ty}`);
      if (wide) return `D[${r.base}+l]`;
      if (ty === 'f32') return `F[${r.base}+l]`;
      if (ty === 's32') return `I[${r.base}+l]`;
      return `U[${r.base}+l]`;
    }
    if (/^0f[0-9A-Fa-f]{8}$/.test(tok)) {
      const bits = parseInt(tok.slice(2), 16);
      return ty === 'f32' ? jsNumber(bitsToF32(bits)) : String(bits >>> 0);
    }
    if (/^-?\d+$/.test(tok) || /^0x[0-9A-Fa-f]+$/i.test(tok)) {
      const v = Number(tok);
      if (ty === 'f32') fail(`integer immediate ${tok} used as .f32`);
      if (ty === 's32') return jsNumber(v | 0);
      if (ty === 'u64' || ty === 's64' || ty === 'b64') return jsNumber(v);
      return String(v >>> 0);
    }
    if (scope.shared.has(tok)) return String(scope.shared.get(tok));
    return fail(`operand ${tok} is not a register or immediate of .${ty}`);
  };
  /** The 32 bits of a b32/f32 operand (registers as stored, immediates as their bit pattern). */
  const bits = (tok: string): string => src(tok, 'b32');
  /** A statement writing `value` (a JS expression of type `ty`) to register operand `tok`. */
  const dst = (tok: string, ty: Ty, value: string): string => {
    const r = reg(tok);
    if (ty === 'pred') {
      if (r.cls !== 'p') fail(`destination ${tok} is not a predicate`);
      return `P[${r.base}+l] = (${value}) ? 1 : 0;`;
    }
    const wide = ty === 'u64' || ty === 's64' || ty === 'b64';
    if (wide ? r.cls !== 'd' : r.cls !== 'w') fail(`destination ${tok} (.${r.decl}) written as .${ty}`);
    if (wide) return `D[${r.base}+l] = ${value};`;
    if (r.decl === 'b16') {
      if (ty !== 'b16' && ty !== 'u16') fail(`16-bit register ${tok} written as .${ty}`);
      return `U[${r.base}+l] = (${value}) & 65535;`;
    }
    if (r.decl === 'f32' && ty !== 'f32' && ty !== 'b32') fail(`f32 register ${tok} written as .${ty}`);
    if (ty === 'f32') return `F[${r.base}+l] = ${value};`;
    if (ty === 's32' || ty === 's8') return `I[${r.base}+l] = ${value};`;
    return `U[${r.base}+l] = ${value};`;
  };
  /** `[…]` operand: the address expression and its state space ('param' gives the parameter). */
  const address = (tok: string, space: string): { expr: string; param?: PtxParam } => {
    const m = /^\[([%$\w.]+)(?:\+(-?\d+))?\]$/.exec(tok);
    if (!m) return fail(`bad address ${tok}`);
    const baseTok = m[1]!;
    const off = Number(m[2] ?? 0);
    if (space === 'param') {
      const p = scope.params.get(baseTok);
      if (!p || off !== 0) return fail(`ld.param of ${tok}, which is not a parameter`);
      return { expr: '', param: p };
    }
    if (space === 'shared') {
      if (scope.shared.has(baseTok)) return { expr: String(scope.shared.get(baseTok)! + off) };
      return { expr: `(${src(baseTok, 'u32')} + ${off})` };
    }
    if (space === 'global') return { expr: `(${src(baseTok, 'u64')} + ${off})` };
    return fail(`state space .${space} is not in the subset`);
  };
  const spaceObj = (space: string): string => (space === 'global' ? 'ws.G' : 'ws.S');
  const normal = (body: string): Instr => ({ ...base, fn: compileFn(scope.name, text, body, guard, guardNeg) });
  const typeOf = (t: string | undefined): Ty => {
    if (!t || !['f32', 's32', 'u32', 'b32', 'b16', 'u16', 's8', 'u8', 'u64', 's64', 'b64', 'pred'].includes(t)) return fail(`type .${t} is not in the subset`);
    return t as Ty;
  };

  switch (op) {
    case 'ld': {
      need(2);
      const [space, t] = mods;
      const ty = typeOf(t);
      const a = address(ops[1]!, space!);
      if (a.param) {
        const p = a.param;
        if (p.type !== ty) fail(`ld.param.${ty} of a .${p.type} parameter`);
        if (ty === 'u64') return normal(dst(ops[0]!, 'u64', `(ws.pv.getUint32(${p.offset}, true) + ws.pv.getUint32(${p.offset + 4}, true) * 4294967296)`));
        return normal(dst(ops[0]!, 'b32', `ws.pv.getUint32(${p.offset}, true)`));
      }
      const s = spaceObj(space!);
      switch (ty) {
        case 'f32': case 'u32': case 'b32': return normal(dst(ops[0]!, 'b32', `M.ld_u32(${s}, ${a.expr})`));
        case 's32': return normal(dst(ops[0]!, 's32', `M.ld_s32(${s}, ${a.expr})`));
        case 'b16': case 'u16': return normal(dst(ops[0]!, 'u16', `M.ld_u16(${s}, ${a.expr})`));
        case 's8': return normal(dst(ops[0]!, 's32', `M.ld_s8(${s}, ${a.expr})`));
        case 'u8': return normal(dst(ops[0]!, 'u32', `M.ld_u8(${s}, ${a.expr})`));
      }
      return fail('unsupported load');
    }
    case 'st': {
      need(2);
      const [space, t] = mods;
      const ty = typeOf(t);
      const a = address(ops[0]!, space!);
      const s = spaceObj(space!);
      switch (ty) {
        case 'f32': case 'b32': case 'u32': case 's32': return normal(`M.st_u32(${s}, ${a.expr}, ${bits(ops[1]!)});`);
        case 'b16': case 'u16': return normal(`M.st_u16(${s}, ${a.expr}, ${src(ops[1]!, 'u16')});`);
        case 'u8': case 's8': return normal(`M.st_u8(${s}, ${a.expr}, ${src(ops[1]!, 'u32')});`);
      }
      return fail('unsupported store');
    }
    case 'atom': case 'red': {
      const [space, kind, t] = mods;
      if (!['add', 'max', 'min'].includes(kind!)) fail(`atomic .${kind} is not in the subset`);
      const ty = typeOf(t);
      if (ty !== 'f32' && ty !== 'u32' && ty !== 's32') fail(`atomic type .${ty}`);
      const withDest = op === 'atom';
      need(withDest ? 3 : 2);
      const a = address(ops[withDest ? 1 : 0]!, space!);
      const call = `M.atom(${spaceObj(space!)}, '${kind}', '${ty}', ${a.expr}, ${src(ops[withDest ? 2 : 1]!, ty)})`;
      return normal(withDest ? dst(ops[0]!, ty, call) : `${call};`);
    }
    case 'cvta': {
      need(2);
      if (mods.join('.') !== 'to.global.u64') fail('only cvta.to.global.u64 is in the subset');
      return normal(dst(ops[0]!, 'u64', src(ops[1]!, 'u64')));
    }
    case 'mov': {
      need(2);
      const ty = typeOf(mods[0]);
      if (ty === 'pred') return normal(dst(ops[0]!, 'pred', src(ops[1]!, 'pred')));
      if (ty === 'f32' || ty === 'b32' || ty === 'u32' || ty === 's32') return normal(dst(ops[0]!, 'b32', bits(ops[1]!)));
      return fail(`mov.${ty}`);
    }
    case 'add': case 'sub': case 'mul': case 'div': case 'rem': case 'min': case 'max': {
      need(3);
      const ty = typeOf(mods[mods.length - 1]);
      const [a, b] = [ops[1]!, ops[2]!];
      if (ty === 'f32') {
        if (['add', 'sub', 'mul', 'div'].includes(op)) {
          if (mods[0] !== 'rn') fail(`f32 ${op} without .rn (the renderer always rounds explicitly)`);
          const sym = { add: '+', sub: '-', mul: '*', div: '/' }[op as 'add'];
          return normal(dst(ops[0]!, 'f32', `${src(a, 'f32')} ${sym} ${src(b, 'f32')}`));
        }
        if (op === 'min' || op === 'max') return normal(dst(ops[0]!, 'f32', `${op === 'min' ? 'fmin' : 'fmax'}(${src(a, 'f32')}, ${src(b, 'f32')})`));
        return fail(`${op}.f32`);
      }
      if (ty === 's64' || ty === 'u64') {
        if (op !== 'add') fail(`${op}.${ty}`);
        return normal(dst(ops[0]!, 'u64', `${src(a, 'u64')} + ${src(b, 'u64')}`));
      }
      if (ty !== 's32' && ty !== 'u32') return fail(`${op}.${ty}`);
      if (op === 'mul') {
        if (mods[0] === 'wide') return normal(dst(ops[0]!, 'u64', `${src(a, ty)} * ${src(b, ty)}`));
        if (mods[0] !== 'lo') fail('mul without .lo or .wide');
        return normal(dst(ops[0]!, 'u32', `Math.imul(${src(a, ty)}, ${src(b, ty)})`));
      }
      const x = src(a, ty);
      const y = src(b, ty);
      switch (op) {
        case 'add': return normal(dst(ops[0]!, ty, `${x} + ${y}`));
        case 'sub': return normal(dst(ops[0]!, ty, `${x} - ${y}`));
        case 'min': return normal(dst(ops[0]!, ty, `Math.min(${x}, ${y})`));
        case 'max': return normal(dst(ops[0]!, ty, `Math.max(${x}, ${y})`));
        // Division by zero is machine-specific in PTX; NVIDIA GPUs give all ones (the renderer guards it anyway).
        case 'div': return normal(`{ const b = ${y}; ${dst(ops[0]!, ty, `b === 0 ? ${ty === 's32' ? -1 : 4294967295} : Math.trunc(${x} / b)`)} }`);
        case 'rem': return normal(`{ const a = ${x}, b = ${y}; ${dst(ops[0]!, ty, 'b === 0 ? a : a % b')} }`);
      }
      return fail(op);
    }
    case 'mad': {
      need(4);
      if (mods.join('.') !== 'lo.u32' && mods.join('.') !== 'lo.s32') fail('only mad.lo.u32/s32 is in the subset');
      const ty = typeOf(mods[1]);
      return normal(dst(ops[0]!, 'u32', `Math.imul(${src(ops[1]!, ty)}, ${src(ops[2]!, ty)}) + ${src(ops[3]!, ty)}`));
    }
    case 'fma': {
      need(4);
      if (mods.join('.') !== 'rn.f32') fail('only fma.rn.f32 is in the subset');
      return normal(dst(ops[0]!, 'f32', `fma(${src(ops[1]!, 'f32')}, ${src(ops[2]!, 'f32')}, ${src(ops[3]!, 'f32')})`));
    }
    case 'and': case 'or': case 'xor': {
      need(3);
      const ty = typeOf(mods[0]);
      const sym = op === 'and' ? '&' : op === 'or' ? '|' : '^';
      if (ty === 'pred') return normal(dst(ops[0]!, 'pred', `${src(ops[1]!, 'pred')} ${sym} ${src(ops[2]!, 'pred')}`));
      if (ty !== 'b32') fail(`${op}.${ty}`);
      return normal(dst(ops[0]!, 'b32', `${bits(ops[1]!)} ${sym} ${bits(ops[2]!)}`));
    }
    case 'not': {
      need(2);
      const ty = typeOf(mods[0]);
      if (ty === 'pred') return normal(dst(ops[0]!, 'pred', `${src(ops[1]!, 'pred')} ^ 1`));
      if (ty !== 'b32') fail(`not.${ty}`);
      return normal(dst(ops[0]!, 'b32', `~${bits(ops[1]!)}`));
    }
    case 'neg': case 'abs': {
      need(2);
      const ty = typeOf(mods[0]);
      if (ty === 'f32') return normal(dst(ops[0]!, 'b32', op === 'neg' ? `${bits(ops[1]!)} ^ 0x80000000` : `${bits(ops[1]!)} & 0x7fffffff`));
      if (ty !== 's32') fail(`${op}.${ty}`);
      return normal(dst(ops[0]!, 's32', op === 'neg' ? `-${src(ops[1]!, 's32')}` : `Math.abs(${src(ops[1]!, 's32')})`));
    }
    case 'copysign': {
      need(3);
      if (mods[0] !== 'f32') fail('copysign');
      // copysign d, a, b: b's magnitude with a's sign.
      return normal(dst(ops[0]!, 'b32', `(${bits(ops[2]!)} & 0x7fffffff) | (${bits(ops[1]!)} & 0x80000000)`));
    }
    case 'shl': case 'shr': {
      need(3);
      const ty = typeOf(mods[0]);
      const n = src(ops[2]!, 'u32');
      if (op === 'shl') {
        if (ty !== 'b32') fail(`shl.${ty}`);
        return normal(`{ const n = ${n}; ${dst(ops[0]!, 'b32', `n >= 32 ? 0 : ${bits(ops[1]!)} << n`)} }`);
      }
      if (ty === 'u32') return normal(`{ const n = ${n}; ${dst(ops[0]!, 'u32', `n >= 32 ? 0 : ${src(ops[1]!, 'u32')} >>> n`)} }`);
      if (ty === 's32') return normal(`{ const n = ${n}; ${dst(ops[0]!, 's32', `${src(ops[1]!, 's32')} >> (n >= 32 ? 31 : n)`)} }`);
      return fail(`shr.${ty}`);
    }
    case 'bfe': {
      need(4);
      if (mods[0] !== 'u32') fail('only bfe.u32 is in the subset');
      return normal(`{ const pos = ${src(ops[2]!, 'u32')} & 255, len = ${src(ops[3]!, 'u32')} & 255; ` +
        `${dst(ops[0]!, 'u32', `(len === 0 || pos >= 32) ? 0 : (${src(ops[1]!, 'u32')} >>> pos) & (len >= 32 ? 4294967295 : (2 ** len - 1))`)} }`);
    }
    case 'selp': {
      need(4);
      const ty = typeOf(mods[0]);
      if (ty !== 'b32' && ty !== 'f32' && ty !== 'u32' && ty !== 's32') fail(`selp.${ty}`);
      return normal(dst(ops[0]!, 'b32', `${src(ops[3]!, 'pred')} ? ${bits(ops[1]!)} : ${bits(ops[2]!)}`));
    }
    case 'setp': {
      need(3);
      const [cmp, t] = mods;
      const ty = typeOf(t);
      if (ty !== 'f32' && ty !== 's32' && ty !== 'u32') fail(`setp.${cmp}.${ty}`);
      const a = src(ops[1]!, ty);
      const b = src(ops[2]!, ty);
      const ordered = ty === 'f32' ? ` && ${a} === ${a} && ${b} === ${b}` : '';
      const exprs: Record<string, string> = {
        eq: `${a} === ${b}`, ne: `${a} !== ${b}${ordered}`, lt: `${a} < ${b}`, le: `${a} <= ${b}`, gt: `${a} > ${b}`, ge: `${a} >= ${b}`,
      };
      if (ty === 'f32') exprs.neu = `!(${a} === ${b})`;
      const e = exprs[cmp!];
      if (!e) fail(`comparison .${cmp}`);
      return normal(dst(ops[0]!, 'pred', e!));
    }
    case 'testp': {
      need(2);
      if (mods.join('.') !== 'notanumber.f32') fail('only testp.notanumber.f32 is in the subset');
      return normal(`{ const x = ${src(ops[1]!, 'f32')}; ${dst(ops[0]!, 'pred', 'x !== x')} }`);
    }
    case 'cvt': {
      need(2);
      const key = mods.join('.');
      const d = ops[0]!;
      const s = ops[1]!;
      switch (key) {
        case 'rzi.f32.f32': return normal(dst(d, 'f32', `Math.trunc(${src(s, 'f32')})`));
        case 'rni.f32.f32': return normal(dst(d, 'f32', `rni(${src(s, 'f32')})`));
        case 'rmi.f32.f32': return normal(dst(d, 'f32', `Math.floor(${src(s, 'f32')})`));
        case 'rpi.f32.f32': return normal(dst(d, 'f32', `Math.ceil(${src(s, 'f32')})`));
        case 'rzi.sat.s32.f32': case 'rzi.s32.f32': return normal(dst(d, 's32', `f2i(${src(s, 'f32')})`));
        case 'rzi.sat.u32.f32': case 'rzi.u32.f32': return normal(dst(d, 'u32', `f2u(${src(s, 'f32')})`));
        // An integer is exact in a double; storing it in the f32 register rounds to nearest even.
        case 'rn.f32.s32': return normal(dst(d, 'f32', src(s, 's32')));
        case 'rn.f32.u32': return normal(dst(d, 'f32', src(s, 'u32')));
        case 'u16.u32': return normal(dst(d, 'u16', src(s, 'u32')));
        case 'f32.f16': return normal(dst(d, 'f32', `F16[${src(s, 'u16')}]`));
        case 'rn.f16.f32': return normal(dst(d, 'u16', `f16(${src(s, 'f32')})`));
        case 'rn.bf16.f32': return normal(dst(d, 'u16', `bf16(${src(s, 'f32')})`));
      }
      return fail(`cvt.${key} is not in the subset`);
    }
    case 'sqrt': case 'rcp': {
      need(2);
      if (mods.join('.') !== 'rn.f32') fail(`only ${op}.rn.f32 is in the subset`);
      return normal(dst(ops[0]!, 'f32', op === 'sqrt' ? `Math.sqrt(${src(ops[1]!, 'f32')})` : `1 / ${src(ops[1]!, 'f32')}`));
    }
    case 'ex2': case 'lg2': case 'rsqrt': case 'sin': case 'cos': case 'tanh': {
      need(2);
      if (mods.join('.') !== 'approx.f32') fail(`only ${op}.approx.f32 is in the subset`);
      return normal(dst(ops[0]!, 'f32', `APPROX.${op}(${src(ops[1]!, 'f32')})`));
    }
    case 'shfl': {
      need(5);
      const [sync, mode, t] = mods;
      if (sync !== 'sync' || t !== 'b32' || !['bfly', 'down', 'up', 'idx'].includes(mode!)) fail('shfl');
      if (ops[4] !== '-1' && ops[4]!.toLowerCase() !== '0xffffffff') fail('shfl.sync with a partial member mask');
      if (guard >= 0) fail('guarded shfl.sync');
      const fn = compileShfl(scope.name, text, mode!, bits(ops[1]!), src(ops[2]!, 'u32'), src(ops[3]!, 'u32'), dst(ops[0]!, 'b32', 'ws.out[l]'));
      return { ...base, kind: Kind.Shfl, fn };
    }
    case 'bra': {
      need(1);
      if (mods.length && mods.join('.') !== 'uni') fail('bra modifier');
      const target = labels.get(ops[0]!);
      if (target === undefined) return fail(`branch to unknown label ${ops[0]}`);
      return { ...base, kind: Kind.Bra, target };
    }
    case 'ret': case 'exit':
      need(0);
      return { ...base, kind: Kind.Ret };
    case 'bar': {
      if (mods.join('.') !== 'sync' || ops.length !== 1 || ops[0] !== '0') fail('only bar.sync 0 is in the subset');
      if (guard >= 0) fail('guarded bar.sync');
      return { ...base, kind: Kind.Bar };
    }
  }
  return fail(`opcode ${opcode} is not in the subset`);
}

function compileFn(kernel: string, text: string, body: string, guard: number, guardNeg: boolean): ExecFn {
  const check = guard < 0 ? '' : `if (${guardNeg ? '' : '!'}P[${guard}+l]) continue;`;
  const source =
    `return function(ws, lanes, n) {\n const U = ws.U, I = ws.I, F = ws.F, D = ws.D, P = ws.P;\n` +
    ` for (let k = 0; k < n; k++) { const l = lanes[k]; ${check} ${body} }\n};`;
  try {
    return new Function(...HELPER_NAMES, source)(...HELPER_VALUES) as ExecFn;
  } catch (e) {
    throw new Error(`interp: kernel ${kernel}: generated code for '${text}' does not compile: ${(e as Error).message}\n${source}`);
  }
}

/** shfl.sync as the PTX ISA defines it: b and c taken to 5 bits, out-of-range sources give the lane's own value. */
function compileShfl(kernel: string, text: string, mode: string, a: string, b: string, c: string, write: string): ExecFn {
  const j = {
    up: 'j = l - bval; ok = j >= maxLane;',
    down: 'j = l + bval; ok = j <= maxLane;',
    bfly: 'j = l ^ bval; ok = j <= maxLane;',
    idx: 'j = minLane | (bval & ~seg); ok = j <= maxLane;',
  }[mode]!;
  const source =
    `return function(ws, lanes, n) {\n const U = ws.U, I = ws.I, F = ws.F, D = ws.D, P = ws.P, vals = ws.vals, active = ws.active;\n` +
    ` for (let k = 0; k < n; k++) { const l = lanes[k]; vals[l] = ${a}; }\n` +
    ` for (let k = 0; k < n; k++) { const l = lanes[k]; const bval = (${b}) & 31, c = ${c}, cval = c & 31, seg = (c >>> 8) & 31;\n` +
    `  const maxLane = (l & seg) | (cval & ~seg), minLane = l & seg; let j, ok; ${j}\n` +
    `  if (!ok) j = l;\n` +
    `  if (!active[j]) { ws.problem('shfl.sync in lane ' + l + ' reads lane ' + j + ', which is not executing it (undefined value)'); ws.out[l] = 0xDEADBEEF; }\n` +
    `  else ws.out[l] = vals[j]; }\n` +
    ` for (let k = 0; k < n; k++) { const l = lanes[k]; ${write} }\n};`;
  try {
    return new Function(...HELPER_NAMES, source)(...HELPER_VALUES) as ExecFn;
  } catch (e) {
    throw new Error(`interp: kernel ${kernel}: generated code for '${text}' does not compile: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------- execution

const RUN = 0;
const AT_BARRIER = 1;
const EXITED = 2;
const ABSENT = 3;
const NO_PC = 0x7fffffff;
/** What uninitialised registers hold: a NaN as f32, a huge number as an integer, so reading one shows. */
const POISON = 0x7fbadbad;

class WarpState {
  readonly U: Uint32Array;
  readonly I: Int32Array;
  readonly F: Float32Array;
  readonly D: Float64Array;
  readonly P: Uint8Array;
  readonly pc = new Int32Array(32);
  readonly state = new Uint8Array(32);
  readonly tidx = new Uint32Array(32);
  readonly tidy = new Uint32Array(32);
  readonly tidz = new Uint32Array(32);
  readonly vals = new Uint32Array(32);
  readonly out = new Uint32Array(32);
  readonly active = new Uint8Array(32);
  readonly lanes = new Int32Array(32);
  ctaid = new Uint32Array(3);
  ntid = new Uint32Array(3);
  nctaid = new Uint32Array(3);
  G!: GlobalMemory;
  S!: SharedMemory;
  pv!: DataView;
  problem: (what: string) => void = () => undefined;

  constructor(regs: { w: number; d: number; p: number }) {
    const buf = new ArrayBuffer(Math.max(regs.w, 1) * 32 * 4);
    this.U = new Uint32Array(buf);
    this.I = new Int32Array(buf);
    this.F = new Float32Array(buf);
    this.D = new Float64Array(Math.max(regs.d, 1) * 32);
    this.P = new Uint8Array(Math.max(regs.p, 1) * 32);
  }
}

export interface PtxLaunch {
  grid: Dim3;
  block: Dim3;
  /** The packed parameter block (pointers as 8 bytes, scalars as 4, at the offsets the .entry declares). */
  params: Uint8Array;
  memory: GlobalMemory;
  /** Which blocks to run (all by default): for huge grids, a slice. */
  runBlock?: (x: number, y: number, z: number) => boolean;
  /** Lane-instructions before the launch is stopped as a runaway (default 4e8). */
  maxInstructions?: number;
  /** Byte that fills shared memory at the start of each block (default 0xFF: reads before writes show as NaN). */
  sharedFill?: number;
}

export interface PtxLaunchReport {
  /** Undefined behaviour seen (a shuffle reading a lane that is not executing it, a divergent bar.sync, …). */
  problems: string[];
  /** Lane-instructions executed. */
  instructions: number;
  blocks: number;
}

/**
 * Runs `kernel` over the grid: blocks one after another (warps in ascending order in even blocks, descending in odd
 * ones, so a missing barrier shows), each warp until every lane waits at bar.sync or has exited.
 */
export function runPtx(kernel: PtxKernel, launch: PtxLaunch): PtxLaunchReport {
  const [bdx, bdy, bdz] = launch.block;
  const [gdx, gdy, gdz] = launch.grid;
  const nthreads = bdx * bdy * bdz;
  if (!(nthreads >= 1 && nthreads <= 1024)) throw new PtxFault(`block of ${nthreads} threads`);
  if (launch.params.length < kernel.paramBytes) throw new PtxFault(`kernel ${kernel.name} needs ${kernel.paramBytes} parameter bytes, got ${launch.params.length}`);
  const nwarps = Math.ceil(nthreads / 32);
  const warps = Array.from({ length: nwarps }, () => new WarpState(kernel.regs));
  const problems: string[] = [];
  const seen = new Set<string>();
  const report = { problems, instructions: 0, blocks: 0 };
  const shared = new SharedMemory(new Uint8Array(Math.max(kernel.sharedBytes, 1)));
  const pv = new DataView(launch.params.buffer, launch.params.byteOffset, launch.params.byteLength);
  const limit = launch.maxInstructions ?? 4e8;
  const code = kernel.code;
  for (const ws of warps) {
    ws.G = launch.memory;
    ws.S = shared;
    ws.pv = pv;
    ws.ntid.set(launch.block);
    ws.nctaid.set(launch.grid);
  }
  let where = '';
  const problem = (what: string): void => {
    const key = what.replace(/lane \d+/g, 'lane N');
    if (seen.has(key)) return;
    seen.add(key);
    problems.push(`${kernel.name} ${where}: ${what}`);
  };

  for (let bz = 0; bz < gdz; bz++) for (let by = 0; by < gdy; by++) for (let bx = 0; bx < gdx; bx++) {
    if (launch.runBlock && !launch.runBlock(bx, by, bz)) continue;
    report.blocks++;
    shared.bytes.fill(launch.sharedFill ?? 0xff);
    warps.forEach((ws, w) => {
      ws.ctaid[0] = bx; ws.ctaid[1] = by; ws.ctaid[2] = bz;
      ws.U.fill(POISON);
      ws.D.fill(NaN);
      ws.P.fill(0);
      ws.pc.fill(0);
      for (let l = 0; l < 32; l++) {
        const t = w * 32 + l;
        ws.state[l] = t < nthreads ? RUN : ABSENT;
        ws.tidx[l] = t % bdx;
        ws.tidy[l] = Math.floor(t / bdx) % bdy;
        ws.tidz[l] = Math.floor(t / (bdx * bdy));
      }
    });
    const order = (bx + by + bz) % 2 === 0 ? warps.map((_, w) => w) : warps.map((_, w) => nwarps - 1 - w);
    for (;;) {
      for (const w of order) {
        const ws = warps[w]!;
        where = `block (${bx}, ${by}, ${bz}) warp ${w}`;
        ws.problem = problem;
        try {
          report.instructions += runWarp(ws, code, problem, limit - report.instructions);
        } catch (e) {
          if (e instanceof PtxFault) throw new PtxFault(`kernel ${kernel.name}, ${where}: ${e.message}`);
          throw e;
        }
      }
      // Every warp now waits at a barrier or has exited: release the barrier, or the block is done.
      let waiting = 0;
      let barPc = -1;
      for (const ws of warps) {
        for (let l = 0; l < 32; l++) {
          if (ws.state[l] !== AT_BARRIER) continue;
          waiting++;
          if (barPc < 0) barPc = ws.pc[l]!;
          else if (barPc !== ws.pc[l]) problem(`threads wait at different bar.sync instructions (${barPc} and ${ws.pc[l]})`);
        }
      }
      if (waiting === 0) break;
      for (const ws of warps) {
        for (let l = 0; l < 32; l++) {
          if (ws.state[l] !== AT_BARRIER) continue;
          ws.state[l] = RUN;
          ws.pc[l]! += 1;
        }
      }
    }
  }
  return report;
}

/** Runs one warp until no lane can go on (all exited or at a barrier). Returns the lane-instructions executed. */
function runWarp(ws: WarpState, code: Instr[], problem: (what: string) => void, budget: number): number {
  const state = ws.state;
  const pcs = ws.pc;
  const lanes = ws.lanes;
  const P = ws.P;
  let count = 0;
  for (;;) {
    // The lowest PC among runnable lanes runs next; lanes meet again where the others wait (reconvergence).
    let min = NO_PC;
    let live = 0;
    for (let l = 0; l < 32; l++) {
      const s = state[l];
      if (s === RUN) { if (pcs[l]! < min) min = pcs[l]!; live++; } else if (s === AT_BARRIER) live++;
    }
    if (min === NO_PC) return count;
    let next = NO_PC;
    let n = 0;
    for (let l = 0; l < 32; l++) {
      if (state[l] !== RUN) continue;
      const p = pcs[l]!;
      if (p === min) lanes[n++] = l;
      else if (p < next) next = p;
    }
    let pc = min;
    let ins = code[pc]!;
    while (pc < next) {
      ins = code[pc]!;
      if (ins.kind === Kind.Normal) {
        ins.fn!(ws, lanes, n);
        count += n;
        pc++;
        continue;
      }
      if (ins.kind === Kind.Shfl) {
        if (n !== live) problem(`'${ins.text}' executed by ${n} of the warp's ${live} live lanes (shfl.sync with a full mask needs them all)`);
        for (let k = 0; k < n; k++) ws.active[lanes[k]!] = 1;
        ins.fn!(ws, lanes, n);
        ws.active.fill(0);
        count += n;
        pc++;
        continue;
      }
      break;
    }
    if (count > budget) throw new PtxFault(`ran past the interpreter's instruction limit (a runaway loop?) at '${ins.text}'`);
    if (pc >= next) {
      for (let k = 0; k < n; k++) pcs[lanes[k]!] = pc;
      continue;
    }
    count += n;
    const g = ins.guard;
    switch (ins.kind) {
      case Kind.Bra:
        for (let k = 0; k < n; k++) {
          const l = lanes[k]!;
          const taken = g < 0 || (P[g + l] === 1) !== ins.guardNeg;
          pcs[l] = taken ? ins.target : pc + 1;
        }
        break;
      case Kind.Ret:
        for (let k = 0; k < n; k++) {
          const l = lanes[k]!;
          if (g < 0 || (P[g + l] === 1) !== ins.guardNeg) state[l] = EXITED;
          else pcs[l] = pc + 1;
        }
        break;
      case Kind.Bar:
        if (n !== live) problem(`bar.sync executed by ${n} of the warp's ${live} live lanes (divergent barrier)`);
        for (let k = 0; k < n; k++) {
          const l = lanes[k]!;
          state[l] = AT_BARRIER;
          pcs[l] = pc;
        }
        break;
      default:
        throw new Error(`interp: unexpected instruction kind at '${ins.text}'`);
    }
  }
}

/** Reads the packed parameter layout of `kernel` from the PTX and writes `values` (pointer addresses or scalars) into it. */
export function packParams(kernel: PtxKernel, values: ({ address: number } | { u32: number } | { f32: number })[]): Uint8Array {
  if (values.length !== kernel.params.length) throw new Error(`packParams: kernel ${kernel.name} has ${kernel.params.length} parameters, got ${values.length}`);
  const bytes = new Uint8Array(Math.max(kernel.paramBytes, 8));
  const view = new DataView(bytes.buffer);
  kernel.params.forEach((p, i) => {
    const v = values[i]!;
    if (p.type === 'u64') {
      if (!('address' in v)) throw new Error(`packParams: ${p.name} needs an address`);
      view.setUint32(p.offset, v.address % SLOT, true);
      view.setUint32(p.offset + 4, Math.floor(v.address / SLOT), true);
    } else if ('f32' in v) view.setFloat32(p.offset, v.f32, true);
    else if ('u32' in v) view.setUint32(p.offset, v.u32 >>> 0, true);
    else throw new Error(`packParams: ${p.name} needs a scalar`);
  });
  return bytes;
}
