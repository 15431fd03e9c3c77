import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../engine/util/rng';
import {
  cholesky, choleskyConditionBound, choleskyConditionEstimate, conditionFromEigenvalues, eighSymmetric, solveSpd,
} from '../../../engine/linalg';
import { backwardTol, hilbert, randomOrthogonal, rbfGram, withSpectrum } from './matrixFixtures';

describe('condition numbers', () => {
  test('from eigenvalues: max/min, Infinity for singular or indefinite', () => {
    assert.equal(conditionFromEigenvalues([4, 1, 2]), 4);
    assert.equal(conditionFromEigenvalues([0, 1]), Infinity);
    assert.equal(conditionFromEigenvalues([-1, 3]), Infinity);
    assert.equal(conditionFromEigenvalues([]), 1);
  });

  test('from the Cholesky factor: exact for a diagonal matrix', () => {
    const n = 10;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) a[i * n + i] = 2 ** i;
    const l = cholesky(a, n);
    assert.ok(Math.abs(choleskyConditionBound(l, n) - 512) <= 512 * backwardTol(n)); // sqrt(2^i)^2 rounds
    assert.ok(Math.abs(choleskyConditionEstimate(l, n).condition - 512) <= 512 * backwardTol(n));
  });

  test('Hilbert H_8: bound <= estimate <= cond_2 = 1.5258e10, estimate within 1%', () => {
    // cond_2(H_8) = 1.5257575741646943e10 (40-digit arithmetic; published 1.526e10). Power iteration on
    // A^{-1} converges fast here (lambda_min is well separated), so 20 steps give the value to < 1%.
    const n = 8;
    const trueCond = 1.5257575741646943e10;
    const l = cholesky(hilbert(n), n);
    const bound = choleskyConditionBound(l, n);
    const estimate = choleskyConditionEstimate(l, n);
    assert.ok(bound <= trueCond * (1 + 1e-6));
    assert.ok(bound <= estimate.condition && estimate.condition <= trueCond * (1 + 1e-6));
    assert.ok(estimate.condition >= 0.99 * trueCond, `estimate ${estimate.condition}`);
    assert.ok(bound < 0.05 * trueCond, 'the diagonal bound alone is ~100x too low here: why the estimate exists');
  });

  test('a known spectrum with a clear gap: estimate within 1e-6 of lambda_max / lambda_min', () => {
    const n = 100;
    const spectrum = Array.from({ length: n }, (_, i) => (i === 0 ? 1e-4 : i === n - 1 ? 50 : 1 + i / n));
    const a = withSpectrum(randomOrthogonal(new Rng(41), n), spectrum);
    const estimate = choleskyConditionEstimate(cholesky(a, n), n);
    assert.ok(Math.abs(estimate.condition / 5e5 - 1) <= 1e-6, `estimate ${estimate.condition}`);
  });

  test('a regularized kernel solve can report its conditioning, agreeing with the eigenvalues', () => {
    const points = Array.from({ length: 150 }, (_, i) => i / 40);
    const n = points.length;
    const k = rbfGram(points, 0.5);
    const solve = solveSpd(k, n, new Float64Array(n).fill(1), 1, { diagReg: 1e-6 });
    const fromFactor = choleskyConditionEstimate(solve.l, n).condition;
    const regularized = Float64Array.from(k);
    for (let i = 0; i < n; i++) regularized[i * n + i] += solve.diagShift;
    const fromEigen = conditionFromEigenvalues(eighSymmetric(regularized, n).values);
    // The regularizer caps cond near lambda_max / diagShift; both estimates see that.
    assert.ok(fromFactor <= fromEigen * (1 + 1e-6) && fromFactor >= 0.9 * fromEigen, `${fromFactor} vs ${fromEigen}`);
  });
});
