/**
 * One lane of the float32 Cholesky (choleskyLanes.ts), bundled as dist/choleskyLane.js and started as a
 * worker thread. It starts the backend it is given, then computes the tasks it is sent one at a time
 * with exactly the code the one-lane factorization runs (choleskyFloat32.ts's panelChunk and
 * trailingBlock) on the shared matrix, and answers each with 'done' or 'failed'.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { useBackend } from '../backend';
import { errorMessage } from '../contract/errors';
import { PanelOperand, panelChunk, trailingBlock } from './choleskyFloat32';
import type { FromLane, LaneData, ToLane } from './choleskyLanes';

const port = parentPort;
if (!port) {
  process.stderr.write('dist/choleskyLane.js is a lane of the engine\'s float32 Cholesky: the engine starts it as a worker thread.\n');
  process.exit(2);
}
const { l, n, backend } = workerData as LaneData;
const operand = new PanelOperand(l, n);
const send = (message: FromLane) => port.postMessage(message);
let busy: Promise<void> = Promise.resolve();

async function compute(task: ToLane): Promise<void> {
  try {
    if (task?.type === 'panel') await panelChunk(l, n, task.k0, task.nb, task.w, task.i0, task.i1);
    else if (task?.type === 'update') await trailingBlock(l, n, task.k0, task.nb, operand.of(task.k0, task.nb), task.i0, task.i1);
    else throw new Error(`unknown task ${JSON.stringify((task as { type?: unknown } | null)?.type ?? task)}`);
    send({ type: 'done' });
  } catch (error) {
    send({ type: 'failed', error: errorMessage(error) });
  }
}

port.on('message', (task: ToLane) => {
  busy = busy.then(() => compute(task));
});
useBackend(backend).then(
  (info) => send({ type: 'ready', detail: info.detail }),
  (error) => send({ type: 'failed', error: `its backend '${backend}' did not start: ${errorMessage(error)}` }),
);
