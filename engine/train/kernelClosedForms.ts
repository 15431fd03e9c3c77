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
 */
import { eighSymmetric, eigenCoordinates, fromEigenCoordinates, conditionFromEigenvalues, solveSpd, choleskyConditionEstimate } from '../linalg';
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
}

export function nngpPosterior(problem: KernelProblem, diagReg: number): GpPosterior {
  const { kernel, m, n, k, y } = problem;
  const { trainTrain } = kernelBlocks(kernel, m, n);
  const solution = solveSpd(trainTrain, n, Float64Array.from(y as ArrayLike<number>), k, { diagReg });
  const mean = new Float64Array(m * k);
  for (let a = 0; a < m; a++) {
    const row = kernel.subarray(a * m, a * m + n);
    for (let c = 0; c < k; c++) {
      let acc = 0;
      for (let j = 0; j < n; j++) acc += row[j] * solution.x[j * k + c];
      mean[a * k + c] = acc;
    }
  }
  return {
    mean,
    diagReg: solution.diagReg,
    diagShift: solution.diagShift,
    condition: choleskyConditionEstimate(solution.l, n).condition,
  };
}
