// `egpu run FILE`: compiles a .kern file, executes its run blocks on a device and prints the timeline
// summary, the bottleneck verdict and the expect results (or JSON, or a Chrome trace).
import { accessSync, constants as fsConstants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { flagValue, parseArgs, UsageError } from '../args';
import { compileFile } from '../../driver/source-host';
import { openDevice } from '../../driver/open';
import { runProgram } from '../../driver/runner';
import type { RunResult } from '../../driver/runner';
import { formatBytes, formatDuration, formatNumber, formatRate, formatFlops, toChromeTraceRuns } from '../../driver/trace';
import type { EventStat } from '../../driver/trace';
import type { Device, DeviceInfo } from '../../driver/device';
import { LineMap } from '../../kernels/lang/source';
import type { Diagnostic } from '../../kernels/lang/source';

const USAGE = 'usage: egpu run FILE [--run NAME] [--device sim|sim:PROFILE|cuda:N] [--profile FILE.json] [--json] [--trace OUT.json] [--time-limit MS]';

export async function runRun(argv: string[]): Promise<number> {
  let file: string;
  let runName: string | undefined;
  let deviceSpec: string;
  let tracePath: string | undefined;
  let timeLimitMs: number | undefined;
  let profiles: string[] = [];
  let json: boolean;
  try {
    const args = parseArgs(argv, ['run', 'device', 'trace', 'time-limit', 'profile'], ['json']);
    if (args.positionals.length !== 1) throw new UsageError(args.positionals.length === 0 ? 'missing FILE' : `expected one FILE, got ${args.positionals.length}`);
    file = args.positionals[0]!;
    runName = flagValue(args, 'run');
    deviceSpec = flagValue(args, 'device') ?? 'sim';
    tracePath = flagValue(args, 'trace');
    const profile = flagValue(args, 'profile');
    if (profile) profiles = [resolve(profile)];
    const limit = flagValue(args, 'time-limit');
    if (limit !== undefined) {
      timeLimitMs = Number(limit);
      if (!Number.isFinite(timeLimitMs) || timeLimitMs <= 0) throw new UsageError(`--time-limit needs a positive number of milliseconds, got '${limit}'`);
    }
    json = args.flags.has('json');
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`egpu run: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }

  let device: Device;
  try {
    device = await openDevice(deviceSpec, { ...(timeLimitMs !== undefined ? { timeLimitMs } : {}), profiles });
  } catch (err) {
    process.stderr.write(`egpu run: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  try {
    const info = device.info();
    const compiled = compileFile(file, { limits: info.limits });
    printDiagnostics(compiled.diagnostics);
    if (!compiled.program) return 1;
    const program = compiled.program;
    if (runName !== undefined && !program.runs.some((r) => r.name === runName)) {
      const names = program.runs.map((r) => r.name);
      process.stderr.write(`egpu run: no run block named '${runName}' in ${file}${names.length ? `; its run blocks: ${names.join(', ')}` : ' (it has no run blocks)'}\n`);
      return 2;
    }
    if (tracePath) {
      const dir = dirname(resolve(tracePath));
      try {
        accessSync(dir, fsConstants.W_OK);
      } catch {
        process.stderr.write(`egpu run: cannot write the trace to ${tracePath}: ${existsSync(dir) ? 'the folder is not writable' : `no folder ${dir}`}\n`);
        return 2;
      }
    }
    const abort = new AbortController();
    const onInterrupt = (): void => abort.abort();
    process.once('SIGINT', onInterrupt);
    let results: RunResult[];
    try {
      results = await runProgram(program, device, {
        ...(runName !== undefined ? { runName } : {}),
        baseDir: dirname(resolve(file)),
        signal: abort.signal,
      });
    } finally {
      process.off('SIGINT', onInterrupt);
    }
    if (json) await writeJson(info, results);
    else process.stdout.write(formatRunReport(results, info));
    if (tracePath) {
      try {
        writeFileSync(tracePath, JSON.stringify(toChromeTraceRuns(results.map((r) => ({ name: r.name, events: r.events })), info)));
        if (!json) process.stdout.write(`trace written to ${tracePath} (open it in https://ui.perfetto.dev)\n`);
      } catch (err) {
        process.stderr.write(`egpu run: cannot write the trace to ${tracePath}: ${err instanceof Error ? err.message : String(err)}\n`);
        return 1;
      }
    }
    const failed = results.some((r) => r.error !== null || r.expects.some((e) => !e.pass));
    return failed ? 1 : 0;
  } finally {
    await device.dispose();
  }
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** Diagnostics as `egpu check` prints them: `file:line:col: error CODE: message`. */
function printDiagnostics(diagnostics: Diagnostic[]): void {
  const maps = new Map<string, LineMap | null>();
  for (const d of diagnostics) {
    let map = maps.get(d.file);
    if (map === undefined) {
      try {
        map = new LineMap(readFileSync(d.file, 'utf8'));
      } catch {
        map = null;
      }
      maps.set(d.file, map);
    }
    const pos = map ? map.position(d.span.start) : { line: 0, character: 0 };
    process.stderr.write(`${displayPath(d.file)}:${pos.line + 1}:${pos.character + 1}: ${d.severity} ${d.code}: ${d.message}\n`);
  }
}

/** The human report for every run: events table, time split, verdict, expects, error. */
export function formatRunReport(results: RunResult[], info: DeviceInfo): string {
  const out: string[] = [];
  for (const r of results) {
    out.push(`run ${r.name} on ${info.name}`);
    const s = r.summary;
    // A run that stopped on an error shows what ran before it, but no time split or advice: they would
    // describe a partial run as if it were the whole.
    if (r.error) {
      if (r.events.length) out.push('', '  before the error:', ...formatTable(s.rows));
    } else if (r.events.length) {
      out.push('', ...formatTable(s.rows), '');
      const share = (us: number): string => (s.total_us > 0 ? ` (${Math.round((100 * us) / s.total_us)}%)` : '');
      out.push(
        `  total ${formatDuration(s.total_us)}: copies ${formatDuration(s.copy_us)}${share(s.copy_us)}, compute ${formatDuration(s.compute_us)}${share(s.compute_us)}, ` +
          `sync ${formatDuration(s.sync_us)}${share(s.sync_us)}, idle ${formatDuration(s.idle_us)}${share(s.idle_us)}; fixed latency ${formatDuration(s.latency_us)}${share(s.latency_us)}`,
      );
      out.push(`  moved: ${formatBytes(s.h2d_bytes)} H2D, ${formatBytes(s.d2h_bytes)} D2H${s.mapped_link_bytes ? `, ${formatBytes(s.mapped_link_bytes)} by kernels from host-mapped buffers` : ''}; ${s.kernel_count} kernel launch${s.kernel_count === 1 ? '' : 'es'}`);
    }
    if (!r.error) out.push(`  verdict: ${s.verdict_text}`);
    for (const e of r.expects) {
      const where = `${displayPath(e.loc.file)}:${e.loc.line}:${e.loc.column}`;
      if (e.pass) out.push(`  expect ${e.buffer}: pass (${e.checked} elements)`);
      else {
        out.push(`${where}: error: expect ${e.buffer} failed: ${e.failed} of ${e.checked} elements differ`);
        for (const m of e.mismatches) out.push(`      ${e.buffer}[${m.index}]: got ${m.got}, want ${m.want}`);
        if (e.failed > e.mismatches.length) out.push(`      … and ${e.failed - e.mismatches.length} more`);
      }
    }
    if (r.error) {
      const where = r.error.file ? `${displayPath(r.error.file)}:${r.error.line ?? 1}:${r.error.column ?? 1}: ` : '';
      // The location leads the line, so drop the message's own trailing `, at file:line:col`.
      const message = where ? r.error.message.replace(/,? at \S+:\d+:\d+$/, '') : r.error.message;
      out.push(`${where}error: ${message}`);
    }
    out.push('');
  }
  return out.join('\n');
}

function formatTable(rows: EventStat[]): string[] {
  const header = ['kind', 'name', 'count', 'time', 'bytes', 'rate', 'of ceiling', 'flop/B'];
  const lines = rows.map((r) => {
    const pct = `${r.percent_of_ceiling >= 10 ? Math.round(r.percent_of_ceiling) : formatNumber(r.percent_of_ceiling, 2)}%`;
    const ceiling =
      r.kind === 'sync' ? ''
      : r.ceiling === 'latency' ? `latency (${pct} of ${r.kind === 'kernel' || r.kind === 'memset' ? 'memory' : 'link'})`
      : `${pct} of ${r.ceiling}`;
    const rate = r.kind === 'sync' ? '' : r.ceiling === 'compute' ? formatFlops(r.gflops) : formatRate(r.gbps);
    return [
      r.kind, r.name, String(r.count), formatDuration(r.total_us), r.bytes ? formatBytes(r.bytes) : '', rate, ceiling,
      r.arithmetic_intensity !== undefined ? formatNumber(r.arithmetic_intensity) : '',
    ];
  });
  const table = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const right = new Set([2, 3, 4, 5, 7]);
  return table.map((row) => `  ${row.map((cell, i) => (right.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd()}`);
}

/** Writes `{ device, runs }` to stdout, streaming buffer contents so that huge reads do not build one giant string. */
async function writeJson(info: DeviceInfo, results: RunResult[]): Promise<void> {
  const write = (text: string): Promise<void> =>
    new Promise((done) => {
      if (process.stdout.write(text)) done();
      else process.stdout.once('drain', () => done());
    });
  await write(`{"device":${JSON.stringify(info)},"runs":[`);
  for (let k = 0; k < results.length; k++) {
    const r = results[k]!;
    await write(`${k ? ',' : ''}\n{"name":${JSON.stringify(r.name)},"events":${JSON.stringify(r.events)},"reads":{`);
    const names = Object.keys(r.reads);
    for (let b = 0; b < names.length; b++) {
      const values = r.reads[names[b]!]!;
      await write(`${b ? ',' : ''}${JSON.stringify(names[b])}:[`);
      const CHUNK = 65536;
      for (let i = 0; i < values.length; i += CHUNK) {
        const end = Math.min(values.length, i + CHUNK);
        const part: string[] = [];
        for (let j = i; j < end; j++) part.push(Number.isFinite(values[j]!) ? String(values[j]) : 'null');
        await write(i ? `,${part.join(',')}` : part.join(','));
      }
      await write(']');
    }
    const rest = { expects: r.expects, summary: r.summary, roofline: r.roofline, error: r.error };
    await write(`},${JSON.stringify(rest).slice(1, -1)}}`);
  }
  await write(']}\n');
}
