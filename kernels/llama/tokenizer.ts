// The tokenizer stored in a GGUF: byte-level BPE (`gpt2`, as Llama 3) and SentencePiece (`llama`, as Llama 2),
// with special tokens matched first, and a streaming decoder that only emits whole UTF-8 characters.
import { GGUFError, metaValue, type GGUFFile } from './gguf';

export type TokenizerModel = 'gpt2' | 'llama';

/** llama.cpp token types. */
export const TokenType = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export interface TokenizerSpec {
  model: TokenizerModel;
  /** tokenizer.ggml.pre (BPE pre-tokenizer): `llama-bpe` (Llama 3) or `default`/`gpt2`. */
  pre?: string;
  tokens: string[];
  /** SentencePiece scores (higher merges first). */
  scores?: number[];
  /** BPE merges, `left right` in byte-level form, best first. */
  merges?: string[];
  tokenTypes?: number[];
  bosId?: number;
  eosId?: number;
  /** Extra end-of-generation ids (e.g. Llama 3's <|eot_id|>). */
  eotId?: number;
  addBos?: boolean;
  /** SentencePiece: prefix the text with a space (default true). */
  addSpacePrefix?: boolean;
}

/** GPT-2's reversible byte <-> printable character map used by byte-level BPE vocabularies. */
export const BYTE_TO_CHAR: string[] = (() => {
  const keep: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) keep.push(b);
  for (let b = 0xa1; b <= 0xac; b++) keep.push(b);
  for (let b = 0xae; b <= 0xff; b++) keep.push(b);
  const out: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    out[b] = keep.includes(b) ? String.fromCodePoint(b) : String.fromCodePoint(256 + extra++);
  }
  return out;
})();
const CHAR_TO_BYTE = new Map<string, number>(BYTE_TO_CHAR.map((c, b) => [c, b]));

const PRE_LLAMA3 = /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;
const PRE_GPT2 = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

const encoder = new TextEncoder();

/** Splits text into pre-tokens the way llama.cpp's BPE pre-tokenizer does. */
export function preTokenize(text: string, pre: string | undefined): string[] {
  const re = pre === 'llama-bpe' || pre === 'llama3' ? PRE_LLAMA3 : PRE_GPT2;
  return text.match(new RegExp(re.source, re.flags)) ?? [];
}

export class Tokenizer {
  readonly model: TokenizerModel;
  readonly tokens: string[];
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  readonly eotId: number | undefined;
  readonly addBos: boolean;
  private readonly spec: TokenizerSpec;
  private readonly ids = new Map<string, number>();
  private readonly mergeRank = new Map<string, number>();
  private readonly specials: { text: string; id: number }[];
  private readonly cache = new Map<string, number[]>();
  private readonly types: number[];

  constructor(spec: TokenizerSpec) {
    this.spec = spec;
    this.model = spec.model;
    this.tokens = spec.tokens;
    this.bosId = spec.bosId;
    this.eosId = spec.eosId;
    this.eotId = spec.eotId;
    this.addBos = spec.addBos ?? spec.bosId !== undefined;
    this.types = spec.tokenTypes ?? spec.tokens.map(() => TokenType.normal);
    spec.tokens.forEach((t, i) => {
      if (!this.ids.has(t)) this.ids.set(t, i);
    });
    (spec.merges ?? []).forEach((m, rank) => {
      const space = m.indexOf(' ', 1);
      if (space < 0) return;
      this.mergeRank.set(m.slice(0, space) + '\u0000' + m.slice(space + 1), rank);
    });
    this.specials = [];
    this.types.forEach((type, id) => {
      if ((type === TokenType.control || type === TokenType.userDefined) && spec.tokens[id]) this.specials.push({ text: spec.tokens[id]!, id });
    });
    this.specials.sort((a, b) => b.text.length - a.text.length);
  }

  /** Reads tokenizer.ggml.* from a GGUF file. */
  static fromGGUF(file: GGUFFile): Tokenizer {
    const model = metaValue(file, 'tokenizer.ggml.model');
    if (model !== 'gpt2' && model !== 'llama') {
      throw new GGUFError(`GGUF: tokenizer.ggml.model is ${JSON.stringify(model ?? null)}; supported: "gpt2" (byte-level BPE) and "llama" (SentencePiece)`);
    }
    const tokens = metaValue(file, 'tokenizer.ggml.tokens');
    if (!Array.isArray(tokens) || tokens.some((t) => typeof t !== 'string')) throw new GGUFError('GGUF: tokenizer.ggml.tokens is missing or not an array of strings');
    const numbers = (key: string): number[] | undefined => {
      const v = metaValue(file, key);
      if (v === undefined) return undefined;
      if (!Array.isArray(v)) throw new GGUFError(`GGUF: ${key} is not an array`);
      return v.map((x) => Number(x));
    };
    const id = (key: string): number | undefined => {
      const v = metaValue(file, key);
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n >= tokens.length) throw new GGUFError(`GGUF: ${key} = ${String(v)} is not a token id (vocabulary has ${tokens.length})`);
      return n;
    };
    const merges = metaValue(file, 'tokenizer.ggml.merges');
    if (model === 'gpt2' && !Array.isArray(merges)) throw new GGUFError('GGUF: tokenizer.ggml.merges is missing (needed by the "gpt2" tokenizer)');
    const addBos = metaValue(file, 'tokenizer.ggml.add_bos_token');
    const addSpace = metaValue(file, 'tokenizer.ggml.add_space_prefix');
    const pre = metaValue(file, 'tokenizer.ggml.pre');
    const spec: TokenizerSpec = { model, tokens: tokens as string[] };
    if (typeof pre === 'string') spec.pre = pre;
    const scores = numbers('tokenizer.ggml.scores');
    if (scores) spec.scores = scores;
    if (Array.isArray(merges)) spec.merges = merges as string[];
    const types = numbers('tokenizer.ggml.token_type');
    if (types) spec.tokenTypes = types;
    const bos = id('tokenizer.ggml.bos_token_id');
    if (bos !== undefined) spec.bosId = bos;
    const eos = id('tokenizer.ggml.eos_token_id');
    if (eos !== undefined) spec.eosId = eos;
    const eot = id('tokenizer.ggml.eot_token_id');
    if (eot !== undefined) spec.eotId = eot;
    if (typeof addBos === 'boolean') spec.addBos = addBos;
    if (typeof addSpace === 'boolean') spec.addSpacePrefix = addSpace;
    return new Tokenizer(spec);
  }

  get vocabSize(): number {
    return this.tokens.length;
  }

  /** True for the ids that end generation (EOS, EOT). */
  isEndOfGeneration(id: number): boolean {
    return id === this.eosId || id === this.eotId;
  }

  isControl(id: number): boolean {
    return this.types[id] === TokenType.control;
  }

  /** Text -> token ids. Special tokens written in the text are matched first unless `parseSpecial` is false. */
  encode(text: string, options: { addBos?: boolean; parseSpecial?: boolean } = {}): number[] {
    const out: number[] = [];
    if ((options.addBos ?? this.addBos) && this.bosId !== undefined) out.push(this.bosId);
    const parseSpecial = options.parseSpecial ?? true;
    let first = true;
    for (const piece of parseSpecial ? this.splitSpecial(text) : [text]) {
      if (typeof piece === 'number') {
        out.push(piece);
        continue;
      }
      if (this.model === 'gpt2') {
        for (const word of preTokenize(piece, this.spec.pre)) out.push(...this.bpeWord(word));
      } else {
        out.push(...this.spmEncode(piece, first));
      }
      first = false;
    }
    return out;
  }

  private splitSpecial(text: string): (string | number)[] {
    if (this.specials.length === 0) return [text];
    const out: (string | number)[] = [];
    let start = 0;
    let i = 0;
    while (i < text.length) {
      const hit = this.specials.find((s) => text.startsWith(s.text, i));
      if (hit) {
        if (i > start) out.push(text.slice(start, i));
        out.push(hit.id);
        i += hit.text.length;
        start = i;
      } else {
        i++;
      }
    }
    if (start < text.length) out.push(text.slice(start));
    return out;
  }

  private bpeWord(word: string): number[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    let symbols = Array.from(encoder.encode(word), (b) => BYTE_TO_CHAR[b]!);
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.mergeRank.get(symbols[i] + '\u0000' + symbols[i + 1]);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      symbols = [...symbols.slice(0, best), symbols[best]! + symbols[best + 1]!, ...symbols.slice(best + 2)];
    }
    const ids: number[] = [];
    for (const s of symbols) {
      const id = this.ids.get(s);
      if (id !== undefined) ids.push(id);
      else for (const ch of s) {
        const byteId = this.ids.get(ch);
        if (byteId === undefined) throw new GGUFError(`tokenizer: the vocabulary has no token for byte ${CHAR_TO_BYTE.get(ch)}`);
        ids.push(byteId);
      }
    }
    this.cache.set(word, ids);
    return ids;
  }

  /** llama.cpp's SentencePiece tokenizer: merge the best-scoring adjacent pair present in the vocabulary. */
  private spmEncode(text: string, atStart: boolean): number[] {
    if (text.length === 0) return [];
    let s = text.replace(/ /g, '\u2581');
    if (atStart && (this.spec.addSpacePrefix ?? true)) s = '\u2581' + s;
    const scores = this.spec.scores ?? [];
    let symbols = Array.from(s);
    for (;;) {
      let best = -1;
      let bestScore = -Infinity;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const id = this.ids.get(symbols[i]! + symbols[i + 1]!);
        if (id === undefined) continue;
        const score = scores[id] ?? 0;
        if (score > bestScore) {
          bestScore = score;
          best = i;
        }
      }
      if (best < 0) break;
      symbols = [...symbols.slice(0, best), symbols[best]! + symbols[best + 1]!, ...symbols.slice(best + 2)];
    }
    const ids: number[] = [];
    for (const sym of symbols) {
      const id = this.ids.get(sym);
      if (id !== undefined) {
        ids.push(id);
        continue;
      }
      for (const b of encoder.encode(sym)) {
        const byteId = this.ids.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
        if (byteId !== undefined) ids.push(byteId);
        else ids.push(0);
      }
    }
    return ids;
  }

  /** The bytes a token stands for (control tokens: empty unless `special`). */
  tokenBytes(id: number, special = false): Uint8Array {
    const text = this.tokens[id];
    if (text === undefined) return new Uint8Array(0);
    const type = this.types[id];
    if (type === TokenType.control) return special ? encoder.encode(text) : new Uint8Array(0);
    if (type === TokenType.userDefined) return encoder.encode(text);
    if (this.model === 'gpt2') {
      const out: number[] = [];
      for (const ch of text) {
        const b = CHAR_TO_BYTE.get(ch);
        if (b === undefined) out.push(...encoder.encode(ch));
        else out.push(b);
      }
      return Uint8Array.from(out);
    }
    if (type === TokenType.byte) {
      const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(text);
      if (m) return Uint8Array.of(parseInt(m[1]!, 16));
    }
    return encoder.encode(text.replace(/\u2581/g, ' '));
  }

  /** Token ids -> text (invalid UTF-8 becomes U+FFFD). SentencePiece drops the space prefix it added. */
  decode(ids: number[], options: { special?: boolean } = {}): string {
    const parts: Uint8Array[] = ids.map((id) => this.tokenBytes(id, options.special ?? false));
    const total = parts.reduce((n, p) => n + p.length, 0);
    const all = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    let text = new TextDecoder().decode(all);
    if (this.model === 'llama' && (this.spec.addSpacePrefix ?? true) && text.startsWith(' ')) text = text.slice(1);
    return text;
  }
}

/** Turns a stream of token ids into text, holding back bytes of a UTF-8 character split across tokens. */
export class TokenStreamDecoder {
  private pending: number[] = [];
  private readonly decoder = new TextDecoder('utf-8');
  private started = false;

  constructor(private readonly tokenizer: Tokenizer) {}

  push(id: number): string {
    const bytes = this.tokenizer.tokenBytes(id);
    this.pending.push(...bytes);
    const cut = completePrefix(this.pending);
    if (cut === 0) return '';
    let text = this.decoder.decode(Uint8Array.from(this.pending.slice(0, cut)));
    this.pending = this.pending.slice(cut);
    if (!this.started && this.tokenizer.model === 'llama' && text.startsWith(' ')) text = text.slice(1);
    if (text.length > 0) this.started = true;
    return text;
  }

  flush(): string {
    const text = this.pending.length ? this.decoder.decode(Uint8Array.from(this.pending)) : '';
    this.pending = [];
    return text;
  }
}

/** Length of the longest prefix that does not end inside a UTF-8 multi-byte sequence. */
function completePrefix(bytes: number[]): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back]!;
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}
