// GGUF reader (v2/v3): header, metadata, tensor infos and tensor data, read through a file descriptor at
// offsets (never the whole file at once), with dequantisation helpers for F32, F16, BF16, Q8_0 and Q4_0.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** A malformed, truncated or unsupported GGUF file; the message names the field and its offset. */
export class GGUFError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GGUFError';
  }
}

export const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian
export const GGUF_DEFAULT_ALIGNMENT = 32;

export enum GGUFValueType {
  UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
  STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
}

export type GGUFScalar = number | bigint | boolean | string;
export type GGUFValue = GGUFScalar | GGUFValue[];

export interface GGUFMetadataEntry {
  key: string;
  type: GGUFValueType;
  /** For arrays: the element type. */
  arrayType?: GGUFValueType;
  value: GGUFValue;
}

/** ggml tensor types; only F32, F16, BF16, Q8_0 and Q4_0 can be decoded here, the rest are known by size. */
export enum GGMLType {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
  IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22, IQ4_XS = 23,
  I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30, TQ1_0 = 34, TQ2_0 = 35, MXFP4 = 39,
}

/** Elements per block and bytes per block of each ggml type. */
const TYPE_LAYOUT: Record<number, { block: number; bytes: number }> = {
  0: { block: 1, bytes: 4 }, 1: { block: 1, bytes: 2 }, 2: { block: 32, bytes: 18 }, 3: { block: 32, bytes: 20 },
  6: { block: 32, bytes: 22 }, 7: { block: 32, bytes: 24 }, 8: { block: 32, bytes: 34 }, 9: { block: 32, bytes: 36 },
  10: { block: 256, bytes: 84 }, 11: { block: 256, bytes: 110 }, 12: { block: 256, bytes: 144 },
  13: { block: 256, bytes: 176 }, 14: { block: 256, bytes: 210 }, 15: { block: 256, bytes: 292 },
  16: { block: 256, bytes: 66 }, 17: { block: 256, bytes: 74 }, 18: { block: 256, bytes: 98 },
  19: { block: 256, bytes: 50 }, 20: { block: 32, bytes: 18 }, 21: { block: 256, bytes: 110 },
  22: { block: 256, bytes: 82 }, 23: { block: 256, bytes: 136 }, 24: { block: 1, bytes: 1 },
  25: { block: 1, bytes: 2 }, 26: { block: 1, bytes: 4 }, 27: { block: 1, bytes: 8 }, 28: { block: 1, bytes: 8 },
  29: { block: 256, bytes: 56 }, 30: { block: 1, bytes: 2 }, 34: { block: 256, bytes: 54 },
  35: { block: 256, bytes: 66 }, 39: { block: 32, bytes: 17 },
};

/** The types this project can decode and run. */
export const SUPPORTED_TYPES: readonly GGMLType[] = [GGMLType.F32, GGMLType.F16, GGMLType.BF16, GGMLType.Q8_0, GGMLType.Q4_0];

export function ggmlTypeName(type: number): string {
  return GGMLType[type] ?? `type ${type}`;
}

export function typeLayout(type: GGMLType): { block: number; bytes: number } {
  const layout = TYPE_LAYOUT[type];
  if (!layout) throw new GGUFError(`GGUF: unknown tensor type ${type}`);
  return layout;
}

/** Bytes taken by `elements` elements of `type` (elements must be a whole number of blocks). */
export function tensorBytes(type: GGMLType, elements: number): number {
  const { block, bytes } = typeLayout(type);
  return (elements / block) * bytes;
}

export interface GGUFTensorInfo {
  name: string;
  /** ggml order: dims[0] is the row length (contiguous), dims[1] the row count. */
  dims: number[];
  type: GGMLType;
  /** Offset relative to the start of the data section. */
  offset: number;
  /** Absolute offset in the file. */
  fileOffset: number;
  elements: number;
  bytes: number;
}

/** Where bytes come from: a file descriptor (normal use) or memory (tests). */
export interface ByteSource {
  readonly size: number;
  /** Reads exactly `length` bytes at `offset` (callers check the range first). */
  read(offset: number, length: number): Uint8Array;
  close(): void;
}

export function fileSource(path: string): ByteSource {
  const fd = openSync(path, 'r');
  const size = fstatSync(fd).size;
  return {
    size,
    read(offset, length) {
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, length - done, offset + done);
        if (n <= 0) throw new GGUFError(`GGUF: read of ${length} bytes at offset ${offset} came back short (file changed?)`);
        done += n;
      }
      return out;
    },
    close() {
      closeSync(fd);
    },
  };
}

export function memorySource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (offset, length) => bytes.slice(offset, offset + length), close() {} };
}

const CHUNK = 1 << 16;
const MAX_STRING = 1 << 24;
const MAX_DIMS = 4;

/** Sequential reader over a ByteSource with a small window, checking every read against the file size. */
class Cursor {
  pos = 0;
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;
  private view: DataView = new DataView(new ArrayBuffer(0));
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(private readonly src: ByteSource) {}

  get remaining(): number {
    return this.src.size - this.pos;
  }

  private bytes(n: number, field: string): { view: DataView; at: number; arr: Uint8Array } {
    if (n > this.remaining) {
      throw new GGUFError(`GGUF: ${field} at offset ${this.pos} runs past the end of the file (${this.src.size} bytes)`);
    }
    const end = this.pos + n;
    if (this.pos < this.windowStart || end > this.windowStart + this.window.length) {
      const len = Math.min(Math.max(n, CHUNK), this.src.size - this.pos);
      this.window = this.src.read(this.pos, len);
      this.windowStart = this.pos;
      this.view = new DataView(this.window.buffer, this.window.byteOffset, this.window.byteLength);
    }
    const at = this.pos - this.windowStart;
    this.pos = end;
    return { view: this.view, at, arr: this.window };
  }

  u8(field: string): number {
    const { view, at } = this.bytes(1, field);
    return view.getUint8(at);
  }
  i8(field: string): number {
    const { view, at } = this.bytes(1, field);
    return view.getInt8(at);
  }
  u16(field: string): number {
    const { view, at } = this.bytes(2, field);
    return view.getUint16(at, true);
  }
  i16(field: string): number {
    const { view, at } = this.bytes(2, field);
    return view.getInt16(at, true);
  }
  u32(field: string): number {
    const { view, at } = this.bytes(4, field);
    return view.getUint32(at, true);
  }
  i32(field: string): number {
    const { view, at } = this.bytes(4, field);
    return view.getInt32(at, true);
  }
  f32(field: string): number {
    const { view, at } = this.bytes(4, field);
    return view.getFloat32(at, true);
  }
  f64(field: string): number {
    const { view, at } = this.bytes(8, field);
    return view.getFloat64(at, true);
  }
  u64big(field: string): bigint {
    const { view, at } = this.bytes(8, field);
    return view.getBigUint64(at, true);
  }
  i64big(field: string): bigint {
    const { view, at } = this.bytes(8, field);
    return view.getBigInt64(at, true);
  }
  /** A u64 that must be a safe JS number no larger than `limit`; `what` names it in the error. */
  count(field: string, limit: number, why: string): number {
    const at = this.pos;
    const v = this.u64big(field);
    if (v > BigInt(limit)) throw new GGUFError(`GGUF: ${field} ${formatCount(v)} at offset ${at} ${why}`);
    return Number(v);
  }
  string(field: string): string {
    const at = this.pos;
    const len = this.count(`${field} length`, Math.min(this.remaining - 8, MAX_STRING), 'exceeds file size');
    if (len === 0) return '';
    const { arr, at: i } = this.bytes(len, `${field} (string at offset ${at})`);
    return this.decoder.decode(arr.subarray(i, i + len));
  }
}

function formatCount(v: bigint): string {
  if (v >= 1n << 20n && (v & (v - 1n)) === 0n) return `2^${v.toString(2).length - 1}`;
  return v.toString();
}

/** Smallest encoded size of one value of each type, to reject absurd array counts before allocating. */
function minValueBytes(type: GGUFValueType): number {
  switch (type) {
    case GGUFValueType.UINT8: case GGUFValueType.INT8: case GGUFValueType.BOOL: return 1;
    case GGUFValueType.UINT16: case GGUFValueType.INT16: return 2;
    case GGUFValueType.UINT32: case GGUFValueType.INT32: case GGUFValueType.FLOAT32: return 4;
    case GGUFValueType.UINT64: case GGUFValueType.INT64: case GGUFValueType.FLOAT64: case GGUFValueType.STRING: return 8;
    case GGUFValueType.ARRAY: return 12;
  }
}

function readValue(c: Cursor, type: number, field: string): { value: GGUFValue; arrayType?: GGUFValueType } {
  switch (type) {
    case GGUFValueType.UINT8: return { value: c.u8(field) };
    case GGUFValueType.INT8: return { value: c.i8(field) };
    case GGUFValueType.UINT16: return { value: c.u16(field) };
    case GGUFValueType.INT16: return { value: c.i16(field) };
    case GGUFValueType.UINT32: return { value: c.u32(field) };
    case GGUFValueType.INT32: return { value: c.i32(field) };
    case GGUFValueType.FLOAT32: return { value: c.f32(field) };
    case GGUFValueType.FLOAT64: return { value: c.f64(field) };
    case GGUFValueType.BOOL: {
      const at = c.pos;
      const b = c.u8(field);
      if (b > 1) throw new GGUFError(`GGUF: ${field} at offset ${at} is a bool with value ${b}`);
      return { value: b === 1 };
    }
    case GGUFValueType.STRING: return { value: c.string(field) };
    case GGUFValueType.UINT64: {
      const v = c.u64big(field);
      return { value: v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v };
    }
    case GGUFValueType.INT64: {
      const v = c.i64big(field);
      return { value: v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v };
    }
    case GGUFValueType.ARRAY: {
      const typeAt = c.pos;
      const elemType = c.u32(`${field} element type`);
      if (!(elemType in GGUFValueType)) {
        throw new GGUFError(`GGUF: ${field} element type ${elemType} at offset ${typeAt} is not a GGUF value type`);
      }
      const n = c.count(`${field} array length`, Math.floor(c.remaining / minValueBytes(elemType)), 'exceeds file size');
      const out: GGUFValue[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = readValue(c, elemType, field).value;
      return { value: out, arrayType: elemType };
    }
    default:
      throw new GGUFError(`GGUF: ${field} has value type ${type}, which is not a GGUF value type`);
  }
}

export interface GGUFFile {
  version: number;
  metadata: Map<string, GGUFMetadataEntry>;
  tensors: GGUFTensorInfo[];
  alignment: number;
  /** Absolute offset of the data section. */
  dataOffset: number;
  fileSize: number;
  source: ByteSource;
}

/** Parses the header, metadata and tensor infos; tensor data is read on demand. Throws GGUFError. */
export function readGGUFFrom(source: ByteSource): GGUFFile {
  const c = new Cursor(source);
  if (source.size < 24) throw new GGUFError(`GGUF: file is ${source.size} bytes, too short for a GGUF header (24 bytes)`);
  const magic = c.u32('magic');
  if (magic !== GGUF_MAGIC) {
    throw new GGUFError(`GGUF: bad magic 0x${magic.toString(16).padStart(8, '0')} at offset 0 (expected "GGUF"): not a GGUF file`);
  }
  const version = c.u32('version');
  if (version !== 2 && version !== 3) {
    throw new GGUFError(`GGUF: version ${version} at offset 4 is not supported (only 2 and 3)`);
  }
  // Counts only need to be possible at all here (an entry takes at least a byte); an entry that does not fit is
  // reported where it runs out, naming the string or array that is too long rather than the count.
  const tensorCount = c.count('tensor count', source.size - 24, 'exceeds file size');
  const kvCount = c.count('metadata count', source.size - 24, 'exceeds file size');

  const metadata = new Map<string, GGUFMetadataEntry>();
  for (let i = 0; i < kvCount; i++) {
    const key = c.string(`metadata key #${i}`);
    const typeAt = c.pos;
    const type = c.u32(`type of ${key}`);
    if (!(type in GGUFValueType)) throw new GGUFError(`GGUF: metadata ${key} has value type ${type} at offset ${typeAt}, which is not a GGUF value type`);
    const { value, arrayType } = readValue(c, type, `metadata ${key}`);
    metadata.set(key, arrayType === undefined ? { key, type, value } : { key, type, arrayType, value });
  }

  let alignment = GGUF_DEFAULT_ALIGNMENT;
  const alignEntry = metadata.get('general.alignment');
  if (alignEntry) {
    const a = alignEntry.value;
    if (typeof a !== 'number' || a <= 0 || (a & (a - 1)) !== 0 || a > 1 << 20) {
      throw new GGUFError(`GGUF: general.alignment ${String(a)} is not a power of two`);
    }
    alignment = a;
  }

  const tensors: GGUFTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const name = c.string(`tensor #${i} name`);
    const dimsAt = c.pos;
    const nDims = c.u32(`tensor ${name} dimension count`);
    if (nDims < 1 || nDims > MAX_DIMS) throw new GGUFError(`GGUF: tensor ${name} has ${nDims} dimensions at offset ${dimsAt} (1 to ${MAX_DIMS} allowed)`);
    const dims: number[] = [];
    let elements = 1;
    for (let d = 0; d < nDims; d++) {
      const dim = c.count(`tensor ${name} dimension ${d}`, 2 ** 40, 'is absurd');
      dims.push(dim);
      elements *= dim;
    }
    const typeAt = c.pos;
    const type = c.u32(`tensor ${name} type`);
    const layout = TYPE_LAYOUT[type];
    if (!layout) throw new GGUFError(`GGUF: tensor ${name} has unknown type ${type} at offset ${typeAt}`);
    const offsetAt = c.pos;
    const offset = c.count(`tensor ${name} offset`, source.size, 'exceeds file size');
    if (offset % alignment !== 0) throw new GGUFError(`GGUF: tensor ${name} offset ${offset} at offset ${offsetAt} is not aligned to ${alignment}`);
    if (dims[0]! % layout.block !== 0) {
      throw new GGUFError(`GGUF: tensor ${name} has rows of ${dims[0]} elements, not a multiple of the ${ggmlTypeName(type)} block of ${layout.block}`);
    }
    if (names.has(name)) throw new GGUFError(`GGUF: tensor ${name} appears twice`);
    names.add(name);
    const bytes = (elements / layout.block) * layout.bytes;
    tensors.push({ name, dims, type, offset, fileOffset: 0, elements, bytes });
  }
  const dataOffset = Math.ceil(c.pos / alignment) * alignment;
  for (const t of tensors) {
    t.fileOffset = dataOffset + t.offset;
    if (t.fileOffset + t.bytes > source.size) {
      throw new GGUFError(`GGUF: tensor ${t.name} (${t.bytes} bytes at offset ${t.fileOffset}) runs past the end of the file (${source.size} bytes)`);
    }
  }
  return { version, metadata, tensors, alignment, dataOffset, fileSize: source.size, source };
}

/** Opens a GGUF file by path (keeps a file descriptor; call closeGGUF when done). */
export function openGGUF(path: string): GGUFFile {
  const source = fileSource(path);
  try {
    return readGGUFFrom(source);
  } catch (err) {
    source.close();
    throw err;
  }
}

export function closeGGUF(file: GGUFFile): void {
  file.source.close();
}

export function findTensor(file: GGUFFile, name: string): GGUFTensorInfo | undefined {
  return file.tensors.find((t) => t.name === name);
}

/** The raw bytes of a tensor (blocks as stored: what gets uploaded for in-kernel dequantisation). */
export function readTensorBytes(file: GGUFFile, tensor: GGUFTensorInfo): Uint8Array {
  return file.source.read(tensor.fileOffset, tensor.bytes);
}

/** A tensor decoded to f32 (throws GGUFError for types that cannot be decoded). */
export function readTensorF32(file: GGUFFile, tensor: GGUFTensorInfo): Float32Array {
  return dequantize(tensor.type, readTensorBytes(file, tensor), tensor.elements, tensor.name);
}

// ---------------------------------------------------------------- metadata access

export function metaValue(file: GGUFFile, key: string): GGUFValue | undefined {
  return file.metadata.get(key)?.value;
}

export function metaNumber(file: GGUFFile, key: string): number | undefined {
  const v = metaValue(file, key);
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new GGUFError(`GGUF: metadata ${key} should be a number but is ${Array.isArray(v) ? 'an array' : typeof v}`);
}

export function requireNumber(file: GGUFFile, key: string): number {
  const v = metaNumber(file, key);
  if (v === undefined) throw new GGUFError(`GGUF: metadata ${key} is missing`);
  return v;
}

export function metaString(file: GGUFFile, key: string): string | undefined {
  const v = metaValue(file, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new GGUFError(`GGUF: metadata ${key} should be a string`);
  return v;
}

// ---------------------------------------------------------------- decoding

const f16Table = (() => {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    let v: number;
    if (exp === 0) v = frac * 2 ** -24;
    else if (exp === 31) v = frac ? NaN : Infinity;
    else v = (1 + frac / 1024) * 2 ** (exp - 15);
    table[h] = sign * v;
  }
  return table;
})();

export function f16ToF32(bits: number): number {
  return f16Table[bits & 0xffff]!;
}

const bfScratch = new DataView(new ArrayBuffer(4));
export function bf16ToF32(bits: number): number {
  bfScratch.setUint32(0, (bits & 0xffff) << 16, true);
  return bfScratch.getFloat32(0, true);
}

/** Decodes `elements` values of `type` from raw bytes (ggml block layouts). */
export function dequantize(type: GGMLType, raw: Uint8Array, elements: number, what = 'tensor'): Float32Array {
  const out = new Float32Array(elements);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (type) {
    case GGMLType.F32:
      for (let i = 0; i < elements; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    case GGMLType.F16:
      for (let i = 0; i < elements; i++) out[i] = f16ToF32(view.getUint16(i * 2, true));
      return out;
    case GGMLType.BF16:
      for (let i = 0; i < elements; i++) out[i] = bf16ToF32(view.getUint16(i * 2, true));
      return out;
    case GGMLType.Q8_0:
      for (let b = 0; b < elements / 32; b++) {
        const base = b * 34;
        const d = f16ToF32(view.getUint16(base, true));
        for (let j = 0; j < 32; j++) out[b * 32 + j] = d * view.getInt8(base + 2 + j);
      }
      return out;
    case GGMLType.Q4_0:
      for (let b = 0; b < elements / 32; b++) {
        const base = b * 18;
        const d = f16ToF32(view.getUint16(base, true));
        for (let j = 0; j < 16; j++) {
          const q = raw[base + 2 + j]!;
          out[b * 32 + j] = d * ((q & 0xf) - 8);
          out[b * 32 + j + 16] = d * ((q >> 4) - 8);
        }
      }
      return out;
    default:
      throw new GGUFError(
        `GGUF: ${what} has type ${ggmlTypeName(type)}, which is not supported (supported: ${SUPPORTED_TYPES.map(ggmlTypeName).join(', ')})`,
      );
  }
}
