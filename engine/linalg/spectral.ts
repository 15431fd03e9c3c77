/**
 * Functions of a symmetric matrix through its eigendecomposition A = V diag(lambda) V^T:
 *   g(A) B = V diag(g(lambda)) V^T B.
 * The closed-form MSE dynamics use g(lambda) = (1 - eta lambda / (N k))^t (discrete steps) or
 * exp(-eta lambda t / (N k)) (continuous time): f_t - y = g(Theta) (f_0 - y).
 */
import { checkLength } from './blas';

export type SpectralFunction = ((lambda: number, index: number) => number) | ArrayLike<number>;

/**
 * V diag(g(lambda)) V^T B for V n x n (orthonormal eigenvectors as columns), lambda of length n, and
 * B n x k (k = b.length / n). Never forms an n x n intermediate: C = V^T B (k x n, kept transposed so
 * both passes read V row by row), scaled by g, then V C. Cost 4 n^2 k flops.
 * `g` is either a function of (lambda_j, j) or the n values g(lambda_j) already computed.
 */
export function applySpectralFunction(v: Float64Array, lambda: ArrayLike<number>, g: SpectralFunction, b: Float64Array): Float64Array {
  const n = lambda.length;
  checkLength('applySpectralFunction: V', v, n * n, `${n} x ${n}`);
  if (n === 0) return new Float64Array(0);
  if (b.length % n !== 0) throw new RangeError(`applySpectralFunction: B has ${b.length} values, not a multiple of n = ${n}`);
  const k = b.length / n;
  const weights = spectralWeights(lambda, g);
  const ct = eigenCoordinates(v, b, n, k);
  for (let c = 0; c < k; c++) {
    const row = c * n;
    for (let j = 0; j < n; j++) ct[row + j] *= weights[j];
  }
  return fromEigenCoordinates(v, ct, n, k);
}

/** g(lambda_j) for each j, checked to be finite. */
export function spectralWeights(lambda: ArrayLike<number>, g: SpectralFunction): Float64Array {
  const n = lambda.length;
  const weights = new Float64Array(n);
  if (typeof g === 'function') {
    for (let j = 0; j < n; j++) weights[j] = g(lambda[j], j);
  } else {
    checkLength('applySpectralFunction: g values', g, n, `${n}`);
    for (let j = 0; j < n; j++) weights[j] = g[j];
  }
  for (let j = 0; j < n; j++) {
    if (!Number.isFinite(weights[j])) {
      throw new RangeError(`applySpectralFunction: g(lambda_${j} = ${lambda[j]}) is ${weights[j]}, not a finite number`);
    }
  }
  return weights;
}

/**
 * (V^T B)^T, a k x n matrix: row c holds the coordinates of column c of B in the eigenbasis. Computed as
 * B^T V, streaming V's rows once with k contiguous axpys each. Cache it when applying many g to one B.
 */
export function eigenCoordinates(v: Float64Array, b: Float64Array, n: number, k: number): Float64Array {
  checkLength('eigenCoordinates: V', v, n * n, `${n} x ${n}`);
  checkLength('eigenCoordinates: B', b, n * k, `${n} x ${k}`);
  const ct = new Float64Array(k * n);
  for (let i = 0; i < n; i++) {
    const vi = i * n, bi = i * k;
    for (let c = 0; c < k; c++) {
      const x = b[bi + c];
      if (x === 0) continue;
      const row = c * n;
      for (let j = 0; j < n; j++) ct[row + j] += x * v[vi + j];
    }
  }
  return ct;
}

/** V C for C given transposed (ct is k x n): the n x k matrix whose entry (i, c) is V[i, :] . ct[c, :]. */
export function fromEigenCoordinates(v: Float64Array, ct: Float64Array, n: number, k: number): Float64Array {
  checkLength('fromEigenCoordinates: V', v, n * n, `${n} x ${n}`);
  checkLength('fromEigenCoordinates: C^T', ct, k * n, `${k} x ${n}`);
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const vi = i * n;
    for (let c = 0; c < k; c++) {
      const row = c * n;
      let s0 = 0, s1 = 0;
      let j = 0;
      for (; j + 1 < n; j += 2) {
        s0 += v[vi + j] * ct[row + j];
        s1 += v[vi + j + 1] * ct[row + j + 1];
      }
      if (j < n) s0 += v[vi + j] * ct[row + j];
      out[i * k + c] = s0 + s1;
    }
  }
  return out;
}
