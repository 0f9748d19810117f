// The one table of CUDA driver API functions we call through koffi, with the enum values we pass.
// Handles (contexts, modules, functions, streams, events) are opaque `void *`; device pointers are uint64.
import type { LibraryHandle } from 'koffi';

/** C prototypes as koffi parses them. Every call returns a CUresult (0 = success). */
export const CUDA_FUNCTIONS = {
  cuInit: 'int cuInit(unsigned int flags)',
  cuDriverGetVersion: 'int cuDriverGetVersion(_Out_ int *version)',
  cuGetErrorName: 'int cuGetErrorName(int error, _Out_ const char **name)',
  cuGetErrorString: 'int cuGetErrorString(int error, _Out_ const char **text)',
  cuDeviceGetCount: 'int cuDeviceGetCount(_Out_ int *count)',
  cuDeviceGet: 'int cuDeviceGet(_Out_ int *device, int ordinal)',
  cuDeviceGetName: 'int cuDeviceGetName(_Out_ uint8_t *name, int length, int device)',
  cuDeviceTotalMem_v2: 'int cuDeviceTotalMem_v2(_Out_ size_t *bytes, int device)',
  cuDeviceGetAttribute: 'int cuDeviceGetAttribute(_Out_ int *value, int attribute, int device)',
  cuDevicePrimaryCtxRetain: 'int cuDevicePrimaryCtxRetain(_Out_ void **context, int device)',
  cuDevicePrimaryCtxRelease_v2: 'int cuDevicePrimaryCtxRelease_v2(int device)',
  cuCtxCreate_v2: 'int cuCtxCreate_v2(_Out_ void **context, unsigned int flags, int device)',
  cuCtxSetCurrent: 'int cuCtxSetCurrent(void *context)',
  cuCtxSynchronize: 'int cuCtxSynchronize()',
  cuModuleLoadDataEx: 'int cuModuleLoadDataEx(_Out_ void **module, const char *image, unsigned int count, int *options, void *values)',
  cuModuleGetFunction: 'int cuModuleGetFunction(_Out_ void **fn, void *module, const char *name)',
  cuModuleUnload: 'int cuModuleUnload(void *module)',
  cuMemAlloc_v2: 'int cuMemAlloc_v2(_Out_ uint64_t *dptr, size_t bytes)',
  cuMemFree_v2: 'int cuMemFree_v2(uint64_t dptr)',
  cuMemHostAlloc: 'int cuMemHostAlloc(_Out_ void **host, size_t bytes, unsigned int flags)',
  cuMemFreeHost: 'int cuMemFreeHost(void *host)',
  cuMemHostGetDevicePointer_v2: 'int cuMemHostGetDevicePointer_v2(_Out_ uint64_t *dptr, void *host, unsigned int flags)',
  cuMemcpyHtoDAsync_v2: 'int cuMemcpyHtoDAsync_v2(uint64_t dst, void *src, size_t bytes, void *stream)',
  cuMemcpyDtoHAsync_v2: 'int cuMemcpyDtoHAsync_v2(void *dst, uint64_t src, size_t bytes, void *stream)',
  cuMemsetD8Async: 'int cuMemsetD8Async(uint64_t dst, uint8_t value, size_t count, void *stream)',
  cuStreamCreate: 'int cuStreamCreate(_Out_ void **stream, unsigned int flags)',
  cuStreamDestroy_v2: 'int cuStreamDestroy_v2(void *stream)',
  cuStreamSynchronize: 'int cuStreamSynchronize(void *stream)',
  cuStreamWaitEvent: 'int cuStreamWaitEvent(void *stream, void *event, unsigned int flags)',
  cuEventCreate: 'int cuEventCreate(_Out_ void **event, unsigned int flags)',
  cuEventDestroy_v2: 'int cuEventDestroy_v2(void *event)',
  cuEventRecord: 'int cuEventRecord(void *event, void *stream)',
  cuEventQuery: 'int cuEventQuery(void *event)',
  cuEventSynchronize: 'int cuEventSynchronize(void *event)',
  cuEventElapsedTime: 'int cuEventElapsedTime(_Out_ float *ms, void *start, void *end)',
  cuLaunchKernel: 'int cuLaunchKernel(void *fn, unsigned int gridX, unsigned int gridY, unsigned int gridZ, unsigned int blockX, unsigned int blockY, unsigned int blockZ, unsigned int sharedBytes, void *stream, void *params, void *extra)',
} as const;

export type CudaFunctionName = keyof typeof CUDA_FUNCTIONS;
// koffi functions take and return loosely typed JS values; the wrappers in device.ts give them shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CudaBindings = Record<CudaFunctionName, (...args: any[]) => number>;

/** Binds every function of the table; a missing symbol throws koffi's error naming it. */
export function bindCuda(lib: LibraryHandle): CudaBindings {
  const out: Partial<CudaBindings> = {};
  for (const name of Object.keys(CUDA_FUNCTIONS) as CudaFunctionName[]) out[name] = lib.func(CUDA_FUNCTIONS[name]);
  return out as CudaBindings;
}

export const CUDA_SUCCESS = 0;
export const CUDA_ERROR_NOT_READY = 600;

/** CUdevice_attribute values we read. */
export const CU_DEVICE_ATTRIBUTE = {
  MAX_THREADS_PER_BLOCK: 1,
  MAX_BLOCK_DIM_X: 2,
  MAX_BLOCK_DIM_Y: 3,
  MAX_BLOCK_DIM_Z: 4,
  MAX_GRID_DIM_X: 5,
  MAX_GRID_DIM_Y: 6,
  MAX_GRID_DIM_Z: 7,
  MAX_SHARED_MEMORY_PER_BLOCK: 8,
  WARP_SIZE: 10,
  CLOCK_RATE: 13,
  MULTIPROCESSOR_COUNT: 16,
  CAN_MAP_HOST_MEMORY: 19,
  PCI_BUS_ID: 33,
  PCI_DEVICE_ID: 34,
  MEMORY_CLOCK_RATE: 36,
  GLOBAL_MEMORY_BUS_WIDTH: 37,
  PCI_DOMAIN_ID: 50,
  COMPUTE_CAPABILITY_MAJOR: 75,
  COMPUTE_CAPABILITY_MINOR: 76,
} as const;

export const CU_JIT_INFO_LOG_BUFFER = 3;
export const CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
export const CU_JIT_ERROR_LOG_BUFFER = 5;
export const CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;

export const CU_MEMHOSTALLOC_PORTABLE = 1;
export const CU_MEMHOSTALLOC_DEVICEMAP = 2;
export const CU_STREAM_NON_BLOCKING = 1;
export const CU_EVENT_DEFAULT = 0;
