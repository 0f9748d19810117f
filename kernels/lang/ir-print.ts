// A readable, stable text dump of the IR, for golden tests and `egpu compile --target ir`-style debugging.
// Locals print as `name%id`, constants with their type (`256u`, `-1`, `1.5f`), memory ops with `@line:col`.
import type { HostExpr, IrBufferInit, IrExpr, IrHostStmt, IrKernel, IrMemRef, IrProgram, IrStmt, SourceLoc } from './ir';

export function printProgram(p: IrProgram): string {
  const out: string[] = [];
  for (const [name, c] of Object.entries(p.consts)) out.push(`const ${name}: ${c.type} = ${c.value}`);
  for (const k of p.kernels) out.push('', printKernel(k));
  for (const r of p.runs) {
    out.push('', `run ${r.name} ${at(r.loc)}`);
    hostStmts(r.body, '  ', out);
  }
  return out.join('\n') + '\n';
}

function at(loc: SourceLoc): string {
  return `@${loc.line}:${loc.column}`;
}

export function printKernel(k: IrKernel): string {
  const params = k.params.map((p) => (p.kind === 'scalar' ? `${p.name}: ${p.type}` : `${p.name}: ${p.mutable ? 'mut ' : ''}${p.elem}[]`));
  const flags = [k.usesBarrier ? 'barrier' : '', k.usesWarp ? 'warp' : ''].filter(Boolean).join(' ');
  const file = k.loc.file.split(/[\\/]/).pop();
  const out = [`kernel ${k.name}(${params.join(', ')}) @${file}:${k.loc.line}:${k.loc.column}${flags ? ` uses ${flags}` : ''}`];
  if (k.locals.length) out.push(`  locals ${k.locals.map((l) => `${l.name}%${l.id}: ${l.type}`).join(', ')}`);
  for (const s of k.shared) out.push(`  shared ${s.name}#${s.id}: ${s.elem}[${s.length}] ${at(s.loc)}`);
  const names = { k };
  stmts(k.body, '  ', out, names);
  return out.join('\n');
}

function mem(m: IrMemRef, ctx: { k: IrKernel }): string {
  return m.space === 'global' ? ctx.k.params[m.param]!.name : `${ctx.k.shared[m.shared]!.name}#${m.shared}`;
}

function local(id: number, ctx: { k: IrKernel }): string {
  return `${ctx.k.locals[id]?.name ?? '?'}%${id}`;
}

function constText(type: string, value: number): string {
  if (type === 'bool') return value ? 'true' : 'false';
  if (type === 'f32' || type === 'float') return `${Number.isInteger(value) ? value.toFixed(1) : String(value)}${type === 'f32' ? 'f' : ''}`;
  return `${value}${type === 'u32' ? 'u' : ''}`;
}

export function printExpr(e: IrExpr, ctx: { k: IrKernel }): string {
  switch (e.op) {
    case 'const': return constText(e.type, e.value);
    case 'local': return local(e.local, ctx);
    case 'param': return ctx.k.params[e.param]!.name;
    case 'geometry': return e.name;
    case 'binary': return `(${printExpr(e.left, ctx)} ${e.kind} ${printExpr(e.right, ctx)})`;
    case 'unary': return `${e.kind}${printExpr(e.operand, ctx)}`;
    case 'convert': return `${e.type}(${printExpr(e.operand, ctx)})`;
    case 'math': return `${e.fn}(${e.args.map((a) => printExpr(a, ctx)).join(', ')})`;
    case 'select': return `select(${printExpr(e.cond, ctx)}, ${printExpr(e.ifTrue, ctx)}, ${printExpr(e.ifFalse, ctx)})`;
    case 'load': return `${mem(e.mem, ctx)}[${printExpr(e.index, ctx)}]${e.elem === e.type ? '' : `:${e.elem}`}`;
  }
}

function stmts(list: IrStmt[], indent: string, out: string[], ctx: { k: IrKernel }): void {
  for (const s of list) {
    switch (s.op) {
      case 'assign': out.push(`${indent}${local(s.local, ctx)} = ${printExpr(s.value, ctx)}`); break;
      case 'store': out.push(`${indent}${mem(s.mem, ctx)}[${printExpr(s.index, ctx)}]${s.elem === 'f32' || s.elem === 'i32' || s.elem === 'u32' ? '' : `:${s.elem}`} = ${printExpr(s.value, ctx)} ${at(s.loc)}`); break;
      case 'if':
        out.push(`${indent}if ${printExpr(s.cond, ctx)} {`);
        stmts(s.then, indent + '  ', out, ctx);
        if (s.else.length) {
          out.push(`${indent}} else {`);
          stmts(s.else, indent + '  ', out, ctx);
        }
        out.push(`${indent}}`);
        break;
      case 'loop':
        out.push(`${indent}loop ${s.label}${s.cond ? ` while ${printExpr(s.cond, ctx)}` : ''} {`);
        stmts(s.body, indent + '  ', out, ctx);
        if (s.update.length) {
          out.push(`${indent}} update {`);
          stmts(s.update, indent + '  ', out, ctx);
        }
        out.push(`${indent}}`);
        break;
      case 'block':
        out.push(`${indent}block ${s.label} {`);
        stmts(s.body, indent + '  ', out, ctx);
        out.push(`${indent}}`);
        break;
      case 'break': case 'continue': out.push(`${indent}${s.op} ${s.label}`); break;
      case 'return': out.push(`${indent}return`); break;
      case 'barrier': out.push(`${indent}barrier #${s.id} ${at(s.loc)}`); break;
      case 'warp':
        out.push(`${indent}${local(s.dest, ctx)} = warp.${s.kind}(${printExpr(s.value, ctx)}${s.arg ? `, ${printExpr(s.arg, ctx)}` : ''}) ${at(s.loc)}`);
        break;
      case 'atomic': {
        const call = `atomic.${s.kind}(${mem(s.mem, ctx)}[${printExpr(s.index, ctx)}], ${printExpr(s.value, ctx)}) ${at(s.loc)}`;
        out.push(`${indent}${s.dest === null ? '' : `${local(s.dest, ctx)} = `}${call}`);
        break;
      }
    }
  }
}

export function printHostExpr(e: HostExpr): string {
  switch (e.op) {
    case 'const': return constText(e.type, e.value);
    case 'var': return e.name;
    case 'binary': return `(${printHostExpr(e.left)} ${e.kind} ${printHostExpr(e.right)})`;
    case 'unary': return `${e.kind}${printHostExpr(e.operand)}`;
    case 'call': return `${e.fn}(${e.args.map(printHostExpr).join(', ')})`;
    case 'element': return `${e.buffer}[${printHostExpr(e.index)}]`;
    case 'select': return `select(${printHostExpr(e.cond)}, ${printHostExpr(e.ifTrue)}, ${printHostExpr(e.ifFalse)})`;
  }
}

function init(i: IrBufferInit): string {
  switch (i.kind) {
    case 'fill': return `fill(${printHostExpr(i.value)})`;
    case 'range': return `range(${printHostExpr(i.start)}, ${printHostExpr(i.step)})`;
    case 'random': return `random(${printHostExpr(i.lo)}, ${printHostExpr(i.hi)}, seed = ${printHostExpr(i.seed)})`;
    case 'file': return `file(${JSON.stringify(i.path)})`;
  }
}

function hostStmts(list: IrHostStmt[], indent: string, out: string[]): void {
  for (const s of list) {
    switch (s.op) {
      case 'let': out.push(`${indent}let ${s.name} = ${printHostExpr(s.value)} ${at(s.loc)}`); break;
      case 'buffer':
        out.push(`${indent}buffer ${s.name}: ${s.elem}[${printHostExpr(s.count)}]${s.init ? ` = ${init(s.init)}` : ''}${s.placement === 'host' ? ' placement host' : ''} ${at(s.loc)}`);
        break;
      case 'launch': {
        const dims = (d: HostExpr[]): string => `[${d.map(printHostExpr).join(', ')}]`;
        const args = s.args.map((a) => (a.kind === 'buffer' ? a.buffer : `${printHostExpr(a.value)}: ${a.type}`));
        out.push(`${indent}launch ${s.kernel}[${dims(s.grid)}, ${dims(s.block)}](${args.join(', ')}) ${at(s.loc)}`);
        break;
      }
      case 'read': out.push(`${indent}read ${s.buffer} ${at(s.loc)}`); break;
      case 'expect':
        out.push(`${indent}expect ${s.buffer}[${s.index}] ${s.cmp} ${printHostExpr(s.value)} within ${printHostExpr(s.tolerance)} ${at(s.loc)}`);
        break;
      case 'repeat':
        out.push(`${indent}repeat ${printHostExpr(s.count)} ${at(s.loc)} {`);
        hostStmts(s.body, indent + '  ', out);
        out.push(`${indent}}`);
        break;
    }
  }
}
