// Renders an IR kernel as readable JavaScript for the simulated eGPU (what `egpu compile --target js` prints).
// Sync-free kernels become a plain loop over threads; kernels with barriers or warp collectives a state machine.
import type { IrExpr, IrKernel, IrMemRef, IrStmt, SourceLoc, StorageType, ValueType } from '../lang/ir';

/**
 * What a fault site in the generated code describes; the runtime turns it into a DeviceError message.
 * The rendered source holds these as a JSON table (`SITES`).
 */
export interface JsFaultSite {
  kind: 'read' | 'write' | 'atomic' | 'barrier' | 'warp';
  /** Buffer or shared array name (memory sites). */
  buffer?: string;
  /** Warp sites: the collective, its value type and the save slot of its destination. */
  warp?: { op: string; type: ValueType; destSlot: number };
  loc: SourceLoc;
}

/** Thread status values of the state machine (shared with the executor's scheduler). */
export const THREAD_RUNNABLE = 0;
export const THREAD_AT_BARRIER = 1;
export const THREAD_AT_WARP = 2;
export const THREAD_EXITED = 3;

/** Back-edges between deadline checks. */
const TICK_MASK = 0xffff;

interface LabelTarget {
  irLabel: string;
  /** JS label to `break` for IR `break` (structured), or the case to jump to (flattened). */
  breakJs?: string;
  continueJs?: string;
  breakCase?: number;
  continueCase?: number;
}

/** Renders the kernel as a factory: `(function (rt) { …; return function launch(L) { … } })`. */
export function renderKernelJs(kernel: IrKernel): string {
  return new KernelRenderer(kernel).render();
}

/** The fault sites a rendered kernel refers to, in `SITES` order. */
export function kernelFaultSites(kernel: IrKernel): JsFaultSite[] {
  const r = new KernelRenderer(kernel);
  r.render();
  return r.sites;
}

function hasSync(s: IrStmt): boolean {
  switch (s.op) {
    case 'barrier': case 'warp': return true;
    case 'if': return s.then.some(hasSync) || s.else.some(hasSync);
    case 'loop': return s.body.some(hasSync) || s.update.some(hasSync);
    case 'block': return s.body.some(hasSync);
    default: return false;
  }
}

/** True when the kernel needs the state machine (it has barriers or warp collectives). */
export function kernelHasSyncPoints(kernel: IrKernel): boolean {
  return kernel.body.some(hasSync);
}

function jsName(name: string): string {
  return name.replace(/[^A-Za-z0-9_$]/g, '_');
}

const TRANSCENDENTAL = new Set(['exp', 'exp2', 'log', 'log2', 'sqrt', 'rsqrt', 'sin', 'cos', 'tanh', 'pow']);

/** Flops of an expression as the timing model counts them (f32 only; see docs/simulator.md). */
export function exprFlops(e: IrExpr): number {
  switch (e.op) {
    case 'const': case 'local': case 'param': case 'geometry': return 0;
    case 'binary': {
      const own = e.operandType === 'f32' && ['+', '-', '*', '/', '%'].includes(e.kind) ? 1 : 0;
      return own + exprFlops(e.left) + exprFlops(e.right);
    }
    case 'unary': return exprFlops(e.operand);
    case 'convert': return exprFlops(e.operand);
    case 'math': {
      let own = 0;
      if (e.type === 'f32' || e.fn === 'fma') own = e.fn === 'fma' ? 2 : TRANSCENDENTAL.has(e.fn) ? 1 : 0;
      return own + e.args.reduce((sum, a) => sum + exprFlops(a), 0);
    }
    case 'select': return exprFlops(e.cond) + exprFlops(e.ifTrue) + exprFlops(e.ifFalse);
    case 'load': return exprFlops(e.index);
  }
}

/**
 * A straight-line stretch of generated code: it runs all or nothing, so what it moves and computes is counted
 * once per execution (`cN += 1`) and multiplied out at the end of the launch.
 */
interface Region {
  id: number;
  flops: number;
  /** Global buffer param index -> elements read / written per execution. */
  reads: Map<number, number>;
  writes: Map<number, number>;
}

/** A control transfer between state-machine cases; `kill` is what is definitely assigned when it is taken. */
interface CaseEdge {
  to: number;
  kill: Set<number>;
  /** Through a sync point: the thread stops and later resumes at `to`, so live locals go through SAVE. */
  sync: boolean;
  /** Sync edges: where the save lines go (a marker in the case's lines). */
  marker?: string;
  /** Warp edges: the local the collective writes (its value comes from the scheduler, not from the thread). */
  dest?: number;
}

class CaseState {
  readonly lines: string[] = [];
  /** Locals definitely assigned so far in this case (straight-line part). */
  readonly assigned = new Set<number>();
  /** Locals this case may read before assigning them. */
  readonly exposed = new Set<number>();
  readonly edges: CaseEdge[] = [];
  /** Locals this case may assign. */
  readonly writes = new Set<number>();
  /** Entered only when a thread resumes (case 0 or the case after a sync point): restores its live locals. */
  resume = false;
  /** Resume cases after a sync point: that barrier's or collective's fault site. */
  syncSite = -1;
  /** How many flattened loops it is in (deeper runs more often). */
  constructor(readonly id: number, readonly depth: number) {}
}

const REGION_MARK = '\u0001R';
const SAVE_MARK = '\u0001S';

class KernelRenderer {
  readonly sites: JsFaultSite[] = [];
  private tempCount = 0;
  private labelCount = 0;
  private labels: LabelTarget[] = [];
  private stateMachine = false;
  private regions: Region[] = [];
  private region: Region | null = null;
  /** Buffers with loads that may not run (select arms, right of && / ||): counted one by one. */
  private dynamicReads = new Set<number>();
  // State-machine bookkeeping.
  private cases: CaseState[] = [];
  private caseOrder: number[] = [];
  private current: CaseState | null = null;
  /** While a statement of a case renders: what was definitely assigned before it (for jumps out of it). */
  private jumpKill: Set<number> | null = null;
  private warpDests = new Set<number>();
  /** By case: the sync site a thread resuming there stopped at (-1: none). */
  private siteAt: number[] = [];
  private loopDepth = 0;
  private saveSlots = new Map<number, number>();
  /** Where unconditional loads of the statement being rendered are hoisted to (null: render them inline). */
  private hoist: string[] | null = null;
  /** Global buffers the hoisted loads of the statement being rendered read (counted in its region). */
  private hoistReads: number[] = [];
  /** While a store renders: the elements (`view[index]`) its value always loads first. */
  private statementLoads: Set<string> | null = null;

  constructor(private readonly kernel: IrKernel) {}

  render(): string {
    const k = this.kernel;
    this.stateMachine = kernelHasSyncPoints(k);
    const body = this.stateMachine ? this.renderStateMachine() : this.renderFastPath();
    const out: string[] = [];
    out.push(`// Kern kernel \`${k.name}\` (${k.loc.file}:${k.loc.line}:${k.loc.column}) rendered for the simulated eGPU.`);
    out.push(this.stateMachine
      ? '// Barriers / warp collectives: each thread runs as a state machine up to its next sync point.'
      : '// No sync points: the threads of a block run one after another.');
    out.push('// cN counts runs of straight-line region N; bytes and flops are multiplied out at the end.');
    out.push(`(function ${jsName(k.name)}$kernel(rt) {`);
    out.push(`  'use strict';`);
    out.push('  const fround = Math.fround, imul = Math.imul;');
    out.push('  const F16 = rt.F16_TABLE, f16 = rt.f32ToF16Bits, bf16 = rt.f32ToBf16Bits;');
    out.push('  const f2i = rt.f2i, f2u = rt.f2u, fminf = rt.fminf, fmaxf = rt.fmaxf, roundf = rt.roundf;');
    out.push('  const div_i32 = rt.div_i32, rem_i32 = rt.rem_i32, div_u32 = rt.div_u32, rem_u32 = rt.rem_u32;');
    out.push('  const cdiv_i32 = rt.cdiv_i32, cdiv_u32 = rt.cdiv_u32, shl = rt.shl, shr_i32 = rt.shr_i32, shr_u32 = rt.shr_u32;');
    out.push('  const $f = new Float32Array(1), $u = new Uint32Array($f.buffer);');
    out.push(`  const KERNEL = ${JSON.stringify(k.name)};`);
    out.push(`  const SITES = ${JSON.stringify(this.sites)};`);
    if (this.stateMachine) out.push(`  const SITE_AT = ${JSON.stringify(this.siteAt)};`);
    // One function per block: called many times, so it is optimised early and stays optimised across launches.
    out.push(`  function ${jsName(k.name)}$block(L, K, bx, by, bz, ticks) {`);
    out.push(...this.renderBlockPrologue().map((l) => '    ' + l));
    out.push(...body.map((l) => '    ' + l));
    out.push(...this.renderBlockEpilogue().map((l) => '    ' + l));
    out.push('  }');
    out.push(`  return function ${jsName(k.name)}$launch(L) {`);
    out.push(...this.renderLaunch().map((l) => '    ' + l));
    out.push('  };');
    out.push('})');
    return this.resolveMarkers(out).join('\n') + '\n';
  }

  /** Region markers become `cN += 1;` (or vanish when the region counts nothing). */
  private resolveMarkers(lines: string[]): string[] {
    const out: string[] = [];
    for (const line of lines) {
      const at = line.indexOf(REGION_MARK);
      if (at < 0) { out.push(line); continue; }
      const r = this.regions[Number(line.slice(at + REGION_MARK.length))]!;
      if (counts(r)) out.push(`${line.slice(0, at)}c${r.id} += 1;`);
    }
    return out;
  }

  // ------------------------------------------------------------ names

  private localName(id: number): string {
    const local = this.kernel.locals[id];
    if (!local) throw new Error(`kernel ${this.kernel.name}: unknown local ${id}`);
    return `${jsName(local.name)}$${id}`;
  }

  private paramName(index: number): string {
    const p = this.kernel.params[index];
    if (!p) throw new Error(`kernel ${this.kernel.name}: unknown param ${index}`);
    return `${jsName(p.name)}$`;
  }

  private memNames(mem: IrMemRef): { view: string; length: string; param: number | null; name: string } {
    if (mem.space === 'global') {
      const v = this.paramName(mem.param);
      const p = this.kernel.params[mem.param]!;
      if (p.kind !== 'buffer') throw new Error(`kernel ${this.kernel.name}: param ${p.name} used as a buffer`);
      return { view: v, length: v + 'len', param: mem.param, name: p.name };
    }
    const s = this.kernel.shared[mem.shared];
    if (!s) throw new Error(`kernel ${this.kernel.name}: unknown shared array ${mem.shared}`);
    const v = `${jsName(s.name)}$shared`;
    return { view: v, length: v + 'len', param: null, name: s.name };
  }

  private site(site: JsFaultSite): number {
    this.sites.push(site);
    return this.sites.length - 1;
  }

  private where(): string {
    return 'bx, by, bz, tx, ty, tz';
  }

  // ------------------------------------------------------------ counting

  /** The open region, started here (a marker line at `out`'s end) when none is open. */
  private openRegion(out: string[], indent: string): Region {
    if (!this.region) {
      this.region = { id: this.regions.length, flops: 0, reads: new Map(), writes: new Map() };
      this.regions.push(this.region);
      out.push(`${indent}${REGION_MARK}${this.region.id}`);
    }
    return this.region;
  }

  /** Control flow follows: the next counted statement starts a new region. */
  private closeRegion(): void {
    this.region = null;
  }

  private countFlops(count: number, out: string[], indent: string): void {
    if (count > 0) this.openRegion(out, indent).flops += count;
  }

  private countAccess(kind: 'reads' | 'writes', param: number | null, out: string[], indent: string): void {
    if (param === null) return;
    const map = this.openRegion(out, indent)[kind];
    map.set(param, (map.get(param) ?? 0) + 1);
  }

  // ------------------------------------------------------------ prologue / epilogue

  /** Per-launch totals: one slot per counting region, then one per buffer with one-by-one counted loads. */
  private counterSlots(): { regions: Map<number, number>; dynamic: Map<number, number>; size: number } {
    const regions = new Map<number, number>();
    for (const r of this.regions) if (counts(r)) regions.set(r.id, regions.size);
    const dynamic = new Map<number, number>();
    for (const p of [...this.dynamicReads].sort((a, b) => a - b)) dynamic.set(p, regions.size + dynamic.size);
    return { regions, dynamic, size: regions.size + dynamic.size };
  }

  private renderBlockPrologue(): string[] {
    const k = this.kernel;
    const lines: string[] = [];
    lines.push('const gdx = L.grid[0], gdy = L.grid[1], gdz = L.grid[2];');
    lines.push('const bdx = L.block[0], bdy = L.block[1], bdz = L.block[2];');
    lines.push('const nthreads = bdx * bdy * bdz;');
    k.params.forEach((p, i) => {
      const n = this.paramName(i);
      // Scalars arrive converted to their type; the coercion only tells the JIT the representation once.
      if (p.kind === 'scalar') lines.push(`const ${n} = ${p.type === 'f32' ? `+L.args[${i}]` : p.type === 'u32' ? `L.args[${i}] >>> 0` : `L.args[${i}] | 0`}; // ${p.type} ${p.name}`);
      else {
        const dynamic = this.dynamicReads.has(i) ? ` let ${n}reads = 0.5;` : '';
        lines.push(`const ${n} = L.args[${i}], ${n}len = ${n}.length;${dynamic} // ${p.mutable ? 'mut ' : ''}${p.elem}[] ${p.name}`);
      }
    });
    k.shared.forEach((sh, i) => {
      const v = `${jsName(sh.name)}$shared`;
      lines.push(`const ${v} = K.s${i}, ${v}len = ${sh.length}; // shared ${sh.elem}[${sh.length}] ${sh.name}`);
    });
    lines.push('let $s = 0, $a = 0, $o = 0;');
    // Counters start at 0.5 so that the JIT keeps them as doubles: no overflow check (and its deopt exit) in
    // the hot loops, and exact up to 2^52.
    const counters = this.regions.filter(counts).map((r) => `c${r.id} = 0.5`);
    if (counters.length) lines.push(`let ${counters.join(', ')};`);
    if (this.tempCount > 0) {
      const temps = Array.from({ length: this.tempCount }, (_, i) => `$i${i} = 0, $v${i} = 0`);
      lines.push(`let ${temps.join(', ')};`);
    }
    // Shared memory is per block, zeroed when the block starts.
    k.shared.forEach((sh) => lines.push(`${jsName(sh.name)}$shared.fill(0);`));
    return lines;
  }

  /** The block's counts go to the launch's totals. */
  private renderBlockEpilogue(): string[] {
    const slots = this.counterSlots();
    const lines: string[] = [];
    if (slots.size) {
      lines.push('const C = K.counts;');
      for (const [id, slot] of slots.regions) lines.push(`C[${slot}] += c${id} - 0.5;`);
      for (const [param, slot] of slots.dynamic) lines.push(`C[${slot}] += ${this.paramName(param)}reads - 0.5;`);
    }
    lines.push('return ticks;');
    return lines;
  }

  private renderLaunch(): string[] {
    const k = this.kernel;
    const slots = this.counterSlots();
    const name = jsName(k.name);
    const lines: string[] = [];
    lines.push('const gdx = L.grid[0], gdy = L.grid[1], gdz = L.grid[2];');
    lines.push('const nthreads = L.block[0] * L.block[1] * L.block[2];');
    const fields = [`counts: new Float64Array(${slots.size})`];
    k.shared.forEach((sh, i) => fields.push(`s${i}: new ${sharedArrayClass(sh.elem)}(${sh.length})`));
    fields.push(this.stateMachine ? `sync: rt.syncState(L, nthreads, ${this.saveSlots.size}, SITES, SITE_AT)` : 'sync: null');
    lines.push(`const K = { ${fields.join(', ')} };`);
    lines.push('let ticks = 0;');
    lines.push('for (let bz = 0; bz < gdz; bz++) for (let by = 0; by < gdy; by++) for (let bx = 0; bx < gdx; bx++) {');
    lines.push('  ticks += nthreads;');
    lines.push(`  if (ticks > ${TICK_MASK}) { ticks = 0; rt.tick(L, KERNEL, bx, by, bz, 0, 0, 0); }`);
    lines.push(`  ticks = ${name}$block(L, K, bx, by, bz, ticks);`);
    lines.push('}');
    const sum = (terms: string[]): string => (terms.length ? terms.join(' + ') : '0');
    const perRegion = (value: (r: Region) => number): string[] =>
      this.regions.filter((r) => value(r) > 0).map((r) => {
        const slot = `C[${slots.regions.get(r.id)}]`;
        return value(r) === 1 ? slot : `${slot} * ${value(r)}`;
      });
    const reads: string[] = [];
    const writes: string[] = [];
    k.params.forEach((p, i) => {
      if (p.kind !== 'buffer') { reads.push('0'); writes.push('0'); return; }
      const r = perRegion((x) => x.reads.get(i) ?? 0);
      if (slots.dynamic.has(i)) r.unshift(`C[${slots.dynamic.get(i)}]`);
      reads.push(sum(r));
      writes.push(sum(perRegion((x) => x.writes.get(i) ?? 0)));
    });
    lines.push('const C = K.counts;');
    lines.push(`const flops = ${sum(perRegion((r) => r.flops))};`);
    lines.push(`return { flops, reads: [${reads.join(', ')}], writes: [${writes.join(', ')}] };`);
    return lines;
  }

  // ------------------------------------------------------------ fast path

  private renderFastPath(): string[] {
    const lines: string[] = [];
    const inner: string[] = [];
    this.labels = [];
    this.emitStructured(this.kernel.body, inner, '');
    lines.push('for (let tz = 0; tz < bdz; tz++) for (let ty = 0; ty < bdy; ty++) thread: for (let tx = 0; tx < bdx; tx++) {');
    if (this.kernel.locals.length) lines.push('  let ' + this.kernel.locals.map((l) => `${this.localName(l.id)} = 0`).join(', ') + ';');
    lines.push(...inner.map((l) => '  ' + l));
    lines.push('}');
    return lines;
  }

  // ------------------------------------------------------------ state machine

  private renderStateMachine(): string[] {
    this.labels = [];
    this.cases = [];
    this.caseOrder = [];
    const first = this.newCase();
    this.cases[first]!.resume = true;
    this.startCase(first);
    this.emitFlattened(this.kernel.body);
    this.exitThread(this.current!.lines, '');

    const live = this.liveness();
    // A local gets a save slot when it is live where a thread resumes, or when a collective writes it.
    const saved = new Set<number>(this.warpDests);
    for (const c of this.cases) if (c.resume) for (const x of live[c.id]!) saved.add(x);
    const savedList = [...saved].sort((a, b) => a - b);
    savedList.forEach((local, slot) => this.saveSlots.set(local, slot));
    // Warp sites were rendered before slots existed; patch their destination slots now.
    for (const s of this.sites) if (s.warp) s.warp.destSlot = this.saveSlots.get(s.warp.destSlot) ?? -1;
    // Save lines at each sync exit: what the resume case needs (a collective's destination comes from the
    // scheduler), less what is still in SAVE because every run reaching the exit restored it and left it alone.
    const reach = this.runReach();
    const written = this.writtenInRun(reach);
    const saves = new Map<string, string[]>();
    const savedAt = this.cases.map(() => new Set<number>());
    for (const c of this.cases) {
      for (const e of c.edges) {
        if (!e.sync || !e.marker) continue;
        const need = [...live[e.to]!].filter((x) => x !== e.dest && written[c.id]!.has(x)).sort((a, b) => a - b);
        for (const x of need) savedAt[c.id]!.add(x);
        saves.set(e.marker, need.map((x) => `SAVE[o + ${this.saveSlots.get(x)}] = ${this.localName(x)};`));
      }
    }
    // A resume case restores what its run reads before assigning, and what its run may save unassigned.
    const readInRun = this.liveness(true);
    const restores = new Map<number, number[]>();
    for (const [r, cases] of reach) {
      if (r === first) continue;
      const need = new Set(readInRun[r]!);
      for (const d of cases) for (const x of savedAt[d]!) need.add(x);
      restores.set(r, [...live[r]!].filter((x) => need.has(x)).sort((a, b) => a - b));
    }
    this.siteAt = this.cases.map((c) => c.syncSite);

    const lines: string[] = [];
    lines.push(`const NSAVE = ${savedList.length};`);
    lines.push('const sync = K.sync;');
    lines.push('const PC = sync.pc, ST = sync.status, VAL = sync.value, ARG = sync.arg, SAVE = sync.save;');
    lines.push('const TX = sync.tx, TY = sync.ty, TZ = sync.tz;');
    lines.push('let exited = 0, nBar = 0, nWarp = 0, barPc = -1, barMixed = 0;');
    lines.push('sync.startBlock();');
    lines.push('do {');
    lines.push('  nBar = 0; nWarp = 0; barPc = -1; barMixed = 0;');
    lines.push('  ticks += nthreads;');
    lines.push(`  if (ticks > ${TICK_MASK}) { ticks = 0; rt.tick(L, KERNEL, bx, by, bz, 0, 0, 0); }`);
    lines.push('  for (let tid = 0; tid < nthreads; tid++) {');
    lines.push('    if (ST[tid] !== 0) continue;');
    lines.push('    const tx = TX[tid], ty = TY[tid], tz = TZ[tid], lane = tid & 31;');
    if (this.kernel.locals.length) lines.push('    let ' + this.kernel.locals.map((l) => `${this.localName(l.id)} = 0`).join(', ') + ';');
    lines.push('    let pc = PC[tid];');
    lines.push('    const o = tid * NSAVE;');
    lines.push('    dispatch: for (;;) {');
    lines.push('      switch (pc) {');
    const order = this.layout();
    order.forEach((id, position) => {
      const c = this.cases[id]!;
      // A jump to the case laid out next falls through the switch instead.
      const next = order[position + 1];
      if (next !== undefined && c.lines[c.lines.length - 1] === `pc = ${next}; continue dispatch;`) c.lines.pop();
      lines.push(`        case ${c.id}: {`);
      for (const x of restores.get(c.id) ?? []) lines.push(`          ${this.localName(x)} = SAVE[o + ${this.saveSlots.get(x)}];`);
      for (const l of c.lines) {
        const mark = l.indexOf(SAVE_MARK);
        if (mark < 0) { lines.push('          ' + l); continue; }
        for (const save of saves.get(l.slice(mark)) ?? []) lines.push('          ' + l.slice(0, mark) + save);
      }
      lines.push('        }');
    });
    lines.push(`        default: throw new Error('kernel ' + KERNEL + ': no state ' + pc);`);
    lines.push('      }');
    lines.push('    }');
    lines.push('  }');
    lines.push('} while (!sync.resolve(bx, by, bz, nBar, barPc, barMixed, nWarp, exited));');
    return lines;
  }

  /**
   * The order cases appear in the switch: chains that follow each case's closing jump, so that most jumps
   * become fall-throughs. Chains start at the points threads resume at after a sync point, those in the most
   * loops first (the hot paths).
   */
  private layout(): number[] {
    const placed = new Set<number>();
    const order: number[] = [];
    const resumes = this.caseOrder.filter((id) => id !== 0 && this.cases[id]!.resume);
    resumes.sort((a, b) => this.cases[b]!.depth - this.cases[a]!.depth);
    const seeds = [...resumes, ...this.caseOrder];
    for (const start of seeds) {
      for (let id: number | undefined = start; id !== undefined && !placed.has(id);) {
        placed.add(id);
        order.push(id);
        const last = this.cases[id]!.lines[this.cases[id]!.lines.length - 1] ?? '';
        const m = /^pc = (\d+); continue dispatch;$/.exec(last);
        id = m ? Number(m[1]) : undefined;
      }
    }
    return order;
  }

  /** Per resume case: the cases a run started there reaches without passing a sync point. */
  private runReach(): Map<number, Set<number>> {
    const reach = new Map<number, Set<number>>();
    for (const r of this.cases) {
      if (!r.resume) continue;
      const seen = new Set<number>([r.id]);
      const stack = [r.id];
      while (stack.length) {
        for (const e of this.cases[stack.pop()!]!.edges) {
          if (!e.sync && !seen.has(e.to)) { seen.add(e.to); stack.push(e.to); }
        }
      }
      reach.set(r.id, seen);
    }
    return reach;
  }

  /**
   * Per case: the locals some run reaching it may have assigned. Any other local still equals its SAVE slot
   * there (SAVE starts each block zeroed, like the locals), so a sync exit need not save it.
   */
  private writtenInRun(reach: Map<number, Set<number>>): Set<number>[] {
    const written = this.cases.map(() => new Set<number>());
    for (const cases of reach.values()) {
      const w = new Set<number>();
      for (const d of cases) for (const x of this.cases[d]!.writes) w.add(x);
      for (const d of cases) for (const x of w) written[d]!.add(x);
    }
    return written;
  }

  /**
   * Live locals at the start of each case (backward may-liveness over the case graph, to a fixpoint); with
   * `withinRun`, only along edges that do not pass a sync point (what a run reads before assigning).
   */
  private liveness(withinRun = false): Set<number>[] {
    const live = this.cases.map((c) => new Set(c.exposed));
    for (let changed = true; changed;) {
      changed = false;
      for (let i = this.cases.length - 1; i >= 0; i--) {
        const c = this.cases[i]!;
        const set = live[i]!;
        for (const e of c.edges) {
          if (withinRun && e.sync) continue;
          for (const x of live[e.to]!) {
            if (!e.kill.has(x) && !set.has(x)) { set.add(x); changed = true; }
          }
        }
      }
    }
    return live;
  }

  private newCase(): number {
    const c = new CaseState(this.cases.length, this.loopDepth);
    this.cases.push(c);
    return c.id;
  }

  private startCase(id: number): void {
    this.current = this.cases[id]!;
    this.caseOrder.push(id);
    this.closeRegion();
  }

  private caseLine(line: string): void {
    this.current!.lines.push(line);
  }

  private edge(to: number, kill: Set<number>, sync = false, marker?: string, dest?: number): void {
    this.current!.edges.push({ to, kill: new Set(kill), sync, ...(marker ? { marker } : {}), ...(dest !== undefined ? { dest } : {}) });
  }

  /** Ends the current case with a jump (a fall-through when `target` is laid out next). */
  private jump(target: number): void {
    this.edge(target, this.current!.assigned);
    this.caseLine(`pc = ${target}; continue dispatch;`);
    this.closeRegion();
  }

  private exitThread(out: string[], indent: string): void {
    out.push(`${indent}ST[tid] = 3; exited++; break dispatch;`);
    this.closeRegion();
  }

  private tickLine(): string {
    return `if (++ticks > ${TICK_MASK}) { ticks = 0; rt.tick(L, KERNEL, ${this.where()}); }`;
  }

  private emitFlattened(stmts: IrStmt[]): void {
    for (const s of stmts) {
      if (!hasSync(s)) {
        const before = new Set(this.current!.assigned);
        this.track(s);
        const saved = this.jumpKill;
        this.jumpKill = before;
        this.emitStructured([s], this.current!.lines, '');
        this.jumpKill = saved;
        continue;
      }
      switch (s.op) {
        case 'barrier': {
          const site = this.site({ kind: 'barrier', loc: s.loc });
          const next = this.newCase();
          this.cases[next]!.resume = true;
          const marker = `${SAVE_MARK}${next}`;
          this.edge(next, this.current!.assigned, true, marker);
          this.caseLine(`// barrier() at ${s.loc.file}:${s.loc.line}:${s.loc.column}`);
          this.caseLine(marker);
          this.cases[next]!.syncSite = site;
          this.caseLine(`PC[tid] = ${next}; ST[tid] = 1; nBar++;`);
          this.caseLine(`if (barPc !== ${next}) { if (barPc < 0) barPc = ${next}; else barMixed = 1; }`);
          this.caseLine('break dispatch;');
          this.startCase(next);
          break;
        }
        case 'warp': {
          this.trackExpr(s.value);
          if (s.arg) this.trackExpr(s.arg);
          this.warpDests.add(s.dest);
          const site = this.site({ kind: 'warp', warp: { op: s.kind, type: s.type, destSlot: s.dest }, loc: s.loc });
          const next = this.newCase();
          this.cases[next]!.resume = true;
          const marker = `${SAVE_MARK}${next}`;
          this.caseLine(`// ${s.kind} across the warp at ${s.loc.file}:${s.loc.line}:${s.loc.column}`);
          // Warp operands count the loads they make, never flops.
          const value = this.top(this.current!.lines, '', () => this.expr(s.value));
          const arg = s.arg ? this.top(this.current!.lines, '', () => this.expr(s.arg!)) : '0';
          this.caseLine(`VAL[tid] = ${value}; ARG[tid] = ${arg};`);
          this.edge(next, new Set([...this.current!.assigned, s.dest]), true, marker, s.dest);
          this.caseLine(marker);
          this.cases[next]!.syncSite = site;
          this.caseLine(`PC[tid] = ${next}; ST[tid] = 2; nWarp++; break dispatch;`);
          this.startCase(next);
          break;
        }
        case 'if': {
          this.trackExpr(s.cond);
          const thenCase = this.newCase();
          const elseCase = this.newCase();
          const join = this.newCase();
          this.countFlops(exprFlops(s.cond), this.current!.lines, '');
          const cond = this.top(this.current!.lines, '', () => this.cond(s.cond));
          this.edge(thenCase, this.current!.assigned);
          this.edge(elseCase, this.current!.assigned);
          this.caseLine(`pc = ${cond} ? ${thenCase} : ${elseCase}; continue dispatch;`);
          this.startCase(thenCase);
          this.emitFlattened(s.then);
          this.jump(join);
          this.startCase(elseCase);
          this.emitFlattened(s.else);
          this.jump(join);
          this.startCase(join);
          break;
        }
        case 'loop': {
          const exit = this.newCase();
          this.loopDepth++;
          const head = this.newCase();
          const cont = this.newCase();
          this.jump(head);
          this.startCase(head);
          if (s.cond) {
            this.trackExpr(s.cond);
            this.countFlops(exprFlops(s.cond), this.current!.lines, '');
            const cond = this.top(this.current!.lines, '', () => this.cond(s.cond!));
            this.edge(exit, this.current!.assigned);
            this.caseLine(`if (!${cond}) { pc = ${exit}; continue dispatch; }`);
            this.closeRegion();
          }
          this.labels.push({ irLabel: s.label, breakCase: exit, continueCase: cont });
          this.emitFlattened(s.body);
          this.jump(cont);
          this.startCase(cont);
          this.emitFlattened(s.update);
          // A loop that stops at a sync point on every pass is checked per scheduling round instead.
          if (!syncsEveryPass(s.body, s.label)) this.caseLine(this.tickLine());
          this.jump(head);
          this.labels.pop();
          this.loopDepth--;
          this.startCase(exit);
          break;
        }
        case 'block': {
          const exit = this.newCase();
          this.labels.push({ irLabel: s.label, breakCase: exit });
          this.emitFlattened(s.body);
          this.jump(exit);
          this.labels.pop();
          this.startCase(exit);
          break;
        }
        default:
          throw new Error(`kernel ${this.kernel.name}: ${s.op} cannot hold a sync point`);
      }
    }
  }

  // Definite-assignment walk of what a case runs, to find the locals it reads before writing them.
  private trackExpr(e: IrExpr, assigned: Set<number> = this.current!.assigned): void {
    switch (e.op) {
      case 'local':
        if (!assigned.has(e.local)) this.current!.exposed.add(e.local);
        return;
      case 'binary': this.trackExpr(e.left, assigned); this.trackExpr(e.right, assigned); return;
      case 'unary': case 'convert': this.trackExpr(e.operand, assigned); return;
      case 'math': for (const a of e.args) this.trackExpr(a, assigned); return;
      case 'select': this.trackExpr(e.cond, assigned); this.trackExpr(e.ifTrue, assigned); this.trackExpr(e.ifFalse, assigned); return;
      case 'load': this.trackExpr(e.index, assigned); return;
      default: return;
    }
  }

  private track(s: IrStmt): void {
    this.trackStmts([s], this.current!.assigned);
  }

  private trackStmts(stmts: IrStmt[], assigned: Set<number>): void {
    for (const s of stmts) {
      switch (s.op) {
        case 'assign':
          this.trackExpr(s.value, assigned);
          assigned.add(s.local);
          this.current!.writes.add(s.local);
          break;
        case 'store': this.trackExpr(s.index, assigned); this.trackExpr(s.value, assigned); break;
        case 'atomic':
          this.trackExpr(s.index, assigned);
          this.trackExpr(s.value, assigned);
          if (s.dest !== null) { assigned.add(s.dest); this.current!.writes.add(s.dest); }
          break;
        case 'warp':
          this.trackExpr(s.value, assigned);
          if (s.arg) this.trackExpr(s.arg, assigned);
          assigned.add(s.dest);
          break;
        case 'if': {
          this.trackExpr(s.cond, assigned);
          const a = new Set(assigned);
          const b = new Set(assigned);
          this.trackStmts(s.then, a);
          this.trackStmts(s.else, b);
          for (const x of a) if (b.has(x)) assigned.add(x);
          break;
        }
        case 'loop': {
          if (s.cond) this.trackExpr(s.cond, assigned);
          const inner = new Set(assigned);
          this.trackStmts(s.body, inner);
          this.trackStmts(s.update, inner);
          // Second pass: a read at the top of the body may see a value written later in the previous iteration.
          if (s.cond) this.trackExpr(s.cond, inner);
          break;
        }
        case 'block': {
          const inner = new Set(assigned);
          this.trackStmts(s.body, inner);
          if (!containsJumpTo(s.body, 'break', s.label)) for (const x of inner) assigned.add(x);
          break;
        }
        default: break;
      }
    }
  }

  // ------------------------------------------------------------ structured statements

  private emitStructured(stmts: IrStmt[], out: string[], indent: string): void {
    for (const s of stmts) this.emitStmt(s, out, indent);
  }

  private emitStmt(s: IrStmt, out: string[], indent: string): void {
    switch (s.op) {
      case 'assign': {
        this.countFlops(exprFlops(s.value), out, indent);
        const value = this.top(out, indent, () => this.expr(s.value));
        out.push(`${indent}${this.localName(s.local)} = ${value};`);
        return;
      }
      case 'store': {
        this.countFlops(exprFlops(s.index) + exprFlops(s.value), out, indent);
        const m = this.memNames(s.mem);
        const site = this.site({ kind: 'write', buffer: m.name, loc: s.loc });
        // The value is evaluated before the index, as C++17 sequences `a[i] = v`.
        this.statementLoads = new Set();
        const value = this.top(out, indent, () => this.expr(s.value));
        out.push(`${indent}$a = ${value};`);
        const index = this.top(out, indent, () => this.expr(s.index));
        out.push(`${indent}$s = ${index};`);
        const loaded = this.statementLoads.has(`${m.view}[${index}]`);
        this.statementLoads = null;
        this.countAccess('writes', m.param, out, indent);
        // Probing the element is the bounds check: undefined outside the view (negative i32 indices included).
        // Not needed when the statement already loaded this element (`y[i] = a * x[i] + y[i]`): that load checked it.
        if (!loaded) out.push(`${indent}if (${m.view}[$s] === undefined) rt.oob(L, KERNEL, SITES[${site}], $s, ${m.length}, ${this.where()});`);
        out.push(`${indent}${m.view}[$s] = ${encodeStore(s.elem, '$a')};`);
        return;
      }
      case 'atomic': {
        const valueFlops = exprFlops(s.index) + exprFlops(s.value) + (s.kind === 'add' && loadedTypeOf(s.elem) === 'f32' ? 1 : 0);
        this.countFlops(valueFlops, out, indent);
        const m = this.memNames(s.mem);
        const site = this.site({ kind: 'atomic', buffer: m.name, loc: s.loc });
        const index = this.top(out, indent, () => this.expr(s.index));
        out.push(`${indent}$s = ${index};`);
        const value = this.top(out, indent, () => this.expr(s.value));
        out.push(`${indent}$a = ${value};`);
        this.countAccess('writes', m.param, out, indent);
        out.push(`${indent}$o = ${m.view}[$s];`);
        out.push(`${indent}if ($o === undefined) rt.oob(L, KERNEL, SITES[${site}], $s, ${m.length}, ${this.where()});`);
        if (s.elem === 'f16' || s.elem === 'bf16') out.push(`${indent}$o = ${decodeLoad(s.elem, '$o')};`);
        out.push(`${indent}${m.view}[$s] = ${encodeStore(s.elem, atomicCombine(s.kind, loadedTypeOf(s.elem), '$o', '$a'))};`);
        if (s.dest !== null) out.push(`${indent}${this.localName(s.dest)} = $o;`);
        return;
      }
      case 'if': {
        this.countFlops(exprFlops(s.cond), out, indent);
        const cond = this.top(out, indent, () => this.cond(s.cond));
        this.closeRegion();
        out.push(`${indent}if (${cond}) {`);
        this.emitStructured(s.then, out, indent + '  ');
        this.closeRegion();
        if (s.else.length) {
          out.push(`${indent}} else {`);
          this.emitStructured(s.else, out, indent + '  ');
          this.closeRegion();
        }
        out.push(`${indent}}`);
        return;
      }
      case 'loop': {
        const trips = boundedTrips(s);
        if (trips !== null) {
          // A short counted loop needs no deadline check of its own: its trips go to the enclosing check.
          const n = this.labelCount++;
          const loopLabel = `loop${n}`;
          const bodyLabel = `body${n}`;
          this.labels.push({ irLabel: s.label, breakJs: loopLabel, continueJs: bodyLabel });
          this.closeRegion();
          out.push(`${indent}${loopLabel}: for (;;) {`);
          this.countFlops(exprFlops(s.cond!), out, indent + '  ');
          const cond = this.top(out, indent + '  ', () => this.cond(s.cond!));
          this.closeRegion();
          out.push(`${indent}  if (!${cond}) break;`);
          out.push(`${indent}  ${bodyLabel}: {`);
          this.emitStructured(s.body, out, indent + '    ');
          this.closeRegion();
          out.push(`${indent}  }`);
          this.labels.pop();
          this.labels.push({ irLabel: s.label, breakJs: loopLabel });
          this.emitStructured(s.update, out, indent + '  ');
          this.closeRegion();
          this.labels.pop();
          out.push(`${indent}}`);
          out.push(`${indent}ticks += ${trips};`);
          return;
        }
        // The loop proper has no call in it (a call would make optimised code reload every view per iteration):
        // every 65,536 back-edges it is left for the deadline check in the wrapper, which re-enters it.
        const n = this.labelCount++;
        const outerLabel = `loop${n}`;
        const innerLabel = `iter${n}`;
        const bodyLabel = `body${n}`;
        this.labels.push({ irLabel: s.label, breakJs: outerLabel, continueJs: bodyLabel });
        this.closeRegion();
        out.push(`${indent}${outerLabel}: for (;;) {`);
        out.push(`${indent}  ${innerLabel}: for (;;) {`);
        const inner = indent + '    ';
        if (s.cond) {
          this.countFlops(exprFlops(s.cond), out, inner);
          const cond = this.top(out, inner, () => this.cond(s.cond!));
          this.closeRegion();
          out.push(`${inner}if (!${cond}) break ${outerLabel};`);
        }
        out.push(`${inner}${bodyLabel}: {`);
        this.emitStructured(s.body, out, inner + '  ');
        this.closeRegion();
        out.push(`${inner}}`);
        this.labels.pop();
        // `update` runs outside the continue target but inside the loop: a `break` there still leaves the loop.
        this.labels.push({ irLabel: s.label, breakJs: outerLabel });
        this.emitStructured(s.update, out, inner);
        this.closeRegion();
        this.labels.pop();
        out.push(`${inner}if (++ticks > ${TICK_MASK}) break;`);
        out.push(`${indent}  }`);
        out.push(`${indent}  ticks = 0; rt.tick(L, KERNEL, ${this.where()});`);
        out.push(`${indent}}`);
        return;
      }
      case 'block': {
        const label = `block${this.labelCount++}`;
        this.labels.push({ irLabel: s.label, breakJs: label });
        this.closeRegion();
        out.push(`${indent}${label}: {`);
        this.emitStructured(s.body, out, indent + '  ');
        this.closeRegion();
        out.push(`${indent}}`);
        this.labels.pop();
        return;
      }
      case 'break': case 'continue': {
        const target = this.findLabel(s.label);
        const kill = this.jumpKill ?? new Set<number>();
        if (s.op === 'break') {
          if (target.breakJs) out.push(`${indent}break ${target.breakJs};`);
          else { this.edge(target.breakCase!, kill); out.push(`${indent}pc = ${target.breakCase}; continue dispatch;`); }
        } else {
          if (target.continueJs) out.push(`${indent}break ${target.continueJs};`);
          else if (target.continueCase !== undefined) { this.edge(target.continueCase, kill); out.push(`${indent}pc = ${target.continueCase}; continue dispatch;`); }
          else throw new Error(`kernel ${this.kernel.name}: continue to ${s.label}, which is not a loop`);
        }
        this.closeRegion();
        return;
      }
      case 'return':
        if (this.stateMachine) this.exitThread(out, indent);
        else out.push(`${indent}continue thread;`);
        this.closeRegion();
        return;
      case 'barrier': case 'warp':
        throw new Error(`kernel ${this.kernel.name}: ${s.op} reached the sync-free renderer`);
    }
  }

  /** Renders a statement-level expression, first emitting the loads it always performs. */
  private top(out: string[], indent: string, render: () => string): string {
    const saved = this.hoist;
    const savedReads = this.hoistReads;
    this.hoist = [];
    this.hoistReads = [];
    const text = render();
    for (const param of this.hoistReads) this.countAccess('reads', param, out, indent);
    for (const line of this.hoist) out.push(indent + line);
    this.hoist = saved;
    this.hoistReads = savedReads;
    return text;
  }

  /** Renders a subexpression that may not be evaluated (select arms, right of && / ||): its loads stay inline. */
  private inline(render: () => string): string {
    const saved = this.hoist;
    this.hoist = null;
    const text = render();
    this.hoist = saved;
    return text;
  }

  private findLabel(label: string): LabelTarget {
    for (let i = this.labels.length - 1; i >= 0; i--) if (this.labels[i]!.irLabel === label) return this.labels[i]!;
    throw new Error(`kernel ${this.kernel.name}: break/continue to unknown label ${label}`);
  }

  // ------------------------------------------------------------ expressions

  /** A JS boolean-ish expression for a `bool` IR expression used as a condition. */
  private cond(e: IrExpr): string {
    if (e.op === 'binary') {
      switch (e.kind) {
        case '==': return `(${this.expr(e.left)} === ${this.expr(e.right)})`;
        case '!=': return `(${this.expr(e.left)} !== ${this.expr(e.right)})`;
        case '<': case '<=': case '>': case '>=': return `(${this.expr(e.left)} ${e.kind} ${this.expr(e.right)})`;
        case '&&': case '||': {
          const left = this.cond(e.left);
          return `(${left} ${e.kind} ${this.inline(() => this.cond(e.right))})`;
        }
        default: break;
      }
    }
    if (e.op === 'unary' && e.kind === '!') return `!${this.cond(e.operand)}`;
    if (e.op === 'const') return e.value ? 'true' : 'false';
    return `(${this.expr(e)} !== 0)`;
  }

  /** A JS expression with the exact value of `e` (bools as 0/1). */
  private expr(e: IrExpr): string {
    switch (e.op) {
      case 'const': return numberLiteral(e.value, e.type);
      case 'local': return this.localName(e.local);
      case 'param': return this.paramName(e.param);
      case 'geometry': return geometry(e.name, this.stateMachine);
      case 'binary': return this.binary(e);
      case 'unary': {
        if (e.kind === '!') return `(${this.cond(e.operand)} ? 0 : 1)`;
        const a = this.expr(e.operand);
        if (e.kind === '~') return e.type === 'u32' ? `(~${a} >>> 0)` : `(~${a})`;
        if (e.type === 'f32') return `(-${a})`;
        return e.type === 'u32' ? `((-${a}) >>> 0)` : `((-${a}) | 0)`;
      }
      case 'convert': return convert(this.expr(e.operand), e.from, e.type);
      case 'math': return this.math(e.fn, e.type, e.args);
      case 'select': {
        const cond = this.cond(e.cond);
        return `(${cond} ? ${this.inline(() => this.expr(e.ifTrue))} : ${this.inline(() => this.expr(e.ifFalse))})`;
      }
      case 'load': return this.load(e.mem, e.elem, e.index, e.loc);
    }
  }

  private load(mem: IrMemRef, elem: StorageType, index: IrExpr, loc: SourceLoc): string {
    const m = this.memNames(mem);
    const site = this.site({ kind: 'read', buffer: m.name, loc });
    const simple = index.op === 'local' || index.op === 'param' || index.op === 'const' || index.op === 'geometry';
    const idx = this.expr(index);
    const n = this.tempCount++;
    const i = simple ? idx : `$i${n}`;
    // A typed array yields undefined outside its bounds (negative i32 indices included): that is the check,
    // and optimised code keeps it as the view's own bounds check.
    const fault = `rt.oob(L, KERNEL, SITES[${site}], ${i}, ${m.length}, ${this.where()})`;
    if (this.hoist) {
      // Unconditional load: loaded and checked as statements before the one that uses it, counted with its region.
      this.statementLoads?.add(`${m.view}[${idx}]`);
      if (!simple) this.hoist.push(`$i${n} = ${idx};`);
      this.hoist.push(`$v${n} = ${m.view}[${i}];`);
      this.hoist.push(`if ($v${n} === undefined) ${fault};`);
      if (m.param !== null) this.hoistReads.push(m.param);
      return decodeLoad(elem, `$v${n}`);
    }
    const value = decodeLoad(elem, `$v${n}`);
    let counted = value;
    if (m.param !== null) {
      this.dynamicReads.add(m.param);
      counted = `(${this.paramName(m.param)}reads += 1, ${value})`;
    }
    return `(($v${n} = ${m.view}[${simple ? idx : `(${i} = ${idx})`}]) === undefined ? ${fault} : ${counted})`;
  }

  private binary(e: Extract<IrExpr, { op: 'binary' }>): string {
    const t = e.operandType;
    if (e.type === 'bool' && ['==', '!=', '<', '<=', '>', '>=', '&&', '||'].includes(e.kind)) return `(${this.cond(e)} ? 1 : 0)`;
    const a = this.expr(e.left);
    const b = this.expr(e.right);
    const constB = e.right.op === 'const' ? e.right.value : null;
    if (t === 'f32') {
      switch (e.kind) {
        case '+': case '-': case '*': case '/': case '%': return `fround(${a} ${e.kind} ${b})`;
        default: throw new Error(`kernel ${this.kernel.name}: no f32 ${e.kind}`);
      }
    }
    const wrap = t === 'u32' ? (x: string) => `((${x}) >>> 0)` : t === 'i32' ? (x: string) => `((${x}) | 0)` : (x: string) => `(${x})`;
    switch (e.kind) {
      case '+': case '-': return wrap(`${a} ${e.kind} ${b}`);
      case '*': return t === 'u32' ? `(imul(${a}, ${b}) >>> 0)` : `imul(${a}, ${b})`;
      case '/':
        if (constB !== null && constB !== 0) return wrap(`${a} / ${b}`);
        return t === 'u32' ? `div_u32(${a}, ${b})` : `div_i32(${a}, ${b})`;
      case '%':
        if (constB !== null && constB !== 0) return t === 'u32' ? `(${a} % ${b})` : `((${a} % ${b}) | 0)`;
        return t === 'u32' ? `rem_u32(${a}, ${b})` : `rem_i32(${a}, ${b})`;
      case '&': case '|': case '^': return t === 'u32' ? `((${a} ${e.kind} ${b}) >>> 0)` : `(${a} ${e.kind} ${b})`;
      case '<<':
        if (constB !== null && constB >= 0 && constB < 32) return t === 'u32' ? `((${a} << ${b}) >>> 0)` : `(${a} << ${b})`;
        return t === 'u32' ? `(shl(${a}, ${b}) >>> 0)` : `shl(${a}, ${b})`;
      case '>>':
        if (constB !== null && constB >= 0 && constB < 32) return t === 'u32' ? `(${a} >>> ${b})` : `(${a} >> ${b})`;
        return t === 'u32' ? `shr_u32(${a}, ${b})` : `shr_i32(${a}, ${b})`;
      default: throw new Error(`kernel ${this.kernel.name}: no ${t} ${e.kind}`);
    }
  }

  private math(fn: string, type: ValueType, args: IrExpr[]): string {
    const a = args.map((x) => this.expr(x));
    const f = type === 'f32';
    switch (fn) {
      case 'exp': return `fround(Math.exp(${a[0]}))`;
      case 'exp2': return `fround(Math.pow(2, ${a[0]}))`;
      case 'log': return `fround(Math.log(${a[0]}))`;
      case 'log2': return `fround(Math.log2(${a[0]}))`;
      case 'sqrt': return `fround(Math.sqrt(${a[0]}))`;
      case 'rsqrt': return `fround(1 / Math.sqrt(${a[0]}))`;
      case 'sin': return `fround(Math.sin(${a[0]}))`;
      case 'cos': return `fround(Math.cos(${a[0]}))`;
      case 'tanh': return `fround(Math.tanh(${a[0]}))`;
      case 'pow': return `fround(Math.pow(${a[0]}, ${a[1]}))`;
      case 'fma': return `fround(${a[0]} * ${a[1]} + ${a[2]})`;
      case 'floor': return `Math.floor(${a[0]})`;
      case 'ceil': return `Math.ceil(${a[0]})`;
      case 'round': return `roundf(${a[0]})`;
      case 'abs':
        if (f) return `Math.abs(${a[0]})`;
        return type === 'u32' ? `${a[0]}` : `(Math.abs(${a[0]}) | 0)`;
      case 'min': return f ? `fminf(${a[0]}, ${a[1]})` : `Math.min(${a[0]}, ${a[1]})`;
      case 'max': return f ? `fmaxf(${a[0]}, ${a[1]})` : `Math.max(${a[0]}, ${a[1]})`;
      case 'clamp': return f ? `fminf(fmaxf(${a[0]}, ${a[1]}), ${a[2]})` : `Math.min(Math.max(${a[0]}, ${a[1]}), ${a[2]})`;
      case 'ceil_div': return type === 'u32' ? `cdiv_u32(${a[0]}, ${a[1]})` : `cdiv_i32(${a[0]}, ${a[1]})`;
      case 'bitcast_f32': return `($u[0] = ${a[0]}, $f[0])`;
      case 'bitcast_u32': return `($f[0] = ${a[0]}, $u[0])`;
      case 'f16_bits': return `F16[${a[0]} & 65535]`;
      case 'bf16_bits': return `($u[0] = (${a[0]} & 65535) << 16, $f[0])`;
      default: throw new Error(`kernel ${this.kernel.name}: no math function ${fn} for ${type}`);
    }
  }
}

/** Every pass through a loop body that gets to the next pass stops at a sync point first (a conservative check). */
function syncsEveryPass(body: IrStmt[], label: string): boolean {
  return body.some((s) => s.op === 'barrier' || s.op === 'warp') && !containsJumpTo(body, 'continue', label);
}

function containsJumpTo(stmts: IrStmt[], op: 'break' | 'continue', label: string): boolean {
  return stmts.some((s) => {
    switch (s.op) {
      case 'break': case 'continue': return s.op === op && s.label === label;
      case 'if': return containsJumpTo(s.then, op, label) || containsJumpTo(s.else, op, label);
      case 'loop': return containsJumpTo(s.body, op, label) || containsJumpTo(s.update, op, label);
      case 'block': return containsJumpTo(s.body, op, label);
      default: return false;
    }
  });
}


/** Most trips of a loop that needs no deadline check of its own. */
const BOUNDED_TRIPS = 4096;

/**
 * The most trips of an innermost loop `i < C; i = i + S` over a u32 `i` that its body does not assign, with
 * constants C ≤ 4096 and S ≥ 1 (it cannot wrap: `i + S` runs only when `i < C`); null for any other loop.
 */
function boundedTrips(s: Extract<IrStmt, { op: 'loop' }>): number | null {
  const c = s.cond;
  if (!c || c.op !== 'binary' || c.kind !== '<' || c.operandType !== 'u32' || c.left.op !== 'local' || c.right.op !== 'const') return null;
  const local = c.left.local;
  const bound = c.right.value;
  if (!(bound >= 0 && bound <= BOUNDED_TRIPS)) return null;
  const u = s.update;
  if (u.length !== 1) return null;
  const a = u[0]!;
  if (a.op !== 'assign' || a.local !== local) return null;
  const v = a.value;
  if (v.op !== 'binary' || v.kind !== '+' || v.operandType !== 'u32' || v.left.op !== 'local' || v.left.local !== local || v.right.op !== 'const') return null;
  const step = v.right.value;
  if (!(step >= 1)) return null;
  if (!s.body.every((x) => innermostWithout(x, local))) return null;
  return Math.ceil(bound / step);
}

/** No loop inside, and nothing assigns `local`. */
function innermostWithout(s: IrStmt, local: number): boolean {
  switch (s.op) {
    case 'loop': return false;
    case 'assign': return s.local !== local;
    case 'atomic': return s.dest !== local;
    case 'warp': return s.dest !== local;
    case 'if': return s.then.every((x) => innermostWithout(x, local)) && s.else.every((x) => innermostWithout(x, local));
    case 'block': return s.body.every((x) => innermostWithout(x, local));
    default: return true;
  }
}

function counts(r: Region): boolean {
  return r.flops > 0 || r.reads.size > 0 || r.writes.size > 0;
}

function loadedTypeOf(elem: StorageType): ValueType {
  return elem === 'f32' || elem === 'f16' || elem === 'bf16' ? 'f32' : elem === 'u32' ? 'u32' : 'i32';
}

function sharedArrayClass(elem: StorageType): string {
  switch (elem) {
    case 'f32': return 'Float32Array';
    case 'f16': case 'bf16': return 'Uint16Array';
    case 'i32': return 'Int32Array';
    case 'u32': return 'Uint32Array';
    case 'i8': return 'Int8Array';
    case 'u8': return 'Uint8Array';
  }
}

function decodeLoad(elem: StorageType, raw: string): string {
  if (elem === 'f16') return `F16[${raw}]`;
  if (elem === 'bf16') return `($u[0] = ${raw} << 16, $f[0])`;
  return raw;
}

function encodeStore(elem: StorageType, value: string): string {
  if (elem === 'f16') return `f16(${value})`;
  if (elem === 'bf16') return `bf16(${value})`;
  return value;
}

function atomicCombine(kind: 'add' | 'max' | 'min', type: ValueType, old: string, value: string): string {
  if (type === 'f32') {
    if (kind === 'add') return `fround(${old} + ${value})`;
    return kind === 'max' ? `fmaxf(${old}, ${value})` : `fminf(${old}, ${value})`;
  }
  if (kind === 'add') return type === 'u32' ? `((${old} + ${value}) >>> 0)` : `((${old} + ${value}) | 0)`;
  return kind === 'max' ? `Math.max(${old}, ${value})` : `Math.min(${old}, ${value})`;
}

function convert(a: string, from: ValueType, to: ValueType): string {
  if (from === to) return a;
  if (from === 'f32') {
    if (to === 'i32') return `f2i(${a})`;
    if (to === 'u32') return `f2u(${a})`;
  }
  if (to === 'f32') return from === 'bool' ? a : `fround(${a})`;
  if (to === 'u32') return from === 'bool' ? a : `(${a} >>> 0)`;
  if (to === 'i32') return from === 'bool' ? a : `(${a} | 0)`;
  if (to === 'bool') return `(${a} !== 0 ? 1 : 0)`;
  throw new Error(`no conversion from ${from} to ${to}`);
}

function numberLiteral(value: number, type: ValueType): string {
  if (type === 'f32') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Infinity) return 'Infinity';
    if (value === -Infinity) return '(-Infinity)';
    if (Object.is(value, -0)) return '(-0)';
    const f = Math.fround(value);
    return f < 0 ? `(${f})` : String(f);
  }
  if (type === 'bool') return value ? '1' : '0';
  return value < 0 ? `(${value})` : String(value);
}

function geometry(name: string, stateMachine: boolean): string {
  switch (name) {
    case 'thread.x': return 'tx';
    case 'thread.y': return 'ty';
    case 'thread.z': return 'tz';
    case 'block.x': return 'bx';
    case 'block.y': return 'by';
    case 'block.z': return 'bz';
    case 'block_dim.x': return 'bdx';
    case 'block_dim.y': return 'bdy';
    case 'block_dim.z': return 'bdz';
    case 'grid_dim.x': return 'gdx';
    case 'grid_dim.y': return 'gdy';
    case 'grid_dim.z': return 'gdz';
    case 'lane': return stateMachine ? 'lane' : '(((tz * bdy + ty) * bdx + tx) & 31)';
    case 'warp_size': return '32';
    default: throw new Error(`no geometry ${name}`);
  }
}
