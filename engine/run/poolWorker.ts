/**
 * One worker of the compute pool (engine/run/pool.ts), bundled as dist/worker.js and forked by the
 * run's process with an IPC channel (advanced serialization: typed arrays travel as they are).
 *
 * It receives the experiment and dataset once (and each further top-level sweep point's before its first job there), starts the same tfjs backend as the run, then runs
 * the jobs it is given one at a time with the product's own trainers, sending back every step, log
 * line, report and logged prediction. It computes the analytic kernels itself the first time an
 * infinite job needs them, with the same code as a one-process run. For a parallel kernel
 * (kernelPool.ts) it instead receives a network and points once and computes the tiles it is asked
 * for with the same KernelTiler as one process. It never decides anything
 * about the run: cancelling is done by killing it.
 */
import { useBackend, type BackendName } from '../backend';
import type { Dataset } from '../data/dataset';
import type { Experiment } from '../experiment/experimentTypes';
import { trainFinite } from '../train/finite';
import { trainInfinite } from '../train/infinite';
import { errorMessage } from '../contract/errors';
import type { FromWorker, ToWorker } from './pool';
import type { Job } from './plan';
import { computeRunKernels } from './runExperiment';
import { KernelTiler } from '../kernels/analytic';
import type { RunKernels, TrainContext } from './trainer';

if (!process.send) {
  process.stderr.write('dist/worker.js is a worker of the engine\'s compute pool: the engine forks it with an IPC channel.\n');
  process.exit(2);
}

/** Each top-level sweep point's experiment and data; 0 without a sweep. */
const variants = new Map<number, { experiment: Experiment; dataset: Dataset }>();
/** Kernels by data and network: sweep points that differ only in training settings share them. */
const kernels = new Map<string, Promise<RunKernels>>();
let busy: Promise<void> = Promise.resolve();
// Never aborted: the run's process stops a worker by killing it.
const signal = new AbortController().signal;

function send(message: FromWorker): void {
  process.send!(message);
}

process.on('message', (message: ToWorker) => {
  if (message.type === 'init') {
    variants.set(0, { experiment: message.experiment, dataset: message.dataset });
    void start(message.backend);
  } else if (message.type === 'variant') {
    variants.set(message.variant, { experiment: message.experiment, dataset: message.dataset });
  } else if (message.type === 'job') {
    const { job, lanes } = message;
    busy = busy.then(() => runJob(job, lanes));
  } else if (message.type === 'kernelInit') {
    const init = message;
    busy = busy.then(() => startKernels(init));
  } else if (message.type === 'tile') {
    const r0 = message.r0;
    busy = busy.then(() => computeTile(r0));
  }
});
// Ctrl-C in a terminal reaches the whole process group: the run's process decides what stops (it kills its workers).
process.on('SIGINT', () => {});
// The run's process is gone (closed, crashed): nothing to report to any more.
process.on('disconnect', () => process.exit(0));

async function start(backend: BackendName): Promise<void> {
  try {
    const info = await useBackend(backend);
    process.stderr.write(`iwl worker ${process.pid}: ready on ${info.detail}\n`);
    send({ type: 'ready', detail: info.detail });
  } catch (error) {
    send({ type: 'initFailed', error: errorMessage(error) });
  }
}

/** The kernel this worker computes tiles of (kernelPool.ts), and whether its tiles travel as float32. */
let tiler: { tiler: KernelTiler; float32: boolean } | null = null;

async function startKernels(init: Extract<ToWorker, { type: 'kernelInit' }>): Promise<void> {
  try {
    const info = await useBackend(init.backend);
    tiler = { tiler: new KernelTiler(init.network, init.x1, init.x2, { tileRows: init.tileRows, hermite: init.hermite }), float32: init.float32 };
    process.stderr.write(`iwl worker ${process.pid}: ready on ${info.detail} for kernel tiles\n`);
    send({ type: 'ready', detail: info.detail });
  } catch (error) {
    send({ type: 'initFailed', error: errorMessage(error) });
  }
}

async function computeTile(r0: number): Promise<void> {
  try {
    const { tiler: t, float32 } = tiler!;
    const tile = await t.tile(r0);
    // Copies of exactly the tile (a view would send the whole work buffer); float32 rounds as the .npy writer does.
    const copy = (a: Float64Array) => (float32 ? Float32Array.from(a) : a.slice());
    send({
      type: 'tile',
      tile: {
        r0: tile.r0,
        nr: tile.nr,
        c0: tile.c0,
        nc: tile.nc,
        nngp: copy(tile.nngp),
        ntk: copy(tile.ntk),
        ...t.lastTile,
      },
    });
  } catch (error) {
    send({ type: 'tileFailed', r0, error: errorMessage(error) });
  }
}

async function runJob(job: Job, lanes: number): Promise<void> {
  const { experiment, dataset } = variants.get(job.variant ?? 0)!;
  const kernelKey = JSON.stringify([experiment.data, experiment.seed, experiment.network]);
  const context: TrainContext = {
    experiment,
    dataset,
    signal,
    onStep: (step) => send({ type: 'step', step }),
    report: (facts) => send({ type: 'report', facts }),
    log: (message) => send({ type: 'log', message }),
    kernels: () => {
      if (!kernels.has(kernelKey)) kernels.set(kernelKey, computeRunKernels(experiment, dataset, signal, (message) => send({ type: 'log', message })));
      return kernels.get(kernelKey)!;
    },
    lanes,
  };
  const trainer = job.kind === 'finite' ? trainFinite : trainInfinite;
  process.stderr.write(`iwl worker ${process.pid}: ${job.id} started\n`);
  try {
    for await (const point of trainer(job, context)) send({ type: 'point', point });
    send({ type: 'done' });
  } catch (error) {
    send({ type: 'done', error: errorMessage(error) });
  }
}
