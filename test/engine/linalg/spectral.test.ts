import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../engine/util/rng';
import { applySpectralFunction, eigenCoordinates, eighSymmetric, fromEigenCoordinates, matmul, spectralWeights } from '../../../engine/linalg';
import { backwardTol, fro, maxAbsDiff, minus, randomMatrix, randomSpd, rbfGram } from './matrixFixtures';

describe('applySpectralFunction: V diag(g(lambda)) V^T B', () => {
  const n = 120, k = 3;
  const rng = new Rng(31);
  const a = randomSpd(rng, n);
  const b = randomMatrix(rng, n, k);
  const { values, vectors } = eighSymmetric(a, n);

  test('g = 1 returns B, g = lambda returns A B, g = lambda^2 returns A (A B)', () => {
    // Each is a product of backward-stable steps: error O(n eps) relative to ||A||^p ||B||.
    const tol = backwardTol(n);
    assert.ok(fro(minus(applySpectralFunction(vectors, values, () => 1, b), b)) <= tol * fro(b));
    const ab = matmul(a, b, n, n, k);
    assert.ok(fro(minus(applySpectralFunction(vectors, values, (l) => l, b), ab)) <= tol * fro(a) * fro(b));
    const aab = matmul(a, ab, n, n, k);
    assert.ok(fro(minus(applySpectralFunction(vectors, values, Float64Array.from(values, (l) => l * l), b), aab)) <= tol * fro(a) ** 2 * fro(b));
  });

  test('closed-form MSE dynamics equal the step-by-step simulation on the same kernel', () => {
    // f_{t+1} - y = (I - eta Theta / (N k)) (f_t - y), so f_t - y = V (1 - eta lambda / (N k))^t V^T (f_0 - y).
    // The simulation applies t matrix-vector products; rounding grows at most linearly in t, O(t n eps).
    const points = Array.from({ length: 80 }, (_, i) => Math.cos(1.7 * i));
    const N = points.length, outputs = 2;
    const theta = rbfGram(points, 0.7);
    const eig = eighSymmetric(theta, N);
    const r0 = randomMatrix(new Rng(32), N, outputs);
    const eta = 1.5;
    const steps = 200;
    let r = Float64Array.from(r0);
    for (let t = 0; t < steps; t++) {
      const step = matmul(theta, r, N, N, outputs);
      r = r.map((x, i) => x - (eta / (N * outputs)) * step[i]);
    }
    const closed = applySpectralFunction(eig.vectors, eig.values, (l) => (1 - (eta * l) / (N * outputs)) ** steps, r0);
    assert.ok(fro(minus(closed, r)) <= steps * backwardTol(N) * fro(r0), `gap ${fro(minus(closed, r))}`);
    assert.ok(fro(minus(r, r0)) > 0.1 * fro(r0), 'the dynamics moved (the test is not vacuous)');
  });

  test('eigen coordinates round-trip: V (V^T B) = B', () => {
    const ct = eigenCoordinates(vectors, b, n, k);
    assert.ok(maxAbsDiff(fromEigenCoordinates(vectors, ct, n, k), b) <= backwardTol(n) * fro(b));
  });

  test('a non-finite g value is an error naming the eigenvalue', () => {
    assert.throws(() => spectralWeights(Float64Array.of(0, 2), (l) => 1 / l), /g\(lambda_0 = 0\) is Infinity/);
    assert.throws(() => applySpectralFunction(vectors, values, () => 1, new Float64Array(n + 1)), /not a multiple of n = 120/);
  });
});
