import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../../engine/backend';
import { closedFormMseGradientDescent } from '../../../engine/train/kernelClosedForms';
import { KernelDynamics, type KernelProblem } from '../../../engine/train/kernelDynamics';
import { BatchSchedule } from '../../../engine/train/batches';
import { KRYLOV_MIN_N, krylovMseDynamics } from '../../../engine/train/krylovDynamics';
import { CancelledError } from '../../../engine/util/iwlError';
import { Rng } from '../../../engine/util/rng';
import { argmaxAccuracy, mnistReluProblem } from './reluKernelFixtures';
import { maxAbsDiff } from '../linalg/matrixFixtures';

/**
 * Tolerance on any prediction after t steps, relative to max |y|: the Krylov path multiplies by Theta
 * rounded to float32 (unit roundoff 2^-24), a relative perturbation that each step passes on at most
 * (eta lambda_max / (N k)) times and that t contractive steps add up linearly (1 / (1 - mu) more with
 * heavy-ball momentum, whose step sums the past gradients). Factor 4 for the accumulation inside a
 * float32 product. Measured on the n = 2000 case: 7e-5 at t = 1000 against a bound of 3.6e-4.
 */
function tolerance(step: number, effectiveRate: number, momentum = 0): number {
  return (4 * Math.max(1, step) * effectiveRate * 2 ** -24) / (1 - momentum);
}

function maxAbs(values: ArrayLike<number>, from = 0, to = values.length): number {
  let worst = 0;
  for (let i = from; i < to; i++) worst = Math.max(worst, Math.abs(values[i]));
  return worst;
}

before(async () => { await useBackend('wasm'); });

test('gradient descent on 2000 MNIST digits: block Lanczos predicts as the float64 eigendecomposition, in a small space', async () => {
  const problem = mnistReluProblem(2000, 500);
  const { m, n, k } = problem;
  assert.ok(n >= KRYLOV_MIN_N, 'the default path at this size is the Krylov one');
  const lambdaMax = closedFormMseGradientDescent(problem, 1).eigenvalueRange[1];
  // Near the edge of stability (eta lambda_max / (N k) = 1.5 < 2): the slowest case for the top modes.
  const learningRate = (1.5 * n * k) / lambdaMax;
  const reference = closedFormMseGradientDescent(problem, learningRate);
  const steps = [0, 1, 10, 100, 1000];
  const krylov = await krylovMseDynamics(problem, { learningRate, momentum: 0 }, steps);
  assert.ok(krylov, 'converged');
  // The space the predictions need is far smaller than the training set (the speed of this path).
  assert.ok(krylov.dimension <= n / 4, `Krylov dimension ${krylov.dimension}`);
  assert.ok(Math.abs(krylov.ritzRange[1] / lambdaMax - 1) < 1e-6, `top Ritz value ${krylov.ritzRange[1]} vs ${lambdaMax}`);
  assert.ok(krylov.conditionLowerBound <= reference.condition * (1 + 1e-6), 'the Ritz ratio bounds cond from below');
  const yMax = maxAbs(problem.y);
  for (const step of steps) {
    const got = krylov.at(step), want = reference.at(step);
    const diff = maxAbsDiff(got, want) / yMax;
    assert.ok(diff <= tolerance(step, 1.5), `step ${step}: relative difference ${diff} > ${tolerance(step, 1.5)}`);
  }
  const accuracy = argmaxAccuracy(krylov.at(1000), n, m - n, k, problem.labelsTest);
  assert.equal(accuracy, argmaxAccuracy(reference.at(1000), n, m - n, k, problem.labelsTest));
  assert.ok(accuracy > 0.85, `test accuracy ${accuracy}`);
});

test('heavy-ball momentum: block Lanczos follows the float64 stepwise kernel dynamics step for step', async () => {
  const problem = mnistReluProblem(400, 100);
  const { m, n, k } = problem;
  const lambdaMax = closedFormMseGradientDescent(problem, 1).eigenvalueRange[1];
  const momentum = 0.9;
  const learningRate = (0.5 * n * k) / lambdaMax;
  const steps = [0, 1, 5, 50, 300];
  const krylov = await krylovMseDynamics(problem, { learningRate, momentum }, steps);
  assert.ok(krylov, 'converged');
  assert.ok(krylov.dimension < n, `Krylov dimension ${krylov.dimension}`);
  const spec = { name: 'momentum' as const, learningRate: null, momentum, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  const stepwise = new KernelDynamics(problem, spec, learningRate, new BatchSchedule(n, 'full', 0));
  const yMax = maxAbs(problem.y);
  let previousDiff = 0;
  for (const step of steps) {
    while (stepwise.step < step) await stepwise.advance();
    const diff = maxAbsDiff(krylov.at(step), stepwise.f) / yMax;
    assert.ok(diff <= tolerance(step, 0.5, momentum), `step ${step}: relative difference ${diff}`);
    previousDiff = diff;
  }
  // Momentum moved the predictions a long way: the comparison above is not between two zeros.
  assert.ok(maxAbs(stepwise.f, n * k, m * k) > 0.3 && previousDiff >= 0);
});

test('a kernel of rank r: the space becomes invariant after at most k + r directions and the answer is exact up to float32', async () => {
  // Theta = X X^T + 1 with X [M, 5] Gaussian: rank 6, so K(Theta, y) for y's 2 columns stops by 2 + 6 directions.
  const m = 260, n = 200, k = 2, d = 5;
  const x = new Rng(3).normals(m * d, 1, new Float64Array(m * d));
  const kernel = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let dot = 1;
      for (let c = 0; c < d; c++) dot += x[i * d + c] * x[j * d + c];
      kernel[i * m + j] = dot;
    }
  }
  const y = new Float64Array(n * k);
  for (let i = 0; i < n; i++) { y[i * k] = x[i * d] > 0 ? 1 : -1; y[i * k + 1] = x[i * d + 1]; }
  const problem: KernelProblem = { kernel, m, n, k, y, loss: 'mse' };
  const reference = closedFormMseGradientDescent(problem, 1);
  const learningRate = (1.0 * n * k) / reference.eigenvalueRange[1];
  const solution = await krylovMseDynamics(problem, { learningRate, momentum: 0 }, [0, 3, 30]);
  assert.ok(solution);
  assert.equal(solution.change, 0, 'invariant space: no truncation at all');
  // k + d + 1 = 8 in exact arithmetic; float32 products may leave a direction or two above the deflation
  // threshold (a harmless extra basis vector: its Ritz value is at rounding level).
  assert.ok(solution.dimension >= k + 1 && solution.dimension <= k + d + 3, `dimension ${solution.dimension}`);
  const exact = closedFormMseGradientDescent(problem, learningRate);
  const yMax = maxAbs(y);
  for (const step of [3, 30]) {
    const diff = maxAbsDiff(solution.at(step), exact.at(step)) / yMax;
    assert.ok(diff <= tolerance(step, 1), `step ${step}: ${diff}`);
  }
  assert.throws(() => solution.at(7), /step 7 was not requested/);
});

test('a space too small to converge gives null (the trainer then runs the exact path), and Stop cancels', async () => {
  const problem = mnistReluProblem(300, 20);
  const learningRate = (1.5 * problem.n * problem.k) / closedFormMseGradientDescent(problem, 1).eigenvalueRange[1];
  assert.equal(await krylovMseDynamics(problem, { learningRate, momentum: 0 }, [1000], { maxDimension: 20 }), null);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(krylovMseDynamics(problem, { learningRate, momentum: 0 }, [10], { signal: controller.signal }), CancelledError);
});
