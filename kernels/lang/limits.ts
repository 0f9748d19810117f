// Per-block limits the checker enforces; devices report theirs through the same shape.

export interface DeviceLimits {
  maxThreadsPerBlock: number;
  /** Static shared memory per block, in bytes. */
  maxSharedBytesPerBlock: number;
  warpSize: number;
  maxGridDim: [number, number, number];
  maxBlockDim: [number, number, number];
}

/** The limits of every NVIDIA GPU since Volta (48 KiB static shared memory per block). */
export const DEFAULT_LIMITS: DeviceLimits = {
  maxThreadsPerBlock: 1024,
  maxSharedBytesPerBlock: 48 * 1024,
  warpSize: 32,
  maxGridDim: [2147483647, 65535, 65535],
  maxBlockDim: [1024, 1024, 64],
};
