// Tokenizers from GGUF metadata: byte-level BPE (Llama 3 style) and SentencePiece (Llama 2 style).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memorySource, readGGUFFrom } from '../../kernels/llama/gguf';
import { encodeGGUF, meta } from '../../kernels/llama/gguf-write';
import { BYTE_TO_CHAR, preTokenize, Tokenizer, TokenStreamDecoder, TokenType } from '../../kernels/llama/tokenizer';
import { buildTinyModel } from '../../kernels/llama/tiny-model';

function bpe(): Tokenizer {
  const merges = ['Ġ t', 'h e', 'Ġt he', 'l l', 'o r'];
  const tokens = [...BYTE_TO_CHAR, 'Ġt', 'he', 'Ġthe', 'll', 'or', '<|begin_of_text|>', '<|end_of_text|>'];
  const types = tokens.map((_, i) => (i >= tokens.length - 2 ? TokenType.control : TokenType.normal));
  return new Tokenizer({ model: 'gpt2', pre: 'llama-bpe', tokens, merges, tokenTypes: types, bosId: 261, eosId: 262, addBos: true });
}

test('Llama 3 pre-tokenizer splits words, punctuation, digit triples and newlines', () => {
  assert.deepEqual(preTokenize("Hello, world! 123456 it's\n\n", 'llama-bpe'), ['Hello', ',', ' world', '!', ' ', '123', '456', ' it', "'s", '\n\n']);
  assert.deepEqual(preTokenize('a  b', 'llama-bpe'), ['a', ' ', ' b']);
});

test('byte-level BPE applies merges by rank and adds BOS', () => {
  const t = bpe();
  assert.deepEqual(t.encode(' the'), [261, 258]);
  assert.deepEqual(t.encode('the hello', { addBos: false }), [116, 257, 32, 257, 259, 111]);
  assert.equal(t.decode([261, 258]), ' the');
});

test('special tokens written in the text are matched first', () => {
  const t = bpe();
  assert.deepEqual(t.encode('<|begin_of_text|> the<|end_of_text|>', { addBos: false }), [261, 258, 262]);
  assert.deepEqual(t.encode('<|end_of_text|>', { addBos: false, parseSpecial: false }).length, 15);
  assert.equal(t.decode([261, 258, 262]), ' the');
  assert.equal(t.decode([261, 258, 262], { special: true }), '<|begin_of_text|> the<|end_of_text|>');
  assert.ok(t.isEndOfGeneration(262));
});

test('byte-level BPE round-trips any UTF-8 text', () => {
  const t = bpe();
  for (const s of ['héllo wörld 🙂\n\n  tabs\tand ünïcode — 日本語', 'The theory', '']) {
    assert.equal(t.decode(t.encode(s, { addBos: false })), s);
  }
});

test('streaming decoder holds back a split UTF-8 character', () => {
  const t = bpe();
  const d = new TokenStreamDecoder(t);
  const ids = t.encode('é!', { addBos: false }); // 0xC3 0xA9 '!' as three byte tokens
  assert.deepEqual(ids, [BYTE_TO_CHAR.indexOf(BYTE_TO_CHAR[0xc3]!), BYTE_TO_CHAR.indexOf(BYTE_TO_CHAR[0xa9]!), 33]);
  assert.equal(d.push(ids[0]!), '');
  assert.equal(d.push(ids[1]!), 'é');
  assert.equal(d.push(ids[2]!), '!');
  assert.equal(d.flush(), '');
});

test('SentencePiece merges by score with byte fallback, and drops the added space on decode', () => {
  const pieces: [string, number, number][] = [
    ['<unk>', 0, TokenType.unknown], ['<s>', 0, TokenType.control], ['</s>', 0, TokenType.control],
    ...Array.from({ length: 256 }, (_, b): [string, number, number] => [`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, 0, TokenType.byte]),
    ['▁', -1, 1], ['h', -2, 1], ['e', -2, 1], ['l', -2, 1], ['o', -2, 1], ['w', -2, 1], ['r', -2, 1], ['d', -2, 1],
    ['ll', -3, 1], ['▁h', -4, 1], ['he', -5, 1], ['llo', -6, 1], ['▁he', -7, 1], ['▁hello', -8, 1], ['▁w', -9, 1], ['or', -10, 1],
  ];
  const bytes = encodeGGUF([
    meta.str('tokenizer.ggml.model', 'llama'),
    meta.strings('tokenizer.ggml.tokens', pieces.map((p) => p[0])),
    meta.f32s('tokenizer.ggml.scores', pieces.map((p) => p[1])),
    meta.i32s('tokenizer.ggml.token_type', pieces.map((p) => p[2])),
    meta.u32('tokenizer.ggml.bos_token_id', 1),
    meta.u32('tokenizer.ggml.eos_token_id', 2),
  ], []);
  const t = Tokenizer.fromGGUF(readGGUFFrom(memorySource(bytes)));
  const id = (s: string) => pieces.findIndex((p) => p[0] === s);
  assert.deepEqual(t.encode('hello world'), [1, id('▁hello'), id('▁w'), id('or'), id('l'), id('d')]);
  assert.deepEqual(t.encode('hé', { addBos: false }), [id('▁h'), 3 + 0xc3, 3 + 0xa9]);
  assert.equal(t.decode(t.encode('hello world')), 'hello world');
  assert.equal(t.decode(t.encode('hé wörld')), 'hé wörld');
  assert.equal(t.eosId, 2);
});

test('the tiny model carries a working BPE tokenizer', () => {
  const { entries } = buildTinyModel('f32');
  const t = Tokenizer.fromGGUF(readGGUFFrom(memorySource(encodeGGUF(entries, []))));
  assert.equal(t.vocabSize, 322);
  const ids = t.encode('Once upon a time, the kernels were fast.');
  assert.equal(ids[0], t.bosId);
  assert.ok(ids.length < 30, `merges shorten common words (${ids.length} tokens)`);
  assert.equal(t.decode(ids), 'Once upon a time, the kernels were fast.');
});

test('a GGUF without a known tokenizer model is reported clearly', () => {
  const f = readGGUFFrom(memorySource(encodeGGUF([meta.str('tokenizer.ggml.model', 'bert')], [])));
  assert.throws(() => Tokenizer.fromGGUF(f), /tokenizer.ggml.model is "bert"; supported: "gpt2" \(byte-level BPE\) and "llama" \(SentencePiece\)/);
});
