// Exactness of the simulator's storage conversions: f16 / bf16 round to nearest even, i8 / u8 wrap,
// checked against independent references (nearest-value search, bit twiddles) and through real kernel stores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bf16BitsToF32, bitsToF32, decodeElements, encodeElements, f16BitsToF32, f32ToBf16Bits, f32ToBits, f32ToF16Bits, F16_TABLE,
} from '../../driver/sim/storage';
import { compileKernel, executeKernel } from '../../driver/sim/executor';
import { KernelBuilder, buf, contents, geo } from './ir-builders';

/** The positive finite f16 values in bit order (which is value order). */
const POSITIVE_F16 = Array.from({ length: 0x7c00 }, (_, bits) => f16BitsToF32(bits));

/** Reference f16 rounding: the nearest f16 by search, ties to the even bit pattern, past 65520 to inf. */
function referenceF16(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const v = Math.abs(value);
  if (v >= 65520) return sign | 0x7c00;
  let lo = 0;
  let hi = POSITIVE_F16.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (POSITIVE_F16[mid]! <= v) lo = mid;
    else hi = mid;
  }
  if (POSITIVE_F16[hi]! <= v) lo = hi;
  if (POSITIVE_F16[lo] === v || lo === POSITIVE_F16.length - 1) return sign | lo;
  const below = v - POSITIVE_F16[lo]!;
  const above = POSITIVE_F16[lo + 1]! - v;
  if (below < above) return sign | lo;
  if (above < below) return sign | (lo + 1);
  return sign | (lo % 2 === 0 ? lo : lo + 1);
}

/** A deterministic stream of 32-bit patterns. */
function* randomBits(count: number, seed: number): Generator<number> {
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    yield s;
  }
}

test('every f16 bit pattern decodes and re-encodes to itself (NaNs stay NaN)', () => {
  for (let bits = 0; bits < 65536; bits++) {
    const value = F16_TABLE[bits]!;
    const isNaN = ((bits >>> 10) & 0x1f) === 0x1f && (bits & 0x3ff) !== 0;
    if (isNaN) {
      assert.ok(Number.isNaN(value), `0x${bits.toString(16)} decodes to NaN`);
      assert.ok(Number.isNaN(f16BitsToF32(f32ToF16Bits(value))), `0x${bits.toString(16)} re-encodes to a NaN`);
    } else {
      assert.equal(f32ToF16Bits(value), bits, `0x${bits.toString(16)} (${value}) round-trips`);
    }
  }
});

test('f16 decode is exact at the edges', () => {
  assert.equal(F16_TABLE[0x0001], 2 ** -24); // smallest subnormal
  assert.equal(F16_TABLE[0x03ff], 1023 * 2 ** -24); // largest subnormal
  assert.equal(F16_TABLE[0x0400], 2 ** -14); // smallest normal
  assert.equal(F16_TABLE[0x7bff], 65504);
  assert.equal(F16_TABLE[0x7c00], Infinity);
  assert.equal(F16_TABLE[0xfc00], -Infinity);
  assert.ok(Object.is(F16_TABLE[0x8000], -0));
  assert.equal(F16_TABLE[0x3c00], 1);
  assert.equal(F16_TABLE[0xc000], -2);
});

test('f16 encode rounds to nearest even: ties, overflow, subnormals, underflow', () => {
  // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even (1.0).
  assert.equal(f32ToF16Bits(1 + 2 ** -11), 0x3c00);
  // 1 + 3 * 2^-11 is halfway between 1+2^-10 (odd) and 1+2^-9 (even): rounds up.
  assert.equal(f32ToF16Bits(1 + 3 * 2 ** -11), 0x3c02);
  assert.equal(f32ToF16Bits(65504), 0x7bff);
  assert.equal(f32ToF16Bits(65519.99), 0x7bff);
  assert.equal(f32ToF16Bits(65520), 0x7c00); // the halfway point to the next (missing) value overflows to inf
  assert.equal(f32ToF16Bits(1e9), 0x7c00);
  assert.equal(f32ToF16Bits(-1e9), 0xfc00);
  assert.equal(f32ToF16Bits(2 ** -24), 0x0001);
  assert.equal(f32ToF16Bits(2 ** -25), 0x0000); // tie between 0 and the smallest subnormal: even
  assert.equal(f32ToF16Bits(Math.fround(2 ** -25 * 1.0000001)), 0x0001);
  assert.equal(f32ToF16Bits(3 * 2 ** -25), 0x0002); // tie between 1 and 2 subnormal steps: even (2)
  assert.equal(f32ToF16Bits(1e-10), 0x0000);
  assert.equal(f32ToF16Bits(-1e-10), 0x8000);
  assert.equal(f32ToF16Bits(1023.5 * 2 ** -24), 0x0400); // rounds up from the largest subnormal into the normals
  assert.equal(f32ToF16Bits(Infinity), 0x7c00);
  assert.equal(f16BitsToF32(f32ToF16Bits(NaN)), f16BitsToF32(0x7e00));
});

test('f16 encode matches the nearest-value reference on 50k random f32 patterns', () => {
  for (const bits of randomBits(50_000, 12345)) {
    const value = bitsToF32(bits);
    if (Number.isNaN(value)) continue;
    assert.equal(f32ToF16Bits(value), referenceF16(value), `f32 0x${bits.toString(16)} = ${value}`);
  }
  // And densely around the subnormal / normal boundary.
  for (let bits = f32ToBits(2 ** -26); bits < f32ToBits(2 ** -13); bits += 97) {
    const value = bitsToF32(bits);
    assert.equal(f32ToF16Bits(value), referenceF16(value), `f32 0x${bits.toString(16)} = ${value}`);
  }
});

/** Reference bf16 rounding as a bit twiddle on BigInt, independent of the 32-bit arithmetic in storage.ts. */
function referenceBf16(bits: number): number {
  const exponent = (bits >>> 23) & 0xff;
  if (exponent === 0xff && (bits & 0x7fffff) !== 0) return -1; // NaN: checked separately
  const x = BigInt(bits);
  const upper = x >> 16n;
  const lower = x & 0xffffn;
  let r = upper;
  if (lower > 0x8000n || (lower === 0x8000n && (upper & 1n) === 1n)) r += 1n;
  return Number(r & 0xffffn);
}

test('bf16 encode matches a reference bit twiddle on 200k random patterns, and decodes exactly', () => {
  for (const bits of randomBits(200_000, 777)) {
    const want = referenceBf16(bits);
    const got = f32ToBf16Bits(bitsToF32(bits));
    if (want < 0) {
      assert.ok(Number.isNaN(bf16BitsToF32(got)), `NaN 0x${bits.toString(16)} stays NaN`);
      continue;
    }
    assert.equal(got, want, `f32 0x${bits.toString(16)}`);
  }
  assert.equal(f32ToBf16Bits(1 + 2 ** -8), 0x3f80); // tie to even (down)
  assert.equal(f32ToBf16Bits(1 + 3 * 2 ** -8), 0x3f82); // tie to even (up)
  assert.equal(f32ToBf16Bits(3.4028234663852886e38), 0x7f80); // max f32 rounds up to inf
  assert.equal(bf16BitsToF32(0x3f80), 1);
  assert.equal(bf16BitsToF32(0x0001), 2 ** -133);
  for (let bits = 0; bits < 65536; bits++) {
    const v = bf16BitsToF32(bits);
    if (!Number.isNaN(v)) assert.equal(f32ToBf16Bits(v), bits);
  }
});

test('i8 and u8 wrap on store and extend on load', () => {
  assert.deepEqual(decodeElements('u8', encodeElements('u8', [300, -1, 255, 256])), [44, 255, 255, 0]);
  assert.deepEqual(decodeElements('i8', encodeElements('i8', [200, -129, 127, -128])), [-56, 127, 127, -128]);
});

test('kernel stores convert: f16 / bf16 round to nearest even, i8 / u8 wrap, loads extend', () => {
  const kb = new KernelBuilder('convert_store');
  const src = kb.buffer('src', 'f32', false);
  const ints = kb.buffer('ints', 'i32', false);
  const h = kb.buffer('h', 'f16');
  const b = kb.buffer('b', 'bf16');
  const s8 = kb.buffer('s8', 'i8');
  const u8 = kb.buffer('u8', 'u8');
  const back = kb.buffer('back', 'i32');
  const t = geo('thread.x');
  const kernel = kb.build([
    h.store(t, src.load(t)),
    b.store(t, src.load(t)),
    s8.store(t, ints.load(t)),
    u8.store(t, ints.load(t)),
    back.store(t, { op: 'binary', type: 'i32', operandType: 'i32', kind: '+', left: s8.load(t), right: u8.load(t) }),
  ]);
  const values = [1 + 2 ** -11, 65520, 2 ** -25, -3.5, 1 + 2 ** -8];
  const args = [
    buf('src', 'f32', values), buf('ints', 'i32', [200, -1, 300, -129, 5]),
    buf('h', 'f16', 5), buf('b', 'bf16', 5), buf('s8', 'i8', 5), buf('u8', 'u8', 5), buf('back', 'i32', 5),
  ] as const;
  executeKernel(compileKernel(kernel), [1, 1, 1], [5, 1, 1], [...args]);
  assert.deepEqual(contents(args[2]), [1, Infinity, 0, -3.5, 1.00390625]); // 1 + 2^-8 is exact in f16
  assert.deepEqual(contents(args[3]), [1, 65536, 2 ** -25, -3.5, 1]);
  assert.deepEqual(contents(args[4]), [-56, -1, 44, 127, 5]);
  assert.deepEqual(contents(args[5]), [200, 255, 44, 127, 5]);
  assert.deepEqual(contents(args[6]), [144, 254, 88, 254, 10]);
});
