// The checker's view of Kern types and compile-time constant values, with their display strings and
// range rules. Shared by checker.ts, uniformity.ts and lower.ts.
import type { StorageType, ValueType } from './ir';

export type HostScalar = 'int' | 'float' | 'bool';

export type Ty =
  | { kind: 'value'; type: ValueType }
  | { kind: 'buffer'; elem: StorageType; mutable: boolean }
  | { kind: 'shared'; elem: StorageType; length: number }
  /** Run-block scalar. */
  | { kind: 'host'; type: HostScalar }
  /** Run-block buffer; count shown when constant. */
  | { kind: 'hostbuf'; elem: StorageType; count: number | null }
  | { kind: 'fn' }
  | { kind: 'kernel' }
  | { kind: 'run' }
  | { kind: 'void' }
  /** Stands for an expression that already has a diagnostic: suppresses follow-on errors. */
  | { kind: 'error' };

export const ERROR: Ty = { kind: 'error' };
export const VOID: Ty = { kind: 'void' };
export const BOOL: Ty = { kind: 'value', type: 'bool' };
export const I32: Ty = { kind: 'value', type: 'i32' };
export const U32: Ty = { kind: 'value', type: 'u32' };
export const F32: Ty = { kind: 'value', type: 'f32' };

// Types are never mutated, so each scalar type is one shared object rather than a new one per expression.
const VALUE_TYS: Record<string, Ty> = { bool: BOOL, i32: I32, u32: U32, f32: F32 };
const HOST_TYS: Record<string, Ty> = { int: { kind: 'host', type: 'int' }, float: { kind: 'host', type: 'float' }, bool: { kind: 'host', type: 'bool' } };

export function valueTy(t: ValueType): Ty {
  return VALUE_TYS[t] ?? { kind: 'value', type: t };
}

export function hostTy(t: HostScalar): Ty {
  return HOST_TYS[t] ?? { kind: 'host', type: t };
}

export const VALUE_TYPES: readonly string[] = ['bool', 'i32', 'u32', 'f32'];
export const STORAGE_TYPES: readonly string[] = ['f32', 'f16', 'bf16', 'i32', 'u32', 'i8', 'u8'];

export function isValueType(name: string): name is ValueType {
  return VALUE_TYPES.includes(name);
}

export function isStorageType(name: string): name is StorageType {
  return STORAGE_TYPES.includes(name);
}

export function isInt(t: ValueType | HostScalar): boolean {
  return t === 'i32' || t === 'u32' || t === 'int';
}

export function isNumeric(t: ValueType | HostScalar): boolean {
  return t !== 'bool';
}

/** How a type is shown in hovers and messages. */
export function showTy(t: Ty): string {
  switch (t.kind) {
    case 'value': return t.type;
    case 'buffer': return `${t.mutable ? 'mut ' : ''}${t.elem}[]`;
    case 'shared': return `${t.elem}[${t.length}]`;
    case 'host': return t.type;
    case 'hostbuf': return `buffer ${t.elem}[${t.count ?? ''}]`;
    case 'fn': return 'fn';
    case 'kernel': return 'kernel';
    case 'run': return 'run';
    case 'void': return '()';
    case 'error': return '{unknown}';
  }
}

/** The host type device values map to (consts used in run blocks). */
export function hostOf(t: ValueType): HostScalar {
  return t === 'f32' ? 'float' : t === 'bool' ? 'bool' : 'int';
}

/** A compile-time value: integers exact (bigint), floats as f32-rounded doubles, bools. */
export type ConstVal = { kind: 'int'; value: bigint } | { kind: 'float'; value: number } | { kind: 'bool'; value: boolean };

export const INT_RANGE: Record<'i32' | 'u32', [bigint, bigint]> = {
  i32: [-(2n ** 31n), 2n ** 31n - 1n],
  u32: [0n, 2n ** 32n - 1n],
};

export function fits(v: bigint, t: 'i32' | 'u32'): boolean {
  const [lo, hi] = INT_RANGE[t];
  return v >= lo && v <= hi;
}

/** Wraps an integer to a 32-bit type (as the hardware does for shifts and bit operations). */
export function wrap(v: bigint, t: 'i32' | 'u32'): bigint {
  return t === 'u32' ? BigInt.asUintN(32, v) : BigInt.asIntN(32, v);
}

/** The JS number an IR const holds for a ConstVal. */
export function constNumber(c: ConstVal): number {
  switch (c.kind) {
    case 'int': return Number(c.value);
    case 'float': return c.value;
    case 'bool': return c.value ? 1 : 0;
  }
}

export function showConst(c: ConstVal): string {
  return c.kind === 'bool' ? String(c.value) : String(c.value);
}
