/** Small hand-built experiments (validated shapes) and a recording TrainContext for the finite-network tests. */
import type {
  Activation,
  BatchSize,
  DataSpec,
  Experiment,
  FiniteModelSpec,
  InfiniteModelSpec,
  LossName,
  ModelSpec,
  Network,
  OptimizerName,
  OptimizerSpec,
  Parametrization,
  Trainable,
} from '../../../engine/experiment/experimentTypes';
import type { Dataset } from '../../../engine/data/dataset';
import { loadDataset } from '../../../engine/data/dataset';
import { computeRunKernels } from '../../../engine/run/runExperiment';
import type { FiniteJob } from '../../../engine/run/plan';
import type { LogPoint, RunKernels, TrainContext } from '../../../engine/run/trainer';

const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export function optimizer(name: OptimizerName, extra: Partial<OptimizerSpec> = {}): OptimizerSpec {
  return { name, learningRate: null, momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8, ...extra };
}

/** `hidden` blocks of dense (width null: the job's width) + activation, then a dense readout. */
export function mlp(hidden: number, options: { activation?: Activation; wStd?: number; bStd?: number; parametrization?: Parametrization; statedWidth?: number | null } = {}): Network {
  const layers: Network['layers'] = [];
  for (let l = 0; l < hidden; l++) {
    layers.push({ kind: 'dense', width: options.statedWidth ?? null, wStd: options.wStd ?? 1.4, bStd: options.bStd ?? 0.2 });
    layers.push({ kind: 'activation', activation: options.activation ?? { kind: 'relu' } });
  }
  layers.push({ kind: 'dense', width: null, wStd: 1, bStd: 0.1 });
  return { parametrization: options.parametrization ?? 'ntk', layers };
}

export interface Schedule {
  steps: number;
  learningRate: number;
  batchSize: BatchSize;
  logEvery: number;
}

export function finiteModel(name: string, schedule: Schedule, options: { optimizer?: OptimizerSpec; trainable?: Trainable; widths?: number[]; seeds?: number[]; centering?: boolean } = {}): FiniteModelSpec {
  return {
    name,
    kind: 'finite',
    optimizer: options.optimizer ?? optimizer('sgd'),
    ...schedule,
    range,
    widths: options.widths ?? [64],
    seeds: options.seeds ?? [0],
    trainable: options.trainable ?? 'all',
    centering: options.centering ?? true,
  };
}

export function infiniteModel(name: string, method: InfiniteModelSpec['method'], schedule: Schedule, opt: OptimizerSpec = optimizer('sgd')): InfiniteModelSpec {
  return { name, kind: 'infinite', method, optimizer: opt, ...schedule, range, diagReg: 1e-6, samples: { backward: 64, forward: 64 }, seed: 0 };
}

export function teacherData(train: number, test: number, inputDim = 6, outputs = 2): DataSpec {
  return { source: 'synthetic', kind: 'teacher', inputDim, train, test, outputs, noise: 0 };
}

export function gaussiansData(train: number, test: number, inputDim = 6, classes = 3): DataSpec {
  return { source: 'synthetic', kind: 'gaussians', inputDim, train, test, outputs: classes, noise: 0 };
}

export function makeExperiment(options: { data: DataSpec; network: Network; loss?: LossName; models: ModelSpec[]; seed?: number; schedule: Schedule }): Experiment {
  return {
    name: 'finite-test',
    seed: options.seed ?? 11,
    data: options.data,
    network: options.network,
    loss: options.loss ?? 'mse',
    training: options.schedule,
    models: options.models,
  };
}

export function finiteJob(model: FiniteModelSpec, width: number, seed: number): FiniteJob {
  return { id: `${model.name}/w${width}/s${seed}`, kind: 'finite', model, width, seed, limitId: null };
}

export interface Recording extends TrainContext {
  steps: number[];
  facts: Record<string, unknown>;
  controller: AbortController;
}

/** A TrainContext that records steps and reported facts; kernels are the analytic ones over [train; test]. */
export function recordingContext(experiment: Experiment, dataset: Dataset, onStep?: (step: number) => void): Recording {
  const controller = new AbortController();
  const steps: number[] = [];
  const facts: Record<string, unknown> = {};
  let kernels: Promise<RunKernels> | null = null;
  return {
    experiment,
    dataset,
    signal: controller.signal,
    controller,
    steps,
    facts,
    onStep(step) {
      steps.push(step);
      onStep?.(step);
    },
    report(info) {
      Object.assign(facts, info);
    },
    log() {},
    kernels() {
      kernels ??= computeRunKernels(experiment, dataset);
      return kernels;
    },
  };
}

export async function loadData(experiment: Experiment): Promise<Dataset> {
  return loadDataset(experiment.data, experiment.seed);
}

export async function collect(points: AsyncIterable<LogPoint>): Promise<LogPoint[]> {
  const out: LogPoint[] = [];
  for await (const p of points) out.push(p);
  return out;
}
