// The simulator's worker thread: compiles kernels once and executes launches over SharedArrayBuffer device
// memory, so the main thread stays responsive and a runaway kernel can be terminated with the worker.
import { parentPort } from 'node:worker_threads';
import type { IrKernel } from '../../kernels/lang/ir';
import type { DeviceLimits } from '../../kernels/lang/limits';
import { DeviceError, type Dim3 } from '../device';
import { compileKernel, executeKernel, type CompiledKernel, type ExecArg, type ExecResult } from './executor';

/** Main thread -> worker. */
export type WorkerRequest = {
  type: 'launch';
  id: number;
  programId: number;
  /** Sent with the first launch of a program on this worker. */
  kernel?: IrKernel;
  grid: Dim3;
  block: Dim3;
  args: ExecArg[];
  deadline: number;
  timeLimitMs: number;
  cancel: Int32Array;
  limits: DeviceLimits;
  source?: { file: string; line: number; column: number };
};

/** Worker -> main thread. */
export type WorkerReply =
  | { type: 'done'; id: number; result: ExecResult }
  | { type: 'fault'; id: number; message: string; detail: DeviceError['detail'] }
  | { type: 'crash'; id: number; message: string };

const programs = new Map<number, CompiledKernel>();

function handle(req: WorkerRequest): WorkerReply {
  try {
    let compiled = programs.get(req.programId);
    if (!compiled) {
      if (!req.kernel) throw new Error(`sim worker: program ${req.programId} was never sent`);
      compiled = compileKernel(req.kernel);
      programs.set(req.programId, compiled);
    }
    const result = executeKernel(compiled, req.grid, req.block, req.args, {
      deadline: req.deadline, timeLimitMs: req.timeLimitMs, cancel: req.cancel, limits: req.limits, ...(req.source ? { source: req.source } : {}),
    });
    return { type: 'done', id: req.id, result };
  } catch (e) {
    if (e instanceof DeviceError) return { type: 'fault', id: req.id, message: e.message, detail: e.detail };
    return { type: 'crash', id: req.id, message: e instanceof Error ? e.stack ?? e.message : String(e) };
  }
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (req: WorkerRequest) => port.postMessage(handle(req)));
}
