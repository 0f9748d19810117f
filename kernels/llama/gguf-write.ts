// GGUF writer (v3) for the tiny model and for tests, with the f16/bf16 encoders and the ggml reference
// quantisers for Q8_0 and Q4_0 (same rounding as ggml's quantize_row_*_ref, so llama.cpp reads what we mean).
import { writeFileSync } from 'node:fs';
import { GGMLType, GGUFValueType, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, typeLayout, type GGUFValue } from './gguf';

export interface GGUFWriteEntry {
  key: string;
  type: GGUFValueType;
  /** For arrays: the element type. */
  arrayType?: GGUFValueType;
  /** For arrays of arrays: the inner arrays' element type. */
  innerArrayType?: GGUFValueType;
  value: GGUFValue;
}

export interface GGUFWriteTensor {
  name: string;
  /** ggml order: dims[0] is the row length. */
  dims: number[];
  type: GGMLType;
  /** Raw bytes in the type's layout. */
  data: Uint8Array;
}

/** Small helpers for metadata entries. */
export const meta = {
  u32: (key: string, value: number): GGUFWriteEntry => ({ key, type: GGUFValueType.UINT32, value }),
  i32: (key: string, value: number): GGUFWriteEntry => ({ key, type: GGUFValueType.INT32, value }),
  f32: (key: string, value: number): GGUFWriteEntry => ({ key, type: GGUFValueType.FLOAT32, value }),
  bool: (key: string, value: boolean): GGUFWriteEntry => ({ key, type: GGUFValueType.BOOL, value }),
  str: (key: string, value: string): GGUFWriteEntry => ({ key, type: GGUFValueType.STRING, value }),
  strings: (key: string, value: string[]): GGUFWriteEntry => ({ key, type: GGUFValueType.ARRAY, arrayType: GGUFValueType.STRING, value }),
  f32s: (key: string, value: number[]): GGUFWriteEntry => ({ key, type: GGUFValueType.ARRAY, arrayType: GGUFValueType.FLOAT32, value }),
  i32s: (key: string, value: number[]): GGUFWriteEntry => ({ key, type: GGUFValueType.ARRAY, arrayType: GGUFValueType.INT32, value }),
};

class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private readonly encoder = new TextEncoder();

  private reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < this.length + n) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  u8(v: number) {
    const at = this.reserve(1);
    this.view.setUint8(at, v);
  }
  i8(v: number) {
    const at = this.reserve(1);
    this.view.setInt8(at, v);
  }
  u16(v: number) {
    const at = this.reserve(2);
    this.view.setUint16(at, v, true);
  }
  i16(v: number) {
    const at = this.reserve(2);
    this.view.setInt16(at, v, true);
  }
  u32(v: number) {
    const at = this.reserve(4);
    this.view.setUint32(at, v, true);
  }
  i32(v: number) {
    const at = this.reserve(4);
    this.view.setInt32(at, v, true);
  }
  f32(v: number) {
    const at = this.reserve(4);
    this.view.setFloat32(at, v, true);
  }
  f64(v: number) {
    const at = this.reserve(8);
    this.view.setFloat64(at, v, true);
  }
  u64(v: number | bigint) {
    const at = this.reserve(8);
    this.view.setBigUint64(at, BigInt(v), true);
  }
  i64(v: number | bigint) {
    const at = this.reserve(8);
    this.view.setBigInt64(at, BigInt(v), true);
  }
  bytes(b: Uint8Array) {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
  }
  string(s: string) {
    const b = this.encoder.encode(s);
    this.u64(b.length);
    this.bytes(b);
  }
  pad(alignment: number) {
    const target = Math.ceil(this.length / alignment) * alignment;
    this.reserve(target - this.length);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function writeValue(w: ByteWriter, type: GGUFValueType, value: GGUFValue, arrayType: GGUFValueType | undefined, key: string, innerArrayType?: GGUFValueType): void {
  const num = () => {
    if (typeof value !== 'number' && typeof value !== 'bigint') throw new Error(`gguf-write: ${key} needs a number`);
    return value;
  };
  switch (type) {
    case GGUFValueType.UINT8: return w.u8(Number(num()));
    case GGUFValueType.INT8: return w.i8(Number(num()));
    case GGUFValueType.UINT16: return w.u16(Number(num()));
    case GGUFValueType.INT16: return w.i16(Number(num()));
    case GGUFValueType.UINT32: return w.u32(Number(num()));
    case GGUFValueType.INT32: return w.i32(Number(num()));
    case GGUFValueType.FLOAT32: return w.f32(Number(num()));
    case GGUFValueType.FLOAT64: return w.f64(Number(num()));
    case GGUFValueType.UINT64: return w.u64(num());
    case GGUFValueType.INT64: return w.i64(num());
    case GGUFValueType.BOOL: return w.u8(value ? 1 : 0);
    case GGUFValueType.STRING:
      if (typeof value !== 'string') throw new Error(`gguf-write: ${key} needs a string`);
      return w.string(value);
    case GGUFValueType.ARRAY: {
      if (!Array.isArray(value) || arrayType === undefined) throw new Error(`gguf-write: ${key} needs an array and an element type`);
      w.u32(arrayType);
      w.u64(value.length);
      for (const v of value) writeValue(w, arrayType, v, innerArrayType, key);
      return;
    }
  }
}

/** Encodes a whole GGUF v3 file in memory. */
export function encodeGGUF(entries: GGUFWriteEntry[], tensors: GGUFWriteTensor[], options: { alignment?: number; version?: number } = {}): Uint8Array {
  const alignment = options.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(options.version ?? 3);
  w.u64(tensors.length);
  w.u64(entries.length);
  for (const e of entries) {
    w.string(e.key);
    w.u32(e.type);
    writeValue(w, e.type, e.value, e.arrayType, e.key, e.innerArrayType);
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    const { block, bytes } = typeLayout(t.type);
    const elements = t.dims.reduce((a, b) => a * b, 1);
    const expected = (elements / block) * bytes;
    if (t.data.length !== expected) throw new Error(`gguf-write: tensor ${t.name} has ${t.data.length} bytes, expected ${expected}`);
    w.string(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(t.type);
    w.u64(offset);
    offsets.push(offset);
    offset = Math.ceil((offset + t.data.length) / alignment) * alignment;
  }
  w.pad(alignment);
  const dataStart = w.length;
  tensors.forEach((t, i) => {
    w.pad(alignment);
    if (w.length - dataStart !== offsets[i]) throw new Error(`gguf-write: tensor ${t.name} landed at the wrong offset`);
    w.bytes(t.data);
  });
  return w.result();
}

export function writeGGUF(path: string, entries: GGUFWriteEntry[], tensors: GGUFWriteTensor[], options: { alignment?: number } = {}): void {
  writeFileSync(path, encodeGGUF(entries, tensors, options));
}

// ---------------------------------------------------------------- encoders

const f32Scratch = new DataView(new ArrayBuffer(4));

/** f32 -> f16 bits, round to nearest even, overflow to infinity (as ggml's GGML_FP32_TO_FP16). */
export function f32ToF16(value: number): number {
  f32Scratch.setFloat32(0, value, true);
  const x = f32Scratch.getUint32(0, true);
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  return sign | h;
}

/** f32 -> bf16 bits, round to nearest even. */
export function f32ToBF16(value: number): number {
  f32Scratch.setFloat32(0, value, true);
  const x = f32Scratch.getUint32(0, true);
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Encodes f32 values in `type`'s layout (F32, F16, BF16, Q8_0, Q4_0). */
export function encodeTensor(type: GGMLType, values: Float32Array): Uint8Array {
  switch (type) {
    case GGMLType.F32:
      return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
    case GGMLType.F16:
    case GGMLType.BF16: {
      const out = new Uint8Array(values.length * 2);
      const view = new DataView(out.buffer);
      const enc = type === GGMLType.F16 ? f32ToF16 : f32ToBF16;
      for (let i = 0; i < values.length; i++) view.setUint16(i * 2, enc(values[i]!), true);
      return out;
    }
    case GGMLType.Q8_0:
      return quantizeQ8_0(values);
    case GGMLType.Q4_0:
      return quantizeQ4_0(values);
    default:
      throw new Error(`gguf-write: cannot encode type ${GGMLType[type] ?? type}`);
  }
}

/** ggml quantize_row_q8_0_ref: d = amax / 127, q = round(x / d) (half away from zero). */
export function quantizeQ8_0(values: Float32Array): Uint8Array {
  if (values.length % 32 !== 0) throw new Error(`quantizeQ8_0: ${values.length} values is not a whole number of blocks`);
  const blocks = values.length / 32;
  const out = new Uint8Array(blocks * 34);
  const view = new DataView(out.buffer);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(values[b * 32 + j]!));
    const d = Math.fround(amax / 127);
    const id = d ? Math.fround(1 / d) : 0;
    view.setUint16(b * 34, f32ToF16(d), true);
    for (let j = 0; j < 32; j++) {
      const x = Math.fround(values[b * 32 + j]! * id);
      view.setInt8(b * 34 + 2 + j, Math.sign(x) * Math.round(Math.abs(x)));
    }
  }
  return out;
}

/** ggml quantize_row_q4_0_ref: d = max / -8 (max = value of largest magnitude), q = min(15, trunc(x / d + 8.5)). */
export function quantizeQ4_0(values: Float32Array): Uint8Array {
  if (values.length % 32 !== 0) throw new Error(`quantizeQ4_0: ${values.length} values is not a whole number of blocks`);
  const blocks = values.length / 32;
  const out = new Uint8Array(blocks * 18);
  const view = new DataView(out.buffer);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = values[b * 32 + j]!;
      if (Math.abs(v) > amax) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = Math.fround(max / -8);
    const id = d ? Math.fround(1 / d) : 0;
    view.setUint16(b * 18, f32ToF16(d), true);
    for (let j = 0; j < 16; j++) {
      const x0 = Math.fround(values[b * 32 + j]! * id);
      const x1 = Math.fround(values[b * 32 + 16 + j]! * id);
      const q0 = Math.min(15, Math.trunc(Math.fround(x0 + 8.5)));
      const q1 = Math.min(15, Math.trunc(Math.fround(x1 + 8.5)));
      out[b * 18 + 2 + j] = q0 | (q1 << 4);
    }
  }
  return out;
}
