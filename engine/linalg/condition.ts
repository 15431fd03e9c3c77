/**
 * Condition numbers of symmetric positive (semi)definite matrices, so every kernel solve can report how
 * many digits it may lose: a relative error eps in A or b can become cond(A) * eps in the solution.
 * cond_2(A) = lambda_max / lambda_min for SPD A.
 */
import { checkDim, checkLength } from './blas';
import { choleskySolve } from './cholesky';
import { Rng } from '../util/rng';

/**
 * cond_2 from eigenvalues (any order): max |lambda| / min |lambda|. Infinity when some eigenvalue is 0,
 * and also when eigenvalues have both signs beyond rounding (the matrix is then not SPD, and an SPD solve
 * with it is meaningless). 1 for an empty matrix.
 */
export function conditionFromEigenvalues(values: ArrayLike<number>): number {
  if (values.length === 0) return 1;
  let maxAbs = 0, minAbs = Infinity, min = Infinity;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    maxAbs = Math.max(maxAbs, Math.abs(x));
    minAbs = Math.min(minAbs, Math.abs(x));
    min = Math.min(min, x);
  }
  if (min <= 0) return Infinity;
  return maxAbs / minAbs;
}

/**
 * A lower bound on cond_2(A) from its Cholesky factor L, in O(n^2):
 *   max_i a_ii / min_i L_ii^2,   where a_ii = sum_j L_ij^2.
 * Why it is a lower bound: lambda_max >= max_i a_ii (a diagonal entry is a Rayleigh quotient), and
 * L_ii^2 = 1 / ((A_i)^{-1})_ii for the leading i x i block A_i, which is >= lambda_min(A_i) >= lambda_min(A)
 * (interlacing), so lambda_min <= min_i L_ii^2. It is at least the ratio of extreme squared pivots
 * max L_ii^2 / min L_ii^2, often far below cond_2 (for a Hilbert matrix, by orders of magnitude);
 * choleskyConditionEstimate is the sharper figure.
 */
export function choleskyConditionBound(l: Float64Array, n: number): number {
  checkDim('choleskyConditionBound', 'n', n);
  checkLength('choleskyConditionBound: L', l, n * n, `${n} x ${n}`);
  if (n === 0) return 1;
  let maxDiagonal = 0, minPivot = Infinity;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = 0;
    for (let j = 0; j <= i; j++) s += l[ri + j] * l[ri + j];
    maxDiagonal = Math.max(maxDiagonal, s);
    minPivot = Math.min(minPivot, l[ri + i] * l[ri + i]);
  }
  return minPivot > 0 ? maxDiagonal / minPivot : Infinity;
}

export interface ConditionEstimate {
  /** The estimate of cond_2(A) = lambda_max / lambda_min: itself a lower bound, usually within a few percent. */
  condition: number;
  /** Lower estimate of lambda_max (power iteration on A = L L^T). */
  lambdaMax: number;
  /** Upper estimate of lambda_min (power iteration on A^{-1} through two triangular solves per step). */
  lambdaMin: number;
  /** The guaranteed O(n^2) bound of choleskyConditionBound, for reference. */
  bound: number;
}

/**
 * Estimates cond_2(A) from A's Cholesky factor in O(iterations * n^2): power iteration on A = L L^T for
 * lambda_max and on A^{-1} for 1/lambda_min, from a fixed pseudo-random start (deterministic). Rayleigh
 * quotients never exceed the extreme eigenvalues, so `condition` never overestimates; it converges
 * at rate (lambda_2/lambda_1)^iterations, and when the top two eigenvalues are nearly equal the estimate
 * is still close because then either of them is a good value. Never less than the guaranteed bound.
 */
export function choleskyConditionEstimate(l: Float64Array, n: number, iterations = 20): ConditionEstimate {
  const bound = choleskyConditionBound(l, n);
  if (n === 0) return { condition: 1, lambdaMax: 0, lambdaMin: 0, bound };
  const rng = new Rng(0x5eed);
  const lambdaMax = powerIteration(n, rng, iterations, (x) => lowerTimesLowerT(l, n, x));
  const inverseMax = powerIteration(n, rng, iterations, (x) => choleskySolve(l, n, x, 1));
  const lambdaMin = 1 / inverseMax;
  return { condition: Math.max(bound, lambdaMax / lambdaMin), lambdaMax, lambdaMin, bound };
}

/** The largest eigenvalue's Rayleigh quotient after `iterations` power steps of a symmetric PSD operator. */
function powerIteration(n: number, rng: Rng, iterations: number, apply: (x: Float64Array) => Float64Array): number {
  let x: Float64Array = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = 1 + 0.5 * rng.normal();
  normalize(x);
  let rayleigh = 0;
  for (let t = 0; t < iterations; t++) {
    const y = apply(x);
    let dot = 0;
    for (let i = 0; i < n; i++) dot += x[i] * y[i];
    rayleigh = dot;
    if (normalize(y) === 0) return 0;
    x = y;
  }
  return rayleigh;
}

function normalize(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  const norm = Math.sqrt(s);
  if (norm > 0) for (let i = 0; i < x.length; i++) x[i] /= norm;
  return norm;
}

/** L (L^T x) for lower triangular L. */
function lowerTimesLowerT(l: Float64Array, n: number, x: Float64Array): Float64Array {
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const xi = x[i], ri = i * n;
    for (let j = 0; j <= i; j++) t[j] += l[ri + j] * xi;
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = 0;
    for (let j = 0; j <= i; j++) s += l[ri + j] * t[j];
    y[i] = s;
  }
  return y;
}
