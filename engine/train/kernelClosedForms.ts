/**
 * Closed forms on a fixed kernel (SCIENCE.md section 5). Kernel over all M = N + N* points, train rows
 * first, row-major [M, M]; y is [N, k]; results are predictions on all M points, [M, k].
 *
 * MSE, full batch, gradient descent, discrete time, from f_0 = 0 (centering). With Theta_XX = V diag(lambda) V^T
 * and a_j = eta lambda_j / (N k):
 *   train:  f_t(X) - y = V diag((1 - a)^t) V^T (f_0 - y)
 *   test:   f_t(X*) = f_0(X*) - (eta/(N k)) Theta(X*, X) V diag(S_t(a)) V^T (f_0 - y),
 *           S_t(a) = sum_{s<t} (1 - a)^s = (1 - (1 - a)^t)/a   (= t when a = 0)
 * One symmetric eigendecomposition serves every logged step.
 *
 * NNGP posterior mean (Bayesian, no time): K(X*, X) (K(X, X) + s I)^{-1} y, s = diagReg * mean(diag K).
 * Large N solves in mixed precision (engine/linalg/mixedSolve.ts) to the float64 solve's backward error.
 */
import {
  eighSymmetric, eigenCoordinates, fromEigenCoordinates, conditionFromEigenvalues, solveSpd, choleskyConditionEstimate, matmul,
  normwiseBackwardError, solveSpdMixed,
} from '../linalg';
import type { MixedSpdSolution } from '../linalg';
import type { KernelProblem } from './kernelDynamics';

/** The train-train block [N, N] and the test-train block [N*, N] of an [M, M] kernel. */
export function kernelBlocks(kernel: Float64Array, m: number, n: number): { trainTrain: Float64Array; testTrain: Float64Array } {
  const nTest = m - n;
  const trainTrain = new Float64Array(n * n);
  const testTrain = new Float64Array(nTest * n);
  for (let i = 0; i < n; i++) trainTrain.set(kernel.subarray(i * m, i * m + n), i * n);
  for (let i = 0; i < nTest; i++) testTrain.set(kernel.subarray((n + i) * m, (n + i) * m + n), i * n);
  return { trainTrain, testTrain };
}

export interface ClosedFormMse {
  /** Predictions on all M points after `step` full-batch steps, [M, k]. */
  at(step: number): Float64Array;
  /** Condition number of Theta(X, X) (largest over smallest eigenvalue; Infinity when singular). */
  condition: number;
  eigenvalueRange: [number, number];
}

export function closedFormMseGradientDescent(problem: KernelProblem, learningRate: number): ClosedFormMse {
  const { kernel, m, n, k, y } = problem;
  const nTest = m - n;
  const { trainTrain, testTrain } = kernelBlocks(kernel, m, n);
  const { values, vectors } = eighSymmetric(trainTrain, n);
  // r0 = f_0 - y = -y in eigen coordinates, kept transposed (k x N).
  const r0 = new Float64Array(n * k);
  for (let i = 0; i < n * k; i++) r0[i] = -y[i];
  const coords = eigenCoordinates(vectors, r0, n, k);
  // Theta(X*, X) V: [N*, N], formed once.
  const testBasis = new Float64Array(nTest * n);
  for (let i = 0; i < nTest; i++) {
    const ti = i * n;
    const out = testBasis.subarray(ti, ti + n);
    for (let p = 0; p < n; p++) {
      const t = testTrain[ti + p];
      if (t === 0) continue;
      const vp = p * n;
      for (let j = 0; j < n; j++) out[j] += t * vectors[vp + j];
    }
  }
  const scale = learningRate / (n * k);
  const a = values.map((lambda) => scale * lambda);
  return {
    condition: conditionFromEigenvalues(values),
    eigenvalueRange: [values[0], values[n - 1]],
    at(step: number): Float64Array {
      const f = new Float64Array(m * k);
      const decay = new Float64Array(k * n);
      const sums = new Float64Array(k * n);
      for (let j = 0; j < n; j++) {
        const g = Math.pow(1 - a[j], step);
        const s = a[j] === 0 ? step : (1 - g) / a[j];
        for (let c = 0; c < k; c++) {
          decay[c * n + j] = g * coords[c * n + j];
          sums[c * n + j] = s * coords[c * n + j];
        }
      }
      const trainResidual = fromEigenCoordinates(vectors, decay, n, k);
      for (let i = 0; i < n * k; i++) f[i] = y[i] + trainResidual[i];
      for (let i = 0; i < nTest; i++) {
        const row = testBasis.subarray(i * n, i * n + n);
        for (let c = 0; c < k; c++) {
          const w = sums.subarray(c * n, c * n + n);
          let acc = 0;
          for (let j = 0; j < n; j++) acc += row[j] * w[j];
          f[(n + i) * k + c] = -scale * acc;
        }
      }
      return f;
    },
  };
}

export interface GpPosterior {
  /** Posterior mean on all M points, [M, k]. */
  mean: Float64Array;
  diagReg: number;
  diagShift: number;
  /** Condition number estimate of the regularized K(X, X). */
  condition: number;
  /** Which solve ran, e.g. 'float32 Cholesky + float64 CG' (see solveSpdMixed) or 'float64 Cholesky'. */
  solver: string;
  /** Why the mixed solve fell back to float64, when it did. */
  fallback?: string;
  /** CG iterations of the mixed solve (0 on the float64 path). */
  iterations: number;
  /** Lanes of the mixed solve's float32 factorization (0 on the float64 path). */
  lanes: number;
  /** Largest normwise backward error of the solve over the outputs. */
  backwardError: number;
}

/**
 * Below this many training points the float64 Cholesky (engine/linalg/cholesky.ts) is exact and fast
 * (n = 1000: about 0.7 s), and the float32 preconditioner would save little; above it the cubic float64
 * factorization dominates (n = 8000: about a minute) and the mixed-precision solve takes over.
 */
export const NNGP_MIXED_MIN_N = 1024;

export interface NngpPosteriorOptions {
  /** 'auto' (default): float64 below NNGP_MIXED_MIN_N training points, mixed precision above. */
  solver?: 'auto' | 'float64' | 'mixed';
  /** Lanes of the mixed solve's float32 Cholesky (engine/linalg/choleskyLanes.ts); the posterior is the same for every count. */
  lanes?: number;
  signal?: AbortSignal;
}

export async function nngpPosterior(problem: KernelProblem, diagReg: number, options: NngpPosteriorOptions = {}): Promise<GpPosterior> {
  const { kernel, m, n, k, y } = problem;
  const { trainTrain, testTrain } = kernelBlocks(kernel, m, n);
  const targets = Float64Array.from(y as ArrayLike<number>);
  const choice = options.solver ?? 'auto';
  const mixed = choice === 'mixed' || (choice === 'auto' && n >= NNGP_MIXED_MIN_N);
  const solution = mixed ? await solveSpdMixed(trainTrain, n, targets, k, { diagReg, lanes: options.lanes, signal: options.signal }) : float64Solution(trainTrain, n, targets, k, diagReg);
  const mean = new Float64Array(m * k);
  // Train rows: K(X, X) x = y - r - s x exactly, from the float64 residual r the solve returns.
  for (let i = 0; i < n * k; i++) mean[i] = targets[i] - solution.residual[i] - solution.diagShift * solution.x[i];
  // Test rows: K(X*, X) x with the blocked float64 product.
  if (m > n) mean.set(matmul(testTrain, solution.x, m - n, n, k), n * k);
  return {
    mean,
    diagReg: solution.diagReg,
    diagShift: solution.diagShift,
    condition: solution.condition,
    solver: solution.solver,
    ...(solution.fallback ? { fallback: solution.fallback } : {}),
    iterations: solution.iterations,
    lanes: solution.lanes,
    backwardError: solution.backwardError,
  };
}

/** The float64 path with the same result shape as solveSpdMixed (residual computed in float64). */
function float64Solution(a: Float64Array, n: number, b: Float64Array, k: number, diagReg: number): MixedSpdSolution {
  const s = solveSpd(a, n, b, k, { diagReg });
  const ax = matmul(a, s.x, n, n, k);
  const residual = new Float64Array(n * k);
  for (let i = 0; i < n * k; i++) residual[i] = b[i] - ax[i] - s.diagShift * s.x[i];
  return {
    x: s.x, diagReg: s.diagReg, diagShift: s.diagShift, attempts: s.attempts, solver: 'float64 Cholesky', iterations: 0, lanes: 0,
    backwardError: normwiseBackwardError(a, n, s.diagShift, residual, s.x, b, k), relativeResidual: norm2(residual) / (norm2(b) || 1), residual,
    condition: choleskyConditionEstimate(s.l, n).condition,
  };
}

function norm2(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}
