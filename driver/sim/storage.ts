// Exact storage conversions of the simulated eGPU: f16 / bf16 encode (round to nearest even) and decode,
// f32 bit casts, and the typed-array view each storage type lives in.
import type { StorageType } from '../../kernels/lang/ir';

const scratch = new ArrayBuffer(4);
const scratchF32 = new Float32Array(scratch);
const scratchU32 = new Uint32Array(scratch);

/** The 32 bits of an f32 value (the value is rounded to f32 first). */
export function f32ToBits(value: number): number {
  scratchF32[0] = value;
  return scratchU32[0]!;
}

/** The f32 value of 32 bits. */
export function bitsToF32(bits: number): number {
  scratchU32[0] = bits;
  return scratchF32[0]!;
}

/** Exact decode of an f16 bit pattern (low 16 bits of `bits`). */
export function f16BitsToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/** Every f16 bit pattern decoded, so loads are one table lookup. */
export const F16_TABLE: Float32Array = (() => {
  const table = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) table[bits] = f16BitsToF32(bits);
  // Keep NaN payloads visible to bitcast_u32: quiet NaN with the f16 payload shifted into place.
  for (let bits = 0; bits < 65536; bits++) {
    if (((bits >>> 10) & 0x1f) === 0x1f && (bits & 0x3ff) !== 0) {
      table[bits] = bitsToF32(((bits & 0x8000) << 16) | 0x7f800000 | ((bits & 0x3ff) << 13) | 0x400000);
    }
  }
  return table;
})();

/**
 * f32 value -> f16 bits, round to nearest even; overflow goes to ±inf, tiny values to subnormals or ±0,
 * NaN stays a (quiet) NaN keeping the top of its payload.
 */
export function f32ToF16Bits(value: number): number {
  const x = f32ToBits(value);
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return mantissa === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mantissa >>> 13);
  // Unbiased exponent e: f16 normals cover e in [-14, 15].
  const e = exponent - 127;
  if (e > 15) return sign | 0x7c00;
  if (e >= -14) {
    // Normal: 10 mantissa bits kept, 13 dropped.
    let half = ((e + 15) << 10) | (mantissa >>> 13);
    const rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half += 1; // may carry into inf: correct
    return sign | half;
  }
  if (e < -25) return sign; // below half the smallest subnormal (2^-25): rounds to zero
  // Subnormal: value = m * 2^-24 with the implicit bit included (f32 subnormals are far below, so exponent > 0).
  const full = mantissa | 0x800000; // 24 bits, value = full * 2^(e-23)
  const shift = -e - 1; // result = full >> (shift) rounded, since 2^(e-23) / 2^-24 = 2^(e+1)
  const kept = full >>> shift;
  const rest = full & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  let result = kept;
  if (rest > halfway || (rest === halfway && (kept & 1) === 1)) result += 1;
  return sign | result;
}

/** Exact decode of a bf16 bit pattern (low 16 bits). */
export function bf16BitsToF32(bits: number): number {
  return bitsToF32((bits & 0xffff) << 16);
}

/** f32 value -> bf16 bits, round to nearest even; NaN stays a quiet NaN. */
export function f32ToBf16Bits(value: number): number {
  const x = f32ToBits(value);
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

export type StorageView = Float32Array | Uint16Array | Int32Array | Uint32Array | Int8Array | Uint8Array;

/** The typed-array view a storage type is held in (f16 and bf16 as raw 16-bit patterns). */
export function storageView(elem: StorageType, data: ArrayBufferLike, byteOffset = 0, length?: number): StorageView {
  switch (elem) {
    case 'f32': return new Float32Array(data, byteOffset, length);
    case 'f16': case 'bf16': return new Uint16Array(data, byteOffset, length);
    case 'i32': return new Int32Array(data, byteOffset, length);
    case 'u32': return new Uint32Array(data, byteOffset, length);
    case 'i8': return new Int8Array(data, byteOffset, length);
    case 'u8': return new Uint8Array(data, byteOffset, length);
  }
}

/** Encodes host numbers into storage bytes exactly as a kernel store would. */
export function encodeElements(elem: StorageType, values: ArrayLike<number>): Uint8Array {
  const out = new ArrayBuffer(values.length * bytesOf(elem));
  const view = storageView(elem, out);
  for (let i = 0; i < values.length; i++) view[i] = encodeElement(elem, values[i]!);
  return new Uint8Array(out);
}

/** Decodes storage bytes into numbers exactly as a kernel load would. */
export function decodeElements(elem: StorageType, bytes: Uint8Array): number[] {
  const size = bytesOf(elem);
  const copy = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  const view = storageView(elem, copy.buffer, copy.byteOffset, Math.floor(copy.byteLength / size));
  const out = new Array<number>(view.length);
  for (let i = 0; i < view.length; i++) out[i] = decodeElement(elem, view[i]!);
  return out;
}

function encodeElement(elem: StorageType, value: number): number {
  if (elem === 'f16') return f32ToF16Bits(value);
  if (elem === 'bf16') return f32ToBf16Bits(value);
  return value;
}

function decodeElement(elem: StorageType, raw: number): number {
  if (elem === 'f16') return F16_TABLE[raw]!;
  if (elem === 'bf16') return bf16BitsToF32(raw);
  return raw;
}

function bytesOf(elem: StorageType): number {
  return elem === 'f32' || elem === 'i32' || elem === 'u32' ? 4 : elem === 'f16' || elem === 'bf16' ? 2 : 1;
}
