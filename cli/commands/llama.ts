// `egpu llama`: the Llama demo on a device (tokens streamed as they come, llama.cpp-style timings), and
// `egpu llama --project MODEL`: the what-if projection of a large model's decode speed on a device profile.
import { statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { flagValue, parseArgs, UsageError, type ParsedArgs } from '../args';
import { openDevice } from '../../driver/open';
import { DEFAULT_PROFILE, loadProfile } from '../../driver/profiles';
import { formatBytes, summarize, toChromeTrace } from '../../driver/trace';
import type { Device, DeviceInfo } from '../../driver/device';
import { DEFAULT_PROMPT, decodeEvents, runLlama, type LlamaRunResult } from '../../kernels/llama/engine';
import { closeGGUF, openGGUF } from '../../kernels/llama/gguf';
import { llamaTensors, readLlamaConfig } from '../../kernels/llama/model';
import { doesNotFit, KNOWN_MODELS, projectLlama, type ProjectionCase, type ProjectionResult } from '../../kernels/llama/project';
import { Tokenizer } from '../../kernels/llama/tokenizer';
import { ensureTinyModel } from '../../kernels/llama/tiny-model';
import { WEIGHT_FORMATS, type WeightFormat } from '../../kernels/llama/plan';

const USAGE = `usage: egpu llama [--model FILE.gguf | --quant FORMAT] [--prompt TEXT] [--tokens N] [--device sim|sim:PROFILE|cuda:N]
                  [--weights device|host] [--seed N] [--temperature T] [--top-p P] [--context N] [--trace OUT.json] [--json]
       egpu llama --project llama-3.1-8b|llama-3.2-1b [--quant q4_0|q8_0|f16|bf16|f32] [--device sim:PROFILE] [--position N] [--json]`;

export const NOISE_NOTE = 'No --model given: running the tiny Llama-shaped model generated with random weights — the text is noise; the pipeline and the timings are real.';

const VALUED = ['model', 'prompt', 'tokens', 'device', 'weights', 'seed', 'temperature', 'top-p', 'trace', 'project', 'quant', 'position', 'context'];
const BOOLEANS = ['json', 'help'];
/** Flags of the generation that mean nothing to the what-if (which reads no file and generates nothing). */
const GENERATION_ONLY = ['model', 'prompt', 'tokens', 'weights', 'seed', 'temperature', 'top-p', 'context', 'trace'];

/** Where the command writes; tests pass their own to capture the output. */
export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

const STDIO: CommandOutput = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** A flag's value parsed as a number, or a UsageError saying what the flag must be. */
function numberFlag(args: ParsedArgs, name: string, check: (n: number) => boolean, must: string): number | undefined {
  const v = flagValue(args, name);
  if (v === undefined) return undefined;
  const n = v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} must be ${must}, got '${v}'`);
  return n;
}

/** `--prompt --json` would take `--json` as the prompt: a flag followed by another of our flags is missing its value. */
function checkMissingValues(argv: string[]): void {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return;
    if (!a.startsWith('--') || a.includes('=') || !VALUED.includes(a.slice(2))) continue;
    const next = argv[i + 1];
    const nextName = next?.startsWith('--') ? next.slice(2).split('=')[0]! : undefined;
    if (next === undefined || (nextName !== undefined && (VALUED.includes(nextName) || BOOLEANS.includes(nextName)))) {
      throw new UsageError(`${a} is missing its value`);
    }
    i++;
  }
}

export async function runLlamaCommand(argv: string[], io: CommandOutput = STDIO): Promise<number> {
  let args: ParsedArgs;
  try {
    checkMissingValues(argv);
    args = parseArgs(argv, VALUED, BOOLEANS);
    if (args.flags.has('help')) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    if (flagValue(args, 'project') !== undefined) return projectCommand(args, io);
    return await generateCommand(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`egpu llama: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    io.err(`egpu llama: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

export { runLlamaCommand as runLlama };

function quantFlag(args: ParsedArgs): WeightFormat | undefined {
  const given = flagValue(args, 'quant');
  if (given === undefined) return undefined;
  const quant = given.toLowerCase();
  if (!WEIGHT_FORMATS.includes(quant as WeightFormat)) throw new UsageError(`--quant must be one of ${WEIGHT_FORMATS.join(', ')}, got '${given}'`);
  return quant as WeightFormat;
}

function projectCommand(args: ParsedArgs, io: CommandOutput): number {
  const stray = GENERATION_ONLY.filter((f) => args.flags.has(f));
  if (stray.length) {
    const list = stray.map((f) => `--${f}`).join(', ');
    throw new UsageError(`${list} ${stray.length === 1 ? 'does' : 'do'} not apply to --project: the what-if times a known model's shapes on a profile; it reads no file and generates no text`);
  }
  const modelName = flagValue(args, 'project')!;
  const known = KNOWN_MODELS[modelName.toLowerCase()];
  if (!known) throw new UsageError(`--project must name a known model (${Object.keys(KNOWN_MODELS).join(', ')}), got '${modelName}'`);
  const quant = quantFlag(args) ?? 'q4_0';
  const spec = flagValue(args, 'device') ?? 'sim';
  if (spec !== 'sim' && !spec.startsWith('sim:')) throw new UsageError(`--project models a simulated profile: use --device sim:PROFILE, not '${spec}'`);
  const position = numberFlag(args, 'position', (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0');
  const context = known.config.context;
  if (position !== undefined && position >= context) {
    throw new UsageError(`--position ${position} is beyond ${known.title}'s context of ${context} tokens: use 0 to ${context - 1}`);
  }
  const info = loadProfile(spec === 'sim' ? DEFAULT_PROFILE : spec.slice(4));
  const result = projectLlama({ model: modelName, quant, device: info, ...(position !== undefined ? { position } : {}) });
  io.out(args.flags.has('json') ? `${JSON.stringify(projectionJson(result), null, 2)}\n` : formatProjection(result));
  return 0;
}

/** `decode_tok_s` and the other times stay what the case would reach with enough memory; `fits` says whether it has it. */
export function projectionJson(r: ProjectionResult): object {
  const side = (c: ProjectionCase) => ({
    fits: c.fits, vram_bytes: c.vram_bytes,
    decode_tok_s: c.decode_tok_s, ms_per_token: c.ms_per_token, kernels_per_token: c.kernels_per_token, syncs_per_token: c.syncs_per_token,
    link_bytes_per_token: c.link_bytes_per_token, device_bytes_per_token: c.device_bytes_per_token, ms: c.ms, share: c.share,
  });
  return {
    model: r.model, device: r.device, quant: r.quant, position: r.position, memory_bytes: r.memory_bytes, model_bytes: r.model_bytes,
    cache_bytes: r.cache_bytes, weight_bytes_per_token: r.weight_bytes_per_token, resident: side(r.resident), streamed: side(r.streamed),
    explanation: r.explanation,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.01 ? 1 : 0)}%`.padStart(5);

/** The projection as a small table and its explanation. */
export function formatProjection(r: ProjectionResult): string {
  const row = (label: string, c: ProjectionCase) =>
    c.fits
      ? `  ${label.padEnd(22)}${c.decode_tok_s.toFixed(c.decode_tok_s < 100 ? 2 : 0).padStart(8)} tok/s ${c.ms_per_token.toFixed(1).padStart(8)} ms` +
        `   link ${pct(c.share.link)}  kernels ${pct(c.share.kernels)}  launch ${pct(c.share.launch)}  sync ${pct(c.share.sync)}`
      : `  ${label.padEnd(22)}does not fit: ${doesNotFit(r, c)}`;
  return [
    `What-if: ${r.title} ${r.quant.toUpperCase()} decode on ${r.device_name} (${formatBytes(r.memory_bytes)} of VRAM)`,
    `  ${r.resident.kernels_per_token} kernels and ${r.streamed.syncs_per_token} host round trip per token; ${formatBytes(r.weight_bytes_per_token)} of weights read per token (position ${r.position})`,
    '',
    `  ${''.padEnd(22)}${'decode'.padStart(14)} ${'per token'.padStart(11)}   where the time goes`,
    row('weights in VRAM', r.resident),
    row('weights over the link', r.streamed),
    '',
    ...r.explanation.map((s) => `  ${s}`),
    '',
  ].join('\n');
}

const ERRNO_WORDS: Record<string, string> = {
  ENOENT: 'no such file', ENOTDIR: 'no such file (a folder on the way is a file)', EACCES: 'permission denied', EPERM: 'permission denied',
  EISDIR: 'it is a directory', ELOOP: 'too many symbolic links', ENAMETOOLONG: 'the name is too long', EIO: 'input/output error',
  EMFILE: 'too many open files', ENFILE: 'too many open files',
};

/** A file-system error in a few words (never the raw errno text); undefined when it is not one. */
export function fileProblem(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return undefined;
  return ERRNO_WORDS[code] ?? code.toLowerCase();
}

class ModelError extends Error {}

/** Opens and checks the model and the prompt before anything is printed, so no error lands on the prompt's line. */
export function preflightModel(path: string, shown: string, prompt: string, context: number | undefined): void {
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new ModelError(`cannot open model '${shown}': it is a directory, not a .gguf file`);
    if (!st.isFile()) throw new ModelError(`cannot open model '${shown}': not a regular file`);
  } catch (err) {
    if (err instanceof ModelError) throw err;
    throw new ModelError(`cannot open model '${shown}': ${fileProblem(err) ?? String(err)}`);
  }
  let file;
  try {
    file = openGGUF(path);
  } catch (err) {
    const problem = fileProblem(err);
    throw new ModelError(problem ? `cannot open model '${shown}': ${problem}` : `cannot load model '${shown}': ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const config = readLlamaConfig(file);
    llamaTensors(file, config);
    const tokens = Tokenizer.fromGGUF(file).encode(prompt);
    if (tokens.length === 0) throw new UsageError('--prompt is empty and the model adds no BOS token: give a prompt');
    const holds = Math.min(config.context, context ?? 2048);
    if (tokens.length >= holds) {
      const room = `the prompt is ${tokens.length} tokens and at least one more must fit`;
      if (context !== undefined && context < config.context) throw new UsageError(`--context ${context} is too short: ${room}; use --context ${tokens.length + 1} or more`);
      throw new UsageError(`--prompt is too long: ${tokens.length} tokens, but the context holds ${holds}`);
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new ModelError(`cannot load model '${shown}': ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    closeGGUF(file);
  }
}

/** Fails early, before minutes of simulation, when the trace could not be written. */
export function checkTracePath(tracePath: string): void {
  const dir = dirname(resolve(tracePath));
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new Error(`cannot write trace to '${tracePath}': no such directory '${dir}'`);
  try {
    if (statSync(tracePath).isDirectory()) throw new Error(`cannot write trace to '${tracePath}': it is a directory`);
  } catch (err) {
    if (!fileProblem(err)) throw err;
  }
}

async function generateCommand(args: ParsedArgs, io: CommandOutput): Promise<number> {
  if (args.flags.has('position')) throw new UsageError('--position applies to --project only (the position of the projected token)');
  const json = args.flags.has('json');
  const tokens = numberFlag(args, 'tokens', (n) => Number.isInteger(n) && n >= 1 && n <= 100000, 'a positive integer (at most 100000)') ?? 32;
  const seed = numberFlag(args, 'seed', (n) => Number.isSafeInteger(n), 'an integer');
  const temperature = numberFlag(args, 'temperature', (n) => n >= 0, 'a number ≥ 0');
  const topP = numberFlag(args, 'top-p', (n) => n > 0 && n <= 1, 'a number in (0, 1]');
  const context = numberFlag(args, 'context', (n) => Number.isInteger(n) && n >= 2, 'an integer ≥ 2');
  const weights = flagValue(args, 'weights') ?? 'device';
  if (weights !== 'device' && weights !== 'host') throw new UsageError(`--weights must be device or host, got '${weights}'`);
  const given = flagValue(args, 'model');
  const quant = quantFlag(args);
  // --quant picks which tiny model to generate; a file brings its own formats.
  if (given !== undefined && quant !== undefined) {
    throw new UsageError(`--quant applies to --project and to the generated tiny model; '${given}' runs in the formats stored in the file`);
  }
  if (given === '') throw new UsageError('--model is missing its value');
  const prompt = flagValue(args, 'prompt') ?? DEFAULT_PROMPT;
  const model = given !== undefined ? resolve(given) : ensureTinyModel(quant ?? 'q8_0');
  preflightModel(model, given ?? model, prompt, context);
  const tracePath = flagValue(args, 'trace');
  if (tracePath !== undefined) checkTracePath(tracePath);
  if (!given && !json) io.err(`${NOISE_NOTE}\n`);
  const device = await openDevice(flagValue(args, 'device') ?? 'sim');
  let midLine = false;
  try {
    if (!json) {
      io.out(prompt);
      midLine = true;
    }
    const result = await runLlama({
      model, device, prompt, tokens, weights,
      ...(seed !== undefined ? { seed } : {}),
      ...(temperature !== undefined ? { temperature } : {}),
      ...(topP !== undefined ? { topP } : {}),
      ...(context !== undefined ? { context } : {}),
      onToken: json ? undefined : (e) => io.out(e.text),
    });
    if (!json) {
      io.out('\n\n');
      midLine = false;
    }
    if (tracePath) {
      try {
        writeFileSync(tracePath, JSON.stringify(toChromeTrace(result.events, device.info())));
      } catch (err) {
        throw new Error(`cannot write trace to '${tracePath}': ${fileProblem(err) ?? String(err)}`);
      }
    }
    if (json) {
      io.out(`${JSON.stringify(generationJson(result, given ? model : `tiny-llama (generated, random weights, ${(quant ?? 'q8_0').toUpperCase()})`), null, 2)}\n`);
    } else {
      io.out(formatGeneration(result, device.info()));
      if (tracePath) io.out(`trace written to ${tracePath} (open it in https://ui.perfetto.dev)\n`);
    }
    return 0;
  } catch (err) {
    // End the streamed text's line so the error starts on its own.
    if (midLine) io.out('\n');
    throw err;
  } finally {
    await device.dispose();
  }
}

/** Per-token figures are null when no decode step ran (the first token was the end, or --tokens 1). */
export function generationJson(r: LlamaRunResult, model: string): object {
  const decoded = r.decode_runs > 0;
  const perToken = (x: number) => (decoded ? x : null);
  return {
    model, device: r.device, tokens: r.tokens, text: r.text, load_ms: r.load_ms, prompt_tok_s: r.prompt_tok_s, decode_tok_s: perToken(r.decode_tok_s),
    ttft_ms: r.ttft_ms, kernels_per_token: perToken(r.kernels_per_token), syncs_per_token: perToken(r.syncs_per_token),
    link_bytes_per_token: perToken(r.link_bytes_per_token), prompt_tokens: r.prompt_tokens.length, decode_runs: r.decode_runs, stop: r.stop,
    weights: r.weights, wall_ms: r.wall_ms,
  };
}

/** Why no decode step ran, for the n/a lines. */
function noDecodeReason(r: LlamaRunResult): string {
  if (r.stop === 'eos') return 'the first token was the end of sequence';
  if (r.stop === 'length') return `only ${r.tokens.length} token was asked for`;
  return r.stop === 'context' ? 'the context was full' : 'cancelled';
}

/** llama.cpp-style timings, then the per-token counts and the verdict of the decode timeline. */
export function formatGeneration(r: LlamaRunResult, info: DeviceInfo): string {
  const ms = (x: number) => x.toFixed(2).padStart(10);
  const clock = info.backend === 'sim' ? `modelled timeline of ${info.name}` : `measured on ${info.name}`;
  const decodeTrace = decodeEvents(r);
  const decoded = r.decode_runs > 0;
  const lines = [
    `${r.model_name} · ${r.config.layers} layers, dim ${r.config.dim}, ${r.format.toUpperCase()} weights ${r.weights === 'host' ? 'streamed over the link (host-mapped)' : 'in device memory'} (${formatBytes(r.weight_bytes)})`,
    `timings (${clock}):`,
    `  load time        = ${ms(r.load_ms)} ms`,
    `  prompt eval time = ${ms(r.prompt_ms)} ms / ${String(r.prompt_tokens.length).padStart(4)} tokens (${(r.prompt_ms / Math.max(1, r.prompt_tokens.length)).toFixed(3)} ms per token, ${r.prompt_tok_s.toFixed(2)} tokens per second)`,
    decoded
      ? `  eval time        = ${ms(r.decode_ms_per_token * r.decode_runs)} ms / ${String(r.decode_runs).padStart(4)} runs   (${r.decode_ms_per_token.toFixed(3)} ms per token, ${r.decode_tok_s.toFixed(2)} tokens per second)`
      : `  eval time        = ${'n/a'.padStart(10)}    /    0 runs   (no decode step ran: ${noDecodeReason(r)})`,
    `  time to first token = ${r.ttft_ms.toFixed(2)} ms`,
    decoded
      ? `per token: ${r.kernels_per_token.toFixed(0)} kernels, ${r.syncs_per_token.toFixed(0)} host round trip${r.syncs_per_token === 1 ? '' : 's'}, ${formatBytes(r.link_bytes_per_token)} over the link`
      : 'per token: n/a (no decode step ran)',
  ];
  if (decodeTrace.length) lines.push(`verdict: ${summarize(decodeTrace, info).verdict_text}`);
  const stopped = r.stop === 'eos' ? 'end of sequence' : r.stop === 'length' ? `${r.tokens.length} token${r.tokens.length === 1 ? '' : 's'}` : r.stop;
  lines.push(`stopped: ${stopped} · simulator wall time ${(r.wall_ms / 1000).toFixed(1)} s`);
  return `${lines.join('\n')}\n`;
}

/** For the extension and other callers that already hold a device. */
export async function generateOn(device: Device, options: Omit<Parameters<typeof runLlama>[0], 'device'>): Promise<LlamaRunResult> {
  return runLlama({ ...options, device });
}
