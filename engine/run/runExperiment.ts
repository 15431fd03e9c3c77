/**
 * Runs a validated experiment: loads the data once, runs every job of the plan (infinite models
 * first), turns each trainer's predictions into metrics, and streams them to a RunOutput and to
 * listeners. With `workers` > 1 the jobs run side by side on worker processes (engine/run/pool.ts)
 * and give the same numbers as in one process. Cancellation (the AbortSignal) stops within a step,
 * or at once for jobs on workers (they are killed); whatever was written stays.
 */
import type { Experiment } from '../experiment/experimentTypes';
import { loadDataset, type Dataset } from '../data/dataset';
import { splitEvaluation, withValidationRows } from '../data/validationSplit';
import { mirror, store } from '../kernels/analytic';
import { streamKernelsParallel } from './kernelPool';
import { matrix } from '../util/matrix';
import { CancelledError } from '../util/iwlError';
import { errorMessage } from '../contract/errors';
import { accuracy, rmse } from './metrics';
import { loss } from '../train/losses';
import { planExperiment, type Job, type RunPlan } from './plan';
import { planCosts } from './jobCost';
import type { LogPoint, RunKernels, TrainContext, Trainer } from './trainer';
import type { EndStatus, MetricRecord } from '../contract/records';
import { activeBackend, defaultBackend, type BackendName } from '../backend';
import { formatBytes } from '../experiment/memory';
import { autoLanes, jobMemory, poolSize, workerScript, WorkerProcess, type JobHooks } from './pool';


/** How a job ended: the one status union's end statuses (engine/contract/records.ts). */
export type JobStatus = EndStatus;

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
  /** worker: the pid of the pool process running the job (none when it runs in the run's own process). */
  | { type: 'jobStarted'; job: Job; worker?: number }
  | { type: 'metrics'; record: MetricRecord }
  /** doneWork / totalWork: the steps weighted by each job's cost (jobCost.ts), what the ETA divides. */
  | { type: 'step'; job: Job; step: number; doneSteps: number; totalSteps: number; doneWork: number; totalWork: number }
  | { type: 'jobFinished'; result: JobResult }
  | { type: 'log'; message: string };

export interface RunOptions {
  signal: AbortSignal;
  trainers: { finite: Trainer; infinite: Trainer };
  onlyModels?: string[];
  /** Narrows the plan once the data is loaded (a shard's part of it, engine/run/shards.ts). */
  selectJobs?(plan: RunPlan, dataset: Dataset): RunPlan;
  /** Jobs run side by side on this many worker processes (engine/run/pool.ts); 1 or absent: in this process. */
  workers?: number;
  /** The backend the workers start (default: the active one). */
  backend?: BackendName;
  /**
   * Lanes (worker threads) of each gp job's float32 Cholesky (engine/linalg/choleskyLanes.ts):
   * 'auto' (the default) shares the workers setting among the jobs that run at once, from
   * AUTO_LANES_MIN_TRAIN training points (autoLanes in pool.ts; below it lanes do not pay); a number
   * is that many per job. On the 2-core machines here 2 lanes made the n = 8000 factor 1.4x faster
   * while the machine was quiet and 2.5x slower while other work loaded it (README, compute pool):
   * `1` is the choice for a shared machine. The numbers are the same for every count.
   */
  factorLanes?: 'auto' | number;
  /** The memory all workers may hold at once (default: half the machine's memory). */
  memoryBudgetBytes?: number;
  /** The worker bundle (default: dist/worker.js, found by workerScript()). */
  workerScript?: string;
  onEvent?(event: RunEvent): void | Promise<void>;
}

export interface RunOutcome {
  status: JobStatus;
  results: JobResult[];
  dataset: Dataset | null;
  error?: string;
}

/** What the jobs of one top-level sweep point run on: its experiment, its data (validation rows after the test rows) and kernels. */
export interface RunContext {
  experiment: Experiment;
  /** As loaded (train, test, validation apart): what metrics score against. */
  dataset: Dataset;
  /** What trainers see: the validation points appended to the test points. */
  evaluation: Dataset;
  kernels(): Promise<RunKernels>;
}

export async function runExperiment(experiment: Experiment, options: RunOptions): Promise<RunOutcome> {
  const emit = async (event: RunEvent) => {
    await options.onEvent?.(event);
  };
  const results: JobResult[] = [];
  const variants = experiment.sweep ? experiment.sweep.variants.map((v) => v.experiment) : [experiment];
  const contexts: RunContext[] = [];
  // Points that differ only in training settings share their data and kernels.
  const datasets = new Map<string, Dataset>();
  const kernelsByKey = new Map<string, Promise<RunKernels>>();
  let dataset: Dataset | null = null;
  try {
    for (const variant of variants) {
      const dataKey = JSON.stringify([variant.data, variant.seed]);
      let loaded = datasets.get(dataKey);
      if (!loaded) {
        loaded = await loadDataset(variant.data, variant.seed, { signal: options.signal });
        datasets.set(dataKey, loaded);
      }
      const evaluation = withValidationRows(loaded);
      const kernelKey = JSON.stringify([dataKey, variant.network]);
      contexts.push({
        experiment: variant,
        dataset: loaded,
        evaluation,
        kernels: () => {
          let k = kernelsByKey.get(kernelKey);
          if (!k) {
            k = computeRunKernels(variant, evaluation, options.signal, (message) => emit({ type: 'log', message }));
            kernelsByKey.set(kernelKey, k);
          }
          return k;
        },
      });
      dataset ??= loaded;
    }
  } catch (error) {
    if (error instanceof CancelledError || options.signal.aborted) return { status: 'cancelled', results, dataset };
    return { status: 'failed', results, dataset, error: `data: ${errorMessage(error)}` };
  }
  const fullPlan = planExperiment(experiment, options.onlyModels);
  const plan = options.selectJobs ? options.selectJobs(fullPlan, dataset!) : fullPlan;
  await emit({ type: 'planned', plan, dataset: dataset! });
  const contextOf = (job: Job): RunContext => contexts[job.variant ?? 0];

  // Test predictions of each infinite job at each logged step, for the finite-vs-limit gap.
  const limitPredictions = new Map<string, Map<number, Float32Array | Float64Array>>();
  // Steps done per job: progress sums them, so it counts every job in flight.
  const stepsDone = new Map<string, number>();
  let doneSteps = 0;
  const shape = contexts[0].dataset;
  const costs = planCosts(plan, experiment, { train: shape.xTrain.rows, test: shape.xTest.rows, inputDim: shape.inputDim, outputs: shape.outputs });
  const totalWork = [...costs.values()].reduce((a, b) => a + b, 0);
  let doneWork = 0;
  const setSteps = (job: Job, step: number) => {
    const before = stepsDone.get(job.id) ?? 0;
    doneSteps += step - before;
    doneWork += ((costs.get(job.id) ?? 0) * (step - before)) / Math.max(1, job.model.steps);
    stepsDone.set(job.id, step);
  };

  /** Runs one job from its stream of logged predictions: metrics, events, its result. */
  const runJob = async (job: Job, points: (hooks: JobHooks) => AsyncIterable<LogPoint>, worker?: number): Promise<JobResult> => {
    await emit({ type: 'jobStarted', job, ...(worker !== undefined ? { worker } : {}) });
    const started = Date.now();
    const info: Record<string, unknown> = {};
    const context = contextOf(job);
    const hooks: JobHooks = {
      onStep: (step) => {
        setSteps(job, step);
        void emit({ type: 'step', job, step, doneSteps, totalSteps: plan.totalSteps, doneWork, totalWork });
      },
      report: (facts) => Object.assign(info, facts),
      log: (message) => void emit({ type: 'log', message: `${job.id}: ${message}` }),
    };
    const ownPredictions = job.kind === 'infinite' ? new Map<number, Float32Array | Float64Array>() : null;
    if (ownPredictions) limitPredictions.set(job.id, ownPredictions);
    const limit = job.limitId ? limitPredictions.get(job.limitId) : undefined;
    let last: Float32Array | Float64Array | null = null;
    let final: MetricRecord | null = null;
    let jobStatus: JobStatus = 'completed';
    let error: string | undefined;
    try {
      for await (const point of points(hooks)) {
        const { test, validation } = splitEvaluation(point.test, context.dataset.xTest.rows, context.dataset.outputs);
        last = test;
        ownPredictions?.set(point.step, test);
        final = metricRecord(context, job, { step: point.step, train: point.train, test }, validation, limit?.get(point.step), (Date.now() - started) / 1000);
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
    setSteps(job, job.model.steps);
    const result: JobResult = {
      job,
      status: jobStatus,
      final,
      predictions: last,
      outputs: context.dataset.outputs,
      info,
      error,
      seconds: (Date.now() - started) / 1000,
    };
    await emit({ type: 'jobFinished', result });
    return result;
  };

  const local = (job: Job) => (hooks: JobHooks) => {
    const trainer = job.kind === 'finite' ? options.trainers.finite : options.trainers.infinite;
    const c = contextOf(job);
    const context: TrainContext = { experiment: c.experiment, dataset: c.evaluation, signal: options.signal, ...hooks, kernels: c.kernels, lanes: localLanes(job) };
    return trainer(job, context);
  };

  // Each job's estimate with the factorization lanes it would get (autoLanes: the workers shared by its phase's jobs).
  const phaseLength = (job: Job) => plan.jobs.filter((j) => j.kind === job.kind).length;
  const factorLanes = options.factorLanes ?? 'auto';
  const lanesAmong = (job: Job, jobsAtOnce: number) =>
    factorLanes === 'auto' ? autoLanes(options.workers ?? 1, jobsAtOnce, contextOf(job).evaluation.xTrain.rows) : Math.max(1, Math.floor(factorLanes));
  const estimateOf = (job: Job) => jobMemory(contextOf(job).experiment, contextOf(job).evaluation, [job], lanesAmong(job, phaseLength(job)))[0];
  const size = poolSize(plan.jobs.map(estimateOf), options.workers ?? 1, options.memoryBudgetBytes);
  // Jobs in this process run one at a time: each may use every core the workers setting gives the run,
  // unless the memory budget already held the run to fewer workers than asked.
  const localLanes = (job: Job) => (size.limitedBy ? 1 : lanesAmong(job, 1));
  if (size.limitedBy) await emit({ type: 'log', message: `using ${size.workers} worker${size.workers === 1 ? '' : 's'}: ${size.limitedBy}` });
  const useWorkers = size.workers > 1 && plan.jobs.length > 1;
  // The run's own kernels stay on one lane: spread over idle workers (computeRunKernels' `parallel`) they
  // took 1.9 s against 0.95 s for 2,500 MNIST points on 2 cores (worker start-up and the float64 tiles'
  // IPC outweigh the split).
  if (useWorkers) {
    await emit({ type: 'log', message: `running ${plan.jobs.length} jobs on ${size.workers} worker processes (estimated peak ${formatBytes(size.peakBytes)})` });
    results.push(...(await runOnPool(plan.jobs, size.workers, contexts, options, runJob, lanesAmong)));
  } else {
    for (const job of plan.jobs) {
      if (options.signal.aborted) break;
      const result = await runJob(job, local(job));
      results.push(result);
      if (result.status === 'cancelled') break;
    }
  }
  const status: JobStatus = options.signal.aborted || results.some((r) => r.status === 'cancelled')
    ? 'cancelled'
    : results.some((r) => r.status === 'failed') ? 'failed' : 'completed';
  return { status, results, dataset };
}

/**
 * The jobs on a pool of worker processes: the infinite jobs first, then the finite ones (each
 * compared with its limit's predictions at every logged step), each phase with every worker busy.
 * A worker that dies fails its job and is replaced for the next one. Results keep the plan's order.
 */
async function runOnPool(
  jobs: Job[],
  workers: number,
  contexts: RunContext[],
  options: RunOptions,
  runJob: (job: Job, points: (hooks: JobHooks) => AsyncIterable<LogPoint>, worker?: number) => Promise<JobResult>,
  lanesAmong: (job: Job, jobsAtOnce: number) => number,
): Promise<JobResult[]> {
  const script = options.workerScript ?? workerScript();
  const backend = options.backend ?? activeBackend()?.name ?? defaultBackend;
  const byId = new Map<string, JobResult>();
  const live = new Set<WorkerProcess>();
  const stopAll = () => live.forEach((w) => w.kill());
  options.signal.addEventListener('abort', stopAll);
  // Each lane keeps its worker from phase to phase (one start-up per worker), and starts a new one after a crash.
  const lanes: (WorkerProcess | null)[] = Array.from({ length: workers }, () => null);
  const lane = async (index: number, queue: Job[], jobsAtOnce: number) => {
    while (queue.length && !options.signal.aborted) {
      const job = queue.shift()!;
      let worker = lanes[index];
      if (!worker?.alive) {
        worker = new WorkerProcess(script);
        lanes[index] = worker;
        live.add(worker);
        const spawned = worker;
        void spawned.whenExited().then(() => live.delete(spawned));
        spawned.start(contexts[0].experiment, contexts[0].evaluation, backend).catch(() => {});
      }
      const w = worker;
      const variant = job.variant ?? 0;
      if (variant !== 0) w.provide(variant, contexts[variant].experiment, contexts[variant].evaluation);
      byId.set(job.id, await runJob(job, (hooks) => w.run(job, hooks, options.signal, lanesAmong(job, jobsAtOnce)), w.pid));
    }
  };
  try {
    for (const phase of [jobs.filter((j) => j.kind === 'infinite'), jobs.filter((j) => j.kind === 'finite')]) {
      if (options.signal.aborted) break;
      const queue = [...phase];
      // The phase's jobs share the workers' cores for their factorizations (autoLanes).
      await Promise.all(Array.from({ length: Math.min(workers, phase.length) }, (_, i) => lane(i, queue, phase.length)));
    }
  } finally {
    options.signal.removeEventListener('abort', stopAll);
    stopAll();
    await Promise.all([...live].map((w) => w.whenExited()));
  }
  return jobs.flatMap((j) => (byId.has(j.id) ? [byId.get(j.id)!] : []));
}

function metricRecord(
  context: RunContext,
  job: Job,
  point: LogPoint,
  validation: Float32Array | Float64Array | null,
  limitTest: Float32Array | Float64Array | undefined,
  elapsedSeconds: number,
): MetricRecord {
  const { experiment, dataset } = context;
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
  const v = dataset.validation;
  if (v && validation) {
    record.validationLoss = loss(experiment.loss, validation, v.y.data, k);
    if (v.labels) record.validationAccuracy = accuracy(validation, v.labels, k);
  }
  return record;
}

/**
 * The analytic NNGP and NTK over all points of the dataset, train rows first (what TrainContext.kernels gives).
 * With `parallel` the row tiles are computed on that many lanes (kernelPool.ts): the same numbers bit for bit.
 */
export async function computeRunKernels(
  experiment: Experiment,
  dataset: Dataset,
  signal?: AbortSignal,
  log: (message: string) => void = () => {},
  /** tileRows: rows per tile (default: kernels/analytic.ts's; smaller tiles let a test spread a small kernel over workers). */
  parallel?: { workers: number; backend: BackendName; workerScript?: string; tileRows?: number },
): Promise<RunKernels> {
  const n = dataset.xTrain.rows;
  const nTest = dataset.xTest.rows;
  const d = dataset.inputDim;
  const N = n + nTest;
  const all = new Float64Array(N * d);
  all.set(dataset.xTrain.data, 0);
  all.set(dataset.xTest.data, n * d);
  const started = Date.now();
  const nngp = new Float64Array(N * N);
  const ntk = new Float64Array(N * N);
  const stats = await streamKernelsParallel(experiment.network, matrix(N, d, all), null, {
    signal,
    workers: parallel?.workers ?? 1,
    backend: parallel?.backend ?? activeBackend()?.name ?? defaultBackend,
    workerScript: parallel?.workerScript,
    tileRows: parallel?.tileRows,
  }, (t) => {
    store(nngp, t.nngp, t.r0, t.nr, t.c0, t.nc, N, true);
    store(ntk, t.ntk, t.r0, t.nr, t.c0, t.nc, N, true);
  });
  mirror(nngp, N);
  mirror(ntk, N);
  const lanes = stats.workers > 1 ? ` on ${stats.workers} workers` : '';
  log(`analytic kernels over ${N} points in ${((Date.now() - started) / 1000).toFixed(2)} s${lanes}`);
  return { nngp, ntk, n, nTest };
}
