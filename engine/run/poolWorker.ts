/**
 * One worker of the compute pool (engine/run/pool.ts), bundled as dist/worker.js and forked by the
 * run's process with an IPC channel (advanced serialization: typed arrays travel as they are).
 *
 * It receives the experiment and dataset once (and each further top-level sweep point's before its first job there), starts the same tfjs backend as the run, then runs
 * the jobs it is given one at a time with the product's own trainers, sending back every step, log
 * line, report and logged prediction. It computes the analytic kernels itself the first time an
 * infinite job needs them, with the same code as a one-process run. It never decides anything
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
    const job = message.job;
    busy = busy.then(() => runJob(job));
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

async function runJob(job: Job): Promise<void> {
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
