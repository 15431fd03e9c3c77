/**
 * The contract between the run orchestrator and the code that trains one job.
 * A trainer yields predictions at every logged step (0, logEvery, 2 logEvery, ..., steps);
 * the orchestrator turns them into metrics the same way for every model.
 */
import type { Experiment } from '../experiment/experimentTypes';
import type { Dataset } from '../data/dataset';
import type { Job } from './plan';

/** Predictions at one logged step, row-major: train [N, k], test [M, k]. */
export interface LogPoint {
  step: number;
  train: Float32Array | Float64Array;
  test: Float32Array | Float64Array;
}

export interface TrainContext {
  experiment: Experiment;
  dataset: Dataset;
  signal: AbortSignal;
  /** Called after every optimization step (progress and ETA); cheap. */
  onStep(step: number): void;
  /** Facts about the job worth keeping in the summary (conditioning, regularizer, sample counts...). */
  report(info: Record<string, unknown>): void;
  /** A line for the log (stderr in the CLI, the output channel in VS Code). */
  log(message: string): void;
  /** Shared, lazily computed analytic kernels over [train; test] (computed once per run). */
  kernels(): Promise<RunKernels>;
  /**
   * Cores this job may use for its own large factorizations (the GP's float32 Cholesky lanes,
   * engine/linalg/choleskyLanes.ts) without taking them from other jobs: see linalgLanes in
   * engine/run/pool.ts. Absent: 1. The numbers are the same for every count.
   */
  lanes?: number;
}

/** Analytic kernels over all M = N + N* points, train rows first, row-major [M, M], per output unit. */
export interface RunKernels {
  nngp: Float64Array;
  ntk: Float64Array;
  n: number;
  nTest: number;
}

export type Trainer = (job: Job, context: TrainContext) => AsyncIterable<LogPoint>;

/** The logged steps of a run of `steps` steps: 0, logEvery, 2 logEvery, ..., and always the last. */
export function loggedSteps(steps: number, logEvery: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < steps; s += logEvery) out.push(s);
  out.push(steps);
  return out;
}
