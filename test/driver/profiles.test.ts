// Device profiles: the built-in set, their numbers against shared/REFERENCE.md, user profile files
// with field-by-field errors, and opening devices by spec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinProfilesDir, DEFAULT_PROFILE, listProfiles, loadProfile, parseProfile } from '../../driver/profiles';
import { openDevice } from '../../driver/open';

test('built-in profiles: the default first, then sorted, all sims', () => {
  const ids = listProfiles().map((p) => p.id);
  assert.deepEqual(ids, ['sim:rtx5090-usb4', 'sim:h100-pcie', 'sim:h100-sxm', 'sim:h200', 'sim:rtx4090-tb5', 'sim:rtx5090-pcie5']);
  assert.equal(DEFAULT_PROFILE, 'rtx5090-usb4');
  for (const p of listProfiles()) {
    assert.equal(p.backend, 'sim');
    const json = JSON.parse(readFileSync(join(builtinProfilesDir(), `${p.id.slice(4)}.json`), 'utf8')) as { sources?: string };
    assert.ok(json.sources && json.sources.length > 20, `${p.id} says where its numbers come from`);
  }
});

test('profile numbers follow the reference figures', () => {
  const c = (id: string) => loadProfile(id).ceilings;
  assert.deepEqual([c('rtx5090-usb4').linkH2DGBps, c('rtx5090-usb4').memoryGBps, c('rtx5090-usb4').fp32TFLOPS], [33, 1792, 104.8]);
  assert.deepEqual([c('rtx5090-pcie5').linkH2DGBps, c('rtx5090-pcie5').launchLatencyUs, c('rtx5090-pcie5').transferLatencyUs, c('rtx5090-pcie5').syncLatencyUs], [56.3, 4, 6, 10]);
  assert.deepEqual([c('rtx4090-tb5').linkH2DGBps, c('rtx4090-tb5').memoryGBps], [5.6, 1008]);
  assert.deepEqual([c('h100-pcie').memoryGBps, c('h100-pcie').fp32TFLOPS], [2000, 51]);
  assert.deepEqual([c('h100-sxm').memoryGBps, c('h100-sxm').fp32TFLOPS], [3350, 67]);
  assert.deepEqual([c('h200').memoryGBps, loadProfile('h200').memoryBytes], [4800, 141e9]);
  // Tunnels cost several times a local PCIe round trip.
  assert.ok(c('rtx4090-tb5').launchLatencyUs >= 3 * c('rtx5090-pcie5').launchLatencyUs);
  assert.equal(loadProfile('sim:h200').id, 'sim:h200');
});

test('unknown profile ids list the known ones', () => {
  assert.throws(() => loadProfile('rtx9090'), {
    message: "unknown device profile 'rtx9090'; known profiles: rtx5090-usb4, h100-pcie, h100-sxm, h200, rtx4090-tb5, rtx5090-pcie5",
  });
});

const GOOD = JSON.parse(readFileSync(join(__dirname, '../../driver/profiles/rtx5090-usb4.json'), 'utf8')) as Record<string, unknown>;
function withField(path: string, value: unknown): string {
  const copy = structuredClone(GOOD) as Record<string, Record<string, unknown>>;
  const [a, b] = path.split('.');
  if (b) copy[a!]![b] = value;
  else (copy as Record<string, unknown>)[a!] = value;
  return JSON.stringify(copy);
}

test('user profile files are checked field by field', () => {
  const cases: [string, string][] = [
    [withField('ceilings.memoryGBps', -5), 'profile my.json: ceilings.memoryGBps must be a positive number'],
    [withField('ceilings.memoryGBps', '1792'), 'profile my.json: ceilings.memoryGBps must be a positive number'],
    [withField('ceilings.syncLatencyUs', -1), 'profile my.json: ceilings.syncLatencyUs must be a number >= 0'],
    [withField('memoryBytes', 1.5), 'profile my.json: memoryBytes must be a positive integer'],
    [withField('limits.maxGridDim', [1, 2]), 'profile my.json: limits.maxGridDim must be an array of three positive integers'],
    [withField('id', 'a b'), 'profile my.json: id may hold only letters, digits, ".", "_" and "-"'],
    [withField('name', ''), 'profile my.json: name must be a non-empty string'],
    [withField('ceilings', null), 'profile my.json: ceilings must be an object'],
    ['[1]', 'profile my.json: the file must hold a JSON object'],
  ];
  for (const [text, message] of cases) assert.throws(() => parseProfile(text, 'my.json'), { message });
  assert.throws(() => parseProfile('{', 'my.json'), /^ProfileError: profile my\.json: not valid JSON/);
});

test('user profile files load by path and join the list (and may replace a built-in id)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'egpu-profiles-'));
  const mine = join(dir, 'mine.json');
  writeFileSync(mine, withField('id', 'my-egpu'));
  assert.equal(loadProfile(mine).id, 'sim:my-egpu');
  assert.equal(loadProfile(`sim:${mine}`).id, 'sim:my-egpu');
  assert.equal(loadProfile('my-egpu', [mine]).id, 'sim:my-egpu');
  assert.deepEqual(listProfiles([mine]).map((p) => p.id).at(-1), 'sim:my-egpu');
  const override = join(dir, 'override.json');
  writeFileSync(override, withField('name', 'My 5090'));
  const all = listProfiles([override]);
  assert.equal(all.filter((p) => p.id === 'sim:rtx5090-usb4').length, 1);
  assert.equal(all[0]!.name, 'My 5090');
  assert.throws(() => loadProfile(join(dir, 'absent.json')), { message: `profile ${join(dir, 'absent.json')}: cannot read the file (ENOENT)` });
});

test('openDevice: spec errors are one line', async () => {
  await assert.rejects(openDevice('gpu0'), { message: "unknown device 'gpu0': use sim, sim:PROFILE, sim:path/to/profile.json or cuda:N" });
  await assert.rejects(openDevice('sim:'), { message: "device 'sim:' needs a profile name, e.g. sim:rtx5090-usb4" });
  await assert.rejects(openDevice('sim:nope'), /^ProfileError: unknown device profile 'nope'; known profiles: rtx5090-usb4, /);
  await assert.rejects(openDevice('cuda:x'), { message: "device 'cuda:x': expected cuda:N with N a device number, e.g. cuda:0" });
});

test('openDevice: sim opens the default profile', async (t) => {
  if (!existsSync(join(__dirname, '../../driver/sim/device.ts'))) return t.skip('driver/sim/device.ts not written yet');
  const dev = await openDevice('sim');
  try {
    assert.equal(dev.info().id, 'sim:rtx5090-usb4');
  } finally {
    await dev.dispose();
  }
  const h200 = await openDevice('sim:h200', { timeLimitMs: 1000 });
  assert.equal(h200.info().ceilings.memoryGBps, 4800);
  await h200.dispose();
});

test('openDevice: cuda reports why it is unavailable', async (t) => {
  if (!existsSync(join(__dirname, '../../driver/cuda/index.ts'))) return t.skip('driver/cuda/index.ts not written yet');
  const cuda = await import('../../driver/cuda/index');
  const probe = await cuda.probeCuda();
  if (probe.ok) return t.skip(`CUDA present (${probe.devices.length} devices): nothing to report`);
  await assert.rejects(openDevice('cuda:0'), { message: `CUDA is not available: ${probe.reason}` });
});

test('inline profiles (the extension setting) join the list and are checked like files', () => {
  const base = JSON.parse(readFileSync(join(builtinProfilesDir(), 'rtx5090-usb4.json'), 'utf8')) as Record<string, unknown>;
  const tb3 = { ...base, id: 'rtx5090-tb3', name: 'RTX 5090 · TB3 2.75 GB/s (sim)', ceilings: { ...(base.ceilings as object), linkH2DGBps: 2.75, linkD2HGBps: 2.75 } };
  const info = loadProfile('sim:rtx5090-tb3', [tb3]);
  assert.equal(info.id, 'sim:rtx5090-tb3');
  assert.equal(info.ceilings.linkH2DGBps, 2.75);
  assert.ok(listProfiles([tb3]).some((p) => p.id === 'sim:rtx5090-tb3'));
  const broken = { ...tb3, ceilings: { ...(tb3.ceilings as object), memoryGBps: -1 } };
  assert.throws(() => listProfiles([broken]), /inline profile 'rtx5090-tb3': ceilings\.memoryGBps must be a positive number/);
});
