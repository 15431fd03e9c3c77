/**
 * Gaussian-process samples over a fixed set of M points: draws u ~ N(0, S) for an M x M covariance S
 * (row-major float64), as u = F z with z ~ N(0, I) and F F^T = S (approximately; see below).
 *
 * The factor F: a Cholesky factor of S + jitter * mean(diag S) * I, with the relative jitter starting at
 * FIRST_JITTER and multiplied by 100 on each failure up to LAST_JITTER. Covariances of data sets with
 * duplicate points, or of layers whose inputs span few directions, are singular, so some jitter is the
 * rule, not the exception; its effect on a sample is an independent N(0, jitter * mean diag) per point,
 * i.e. a relative variance error of `jitter` (1e-10 to 1e-6: far below any Monte Carlo error here).
 * If even LAST_JITTER fails (S is indefinite beyond rounding), the factor comes from the symmetric
 * eigendecomposition S = V diag(lambda) V^T with negative eigenvalues clipped to 0: F = V diag(sqrt(lambda+)),
 * the nearest PSD matrix in Frobenius norm. Both are reported.
 *
 * Cost: Cholesky n^3/3 multiply-adds (n = 2000: about 4-5 s in plain JS); sampling 2 * count * M^2.
 */
import * as tf from '@tensorflow/tfjs';
import { cholesky, eighSymmetric } from '../linalg';
import { gemmNT } from '../linalg/blas';
import { IwlError } from '../util/iwlError';
import type { Rng } from '../util/rng';

/** Relative jitter (units of the mean diagonal) of the first factorization attempt, and the largest one. */
export const FIRST_JITTER = 1e-10;
export const LAST_JITTER = 1e-6;

export interface CovarianceFactor {
  /** F with F F^T = the (jittered or clipped) covariance, M x M row-major. */
  factor: Float64Array;
  m: number;
  method: 'cholesky' | 'eigen' | 'zero';
  /** Relative jitter added to the diagonal (cholesky); 0 otherwise. */
  jitter: number;
  /** Eigen fallback: the most negative eigenvalue clipped, relative to the mean diagonal; 0 otherwise. */
  clipped: number;
}

/** A square root of the covariance `cov` ([m, m], symmetric PSD up to rounding); `what` names it in errors. */
export function covarianceFactor(cov: Float64Array, m: number, what: string): CovarianceFactor {
  if (cov.length !== m * m) throw new RangeError(`covarianceFactor: ${what} has ${cov.length} entries, expected ${m} x ${m}`);
  let trace = 0;
  for (let i = 0; i < m; i++) trace += cov[i * m + i];
  const scale = m > 0 ? trace / m : 0;
  if (!Number.isFinite(scale)) throw new IwlError('NOT_FINITE', `${what}: the covariance has a non-finite diagonal (mean ${scale})`);
  if (scale <= 0) return { factor: new Float64Array(m * m), m, method: 'zero', jitter: 0, clipped: 0 };
  for (let jitter = FIRST_JITTER; jitter <= LAST_JITTER * 1.0001; jitter *= 100) {
    const shifted = Float64Array.from(cov);
    for (let i = 0; i < m; i++) shifted[i * m + i] += jitter * scale;
    try {
      return { factor: cholesky(shifted, m), m, method: 'cholesky', jitter, clipped: 0 };
    } catch (error) {
      if (!(error instanceof IwlError) || error.code !== 'NOT_POSITIVE_DEFINITE') throw error;
    }
  }
  const { values, vectors } = eighSymmetric(cov, m);
  const factor = new Float64Array(m * m);
  let clipped = 0;
  for (let j = 0; j < m; j++) {
    const lambda = values[j];
    if (lambda < 0) clipped = Math.min(clipped, lambda / scale);
    const s = Math.sqrt(Math.max(0, lambda));
    if (s === 0) continue;
    for (let i = 0; i < m; i++) factor[i * m + j] = vectors[i * m + j] * s;
  }
  return { factor, m, method: 'eigen', jitter: 0, clipped };
}

/** Rows of Z per tfjs product when sampling (bounds the float32 temporaries to 512 M values). */
const TFJS_ROWS = 512;

/**
 * `count` independent samples u_s = scale * F z_s, as the rows of a [count, M] row-major array
 * (sample s at s * M). Draws count * M standard normals from `rng` in row order, so the first samples
 * do not depend on how many are drawn. `path` 'tfjs' runs the product Z F^T as float32 tf.matMul on the
 * active backend (rounding about 1e-7 relative; the normals are the same on both paths).
 */
export async function sampleGp(f: CovarianceFactor, count: number, rng: Rng, scale = 1, path: 'float64' | 'tfjs' = 'float64'): Promise<Float64Array> {
  const { m } = f;
  const z = new Float64Array(count * m);
  for (let i = 0; i < z.length; i++) z[i] = rng.normal();
  const out = new Float64Array(count * m);
  if (f.method === 'zero' || count === 0 || m === 0) return out;
  if (path === 'tfjs') {
    const ft = new Float32Array(m * m);
    for (let a = 0; a < m; a++) for (let p = 0; p < m; p++) ft[p * m + a] = f.factor[a * m + p] * scale;
    const factorT = tf.tensor2d(ft, [m, m]);
    try {
      for (let s0 = 0; s0 < count; s0 += TFJS_ROWS) {
        const rows = Math.min(TFJS_ROWS, count - s0);
        const block = tf.tidy(() => tf.matMul(tf.tensor2d(Float32Array.from(z.subarray(s0 * m, (s0 + rows) * m)), [rows, m]), factorT));
        try {
          out.set(await block.data(), s0 * m); // data(), not dataSync(): webgpu in Node cannot read synchronously
        } finally {
          block.dispose();
        }
      }
    } finally {
      factorT.dispose();
    }
    return out;
  }
  // out[s, a] = scale * sum_p z[s, p] F[a, p]: (Z F^T), the blocked gemm's native layout.
  gemmNT(count, m, m, scale, z, 0, m, f.factor, 0, m, out, 0, m);
  return out;
}
