/** Test matrices and reference computations for the linear-algebra tests, all deterministic (project Rng). */
import { Rng } from '../../../engine/util/rng';

/** Machine epsilon of float64, 2^-52. */
export const EPS = Number.EPSILON;
/**
 * Safety factor on the classical O(n eps) backward-error bounds (Higham, Accuracy and Stability of
 * Numerical Algorithms): the constants in those bounds are small multiples of n; 10 leaves room for
 * the Frobenius-vs-2-norm factors at the sizes used here without hiding an O(1) or O(sqrt eps) bug.
 */
export const SAFETY = 10;

/** Backward-error tolerance for an n x n factorization or solve: SAFETY * n * eps. */
export function backwardTol(n: number): number {
  return SAFETY * Math.max(1, n) * EPS;
}

export function randomMatrix(rng: Rng, m: number, n: number): Float64Array {
  const a = new Float64Array(m * n);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  return a;
}

/** Naive triple loop C = A B (m x k times k x n): the independent reference for the blocked kernels. */
export function naiveMatmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      c[i * n + j] = s;
    }
  }
  return c;
}

export function naiveTranspose(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
  return t;
}

/** A random SPD matrix X X^T / n + shift I with X n x n standard normal (condition about (4 + shift) / shift). */
export function randomSpd(rng: Rng, n: number, shift = 0.5): Float64Array {
  const x = randomMatrix(rng, n, n);
  const a = naiveMatmul(x, naiveTranspose(x, n, n), n, n, n);
  for (let i = 0; i < a.length; i++) a[i] /= n;
  for (let i = 0; i < n; i++) a[i * n + i] += shift;
  return a;
}

/**
 * A random orthogonal n x n matrix: the product of n Householder reflections of random normal vectors
 * (built without any code under test).
 */
export function randomOrthogonal(rng: Rng, n: number): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let r = 0; r < n; r++) {
    const v = new Float64Array(n);
    let norm2 = 0;
    for (let i = 0; i < n; i++) {
      v[i] = rng.normal();
      norm2 += v[i] * v[i];
    }
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += q[i * n + j] * v[j];
      const f = (2 * dot) / norm2;
      for (let j = 0; j < n; j++) q[i * n + j] -= f * v[j];
    }
  }
  return q;
}

/** Q diag(values) Q^T, symmetric by construction (averaged with its transpose to remove rounding asymmetry). */
export function withSpectrum(q: Float64Array, values: number[]): Float64Array {
  const n = values.length;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += q[i * n + p] * values[p] * q[j * n + p];
      a[i * n + j] = s;
      a[j * n + i] = s;
    }
  }
  return a;
}

/** The Hilbert matrix H_ij = 1 / (i + j + 1) (0-based). */
export function hilbert(n: number): Float64Array {
  const h = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h[i * n + j] = 1 / (i + j + 1);
  return h;
}

/** RBF Gram matrix exp(-|x_i - x_j|^2 / (2 lengthscale^2)) of 1-D points: PSD, numerically singular when points are close. */
export function rbfGram(points: number[], lengthscale: number): Float64Array {
  const n = points.length;
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const d = points[i] - points[j];
      k[i * n + j] = Math.exp(-(d * d) / (2 * lengthscale * lengthscale));
    }
  }
  return k;
}

/** Frobenius norm (plain; the test matrices are far from overflow). */
export function fro(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

export function minus(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const c = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) c[i] = a[i] - b[i];
  return c;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
