// Tests for the Kern lexer: every token kind with exact spans, literal values, comments and lexical errors.
// Errors must be diagnostics with precise ranges; the lexer never throws and always ends with an `eof` token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYWORDS, PUNCTUATION, floatLiteralValue, intLiteralValue, stringLiteralValue, tokenize } from '../../kernels/lang/lexer';

/** `kind:text@start-end` for each token, without the final eof. */
function show(text: string): string[] {
  return tokenize('t.kern', text).tokens.slice(0, -1).map((t) => `${t.kind}:${t.text}@${t.span.start}-${t.span.end}`);
}

function errors(text: string): string[] {
  return tokenize('t.kern', text).diagnostics.map((d) => `${d.code}@${d.span.start}-${d.span.end}: ${d.message}`);
}

test('identifiers and every reserved keyword', () => {
  assert.deepEqual(show('saxpy _tmp x1 f32 placement host seed'), [
    'ident:saxpy@0-5', 'ident:_tmp@6-10', 'ident:x1@11-13', 'ident:f32@14-17',
    'ident:placement@18-27', 'ident:host@28-32', 'ident:seed@33-37',
  ]);
  for (const keyword of KEYWORDS) {
    const [token] = tokenize('t.kern', ` ${keyword} `).tokens;
    assert.equal(token!.kind, keyword, keyword);
    assert.deepEqual(token!.span, { start: 1, end: 1 + keyword.length });
  }
  assert.equal(KEYWORDS.length, 26);
  // Keywords are whole words only.
  assert.deepEqual(show('letter iff'), ['ident:letter@0-6', 'ident:iff@7-10']);
});

test('every operator and punctuation mark, matched greedily', () => {
  for (const p of PUNCTUATION) {
    const r = tokenize('t.kern', p);
    assert.equal(r.tokens[0]!.kind, p, p);
    assert.equal(r.tokens[0]!.text, p);
    assert.equal(r.tokens.length, 2, p);
    assert.deepEqual(r.diagnostics, []);
  }
  assert.deepEqual(show('a<<=b>>=c'), ['ident:a@0-1', '<<=:<<=@1-4', 'ident:b@4-5', '>>=:>>=@5-8', 'ident:c@8-9']);
  assert.deepEqual(show('y[i] ~= x'), ['ident:y@0-1', '[:[@1-2', 'ident:i@2-3', ']:]@3-4', '~=:~=@5-7', 'ident:x@8-9']);
  assert.deepEqual(show('fn f() -> f32'), ['fn:fn@0-2', 'ident:f@3-4', '(:(@4-5', '):)@5-6', '->:->@7-9', 'ident:f32@10-13']);
  assert.deepEqual(show('a&&!b||~c'), ['ident:a@0-1', '&&:&&@1-3', '!:!@3-4', 'ident:b@4-5', '||:||@5-7', '~:~@7-8', 'ident:c@8-9']);
});

test('integer literals: decimal, hex, binary, separators, exact values', () => {
  assert.deepEqual(show('0 42 1_000_000 0xFF 0x8000_0000 0b1010 0B11'), [
    'int:0@0-1', 'int:42@2-4', 'int:1_000_000@5-14', 'int:0xFF@15-19', 'int:0x8000_0000@20-31', 'int:0b1010@32-38', 'int:0B11@39-43',
  ]);
  assert.equal(intLiteralValue('1_000_000'), 1000000n);
  assert.equal(intLiteralValue('0xFF'), 255n);
  assert.equal(intLiteralValue('0x8000_0000'), 2147483648n);
  assert.equal(intLiteralValue('0b1010'), 10n);
  // Values beyond 64 bits stay exact; the checker decides whether they fit.
  assert.equal(intLiteralValue('123456789012345678901234567890'), 123456789012345678901234567890n);
});

test('float literals: 1.0, .5, 1e-5, 3.0e8', () => {
  assert.deepEqual(show('1.0 .5 1e-5 3.0e8 2E+3 1_000.25'), [
    'float:1.0@0-3', 'float:.5@4-6', 'float:1e-5@7-11', 'float:3.0e8@12-17', 'float:2E+3@18-22', 'float:1_000.25@23-31',
  ]);
  assert.equal(floatLiteralValue('1.0'), 1);
  assert.equal(floatLiteralValue('.5'), 0.5);
  assert.equal(floatLiteralValue('1e-5'), 1e-5);
  assert.equal(floatLiteralValue('3.0e8'), 3e8);
  assert.equal(floatLiteralValue('1_000.25'), 1000.25);
});

test('ranges and member access next to numbers', () => {
  assert.deepEqual(show('0..n'), ['int:0@0-1', '..:..@1-3', 'ident:n@3-4']);
  assert.deepEqual(show('a..5'), ['ident:a@0-1', '..:..@1-3', 'int:5@3-4']);
  assert.deepEqual(show('thread.x'), ['ident:thread@0-6', '.:.@6-7', 'ident:x@7-8']);
  assert.deepEqual(show('1.5..2'), ['float:1.5@0-3', '..:..@3-5', 'int:2@5-6']);
});

test('strings keep their quotes in the text; the value has none', () => {
  assert.deepEqual(show('import "lib/common.kern";'), ['import:import@0-6', 'string:"lib/common.kern"@7-24', ';:;@24-25']);
  assert.equal(stringLiteralValue('"lib/common.kern"'), 'lib/common.kern');
  assert.equal(stringLiteralValue('"unterminated'), 'unterminated');
});

test('comments are collected with exact spans and produce no tokens', () => {
  const r = tokenize('t.kern', 'a // line\n/* block\n spans */ b /**/ c');
  assert.deepEqual(r.tokens.map((t) => t.text), ['a', 'b', 'c', '']);
  assert.deepEqual(r.comments, [{ start: 2, end: 9 }, { start: 10, end: 28 }, { start: 31, end: 35 }]);
  // Block comments do not nest: the first */ ends it.
  assert.deepEqual(show('/* a /* b */ x */'), ['ident:x@13-14', '*:*@15-16', '/:/@16-17']);
  // A comment at the very end without a newline.
  assert.deepEqual(tokenize('t.kern', 'x // end').comments, [{ start: 2, end: 8 }]);
});

test('the token list ends with one empty eof token at the end of the text', () => {
  const r = tokenize('t.kern', 'a  ');
  assert.deepEqual(r.tokens.at(-1), { kind: 'eof', text: '', span: { start: 3, end: 3 } });
  assert.deepEqual(tokenize('t.kern', '').tokens, [{ kind: 'eof', text: '', span: { start: 0, end: 0 } }]);
});

test('bad characters are reported one by one and skipped', () => {
  assert.deepEqual(show('a @ b'), ['ident:a@0-1', 'ident:b@4-5']);
  assert.deepEqual(errors('a @ b'), ["K1001@2-3: unexpected character '@'"]);
  assert.deepEqual(errors('#$'), ["K1001@0-1: unexpected character '#'", "K1001@1-2: unexpected character '$'"]);
  assert.deepEqual(errors('x = é;'), ["K1001@4-5: unexpected character 'é' (U+00E9)"]);
  // A character outside the BMP is one diagnostic covering both UTF-16 units.
  assert.deepEqual(errors('x 😀 y'), ["K1001@2-4: unexpected character '😀' (U+1F600)"]);
  assert.deepEqual(errors('a\u0007b'), ['K1001@1-2: unexpected character U+0007']);
});

test('an unterminated block comment is reported at its opening', () => {
  const r = tokenize('t.kern', 'let x = 1; /* never closed\n more');
  assert.deepEqual(errors('let x = 1; /* never closed\n more'), ["K1002@11-13: unterminated block comment: '/*' has no matching '*/'"]);
  assert.deepEqual(r.comments, [{ start: 11, end: 32 }]);
  assert.equal(r.tokens.length, 6);
});

test('an unterminated string ends at the end of its line', () => {
  assert.deepEqual(show('import "a.kern\nx'), ['import:import@0-6', 'string:"a.kern@7-14', 'ident:x@15-16']);
  assert.deepEqual(errors('import "a.kern\nx'), ['K1003@7-14: unterminated string: the closing \'"\' is missing on this line']);
});

test('malformed numbers are one token and one diagnostic naming the problem', () => {
  assert.deepEqual(errors('0x'), ["K1004@0-2: invalid number '0x': expected hexadecimal digits after '0x'"]);
  assert.deepEqual(errors('0b'), ["K1004@0-2: invalid number '0b': expected binary digits after '0b'"]);
  assert.deepEqual(errors('0b102'), ["K1004@0-5: invalid number '0b102': '2' is not a binary digit"]);
  assert.deepEqual(errors('1e'), ["K1004@0-2: invalid number '1e': expected digits in the exponent"]);
  assert.deepEqual(errors('2.5e+'), ["K1004@0-5: invalid number '2.5e+': expected digits in the exponent"]);
  assert.deepEqual(errors('10u'), ["K1004@0-3: invalid number '10u': unexpected 'u' after the digits"]);
  assert.deepEqual(errors('1.5f'), ["K1004@0-4: invalid number '1.5f': unexpected 'f' after the digits"]);
  assert.deepEqual(errors('1. + 2'), ["K1004@0-2: invalid number '1.': expected a digit after the decimal point; write '1.0'"]);
  assert.deepEqual(show('10u + 1'), ['int:10u@0-3', '+:+@4-5', 'int:1@6-7']);
  assert.equal(intLiteralValue('0x'), 0n);
  assert.equal(floatLiteralValue('1e'), 1);
});

test('CRLF line endings and a byte-order mark are whitespace', () => {
  assert.deepEqual(show('\uFEFFa\r\nb'), ['ident:a@1-2', 'ident:b@4-5']);
  assert.deepEqual(errors('\uFEFFa\r\nb'), []);
});
