import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../engine/util/rng';
import { IwlError } from '../../../engine/util/iwlError';
import { eighSymmetric, eigvalsSymmetric, matmul, SymmetricEigen } from '../../../engine/linalg';
import { backwardTol, EPS, fro, hilbert, minus, naiveTranspose, randomMatrix, randomOrthogonal, rbfGram, withSpectrum } from './matrixFixtures';

/**
 * The three properties that define a correct symmetric eigendecomposition, each O(n eps) for a backward
 * stable method (Householder + QL; Golub & Van Loan 8.3):
 *   ||A V - V Lambda||_F / ||A||_F,  ||V^T V - I||_F,  ascending values,
 * and, by Weyl's inequality, |lambda_i - lambda_i(exact)| <= ||E||_2 <= 10 n eps ||A||_2 for each value.
 */
function checkDecomposition(a: Float64Array, n: number, eig: SymmetricEigen): void {
  const { values, vectors } = eig;
  assert.equal(values.length, n);
  assert.equal(vectors.length, n * n);
  for (let i = 1; i < n; i++) assert.ok(values[i - 1] <= values[i], `ascending at ${i}`);
  const av = matmul(a, vectors, n, n, n);
  const vl = vectors.map((x, idx) => x * values[idx % n]);
  const scale = Math.max(fro(a), Number.MIN_VALUE);
  const residual = fro(minus(av, vl)) / scale;
  assert.ok(fro(a) === 0 ? fro(minus(av, vl)) === 0 : residual <= backwardTol(n), `||AV - V Lambda|| / ||A|| = ${residual}`);
  const vtv = matmul(naiveTranspose(vectors, n, n), vectors, n, n, n);
  for (let i = 0; i < n; i++) vtv[i * n + i] -= 1;
  assert.ok(fro(vtv) <= backwardTol(n), `||V^T V - I|| = ${fro(vtv)}`);
}

function assertValuesNear(actual: ArrayLike<number>, expected: number[], tol: number): void {
  const sorted = [...expected].sort((x, y) => x - y);
  for (let i = 0; i < sorted.length; i++) {
    assert.ok(Math.abs(actual[i] - sorted[i]) <= tol, `value ${i}: ${actual[i]} vs ${sorted[i]} (tol ${tol})`);
  }
}

describe('eighSymmetric', () => {
  test('0 x 0 and 1 x 1', () => {
    assert.equal(eighSymmetric(new Float64Array(0), 0).values.length, 0);
    const one = eighSymmetric(Float64Array.of(-2.5), 1);
    assert.deepEqual(Array.from(one.values), [-2.5]);
    assert.equal(Math.abs(one.vectors[0]), 1);
  });

  test('2 x 2 against the closed form', () => {
    // [[a, b], [b, c]]: lambda = (a + c)/2 -+ sqrt(((a - c)/2)^2 + b^2); for [[2, 1], [1, 2]] that is 1 and 3,
    // with eigenvectors (1, -1)/sqrt 2 and (1, 1)/sqrt 2 up to sign.
    const { values, vectors } = eighSymmetric(Float64Array.of(2, 1, 1, 2), 2);
    assertValuesNear(values, [1, 3], 4 * EPS * 3);
    const r = Math.SQRT1_2;
    assert.ok(Math.abs(Math.abs(vectors[0]) - r) <= 4 * EPS && Math.abs(vectors[0] + vectors[2]) <= 4 * EPS);
    assert.ok(Math.abs(Math.abs(vectors[1]) - r) <= 4 * EPS && Math.abs(vectors[1] - vectors[3]) <= 4 * EPS);
    const [a, b, c] = [3, -2, -1];
    const mid = (a + c) / 2, rad = Math.sqrt(((a - c) / 2) ** 2 + b * b);
    assertValuesNear(eighSymmetric(Float64Array.of(a, b, b, c), 2).values, [mid - rad, mid + rad], 8 * EPS * 4);
  });

  test('diagonal: sorted diagonal entries, eigenvectors the matching unit vectors', () => {
    const diag = [5, -1, 3, 0, 2, 2];
    const n = diag.length;
    const a = new Float64Array(n * n);
    diag.forEach((x, i) => (a[i * n + i] = x));
    const { values, vectors } = eighSymmetric(a, n);
    assert.deepEqual(Array.from(values), [...diag].sort((x, y) => x - y));
    for (let j = 0; j < n; j++) {
      const column = Array.from({ length: n }, (_, i) => Math.abs(vectors[i * n + j]));
      assert.equal(column.filter((x) => x === 1).length, 1, `column ${j} is a unit vector`);
      assert.equal(diag[column.indexOf(1)], values[j]);
    }
  });

  test('tridiagonal already (no reflections needed) and the zero matrix', () => {
    // The path matrix's Laplacian-like T = tridiag(-1, 2, -1) of size n has eigenvalues 2 - 2 cos(k pi / (n + 1)).
    const n = 40;
    const t = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      t[i * n + i] = 2;
      if (i + 1 < n) t[i * n + i + 1] = t[(i + 1) * n + i] = -1;
    }
    const eig = eighSymmetric(t, n);
    checkDecomposition(t, n, eig);
    assertValuesNear(eig.values, Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1))), backwardTol(n) * 4);
    const zero = eighSymmetric(new Float64Array(9), 3);
    assert.deepEqual(Array.from(zero.values), [0, 0, 0]);
    checkDecomposition(new Float64Array(9), 3, zero);
  });

  for (const n of [3, 17, 100, 300]) {
    test(`random symmetric n=${n}: residual, orthonormality, trace`, () => {
      const rng = new Rng(100 + n);
      const x = randomMatrix(rng, n, n);
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = x[i * n + j] + x[j * n + i];
      const eig = eighSymmetric(a, n);
      checkDecomposition(a, n, eig);
      let trace = 0, sum = 0;
      for (let i = 0; i < n; i++) {
        trace += a[i * n + i];
        sum += eig.values[i];
      }
      assert.ok(Math.abs(trace - sum) <= backwardTol(n) * fro(a) * Math.sqrt(n));
    });
  }

  test('repeated eigenvalues: known spectrum recovered, eigenvectors still orthonormal', () => {
    const n = 60;
    const spectrum = Array.from({ length: n }, (_, i) => (i < 20 ? 1 : i < 45 ? 2 : i < 50 ? -3 : 10 + i));
    const a = withSpectrum(randomOrthogonal(new Rng(21), n), spectrum);
    const eig = eighSymmetric(a, n);
    checkDecomposition(a, n, eig);
    assertValuesNear(eig.values, spectrum, backwardTol(n) * (10 + n));
    // The identity: every vector is an eigenvector; any orthonormal basis is right.
    const identity = new Float64Array(25);
    for (let i = 0; i < 5; i++) identity[i * 5 + i] = 1;
    const idEig = eighSymmetric(identity, 5);
    assert.deepEqual(Array.from(idEig.values), [1, 1, 1, 1, 1]);
    checkDecomposition(identity, 5, idEig);
  });

  test('Hilbert H_5 and H_8: extreme eigenvalues and condition number against known values', () => {
    // Known values (40-digit arithmetic; they agree with the published tables cond_2(H_5) = 4.766e5,
    // cond_2(H_8) = 1.526e10): lambda_max(H_5) = 1.5670506910982308, lambda_min(H_5) = 3.2879287721718630e-6,
    // lambda_max(H_8) = 1.6959389969219495, lambda_min(H_8) = 1.1115389663724424e-10.
    // Weyl: each eigenvalue is within 10 n eps ||H||_2 absolutely; relative to lambda_min that allows
    // 10 n eps cond, so cond is checked to that relative accuracy.
    const cases = [
      { n: 5, max: 1.5670506910982308, min: 3.287928772171863e-6 },
      { n: 8, max: 1.6959389969219495, min: 1.1115389663724424e-10 },
    ];
    for (const { n, max, min } of cases) {
      const h = hilbert(n);
      const eig = eighSymmetric(h, n);
      checkDecomposition(h, n, eig);
      const absTol = backwardTol(n) * max;
      assert.ok(Math.abs(eig.values[n - 1] - max) <= absTol);
      assert.ok(Math.abs(eig.values[0] - min) <= absTol);
      const cond = eig.values[n - 1] / eig.values[0];
      assert.ok(Math.abs(cond / (max / min) - 1) <= backwardTol(n) * (max / min) * 2, `cond ${cond} vs ${max / min}`);
    }
  });

  test('ill-conditioned RBF Gram matrix of close points: PSD to rounding, residual O(n eps)', () => {
    const points = Array.from({ length: 120 }, (_, i) => Math.sin(i) * 0.5);
    const n = points.length;
    const k = rbfGram(points, 1);
    const eig = eighSymmetric(k, n);
    checkDecomposition(k, n, eig);
    const lambdaMax = eig.values[n - 1];
    assert.ok(eig.values[0] >= -backwardTol(n) * lambdaMax, `smallest ${eig.values[0]} is negative beyond rounding`);
    assert.ok(eig.values[0] <= 1e-10 * lambdaMax, 'and numerically singular (the case the regularizer is for)');
  });

  test('reads only the lower triangle and does not modify its input', () => {
    const n = 30;
    const rng = new Rng(5);
    const x = randomMatrix(rng, n, n);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = x[i * n + j] + x[j * n + i];
    const copy = Float64Array.from(a);
    const reference = eighSymmetric(a, n);
    assert.deepEqual(a, copy);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = 99;
    assert.deepEqual(eighSymmetric(a, n).values, reference.values);
  });

  test('eigvalsSymmetric agrees with eighSymmetric', () => {
    const n = 80;
    const a = withSpectrum(randomOrthogonal(new Rng(6), n), Array.from({ length: n }, (_, i) => Math.exp(-i / 4)));
    const all = eighSymmetric(a, n).values;
    const only = eigvalsSymmetric(a, n);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(all[i] - only[i]) <= backwardTol(n));
  });

  test('non-finite entries are reported by position', () => {
    const a = Float64Array.of(1, 0, 0, Infinity);
    assert.throws(() => eighSymmetric(a, 2), (e: unknown) => e instanceof IwlError && e.code === 'NOT_FINITE' && /entry \(1, 1\) is Infinity/.test(e.message));
  });
});
