// GGUF reader/writer: round-trips of every value type and tensor type, and clear errors for bad files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  closeGGUF, dequantize, f16ToF32, bf16ToF32, GGMLType, GGUFError, GGUFValueType, memorySource, openGGUF, readGGUFFrom, readTensorBytes, readTensorF32,
} from '../../kernels/llama/gguf';
import { encodeGGUF, encodeTensor, f32ToBF16, f32ToF16, meta, quantizeQ4_0, quantizeQ8_0 } from '../../kernels/llama/gguf-write';

const parse = (bytes: Uint8Array) => readGGUFFrom(memorySource(bytes));

test('every metadata value type round-trips, including nested arrays and 64-bit values', () => {
  const bytes = encodeGGUF([
    { key: 'u8', type: GGUFValueType.UINT8, value: 255 },
    { key: 'i8', type: GGUFValueType.INT8, value: -128 },
    { key: 'u16', type: GGUFValueType.UINT16, value: 65535 },
    { key: 'i16', type: GGUFValueType.INT16, value: -32768 },
    meta.u32('u32', 4294967295),
    meta.i32('i32', -2147483648),
    meta.f32('f32', 0.5),
    meta.bool('bool', true),
    meta.str('str', 'héllo ▁ 🙂'),
    { key: 'u64', type: GGUFValueType.UINT64, value: 2n ** 63n },
    { key: 'i64', type: GGUFValueType.INT64, value: -5 },
    { key: 'f64', type: GGUFValueType.FLOAT64, value: Math.PI },
    meta.strings('strings', ['a', '', 'ccc']),
    { key: 'nested', type: GGUFValueType.ARRAY, arrayType: GGUFValueType.ARRAY, innerArrayType: GGUFValueType.INT32, value: [[1, 2], [3]] },
  ], []);
  const f = parse(bytes);
  assert.equal(f.version, 3);
  const v = (k: string) => f.metadata.get(k)?.value;
  assert.equal(v('u8'), 255);
  assert.equal(v('i8'), -128);
  assert.equal(v('u16'), 65535);
  assert.equal(v('i16'), -32768);
  assert.equal(v('u32'), 4294967295);
  assert.equal(v('i32'), -2147483648);
  assert.equal(v('f32'), 0.5);
  assert.equal(v('bool'), true);
  assert.equal(v('str'), 'héllo ▁ 🙂');
  assert.equal(v('u64'), 2n ** 63n);
  assert.equal(v('i64'), -5);
  assert.equal(v('f64'), Math.PI);
  assert.deepEqual(v('strings'), ['a', '', 'ccc']);
  assert.equal(f.metadata.get('strings')?.arrayType, GGUFValueType.STRING);
  assert.deepEqual(v('nested'), [[1, 2], [3]]);
});

test('tensors of every supported type round-trip with alignment and data offsets', () => {
  const values = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i) * 3);
  const types = [GGMLType.F32, GGMLType.F16, GGMLType.BF16, GGMLType.Q8_0, GGMLType.Q4_0];
  const bytes = encodeGGUF([meta.u32('general.alignment', 64)], types.map((type, i) => ({ name: `t${i}`, dims: [32, 2], type, data: encodeTensor(type, values) })), { alignment: 64 });
  const f = parse(bytes);
  assert.equal(f.alignment, 64);
  assert.equal(f.dataOffset % 64, 0);
  assert.deepEqual(f.tensors.map((t) => t.bytes), [256, 128, 128, 68, 36]);
  for (const t of f.tensors) assert.equal(t.fileOffset % 64, 0);
  const tol = [0, 2e-3, 2e-2, 3e-2, 0.25];
  f.tensors.forEach((t, i) => {
    const got = readTensorF32(f, t);
    for (let j = 0; j < 64; j++) assert.ok(Math.abs(got[j]! - values[j]!) <= tol[i]! * 3, `${t.name}[${j}] ${got[j]} vs ${values[j]}`);
  });
  assert.equal(readTensorBytes(f, f.tensors[3]!).length, 68);
});

test('f16 and bf16 encoders round to nearest even and decode exactly', () => {
  assert.equal(f32ToF16(1), 0x3c00);
  assert.equal(f32ToF16(-2), 0xc000);
  assert.equal(f32ToF16(65504), 0x7bff);
  assert.equal(f32ToF16(65520), 0x7c00); // rounds up to infinity
  assert.equal(f32ToF16(2 ** -24), 0x0001); // smallest subnormal
  assert.equal(f32ToF16(1 + 2 ** -11), 0x3c00); // tie -> even
  assert.equal(f32ToF16(1 + 3 * 2 ** -11), 0x3c02); // tie -> even (up)
  for (let h = 0; h < 0x7c00; h += 7) assert.equal(f32ToF16(f16ToF32(h)), h);
  assert.equal(f32ToBF16(1), 0x3f80);
  assert.equal(bf16ToF32(0x3f80), 1);
  assert.equal(bf16ToF32(f32ToBF16(3.140625)), 3.140625);
});

test('Q8_0 and Q4_0 match ggml reference quantisation on a known block', () => {
  const v = Float32Array.from({ length: 32 }, (_, i) => (i - 16) / 4); // -4 .. 3.75
  const q8 = quantizeQ8_0(v);
  assert.equal(f16ToF32(q8[0]! | (q8[1]! << 8)), f16ToF32(f32ToF16(4 / 127)));
  assert.equal((q8[2]! << 24) >> 24, -127); // -4 / (4/127)
  assert.equal(q8[2 + 16], 0);
  const q4 = quantizeQ4_0(v);
  assert.equal(f16ToF32(q4[0]! | (q4[1]! << 8)), 0.5); // max = -4 -> d = -4 / -8
  assert.equal(q4[2]! & 0xf, 0); // -4 / 0.5 + 8.5 = 0.5 -> 0
  const back = dequantize(GGMLType.Q4_0, q4, 32);
  assert.equal(back[0], -4);
  assert.equal(back[31], 3.5); // 3.75 / 0.5 + 8.5 = 16 -> clamped to 15 -> (15 - 8) * 0.5
});

test('absurd tensor count is rejected before allocating, naming the field and offset', () => {
  const bytes = encodeGGUF([], []);
  new DataView(bytes.buffer).setBigUint64(8, 2n ** 40n, true);
  assert.throws(() => parse(bytes), (e: Error) => e instanceof GGUFError && e.message === 'GGUF: tensor count 2^40 at offset 8 exceeds file size');
});

test('absurd array length and string length are rejected', () => {
  const bytes = encodeGGUF([meta.strings('k', ['x'])], []);
  // key "k": 8 (len) + 1; type 4; array type 4; count at 24 + 9 + 4 + 4 = 41
  new DataView(bytes.buffer).setBigUint64(41, 2n ** 50n, true);
  assert.throws(() => parse(bytes), /GGUF: metadata k array length 2\^50 at offset 41 exceeds file size/);
  const bytes2 = encodeGGUF([meta.str('k', 'x')], []);
  new DataView(bytes2.buffer).setBigUint64(37, 2n ** 33n, true);
  assert.throws(() => parse(bytes2), /GGUF: metadata k length 2\^33 at offset 37 exceeds file size/);
});

test('a string too long for the file is blamed on its length, not on the metadata count (regression)', () => {
  // Header with one metadata entry whose key claims 2^40 bytes, and nothing after it: 32 bytes in all.
  const bytes = new Uint8Array(32);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, 0x46554747, true);
  v.setUint32(4, 3, true);
  v.setBigUint64(8, 0n, true);
  v.setBigUint64(16, 1n, true);
  v.setBigUint64(24, 2n ** 40n, true);
  assert.throws(() => parse(bytes), (e: Error) => e instanceof GGUFError && e.message === 'GGUF: metadata key #0 length 2^40 at offset 24 exceeds file size');
  const count = bytes.slice();
  new DataView(count.buffer).setBigUint64(16, 2n ** 40n, true);
  assert.throws(() => parse(count), (e: Error) => e.message === 'GGUF: metadata count 2^40 at offset 16 exceeds file size');
});

test('bad magic, bad version, truncation and unsupported types give clear errors', () => {
  assert.throws(() => parse(new TextEncoder().encode('not a gguf file at all, really')), /GGUF: bad magic 0x20746f6e at offset 0/);
  const good = encodeGGUF([meta.str('general.architecture', 'llama')], [{ name: 'w', dims: [32], type: GGMLType.F32, data: new Uint8Array(128) }]);
  const v1 = good.slice();
  new DataView(v1.buffer).setUint32(4, 1, true);
  assert.throws(() => parse(v1), /GGUF: version 1 at offset 4 is not supported/);
  assert.throws(() => parse(good.slice(0, 66)), /GGUF: metadata general.architecture length 5 at offset 56 exceeds file size/);
  assert.throws(() => parse(good.slice(0, good.length - 4)), /GGUF: tensor w \(128 bytes at offset \d+\) runs past the end of the file/);
  assert.throws(() => parse(new Uint8Array(10)), /too short for a GGUF header/);
  const q4k = encodeGGUF([], [{ name: 'k', dims: [256], type: GGMLType.Q4_K, data: new Uint8Array(144) }]);
  const f = parse(q4k);
  assert.throws(() => readTensorF32(f, f.tensors[0]!), /GGUF: k has type Q4_K, which is not supported \(supported: F32, F16, BF16, Q8_0, Q4_0\)/);
  const rows = encodeGGUF([], [{ name: 'q', dims: [32], type: GGMLType.Q8_0, data: new Uint8Array(34) }]);
  new DataView(rows.buffer).setBigUint64(24 + 8 + 1 + 4, 48n, true);
  assert.throws(() => parse(rows), /tensor q has rows of 48 elements, not a multiple of the Q8_0 block of 32/);
});

test('reads through a file descriptor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gguf-'));
  const path = join(dir, 'x.gguf');
  writeFileSync(path, encodeGGUF([meta.u32('a', 7)], [{ name: 'w', dims: [2], type: GGMLType.F32, data: encodeTensor(GGMLType.F32, Float32Array.of(1, 2)) }]));
  const f = openGGUF(path);
  try {
    assert.equal(f.metadata.get('a')?.value, 7);
    assert.deepEqual(Array.from(readTensorF32(f, f.tensors[0]!)), [1, 2]);
  } finally {
    closeGGUF(f);
  }
});

test('writer keeps every byte when its buffer grows (regression: writes went to the old buffer)', () => {
  const many = Array.from({ length: 20000 }, (_, i) => `token-${i}`);
  const f = parse(encodeGGUF([meta.strings('t', many), meta.u32('after', 99)], []));
  assert.deepEqual(f.metadata.get('t')?.value, many);
  assert.equal(f.metadata.get('after')?.value, 99);
});
