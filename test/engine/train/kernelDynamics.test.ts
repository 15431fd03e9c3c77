import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../engine/util/rng';
import { BatchSchedule } from '../../../engine/train/batches';
import { KernelDynamics, type KernelProblem } from '../../../engine/train/kernelDynamics';
import { closedFormMseGradientDescent, nngpPosterior } from '../../../engine/train/kernelClosedForms';
import type { OptimizerSpec } from '../../../engine/experiment/experimentTypes';

/** A positive definite kernel over m points: K = Z Z^T / d + 0.1 I, Z ~ N(0, 1) [m, d]. */
function randomProblem(m: number, n: number, k: number, seed: number, loss: 'mse' | 'crossEntropy' = 'mse'): KernelProblem {
  const rng = new Rng(seed);
  const d = 6;
  const z = rng.normals(m * d, 1, new Float64Array(m * d));
  const kernel = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) {
      let s = 0;
      for (let p = 0; p < d; p++) s += z[a * d + p] * z[b * d + p];
      kernel[a * m + b] = s / d + (a === b ? 0.1 : 0);
    }
  }
  const y = new Float64Array(n * k);
  for (let i = 0; i < n; i++) y[i * k + rng.int(k)] = 1;
  return { kernel, m, n, k, y, loss };
}

const sgd: OptimizerSpec = { name: 'sgd', learningRate: null, momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

// Both paths are float64; they differ only by rounding accumulated over t steps of O(m) sums,
// so 1e-10 on O(1) predictions leaves orders of magnitude of slack while catching any formula slip.
const FLOAT64_PATH_TOLERANCE = 1e-10;

test('closed-form MSE gradient descent equals the step-by-step simulation on the same kernel', async () => {
  const problem = randomProblem(30, 20, 3, 1);
  const lr = 2.0;
  const closed = closedFormMseGradientDescent(problem, lr);
  const dynamics = new KernelDynamics(problem, sgd, lr, new BatchSchedule(problem.n, 'full', 0));
  for (const step of [0, 1, 2, 7, 40, 120]) {
    while (dynamics.step < step) await dynamics.advance();
    const diff = maxAbsDiff(closed.at(step), dynamics.f);
    assert.ok(diff < FLOAT64_PATH_TOLERANCE, `step ${step}: closed form and simulation differ by ${diff}`);
  }
  assert.ok(closed.condition > 1 && Number.isFinite(closed.condition));
});

test('gradient descent converges to kernel regression, which the GP posterior with no noise computes', async () => {
  const problem = randomProblem(25, 15, 2, 2);
  // Stable when eta lambda_max/(N k) < 2: take eta lambda_max/(N k) = 1, then run until the slowest mode
  // has decayed: (1 - lambda_min/lambda_max)^t < 1e-12.
  const probe = closedFormMseGradientDescent(problem, 1);
  const [lambdaMin, lambdaMax] = probe.eigenvalueRange;
  const closed = closedFormMseGradientDescent(problem, (15 * 2) / lambdaMax);
  const steps = Math.ceil(Math.log(1e-12) / Math.log(1 - lambdaMin / lambdaMax));
  const limit = closed.at(steps);
  const posterior = await nngpPosterior(problem, 0);
  assert.ok(maxAbsDiff(limit, posterior.mean) < 1e-6, `difference ${maxAbsDiff(limit, posterior.mean)}`);
  // Kernel regression interpolates the training targets.
  assert.ok(maxAbsDiff(limit.subarray(0, 15 * 2), problem.y) < 1e-6);
});

test('GP posterior with a regularizer matches a hand-computed 2-point solve', async () => {
  // Points: 2 train, 1 test; K = [[2, 1, 0.5], [1, 2, 0.25], [0.5, 0.25, 1]], y = [1, -1], diagReg 0.5 of mean diag (2) = 1.
  const kernel = Float64Array.from([2, 1, 0.5, 1, 2, 0.25, 0.5, 0.25, 1]);
  const posterior = await nngpPosterior({ kernel, m: 3, n: 2, k: 1, y: [1, -1], loss: 'mse' }, 0.5);
  // (K + I)^{-1} y = [[3, 1], [1, 3]]^{-1} [1, -1] = [0.5, -0.5]; test mean = 0.5*0.5 - 0.25*0.5 = 0.125.
  assert.ok(Math.abs(posterior.mean[2] - 0.125) < 1e-12, `test mean ${posterior.mean[2]}`);
  assert.ok(Math.abs(posterior.mean[0] - (2 * 0.5 - 0.5)) < 1e-12);
  assert.equal(posterior.diagShift, 1);
});

test('momentum 0 is gradient descent; momentum 0.9 follows m_t = mu m_{t-1} + chi_t', async () => {
  const problem = randomProblem(12, 8, 2, 3);
  const plain = new KernelDynamics(problem, sgd, 0.5, new BatchSchedule(8, 'full', 0));
  const zero = new KernelDynamics(problem, { ...sgd, name: 'momentum', momentum: 0 }, 0.5, new BatchSchedule(8, 'full', 0));
  for (let t = 0; t < 10; t++) {
    await plain.advance();
    await zero.advance();
  }
  assert.ok(maxAbsDiff(plain.f, zero.f) < 1e-14);
  // Two steps of heavy-ball by hand from f_0 = 0: chi_0 = -y/(N k); f_1 = -eta K chi_0;
  // chi_1 = (f_1 - y)/(N k); f_2 = f_1 - eta K (mu chi_0 + chi_1).
  const mu = 0.9;
  const eta = 0.5;
  const heavy = new KernelDynamics(problem, { ...sgd, name: 'momentum', momentum: mu }, eta, new BatchSchedule(8, 'full', 0));
  await heavy.advance();
  await heavy.advance();
  const { kernel, m, n, k, y } = problem;
  const chi0 = new Float64Array(n * k).map((_, i) => -y[i] / (n * k));
  const f1 = new Float64Array(m * k);
  for (let a = 0; a < m; a++) for (let b = 0; b < n; b++) for (let j = 0; j < k; j++) f1[a * k + j] -= eta * kernel[a * m + b] * chi0[b * k + j];
  const chi1 = new Float64Array(n * k).map((_, i) => (f1[i] - y[i]) / (n * k));
  const f2 = Float64Array.from(f1);
  for (let a = 0; a < m; a++) for (let b = 0; b < n; b++) for (let j = 0; j < k; j++) {
    f2[a * k + j] -= eta * kernel[a * m + b] * (mu * chi0[b * k + j] + chi1[b * k + j]);
  }
  assert.ok(maxAbsDiff(heavy.f, f2) < 1e-13, `heavy ball differs by ${maxAbsDiff(heavy.f, f2)}`);
});

test('minibatches: chi is zero off the batch, and a batch as large as the data is full batch', async () => {
  const problem = randomProblem(14, 10, 2, 4);
  const full = new KernelDynamics(problem, sgd, 1, new BatchSchedule(10, 'full', 7));
  const whole = new KernelDynamics(problem, sgd, 1, new BatchSchedule(10, 10, 7));
  const mini = new KernelDynamics(problem, sgd, 1, new BatchSchedule(10, 3, 7));
  for (let t = 0; t < 5; t++) {
    await full.advance();
    await whole.advance();
  }
  assert.ok(maxAbsDiff(full.f, whole.f) < 1e-15);
  // One minibatch step moves f by -eta K(., B) chi_B with chi_B = (f_B - y_B)/(|B| k) = -y_B/(3k).
  const schedule = new BatchSchedule(10, 3, 7);
  const batch = schedule.batch(0);
  await mini.advance();
  const { kernel, m, k, y } = problem;
  const expected = new Float64Array(m * k);
  for (let a = 0; a < m; a++) for (const b of batch) for (let j = 0; j < k; j++) expected[a * k + j] += kernel[a * m + b] * y[b * k + j] / (3 * k);
  assert.ok(maxAbsDiff(mini.f, expected) < 1e-15);
});

test('cross-entropy and kernel Adam dynamics decrease the training loss', async () => {
  const problem = randomProblem(20, 16, 3, 5, 'crossEntropy');
  const ce = (f: Float64Array) => {
    let s = 0;
    for (let i = 0; i < problem.n; i++) {
      const row = Array.from(f.subarray(i * 3, i * 3 + 3));
      const max = Math.max(...row);
      const z = row.reduce((acc, v) => acc + Math.exp(v - max), 0);
      for (let j = 0; j < 3; j++) s -= problem.y[i * 3 + j] * (row[j] - max - Math.log(z));
    }
    return s / problem.n;
  };
  for (const optimizer of [sgd, { ...sgd, name: 'adam' as const }]) {
    const dynamics = new KernelDynamics(problem, optimizer, optimizer.name === 'adam' ? 0.05 : 5, new BatchSchedule(16, 'full', 0));
    const before = ce(dynamics.f);
    for (let t = 0; t < 50; t++) await dynamics.advance();
    assert.ok(ce(dynamics.f) < 0.8 * before, `${optimizer.name}: loss ${before} -> ${ce(dynamics.f)}`);
  }
});

test('batch schedules are seeded permutations covering every point once per epoch', async () => {
  const schedule = new BatchSchedule(10, 4, 3);
  const seen = [...schedule.batch(0), ...schedule.batch(1), ...schedule.batch(2)].sort((a, b) => a - b);
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(schedule.batch(2).length, 2);
  assert.deepEqual([...new BatchSchedule(10, 4, 3).batch(4)], [...schedule.batch(4)]);
  assert.notDeepEqual([...new BatchSchedule(10, 4, 4).batch(0)], [...schedule.batch(0)]);
});
