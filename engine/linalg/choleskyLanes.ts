/**
 * The float32 Cholesky's panel chunks and trailing row blocks (choleskyFloat32.ts) on N lanes side by
 * side: issue 9's "large products and factorizations" on the compute pool.
 *
 * A lane is a worker thread (dist/choleskyLane.js, choleskyLane.ts) with its own tfjs backend and its
 * own wasm heap. The matrix is one Float32Array over a SharedArrayBuffer that every lane reads and
 * writes in place, so nothing but a task's few numbers (and the panel's nb x nb W) crosses between
 * threads. This thread factors each diagonal block, then hands out that column's panel chunks, waits
 * for all of them, then hands out its trailing row blocks, one task per idle lane; each lane writes
 * only the rows of its own chunk or block, and every task is the same matMul shape whichever lane
 * runs it, so the factor is bit for bit the one-lane factor. Threads rather than the pool's
 * processes because the n x n matrix would otherwise travel to every lane each block column.
 *
 * A lane that reports an error, throws, or exits fails the factorization with its reason; the
 * AbortSignal terminates every lane at once (Worker.terminate stops a thread inside a matMul).
 *
 * Memory: each lane holds in its own wasm heap the column's L21^T (nb x m floats), one row block and
 * its product (ROW_BLOCK x n floats), and a JS copy of each; experiment/memory.ts's choleskyLaneBytes counts it.
 */
import { Worker } from 'node:worker_threads';
import type { BackendName } from '../backend';
import { errorMessage } from '../contract/errors';
import { bundledScript } from '../util/bundledScript';
import { CancelledError, IwlError } from '../util/iwlError';
import type { CholeskySteps, Float32CholeskyOptions } from './choleskyFloat32';

/** What a lane gets at start: the shared matrix, its order and the backend to start. */
export interface LaneData {
  l: Float32Array;
  n: number;
  backend: BackendName;
}

/** One task for a lane (choleskyFloat32.ts's panelChunk or trailingBlock). */
export type ToLane =
  | { type: 'panel'; k0: number; nb: number; w: Float32Array; i0: number; i1: number }
  | { type: 'update'; k0: number; nb: number; i0: number; i1: number };

export type FromLane = { type: 'ready'; detail: string } | { type: 'done' } | { type: 'failed'; error: string };

function describe(task: ToLane): string {
  return task.type === 'panel'
    ? `computing panel rows ${task.k0 + task.nb + task.i0}..${task.k0 + task.nb + task.i1 - 1} of block column ${task.k0}`
    : `updating trailing rows ${task.k0 + task.nb + task.i0}..${task.k0 + task.nb + task.i1 - 1} after block column ${task.k0}`;
}

interface Lane {
  worker: Worker;
  task: ToLane | null;
  ready: boolean;
}

/** Starts `count` lanes on `l` and resolves once every one has its backend up. */
export async function startLanes(l: Float32Array, n: number, count: number, backend: BackendName, options: Float32CholeskyOptions): Promise<CholeskySteps> {
  if (!(l.buffer instanceof SharedArrayBuffer)) throw new IwlError('INVALID_ARGUMENT', 'choleskyLanes: the matrix must be in a SharedArrayBuffer');
  const script = options.laneScript ?? bundledScript('choleskyLane.js');
  const lanes: Lane[] = [];
  let failure: unknown = null;
  let closing = false;
  // The batch being computed: what a finished task and a failure report to.
  let batch: { onDone(lane: Lane): void; reject(error: unknown): void } | null = null;
  let starting: { resolve(): void; reject(error: unknown): void } | null = null;
  const fail = (error: unknown) => {
    if (failure !== null || closing) return;
    failure = error;
    for (const lane of lanes) void lane.worker.terminate();
    batch?.reject(error);
    starting?.reject(error);
  };
  const onAbort = () => fail(new CancelledError('float32 Cholesky cancelled'));
  if (options.signal?.aborted) throw new CancelledError('float32 Cholesky cancelled');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const exits: Promise<void>[] = [];
  const name = (index: number) => `float32 Cholesky lane ${index + 1} of ${count}`;
  const when = (lane: Lane) => (lane.task ? `while ${describe(lane.task)}` : lane.ready ? 'while idle' : 'while starting its backend');
  const ready = new Promise<void>((resolve, reject) => {
    let up = 0;
    starting = { resolve, reject };
    for (let index = 0; index < count; index++) {
      const data: LaneData = { l, n, backend };
      const worker = new Worker(script, { workerData: data, stdout: false, stderr: false });
      const lane: Lane = { worker, task: null, ready: false };
      lanes.push(lane);
      exits.push(new Promise((done) => worker.once('exit', () => done())));
      worker.on('message', (message: FromLane) => {
        if (message.type === 'ready') {
          lane.ready = true;
          if (++up === count) resolve();
        } else if (message.type === 'done') {
          lane.task = null;
          batch?.onDone(lane);
        } else {
          fail(new IwlError('WORKER_FAILED', `${name(index)} failed ${when(lane)}: ${message.error}`));
        }
      });
      worker.on('error', (error) => fail(new IwlError('WORKER_FAILED', `${name(index)} threw ${when(lane)}: ${errorMessage(error)}`)));
      worker.on('exit', (code) => fail(new IwlError('WORKER_FAILED', `${name(index)} exited with code ${code} ${when(lane)}`)));
      options.onLane?.(worker);
    }
  });
  /** The tasks on the lanes, each given to the next idle lane; resolves when all are done. */
  const run = (tasks: ToLane[]) =>
    new Promise<void>((resolve, reject) => {
      if (failure !== null) return reject(failure);
      let next = 0, active = 0;
      const give = (lane: Lane) => {
        if (next < tasks.length) {
          lane.task = tasks[next++];
          active++;
          lane.worker.postMessage(lane.task);
        } else if (active === 0) {
          batch = null;
          resolve();
        }
      };
      batch = {
        onDone: (lane) => {
          active--;
          give(lane);
        },
        reject,
      };
      for (const lane of lanes) give(lane);
    });
  const close = async () => {
    options.signal?.removeEventListener('abort', onAbort);
    closing = true;
    for (const lane of lanes) void lane.worker.terminate();
    await Promise.all(exits);
  };
  try {
    await ready;
  } catch (error) {
    await close();
    throw error;
  }
  starting = null;
  return {
    panel: (k0, nb, w, chunks) => run(chunks.map(([i0, i1]) => ({ type: 'panel', k0, nb, w, i0, i1 }))),
    update: (k0, nb, blocks) => run(blocks.map(([i0, i1]) => ({ type: 'update', k0, nb, i0, i1 }))),
    close,
  };
}
