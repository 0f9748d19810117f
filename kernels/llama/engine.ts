// The Llama decode loop on any Device: weights uploaded once (or host-mapped and streamed every token),
// batched prompt prefill, then one token per step through the Kern kernels, timed from the device's timeline.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Device, DeviceBuffer, DeviceProgram, LaunchArg, Placement } from '../../driver/device';
import { timeRange, type TraceEvent } from '../../driver/trace';
import type { IrKernel } from '../lang/ir';
import { closeGGUF, GGMLType, ggmlTypeName, GGUFError, openGGUF, readTensorBytes, type GGUFTensorInfo } from './gguf';
import { llamaTensors, readLlamaConfig, type LlamaConfig } from './model';
import { activationBuffers, forwardStep, PREFILL_CHUNK, weightBufferNames, type PlannedLaunch, type WeightFormat } from './plan';
import { seededRandom } from './tiny-model';
import { Tokenizer, TokenStreamDecoder } from './tokenizer';

export interface TokenEvent {
  /** 0 for the first generated token. */
  index: number;
  id: number;
  /** The text this token completes (may be empty while a UTF-8 character is split). */
  text: string;
  /** Modelled (sim) or measured (cuda) device time since the prompt started, ms. */
  elapsed_ms: number;
}

export interface LlamaRunOptions {
  /** GGUF file (the caller generates the tiny model when the user gave none). */
  model: string;
  device: Device;
  prompt?: string;
  /** Token ids to use instead of tokenizing `prompt` (BOS included if wanted). */
  promptTokens?: number[];
  /** New tokens to generate at most (default 32). */
  tokens?: number;
  /** Keep weights in device memory (default) or host-mapped, streamed over the link by every kernel. */
  weights?: Placement;
  /** 0 (default) is greedy on the device; otherwise logits are read back and sampled on the host. */
  temperature?: number;
  topP?: number;
  seed?: number;
  /** Cap on the context (KV cache rows), default min(model, 2048). */
  context?: number;
  /** Keep the logits of the first N generated tokens (for checks against llama.cpp / reference). */
  keepLogits?: number;
  /** Called as each token arrives. */
  onToken?: (event: TokenEvent) => void;
  signal?: AbortSignal;
  /** Where llama.kern lives (found automatically). */
  kernelsPath?: string;
}

export interface StepStat {
  kind: 'load' | 'prefill' | 'decode';
  start_us: number;
  end_us: number;
  kernels: number;
  /** Host waits: device-to-host reads and explicit synchronisations. */
  syncs: number;
  link_bytes: number;
  /** Host wall-clock time the step took, ms (the simulator's own speed). */
  wall_ms: number;
  /** Range of this step's events in `events`. */
  first_event: number;
  end_event: number;
}

export interface LlamaRunResult {
  model: string;
  model_name: string;
  device: string;
  device_name: string;
  config: LlamaConfig;
  /** Format of the large matrices (first layer's attn_q). */
  format: WeightFormat;
  weights: Placement;
  weight_bytes: number;
  prompt_tokens: number[];
  tokens: number[];
  text: string;
  stop: 'eos' | 'length' | 'context' | 'cancelled';
  load_ms: number;
  prompt_ms: number;
  prompt_tok_s: number;
  /** Decode steps after the first token (as llama.cpp's "eval time"). */
  decode_runs: number;
  decode_ms_per_token: number;
  decode_tok_s: number;
  ttft_ms: number;
  kernels_per_token: number;
  syncs_per_token: number;
  link_bytes_per_token: number;
  /** Host wall-clock time of the whole run, ms (the simulator's own speed, not the modelled device). */
  wall_ms: number;
  events: TraceEvent[];
  steps: StepStat[];
  logits: Float32Array[];
}

const TYPE_FORMAT: Partial<Record<GGMLType, WeightFormat>> = {
  [GGMLType.F32]: 'f32', [GGMLType.F16]: 'f16', [GGMLType.BF16]: 'bf16', [GGMLType.Q8_0]: 'q8_0', [GGMLType.Q4_0]: 'q4_0',
};

function formatOf(t: GGUFTensorInfo): WeightFormat {
  const f = TYPE_FORMAT[t.type];
  if (!f) throw new GGUFError(`GGUF: tensor ${t.name} has type ${ggmlTypeName(t.type)}, which the kernels cannot read (supported: F32, F16, BF16, Q8_0, Q4_0)`);
  return f;
}

/** Finds kernels/llama/llama.kern from the source tree or from the bundle in dist/. */
export function findLlamaKernels(): string {
  const candidates = [
    join(__dirname, 'llama.kern'),
    join(__dirname, '..', 'kernels', 'llama', 'llama.kern'),
    join(__dirname, '..', '..', 'kernels', 'llama', 'llama.kern'),
    resolve('kernels', 'llama', 'llama.kern'),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`cannot find kernels/llama/llama.kern (looked in ${candidates.map(dirname).join(', ')})`);
  return found;
}

let kernelCache: { path: string; kernels: Map<string, IrKernel> } | null = null;

/** Compiles llama.kern (and its imports) with the Kern front end; cached per process. */
export async function loadLlamaKernels(path = findLlamaKernels()): Promise<Map<string, IrKernel>> {
  if (kernelCache?.path === path) return kernelCache.kernels;
  const { compileFile } = await import('../../driver/source-host');
  const result = compileFile(path);
  if (!result.program) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error').slice(0, 5);
    throw new Error(`llama kernels do not compile (${path}): ${errors.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  }
  const kernels = new Map(result.program.kernels.map((k) => [k.name, k]));
  kernelCache = { path, kernels };
  return kernels;
}

const isSync = (e: TraceEvent) => e.kind === 'd2h' || e.kind === 'sync';
const linkBytesOf = (e: TraceEvent) => (e.kind === 'h2d' || e.kind === 'd2h' ? e.bytes : e.kind === 'kernel' ? e.link_bytes ?? 0 : 0);

/** Samples from logits with temperature and nucleus (top-p) filtering. */
export function sampleToken(logits: Float32Array, temperature: number, topP: number, random: () => number): number {
  const order = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]! || a - b);
  const top = logits[order[0]!]!;
  const weights = order.map((i) => Math.exp((logits[i]! - top) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let kept = 0;
  let mass = 0;
  while (kept < order.length && (kept === 0 || mass < topP * total)) mass += weights[kept++]!;
  let r = random() * mass;
  for (let i = 0; i < kept; i++) {
    r -= weights[i]!;
    if (r <= 0) return order[i]!;
  }
  return order[kept - 1]!;
}

/** Runs prompt + generation on the device. Throws GGUFError / DeviceError / Error with user-facing messages. */
/** The prompt the demo faces (CLI, `egpu demo`, the VS Code command) use when the user gives none. */
export const DEFAULT_PROMPT = 'Once upon a time';

/** The events of the decode steps (after the first token), where tokens/s is measured; [] when none ran. */
export function decodeEvents(r: LlamaRunResult): TraceEvent[] {
  const decodes = r.steps.filter((s) => s.kind === 'decode');
  return decodes.length ? r.events.slice(decodes[0]!.first_event, decodes[decodes.length - 1]!.end_event) : [];
}

/** A token's text made safe to print: newlines shown as ⏎, control characters and broken UTF-8 as ·. */
export function printableToken(text: string): string {
  return text.replace(/\n/g, '⏎').replace(/[\uFFFD\p{Cc}]/gu, '·');
}

export async function runLlama(options: LlamaRunOptions): Promise<LlamaRunResult> {
  const wallStart = performance.now();
  const device = options.device;
  const file = openGGUF(options.model);
  const buffers: DeviceBuffer[] = [];
  try {
    const fileConfig = readLlamaConfig(file);
    const tensors = llamaTensors(file, fileConfig);
    const tokenizer = Tokenizer.fromGGUF(file);
    const config: LlamaConfig = { ...fileConfig, context: Math.min(fileConfig.context, options.context ?? 2048) };
    const promptTokens = options.promptTokens ?? tokenizer.encode(options.prompt ?? '');
    if (promptTokens.length === 0) throw new Error('the prompt is empty and the model adds no BOS token: give a prompt');
    const bad = promptTokens.find((t) => !Number.isInteger(t) || t < 0 || t >= config.vocab);
    if (bad !== undefined) throw new Error(`prompt token ${bad} is outside the vocabulary (${config.vocab} tokens)`);
    if (promptTokens.length >= config.context) throw new Error(`the prompt has ${promptTokens.length} tokens but the context holds ${config.context}`);
    const maxNew = Math.max(0, Math.min(options.tokens ?? 32, config.context - promptTokens.length));
    const placement: Placement = options.weights ?? 'device';
    const temperature = options.temperature ?? 0;
    const greedy = temperature <= 0;
    const random = seededRandom(options.seed ?? 0);
    const tied = tensors.output === tensors.embedding;

    const kernels = await loadLlamaKernels(options.kernelsPath);
    const programs = new Map<string, DeviceProgram>();
    const named = new Map<string, DeviceBuffer>();
    const tensorByName = new Map(file.tensors.map((t) => [t.name, t]));
    const formats = new Map<string, WeightFormat>();
    for (const name of weightBufferNames(config, tied)) formats.set(name, formatOf(tensorByName.get(name)!));
    const stepOptions = { format: formatOf(tensors.layers[0]!.weights.attn_q), formatOf: (w: string) => formats.get(w)!, tiedOutput: tied };

    const events = () => device.events();
    const steps: StepStat[] = [];
    const step = async (kind: StepStat['kind'], body: () => Promise<void>) => {
      const first = events().length;
      const stepWallStart = performance.now();
      await body();
      const wall = performance.now() - stepWallStart;
      const all = events();
      const slice = all.slice(first);
      steps.push({
        kind,
        start_us: timeRange(slice).first,
        end_us: timeRange(slice).last,
        kernels: slice.filter((e) => e.kind === 'kernel').length,
        syncs: slice.filter(isSync).length,
        link_bytes: slice.reduce((n, e) => n + linkBytesOf(e), 0),
        wall_ms: wall,
        first_event: first,
        end_event: all.length,
      });
    };

    // Load: weights (uploaded once, or host-mapped), activations, caches, kernels.
    let weightBytes = 0;
    await step('load', async () => {
      for (const name of weightBufferNames(config, tied)) {
        const t = tensorByName.get(name)!;
        const b = await device.alloc(t.bytes, placement, name);
        buffers.push(b);
        named.set(name, b);
        await device.upload(b, readTensorBytes(file, t));
        weightBytes += t.bytes;
      }
      for (const [name, bytes] of Object.entries(activationBuffers(config, PREFILL_CHUNK))) {
        const b = await device.alloc(bytes, 'device', name);
        buffers.push(b);
        named.set(name, b);
      }
      const needed = new Set(forwardStep(config, { ...stepOptions, pos0: 0, ntok: 1, tokenSlot: 0, greedy: true }).map((l) => l.kernel));
      for (const name of needed) {
        const k = kernels.get(name);
        if (!k) throw new Error(`llama.kern has no kernel ${name}`);
        programs.set(name, await device.compile(k));
      }
    });

    const tokenIds = new Uint32Array(config.context + 1);
    tokenIds.set(promptTokens);
    const tokensBuffer = named.get('tokens')!;
    const launchAll = async (plan: PlannedLaunch[]) => {
      for (const l of plan) {
        const args: LaunchArg[] = l.args.map((a) => {
          if (a.kind === 'scalar') return { kind: 'scalar', type: a.type, value: a.value };
          const b = named.get(a.buffer);
          if (!b) throw new Error(`plan refers to unknown buffer ${a.buffer} in ${l.label}`);
          return { kind: 'buffer', buffer: b };
        });
        await device.launch(programs.get(l.kernel)!, l.grid, l.block, args, options.signal ? { signal: options.signal } : {});
      }
    };
    const keepLogits = options.keepLogits ?? 0;
    const logits: Float32Array[] = [];
    const readNext = async (slot: number, index: number): Promise<number> => {
      if (greedy && index >= keepLogits) {
        const bytes = await device.download(named.get('next')!);
        return new Uint32Array(bytes.buffer, bytes.byteOffset, 1)[0]!;
      }
      const bytes = await device.download(named.get('logits')!);
      const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + config.vocab * 4));
      if (index < keepLogits) logits.push(values);
      let id: number;
      if (greedy) {
        id = 0;
        for (let i = 1; i < values.length; i++) if (values[i]! > values[id]!) id = i;
      } else {
        id = sampleToken(values, temperature, options.topP ?? 1, random);
      }
      tokenIds[slot] = id;
      // The next step's embedding reads the token from the device: sampled tokens go back up.
      if (!greedy) await device.upload(tokensBuffer, new Uint8Array(tokenIds.buffer));
      return id;
    };

    const generated: number[] = [];
    const stream = new TokenStreamDecoder(tokenizer);
    let text = '';
    let stop: LlamaRunResult['stop'] = 'length';
    let promptStart = 0;
    const emit = (id: number) => {
      const piece = stream.push(id);
      text += piece;
      const last = steps[steps.length - 1]!;
      options.onToken?.({ index: generated.length - 1, id, text: piece, elapsed_ms: (last.end_us - promptStart) / 1000 });
    };

    // Prompt: token ids go up once; prefill in chunks, the last one producing the first token.
    let pos = 0;
    if (maxNew > 0) {
      await step('prefill', async () => {
        await device.upload(tokensBuffer, new Uint8Array(tokenIds.buffer));
        while (pos < promptTokens.length) {
          const ntok = Math.min(PREFILL_CHUNK, promptTokens.length - pos);
          const last = pos + ntok === promptTokens.length;
          await launchAll(forwardStep(config, { ...stepOptions, pos0: pos, ntok, tokenSlot: pos, greedy, withLogits: last }));
          pos += ntok;
        }
        generated.push(await readNext(pos, 0));
      });
      promptStart = steps[steps.length - 1]!.start_us;
      emit(generated[0]!);
    }
    while (generated.length > 0 && generated.length < maxNew) {
      const lastId = generated[generated.length - 1]!;
      if (tokenizer.isEndOfGeneration(lastId)) {
        stop = 'eos';
        break;
      }
      if (options.signal?.aborted) {
        stop = 'cancelled';
        break;
      }
      if (pos + 1 >= config.context) {
        stop = 'context';
        break;
      }
      await step('decode', async () => {
        await launchAll(forwardStep(config, { ...stepOptions, pos0: pos, ntok: 1, tokenSlot: pos, greedy }));
        pos += 1;
        generated.push(await readNext(pos, generated.length));
      });
      emit(generated[generated.length - 1]!);
    }
    if (generated.length > 0 && tokenizer.isEndOfGeneration(generated[generated.length - 1]!)) stop = 'eos';
    text += stream.flush();

    const load = steps.find((s) => s.kind === 'load')!;
    const prefill = steps.find((s) => s.kind === 'prefill');
    const decodes = steps.filter((s) => s.kind === 'decode');
    const promptUs = prefill ? prefill.end_us - prefill.start_us : 0;
    const decodeUs = decodes.length ? decodes[decodes.length - 1]!.end_us - (prefill?.end_us ?? decodes[0]!.start_us) : 0;
    const per = (f: (s: StepStat) => number) => (decodes.length ? decodes.reduce((n, s) => n + f(s), 0) / decodes.length : 0);
    return {
      model: options.model,
      model_name: String(file.metadata.get('general.name')?.value ?? options.model),
      device: device.info().id,
      device_name: device.info().name,
      config,
      format: stepOptions.format,
      weights: placement,
      weight_bytes: weightBytes,
      prompt_tokens: promptTokens,
      tokens: generated,
      text,
      stop,
      load_ms: (load.end_us - load.start_us) / 1000,
      prompt_ms: promptUs / 1000,
      prompt_tok_s: promptUs > 0 ? promptTokens.length / (promptUs / 1e6) : 0,
      decode_runs: decodes.length,
      decode_ms_per_token: decodes.length ? decodeUs / decodes.length / 1000 : 0,
      decode_tok_s: decodeUs > 0 ? decodes.length / (decodeUs / 1e6) : 0,
      ttft_ms: promptUs / 1000,
      kernels_per_token: per((s) => s.kernels),
      syncs_per_token: per((s) => s.syncs),
      link_bytes_per_token: per((s) => s.link_bytes),
      wall_ms: performance.now() - wallStart,
      events: device.events(),
      steps,
      logits,
    };
  } finally {
    for (const b of buffers) await device.free(b).catch(() => undefined);
    closeGGUF(file);
  }
}
