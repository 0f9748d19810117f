// The Kern parser: hand-written recursive descent with precedence climbing, building ast.ts exactly.
// It recovers from errors (virtual `;` / `)` / `}`, resynchronisation), reports each independent one once, never throws.
import type {
  Arg, ArrayLit, AssignOp, BinaryOp, Block, CallExpr, ConstItem, ErrorExpr, ExpectStmt, Expr, FnItem, ForStmt,
  Ident, IfStmt, ImportItem, Item, KernelItem, LaunchStmt, LetStmt, Param, ReadStmt, RepeatStmt, RunItem,
  ScalarTypeNode, SharedStmt, SourceFile, Span, Stmt, StringLit, TypeNode, UnaryOp, WhileStmt,
} from './ast';
import { makeDiagnostic, type DiagnosticCode } from './diagnostics';
import { floatLiteralValue, intLiteralValue, isKeyword, stringLiteralValue, tokenize, type Token, type TokenKind } from './lexer';
import type { Diagnostic } from './source';

export interface ParseResult {
  file: SourceFile;
  /** Lexical and syntax diagnostics, sorted by position. */
  diagnostics: Diagnostic[];
  /**
   * How many leading items were parsed before the parser reported anything: past them its state (what it keeps
   * quiet after an error, keywords taken as names) may differ from a fresh start, so an incremental re-parse
   * cannot start there.
   */
  cleanItems: number;
}

/**
 * Deeper nesting than this is reported (K1014) instead of overflowing the stack: blocks, brackets, `else if`
 * links and expression height (each operator of a chain, each prefix operator, call and index counts).
 * Every later recursive pass (checker, lowering, code generators, editor features) survives about 1000
 * levels on Node's default stack before JIT warm-up; 256 keeps a 4x margin.
 */
export const MAX_NESTING = 256;

const BINARY_PRECEDENCE: Partial<Record<TokenKind, number>> = {
  '||': 1, '&&': 2,
  '==': 3, '!=': 3,
  '<': 4, '<=': 4, '>': 4, '>=': 4,
  '|': 5, '^': 6, '&': 7,
  '<<': 8, '>>': 8,
  '+': 9, '-': 9,
  '*': 10, '/': 10, '%': 10,
};

const ASSIGN_OPS: ReadonlySet<TokenKind> = new Set<TokenKind>(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=']);

const ITEM_KEYWORDS: ReadonlySet<TokenKind> = new Set<TokenKind>(['import', 'const', 'fn', 'kernel', 'run']);

const STATEMENT_KEYWORDS: ReadonlySet<TokenKind> = new Set<TokenKind>([
  'let', 'var', 'shared', 'if', 'for', 'while', 'break', 'continue', 'return', 'launch', 'read', 'expect', 'repeat',
]);

const EXPRESSION_STARTS: ReadonlySet<TokenKind> = new Set<TokenKind>([
  'ident', 'int', 'float', 'string', 'true', 'false', 'buffer', '(', '[', '-', '!', '~',
]);

const OPENERS: ReadonlySet<TokenKind> = new Set<TokenKind>(['(', '[', '{']);
const CLOSERS: ReadonlySet<TokenKind> = new Set<TokenKind>([')', ']', '}']);

/** Parses one file. Never throws: every problem becomes a diagnostic and the tree holds Error nodes. */
export function parse(path: string, text: string): ParseResult {
  const { items, comments, diagnostics, cleanItems } = parseRange(path, text, 0, text.length, null);
  const file: SourceFile = {
    kind: 'SourceFile',
    path,
    text,
    items,
    comments,
    span: { start: 0, end: text.length },
  };
  return { file, diagnostics, cleanItems };
}

/** The items, comments and diagnostics (sorted by position) of one range of a file's text. */
export interface RangeParse {
  items: Item[];
  comments: Span[];
  diagnostics: Diagnostic[];
  /** The range's last token (not `eof`), or null when it has none. */
  lastToken: Token | null;
  /** As ParseResult.cleanItems, counted in `items`. */
  cleanItems: number;
  /** How many syntax (not lexical) diagnostics the parser reported. */
  reported: number;
  /** With a lookahead: whether the parse stopped at it, at the top level, having read nothing past it. */
  stoppedAtLookahead: boolean;
}

/**
 * Parses the items of `text` from `start` to `end` (offsets stay the whole text's) as the whole-file parse
 * would if it reached `start` with no error behind it, `previous` being the item before. With `lookahead`,
 * the token that follows `end` in the whole text: the parse stops when it is back at the top level there,
 * and `stoppedAtLookahead` tells whether it did so without reading past it (incremental.ts re-parses
 * one item this way). Without it, `end` must be the end of the text.
 */
export function parseRange(path: string, text: string, start: number, end: number, previous: Item | null, lookahead?: Token): RangeParse {
  const lexed = tokenize(path, text, start, end);
  const tokens = lexed.tokens;
  const own = tokens.length - 1;
  const lastToken = own > 0 ? tokens[own - 1]! : null;
  let overran = false;
  if (lookahead) {
    // Past the lookahead the parse would see the rest of the file; here it would see this stand-in instead,
    // so any read of it means the range parse may differ from the whole-file one.
    const sentinel = {} as Token;
    const touched = (): never => {
      overran = true;
      return undefined as never;
    };
    Object.defineProperty(sentinel, 'kind', { get: () => (touched(), 'eof') });
    Object.defineProperty(sentinel, 'text', { get: () => (touched(), '') });
    Object.defineProperty(sentinel, 'span', { get: () => (touched(), { start: text.length, end: text.length }) });
    tokens[own] = lookahead;
    tokens.push(sentinel);
  }
  const parser = new Parser(path, text, tokens, lexed.diagnostics, start, lookahead ? own : -1);
  const items = parser.parseItems(previous);
  const diagnostics = [...lexed.diagnostics, ...parser.diagnostics].sort((a, b) => a.span.start - b.span.start);
  const stoppedAtLookahead = lookahead !== undefined && !overran && parser.position === own;
  return { items, comments: lexed.comments, diagnostics, lastToken, stoppedAtLookahead, cleanItems: parser.cleanItems, reported: parser.diagnostics.length };
}

class Parser {
  readonly diagnostics: Diagnostic[] = [];
  private pos = 0;
  private depth = 0;
  private tooDeepReported = false;
  /** Height of the expression the last parse function returned (a leaf is 1), for the nesting limit. */
  private height = 1;
  /** Errors starting at or before this offset are consequences of the last one and are not reported. */
  private quietUntil = -1;
  private readonly lexicalErrorStarts: number[];
  private readonly unterminatedComment: boolean;
  /** Keywords already reported (K1011) and accepted as declared names; their later uses read as names quietly. */
  private readonly keywordNames = new Set<string>();

  constructor(
    private readonly path: string,
    private readonly text: string,
    private readonly tokens: Token[],
    lexicalDiagnostics: Diagnostic[],
    /** Where the parsed range starts: the end of the token before it (0 for a whole file). */
    private readonly rangeStart = 0,
    /** Token index where parseItems stops (a range parse's lookahead); -1: at `eof`. */
    private readonly stopIndex = -1,
  ) {
    this.lexicalErrorStarts = lexicalDiagnostics.map((d) => d.span.start);
    this.unterminatedComment = lexicalDiagnostics.some((d) => d.code === 'K1002');
  }

  // ------------------------------------------------------------ token helpers

  private get tok(): Token {
    return this.tokens[this.pos]!;
  }

  private peek(offset = 1): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)]!;
  }

  private at(kind: TokenKind): boolean {
    return this.tok.kind === kind;
  }

  /** End of the last consumed token: where a missing `;` or `)` belongs. */
  private get prevEnd(): number {
    return this.pos === 0 ? this.rangeStart : this.tokens[this.pos - 1]!.span.end;
  }

  private advance(): Token {
    const t = this.tok;
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  private eat(kind: TokenKind): Token | null {
    return this.at(kind) ? this.advance() : null;
  }

  private spanFrom(start: number): Span {
    return { start, end: Math.max(start, this.prevEnd) };
  }

  /** Whether the current token starts a new line (a missing `;` is then inserted rather than resynchronised). */
  private onNewLine(): boolean {
    return this.tok.kind === 'eof' || this.lineBreakBefore(this.pos);
  }

  /** Whether a line break separates token `index` from the token before it (comments included). */
  private lineBreakBefore(index: number): boolean {
    const from = index === 0 ? this.rangeStart : this.tokens[index - 1]!.span.end;
    const to = this.tokens[index]!.span.start;
    for (let i = from; i < to; i++) {
      const c = this.text.charCodeAt(i);
      if (c === 10 || c === 13) return true;
    }
    return false;
  }

  /** How a token is named in messages: `'let'`, `"path"`, `end of file`; long ones are shortened. */
  private describe(t: Token): string {
    const text = t.text.length > 32 ? `${t.text.slice(0, 29)}…` : t.text;
    switch (t.kind) {
      case 'eof':
        return 'end of file';
      case 'string':
        return text;
      default:
        return `'${text}'`;
    }
  }

  // ------------------------------------------------------------ diagnostics

  private report(code: DiagnosticCode, span: Span, args: (string | number)[], related?: { span: Span; message: string }): void {
    if (span.start <= this.quietUntil) return;
    // A syntax error right after a lexical one (a skipped bad character, an unterminated comment) is its echo.
    const previous = this.pos === 0 ? this.rangeStart : this.tokens[this.pos - 1]!.span.start;
    const from = Math.min(previous, span.start);
    const to = Math.max(span.end, this.tok.span.start);
    if (this.hasLexicalErrorIn(from, to)) return;
    if (this.unterminatedComment && this.tok.kind === 'eof' && span.start >= this.prevEnd) return;
    const diagnostic = makeDiagnostic(code, this.path, span, ...args);
    if (related) diagnostic.related = [{ file: this.path, span: related.span, message: related.message }];
    this.diagnostics.push(diagnostic);
    this.quietUntil = Math.max(span.end, span.start);
  }

  /** Whether a lexical diagnostic starts in [from, to) (binary search: the lexer reports in order). */
  private hasLexicalErrorIn(from: number, to: number): boolean {
    const starts = this.lexicalErrorStarts;
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < starts.length && starts[lo]! < to;
  }

  /** Reports at the current token: `expected X, found Y`. */
  private expected(what: string): void {
    this.report('K1005', this.tok.span, [what, this.describe(this.tok)]);
  }

  /** Reports a missing closer just after the previous token, pointing back at its opener. */
  private expectClose(closer: ')' | ']' | '}', opener: Token, what: string): boolean {
    if (this.eat(closer)) return true;
    const at = { start: this.prevEnd, end: this.prevEnd };
    this.report('K1007', at, [closer, what, this.describe(this.tok)], { span: opener.span, message: `${what} opened here` });
    return false;
  }

  private errorCount(): number {
    return this.diagnostics.length;
  }

  /** Ends a statement or item at `;`: inserted virtually before a new line, otherwise the rest is skipped. */
  private expectSemicolon(what: string, errorsBefore: number): void {
    if (this.eat(';')) return;
    if (this.errorCount() > errorsBefore) {
      this.synchronize();
      return;
    }
    const at = { start: this.prevEnd, end: this.prevEnd };
    this.report('K1006', at, [what, this.describe(this.tok)]);
    const startsSomething = STATEMENT_KEYWORDS.has(this.tok.kind) || ITEM_KEYWORDS.has(this.tok.kind) || CLOSERS.has(this.tok.kind);
    if (!this.onNewLine() && !startsSomething) this.synchronize();
  }

  /** Skips to the end of the broken statement: past `;`, or up to `}`, a statement or item keyword. */
  private synchronize(): void {
    while (true) {
      const kind = this.tok.kind;
      if (kind === 'eof' || kind === '}' || STATEMENT_KEYWORDS.has(kind) || ITEM_KEYWORDS.has(kind)) return;
      if (kind === ';') {
        this.advance();
        return;
      }
      if (kind === '{') {
        this.skipBalanced();
        continue;
      }
      this.advance();
    }
  }

  /** Skips one token, or a whole bracketed group when at an opener; iterative, so any depth is safe. */
  private skipBalanced(): void {
    if (!OPENERS.has(this.tok.kind)) {
      this.advance();
      return;
    }
    let open = 0;
    do {
      const kind = this.advance().kind;
      if (OPENERS.has(kind)) open++;
      else if (CLOSERS.has(kind)) open--;
      else if (kind === 'eof') {
        // Everything up to the end of the file belongs to this one problem.
        this.quietUntil = this.text.length;
        return;
      }
    } while (open > 0);
  }

  /** Counts one level of nesting; past MAX_NESTING reports once and tells the caller to skip. */
  private enter(): boolean {
    if (this.depth >= MAX_NESTING) {
      this.reportTooDeep(this.tok.span);
      return false;
    }
    this.depth++;
    return true;
  }

  private leave(): void {
    this.depth--;
  }

  /**
   * Whether an expression of `height` built inside the current nesting crosses MAX_NESTING; if so, reports
   * K1014 at `at` (the term or operator that crosses it). Later passes recurse once per level of the tree.
   */
  private tooTall(height: number, at: Span): boolean {
    if (this.depth - 1 + height <= MAX_NESTING) return false;
    this.reportTooDeep(at);
    return true;
  }

  /** K1014 once per file: past the first, deep code is skipped quietly rather than reported again and again. */
  private reportTooDeep(at: Span): void {
    if (this.tooDeepReported) return;
    this.tooDeepReported = true;
    this.report('K1014', at, [MAX_NESTING]);
  }

  /** Skips the rest of an expression that is too deep to parse: up to a token that cannot continue it. */
  private skipExpression(): void {
    while (true) {
      const kind = this.tok.kind;
      if (kind === 'eof' || kind === ';' || kind === ',' || kind === '{' || kind === '..' || kind === 'within' || kind === 'step') return;
      if (CLOSERS.has(kind) || ASSIGN_OPS.has(kind) || STATEMENT_KEYWORDS.has(kind) || ITEM_KEYWORDS.has(kind)) return;
      this.skipBalanced();
    }
  }

  // ------------------------------------------------------------ names and types

  /** A name being declared; a keyword is reported and accepted so the rest of the declaration still parses. */
  private parseDeclName(what: string): Ident {
    const t = this.tok;
    if (t.kind === 'ident') {
      this.advance();
      return { kind: 'Ident', name: t.text, span: t.span };
    }
    // A keyword on the same line is most likely meant as the name; on a new line it starts the next statement.
    if (isKeyword(t.kind) && !this.onNewLine()) {
      this.report('K1011', t.span, [t.text]);
      this.keywordNames.add(t.kind);
      this.advance();
      return { kind: 'Ident', name: t.text, span: t.span };
    }
    this.expected(what);
    return { kind: 'Ident', name: '', span: { start: this.tok.span.start, end: this.tok.span.start } };
  }

  private parseType(): TypeNode {
    const start = this.tok.span.start;
    const mutTok = this.eat('mut');
    const t = this.tok;
    if (t.kind !== 'ident') {
      this.report('K1009', t.span, [this.describe(t)]);
      return { kind: 'ScalarType', name: '', span: { start: t.span.start, end: t.span.start } };
    }
    this.advance();
    const elem: ScalarTypeNode = { kind: 'ScalarType', name: t.text, span: t.span };
    const open = this.eat('[');
    if (!open) {
      if (mutTok) this.report('K1015', this.spanFrom(start), [t.text]);
      return elem;
    }
    if (this.eat(']')) return { kind: 'BufferType', elem, mutable: mutTok !== null, span: this.spanFrom(start) };
    const size = this.parseExpr();
    this.expectClose(']', open, "the array size '['");
    if (mutTok) this.report('K1015', this.spanFrom(start), [t.text]);
    return { kind: 'ArrayType', elem, size, span: this.spanFrom(start) };
  }

  // ------------------------------------------------------------ items

  /** The index of the current token. */
  get position(): number {
    return this.pos;
  }

  /** Leading items parsed before the first syntax diagnostic was reported (ParseResult.cleanItems). */
  cleanItems = 0;

  parseItems(previous: Item | null = null): Item[] {
    const items: Item[] = [];
    while (this.pos !== this.stopIndex && !this.at('eof')) {
      const before = this.pos;
      const item = this.parseItem(items.at(-1) ?? previous);
      if (item) items.push(item);
      if (this.diagnostics.length === 0) this.cleanItems = items.length;
      if (this.pos === before) this.advance();
    }
    return items;
  }

  private parseItem(previous: Item | null): Item | null {
    switch (this.tok.kind) {
      case 'import':
        return this.parseImport();
      case 'const':
        return this.parseConst();
      case 'fn':
        return this.parseFn();
      case 'kernel':
        return this.parseKernel();
      case 'run':
        return this.parseRun();
      default:
        this.report('K1010', this.tok.span, [this.describe(this.tok)], this.extraBraceHint(previous));
        while (!this.at('eof') && !ITEM_KEYWORDS.has(this.tok.kind)) this.advance();
        return null;
    }
  }

  /** When a statement follows the `}` that ended the previous item, that `}` was probably one too many. */
  private extraBraceHint(previous: Item | null): { span: Span; message: string } | undefined {
    if (!previous || !('body' in previous)) return undefined;
    // The token before: in a range parse's first position, the one that ends the range's previous item.
    let closer: Span;
    if (this.pos > 0) {
      const t = this.tokens[this.pos - 1]!;
      if (t.kind !== '}') return undefined;
      closer = t.span;
    } else {
      if (this.rangeStart === 0 || this.text.charCodeAt(this.rangeStart - 1) !== 125 /* } */) return undefined;
      closer = { start: this.rangeStart - 1, end: this.rangeStart };
    }
    if (closer.end !== previous.body.span.end) return undefined;
    if (!EXPRESSION_STARTS.has(this.tok.kind) && !STATEMENT_KEYWORDS.has(this.tok.kind)) return undefined;
    return { span: closer, message: `this '}' ends ${previous.kind.toLowerCase()} '${previous.name.name}'; is an earlier '}' one too many?` };
  }

  private parseImport(): ImportItem {
    const errors = this.errorCount();
    const start = this.advance().span.start;
    const t = this.tok;
    let path = '';
    let pathSpan: Span = { start: t.span.start, end: t.span.start };
    if (t.kind === 'string') {
      this.advance();
      path = stringLiteralValue(t.text);
      pathSpan = t.span;
    } else {
      this.expected("a file path in quotes after 'import'");
    }
    this.expectSemicolon('import', errors);
    return { kind: 'Import', path, pathSpan, span: this.spanFrom(start) };
  }

  private parseConst(): ConstItem {
    const errors = this.errorCount();
    const start = this.advance().span.start;
    const name = this.parseDeclName('a name after \'const\'');
    const type = this.eat(':') ? this.parseType() : null;
    let value: Expr;
    if (this.eat('=')) {
      value = this.parseExpr();
    } else {
      this.expected(`'=' and a value for const '${name.name}'`);
      value = this.errorExpr();
    }
    this.expectSemicolon('const declaration', errors);
    return { kind: 'Const', name, type, value, span: this.spanFrom(start) };
  }

  private parseFn(): FnItem {
    const errors = this.errorCount();
    const start = this.advance().span.start;
    const name = this.parseDeclName("a function name after 'fn'");
    const params = this.parseParams(`function '${name.name}'`);
    let returnType: TypeNode | null = null;
    if (this.at(':') && this.peek().kind === 'ident') {
      this.expected("'->' before the return type");
      this.advance();
      returnType = this.parseType();
    }
    if (!this.at('->')) this.recoverToBody(errors);
    if (this.eat('->')) returnType = this.parseType();
    this.recoverToBody(errors);
    const body = this.parseBlock(`the body of function '${name.name}'`);
    return { kind: 'Fn', name, params, returnType, body, span: this.spanFrom(start) };
  }

  private parseKernel(): KernelItem {
    const errors = this.errorCount();
    const start = this.advance().span.start;
    const name = this.parseDeclName("a kernel name after 'kernel'");
    const params = this.parseParams(`kernel '${name.name}'`);
    this.recoverToBody(errors);
    const body = this.parseBlock(`the body of kernel '${name.name}'`);
    return { kind: 'Kernel', name, params, body, span: this.spanFrom(start) };
  }

  private parseRun(): RunItem {
    const errors = this.errorCount();
    const start = this.advance().span.start;
    const name = this.parseDeclName("a name after 'run'");
    this.recoverToBody(errors);
    const body = this.parseBlock(`run block '${name.name}'`);
    return { kind: 'Run', name, body, span: this.spanFrom(start) };
  }

  private parseParams(owner: string): Param[] {
    const params: Param[] = [];
    const open = this.eat('(');
    if (!open) {
      this.expected(`'(' and the parameters of ${owner}`);
      return params;
    }
    while (!this.at(')') && !this.at('eof') && !this.at('{')) {
      const start = this.tok.span.start;
      const before = this.pos;
      const name = this.parseDeclName('a parameter name');
      let type: TypeNode;
      if (this.eat(':')) {
        type = this.parseType();
      } else {
        this.expected(`':' and a type after parameter '${name.name}'`);
        type = this.at('ident') || this.at('mut') ? this.parseType() : { kind: 'ScalarType', name: '', span: { start: this.prevEnd, end: this.prevEnd } };
      }
      params.push({ name, type, span: this.spanFrom(start) });
      if (this.eat(',')) continue;
      if (this.at('ident')) {
        this.report('K1005', { start: this.prevEnd, end: this.prevEnd }, ["',' between parameters", this.describe(this.tok)]);
        continue;
      }
      if (this.pos === before) this.advance();
      if (!this.at(')')) break;
    }
    this.expectClose(')', open, `the parameter list of ${owner}`);
    return params;
  }

  // ------------------------------------------------------------ blocks and statements

  /** `{ stmts }`. A missing `{` is reported and assumed; a missing `}` is reported where the block must end. */
  private parseBlock(owner: string): Block {
    const start = this.tok.span.start;
    if (!this.enter()) {
      this.skipBalanced();
      return { kind: 'Block', stmts: [], span: this.spanFrom(start) };
    }
    try {
      let open = this.eat('{');
      if (!open) {
        this.expected(`'{' to start ${owner}`);
        if (this.at('eof') || this.at(';') || this.at('}') || ITEM_KEYWORDS.has(this.tok.kind)) {
          return { kind: 'Block', stmts: [], span: { start: this.prevEnd, end: this.prevEnd } };
        }
        const braceOnLine = this.braceLaterOnLine();
        if (braceOnLine !== null) {
          // `fn f(): f32 {`, `while c do {`: skip the stray tokens, the body is right there.
          this.pos = braceOnLine;
          open = this.advance();
        } else if (!this.onNewLine()) {
          // `else g();` on one line: the block is that one statement.
          const stmt = this.parseStatement();
          return { kind: 'Block', stmts: stmt ? [stmt] : [], span: this.spanFrom(start) };
        } else {
          // The `{` was forgotten at the end of the line; its `}` is probably there, so read up to it.
          open = { kind: '{', text: '{', span: { start: this.prevEnd, end: this.prevEnd } };
        }
      }
      const stmts: Stmt[] = [];
      while (true) {
        if (this.eat('}')) break;
        if (this.at('eof') || this.endsBlockAsItem()) {
          this.expectClose('}', open, owner);
          break;
        }
        const before = this.pos;
        const stmt = this.parseStatement();
        if (stmt) stmts.push(stmt);
        if (this.pos === before) this.advance();
      }
      return { kind: 'Block', stmts, span: this.spanFrom(open.span.start === open.span.end ? start : open.span.start) };
    } finally {
      this.leave();
    }
  }

  /** Index of a `{` later on the current line (before any `;`, `}` or `{`-less line break), or null. */
  private braceLaterOnLine(): number | null {
    for (let i = this.pos; i < this.tokens.length; i++) {
      if (i > this.pos && this.lineBreakBefore(i)) return null;
      const kind = this.tokens[i]!.kind;
      if (kind === '{') return i;
      if (kind === ';' || kind === '}' || STATEMENT_KEYWORDS.has(kind) || ITEM_KEYWORDS.has(kind)) return null;
    }
    return null;
  }

  /** An item keyword inside a block means its `}` is missing; `const` only counts at the start of a line. */
  private endsBlockAsItem(): boolean {
    const kind = this.tok.kind;
    if (kind === 'const') {
      const start = this.tok.span.start;
      return start === 0 || this.text[start - 1] === '\n' || this.text[start - 1] === '\r';
    }
    return ITEM_KEYWORDS.has(kind);
  }

  private parseStatement(): Stmt | null {
    const t = this.tok;
    switch (t.kind) {
      case 'let':
      case 'var':
        return this.parseLet();
      case 'const':
        return this.parseLocalConst();
      case 'shared':
        return this.parseShared();
      case 'if':
        return this.parseIf();
      case 'for':
        return this.parseFor();
      case 'while':
        return this.parseWhile();
      case 'repeat':
        return this.parseRepeat();
      case 'break':
      case 'continue': {
        const errors = this.errorCount();
        this.advance();
        this.expectSemicolon(`'${t.kind}'`, errors);
        return { kind: t.kind === 'break' ? 'Break' : 'Continue', span: this.spanFrom(t.span.start) };
      }
      case 'return': {
        const errors = this.errorCount();
        this.advance();
        const value = this.at(';') || this.at('}') ? null : this.parseExpr();
        this.expectSemicolon('return', errors);
        return { kind: 'Return', value, span: this.spanFrom(t.span.start) };
      }
      case 'launch':
        return this.parseLaunch();
      case 'read':
        return this.parseRead();
      case 'expect':
        return this.parseExpect();
      case '{':
        return this.parseBlock('the block');
      case ';':
        // A stray `;` (e.g. after `}`) is harmless, as in Rust.
        this.advance();
        return null;
      default:
        if (EXPRESSION_STARTS.has(t.kind)) return this.parseExpressionStatement();
        this.report('K1018', t.span, [this.describe(t)]);
        this.advance();
        this.synchronize();
        return { kind: 'ErrorStmt', span: this.spanFrom(t.span.start) };
    }
  }

  private parseLet(): LetStmt {
    const errors = this.errorCount();
    const keyword = this.advance();
    const name = this.parseDeclName(`a name after '${keyword.text}'`);
    const type = this.eat(':') ? this.parseType() : null;
    let init: Expr | null = null;
    if (this.eat('=')) {
      init = this.parseExpr();
    } else if (this.at('==')) {
      this.expected(`'=' and a value for '${name.name}'`);
      this.advance();
      init = this.parseExpr();
    }
    this.expectSemicolon('statement', errors);
    return { kind: 'Let', mutable: keyword.kind === 'var', name, type, init, span: this.spanFrom(keyword.span.start) };
  }

  /** `const` inside a block: reported, then read as a `let` so that later uses of the name still resolve. */
  private parseLocalConst(): LetStmt {
    const keyword = this.tok;
    this.report('K1016', keyword.span, []);
    const errors = this.errorCount();
    this.advance();
    const name = this.parseDeclName("a name after 'const'");
    const type = this.eat(':') ? this.parseType() : null;
    const init = this.eat('=') ? this.parseExpr() : null;
    this.expectSemicolon('statement', errors);
    return { kind: 'Let', mutable: false, name, type, init, span: this.spanFrom(keyword.span.start) };
  }

  private parseShared(): SharedStmt {
    const errors = this.errorCount();
    const start = this.advance().span.start;
    const name = this.parseDeclName("a name after 'shared'");
    let type: TypeNode;
    if (this.eat(':')) {
      type = this.parseType();
    } else {
      this.expected(`':' and an array type such as 'f32[256]' after '${name.name}'`);
      type = { kind: 'ScalarType', name: '', span: { start: this.prevEnd, end: this.prevEnd } };
    }
    this.expectSemicolon('statement', errors);
    return { kind: 'Shared', name, type, span: this.spanFrom(start) };
  }

  /** Before a body: if the statement's head already went wrong, skip to its `{` without a second report. */
  private recoverToBody(errorsBefore: number): void {
    if (this.at('{') || this.errorCount() === errorsBefore) return;
    let skip = this.pos;
    while (skip < this.tokens.length - 1) {
      const kind = this.tokens[skip]!.kind;
      if (kind === '{' || kind === ';' || kind === '}' || STATEMENT_KEYWORDS.has(kind) || ITEM_KEYWORDS.has(kind)) break;
      skip++;
    }
    if (this.tokens[skip]!.kind === '{') {
      this.pos = skip;
      this.quietUntil = Math.max(this.quietUntil, this.prevEnd);
    }
  }

  /** A condition before `{`, with a hint for the common `=` instead of `==`. */
  private parseCondition(keyword: string): Expr {
    const cond = this.parseExpr();
    if (this.at('=')) {
      this.report('K1005', this.tok.span, [`'{' after the ${keyword} condition (use '==' to compare)`, this.describe(this.tok)]);
    }
    return cond;
  }

  private parseIf(): IfStmt {
    // `else if` chains are built in a loop, so a long chain cannot exhaust the parser's stack; but each link
    // nests one level deeper in the tree, so it counts towards MAX_NESTING for everything inside it.
    let current = this.parseIfHead();
    const chain: IfStmt[] = [current];
    const outer = this.depth;
    try {
      while (this.eat('else')) {
        if (this.at('if')) {
          if (this.depth >= MAX_NESTING) {
            // Past the limit the rest of the chain is skipped: `if cond { … }` links up to the last `else`.
            this.reportTooDeep(this.tok.span);
            this.skipElseChain();
            break;
          }
          this.depth++;
          const next = this.parseIfHead();
          current.else = next;
          chain.push(next);
          current = next;
        } else {
          current.else = this.parseBlock("the 'else' block");
          break;
        }
      }
    } finally {
      this.depth = outer;
    }
    const end = this.prevEnd;
    for (const node of chain) node.span = { start: node.span.start, end };
    return chain[0]!;
  }

  /** Skips `if c { … } else if … else { … }` from the current `if`, without parsing it. */
  private skipElseChain(): void {
    do {
      while (!this.at('{') && !this.at('}') && !this.at('eof') && !ITEM_KEYWORDS.has(this.tok.kind)) this.skipBalanced();
      if (!this.at('{')) return;
      this.skipBalanced();
    } while (this.eat('else'));
    this.quietUntil = Math.max(this.quietUntil, this.prevEnd);
  }

  private parseIfHead(): IfStmt {
    const errors = this.errorCount();
    const start = this.advance().span.start;
    const cond = this.parseCondition('if');
    this.recoverToBody(errors);
    const then = this.parseBlock("the 'if' block");
    return { kind: 'If', cond, then, else: null, span: this.spanFrom(start) };
  }

  private parseWhile(): WhileStmt {
    const errors = this.errorCount();
    const start = this.advance().span.start;
    const cond = this.parseCondition('while');
    this.recoverToBody(errors);
    const body = this.parseBlock("the 'while' loop body");
    return { kind: 'While', cond, body, span: this.spanFrom(start) };
  }

  private parseRepeat(): RepeatStmt {
    const errors = this.errorCount();
    const start = this.advance().span.start;
    const count = this.parseExpr();
    this.recoverToBody(errors);
    const body = this.parseBlock("the 'repeat' body");
    return { kind: 'Repeat', count, body, span: this.spanFrom(start) };
  }

  private parseFor(): ForStmt {
    const errors = this.errorCount();
    const start = this.advance().span.start;
    const variable = this.parseDeclName("a loop variable name after 'for'");
    let from: Expr;
    let to: Expr;
    if (this.eat('in') || this.errorCount() > errors) {
      from = this.parseExpr();
    } else if (EXPRESSION_STARTS.has(this.tok.kind)) {
      this.expected(`'in' after the loop variable '${variable.name}'`);
      from = this.parseExpr();
    } else {
      // `for i = 0; i < n; i++ {`: not Kern's form; skip to the body rather than report every piece.
      this.expected(`'in' after the loop variable '${variable.name}' (Kern loops read 'for ${variable.name} in a..b')`);
      while (!this.at('{') && !this.at('}') && !this.at('eof') && !ITEM_KEYWORDS.has(this.tok.kind)) this.advance();
      this.quietUntil = Math.max(this.quietUntil, this.prevEnd);
      const body = this.parseBlock("the 'for' loop body");
      return { kind: 'For', variable, from: this.errorExpr(), to: this.errorExpr(), step: null, body, span: this.spanFrom(start) };
    }
    if (this.eat('..')) {
      to = this.parseExpr();
    } else {
      this.expected("'..' between the start and end of the range");
      to = this.errorExpr();
    }
    const step = this.eat('step') ? this.parseExpr() : null;
    this.recoverToBody(errors);
    const body = this.parseBlock("the 'for' loop body");
    return { kind: 'For', variable, from, to, step, body, span: this.spanFrom(start) };
  }

  private parseLaunch(): LaunchStmt {
    const errors = this.errorCount();
    const start = this.advance().span.start;
    const kernel = this.parseDeclName("a kernel name after 'launch'");
    let grid: Expr;
    let block: Expr;
    const open = this.eat('[');
    if (open) {
      grid = this.parseExpr();
      if (this.eat(',')) {
        block = this.parseExpr();
      } else {
        this.report('K1005', { start: this.prevEnd, end: this.prevEnd }, ["',' and the block size after the grid size", this.describe(this.tok)]);
        block = EXPRESSION_STARTS.has(this.tok.kind) ? this.parseExpr() : this.errorExpr();
      }
      this.expectClose(']', open, "the launch sizes '['");
    } else {
      this.expected(`'[' with the grid and block sizes after '${kernel.name}'`);
      grid = this.errorExpr();
      block = this.errorExpr();
    }
    let args: Arg[] = [];
    let argsSpan: Span = { start: this.prevEnd, end: this.prevEnd };
    if (this.at('(')) {
      const list = this.parseArgs(`the arguments of '${kernel.name}'`);
      args = list.args;
      argsSpan = list.span;
    } else {
      this.expected(`'(' and the arguments of '${kernel.name}'`);
    }
    this.expectSemicolon('launch', errors);
    return { kind: 'Launch', kernel, grid, block, args, argsSpan, span: this.spanFrom(start) };
  }

  private parseRead(): ReadStmt {
    const errors = this.errorCount();
    const start = this.advance().span.start;
    const buffer = this.parseDeclName("a buffer name after 'read'");
    this.expectSemicolon('read', errors);
    return { kind: 'Read', buffer, span: this.spanFrom(start) };
  }

  private parseExpect(): ExpectStmt {
    const errors = this.errorCount();
    const start = this.advance().span.start;
    const buffer = this.parseDeclName("a buffer name after 'expect'");
    let index: Ident = { kind: 'Ident', name: '', span: { start: this.prevEnd, end: this.prevEnd } };
    const open = this.eat('[');
    if (open) {
      const t = this.tok;
      if (t.kind === 'ident' && this.peek().kind === ']') {
        this.advance();
        index = { kind: 'Ident', name: t.text, span: t.span };
      } else if (this.at(']')) {
        this.expected("an index name such as 'i'");
      } else {
        this.expected("an index name such as 'i' (expect checks every element)");
        this.parseExpr();
      }
      this.expectClose(']', open, `'${buffer.name}['`);
    } else {
      this.expected(`'[' and an index name after '${buffer.name}' (as in 'expect ${buffer.name}[i] == …')`);
    }
    let op: '==' | '~=' = '==';
    if (this.at('==') || this.at('~=')) {
      op = this.advance().kind as '==' | '~=';
    } else if (this.at('=')) {
      this.expected("'==' or '~='");
      this.advance();
    } else {
      this.expected("'==' or '~=' and the expected value");
    }
    const value = this.parseExpr();
    const tolerance = this.eat('within') ? this.parseExpr() : null;
    this.expectSemicolon('expect', errors);
    return { kind: 'Expect', buffer, index, op, value, tolerance, span: this.spanFrom(start) };
  }

  private parseExpressionStatement(): Stmt {
    const errors = this.errorCount();
    const start = this.tok.span.start;
    const expr = this.parseExpr();
    if (ASSIGN_OPS.has(this.tok.kind)) {
      const opTok = this.advance();
      if (expr.kind !== 'Name' && expr.kind !== 'Index' && expr.kind !== 'ErrorExpr') this.report('K1012', expr.span, []);
      const value = this.parseExpr();
      this.expectSemicolon('statement', errors);
      return { kind: 'Assign', op: opTok.kind as AssignOp, opSpan: opTok.span, target: expr, value, span: this.spanFrom(start) };
    }
    if (expr.kind !== 'Call' && expr.kind !== 'ErrorExpr') this.report('K1013', expr.span, [describeExpression(expr)]);
    this.expectSemicolon('statement', errors);
    return { kind: 'ExprStmt', expr, span: this.spanFrom(start) };
  }

  // ------------------------------------------------------------ expressions

  private errorExpr(): ErrorExpr {
    return { kind: 'ErrorExpr', span: { start: this.tok.span.start, end: this.tok.span.start } };
  }

  parseExpr(): Expr {
    if (!this.enter()) {
      const start = this.tok.span.start;
      this.skipExpression();
      this.quietUntil = Math.max(this.quietUntil, this.prevEnd);
      this.height = 1;
      return { kind: 'ErrorExpr', span: this.spanFrom(start) };
    }
    try {
      return this.parseBinary(1);
    } finally {
      this.leave();
    }
  }

  /** Precedence climbing: operators of precedence >= minPrecedence, all left-associative. */
  private parseBinary(minPrecedence: number): Expr {
    const start = this.tok.span.start;
    let left = this.parseUnary();
    let height = this.height;
    // Once the chain is too tall the rest of it is still read, but the whole chain becomes one ErrorExpr.
    let tooTall = false;
    while (true) {
      const precedence = BINARY_PRECEDENCE[this.tok.kind];
      if (precedence === undefined || precedence < minPrecedence) break;
      if (this.isIncrementOperator()) {
        const op = this.tok;
        const twice = { start: op.span.start, end: op.span.end + 1 };
        this.report('K1005', twice, [`'${op.text}= 1' (Kern has no '${op.text}${op.text}' operator)`, `'${op.text}${op.text}'`]);
        this.advance();
        this.advance();
        break;
      }
      const opTok = this.advance();
      const right = this.parseBinary(precedence + 1);
      if (tooTall) continue;
      const joined = Math.max(height, this.height) + 1;
      if (this.tooTall(joined, right.span)) {
        tooTall = true;
        continue;
      }
      left = { kind: 'Binary', op: opTok.kind as BinaryOp, opSpan: opTok.span, left, right, span: this.spanFrom(start) };
      height = joined;
    }
    if (tooTall) {
      left = { kind: 'ErrorExpr', span: this.spanFrom(start) };
      height = 1;
    }
    this.height = height;
    return left;
  }

  /** `x++` / `x--`: two adjacent `+` (or `-`) with nothing that could be an operand after them. */
  private isIncrementOperator(): boolean {
    const op = this.tok;
    const next = this.peek();
    if ((op.kind !== '+' && op.kind !== '-') || next.kind !== op.kind || next.span.start !== op.span.end) return false;
    const after = this.peek(2).kind;
    return after === ';' || after === ')' || after === ']' || after === ',' || after === '}' || after === 'eof';
  }

  private parseUnary(): Expr {
    // Prefix operators are collected in a loop: `- - - … x` cannot exhaust the stack.
    const ops: Token[] = [];
    while (this.at('-') || this.at('!') || this.at('~')) ops.push(this.advance());
    let expr = this.parsePostfix();
    let height = this.height;
    for (let i = ops.length - 1; i >= 0; i--) {
      const op = ops[i]!;
      height++;
      if (this.tooTall(height, op.span)) {
        expr = { kind: 'ErrorExpr', span: { start: ops[0]!.span.start, end: Math.max(op.span.end, expr.span.end) } };
        height = 1;
        break;
      }
      expr = { kind: 'Unary', op: op.kind as UnaryOp, operand: expr, span: { start: op.span.start, end: Math.max(op.span.end, expr.span.end) } };
    }
    this.height = height;
    return expr;
  }

  private parsePostfix(): Expr {
    const start = this.tok.span.start;
    let expr = this.parsePrimary();
    let height = this.height;
    // Once too tall, the rest of the postfix chain is still read, but the result is one ErrorExpr.
    let tooTall = false;
    while (true) {
      const partStart = this.tok.span.start;
      if (this.at('(')) {
        const list = this.parseArgs(expr.kind === 'Name' ? `the arguments of '${expr.name}'` : 'the argument list');
        if (expr.kind === 'Name') {
          const callee: Ident = { kind: 'Ident', name: expr.name, span: expr.span };
          const call: CallExpr = { kind: 'Call', callee, args: list.args, argsSpan: list.span, span: this.spanFrom(start) };
          expr = call;
          height = Math.max(1, this.height) + 1;
        } else {
          if (expr.kind !== 'ErrorExpr') this.report('K1017', expr.span, [describeExpression(expr)]);
          expr = { kind: 'ErrorExpr', span: this.spanFrom(start) };
          height = 1;
        }
      } else if (this.at('[')) {
        const open = this.advance();
        const index = this.parseExpr();
        this.expectClose(']', open, "'['");
        expr = { kind: 'Index', base: expr, index, span: this.spanFrom(start) };
        height = Math.max(height, this.height) + 1;
      } else if (this.at('.')) {
        this.advance();
        const t = this.tok;
        if (t.kind === 'ident') {
          this.advance();
          expr = { kind: 'Member', base: expr, member: { kind: 'Ident', name: t.text, span: t.span }, span: this.spanFrom(start) };
          height++;
        } else {
          this.expected("a member name such as 'x' after '.'");
          expr = { kind: 'ErrorExpr', span: this.spanFrom(start) };
          height = 1;
        }
      } else {
        break;
      }
      if (!tooTall && this.tooTall(height, this.spanFrom(partStart))) tooTall = true;
    }
    if (tooTall) {
      expr = { kind: 'ErrorExpr', span: this.spanFrom(start) };
      height = 1;
    }
    this.height = height;
    return expr;
  }

  private parsePrimary(): Expr {
    const t = this.tok;
    // Leaves are height 1; '(' and '[' set it from what they hold.
    this.height = 1;
    switch (t.kind) {
      case 'int':
        this.advance();
        return { kind: 'IntLit', value: intLiteralValue(t.text), text: t.text, span: t.span };
      case 'float':
        this.advance();
        return { kind: 'FloatLit', value: floatLiteralValue(t.text), text: t.text, span: t.span };
      case 'true':
      case 'false':
        this.advance();
        return { kind: 'BoolLit', value: t.kind === 'true', span: t.span };
      case 'ident':
        this.advance();
        return { kind: 'Name', name: t.text, span: t.span };
      case 'buffer':
        // `buffer(T, n, …)` is a call whose callee happens to be a keyword.
        this.advance();
        if (!this.at('(')) this.expected("'(' after 'buffer' (as in 'buffer(f32, n)')");
        return { kind: 'Name', name: t.text, span: t.span };
      case '(': {
        const open = this.advance();
        const inner = this.parseExpr();
        this.expectClose(')', open, "'('");
        return inner;
      }
      case '[':
        return this.parseArrayLit();
      case 'string': {
        this.advance();
        const literal: StringLit = { kind: 'StringLit', value: stringLiteralValue(t.text), text: t.text, span: t.span };
        return literal;
      }
      default:
        if (this.keywordNames.has(t.kind)) {
          this.advance();
          return { kind: 'Name', name: t.text, span: t.span };
        }
        this.report('K1008', t.span, [this.describe(t)]);
        return this.errorExpr();
    }
  }

  private parseArrayLit(): ArrayLit {
    const open = this.advance();
    const elements: Expr[] = [];
    let height = 1;
    while (!this.at(']') && !this.at('eof')) {
      const before = this.pos;
      elements.push(this.parseExpr());
      height = Math.max(height, this.height + 1);
      if (this.eat(',')) continue;
      if (this.pos === before || !EXPRESSION_STARTS.has(this.tok.kind)) break;
      this.report('K1005', { start: this.prevEnd, end: this.prevEnd }, ["',' between elements", this.describe(this.tok)]);
    }
    this.expectClose(']', open, "'['");
    this.height = height;
    return { kind: 'ArrayLit', elements, span: this.spanFrom(open.span.start) };
  }

  /** `( arg, name = value, … )`, with a missing `,` inserted between arguments on the same line. */
  private parseArgs(what: string): { args: Arg[]; span: Span } {
    const open = this.advance();
    const args: Arg[] = [];
    let height = 0;
    while (!this.at(')') && !this.at('eof')) {
      const before = this.pos;
      const start = this.tok.span.start;
      let name: Ident | null = null;
      if (this.at('ident') && this.peek().kind === '=') {
        const t = this.advance();
        this.advance();
        name = { kind: 'Ident', name: t.text, span: t.span };
      }
      const value = this.parseExpr();
      height = Math.max(height, this.height);
      args.push({ name, value, span: this.spanFrom(start) });
      if (this.eat(',')) continue;
      if (this.pos === before || !EXPRESSION_STARTS.has(this.tok.kind) || this.onNewLine()) break;
      this.report('K1005', { start: this.prevEnd, end: this.prevEnd }, ["',' between arguments", this.describe(this.tok)]);
    }
    this.expectClose(')', open, what);
    this.height = height;
    return { args, span: this.spanFrom(open.span.start) };
  }
}

/** How an expression is named in messages ("this comparison would be thrown away"). */
function describeExpression(expr: Expr): string {
  switch (expr.kind) {
    case 'Binary':
      return ['==', '!=', '<', '<=', '>', '>='].includes(expr.op) ? `'${expr.op}' comparison` : `'${expr.op}' expression`;
    case 'Unary':
      return `'${expr.op}' expression`;
    case 'Name':
      return `name '${expr.name}'`;
    case 'Index':
      return 'buffer element';
    case 'Member':
      return `'.${expr.member.name}' member`;
    case 'IntLit':
    case 'FloatLit':
    case 'BoolLit':
      return 'literal';
    case 'ArrayLit':
      return 'array';
    case 'Call':
      return 'call';
    case 'StringLit':
      return 'string';
    case 'ErrorExpr':
      return 'expression';
  }
}
