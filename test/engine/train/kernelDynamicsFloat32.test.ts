import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../../engine/backend';
import type { OptimizerSpec } from '../../../engine/experiment/experimentTypes';
import { BatchSchedule } from '../../../engine/train/batches';
import { KernelDynamics, STEPWISE_FLOAT32_MIN_N } from '../../../engine/train/kernelDynamics';
import { argmaxAccuracy, mnistReluProblem } from './reluKernelFixtures';

/**
 * The stepwise dynamics with float32 kernel products against the float64 path, on 1100 MNIST digits.
 * Tolerance, relative to the largest prediction: each product carries a relative rounding of about
 * sqrt(N) 2^-24 = 2e-6 per entry at N = 1100, and 100 steps add such errors up (none of these dynamics
 * amplifies them much over this horizon), so 1e-4 bounds it with room. Measured: 1.3e-5 for kernel Adam
 * (its normalization divides by sqrt(v), which magnifies the rounding of small gradients), 2e-7 for the others.
 */
const FLOAT32_STEPWISE_TOLERANCE = 1e-4;

before(async () => { await useBackend('wasm'); });

const base: OptimizerSpec = { name: 'sgd', learningRate: null, momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

test('stepwise kernel dynamics with float32 products follow the float64 path: kernel Adam, momentum, minibatch cross-entropy', async () => {
  const mse = mnistReluProblem(1100, 100);
  const { m, n, k } = mse;
  assert.ok(n >= STEPWISE_FLOAT32_MIN_N);
  const cases = [
    { name: 'kernel Adam, MSE, full batch', problem: mse, optimizer: { ...base, name: 'adam' as const }, rate: 0.02, batch: 'full' as const },
    { name: 'momentum, MSE, batch 550', problem: mse, optimizer: { ...base, name: 'momentum' as const }, rate: 2, batch: 550 },
    { name: 'sgd, cross-entropy, batch 300', problem: { ...mse, loss: 'crossEntropy' as const }, optimizer: base, rate: 20, batch: 300 },
  ];
  for (const c of cases) {
    const exact = new KernelDynamics(c.problem, c.optimizer, c.rate, new BatchSchedule(n, c.batch, 5));
    const fast = new KernelDynamics(c.problem, c.optimizer, c.rate, new BatchSchedule(n, c.batch, 5), { float32Products: true });
    assert.ok(fast.float32 && !exact.float32);
    try {
      for (let t = 0; t < 100; t++) {
        await exact.advance();
        await fast.advance();
      }
      let diff = 0, scale = 0;
      for (let i = 0; i < m * k; i++) {
        diff = Math.max(diff, Math.abs(fast.f[i] - exact.f[i]));
        scale = Math.max(scale, Math.abs(exact.f[i]));
      }
      assert.ok(scale > 0.2, `${c.name}: the dynamics moved the predictions (${scale})`);
      assert.ok(diff <= FLOAT32_STEPWISE_TOLERANCE * scale, `${c.name}: relative difference ${diff / scale}`);
      assert.equal(argmaxAccuracy(fast.f, n, m - n, k, mse.labelsTest), argmaxAccuracy(exact.f, n, m - n, k, mse.labelsTest));
    } finally {
      fast.dispose();
    }
  }
});
