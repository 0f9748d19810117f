// Custom requests and notifications between the Kern language server and its clients (the VS Code
// extension, or any editor). Declared once here and imported by both sides, as rust-analyzer's lsp_ext.ts.

/**
 * Node flags the server process runs with. A small young generation (2 MB semi-spaces) makes each garbage
 * collection short: diagnostics after a typed character in a 3,000-line file go from p95 ~20 ms / max ~40 ms to
 * p95 ~12 ms / max ~17 ms for ~1.5 ms more at p50 (bench/lsp.ts). An editor notices the tail, not the median.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];

/** The ceilings a kernel hover compares against (the `ceilings` block of a device profile). */
export interface KernDeviceCeilings {
  linkH2DGBps: number;
  linkD2HGBps: number;
  memoryGBps: number;
  fp32TFLOPS: number;
}

/**
 * `kern/setDevice` (notification, client → server): the device the user selected, so kernel hovers
 * say which roof a kernel sits under on that device.
 * - `profile`: a profile id (`rtx5090-usb4`), a device spec (`sim:rtx5090-usb4`) or a profile JSON path;
 * - or `name` + `ceilings` for a device the client described itself (e.g. a CUDA card it probed).
 */
export interface SetDeviceParams {
  profile?: string;
  name?: string;
  ceilings?: KernDeviceCeilings;
}
export const SET_DEVICE_NOTIFICATION = 'kern/setDevice';

/**
 * `kern/deviceInfo` (request, client → server): the device the server currently uses for hovers.
 * Answers `{ id, name, ceilings }`.
 */
export interface DeviceInfoResult {
  id: string;
  name: string;
  ceilings: KernDeviceCeilings;
}
export const DEVICE_INFO_REQUEST = 'kern/deviceInfo';

/**
 * Options a client may pass in `initializationOptions`:
 * - `diagnosticsDelayMs`: debounce between an edit and its diagnostics (default 150);
 * - `device`: same as a first `kern/setDevice`;
 * - `profileDirs`: extra folders holding device profile JSON files.
 */
export interface KernInitializationOptions {
  diagnosticsDelayMs?: number;
  device?: SetDeviceParams;
  profileDirs?: string[];
}
