/**
 * Cholesky factorization and symmetric positive definite solves in float64.
 *
 * A = L L^T with L lower triangular (row-major n x n, upper triangle zero). Blocked right-looking
 * algorithm: for each block column of NB columns, factor the diagonal block, solve the panel below it
 * row by row, then subtract panel * panel^T from the trailing lower triangle with the register-blocked
 * gemmNT kernel (which does n^3/3 of the n^3/3 + O(n^2 NB) flops).
 */
import { IwlError } from '../util/iwlError';
import { addDiagonal, checkDim, checkLength, gemmNT } from './blas';

/** Block width: the panel (n x NB) is reused by every row block of the trailing update. */
const NB = 64;
/** Rows per trailing-update call. */
const ROW_BLOCK = 128;

/**
 * The lower Cholesky factor L of a symmetric positive definite n x n matrix A (only A's lower triangle is
 * read). Throws IwlError('NOT_POSITIVE_DEFINITE') naming the first pivot d_j = A_jj - sum_{p<j} L_jp^2
 * that is not positive (or not finite), and its value.
 */
export function cholesky(a: Float64Array, n: number): Float64Array {
  checkDim('cholesky', 'n', n);
  checkLength('cholesky: A', a, n * n, `${n} x ${n}`);
  const l = Float64Array.from(a);
  for (let k0 = 0; k0 < n; k0 += NB) {
    const k1 = Math.min(n, k0 + NB);
    factorDiagonalBlock(l, n, k0, k1);
    solvePanel(l, n, k0, k1);
    for (let i0 = k1; i0 < n; i0 += ROW_BLOCK) {
      const i1 = Math.min(n, i0 + ROW_BLOCK);
      // Rows i0..i1 of the trailing lower triangle, columns k1..i1 (the small triangle above the diagonal
      // inside the block is computed too and cleared at the end; it is never read).
      gemmNT(i1 - i0, i1 - k1, k1 - k0, -1, l, i0 * n + k0, n, l, k1 * n + k0, n, l, i0 * n + k1, n);
    }
  }
  for (let i = 0; i < n; i++) l.fill(0, i * n + i + 1, (i + 1) * n);
  return l;
}

function factorDiagonalBlock(l: Float64Array, n: number, k0: number, k1: number): void {
  for (let j = k0; j < k1; j++) {
    const rj = j * n;
    let d = l[rj + j];
    for (let p = k0; p < j; p++) d -= l[rj + p] * l[rj + p];
    if (!(d > 0) || !Number.isFinite(d)) throw notPositiveDefinite(j, d, n);
    const ljj = Math.sqrt(d);
    l[rj + j] = ljj;
    for (let i = j + 1; i < k1; i++) {
      const ri = i * n;
      let s = l[ri + j];
      for (let p = k0; p < j; p++) s -= l[ri + p] * l[rj + p];
      l[ri + j] = s / ljj;
    }
  }
}

/** L[i, k0:k1] for rows i >= k1: solves x L[k0:k1, k0:k1]^T = A[i, k0:k1] (forward substitution per row). */
function solvePanel(l: Float64Array, n: number, k0: number, k1: number): void {
  for (let i = k1; i < n; i++) {
    const ri = i * n;
    for (let j = k0; j < k1; j++) {
      const rj = j * n;
      let s = l[ri + j];
      for (let p = k0; p < j; p++) s -= l[ri + p] * l[rj + p];
      l[ri + j] = s / l[rj + j];
    }
  }
}

function notPositiveDefinite(j: number, d: number, n: number): IwlError {
  return new IwlError(
    'NOT_POSITIVE_DEFINITE',
    `cholesky: the ${n} x ${n} matrix is not positive definite: pivot ${j} is ${d} ` +
      '(numerically singular or indefinite; a diagonal regularizer diagReg > 0 makes a kernel matrix definite)',
  );
}

/**
 * X = (L L^T)^{-1} B for a lower Cholesky factor L (n x n) and B (n x k, k right-hand sides): forward
 * substitution L Y = B, then back substitution L^T X = Y. Both sweep rows of L (contiguous) and rows of
 * the right-hand sides. Cost 2 n^2 k flops. B is not modified.
 */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array, k: number): Float64Array {
  checkDim('choleskySolve', 'n', n);
  checkDim('choleskySolve', 'k', k);
  checkLength('choleskySolve: L', l, n * n, `${n} x ${n}`);
  checkLength('choleskySolve: B', b, n * k, `${n} x ${k}`);
  const x = Float64Array.from(b);
  if (k === 1) {
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      let s = x[i];
      for (let p = 0; p < i; p++) s -= l[ri + p] * x[p];
      x[i] = s / l[ri + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      const ri = i * n;
      const xi = x[i] / l[ri + i];
      x[i] = xi;
      for (let p = 0; p < i; p++) x[p] -= l[ri + p] * xi;
    }
    return x;
  }
  for (let i = 0; i < n; i++) {
    const ri = i * n, xi = i * k;
    for (let p = 0; p < i; p++) {
      const lip = l[ri + p];
      if (lip === 0) continue;
      const xp = p * k;
      for (let c = 0; c < k; c++) x[xi + c] -= lip * x[xp + c];
    }
    const inv = 1 / l[ri + i];
    for (let c = 0; c < k; c++) x[xi + c] *= inv;
  }
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n, xi = i * k;
    const inv = 1 / l[ri + i];
    for (let c = 0; c < k; c++) x[xi + c] *= inv;
    for (let p = 0; p < i; p++) {
      const lip = l[ri + p];
      if (lip === 0) continue;
      const xp = p * k;
      for (let c = 0; c < k; c++) x[xp + c] -= lip * x[xi + c];
    }
  }
  return x;
}

/** log det A = 2 sum_i log L_ii from A's Cholesky factor (the GP marginal likelihood needs it). */
export function logDetFromCholesky(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i]);
  return 2 * s;
}

export interface SolveSpdOptions {
  /**
   * Diagonal regularizer relative to the mean diagonal: the solve factors A + diagReg * (tr A / n) * I
   * (the neural-tangents convention, so one value suits kernels of any scale). Default 0.
   */
  diagReg?: number;
  /** Largest relative regularizer the retries may reach before giving up. Default 1e-2. */
  maxDiagReg?: number;
}

export interface SpdSolution {
  /** The n x k solution X of (A + diagReg * mean(diag A) * I) X = B. */
  x: Float64Array;
  /** Lower Cholesky factor of the regularized matrix, for further solves with the same matrix. */
  l: Float64Array;
  /** The relative regularizer actually used (diagReg, or larger if retries were needed). */
  diagReg: number;
  /** The absolute shift added to the diagonal: diagReg * mean(diag A). */
  diagShift: number;
  /** How many factorizations were attempted (1 when the first succeeded). */
  attempts: number;
}

/** First regularizer tried after a failure when the caller asked for none: a few ulps per row, relative. */
export function firstRetryDiagReg(n: number): number {
  return Math.max(1e-12, n * Number.EPSILON);
}

/**
 * Solves the symmetric positive definite system (A + s I) X = B, s = diagReg * mean(diag A), for n x k B.
 * If the factorization fails (A is singular or indefinite to working precision), retries with diagReg
 * multiplied by 10 (starting from firstRetryDiagReg(n) when diagReg is 0) until it succeeds or would
 * exceed maxDiagReg, then throws IwlError('NOT_POSITIVE_DEFINITE'). The result reports the regularizer used.
 */
export function solveSpd(a: Float64Array, n: number, b: Float64Array, k: number, options: SolveSpdOptions = {}): SpdSolution {
  checkDim('solveSpd', 'n', n);
  checkLength('solveSpd: A', a, n * n, `${n} x ${n}`);
  checkLength('solveSpd: B', b, n * k, `${n} x ${k}`);
  const requested = options.diagReg ?? 0;
  const maxDiagReg = options.maxDiagReg ?? 1e-2;
  if (!(requested >= 0) || !Number.isFinite(requested)) {
    throw new IwlError('INVALID_ARGUMENT', `solveSpd: diagReg must be a finite number >= 0, got ${requested}`);
  }
  if (n === 0) return { x: new Float64Array(0), l: new Float64Array(0), diagReg: requested, diagShift: 0, attempts: 0 };
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i];
  const meanDiagonal = trace / n;
  if (!(meanDiagonal > 0) || !Number.isFinite(meanDiagonal)) {
    throw new IwlError(
      'NOT_POSITIVE_DEFINITE',
      `solveSpd: the ${n} x ${n} matrix cannot be positive definite: its mean diagonal is ${meanDiagonal}`,
    );
  }
  let diagReg = requested;
  let attempts = 0;
  let lastError: unknown;
  let lastTried = diagReg;
  while (diagReg <= Math.max(maxDiagReg, requested)) {
    attempts++;
    lastTried = diagReg;
    const diagShift = diagReg * meanDiagonal;
    try {
      const l = cholesky(addDiagonal(a, n, diagShift), n);
      return { x: choleskySolve(l, n, b, k), l, diagReg, diagShift, attempts };
    } catch (error) {
      if (!(error instanceof IwlError) || error.code !== 'NOT_POSITIVE_DEFINITE') throw error;
      lastError = error;
    }
    // Rounded to 12 digits so the reported ladder reads 1e-12, 1e-11, ... rather than 9.999999999999998e-12.
    diagReg = diagReg === 0 ? firstRetryDiagReg(n) : Number((diagReg * 10).toPrecision(12));
  }
  throw new IwlError(
    'NOT_POSITIVE_DEFINITE',
    `solveSpd: the ${n} x ${n} matrix is not positive definite even with diagReg ${lastTried} ` +
      `(relative to its mean diagonal ${meanDiagonal}); ${attempts} factorizations failed. ` +
      'The kernel is likely indefinite (check for NaN inputs or a non-kernel matrix)',
    { cause: lastError },
  );
}
