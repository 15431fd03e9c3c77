import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../../engine/backend';
import { loadMnist } from '../../../engine/data/mnist';
import { matmulNT } from '../../../engine/linalg';
import { NNGP_MIXED_MIN_N, nngpPosterior } from '../../../engine/train/kernelClosedForms';

/**
 * Relative prediction tolerance per unit of condition number: the mixed and the float64 solves both have
 * backward errors below 1e-12 (MIXED_BACKWARD_TOL = 1e-13; float64 Cholesky O(n eps) = 4.4e-13 at n = 2000), so
 * their solutions, and predictions K(X*, X) x, differ by at most cond * 1e-12 relative (Higham, Thm 7.2).
 * At the cond ~ 1e3 - 1e5 of this kernel that is 1e-9 - 1e-7: invisible in any reported metric.
 */
const PREDICTION_PER_COND = 1e-12;

/**
 * The analytic NNGP of a one-hidden-layer ReLU network (wStd^2 = 2, bStd^2 = 0.1) over inputs x in R^784:
 *   K0 = wStd^2 x.x'/d + bStd^2,   K1 = wStd^2/(2 pi) sqrt(K0 K0') (sin t + (pi - t) cos t) + bStd^2,
 * t = arccos(K0(x, x') / sqrt(K0 K0')) (Cho & Saul's arc-cosine kernel). Computed here, independently of engine/kernels.
 */
function reluNngp(x: Float64Array, m: number, d: number): Float64Array {
  const w2 = 2, b2 = 0.1;
  const g = matmulNT(x, x, m, d, m);
  const k0 = g.map((v) => (w2 * v) / d + b2);
  const k = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const norm = Math.sqrt(k0[i * m + i] * k0[j * m + j]);
      const t = Math.acos(Math.min(1, Math.max(-1, k0[i * m + j] / norm)));
      k[i * m + j] = (w2 / (2 * Math.PI)) * norm * (Math.sin(t) + (Math.PI - t) * Math.cos(t)) + b2;
    }
  }
  return k;
}

function accuracy(mean: Float64Array, offset: number, rows: number, k: number, labels: Int32Array): number {
  let correct = 0;
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (mean[(offset + i) * k + c] > mean[(offset + i) * k + best]) best = c;
    if (best === labels[i]) correct++;
  }
  return correct / rows;
}

before(async () => { await useBackend('wasm'); });

test('NNGP posterior of 2000 MNIST digits: the mixed-precision solve predicts as the float64 path, same test accuracy', () => {
  const data = loadMnist({ train: 2000, test: 500, classes: null }, 1);
  const n = data.xTrain.rows, nTest = data.xTest.rows, m = n + nTest, d = data.inputDim, k = data.outputs;
  assert.ok(n >= NNGP_MIXED_MIN_N, 'the default path at this size is the mixed one');
  const x = new Float64Array(m * d);
  x.set(data.xTrain.data);
  x.set(data.xTest.data, n * d);
  const problem = { kernel: reluNngp(x, m, d), m, n, k, y: data.yTrain.data, loss: 'mse' as const };
  const mixed = nngpPosterior(problem, 1e-6);
  const reference = nngpPosterior(problem, 1e-6, { solver: 'float64' });
  assert.equal(mixed.solver, 'float32 Cholesky + float64 CG');
  assert.equal(reference.solver, 'float64 Cholesky');
  assert.equal(mixed.diagReg, reference.diagReg);
  assert.equal(mixed.diagShift, reference.diagShift);
  // Both report the same conditioning (estimates from different factors: within 10%).
  assert.ok(Math.abs(mixed.condition / reference.condition - 1) < 0.1, `cond ${mixed.condition} vs ${reference.condition}`);
  let diff = 0, scale = 0;
  for (let i = 0; i < m * k; i++) {
    diff = Math.max(diff, Math.abs(mixed.mean[i] - reference.mean[i]));
    scale = Math.max(scale, Math.abs(reference.mean[i]));
  }
  assert.ok(diff / scale < reference.condition * PREDICTION_PER_COND, `relative difference ${diff / scale}, cond ${reference.condition}`);
  const testAccuracy = accuracy(mixed.mean, n, nTest, k, data.labelsTest!);
  assert.equal(testAccuracy, accuracy(reference.mean, n, nTest, k, data.labelsTest!));
  // Real digits: a kernel regressor on 2000 of them classifies most of 500 held-out ones.
  assert.ok(testAccuracy > 0.85, `test accuracy ${testAccuracy}`);
});
