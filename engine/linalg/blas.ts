/**
 * Dense float64 matrix products in plain TypeScript (tfjs has no float64).
 *
 * Every matrix is a row-major Float64Array, the layout of engine/util/matrix.ts: element (i, j) of an
 * m x n matrix sits at index i * n + j. Shapes are passed explicitly and checked. Results are new arrays
 * unless a function says it accumulates into an argument.
 *
 * Speed: the core is `gemmNT`, C += alpha A B^T, computed as dot products of contiguous rows with a 4 x 2
 * register block (8 independent accumulators, 6 loads per 8 multiply-adds) and cache blocking over the
 * inner dimension and the columns. On one core of this project's machines it reaches about 4 GFLOP/s,
 * against about 1.2 GFLOP/s for a plain i-k-j loop. `matmul` packs B^T once and calls it.
 */

/** Inner-dimension block: 4 rows of A plus COL_BLOCK rows of B, KB long, stay in L1/L2. */
const KB = 256;
/** Column block: COL_BLOCK rows of B (KB values each) are reused by every 4-row group of A. */
const COL_BLOCK = 64;

export function checkLength(what: string, array: ArrayLike<number>, expected: number, shape: string): void {
  if (array.length !== expected) {
    throw new RangeError(`${what}: expected ${shape} = ${expected} values, got ${array.length}`);
  }
}

export function checkDim(what: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${what}: ${name} must be a non-negative integer, got ${value}`);
}

/**
 * C[i, j] += alpha * sum_p A[i, p] * B[j, p]   for i < m, j < n, p < k  (C += alpha A B^T).
 * A's row i starts at aOff + i * lda, B's row j at bOff + j * ldb, C's element (i, j) at cOff + i * ldc + j.
 * A and B may be the same array (for example two panels of one matrix); C must not overlap them.
 */
export function gemmNT(
  m: number, n: number, k: number, alpha: number,
  a: Float64Array, aOff: number, lda: number,
  b: Float64Array, bOff: number, ldb: number,
  c: Float64Array, cOff: number, ldc: number,
): void {
  for (let p0 = 0; p0 < k; p0 += KB) {
    const p1 = Math.min(k, p0 + KB);
    for (let j0 = 0; j0 < n; j0 += COL_BLOCK) {
      const j1 = Math.min(n, j0 + COL_BLOCK);
      let i = 0;
      for (; i + 3 < m; i += 4) {
        const a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        const c0 = cOff + i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        let j = j0;
        for (; j + 1 < j1; j += 2) {
          const b0 = bOff + j * ldb, b1 = b0 + ldb;
          let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
          for (let p = p0; p < p1; p++) {
            const y0 = b[b0 + p], y1 = b[b1 + p];
            let x = a[a0 + p];
            s00 += x * y0; s01 += x * y1;
            x = a[a1 + p];
            s10 += x * y0; s11 += x * y1;
            x = a[a2 + p];
            s20 += x * y0; s21 += x * y1;
            x = a[a3 + p];
            s30 += x * y0; s31 += x * y1;
          }
          c[c0 + j] += alpha * s00; c[c0 + j + 1] += alpha * s01;
          c[c1 + j] += alpha * s10; c[c1 + j + 1] += alpha * s11;
          c[c2 + j] += alpha * s20; c[c2 + j + 1] += alpha * s21;
          c[c3 + j] += alpha * s30; c[c3 + j + 1] += alpha * s31;
        }
        if (j < j1) {
          const b0 = bOff + j * ldb;
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          for (let p = p0; p < p1; p++) {
            const y = b[b0 + p];
            s0 += a[a0 + p] * y; s1 += a[a1 + p] * y; s2 += a[a2 + p] * y; s3 += a[a3 + p] * y;
          }
          c[c0 + j] += alpha * s0; c[c1 + j] += alpha * s1; c[c2 + j] += alpha * s2; c[c3 + j] += alpha * s3;
        }
      }
      for (; i < m; i++) {
        const a0 = aOff + i * lda, c0 = cOff + i * ldc;
        for (let j = j0; j < j1; j++) {
          const b0 = bOff + j * ldb;
          let s = 0;
          for (let p = p0; p < p1; p++) s += a[a0 + p] * b[b0 + p];
          c[c0 + j] += alpha * s;
        }
      }
    }
  }
}

/** The n x m transpose of an m x n matrix. */
export function transpose(a: Float64Array, m: number, n: number): Float64Array {
  checkLength('transpose', a, m * n, `${m} x ${n}`);
  const t = new Float64Array(m * n);
  const B = 32;
  for (let i0 = 0; i0 < m; i0 += B) {
    const i1 = Math.min(m, i0 + B);
    for (let j0 = 0; j0 < n; j0 += B) {
      const j1 = Math.min(n, j0 + B);
      for (let i = i0; i < i1; i++) {
        const row = i * n;
        for (let j = j0; j < j1; j++) t[j * m + i] = a[row + j];
      }
    }
  }
  return t;
}

/** C = A B with A m x k and B k x n; C is m x n. Cost 2 m k n flops. */
export function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  checkLength('matmul: A', a, m * k, `${m} x ${k}`);
  checkLength('matmul: B', b, k * n, `${k} x ${n}`);
  const c = new Float64Array(m * n);
  if (n === 1) {
    for (let i = 0; i < m; i++) {
      const row = i * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[row + p] * b[p];
      c[i] = s;
    }
    return c;
  }
  gemmNT(m, n, k, 1, a, 0, k, transpose(b, k, n), 0, k, c, 0, n);
  return c;
}

/** C = A B^T with A m x k and B n x k; C is m x n. */
export function matmulNT(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  checkLength('matmulNT: A', a, m * k, `${m} x ${k}`);
  checkLength('matmulNT: B', b, n * k, `${n} x ${k}`);
  const c = new Float64Array(m * n);
  gemmNT(m, n, k, 1, a, 0, k, b, 0, k, c, 0, n);
  return c;
}

/**
 * C = A^T B with A m x k and B m x n; C is k x n. Loops row i of A and B outermost (i-p-j order), so both
 * inputs stream once, row by row, and C's rows are updated by contiguous axpys.
 */
export function matmulTN(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  checkLength('matmulTN: A', a, m * k, `${m} x ${k}`);
  checkLength('matmulTN: B', b, m * n, `${m} x ${n}`);
  if (n >= 8 && k >= 8 && m >= 8) {
    const c = new Float64Array(k * n);
    gemmNT(k, n, m, 1, transpose(a, m, k), 0, m, transpose(b, m, n), 0, m, c, 0, n);
    return c;
  }
  const c = new Float64Array(k * n);
  for (let i = 0; i < m; i++) {
    const ai = i * k, bi = i * n;
    for (let p = 0; p < k; p++) {
      const x = a[ai + p];
      if (x === 0) continue;
      const cp = p * n;
      for (let j = 0; j < n; j++) c[cp + j] += x * b[bi + j];
    }
  }
  return c;
}

/** y = A x with A m x n. */
export function matvec(a: Float64Array, x: Float64Array, m: number, n: number): Float64Array {
  checkLength('matvec: A', a, m * n, `${m} x ${n}`);
  checkLength('matvec: x', x, n, `${n}`);
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    let s0 = 0, s1 = 0;
    let j = 0;
    for (; j + 1 < n; j += 2) {
      s0 += a[row + j] * x[j];
      s1 += a[row + j + 1] * x[j + 1];
    }
    if (j < n) s0 += a[row + j] * x[j];
    y[i] = s0 + s1;
  }
  return y;
}

/** y = A^T x with A m x n (x has m entries, y has n). */
export function matTvec(a: Float64Array, x: Float64Array, m: number, n: number): Float64Array {
  checkLength('matTvec: A', a, m * n, `${m} x ${n}`);
  checkLength('matTvec: x', x, m, `${m}`);
  const y = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    const row = i * n;
    for (let j = 0; j < n; j++) y[j] += xi * a[row + j];
  }
  return y;
}

/**
 * The Gram matrix G = A A^T (m x m, symmetric, both triangles filled) of A (m x k): the lower triangle
 * is computed in row blocks (half the flops of a general product, m^2 k), then mirrored.
 */
export function syrk(a: Float64Array, m: number, k: number): Float64Array {
  checkLength('syrk: A', a, m * k, `${m} x ${k}`);
  const g = new Float64Array(m * m);
  const RB = 64;
  for (let i0 = 0; i0 < m; i0 += RB) {
    const rows = Math.min(RB, m - i0);
    gemmNT(rows, i0 + rows, k, 1, a, i0 * k, k, a, 0, k, g, i0 * m, m);
  }
  mirrorLower(g, m);
  return g;
}

/** Copies the lower triangle of an n x n matrix onto its upper triangle, in place. */
export function mirrorLower(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < i; j++) a[j * n + i] = a[row + j];
  }
}

/** max |A[i, j] - A[j, i]| over i, j: how far a matrix is from symmetric. */
export function asymmetry(a: Float64Array, n: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) worst = Math.max(worst, Math.abs(a[i * n + j] - a[j * n + i]));
  }
  return worst;
}

/** Frobenius norm sqrt(sum a_ij^2), scaled to avoid overflow. */
export function frobeniusNorm(a: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] / scale;
    s += x * x;
  }
  return scale * Math.sqrt(s);
}

/** A copy of a with `shift` added to each of its n diagonal entries. */
export function addDiagonal(a: Float64Array, n: number, shift: number): Float64Array {
  const out = Float64Array.from(a);
  if (shift !== 0) for (let i = 0; i < n; i++) out[i * n + i] += shift;
  return out;
}
