// The CUDA backend's entry points: probeCuda() lists NVIDIA GPUs (or says in one line why there are none),
// openCudaDevice() opens one as a Device. Device ceilings come from driver attributes and the PCIe link.
import { readFileSync } from 'node:fs';
import type { Device, DeviceInfo } from '../device';
import { CU_DEVICE_ATTRIBUTE } from './bindings';
import { CudaDevice, type CudaDeviceOptions } from './device';
import { CudaError, check, loadLibcuda, type LoadedCuda } from './libcuda';

export { CudaDevice } from './device';
export { CudaError } from './libcuda';

export type CudaProbe = { ok: true; devices: DeviceInfo[] } | { ok: false; reason: string };

/** Loads libcuda, initialises it and describes every device; never throws. */
export async function probeCuda(): Promise<CudaProbe> {
  const loaded = loadLibcuda();
  if (!loaded.ok) return { ok: false, reason: loaded.reason };
  const cuda = loaded.cuda;
  try {
    const count = initialise(cuda);
    if (count === 0) return { ok: false, reason: `no CUDA device found (${cuda.path} reports 0 devices)` };
    const devices: DeviceInfo[] = [];
    for (let i = 0; i < count; i++) devices.push(describeDevice(cuda, i));
    return { ok: true, devices };
  } catch (err) {
    return { ok: false, reason: err instanceof CudaError ? `${err.what} failed: ${err.errorName} (${err.errorString})` : String(err) };
  }
}

/** Opens `cuda:<ordinal>`; throws an Error with a one-line message when that is not possible. */
export async function openCudaDevice(ordinal: number, options: CudaDeviceOptions = {}): Promise<Device> {
  const loaded = loadLibcuda();
  if (!loaded.ok) throw new Error(`cuda:${ordinal} is not available: ${loaded.reason}`);
  const cuda = loaded.cuda;
  const count = initialise(cuda);
  if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= count) {
    const list = Array.from({ length: count }, (_, i) => `cuda:${i}`).join(', ');
    throw new Error(`cuda:${ordinal} does not exist: ${count} CUDA device${count === 1 ? '' : 's'} found${count ? ` (${list})` : ''}`);
  }
  const info = describeDevice(cuda, ordinal);
  const dev: [number] = [0];
  check(cuda, cuda.api.cuDeviceGet(dev, ordinal), `getting CUDA device ${ordinal}`);
  const ctx: [unknown] = [null];
  check(cuda, cuda.api.cuDevicePrimaryCtxRetain(ctx, dev[0]), `creating a context on cuda:${ordinal}`);
  check(cuda, cuda.api.cuCtxSetCurrent(ctx[0]), `making cuda:${ordinal}'s context current`);
  return new CudaDevice(cuda, dev[0], ctx[0], info, options);
}

function initialise(cuda: LoadedCuda): number {
  check(cuda, cuda.api.cuInit(0), 'initialising the CUDA driver (cuInit)');
  const count: [number] = [0];
  check(cuda, cuda.api.cuDeviceGetCount(count), 'counting CUDA devices');
  return count[0];
}

/** FP32 lanes per SM by compute capability (NVIDIA's CUDA C programming guide, arithmetic throughput table). */
function fp32LanesPerSm(major: number, minor: number): number {
  if (major === 8 && minor === 0) return 64;
  if (major >= 8) return 128;
  if (major === 7) return 64;
  if (major === 6) return minor === 0 ? 64 : 128;
  return 128;
}

/** The DeviceInfo of one device from its attributes; link bandwidth from the PCIe link in sysfs when readable. */
export function describeDevice(cuda: LoadedCuda, ordinal: number): DeviceInfo {
  const dev: [number] = [0];
  check(cuda, cuda.api.cuDeviceGet(dev, ordinal), `getting CUDA device ${ordinal}`);
  const attr = (name: keyof typeof CU_DEVICE_ATTRIBUTE): number => {
    const out: [number] = [0];
    check(cuda, cuda.api.cuDeviceGetAttribute(out, CU_DEVICE_ATTRIBUTE[name], dev[0]), `reading ${name.toLowerCase()} of cuda:${ordinal}`);
    return out[0];
  };
  const nameBytes = Buffer.alloc(256);
  check(cuda, cuda.api.cuDeviceGetName(nameBytes, nameBytes.length, dev[0]), `reading the name of cuda:${ordinal}`);
  const gpu = nameBytes.subarray(0, Math.max(0, nameBytes.indexOf(0))).toString('utf8') || `CUDA device ${ordinal}`;
  const mem: [number | bigint] = [0];
  check(cuda, cuda.api.cuDeviceTotalMem_v2(mem, dev[0]), `reading the memory size of cuda:${ordinal}`);
  const major = attr('COMPUTE_CAPABILITY_MAJOR');
  const minor = attr('COMPUTE_CAPABILITY_MINOR');
  const sms = attr('MULTIPROCESSOR_COUNT');
  const clockKHz = attr('CLOCK_RATE');
  const memClockKHz = attr('MEMORY_CLOCK_RATE');
  const busBits = attr('GLOBAL_MEMORY_BUS_WIDTH');
  // Double data rate: two transfers per memory clock across the bus.
  const memoryGBps = memClockKHz && busBits ? (2 * memClockKHz * 1e3 * (busBits / 8)) / 1e9 : 0;
  const fp32TFLOPS = (sms * fp32LanesPerSm(major, minor) * 2 * clockKHz * 1e3) / 1e12;
  const pci = pcieLink(attr('PCI_DOMAIN_ID'), attr('PCI_BUS_ID'), attr('PCI_DEVICE_ID'));
  return {
    id: `cuda:${ordinal}`,
    backend: 'cuda',
    name: `${gpu} (cuda:${ordinal})`,
    gpu: `${gpu} (${sms} SMs, compute ${major}.${minor})`,
    link: pci.description,
    memoryBytes: Number(mem[0]),
    limits: {
      maxThreadsPerBlock: attr('MAX_THREADS_PER_BLOCK'),
      maxSharedBytesPerBlock: attr('MAX_SHARED_MEMORY_PER_BLOCK'),
      warpSize: attr('WARP_SIZE'),
      maxGridDim: [attr('MAX_GRID_DIM_X'), attr('MAX_GRID_DIM_Y'), attr('MAX_GRID_DIM_Z')],
      maxBlockDim: [attr('MAX_BLOCK_DIM_X'), attr('MAX_BLOCK_DIM_Y'), attr('MAX_BLOCK_DIM_Z')],
    },
    ceilings: {
      linkH2DGBps: pci.gbps,
      linkD2HGBps: pci.gbps,
      memoryGBps: Math.round(memoryGBps * 10) / 10,
      fp32TFLOPS: Math.round(fp32TFLOPS * 100) / 100,
      // Local PCIe figures (REFERENCE.md): ~5-7 us per small copy, ~3-5 us per launch.
      transferLatencyUs: 6,
      launchLatencyUs: 4,
      syncLatencyUs: 10,
    },
    computeCapability: `${major}.${minor}`,
  };
}

/** Per-lane PCIe bandwidth after encoding, GB/s, by link speed in GT/s. */
const PCIE_LANE_GBPS: [number, number, number][] = [
  [2.5, 1, 0.25], [5, 2, 0.5], [8, 3, 0.985], [16, 4, 1.969], [32, 5, 3.938], [64, 6, 7.563],
];

/** Reads the current PCIe link speed and width from Linux sysfs; assumes PCIe 4.0 x16 when it cannot. */
export function pcieLink(domain: number, bus: number, device: number, sysfs = '/sys/bus/pci/devices'): { gbps: number; description: string } {
  const address = `${domain.toString(16).padStart(4, '0')}:${bus.toString(16).padStart(2, '0')}:${device.toString(16).padStart(2, '0')}.0`;
  try {
    const speed = parseFloat(readFileSync(`${sysfs}/${address}/current_link_speed`, 'utf8'));
    const width = parseInt(readFileSync(`${sysfs}/${address}/current_link_width`, 'utf8'), 10);
    const row = PCIE_LANE_GBPS.find(([gt]) => Math.abs(gt - speed) < 0.1);
    if (row && width > 0) {
      return { gbps: Math.round(row[2] * width * 10) / 10, description: `PCIe ${row[1]}.0 x${width} (${address})` };
    }
  } catch {
    // Not Linux, or no sysfs entry: fall through to the assumption.
  }
  return { gbps: 31.5, description: `PCIe (link not readable at ${address}; assuming 4.0 x16)` };
}
