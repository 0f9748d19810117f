// Per-thread cost of a kernel estimated from its IR (global bytes moved and FP32 flops), its arithmetic
// intensity, and which roof of the selected device it sits under. Shown on hover over a kernel name.
import { STORAGE_BYTES, type IrExpr, type IrKernel, type IrStmt } from '../kernels/lang/ir';
import type { KernDeviceCeilings } from './protocol';

export interface CostBucket {
  loadBytes: number;
  storeBytes: number;
  sharedBytes: number;
  flops: number;
}

export interface KernelCost {
  /** Work done once per thread (outside every loop). */
  straight: CostBucket;
  /** Work done per iteration of the loops (all loops summed; trip counts are unknown). */
  perIteration: CostBucket;
  loops: number;
  branches: boolean;
}

const empty = (): CostBucket => ({ loadBytes: 0, storeBytes: 0, sharedBytes: 0, flops: 0 });

function add(into: CostBucket, from: CostBucket): void {
  into.loadBytes += from.loadBytes;
  into.storeBytes += from.storeBytes;
  into.sharedBytes += from.sharedBytes;
  into.flops += from.flops;
}

function maxOf(a: CostBucket, b: CostBucket): CostBucket {
  const total = (c: CostBucket) => c.loadBytes + c.storeBytes + c.flops;
  return total(a) >= total(b) ? a : b;
}

/** Counts the loads, stores and flops of a kernel; loops count once with unknown trip counts, if/else the heavier branch. */
export function kernelCost(kernel: IrKernel): KernelCost {
  const cost: KernelCost = { straight: empty(), perIteration: empty(), loops: 0, branches: false };
  const expr = (e: IrExpr, into: CostBucket): void => {
    switch (e.op) {
      case 'binary':
        if (e.operandType === 'f32' && ['+', '-', '*', '/', '%'].includes(e.kind)) into.flops += 1;
        expr(e.left, into);
        expr(e.right, into);
        return;
      case 'unary': expr(e.operand, into); return;
      case 'convert': expr(e.operand, into); return;
      case 'math':
        if (e.type === 'f32' || e.fn === 'fma') into.flops += e.fn === 'fma' ? 2 : 1;
        e.args.forEach((a) => expr(a, into));
        return;
      case 'select': expr(e.cond, into); expr(e.ifTrue, into); expr(e.ifFalse, into); return;
      case 'load':
        if (e.mem.space === 'global') into.loadBytes += STORAGE_BYTES[e.elem];
        else into.sharedBytes += STORAGE_BYTES[e.elem];
        expr(e.index, into);
        return;
      default:
        return;
    }
  };
  const stmts = (list: IrStmt[], into: CostBucket, inLoop: boolean): void => {
    for (const s of list) {
      switch (s.op) {
        case 'assign': expr(s.value, into); break;
        case 'store':
          if (s.mem.space === 'global') into.storeBytes += STORAGE_BYTES[s.elem];
          else into.sharedBytes += STORAGE_BYTES[s.elem];
          expr(s.index, into);
          expr(s.value, into);
          break;
        case 'if': {
          cost.branches = true;
          expr(s.cond, into);
          const a = empty();
          const b = empty();
          stmts(s.then, a, inLoop);
          stmts(s.else, b, inLoop);
          add(into, maxOf(a, b));
          break;
        }
        case 'loop': {
          cost.loops++;
          const body = inLoop ? into : cost.perIteration;
          if (s.cond) expr(s.cond, body);
          stmts(s.body, body, true);
          stmts(s.update, body, true);
          break;
        }
        case 'block': stmts(s.body, into, inLoop); break;
        case 'warp': expr(s.value, into); if (s.arg) expr(s.arg, into); if (s.kind === 'sum' && s.type === 'f32') into.flops += 5; break;
        case 'atomic':
          if (s.mem.space === 'global') {
            into.loadBytes += STORAGE_BYTES[s.elem];
            into.storeBytes += STORAGE_BYTES[s.elem];
          } else into.sharedBytes += 2 * STORAGE_BYTES[s.elem];
          if (s.type === 'f32') into.flops += 1;
          expr(s.index, into);
          expr(s.value, into);
          break;
        default: break;
      }
    }
  };
  stmts(kernel.body, cost.straight, false);
  return cost;
}

export interface RoofVerdict {
  intensity: number | null;
  ridge: number;
  bound: 'memory' | 'compute' | 'none';
  attainableGFlops: number | null;
  linkGFlops: number | null;
}

/** Intensity (the loop body dominates when there are loops) and the roof it sits under. */
export function roofVerdict(cost: KernelCost, ceilings: KernDeviceCeilings): RoofVerdict {
  const dominant = cost.loops > 0 && cost.perIteration.loadBytes + cost.perIteration.storeBytes + cost.perIteration.flops > 0 ? cost.perIteration : cost.straight;
  const bytes = dominant.loadBytes + dominant.storeBytes;
  const ridge = (ceilings.fp32TFLOPS * 1e12) / (ceilings.memoryGBps * 1e9);
  const peakGFlops = ceilings.fp32TFLOPS * 1e3;
  if (bytes === 0) {
    return { intensity: null, ridge, bound: dominant.flops > 0 ? 'compute' : 'none', attainableGFlops: dominant.flops > 0 ? peakGFlops : null, linkGFlops: null };
  }
  const intensity = dominant.flops / bytes;
  const memoryRoof = intensity * ceilings.memoryGBps;
  return {
    intensity,
    ridge,
    bound: intensity < ridge ? 'memory' : 'compute',
    attainableGFlops: Math.min(memoryRoof, peakGFlops),
    linkGFlops: Math.min(intensity * ceilings.linkH2DGBps, peakGFlops),
  };
}

function fmt(n: number): string {
  if (n === 0) return '0';
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 1) return String(Math.round(n * 100) / 100);
  return String(Number(n.toPrecision(2)));
}

function describeBucket(b: CostBucket): string {
  const bytes = b.loadBytes + b.storeBytes;
  const shared = b.sharedBytes > 0 ? `, ${fmt(b.sharedBytes)} B shared` : '';
  return `${fmt(bytes)} B global (${fmt(b.loadBytes)} B loaded, ${fmt(b.storeBytes)} B stored)${shared}, ${fmt(b.flops)} FLOP`;
}

/** The hover text for a kernel's cost on a device (markdown lines). */
export function describeKernelCost(cost: KernelCost, deviceName: string, ceilings: KernDeviceCeilings): string[] {
  const lines: string[] = [];
  lines.push(`**Per thread:** ${describeBucket(cost.straight)}`);
  if (cost.loops > 0) {
    lines.push(`**Per loop iteration:** ${describeBucket(cost.perIteration)} — ${cost.loops === 1 ? 'the loop\'s trip count is' : `${cost.loops} loops; their trip counts are`} unknown, so totals grow with it`);
  }
  if (cost.branches) lines.push('_Branches counted as taken (the heavier side of each if/else)._');
  const v = roofVerdict(cost, ceilings);
  if (v.intensity === null) {
    lines.push(v.bound === 'compute' ? '**Arithmetic intensity:** no global memory traffic — compute-bound.' : '**Arithmetic intensity:** no global memory traffic and no FP32 work.');
  } else {
    lines.push(`**Arithmetic intensity:** ${fmt(v.intensity)} FLOP/B${cost.loops > 0 ? ' (loop body)' : ''}`);
    const roof = v.bound === 'memory'
      ? `under the **memory roof** (${fmt(ceilings.memoryGBps)} GB/s): at most ${fmt(v.attainableGFlops!)} GFLOP/s of ${fmt(ceilings.fp32TFLOPS * 1e3)}; the ridge point is ${fmt(v.ridge)} FLOP/B`
      : `under the **compute roof** (${fmt(ceilings.fp32TFLOPS)} TFLOPS FP32): intensity is above the ridge point of ${fmt(v.ridge)} FLOP/B`;
    lines.push(`On **${deviceName}**: ${roof}.`);
    lines.push(`If its data crossed the link every launch (${fmt(ceilings.linkH2DGBps)} GB/s), the link roof would cap it at ${fmt(v.linkGFlops!)} GFLOP/s.`);
  }
  return lines;
}
