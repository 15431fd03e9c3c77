/**
 * Full-batch MSE kernel dynamics (gradient descent, heavy-ball momentum) at research scale, without the
 * O(N^3) float64 eigendecomposition of kernelClosedForms.ts (SCIENCE.md section 5 for the dynamics).
 *
 * Both are linear in the kernel: with r_t = f_t(X) - y, a = eta / (N k) and A = a Theta(X, X),
 *   gradient descent:  u_t = r_t,                r_{t+1} = r_t - A u_t
 *   momentum mu:       u_t = mu u_{t-1} + r_t,   r_{t+1} = r_t - A u_t
 *   test points:       f_t(X*) = -a Theta(X*, X) S_t,   S_t = sum_{s<t} u_s
 * so r_t = g_t(Theta) r_0 and S_t = h_t(Theta) r_0 for scalar polynomials g_t, h_t given by the same
 * recurrences on a number. The predictions need those functions applied to the block r_0 = -y only, which
 * block Lanczos does in a Krylov space K_J(Theta, y) of a few hundred dimensions (Golub & Van Loan,
 * Matrix Computations, 4th ed., sections 10.1 and 10.3; Saad, Iterative Methods for Sparse Linear
 * Systems, 2nd ed., section 6.7, for functions of a matrix by Lanczos): with an orthonormal basis Q of K_J
 * and H = Q^T Theta Q = U diag(theta) U^T,
 *   r_t ~ Q U diag(g_t(theta)) U^T Q^T r_0,   S_t ~ Q U diag(h_t(theta)) U^T Q^T r_0.
 * The only O(N^2) work is one product Theta(X, X) Q_j per block (float32, on the tfjs backend:
 * engine/linalg/float32Matrix.ts) and one Theta(X*, X) Q at the end; the basis is kept orthonormal in
 * float64 by full reorthogonalization (classical Gram-Schmidt, twice).
 *
 * Convergence is checked a posteriori at growing J: no prediction at any logged step may change by more
 * than KRYLOV_TOLERANCE (relative to max |y|) between two checks. Whether the answer is honest is
 * tested against the float64 eigendecomposition (test/engine/train/krylovDynamics.test.ts).
 */
import { eighSymmetric } from '../linalg';
import { Float32Matrix } from '../linalg/float32Matrix';
import { CancelledError } from '../util/iwlError';
import type { KernelProblem } from './kernelDynamics';

/**
 * Convergence: the largest change any single prediction can have made between two checks (a bound, see
 * difference()), relative to max |y|. The float32 kernel products leave a floor near 1e-4 on that bound
 * (it then creeps up as more float32-perturbed directions enter), so a tighter value never converges;
 * at the floor the predictions' actual error is the float32 rounding of Theta itself, about
 * t (eta lambda_max / (N k)) 2^-24 max |y| after t steps (measured on 2000 MNIST digits: 7e-5 at t = 1000).
 */
export const KRYLOV_TOLERANCE = 1e-3;
/** From this many training points the Krylov path replaces the float64 eigendecomposition (n = 1000: ~3 s). */
export const KRYLOV_MIN_N = 1024;
/** Largest Krylov dimension before giving up (the caller falls back to the exact path). */
export const KRYLOV_MAX_DIMENSION = 2048;
/**
 * What one float64 multiply-add of this module's JavaScript costs, in float32 multiply-adds of a kernel
 * product on the tfjs backend (krylovBudget's unit): measured with wasm on one thread, a 10000 x 8000
 * float32 product with 10 columns ran at 9.4e9 multiply-adds per second, classical Gram-Schmidt over
 * 500 vectors of length 8000 at 0.40e9 (24 times slower) and eighSymmetric of order 600 in the time of
 * 26 J^3 such product multiply-adds.
 */
const SCRIPT_COST = 24;
const EIGH_COST = 26;
/** The Ritz checks' dimensions grow by CHECK_GROWTH, so their eigendecompositions sum to 1 / (1 - 1.4^-3) = 1.57 times the last. */
const CHECK_GROWTH = 1.4;

/** The dimension of the first convergence check for k outputs (the space has at most k starting vectors). */
export function firstKrylovCheck(k: number): number {
  return Math.max(32, 4 * k);
}

/**
 * The largest Krylov dimension worth trying when the alternative is the stepwise dynamics with float32
 * kernel products (kernelDynamics.ts: `steps` products Theta(all m points, X) u of m n k multiply-adds,
 * the path of heavy-ball momentum, which has no closed form). The space's work at dimension J, in the
 * backend's multiply-adds:
 *   J n^2                                    the products Theta q_j
 *   + SCRIPT_COST 2 J^2 n                    full reorthogonalization (Gram-Schmidt twice) in float64
 *   + EIGH_COST 1.57 J^3                     the Rayleigh-Ritz eigendecompositions at the checks
 * kept within half the stepwise work. A space that has not converged by then is given up, so a run pays
 * at most half again the stepwise time for having tried; a space that would have converged later would
 * have cost more than half the stepwise path anyway. It depends only on the sizes, so a run takes the
 * same path on every machine and every worker count. (On the 8000 + 2000 digits with momentum 0.9 and
 * 1000 steps, the research-scale benchmark's inf8k row, the space had not converged at 2048 after about
 * 200 s, while the stepwise path took 86 s.)
 */
export function krylovBudget(n: number, m: number, k: number, steps: number): number {
  const allowed = 0.5 * steps * m * n * k;
  const checks = 1 / (1 - CHECK_GROWTH ** -3);
  const work = (j: number) => j * n * n + SCRIPT_COST * 2 * j * j * n + EIGH_COST * checks * j ** 3;
  let lo = 0, hi = Math.min(n, KRYLOV_MAX_DIMENSION);
  if (work(hi) <= allowed) return hi;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (work(mid) <= allowed) lo = mid;
    else hi = mid;
  }
  return lo;
}
/** A new direction shorter than this, relative to the largest product norm so far, ends the space (deflation). */
const DEFLATION = 1e-5;

export interface LinearKernelDynamics {
  learningRate: number;
  /** Heavy-ball coefficient; 0 is gradient descent. */
  momentum: number;
}

export interface KrylovMseSolution {
  /** Predictions on all M points after `step` steps, [M, k]; `step` must be one of the requested steps. */
  at(step: number): Float64Array;
  /** Dimension of the Krylov space used. */
  dimension: number;
  /** Relative change at the last check (0 when the space became invariant). */
  change: number;
  /** Smallest and largest Ritz value: the largest is Theta's top eigenvalue, the smallest is above Theta's. */
  ritzRange: [number, number];
  /** Ritz ratio: a lower bound on cond_2(Theta(X, X)) (the smallest Ritz value overestimates lambda_min). */
  conditionLowerBound: number;
}

export interface KrylovOptions {
  tolerance?: number;
  maxDimension?: number;
  signal?: AbortSignal;
}

/**
 * Null when the space did not converge within maxDimension (the caller then runs the exact path and says
 * so). Yields to the event loop after every block so cancellation arrives.
 */
export async function krylovMseDynamics(
  problem: KernelProblem, dynamics: LinearKernelDynamics, steps: readonly number[], options: KrylovOptions = {},
): Promise<KrylovMseSolution | null> {
  const { kernel, m, n, k, y } = problem;
  const tolerance = options.tolerance ?? KRYLOV_TOLERANCE;
  const maxDimension = Math.min(n, options.maxDimension ?? KRYLOV_MAX_DIMENSION);
  const scale = dynamics.learningRate / (n * k);
  const logged = [...new Set(steps)].sort((p, q) => p - q);
  let yMax = 0;
  for (let i = 0; i < n * k; i++) yMax = Math.max(yMax, Math.abs(y[i]));
  if (yMax === 0) yMax = 1;
  let testDiag = 0;
  for (let i = n; i < m; i++) testDiag = Math.max(testDiag, kernel[i * m + i]);

  const theta = new Float32Matrix(kernel, n, n, m, 0);
  const basis: Float64Array[] = [];
  /** columns[j][i] = q_i . Theta q_j for i <= j (filled when Theta q_j is orthogonalized). */
  const columns: Float64Array[] = [];
  try {
    // The first block: an orthonormal basis of r_0 = -y, with r_0's coordinates in it.
    const startCoefficients: Float64Array[] = [];
    for (let c = 0; c < k; c++) {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = -y[i * k + c];
      const coefficients = new Float64Array(k);
      const before = Math.sqrt(sumSquares(v));
      const norm = orthogonalize(v, basis, coefficients);
      if (before > 0 && norm > 1e-12 * before) {
        coefficients[basis.length] = norm;
        scaleInPlace(v, 1 / norm);
        basis.push(v);
      }
      startCoefficients.push(coefficients);
    }
    // r0[p, c] = q_p . r_0[:, c]
    const b0 = basis.length;
    const r0 = new Float64Array(b0 * k);
    for (let c = 0; c < k; c++) for (let p = 0; p < b0; p++) r0[p * k + c] = startCoefficients[c][p];

    let done = 0; // vectors whose Theta q has been orthogonalized
    let largest = 0;
    let invariant = b0 === 0;
    /** A new direction was left out because the basis is at maxDimension. */
    let truncated = false;
    let previous: Evaluation | null = null;
    let nextCheck = Math.min(maxDimension, firstKrylovCheck(b0));
    for (;;) {
      if (options.signal?.aborted) throw new CancelledError();
      // One block: Theta applied to the vectors not yet expanded, in one product.
      const blockStart = done, blockEnd = basis.length;
      if (blockEnd > blockStart && !invariant) {
        const width = blockEnd - blockStart;
        const product = await theta.times(asColumns(basis, blockStart, blockEnd, n), width);
        for (let p = 0; p < width; p++) {
          const v = new Float64Array(n);
          for (let i = 0; i < n; i++) v[i] = product[i * width + p];
          largest = Math.max(largest, Math.sqrt(sumSquares(v)));
          const coefficients = new Float64Array(maxDimension + k);
          const norm = orthogonalize(v, basis, coefficients);
          columns.push(coefficients);
          done++;
          if (norm <= DEFLATION * largest) continue; // in the space already (deflation)
          if (basis.length >= maxDimension) {
            truncated = true;
            continue;
          }
          scaleInPlace(v, 1 / norm);
          basis.push(v);
        }
        if ((basis.length === done && !truncated) || done === n) invariant = true;
        await yieldToEventLoop();
      } else {
        invariant = true;
      }
      const full = truncated || done >= maxDimension;
      if (!invariant && !full && done < nextCheck) continue;
      const current = evaluate(columns, done, r0, b0, k, scale, dynamics.momentum, logged);
      const change = previous ? difference(current, previous, k, scale, testDiag, yMax) : Infinity;
      if (invariant || change <= tolerance) {
        return await finish(current, invariant ? 0 : change);
      }
      if (full) return null;
      previous = current;
      nextCheck = Math.min(maxDimension, Math.ceil(done * CHECK_GROWTH));
    }
  } finally {
    theta.dispose();
  }

  async function finish(result: Evaluation, change: number): Promise<KrylovMseSolution> {
    const dimension = result.dimension;
    // Theta(X*, X) Q, one float32 product, for the test rows.
    const nTest = m - n;
    let testBasis: Float64Array = new Float64Array(0);
    if (nTest > 0) {
      const packed = asColumns(basis, 0, dimension, n);
      const testTrain = new Float32Matrix(kernel, nTest, n, m, n * m);
      try {
        testBasis = await testTrain.times(packed, dimension);
      } finally {
        testTrain.dispose();
      }
    }
    const values = result.values;
    return {
      dimension,
      change,
      ritzRange: [values[0], values[dimension - 1]],
      conditionLowerBound: values[0] > 0 ? values[dimension - 1] / values[0] : Infinity,
      at(step: number): Float64Array {
        const index = logged.indexOf(step);
        if (index < 0) throw new RangeError(`krylovMseDynamics: step ${step} was not requested`);
        const residual = result.residuals[index], sums = result.sums[index];
        const f = new Float64Array(m * k);
        for (let i = 0; i < n * k; i++) f[i] = y[i];
        for (let p = 0; p < dimension; p++) {
          const q = basis[p];
          for (let c = 0; c < k; c++) {
            const w = residual[p * k + c];
            if (w === 0) continue;
            for (let i = 0; i < n; i++) f[i * k + c] += w * q[i];
          }
        }
        for (let i = 0; i < nTest; i++) {
          const row = i * dimension;
          for (let c = 0; c < k; c++) {
            let acc = 0;
            for (let p = 0; p < dimension; p++) acc += testBasis[row + p] * sums[p * k + c];
            f[(n + i) * k + c] = -scale * acc;
          }
        }
        return f;
      },
    };
  }
}

interface Evaluation {
  dimension: number;
  /** H = Q^T Theta Q on the first `dimension` basis vectors, [J, J]. */
  h: Float64Array;
  /** Ritz values, ascending. */
  values: Float64Array;
  /** Per logged step, the train residual's coordinates in the basis, [J, k]. */
  residuals: Float64Array[];
  /** Per logged step, S_t's coordinates in the basis, [J, k]. */
  sums: Float64Array[];
}

/** Rayleigh-Ritz on the first `j` basis vectors and the scalar recurrences at every Ritz value. */
function evaluate(
  columns: Float64Array[], j: number, r0: Float64Array, b0: number, k: number, scale: number, momentum: number, logged: number[],
): Evaluation {
  const h = new Float64Array(j * j);
  for (let col = 0; col < j; col++) {
    const c = columns[col];
    for (let row = 0; row <= col; row++) h[row * j + col] = h[col * j + row] = c[row];
  }
  const { values, vectors } = eighSymmetric(h, j);
  // Coordinates of r_0 in the Ritz basis: U^T r0 (r0 lives in the first b0 basis vectors).
  const ritz = new Float64Array(j * k);
  for (let p = 0; p < j; p++) {
    for (let c = 0; c < k; c++) {
      let acc = 0;
      for (let i = 0; i < b0; i++) acc += vectors[i * j + p] * r0[i * k + c];
      ritz[p * k + c] = acc;
    }
  }
  const gs = logged.map(() => new Float64Array(j));
  const hs = logged.map(() => new Float64Array(j));
  const last = logged[logged.length - 1] ?? 0;
  for (let p = 0; p < j; p++) {
    const a = scale * values[p];
    let r = 1, u = 0, s = 0, index = 0;
    for (let t = 0; t <= last; t++) {
      while (index < logged.length && logged[index] === t) {
        gs[index][p] = r;
        hs[index][p] = s;
        index++;
      }
      u = momentum * u + r;
      s += u;
      r -= a * u;
    }
  }
  const back = (weights: Float64Array): Float64Array => {
    const out = new Float64Array(j * k);
    for (let row = 0; row < j; row++) {
      for (let p = 0; p < j; p++) {
        const v = vectors[row * j + p] * weights[p];
        if (v === 0) continue;
        for (let c = 0; c < k; c++) out[row * k + c] += v * ritz[p * k + c];
      }
    }
    return out;
  };
  return { dimension: j, h, values, residuals: gs.map(back), sums: hs.map(back) };
}

/**
 * The largest change any single prediction can have made between two checks, relative to max |y|: per
 * output column, train entries by the 2-norm of the residual's coordinates, test entries by
 * a sqrt(max Theta(x*, x*)) ||dS||_H (Cauchy-Schwarz in the kernel's inner product, exact on span(Q)).
 */
function difference(current: Evaluation, previous: Evaluation, k: number, scale: number, testDiag: number, yMax: number): number {
  const { dimension: j, h } = current;
  let worst = 0;
  for (let t = 0; t < current.residuals.length; t++) {
    const dr = subtractPadded(current.residuals[t], previous.residuals[t]);
    const ds = subtractPadded(current.sums[t], previous.sums[t]);
    for (let c = 0; c < k; c++) {
      let rr = 0, energy = 0;
      for (let p = 0; p < j; p++) {
        rr += dr[p * k + c] ** 2;
        let acc = 0;
        for (let q = 0; q < j; q++) acc += h[p * j + q] * ds[q * k + c];
        energy += ds[p * k + c] * acc;
      }
      worst = Math.max(worst, Math.sqrt(rr) / yMax, (scale * Math.sqrt(testDiag * Math.max(0, energy))) / yMax);
    }
  }
  return worst;
}

/** Basis vectors from..to-1 (each of length n) as the columns of a row-major [n, to - from] matrix. */
function asColumns(basis: Float64Array[], from: number, to: number, n: number): Float64Array {
  const width = to - from;
  const out = new Float64Array(n * width);
  for (let p = 0; p < width; p++) {
    const q = basis[from + p];
    for (let i = 0; i < n; i++) out[i * width + p] = q[i];
  }
  return out;
}

/** a - b where b may be shorter (padded with zeros). */
function subtractPadded(a: Float64Array, b: Float64Array): Float64Array {
  const out = Float64Array.from(a);
  for (let i = 0; i < b.length; i++) out[i] -= b[i];
  return out;
}

/**
 * v -= Q (Q^T v), twice (classical Gram-Schmidt with one reorthogonalization: "twice is enough",
 * Giraud et al., Numer. Math. 2005), accumulating Q^T v into `coefficients`; returns ||v|| after.
 */
function orthogonalize(v: Float64Array, basis: Float64Array[], coefficients: Float64Array): number {
  const n = v.length;
  const count = basis.length;
  const c = new Float64Array(count);
  for (let pass = 0; pass < 2; pass++) {
    for (let p = 0; p < count; p++) {
      const q = basis[p];
      let acc = 0;
      for (let i = 0; i < n; i++) acc += q[i] * v[i];
      c[p] = acc;
    }
    for (let p = 0; p < count; p++) {
      const q = basis[p], w = c[p];
      for (let i = 0; i < n; i++) v[i] -= w * q[i];
      coefficients[p] += w;
    }
  }
  return Math.sqrt(sumSquares(v));
}

function sumSquares(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return s;
}

function scaleInPlace(v: Float64Array, factor: number): void {
  for (let i = 0; i < v.length; i++) v[i] *= factor;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
