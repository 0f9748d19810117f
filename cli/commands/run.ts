// `egpu run FILE`: compiles a .kern file, executes its run blocks on a device and prints the timeline
// summary, the bottleneck verdict and the expect results (or JSON, or a Chrome trace).
import { accessSync, constants as fsConstants, existsSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { flagValue, parseArgs, UsageError } from '../args';
import { compileFile } from '../../driver/source-host';
import { openDevice } from '../../driver/open';
import { runProgram } from '../../driver/runner';
import type { RunResult } from '../../driver/runner';
import { toChromeTraceRuns } from '../../driver/trace';
import type { Device, DeviceInfo } from '../../driver/device';
import { formatDiagnostic } from '../diagnostics';
import { formatRunReport } from '../../driver/report';

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
    for (const d of compiled.diagnostics) process.stderr.write(`${formatDiagnostic(d, compiled.files)}\n`);
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
