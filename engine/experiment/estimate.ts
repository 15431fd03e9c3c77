/**
 * What a valid experiment will cost before it runs: how many jobs (every sweep point's finite
 * widths x seeds and infinite models), a rough compute time, and the largest job's memory.
 * `iwl validate` prints it and the code lens shows it (`estimateText`).
 *
 * The time is an order of magnitude from counted floating-point work, not a measurement:
 * - a finite job: 6 P B per step (forward and backward through P parameters for a batch of B
 *   points; 3x for a linearized network) and 2 P M at each logged step (evaluation on all M
 *   points), at FINITE_FLOPS, plus STEP_OVERHEAD_SECONDS per step (tfjs op dispatch);
 * - an infinite job: the kernels over the M points (2 M^2 d for the first layer, 20 M^2 per further
 *   layer) at FINITE_FLOPS, then its dynamics: a float64 eigendecomposition of the N x N train block
 *   (about 10 N^3 at FLOAT64_FLOPS) below 1024 training points, else 2 N^2 k per step; the Adam
 *   limit at ADAM_LIMIT_SECONDS per step for 1024 + 1024 samples and 1000 points, scaled linearly
 *   in R + C and M (and by R C for every hidden-to-hidden matrix).
 * Jobs run side by side on the pool, so a run takes about the total over the workers.
 */
import type { Experiment, ModelSpec } from './experimentTypes';
import { architectureOf } from '../nn/architecture';
import { estimateMemory, formatBytes, type DataSizes } from './memory';
import { dataShapeOf } from './dataChecks';

/** float32 matmul throughput of the default wasm backend on one core (ENVIRONMENT.md: 12-14 GFLOP/s). */
const FINITE_FLOPS = 10e9;
/** Plain-JS float64 linear algebra (ENVIRONMENT.md: 0.4-0.6 GFLOP/s). */
const FLOAT64_FLOPS = 0.5e9;
const STEP_OVERHEAD_SECONDS = 2e-3;
/** The Adam limit's measured 0.4-1 s per step at R = C = 1024 for 500-2000 points (engine/train/adamLimit.ts). */
const ADAM_LIMIT_SECONDS = 0.5;

export interface RunEstimate {
  /** Distinct sweep points over all models (1 without a sweep). */
  points: number;
  jobs: number;
  /** Compute seconds summed over jobs (one core each). */
  seconds: number;
  /** The largest job's memory estimate. */
  peakBytes: number;
}

/** The models of every point (a model once per point of its own sweep): what the run's jobs come from. */
export function sweptModels(experiment: Experiment): { experiment: Experiment; model: ModelSpec }[] {
  const variants = experiment.sweep ? experiment.sweep.variants.map((v) => v.experiment) : [experiment];
  return variants.flatMap((variant) => variant.models.map((model) => ({ experiment: variant, model })));
}

/** The estimate of a validated experiment; null when its data's size is not known (a file that could not be inspected). */
export function experimentEstimate(experiment: Experiment): RunEstimate | null {
  let jobs = 0;
  let seconds = 0;
  let peakBytes = 0;
  const all = sweptModels(experiment);
  for (const { experiment: variant, model } of all) {
    const shape = dataShapeOf(variant.data);
    if (!shape) return null;
    const inputDim = shape.inputDim;
    const sizes: DataSizes = { train: shape.train, test: shape.test, outputs: shape.outputs ?? 1 };
    const count = model.kind === 'finite' ? model.widths.length * model.seeds.length : 1;
    jobs += count;
    const hidden = architectureOf(variant.network).hidden.length;
    seconds += model.kind === 'finite'
      ? model.widths.reduce((sum, width) => sum + model.seeds.length * finiteSeconds(model, width, hidden, inputDim, sizes), 0)
      : infiniteSeconds(model, hidden, inputDim, sizes);
    const [memory] = estimateMemory({ ...variant, models: [model] }, inputDim, sizes);
    peakBytes = Math.max(peakBytes, memory.bytes);
  }
  return { points: new Set(all.map((m) => JSON.stringify(m.model.point ?? {}))).size, jobs, seconds, peakBytes };
}

function finiteSeconds(model: ModelSpec & { kind: 'finite' }, width: number, hidden: number, d: number, s: DataSizes): number {
  const k = s.outputs;
  const params = hidden === 0 ? d * k + k : d * width + (hidden - 1) * width * width + width * k + hidden * width + k;
  const batch = model.batchSize === 'full' ? s.train : Math.min(model.batchSize, s.train);
  const logged = Math.ceil(model.steps / model.logEvery) + 1;
  const factor = model.trainable === 'linearized' ? 3 : 1;
  const flops = factor * (model.steps * 6 * params * batch + logged * 2 * params * (s.train + s.test));
  return flops / FINITE_FLOPS + model.steps * STEP_OVERHEAD_SECONDS;
}

function infiniteSeconds(model: ModelSpec & { kind: 'infinite' }, hidden: number, d: number, s: DataSizes): number {
  const m = s.train + s.test;
  const n = s.train;
  const kernels = (2 * m * m * d + 20 * m * m * Math.max(1, hidden)) / FINITE_FLOPS;
  if (model.method === 'adam') {
    const { backward: r, forward: c } = model.samples;
    const deeper = Math.max(0, hidden - 1) * ((r * c) / (1024 * 1024));
    return kernels + model.steps * ADAM_LIMIT_SECONDS * ((r + c) / 2048 + deeper) * (m / 1000);
  }
  if (model.method === 'gp' || n < 1024) return kernels + (10 * n * n * n) / FLOAT64_FLOPS;
  return kernels + (model.steps * 2 * n * n * s.outputs) / FINITE_FLOPS;
}

/** "12 jobs at 4 sweep points, about 3 min 10 s of compute, up to 340 MiB per job". */
export function estimateText(estimate: RunEstimate, formatSeconds: (seconds: number) => string): string {
  const points = estimate.points > 1 ? ` at ${estimate.points} sweep points` : '';
  return `${estimate.jobs} job${estimate.jobs === 1 ? '' : 's'}${points}, about ${formatSeconds(estimate.seconds)} of compute, up to ${formatBytes(estimate.peakBytes)} per job`;
}

/** What a sweep makes and costs, as `iwl validate` prints it and the editor's lens shows it; null without a sweep (or a size to estimate from). */
export function sweepEstimateText(experiment: Experiment, formatSeconds: (seconds: number) => string): string | null {
  const estimate = experiment.sweep ? experimentEstimate(experiment) : null;
  return estimate ? estimateText(estimate, formatSeconds) : null;
}
