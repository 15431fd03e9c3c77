/** Small experiments shared by the Adam-limit tests: hand-built (validated shapes), synthetic data. */
import type { Experiment, FiniteModelSpec, InfiniteModelSpec, LossName, Network, OptimizerSpec, BatchSize } from '../../../engine/experiment/experimentTypes';
import type { FiniteJob, InfiniteJob } from '../../../engine/run/plan';
import type { LogPoint, TrainContext } from '../../../engine/run/trainer';
import type { Dataset } from '../../../engine/data/dataset';
import { loadSynthetic } from '../../../engine/data/synthetic';

const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export const adamSpec: OptimizerSpec = { name: 'adam', learningRate: null, momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
export const sgdSpec: OptimizerSpec = { ...adamSpec, name: 'sgd' };

/** L hidden dense + activation blocks (NTK parametrization), then a dense readout. */
export function mlp(hidden: number, activation: 'relu' | 'erf' | 'tanh' = 'relu', wStd = 1.4, bStd = 0.3): Network {
  const layers: Network['layers'] = [];
  for (let l = 0; l < hidden; l++) {
    layers.push({ kind: 'dense', width: null, wStd, bStd });
    layers.push({ kind: 'activation', activation: { kind: activation } });
  }
  layers.push({ kind: 'dense', width: null, wStd: 1, bStd: 0.2 });
  return { parametrization: 'ntk', layers };
}

export interface SmallRun {
  experiment: Experiment;
  dataset: Dataset;
  job: InfiniteJob;
}

export function smallRun(options: {
  network: Network;
  train?: number;
  test?: number;
  inputDim?: number;
  outputs?: number;
  loss?: LossName;
  steps?: number;
  logEvery?: number;
  learningRate?: number;
  batchSize?: BatchSize;
  samples?: { backward: number; forward: number };
  seed?: number;
  /** The experiment's seed (data, batches, finite initializations); default 3. */
  experimentSeed?: number;
  optimizer?: OptimizerSpec;
}): SmallRun {
  const loss = options.loss ?? 'mse';
  const train = options.train ?? 24;
  const test = options.test ?? 12;
  const inputDim = options.inputDim ?? 4;
  const outputs = options.outputs ?? 2;
  const data = loss === 'mse'
    ? { source: 'synthetic' as const, kind: 'teacher' as const, inputDim, train, test, outputs, noise: 0 }
    : { source: 'synthetic' as const, kind: 'gaussians' as const, inputDim, train, test, outputs, noise: 0 };
  const training = { steps: options.steps ?? 20, learningRate: options.learningRate ?? 0.05, batchSize: options.batchSize ?? ('full' as BatchSize), logEvery: options.logEvery ?? 5 };
  const model: InfiniteModelSpec = {
    name: 'adamLimit',
    kind: 'infinite',
    method: 'adam',
    optimizer: options.optimizer ?? adamSpec,
    ...training,
    range,
    diagReg: 1e-6,
    samples: options.samples ?? { backward: 64, forward: 64 },
    seed: options.seed ?? 7,
  };
  const experiment: Experiment = { name: 'adam-limit-test', seed: options.experimentSeed ?? 3, data, network: options.network, loss, training, models: [model] };
  const dataset = loadSynthetic(data, experiment.seed);
  return { experiment, dataset, job: { id: model.name, kind: 'infinite', model, width: null, seed: null, limitId: null } };
}

export interface RecordingContext extends TrainContext {
  steps: number[];
  reports: Record<string, unknown>[];
}

export function recordingContext(run: SmallRun, signal: AbortSignal = new AbortController().signal, onStep?: (step: number) => void): RecordingContext {
  const steps: number[] = [];
  const reports: Record<string, unknown>[] = [];
  return {
    experiment: run.experiment,
    dataset: run.dataset,
    signal,
    steps,
    reports,
    onStep(step) {
      steps.push(step);
      onStep?.(step);
    },
    report(info) {
      reports.push(info);
    },
    log() {},
    kernels() {
      throw new Error('the Adam limit computes its own per-layer kernels');
    },
  };
}

export async function collect(points: AsyncIterable<LogPoint>): Promise<LogPoint[]> {
  const out: LogPoint[] = [];
  for await (const p of points) out.push(p);
  return out;
}

/** The finite counterpart of the run's limit: the same optimizer, schedule and data, all layers trained, centered. */
export function finiteJob(run: SmallRun, width: number, seed: number): FiniteJob {
  const { name, optimizer, steps, learningRate, batchSize, logEvery, range: where } = run.job.model;
  const model: FiniteModelSpec = {
    name: `${name}-finite`, kind: 'finite', optimizer, steps, learningRate, batchSize, logEvery, range: where,
    widths: [width], seeds: [seed], trainable: 'all', centering: true,
  };
  return { id: `${model.name}/w${width}/s${seed}`, kind: 'finite', model, width, seed, limitId: run.job.id };
}
