/**
 * Runs a validated experiment: loads the data once, runs every job of the plan (infinite models
 * first), turns each trainer's predictions into metrics, and streams them to a RunOutput and to
 * listeners. Cancellation (the AbortSignal) stops within a step; whatever was written stays.
 */
import type { Experiment } from '../experiment/types';
import { loadDataset, type Dataset } from '../data/dataset';
import { computeKernels } from '../kernels/analytic';
import { matrix } from '../util/matrix';
import { CancelledError, errorMessage } from '../util/errors';
import { accuracy, loss, rmse } from './metrics';
import { planExperiment, type Job, type RunPlan } from './plan';
import type { LogPoint, RunKernels, TrainContext, Trainer } from './trainer';
import type { MetricRecord } from './records';

export type { MetricRecord } from './records';

export type JobStatus = 'completed' | 'cancelled' | 'failed';

export interface JobResult {
  job: Job;
  status: JobStatus;
  final: MetricRecord | null;
  predictions: Float32Array | Float64Array | null;
  outputs: number;
  info: Record<string, unknown>;
  error?: string;
  seconds: number;
}

export type RunEvent =
  | { type: 'planned'; plan: RunPlan; dataset: Dataset }
  | { type: 'jobStarted'; job: Job }
  | { type: 'metrics'; record: MetricRecord }
  | { type: 'step'; job: Job; step: number; doneSteps: number; totalSteps: number }
  | { type: 'jobFinished'; result: JobResult }
  | { type: 'log'; message: string };

export interface RunOptions {
  signal: AbortSignal;
  trainers: { finite: Trainer; infinite: Trainer };
  onlyModels?: string[];
  onEvent?(event: RunEvent): void | Promise<void>;
}

export interface RunOutcome {
  status: JobStatus;
  results: JobResult[];
  dataset: Dataset | null;
  error?: string;
}

export async function runExperiment(experiment: Experiment, options: RunOptions): Promise<RunOutcome> {
  const emit = async (event: RunEvent) => {
    await options.onEvent?.(event);
  };
  const results: JobResult[] = [];
  let dataset: Dataset | null = null;
  try {
    dataset = await loadDataset(experiment.data, experiment.seed, { signal: options.signal });
  } catch (error) {
    if (error instanceof CancelledError || options.signal.aborted) return { status: 'cancelled', results, dataset };
    return { status: 'failed', results, dataset, error: `data: ${errorMessage(error)}` };
  }
  const plan = planExperiment(experiment, options.onlyModels);
  await emit({ type: 'planned', plan, dataset });

  let kernels: Promise<RunKernels> | null = null;
  const sharedKernels = (): Promise<RunKernels> => {
    kernels ??= computeRunKernels(experiment, dataset!, options.signal, (message) => emit({ type: 'log', message }));
    return kernels;
  };

  // Test predictions of each infinite job at each logged step, for the finite-vs-limit gap.
  const limitPredictions = new Map<string, Map<number, Float32Array | Float64Array>>();
  let doneSteps = 0;
  let status: JobStatus = 'completed';

  for (const job of plan.jobs) {
    if (options.signal.aborted) {
      status = 'cancelled';
      break;
    }
    await emit({ type: 'jobStarted', job });
    const started = Date.now();
    const info: Record<string, unknown> = {};
    const trainer = job.kind === 'finite' ? options.trainers.finite : options.trainers.infinite;
    const stepBase = doneSteps;
    const context: TrainContext = {
      experiment,
      dataset,
      signal: options.signal,
      onStep: (step) => {
        doneSteps = stepBase + step;
        void emit({ type: 'step', job, step, doneSteps, totalSteps: plan.totalSteps });
      },
      report: (facts) => Object.assign(info, facts),
      log: (message) => void emit({ type: 'log', message: `${job.id}: ${message}` }),
      kernels: sharedKernels,
    };
    const ownPredictions = job.kind === 'infinite' ? new Map<number, Float32Array | Float64Array>() : null;
    if (ownPredictions) limitPredictions.set(job.id, ownPredictions);
    const limit = job.limitId ? limitPredictions.get(job.limitId) : undefined;
    let last: LogPoint | null = null;
    let final: MetricRecord | null = null;
    let jobStatus: JobStatus = 'completed';
    let error: string | undefined;
    try {
      for await (const point of trainer(job, context)) {
        last = point;
        ownPredictions?.set(point.step, point.test);
        final = metricRecord(experiment, dataset, job, point, limit?.get(point.step), (Date.now() - started) / 1000);
        await emit({ type: 'metrics', record: final });
        if (options.signal.aborted) throw new CancelledError();
      }
    } catch (caught) {
      if (caught instanceof CancelledError || options.signal.aborted) {
        jobStatus = 'cancelled';
      } else {
        jobStatus = 'failed';
        error = errorMessage(caught);
        await emit({ type: 'log', message: `${job.id}: failed: ${error}` });
      }
    }
    doneSteps = stepBase + job.model.steps;
    const result: JobResult = {
      job,
      status: jobStatus,
      final,
      predictions: last?.test ?? null,
      outputs: dataset.outputs,
      info,
      error,
      seconds: (Date.now() - started) / 1000,
    };
    results.push(result);
    await emit({ type: 'jobFinished', result });
    if (jobStatus === 'cancelled') {
      status = 'cancelled';
      break;
    }
    if (jobStatus === 'failed') status = 'failed';
  }
  return { status, results, dataset };
}

function metricRecord(
  experiment: Experiment,
  dataset: Dataset,
  job: Job,
  point: LogPoint,
  limitTest: Float32Array | Float64Array | undefined,
  elapsedSeconds: number,
): MetricRecord {
  const k = dataset.outputs;
  const record: MetricRecord = {
    id: job.id,
    model: job.model.name,
    width: job.width,
    seed: job.seed,
    step: point.step,
    trainLoss: loss(experiment.loss, point.train, dataset.yTrain.data, k),
    testLoss: loss(experiment.loss, point.test, dataset.yTest.data, k),
    elapsedSeconds,
  };
  if (dataset.labelsTest) record.testAccuracy = accuracy(point.test, dataset.labelsTest, k);
  if (limitTest) record.rmseToLimit = rmse(point.test, limitTest);
  return record;
}

/** The analytic NNGP and NTK over all points of the dataset, train rows first (what TrainContext.kernels gives). */
export async function computeRunKernels(
  experiment: Experiment,
  dataset: Dataset,
  signal?: AbortSignal,
  log: (message: string) => void = () => {},
): Promise<RunKernels> {
  const n = dataset.xTrain.rows;
  const nTest = dataset.xTest.rows;
  const d = dataset.inputDim;
  const all = new Float64Array((n + nTest) * d);
  all.set(dataset.xTrain.data, 0);
  all.set(dataset.xTest.data, n * d);
  const started = Date.now();
  const result = await computeKernels(experiment.network, matrix(n + nTest, d, all), null, { signal });
  log(`analytic kernels over ${n + nTest} points in ${((Date.now() - started) / 1000).toFixed(2)} s`);
  return { nngp: result.nngp, ntk: result.ntk, n, nTest };
}
