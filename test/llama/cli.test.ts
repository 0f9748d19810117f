// `egpu llama`'s command-line face: VRAM capacity in the what-if, flags that do not apply, one-line reasons for
// bad values, model errors before the prompt is printed, and n/a when no decode step ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileProblem, runLlamaCommand } from '../../cli/commands/llama';
import { loadProfile } from '../../driver/profiles';
import { projectLlama } from '../../kernels/llama/project';

const root = join(__dirname, '..', '..');

async function llama(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runLlamaCommand(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const firstLine = (s: string) => s.split('\n')[0];

test('--project: F32 Llama 3.1 8B does not fit a 24 GiB card, and the report says so', async () => {
  const r = await llama('--project', 'llama-3.1-8b', '--quant', 'f32', '--device', 'sim:rtx4090-tb5');
  assert.equal(r.code, 0, r.err);
  const lines = r.out.split('\n');
  assert.equal(lines[0], 'What-if: Llama 3.1 8B F32 decode on RTX 4090 · Thunderbolt 5 5.6 GB/s (sim) (24 GiB of VRAM)');
  assert.equal(lines.find((l) => l.includes('weights in VRAM')), '  weights in VRAM       does not fit: 29.9 GiB of weights + 16.9 MiB of KV cache and activations > 24 GiB of VRAM');
  assert.match(lines.find((l) => l.includes('weights over the link'))!, /^ {2}weights over the link {5}0\.19 tok\/s/);
  assert.ok(!r.out.includes('27.86'), 'no resident tok/s in the table');
  assert.match(r.out, /Resident: the whole model is 29\.9 GiB of F32 weights \(\+ 16\.9 MiB of KV cache and activations\), more than this card's 24 GiB of VRAM, so it cannot stay resident; on a card with enough memory the same 388 kernels/);
  assert.match(r.out, /Streaming is the only way this card runs F32 — F16 \(15 GiB\) is the widest format that fits this card/);

  const j = JSON.parse((await llama('--project', 'llama-3.1-8b', '--quant', 'f32', '--device', 'sim:rtx4090-tb5', '--json')).out);
  assert.equal(j.memory_bytes, 24 * 2 ** 30);
  assert.equal(j.resident.fits, false);
  assert.equal(j.resident.vram_bytes, j.model_bytes + j.cache_bytes);
  assert.ok(j.resident.vram_bytes > j.memory_bytes);
  assert.ok(j.resident.decode_tok_s > 27 && j.resident.decode_tok_s < 29, 'decode_tok_s stays what it would be with enough memory');
  assert.equal(j.streamed.fits, true);
  assert.equal(j.streamed.vram_bytes, j.cache_bytes);
});

test('--project: Q4_0 fits the 32 GiB eGPU; the KV cache grows with --position', () => {
  const usb4 = loadProfile('rtx5090-usb4');
  const r = projectLlama({ model: 'llama-3.1-8b', quant: 'q4_0', device: usb4 });
  assert.equal(r.resident.fits, true);
  assert.equal(r.streamed.fits, true);
  assert.match(r.explanation[1]!, /^Resident: with the weights kept in VRAM the same 388 kernels/);
  const late = projectLlama({ model: 'llama-3.1-8b', quant: 'q4_0', device: usb4, position: 131071 });
  // 32 layers × (K + V) × 131072 positions × 1024 f16 values, plus activations.
  assert.ok(late.cache_bytes > 32 * 2 * 131072 * 1024 * 2 && late.cache_bytes < 32 * 2 * 131072 * 1024 * 2 + 2 ** 26, `cache ${late.cache_bytes}`);
  assert.throws(() => projectLlama({ model: 'llama-3.1-8b', device: usb4, position: 131072 }), /--position 131072 is outside Llama 3\.1 8B's context of 131072 tokens \(0 to 131071\)/);
});

test('--project: a position beyond the context, an unknown model and flags that do not apply are usage errors', async () => {
  const cases: [string[], string][] = [
    [['--project', 'llama-3.1-8b', '--position', '200000'], "egpu llama: --position 200000 is beyond Llama 3.1 8B's context of 131072 tokens: use 0 to 131071"],
    [['--project', 'llama-3.1-8b', '--position', '-1'], "egpu llama: --position must be an integer ≥ 0, got '-1'"],
    [['--project', 'gpt-5'], "egpu llama: --project must name a known model (llama-3.1-8b, llama-3.2-1b), got 'gpt-5'"],
    [['--project', 'llama-3.1-8b', '--model', 'x.gguf'], "egpu llama: --model does not apply to --project: the what-if times a known model's shapes on a profile; it reads no file and generates no text"],
    [['--project', 'llama-3.1-8b', '--weights', 'host', '--tokens', '3'], "egpu llama: --tokens, --weights do not apply to --project: the what-if times a known model's shapes on a profile; it reads no file and generates no text"],
    [['--project', 'llama-3.1-8b', '--prompt', 'hi'], "egpu llama: --prompt does not apply to --project: the what-if times a known model's shapes on a profile; it reads no file and generates no text"],
    [['--position', '5'], 'egpu llama: --position applies to --project only (the position of the projected token)'],
    [['--model', 'x.gguf', '--quant', 'q4_0'], "egpu llama: --quant applies to --project and to the generated tiny model; 'x.gguf' runs in the formats stored in the file"],
  ];
  for (const [argv, message] of cases) {
    const r = await llama(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.equal(r.out, '');
    assert.equal(firstLine(r.err), message, argv.join(' '));
    assert.match(r.err.split('\n')[1]!, /^usage: egpu llama /);
  }
});

test('every bad flag value gets a one-line reason, exit 2, then the usage', async () => {
  const cases: [string[], string][] = [
    [['--temperature', '-1'], "--temperature must be a number ≥ 0, got '-1'"],
    [['--temperature', 'abc'], "--temperature must be a number ≥ 0, got 'abc'"],
    [['--top-p', '1.5'], "--top-p must be a number in (0, 1], got '1.5'"],
    [['--top-p', '0'], "--top-p must be a number in (0, 1], got '0'"],
    [['--tokens', '-3'], "--tokens must be a positive integer (at most 100000), got '-3'"],
    [['--tokens', '1.5'], "--tokens must be a positive integer (at most 100000), got '1.5'"],
    [['--tokens', '0'], "--tokens must be a positive integer (at most 100000), got '0'"],
    [['--seed', 'x'], "--seed must be an integer, got 'x'"],
    [['--seed='], "--seed must be an integer, got ''"],
    [['--context', '1'], "--context must be an integer ≥ 2, got '1'"],
    [['--weights', 'gpu'], "--weights must be device or host, got 'gpu'"],
    [['--quant', 'q3'], "--quant must be one of f32, f16, bf16, q8_0, q4_0, got 'q3'"],
    [['--prompt'], '--prompt is missing its value'],
    [['--prompt', '--json'], '--prompt is missing its value'],
    [['--tokens', '--seed', '3'], '--tokens is missing its value'],
    [['--bogus'], 'unknown option --bogus'],
  ];
  for (const [argv, message] of cases) {
    const r = await llama(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.equal(r.out, '', argv.join(' '));
    const lines = r.err.split('\n');
    assert.equal(lines[0], `egpu llama: ${message}`);
    assert.match(lines[1]!, /^usage: egpu llama \[--model FILE\.gguf \| --quant FORMAT\]/);
  }
});

test('model errors come before the prompt is printed, as one line naming the path', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'egpu-llama-cli-'));
  writeFileSync(join(dir, 'empty.gguf'), new Uint8Array(0));
  mkdirSync(join(dir, 'folder.gguf'));
  const cases: [string, string][] = [
    [join(dir, 'nope.gguf'), `egpu llama: cannot open model '${join(dir, 'nope.gguf')}': no such file`],
    [join(dir, 'folder.gguf'), `egpu llama: cannot open model '${join(dir, 'folder.gguf')}': it is a directory, not a .gguf file`],
    [join(dir, 'empty.gguf'), `egpu llama: cannot load model '${join(dir, 'empty.gguf')}': GGUF: file is 0 bytes, too short for a GGUF header (24 bytes)`],
  ];
  for (const [path, message] of cases) {
    const r = await llama('--model', path, '--prompt', 'Once upon a time');
    assert.equal(r.code, 1);
    assert.equal(r.out, '', 'nothing on stdout: the prompt is not printed');
    assert.equal(r.err, `${message}\n`);
  }
  assert.equal(fileProblem(Object.assign(new Error('EACCES: permission denied, open'), { code: 'EACCES' })), 'permission denied');
  assert.equal(fileProblem(new Error('plain')), undefined);
  await t.test('an unreadable file', async (t2) => {
    if (process.getuid?.() === 0) return t2.skip('running as root: permissions are not enforced');
    const locked = join(dir, 'locked.gguf');
    writeFileSync(locked, 'GGUF');
    chmodSync(locked, 0o000);
    const r = await llama('--model', locked);
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assert.equal(r.err, `egpu llama: cannot open model '${locked}': permission denied\n`);
  });
});

test('a context too short for the prompt and an unwritable trace are refused before the prompt is printed', async () => {
  const short = await llama('--context', '4');
  assert.equal(short.code, 2);
  assert.equal(short.out, '');
  assert.equal(firstLine(short.err), 'egpu llama: --context 4 is too short: the prompt is 12 tokens and at least one more must fit; use --context 13 or more');
  const trace = await llama('--tokens', '1', '--trace', '/nonexistent-dir/t.json');
  assert.equal(trace.code, 1);
  assert.equal(trace.out, '');
  assert.equal(trace.err, "egpu llama: cannot write trace to '/nonexistent-dir/t.json': no such directory '/nonexistent-dir'\n");
});

test('when the first token is the end of sequence, per-token figures are n/a (null in JSON)', async () => {
  // Temperature 1 with seed 6 samples the tiny model's EOS right after the prompt.
  const r = await llama('--temperature', '1', '--seed', '6', '--tokens', '4');
  assert.equal(r.code, 0, r.err);
  assert.ok(r.out.startsWith('Once upon a time\n\n'), r.out);
  assert.match(r.out, /\n {2}eval time {8}= {8}n\/a {4}\/ {4}0 runs {3}\(no decode step ran: the first token was the end of sequence\)\n/);
  assert.match(r.out, /\nper token: n\/a \(no decode step ran\)\n/);
  assert.match(r.out, /\nstopped: end of sequence · /);
  assert.ok(!r.out.includes('0 kernels') && !r.out.includes('verdict:'), r.out);
  const j = JSON.parse((await llama('--temperature', '1', '--seed', '6', '--tokens', '4', '--json')).out);
  assert.equal(j.stop, 'eos');
  assert.equal(j.decode_runs, 0);
  for (const key of ['decode_tok_s', 'kernels_per_token', 'syncs_per_token', 'link_bytes_per_token']) assert.equal(j[key], null, key);
  const one = await llama('--tokens', '1');
  assert.match(one.out, /\(no decode step ran: only 1 token was asked for\)/);
  assert.match(one.out, /\nstopped: 1 token · /);
});

test('--quant without --project picks the tiny model\'s weight format', async () => {
  const j = JSON.parse((await llama('--quant', 'q4_0', '--tokens', '2', '--json')).out);
  assert.equal(j.model, 'tiny-llama (generated, random weights, Q4_0)');
  assert.equal(j.tokens.length, 2);
  assert.equal(j.kernels_per_token, 28);
});

test('egpu --help lists every flag the subcommands accept', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'cli', 'main.ts'), '--help'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const flag of ['--context N', '--position N', '--weights device|host', '--seed N', '--temperature T', '--top-p P', '--quant q4_0|q8_0|f16|bf16|f32',
    '--profile FILE.json', '--time-limit MS', '--arch sm_80', '--run NAME']) {
    assert.ok(r.stdout.includes(flag), flag);
  }
  assert.match(r.stdout, /\n {2}egpu bench \[sim\|lsp\|llama\|cuda…\] \[--quick\] /);
  assert.match(r.stdout, /\n {2}egpu demo \[--device sim:PROFILE\] \[--trace OUT\.json\]/);
});
