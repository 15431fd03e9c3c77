import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../engine/util/rng';
import { IwlError } from '../../../engine/util/iwlError';
import { cholesky, choleskySolve, firstRetryDiagReg, logDetFromCholesky, matmul, matmulNT, solveSpd } from '../../../engine/linalg';
import { backwardTol, EPS, fro, hilbert, minus, randomMatrix, randomSpd, rbfGram } from './matrixFixtures';

/** ||A - L L^T||_F / ||A||_F: Cholesky is backward stable, so this is O(n eps) whatever the conditioning. */
function reconstructionError(a: Float64Array, l: Float64Array, n: number): number {
  return fro(minus(a, matmulNT(l, l, n, n, n))) / fro(a);
}

/** Normwise backward error of a solve, ||A X - B||_F / (||A||_F ||X||_F): O(n eps) for a stable solver. */
function solveBackwardError(a: Float64Array, x: Float64Array, b: Float64Array, n: number, k: number): number {
  return fro(minus(matmul(a, x, n, n, k), b)) / (fro(a) * fro(x));
}

function codeOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof IwlError, `expected an IwlError, got ${error}`);
    return { code: error.code, message: error.message };
  }
  assert.fail('expected an error');
}

describe('cholesky', () => {
  test('1 x 1 and 2 x 2 match their closed forms', () => {
    assert.deepEqual(Array.from(cholesky(Float64Array.of(9), 1)), [3]);
    // [[a, b], [b, c]] = L L^T with L = [[sqrt a, 0], [b / sqrt a, sqrt(c - b^2 / a)]].
    const [a, b, c] = [4, 2, 5];
    const l = cholesky(Float64Array.of(a, b, b, c), 2);
    const expected = [Math.sqrt(a), 0, b / Math.sqrt(a), Math.sqrt(c - (b * b) / a)];
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(l[i] - expected[i]) <= 4 * EPS * Math.abs(expected[i]) + 0);
  });

  test('diagonal matrix gives the square roots, upper triangle zero', () => {
    const n = 5;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) a[i * n + i] = (i + 1) * (i + 1);
    const l = cholesky(a, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.equal(l[i * n + j], i === j ? i + 1 : 0);
  });

  for (const n of [3, 63, 64, 65, 200, 300]) {
    test(`random SPD n=${n}: ||A - L L^T|| / ||A|| <= 10 n eps, lower triangular`, () => {
      const a = randomSpd(new Rng(n), n);
      const l = cholesky(a, n);
      assert.ok(reconstructionError(a, l, n) <= backwardTol(n));
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(l[i * n + j], 0);
      for (let i = 0; i < n; i++) assert.ok(l[i * n + i] > 0);
    });
  }

  test('reads only the lower triangle', () => {
    const n = 70;
    const a = randomSpd(new Rng(3), n);
    const garbage = Float64Array.from(a);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) garbage[i * n + j] = 1e6;
    assert.deepEqual(cholesky(garbage, n), cholesky(a, n));
  });

  test('Hilbert H_8 (cond 1.5e10) still factors with O(n eps) backward error', () => {
    const n = 8;
    const h = hilbert(n);
    assert.ok(reconstructionError(h, cholesky(h, n), n) <= backwardTol(n));
  });

  test('indefinite matrix: NOT_POSITIVE_DEFINITE naming the pivot index and value', () => {
    // [[1, 2], [2, 1]]: pivot 1 is 1 - 2^2 / 1 = -3.
    const { code, message } = codeOf(() => cholesky(Float64Array.of(1, 2, 2, 1), 2));
    assert.equal(code, 'NOT_POSITIVE_DEFINITE');
    assert.match(message, /pivot 1 is -3\b/);
    // A zero pivot deep inside a larger matrix is located exactly: diag(1..100) with entry 77 set to -1.
    const n = 100;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) a[i * n + i] = i + 1;
    a[77 * n + 77] = -1;
    assert.match(codeOf(() => cholesky(a, n)).message, /pivot 77 is -1\b/);
  });

  test('NaN input is reported as a non-positive pivot, not returned as a factor', () => {
    const a = Float64Array.of(1, 0, 0, NaN);
    assert.match(codeOf(() => cholesky(a, 2)).message, /pivot 1 is NaN/);
  });
});

describe('choleskySolve', () => {
  test('k right-hand sides: backward error O(n eps) and forward error <= cond * O(n eps)', () => {
    const n = 150, k = 3;
    const rng = new Rng(11);
    const a = randomSpd(rng, n, 0.1); // cond about 4.1 / 0.1 = 41
    const xTrue = randomMatrix(rng, n, k);
    const b = matmul(a, xTrue, n, n, k);
    const x = choleskySolve(cholesky(a, n), n, b, k);
    assert.ok(solveBackwardError(a, x, b, n, k) <= backwardTol(n));
    const cond = 41 * 2; // generous: the spectrum of X X^T / n lies within [0, 4] up to finite-size effects
    assert.ok(fro(minus(x, xTrue)) / fro(xTrue) <= cond * backwardTol(n));
  });

  test('one right-hand side (dot-product path) agrees with the multi-column path', () => {
    const n = 90;
    const rng = new Rng(12);
    const a = randomSpd(rng, n);
    const l = cholesky(a, n);
    const b = randomMatrix(rng, n, 2);
    const both = choleskySolve(l, n, b, 2);
    const first = choleskySolve(l, n, b.filter((_, i) => i % 2 === 0), 1);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(both[2 * i] - first[i]) <= backwardTol(n) * (1 + Math.abs(first[i])));
  });

  test('logDetFromCholesky equals the log of the product of the eigenvalues of a known spectrum', () => {
    const a = Float64Array.of(2, 1, 1, 2); // eigenvalues 1 and 3
    assert.ok(Math.abs(logDetFromCholesky(cholesky(a, 2), 2) - Math.log(3)) <= 8 * EPS);
  });
});

describe('solveSpd', () => {
  test('diagReg is relative to the mean diagonal and reported', () => {
    const n = 50;
    const rng = new Rng(13);
    const a = randomSpd(rng, n);
    for (let i = 0; i < n * n; i++) a[i] *= 1000; // scale: the regularizer must scale with it
    const b = randomMatrix(rng, n, 2);
    let trace = 0;
    for (let i = 0; i < n; i++) trace += a[i * n + i];
    const result = solveSpd(a, n, b, 2, { diagReg: 1e-3 });
    assert.equal(result.diagReg, 1e-3);
    assert.equal(result.attempts, 1);
    assert.ok(Math.abs(result.diagShift - 1e-3 * (trace / n)) <= 4 * EPS * result.diagShift);
    const regularized = Float64Array.from(a);
    for (let i = 0; i < n; i++) regularized[i * n + i] += result.diagShift;
    assert.ok(solveBackwardError(regularized, result.x, b, n, 2) <= backwardTol(n));
    assert.ok(solveBackwardError(a, result.x, b, n, 2) > 10 * backwardTol(n), 'the regularizer really changed the system');
  });

  test('singular RBF Gram matrix of close points: retries with x10 larger diagReg until it factors', () => {
    // 60 points spaced 0.01 apart, lengthscale 1: eigenvalues fall below eps * lambda_max after a handful,
    // so the unregularized matrix fails to factor in float64.
    const points = Array.from({ length: 60 }, (_, i) => i * 0.01);
    const n = points.length;
    const k = rbfGram(points, 1);
    assert.equal(codeOf(() => cholesky(k, n)).code, 'NOT_POSITIVE_DEFINITE');
    const y = Float64Array.from(points, (x) => Math.sin(3 * x));
    const result = solveSpd(k, n, y, 1);
    assert.ok(result.attempts > 1);
    assert.ok(result.diagReg >= firstRetryDiagReg(n));
    // The used value is firstRetry * 10^(attempts - 2): the documented ladder.
    const expected = firstRetryDiagReg(n) * 10 ** (result.attempts - 2);
    assert.ok(Math.abs(result.diagReg - expected) <= 1e-9 * expected);
    const regularized = Float64Array.from(k);
    for (let i = 0; i < n; i++) regularized[i * n + i] += result.diagShift;
    assert.ok(solveBackwardError(regularized, result.x, y, n, 1) <= backwardTol(n));
    // And one step smaller would not have factored: the ladder stopped at the first success.
    const smaller = result.attempts === 2 ? 0 : result.diagReg / 10;
    const tooSmall = Float64Array.from(k);
    for (let i = 0; i < n; i++) tooSmall[i * n + i] += smaller;
    assert.equal(codeOf(() => cholesky(tooSmall, n)).code, 'NOT_POSITIVE_DEFINITE');
  });

  test('an indefinite matrix fails after the ladder reaches maxDiagReg, naming the last diagReg tried', () => {
    const a = Float64Array.of(1, 0, 0, -1); // mean diagonal 0
    assert.match(codeOf(() => solveSpd(a, 2, Float64Array.of(1, 1), 1)).message, /mean diagonal is 0/);
    const b = Float64Array.of(1, 0, 0, -0.5); // mean diagonal 0.25; needs diagReg > 2
    const { code, message } = codeOf(() => solveSpd(b, 2, Float64Array.of(1, 1), 1, { maxDiagReg: 1e-2 }));
    assert.equal(code, 'NOT_POSITIVE_DEFINITE');
    assert.match(message, /even with diagReg 0\.0+1\b/);
    // With a large enough limit it succeeds and says what it used.
    assert.equal(solveSpd(b, 2, Float64Array.of(1, 1), 1, { maxDiagReg: 10 }).diagReg > 2, true);
  });

  test('rejects a negative diagReg', () => {
    assert.equal(codeOf(() => solveSpd(Float64Array.of(1), 1, Float64Array.of(1), 1, { diagReg: -1 })).code, 'INVALID_ARGUMENT');
  });
});
