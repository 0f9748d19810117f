// `egpu demo` (`npm run demo`): a new user's first look — the tiny Llama on the simulated eGPU with its
// timeline verdict and a Chrome trace, then the Llama 3.1 8B what-if on the same device profile.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, UsageError, flagValue } from '../args';
import { openDevice } from '../../driver/open';
import { formatBytes, summarize, toChromeTrace } from '../../driver/trace';
import { DEFAULT_PROMPT, decodeEvents, printableToken, runLlama } from '../../kernels/llama/engine';
import { projectLlama } from '../../kernels/llama/project';
import { ensureTinyModel } from '../../kernels/llama/tiny-model';
import { checkTracePath, fileProblem, formatProjection } from './llama';

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string) => (s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const bold = paint('1');
const dim = paint('2');
const cyan = paint('36');
const yellow = paint('33');

function heading(n: number, title: string): string {
  return `\n${bold(cyan(`${n}.`))} ${bold(title)}\n${dim('─'.repeat(78))}\n`;
}

export async function runDemo(argv: string[]): Promise<number> {
  let tracePath: string;
  let deviceSpec: string;
  try {
    const args = parseArgs(argv, ['device', 'trace'], []);
    if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    deviceSpec = flagValue(args, 'device') ?? 'sim';
    tracePath = resolve(flagValue(args, 'trace') ?? 'egpu-demo-trace.json');
  } catch (err) {
    process.stderr.write(`egpu demo: ${err instanceof Error ? err.message : String(err)}\nusage: egpu demo [--device sim:PROFILE] [--trace OUT.json]\n`);
    return 2;
  }
  try {
    checkTracePath(tracePath);
  } catch (err) {
    process.stderr.write(`egpu demo: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const out = (s: string) => process.stdout.write(s);
  out(`${bold('eGPU Kernel Studio')} ${dim('— demo')}\n`);
  out(`A Llama-architecture model decoding through Kern kernels on a simulated RTX 5090 behind a 33 GB/s USB4 link,\nthen what the same timing model says about Llama 3.1 8B.\n`);

  let device;
  try {
    device = await openDevice(deviceSpec);
  } catch (err) {
    process.stderr.write(`egpu demo: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  try {
    const info = device.info();
    out(heading(1, `Tiny Llama on ${info.name}`));
    out(dim('Random weights, so the text is noise — the kernels, the data movement and the timings are real.\n\n'));
    const model = ensureTinyModel('q8_0');
    out(`${bold('prompt')}  ${DEFAULT_PROMPT}\n${bold('output')}  `);
    const r = await runLlama({ model, device, prompt: DEFAULT_PROMPT, tokens: 24, onToken: (e) => out(yellow(printableToken(e.text))) });
    out('\n\n');
    const summary = summarize(decodeEvents(r), info);
    const decoded = r.decode_runs > 0;
    const rows: [string, string][] = [
      ['model', `${r.config.layers} layers · dim ${r.config.dim} · ${r.config.heads} heads (${r.config.kvHeads} KV) · ${r.format.toUpperCase()} · ${formatBytes(r.weight_bytes)}`],
      ['tokens', `${r.prompt_tokens.length} prompt + ${r.tokens.length} generated`],
      ['decode', decoded ? `${r.decode_tok_s.toFixed(0)} tok/s  (${r.decode_ms_per_token.toFixed(3)} ms per token, modelled)` : 'n/a (no decode step ran: the first token ended the text)'],
      ['prompt', `${r.prompt_tok_s.toFixed(0)} tok/s, time to first token ${r.ttft_ms.toFixed(2)} ms`],
      ['per token', decoded ? `${r.kernels_per_token} kernels, ${r.syncs_per_token} host round trip, ${formatBytes(r.link_bytes_per_token)} over the link` : 'n/a'],
      ...(decoded ? [['timeline', `compute ${(summary.compute_us / 1000).toFixed(2)} ms, copies ${(summary.copy_us / 1000).toFixed(2)} ms, latency ${(summary.latency_us / 1000).toFixed(2)} ms of ${(summary.total_us / 1000).toFixed(2)} ms`] as [string, string], ['verdict', summary.verdict_text] as [string, string]] : []),
    ];
    for (const [k, v] of rows) out(`  ${dim(k.padEnd(10))} ${v}\n`);
    try {
      writeFileSync(tracePath, JSON.stringify(toChromeTrace(r.events, info)));
    } catch (err) {
      throw new Error(`cannot write trace to '${tracePath}': ${fileProblem(err) ?? String(err)}`);
    }
    out(`\n  ${bold('trace')}      ${tracePath}\n  ${dim('           open it in https://ui.perfetto.dev or chrome://tracing')}\n`);
    if (decoded) out(dim(`\n  A model this small is all launch latency: ${r.kernels_per_token} launches × ${info.ceilings.launchLatencyUs} µs dwarf the bytes it moves.\n`));

    const projectionDevice = info.backend === 'sim' ? info : (await import('../../driver/profiles')).loadProfile('rtx5090-usb4');
    out(heading(2, 'What-if: Llama 3.1 8B (Q4_0) on the same eGPU'));
    const projection = projectLlama({ model: 'llama-3.1-8b', quant: 'q4_0', device: projectionDevice });
    out(formatProjection(projection).replace(/^What-if: [^\n]*\n/, ''));
    out(`\n${dim('Try:')} egpu llama --weights host   ${dim('·')}   egpu llama --project llama-3.1-8b --quant f16   ${dim('·')}   egpu run kernels/lib/matvec.kern\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`\negpu demo: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await device.dispose();
  }
}
