/**
 * The infinite-width models (SCIENCE.md section 5) as trainers: each yields predictions on train and
 * test points at every logged step, from f_0 = 0.
 *   ntk        NTK gradient descent (sgd or momentum); MSE + full batch uses the closed form (an
 *              eigendecomposition below KRYLOV_MIN_N training points, block Lanczos above: krylovDynamics.ts;
 *              momentum steps through the dynamics where the Krylov space would cost more: krylovBudget)
 *   nngp       the same dynamics on the NNGP kernel (the limit of readout-only training)
 *   gp         the NNGP posterior mean (no time dependence: the same predictions at every logged step)
 *   kernelAdam an ADAM-like heuristic on the NTK (not a proven limit; labelled as such)
 *   adam       the Adam limit of Tensor Programs IVb, by Monte Carlo (engine/train/adamLimit.ts)
 */
import { CancelledError } from '../util/iwlError';
import type { InfiniteModelSpec } from '../experiment/experimentTypes';
import type { Job } from '../run/plan';
import { loggedSteps, type LogPoint, type TrainContext, type Trainer } from '../run/trainer';
import { BatchSchedule } from './batches';
import { KernelDynamics, STEPWISE_FLOAT32_MIN_N, type KernelProblem } from './kernelDynamics';
import { closedFormMseGradientDescent, nngpPosterior } from './kernelClosedForms';
import { trainAdamLimit } from './adamLimit';
import { firstKrylovCheck, KRYLOV_MAX_DIMENSION, KRYLOV_MIN_N, krylovBudget, krylovMseDynamics } from './krylovDynamics';

export const trainInfinite: Trainer = (job: Job, context: TrainContext) => {
  if (job.kind !== 'infinite') throw new RangeError(`trainInfinite: job ${job.id} is not an infinite model`);
  if (job.model.method === 'adam') return trainAdamLimit(job, context);
  return kernelMethod(job.model, context);
};

function split(f: Float64Array, n: number, k: number, step: number): LogPoint {
  return { step, train: f.slice(0, n * k), test: f.slice(n * k) };
}

async function* kernelMethod(model: InfiniteModelSpec, context: TrainContext): AsyncGenerator<LogPoint> {
  const { dataset, experiment, signal } = context;
  const kernels = await context.kernels();
  const n = kernels.n;
  const m = n + kernels.nTest;
  const k = dataset.outputs;
  const useNngp = model.method === 'nngp' || model.method === 'gp';
  const problem: KernelProblem = {
    kernel: useNngp ? kernels.nngp : kernels.ntk,
    m,
    n,
    k,
    y: dataset.yTrain.data,
    loss: experiment.loss,
  };
  const steps = loggedSteps(model.steps, model.logEvery);
  context.report({ kernel: useNngp ? 'nngp' : 'ntk' });

  if (model.method === 'gp') {
    const posterior = await nngpPosterior(problem, model.diagReg, { lanes: context.lanes, signal });
    context.report({
      diagReg: posterior.diagReg,
      diagShift: posterior.diagShift,
      condition: posterior.condition,
      solver: posterior.solver,
      iterations: posterior.iterations,
      ...(posterior.lanes > 1 ? { factorLanes: posterior.lanes } : {}),
      backwardError: posterior.backwardError,
      ...(posterior.fallback ? { fallback: posterior.fallback } : {}),
    });
    context.log(`NNGP posterior: ${posterior.solver}${posterior.fallback ? ` (${posterior.fallback})` : ''}, condition number ${posterior.condition.toExponential(2)}, diagReg ${posterior.diagReg}`);
    for (const step of steps) {
      if (signal.aborted) throw new CancelledError();
      context.onStep(step);
      yield split(posterior.mean, n, k, step);
    }
    return;
  }

  if (model.method === 'kernelAdam') {
    context.report({ heuristic: true, note: 'kernel Adam is an ADAM-like heuristic, not a proven infinite-width limit' });
  }
  const schedule = new BatchSchedule(n, model.batchSize, experiment.seed);
  const linear = experiment.loss === 'mse' && schedule.fullBatch && model.method !== 'kernelAdam'
    && (model.optimizer.name === 'sgd' || model.optimizer.name === 'momentum');
  const momentum = model.optimizer.name === 'momentum' ? model.optimizer.momentum : 0;
  // Momentum's alternative is the stepwise path, so the space is tried only as far as it is cheaper
  // (krylovBudget); gradient descent's is the O(n^3) float64 eigendecomposition, dearer than any space.
  const maxDimension = model.optimizer.name === 'momentum' ? krylovBudget(n, m, k, model.steps) : KRYLOV_MAX_DIMENSION;
  if (linear && n >= KRYLOV_MIN_N && maxDimension >= firstKrylovCheck(k)) {
    const solution = await krylovMseDynamics(problem, { learningRate: model.learningRate, momentum }, steps, { signal, maxDimension });
    if (solution) {
      context.report({
        dynamics: `block Lanczos (Krylov dimension ${solution.dimension}, float32 kernel products)`,
        krylovDimension: solution.dimension,
        condition: solution.conditionLowerBound,
        conditionIsLowerBound: true,
        eigenvalueRange: solution.ritzRange,
      });
      context.log(`Krylov MSE dynamics: dimension ${solution.dimension}, condition number >= ${solution.conditionLowerBound.toExponential(2)}`);
      for (const step of steps) {
        if (signal.aborted) throw new CancelledError();
        context.onStep(step);
        yield split(solution.at(step), n, k, step);
      }
      return;
    }
    context.log(`Krylov MSE dynamics did not converge within dimension ${maxDimension}; using the ${model.optimizer.name === 'momentum' ? 'stepwise' : 'exact'} path`);
  } else if (linear && n >= KRYLOV_MIN_N) {
    context.log(`stepwise MSE dynamics: over ${model.steps} steps a Krylov space would cost more than stepping (it would pay only within dimension ${maxDimension})`);
  }
  const closedForm = linear && model.optimizer.name === 'sgd';
  if (closedForm) {
    const solution = closedFormMseGradientDescent(problem, model.learningRate);
    context.report({ dynamics: 'closed form (eigendecomposition)', condition: solution.condition, eigenvalueRange: solution.eigenvalueRange });
    context.log(`closed-form MSE dynamics: condition number ${solution.condition.toExponential(2)}`);
    for (const step of steps) {
      if (signal.aborted) throw new CancelledError();
      context.onStep(step);
      yield split(solution.at(step), n, k, step);
    }
    return;
  }

  const optimizer = model.method === 'kernelAdam' ? { ...model.optimizer, name: 'adam' as const } : model.optimizer;
  const dynamics = new KernelDynamics(problem, optimizer, model.learningRate, schedule, { float32Products: n >= STEPWISE_FLOAT32_MIN_N });
  context.report({ dynamics: dynamics.float32 ? 'step by step (float32 kernel products)' : 'step by step' });
  try {
    let next = 0;
    for (const step of steps) {
      while (dynamics.step < step) {
        if (signal.aborted) throw new CancelledError();
        await dynamics.advance();
        next = dynamics.step;
        context.onStep(next);
        if ((next & 15) === 0) await yieldToEventLoop();
      }
      yield split(dynamics.f, n, k, step);
    }
  } finally {
    dynamics.dispose();
  }
}

/** Lets cancellation (SIGINT, an engine request) arrive during long synchronous loops. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
