/**
 * Mixed-precision SPD solve: (A + s I) X = B, s = diagReg * mean(diag A), to float64 accuracy with the
 * O(n^3) work in float32 on the tfjs backend.
 *
 * The float32 Cholesky factor L32 (choleskyFloat32.ts) is the preconditioner M = (L32 L32^T)^{-1} of a
 * conjugate gradient iteration whose residuals r = B - (A + s I) X are float64 (blas.ts matmul), one
 * independent CG per right-hand side. It stops when every column's normwise backward error
 *   eta = ||r||_inf / (||A + s I||_inf ||x||_inf + ||b||_inf)            (Rigal-Gaches; Higham, ch. 7)
 * is below MIXED_BACKWARD_TOL, verified on a freshly computed residual. Then X solves a system within
 * eta of the requested one: the same guarantee a float64 Cholesky solve gives (its backward error is
 * O(n eps_64)), so downstream accuracy is the float64 path's.
 *
 * When the float32 factorization fails (A + s I is not definite to float32 precision: condition
 * near 1/eps_32) or CG does not converge in maxIterations, it falls back to the float64 solveSpd with
 * its diagonal-regularization ladder, and the result says so (`solver`, `fallback`).
 */
import * as tf from '@tensorflow/tfjs';
import { IwlError } from '../util/iwlError';
import { errorMessage } from '../contract/errors';
import { Rng } from '../util/rng';
import { checkDim, checkLength, matmul } from './blas';
import { choleskyFloat32, Float32Cholesky, lanesFor } from './choleskyFloat32';
import { activeBackend, defaultBackend } from '../backend';
import { solveSpd, type SolveSpdOptions } from './cholesky';
import { choleskyConditionEstimate } from './condition';

/**
 * Target backward error. A float64 Cholesky solve at n ~ 10^4 guarantees a backward error of order
 * n eps_64 ~ 1e-12 (Higham, Thm 10.4) and usually reaches 1e-15; 1e-13 asks for at least the guarantee
 * and stays above the ~sqrt(n) eps_64 rounding floor of the float64 residual itself.
 */
export const MIXED_BACKWARD_TOL = 1e-13;
/** CG steps before falling back: with a float32 Cholesky preconditioner CG needs a handful at cond <~ 1e6. */
export const MIXED_MAX_ITERATIONS = 50;
/** Power-iteration steps of the condition estimate (as choleskyConditionEstimate, fewer: each is O(n^2 k)). */
const CONDITION_ITERATIONS = 12;
/** Start vectors iterated together for the condition estimate (one matMul serves them all). */
const CONDITION_VECTORS = 4;

export interface MixedSolveOptions extends SolveSpdOptions {
  tolerance?: number;
  maxIterations?: number;
  /** Lanes of the float32 factorization (choleskyFloat32.ts); the solution is the same for every count. */
  lanes?: number;
  /** Cancels the float32 factorization (its lanes end at once). */
  signal?: AbortSignal;
}

export interface MixedSpdSolution {
  /** The n x k solution of (A + diagShift I) X = B. */
  x: Float64Array;
  diagReg: number;
  diagShift: number;
  /** Factorizations attempted (float32 and, on fallback, float64). */
  attempts: number;
  /** Which path produced x. */
  solver: 'float32 Cholesky + float64 CG' | 'float64 Cholesky';
  /** Why the float32 path was not used, when it was not. */
  fallback?: string;
  /** CG iterations (0 for the float64 path). */
  iterations: number;
  /** Lanes the float32 factorization ran on (lanesFor; 0 when the float32 path was not taken). */
  lanes: number;
  /** Largest normwise backward error over the columns, from a float64 residual. */
  backwardError: number;
  /** Largest ||r|| / ||b|| over the columns (2-norms). */
  relativeResidual: number;
  /** The float64 residual B - (A + s I) X, n x k (the train-point predictions need it). */
  residual: Float64Array;
  /** Estimate of cond_2(A + s I) (a lower estimate, as choleskyConditionEstimate). */
  condition: number;
}

export async function solveSpdMixed(a: Float64Array, n: number, b: Float64Array, k: number, options: MixedSolveOptions = {}): Promise<MixedSpdSolution> {
  checkDim('solveSpdMixed', 'n', n);
  checkDim('solveSpdMixed', 'k', k);
  checkLength('solveSpdMixed: A', a, n * n, `${n} x ${n}`);
  checkLength('solveSpdMixed: B', b, n * k, `${n} x ${k}`);
  const diagReg = options.diagReg ?? 0;
  if (!(diagReg >= 0) || !Number.isFinite(diagReg)) {
    throw new IwlError('INVALID_ARGUMENT', `solveSpdMixed: diagReg must be a finite number >= 0, got ${diagReg}`);
  }
  const tolerance = options.tolerance ?? MIXED_BACKWARD_TOL;
  const maxIterations = options.maxIterations ?? MIXED_MAX_ITERATIONS;
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i];
  const meanDiagonal = n > 0 ? trace / n : 0;
  if (n === 0 || !(meanDiagonal > 0) || !Number.isFinite(meanDiagonal)) return float64Path(a, n, b, k, options, 0, 'the matrix is empty or its mean diagonal is not positive');
  const shift = diagReg * meanDiagonal;
  const lanes = lanesFor(options.lanes ?? 1, activeBackend()?.name ?? defaultBackend, n);
  let factor: Float32Cholesky;
  try {
    factor = new Float32Cholesky(await choleskyFloat32(a, n, shift, { lanes, signal: options.signal }), n);
  } catch (error) {
    if (!(error instanceof IwlError) || error.code !== 'NOT_POSITIVE_DEFINITE') throw error;
    return float64Path(a, n, b, k, options, 1, `float32 factorization failed (${errorMessage(error)})`);
  }
  try {
    const cg = await preconditionedCg(a, n, b, k, shift, factor, tolerance, maxIterations);
    if (!cg.converged) {
      return float64Path(a, n, b, k, options, 1,
        `float64 CG reached backward error ${cg.backwardError.toExponential(2)} > ${tolerance} after ${cg.iterations} iterations`);
    }
    return {
      x: cg.x, diagReg, diagShift: shift, attempts: 1, solver: 'float32 Cholesky + float64 CG', iterations: cg.iterations, lanes,
      backwardError: cg.backwardError, relativeResidual: relativeResidual(cg.r, b, n, k), residual: cg.r,
      condition: await conditionEstimate(a, n, shift, factor),
    };
  } finally {
    factor.dispose();
  }
}

function float64Path(a: Float64Array, n: number, b: Float64Array, k: number, options: SolveSpdOptions, attempts: number, reason: string): MixedSpdSolution {
  const s = solveSpd(a, n, b, k, options);
  const r = residualOf(a, n, b, k, s.diagShift, s.x);
  return {
    x: s.x, diagReg: s.diagReg, diagShift: s.diagShift, attempts: attempts + s.attempts, solver: 'float64 Cholesky',
    fallback: reason, iterations: 0, lanes: 0, backwardError: backwardError(r, s.x, b, n, k, normInf(a, n, s.diagShift)),
    relativeResidual: relativeResidual(r, b, n, k), residual: r, condition: choleskyConditionEstimate(s.l, n).condition,
  };
}

/** B - (A + s I) X in float64. */
function residualOf(a: Float64Array, n: number, b: Float64Array, k: number, shift: number, x: Float64Array): Float64Array {
  const ax = matmul(a, x, n, n, k);
  const r = new Float64Array(n * k);
  for (let i = 0; i < n * k; i++) r[i] = b[i] - ax[i] - shift * x[i];
  return r;
}

/** ||A + s I||_inf, the largest absolute row sum. */
function normInf(a: Float64Array, n: number, shift: number): number {
  let max = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.abs(a[i * n + j] + (i === j ? shift : 0));
    max = Math.max(max, s);
  }
  return max;
}

/** Largest normwise backward error over the k columns of a solve of (A + s I) X = B with residual R. */
export function normwiseBackwardError(a: Float64Array, n: number, shift: number, r: Float64Array, x: Float64Array, b: Float64Array, k: number): number {
  return backwardError(r, x, b, n, k, normInf(a, n, shift));
}

function backwardError(r: Float64Array, x: Float64Array, b: Float64Array, n: number, k: number, aNorm: number): number {
  let worst = 0;
  for (let c = 0; c < k; c++) {
    let rn = 0, xn = 0, bn = 0;
    for (let i = 0; i < n; i++) {
      rn = Math.max(rn, Math.abs(r[i * k + c]));
      xn = Math.max(xn, Math.abs(x[i * k + c]));
      bn = Math.max(bn, Math.abs(b[i * k + c]));
    }
    const den = aNorm * xn + bn;
    worst = Math.max(worst, den > 0 ? rn / den : rn > 0 ? Infinity : 0);
  }
  return worst;
}

function relativeResidual(r: Float64Array, b: Float64Array, n: number, k: number): number {
  let worst = 0;
  for (let c = 0; c < k; c++) {
    let rn = 0, bn = 0;
    for (let i = 0; i < n; i++) { rn += r[i * k + c] ** 2; bn += b[i * k + c] ** 2; }
    worst = Math.max(worst, bn > 0 ? Math.sqrt(rn / bn) : Math.sqrt(rn));
  }
  return worst;
}

/** Per-column sums of products of two n x k matrices. */
function columnDots(u: Float64Array, v: Float64Array, n: number, k: number): Float64Array {
  const d = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) d[c] += u[i * k + c] * v[i * k + c];
  return d;
}

interface CgResult { x: Float64Array; r: Float64Array; iterations: number; backwardError: number; converged: boolean }

/**
 * k independent preconditioned CG iterations sharing one matrix product per step. The recursive residual
 * decides when to check; the check recomputes r in float64 and restarts CG from it when the recursive
 * residual had drifted.
 */
async function preconditionedCg(a: Float64Array, n: number, b: Float64Array, k: number, shift: number, factor: Float32Cholesky,
  tolerance: number, maxIterations: number): Promise<CgResult> {
  const aNorm = normInf(a, n, shift);
  let x: Float64Array = await factor.solve(b, k);
  let r = residualOf(a, n, b, k, shift, x);
  let eta = backwardError(r, x, b, n, k, aNorm);
  let iterations = 0;
  while (eta > tolerance && iterations < maxIterations) {
    // (Re)start: p = z = M r.
    let z = await factor.solve(r, k);
    const p = Float64Array.from(z);
    let rz = columnDots(r, z, n, k);
    let recursiveOk = false;
    while (iterations < maxIterations) {
      iterations++;
      const q = residualOf(a, n, new Float64Array(n * k), k, shift, p); // -(A + sI) p
      const pq = columnDots(p, q, n, k);
      for (let c = 0; c < k; c++) {
        const alpha = pq[c] !== 0 ? rz[c] / -pq[c] : 0;
        for (let i = 0; i < n; i++) {
          x[i * k + c] += alpha * p[i * k + c];
          r[i * k + c] += alpha * q[i * k + c];
        }
      }
      if (backwardError(r, x, b, n, k, aNorm) <= tolerance / 2) { recursiveOk = true; break; }
      z = await factor.solve(r, k);
      const rzNew = columnDots(r, z, n, k);
      for (let c = 0; c < k; c++) {
        const beta = rz[c] !== 0 ? rzNew[c] / rz[c] : 0;
        for (let i = 0; i < n; i++) p[i * k + c] = z[i * k + c] + beta * p[i * k + c];
      }
      rz = rzNew;
    }
    r = residualOf(a, n, b, k, shift, x);
    eta = backwardError(r, x, b, n, k, aNorm);
    if (!recursiveOk) break;
  }
  return { x, r, iterations, backwardError: eta, converged: eta <= tolerance };
}

/**
 * cond_2(A + s I) estimate: power iteration on A + s I (float32 products) for lambda_max and on its
 * inverse through the float32 factor for 1 / lambda_min, CONDITION_VECTORS start vectors at once; the
 * largest Rayleigh quotients. Like choleskyConditionEstimate it never overestimates lambda_max; the
 * float32 factor is the exact factor of a matrix within ~n eps_32 ||A|| of A + s I, so lambda_min is
 * accurate while it is well above that (then the solve is accurate too).
 */
async function conditionEstimate(a: Float64Array, n: number, shift: number, factor: Float32Cholesky): Promise<number> {
  const v = CONDITION_VECTORS;
  const rng = new Rng(0x5eed);
  const start = (): Float64Array => {
    const x = new Float64Array(n * v);
    for (let i = 0; i < x.length; i++) x[i] = 1 + 0.5 * rng.normal();
    return x;
  };
  // lambda_max through a float32 copy of A + s I on the backend: one memory-bound matMul per step instead of a
  // float64 product in JS; float32 rounding moves it by ~1e-7 relative, immaterial to a condition estimate.
  const a32 = new Float32Array(n * n);
  for (let i = 0; i < n * n; i++) a32[i] = a[i];
  for (let i = 0; i < n; i++) a32[i * n + i] += shift;
  const aTensor = tf.tensor2d(a32, [n, n]);
  let lambdaMax: number;
  try {
    lambdaMax = await blockPower(start(), n, v, async (x) => {
      const y = tf.tidy(() => tf.matMul(aTensor, tf.tensor2d(Float32Array.from(x), [n, v])));
      try {
        return Float64Array.from(await y.data());
      } finally {
        y.dispose();
      }
    });
  } finally {
    aTensor.dispose();
  }
  const inverseMax = await blockPower(start(), n, v, (x) => factor.solve(x, v));
  return inverseMax > 0 ? lambdaMax * inverseMax : Infinity;
}

async function blockPower(x: Float64Array, n: number, v: number, apply: (x: Float64Array) => Promise<Float64Array>): Promise<number> {
  let best = 0;
  for (let t = 0; t < CONDITION_ITERATIONS; t++) {
    const norms = columnDots(x, x, n, v);
    for (let i = 0; i < n; i++) for (let c = 0; c < v; c++) x[i * v + c] /= Math.sqrt(norms[c]) || 1;
    const y = await apply(x);
    const rq = columnDots(x, y, n, v);
    best = Math.max(best, ...rq);
    x = y;
  }
  return best;
}
