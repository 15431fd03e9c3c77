/**
 * What each job of a run costs, relative to the others: the weights that turn "steps done" into
 * "work done" for the progress bar and the ETA. A width-1024 job and the NNGP each train 200 steps,
 * but one costs a hundred times the other; counting steps alone made the ETA wrong by a factor of
 * several (issue 13). Units are floating-point operations, roughly: the ETA divides the cost left
 * by the rate measured over the run, so only the ratios between jobs matter.
 *
 * Per step, with B points per step, M = train + test points, d inputs, k outputs, L hidden dense
 * layers of width w:
 * - finite, all layers: forward + backward 6 B P, P = d w + (L - 1) w^2 + w k parameters; each log
 *   evaluates 2 M P. Linearized: twice that (a JVP and a VJP). Readout: the features once (2 M P),
 *   then 6 B w k per step.
 * - infinite ntk / nngp / kernelAdam: 2 train^2 k per step (a kernel product) and 2 test train k per
 *   log; gp: one solve, train^3 / 3. The first of them also computes the run's kernels (M^2 (d + L)
 *   in tfjs) and their eigendecomposition (train^3 in plain-JS float64, about 25x slower per flop
 *   than tfjs-wasm's matmul: ENVIRONMENT.md).
 * - infinite adam: (R d + C k)(B + M) per step, plus R C (B + M) per hidden-to-hidden matrix
 *   (engine/train/adamLimit.ts).
 * Every step also pays a fixed dispatch cost (the tfjs ops of one step), measured: in the
 * quickstart (widths 64, 256, 512 at 200 steps) a job took about 1.2 s + 0.036 s per unit of width,
 * so a step's overhead is about what 32 units of width cost there: 3e7. A readout-only or kernel
 * step is one or two ops, about an eighth of that (the recorded sweep: 0.3-0.4 ms a step against
 * 2-4 ms); an Adam-limit step about half. The kernels' elementwise recursion is bound by memory
 * traffic (ENVIRONMENT.md), about 8 flops' worth per entry and operation.
 */
import type { Experiment } from '../experiment/experimentTypes';
import type { Job, RunPlan } from './plan';

/** A step's fixed dispatch cost, in flops' worth (measured: see the file comment). */
const stepOverhead = 3e7;
/** Plain-JS float64 linear algebra against tfjs-wasm matmul, per flop (ENVIRONMENT.md: 0.5 vs 12 GFLOP/s). */
const float64Slowdown = 25;

/** The data's sizes a job's cost depends on: points to train on and to test, inputs d, outputs k. */
export interface CostShape {
  train: number;
  test: number;
  inputDim: number;
  outputs: number;
}

function hiddenLayers(experiment: Experiment): number {
  return Math.max(1, experiment.network.layers.filter((l) => l.kind === 'dense').length - 1);
}

/** The relative cost of one job (see the file comment for the model). */
export function jobCost(job: Job, experiment: Experiment, shape: CostShape, paysKernels: boolean): number {
  const { train, test, inputDim: d, outputs: k } = shape;
  const m = train + test;
  const L = hiddenLayers(experiment);
  const steps = job.model.steps;
  const logs = Math.floor(steps / job.model.logEvery) + 1;
  const batch = job.model.batchSize === 'full' ? train : Math.min(train, job.model.batchSize);
  const overhead = (share: number): number => steps * stepOverhead * share;
  if (job.kind === 'finite') {
    const w = job.width;
    const params = d * w + (L - 1) * w * w + w * k;
    if (job.model.trainable === 'readout') return overhead(1 / 8) + 2 * m * params + steps * 6 * batch * w * k + logs * 2 * m * w * k;
    const linearized = job.model.trainable === 'linearized' ? 2 : 1;
    return overhead(linearized) + steps * 6 * batch * params * linearized + logs * 2 * m * params;
  }
  const model = job.model;
  if (model.method === 'adam') {
    const { backward: r, forward: c } = model.samples;
    return overhead(1 / 2) + steps * ((r * d + c * k) * (batch + m) + (L - 1) * r * c * (batch + m));
  }
  const kernels = paysKernels ? 8 * 2 * m * m * (d + 20 * L) + float64Slowdown * train ** 3 : 0;
  if (model.method === 'gp') return stepOverhead + kernels + float64Slowdown * (train ** 3 / 3 + 2 * test * train * k);
  return kernels + overhead(1 / 8) + steps * 2 * train * train * k + logs * 2 * test * train * k;
}

/** Each job's cost, in plan order (the first kernel-based infinite job pays for the shared kernels). */
export function planCosts(plan: RunPlan, experiment: Experiment, shape: CostShape): Map<string, number> {
  const costs = new Map<string, number>();
  let kernelsPaid = false;
  for (const job of plan.jobs) {
    const usesKernels = job.kind === 'infinite' && job.model.method !== 'adam';
    costs.set(job.id, jobCost(job, experiment, shape, usesKernels && !kernelsPaid));
    if (usesKernels) kernelsPaid = true;
  }
  return costs;
}
