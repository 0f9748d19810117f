// `egpu llama`: the Llama demo on a device (tokens streamed as they come, llama.cpp-style timings), and
// `egpu llama --project MODEL`: the what-if projection of a large model's decode speed on a device profile.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { flagValue, parseArgs, UsageError, type ParsedArgs } from '../args';
import { openDevice } from '../../driver/open';
import { DEFAULT_PROFILE, loadProfile } from '../../driver/profiles';
import { formatBytes, summarize, toChromeTrace } from '../../driver/trace';
import type { Device, DeviceInfo } from '../../driver/device';
import { runLlama, type LlamaRunResult } from '../../kernels/llama/engine';
import { projectLlama, type ProjectionResult } from '../../kernels/llama/project';
import { ensureTinyModel } from '../../kernels/llama/tiny-model';
import { WEIGHT_FORMATS, type WeightFormat } from '../../kernels/llama/plan';

const USAGE = `usage: egpu llama [--model FILE.gguf] [--prompt TEXT] [--tokens N] [--device sim|sim:PROFILE|cuda:N]
                  [--weights device|host] [--seed N] [--temperature T] [--top-p P] [--trace OUT.json] [--json]
       egpu llama --project llama-3.1-8b [--quant q4_0|q8_0|f16|bf16|f32] [--device sim:PROFILE] [--json]`;

export const DEFAULT_PROMPT = 'Once upon a time';
export const NOISE_NOTE = 'No --model given: running the tiny Llama-shaped model generated with random weights — the text is noise; the pipeline and the timings are real.';

function numberFlag(args: ParsedArgs, name: string, check: (n: number) => boolean, what: string): number | undefined {
  const v = flagValue(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} needs ${what}, got '${v}'`);
  return n;
}

export async function runLlamaCommand(argv: string[]): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv, ['model', 'prompt', 'tokens', 'device', 'weights', 'seed', 'temperature', 'top-p', 'trace', 'project', 'quant', 'position', 'context'], ['json', 'help']);
    if (args.flags.has('help')) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    if (flagValue(args, 'project') !== undefined) return projectCommand(args);
    return await generateCommand(args);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`egpu llama: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`egpu llama: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

export { runLlamaCommand as runLlama };

function projectCommand(args: ParsedArgs): number {
  const quant = (flagValue(args, 'quant') ?? 'q4_0').toLowerCase();
  if (!WEIGHT_FORMATS.includes(quant as WeightFormat)) throw new UsageError(`--quant must be one of ${WEIGHT_FORMATS.join(', ')}, got '${quant}'`);
  const spec = flagValue(args, 'device') ?? 'sim';
  if (spec !== 'sim' && !spec.startsWith('sim:')) throw new UsageError(`--project models a simulated profile: use --device sim:PROFILE, not '${spec}'`);
  const info = loadProfile(spec === 'sim' ? DEFAULT_PROFILE : spec.slice(4));
  const position = numberFlag(args, 'position', (n) => Number.isInteger(n) && n >= 0, 'a token position');
  const result = projectLlama({ model: flagValue(args, 'project')!, quant: quant as WeightFormat, device: info, ...(position !== undefined ? { position } : {}) });
  if (args.flags.has('json')) {
    process.stdout.write(`${JSON.stringify(projectionJson(result), null, 2)}\n`);
  } else {
    process.stdout.write(formatProjection(result));
  }
  return 0;
}

export function projectionJson(r: ProjectionResult): object {
  const side = (c: ProjectionResult['resident']) => ({
    decode_tok_s: c.decode_tok_s, ms_per_token: c.ms_per_token, kernels_per_token: c.kernels_per_token, syncs_per_token: c.syncs_per_token,
    link_bytes_per_token: c.link_bytes_per_token, device_bytes_per_token: c.device_bytes_per_token, ms: c.ms, share: c.share,
  });
  return { model: r.model, device: r.device, quant: r.quant, position: r.position, weight_bytes_per_token: r.weight_bytes_per_token, resident: side(r.resident), streamed: side(r.streamed), explanation: r.explanation };
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.01 ? 1 : 0)}%`.padStart(5);

/** The projection as a small table and its explanation. */
export function formatProjection(r: ProjectionResult): string {
  const row = (label: string, c: ProjectionResult['resident']) =>
    `  ${label.padEnd(22)}${c.decode_tok_s.toFixed(c.decode_tok_s < 100 ? 2 : 0).padStart(8)} tok/s ${c.ms_per_token.toFixed(1).padStart(8)} ms` +
    `   link ${pct(c.share.link)}  kernels ${pct(c.share.kernels)}  launch ${pct(c.share.launch)}  sync ${pct(c.share.sync)}`;
  return [
    `What-if: ${r.title} ${r.quant.toUpperCase()} decode on ${r.device_name}`,
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

async function generateCommand(args: ParsedArgs): Promise<number> {
  const json = args.flags.has('json');
  const tokens = numberFlag(args, 'tokens', (n) => Number.isInteger(n) && n >= 0 && n <= 100000, 'a whole number of tokens') ?? 32;
  const seed = numberFlag(args, 'seed', (n) => Number.isInteger(n), 'an integer seed');
  const temperature = numberFlag(args, 'temperature', (n) => n >= 0, 'a temperature ≥ 0');
  const topP = numberFlag(args, 'top-p', (n) => n > 0 && n <= 1, 'a probability in (0, 1]');
  const context = numberFlag(args, 'context', (n) => Number.isInteger(n) && n > 1, 'a context length');
  const weights = flagValue(args, 'weights') ?? 'device';
  if (weights !== 'device' && weights !== 'host') throw new UsageError(`--weights must be device or host, got '${weights}'`);
  const given = flagValue(args, 'model');
  const model = given ? resolve(given) : ensureTinyModel('q8_0');
  if (!given && !json) process.stderr.write(`${NOISE_NOTE}\n`);
  const device = await openDevice(flagValue(args, 'device') ?? 'sim');
  try {
    const prompt = flagValue(args, 'prompt') ?? DEFAULT_PROMPT;
    if (!json) process.stdout.write(prompt);
    const result = await runLlama({
      model, device, prompt, tokens, weights,
      ...(seed !== undefined ? { seed } : {}),
      ...(temperature !== undefined ? { temperature } : {}),
      ...(topP !== undefined ? { topP } : {}),
      ...(context !== undefined ? { context } : {}),
      onToken: json ? undefined : (e) => process.stdout.write(e.text),
    });
    const tracePath = flagValue(args, 'trace');
    if (tracePath) writeFileSync(tracePath, JSON.stringify(toChromeTrace(result.events, device.info())));
    if (json) {
      process.stdout.write(`${JSON.stringify(generationJson(result, given ? model : 'tiny-llama (generated, random weights)'), null, 2)}\n`);
    } else {
      process.stdout.write(`\n\n${formatGeneration(result, device.info())}`);
      if (tracePath) process.stdout.write(`trace written to ${tracePath} (open it in https://ui.perfetto.dev)\n`);
    }
    return 0;
  } finally {
    await device.dispose();
  }
}

export function generationJson(r: LlamaRunResult, model: string): object {
  return {
    model, device: r.device, tokens: r.tokens, text: r.text, load_ms: r.load_ms, prompt_tok_s: r.prompt_tok_s, decode_tok_s: r.decode_tok_s,
    ttft_ms: r.ttft_ms, kernels_per_token: r.kernels_per_token, syncs_per_token: r.syncs_per_token, link_bytes_per_token: r.link_bytes_per_token,
    prompt_tokens: r.prompt_tokens.length, decode_runs: r.decode_runs, stop: r.stop, weights: r.weights, wall_ms: r.wall_ms,
  };
}

/** llama.cpp-style timings, then the per-token counts and the verdict of the decode timeline. */
export function formatGeneration(r: LlamaRunResult, info: DeviceInfo): string {
  const ms = (x: number) => x.toFixed(2).padStart(10);
  const clock = info.backend === 'sim' ? `modelled timeline of ${info.name}` : `measured on ${info.name}`;
  const decodes = r.steps.filter((s) => s.kind === 'decode');
  const decodeEvents = decodes.length ? r.events.slice(decodes[0]!.first_event, decodes[decodes.length - 1]!.end_event) : [];
  const lines = [
    `${r.model_name} · ${r.config.layers} layers, dim ${r.config.dim}, ${r.format.toUpperCase()} weights ${r.weights === 'host' ? 'streamed over the link (host-mapped)' : 'in device memory'} (${formatBytes(r.weight_bytes)})`,
    `timings (${clock}):`,
    `  load time        = ${ms(r.load_ms)} ms`,
    `  prompt eval time = ${ms(r.prompt_ms)} ms / ${String(r.prompt_tokens.length).padStart(4)} tokens (${(r.prompt_ms / Math.max(1, r.prompt_tokens.length)).toFixed(3)} ms per token, ${r.prompt_tok_s.toFixed(2)} tokens per second)`,
    `  eval time        = ${ms(r.decode_ms_per_token * r.decode_runs)} ms / ${String(r.decode_runs).padStart(4)} runs   (${r.decode_ms_per_token.toFixed(3)} ms per token, ${r.decode_tok_s.toFixed(2)} tokens per second)`,
    `  time to first token = ${r.ttft_ms.toFixed(2)} ms`,
    `per token: ${r.kernels_per_token.toFixed(0)} kernels, ${r.syncs_per_token.toFixed(0)} host round trip${r.syncs_per_token === 1 ? '' : 's'}, ${formatBytes(r.link_bytes_per_token)} over the link`,
  ];
  if (decodeEvents.length) lines.push(`verdict: ${summarize(decodeEvents, info).verdict_text}`);
  lines.push(`stopped: ${r.stop === 'eos' ? 'end of sequence' : r.stop === 'length' ? `${r.tokens.length} tokens` : r.stop} · simulator wall time ${(r.wall_ms / 1000).toFixed(1)} s`);
  return `${lines.join('\n')}\n`;
}

/** For the extension and other callers that already hold a device. */
export async function generateOn(device: Device, options: Omit<Parameters<typeof runLlama>[0], 'device'>): Promise<LlamaRunResult> {
  return runLlama({ ...options, device });
}
