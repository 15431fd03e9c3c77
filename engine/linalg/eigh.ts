/**
 * Symmetric eigendecomposition in float64: A = V diag(lambda) V^T.
 *
 * 1. Householder tridiagonalization, A = Q T Q^T (T tridiagonal, Q = H_0 H_1 ... H_{n-3}), on the upper
 *    triangle of a working copy; each step's symmetric rank-2 update is fused with the next step's
 *    matrix-vector product, so every step makes one pass over the trailing triangle (4n^3/3 flops).
 * 2. Q^T is formed explicitly (rows contiguous) in blocks of reflectors (compact WY, two gemmNT products
 *    per block), 4n^3/3 flops at matrix-product speed.
 * 3. Implicit QL with Wilkinson-type shifts (EISPACK tql2) on T; each Givens rotation is applied to two
 *    contiguous rows of Q^T, which end up holding the eigenvectors: about 0.9 n^2 rotations of 6n flops,
 *    recorded and applied in L2-sized column strips, four consecutive rotations per pass.
 *    This phase dominates (about 70% of the time at n = 2000); a divide-and-conquer tridiagonal solver
 *    (matrix-product bound, LAPACK dstedc) would be the next step for speed.
 *
 * Accuracy: backward stable; ||A V - V diag(lambda)|| and ||V^T V - I|| are O(n eps ||A||) and O(n eps).
 */
import { IwlError } from '../util/iwlError';
import { checkDim, checkLength, gemmNT, transpose } from './blas';

export interface SymmetricEigen {
  /** Eigenvalues, ascending, length n. */
  values: Float64Array;
  /** Orthonormal eigenvectors as the columns of an n x n row-major matrix: column j goes with values[j]. */
  vectors: Float64Array;
}

/** Most QL iterations allowed per eigenvalue before giving up (EISPACK uses 30; QL needs 1-3 on average). */
const MAX_ITERATIONS_PER_EIGENVALUE = 60;

/**
 * All eigenvalues (ascending) and orthonormal eigenvectors (columns) of a symmetric n x n matrix.
 * Only the lower triangle of `a` is read; `a` is not modified.
 */
export function eighSymmetric(a: Float64Array, n: number): SymmetricEigen {
  checkDim('eighSymmetric', 'n', n);
  checkLength('eighSymmetric: A', a, n * n, `${n} x ${n}`);
  checkFiniteLower('eighSymmetric', a, n);
  const { d, e, qt } = tridiagonalize(a, n);
  tridiagonalQl(d, e, qt, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[x] - d[y]);
  const values = new Float64Array(n);
  const sortedRows = new Float64Array(n * n);
  order.forEach((from, to) => {
    values[to] = d[from];
    sortedRows.set(qt.subarray(from * n, from * n + n), to * n);
  });
  return { values, vectors: transpose(sortedRows, n, n) };
}

/** Eigenvalues only (ascending): the tridiagonal QL without vectors costs O(n^2) after the 4n^3/3 reduction. */
export function eigvalsSymmetric(a: Float64Array, n: number): Float64Array {
  checkDim('eigvalsSymmetric', 'n', n);
  checkLength('eigvalsSymmetric: A', a, n * n, `${n} x ${n}`);
  checkFiniteLower('eigvalsSymmetric', a, n);
  const { d, e } = tridiagonalize(a, n, false);
  tridiagonalQl(d, e, null, n);
  return d.sort();
}

function checkFiniteLower(what: string, a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const x = a[i * n + j];
      if (!Number.isFinite(x)) throw new IwlError('NOT_FINITE', `${what}: entry (${i}, ${j}) is ${x}`);
    }
  }
}

interface Tridiagonal {
  /** Diagonal of T. */
  d: Float64Array;
  /** e[i] = T[i, i+1] for i < n-1; e[n-1] = 0. */
  e: Float64Array;
  /** Q^T (n x n), so that A = Q T Q^T; rows of Q^T are columns of Q. */
  qt: Float64Array;
}

function tridiagonalize(a: Float64Array, n: number, wantQ = true): Tridiagonal {
  // Upper triangle of w = lower triangle of a, transposed (rows of w are columns of a's lower part).
  const w = transpose(a, n, n);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const tau = new Float64Array(n);
  const v = new Float64Array(n);
  const u = new Float64Array(n);
  let p = new Float64Array(n);
  let q = new Float64Array(n);
  const wv = new Float64Array(n);
  if (n > 2) {
    // Reflector 0 from row 0 (= column 0 below the diagonal), and p = A22 v over indices 1..n-1.
    const r0 = makeReflector(w, 1, n - 1);
    e[0] = r0.beta;
    tau[0] = r0.tau;
    for (let j = 1; j < n; j++) v[j] = w[j];
    for (let i = 1; i < n; i++) {
      const ri = i * n, vi = v[i];
      let s = w[ri + i] * vi;
      for (let j = i + 1; j < n; j++) {
        const x = w[ri + j];
        s += x * v[j];
        p[j] += vi * x;
      }
      p[i] += s;
    }
  }
  for (let k = 0; k <= n - 3; k++) {
    const tk = tau[k];
    let pv = 0;
    for (let j = k + 1; j < n; j++) {
      p[j] *= tk;
      pv += p[j] * v[j];
    }
    const half = 0.5 * tk * pv;
    for (let j = k + 1; j < n; j++) wv[j] = p[j] - half * v[j];
    // A22 <- A22 - v w^T - w v^T (upper triangle), rows k+1..n-1.
    const r1 = k + 1;
    if (r1 <= n - 3) {
      const row = r1 * n, v1 = v[r1], w1 = wv[r1];
      for (let j = r1; j < n; j++) w[row + j] -= v1 * wv[j] + w1 * v[j];
      const next = makeReflector(w, row + r1 + 1, n - r1 - 1);
      e[r1] = next.beta;
      tau[r1] = next.tau;
      for (let j = r1 + 1; j < n; j++) u[j] = w[row + j];
      q.fill(0);
      for (let i = r1 + 1; i < n; i++) {
        const ri = i * n, vi = v[i], wi = wv[i], ui = u[i];
        let x = w[ri + i] - 2 * vi * wi;
        w[ri + i] = x;
        let s = x * ui;
        for (let j = i + 1; j < n; j++) {
          x = w[ri + j] - vi * wv[j] - wi * v[j];
          w[ri + j] = x;
          s += x * u[j];
          q[j] += ui * x;
        }
        q[i] += s;
      }
      for (let j = r1 + 1; j < n; j++) v[j] = u[j];
      const t = p;
      p = q;
      q = t;
    } else {
      for (let i = r1; i < n; i++) {
        const ri = i * n, vi = v[i], wi = wv[i];
        for (let j = i; j < n; j++) w[ri + j] -= vi * wv[j] + wi * v[j];
      }
    }
  }
  for (let i = 0; i < n; i++) d[i] = w[i * n + i];
  if (n >= 2) e[n - 2] = w[(n - 2) * n + n - 1];
  if (!wantQ) return { d, e, qt: new Float64Array(0) };
  return { d, e, qt: formQTranspose(w, tau, n) };
}

/**
 * Householder reflector H = I - tau v v^T with H x = beta e_1 for x = w[off .. off+m) (LAPACK dlarfg);
 * v (with v_0 = 1) overwrites x. tau = 0 (H = I) when x is already a multiple of e_1.
 */
function makeReflector(w: Float64Array, off: number, m: number): { tau: number; beta: number } {
  const alpha = w[off];
  let scale = 0;
  for (let j = 1; j < m; j++) scale = Math.max(scale, Math.abs(w[off + j]));
  if (scale === 0) {
    w[off] = 1;
    return { tau: 0, beta: alpha };
  }
  let ss = 0;
  for (let j = 1; j < m; j++) {
    const x = w[off + j] / scale;
    ss += x * x;
  }
  const xnorm = scale * Math.sqrt(ss);
  const norm = hypot(alpha, xnorm);
  const beta = alpha >= 0 ? -norm : norm;
  const tau = (beta - alpha) / beta;
  const f = 1 / (alpha - beta);
  for (let j = 1; j < m; j++) w[off + j] *= f;
  w[off] = 1;
  return { tau, beta };
}

/** Reflectors per block when forming Q^T: the two products per block are gemmNT calls with inner size QB. */
const QB = 32;

/**
 * Q^T = H_{n-3} ... H_1 H_0, accumulated right to left, M <- M H_k, in blocks of QB reflectors with the
 * compact WY form (LAPACK dlarft): H_{k} H_{k-1} ... H_{k-QB+1} = I - Y T Y^T, Y's columns the reflector
 * vectors in that order, T upper triangular with T_jj = tau_j and T[0:j, j] = -tau_j T[0:j, 0:j] Y_{:,0:j}^T y_j.
 * Then M <- M - (M Y) T Y^T: two matrix products on the trailing block M[r0:, r0:], r0 = k_lo + 1, the only
 * part the block changes (before it, M is the identity outside rows and columns k_hi+2..).
 */
function formQTranspose(w: Float64Array, tau: Float64Array, n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  for (let kHi = n - 3; kHi >= 0; kHi -= QB) {
    const kLo = Math.max(0, kHi - QB + 1);
    const b = kHi - kLo + 1;
    const r0 = kLo + 1;
    const s = n - r0;
    const yt = new Float64Array(b * s);
    for (let r = 0; r < b; r++) {
      const k = kHi - r;
      const row = r * s;
      yt[row + k + 1 - r0] = 1;
      for (let j = k + 2; j < n; j++) yt[row + j - r0] = w[k * n + j];
    }
    const t = new Float64Array(b * b);
    for (let j = 0; j < b; j++) {
      const tj = tau[kHi - j];
      t[j * b + j] = tj;
      if (j === 0 || tj === 0) continue;
      const z = new Float64Array(j);
      for (let r = 0; r < j; r++) {
        let dot = 0;
        for (let c = 0; c < s; c++) dot += yt[r * s + c] * yt[j * s + c];
        z[r] = dot;
      }
      for (let r = 0; r < j; r++) {
        let acc = 0;
        for (let c = r; c < j; c++) acc += t[r * b + c] * z[c];
        t[r * b + j] = -tj * acc;
      }
    }
    const my = new Float64Array(s * b);
    gemmNT(s, b, s, 1, m, r0 * n + r0, n, yt, 0, s, my, 0, b);
    const myt = new Float64Array(s * b);
    for (let i = 0; i < s; i++) {
      for (let c = 0; c < b; c++) {
        let acc = 0;
        for (let r = 0; r <= c; r++) acc += my[i * b + r] * t[r * b + c];
        myt[i * b + c] = acc;
      }
    }
    gemmNT(s, s, b, -1, myt, 0, b, transpose(yt, b, s), 0, b, m, r0 * n + r0, n);
  }
  return m;
}

/**
 * Implicit QL with shifts on the symmetric tridiagonal T (diagonal d, off-diagonal e, e[n-1] = 0), after
 * EISPACK tql2. On return d holds the eigenvalues (unsorted). When `rows` is given (n x n), each rotation
 * G acting on coordinates (i, i+1) is applied to rows i and i+1, so rows that held Q^T end up holding the
 * eigenvectors of A = Q T Q^T. The rotations depend on d and e alone, so they are recorded and applied in
 * batches, column strip by column strip (RotationBatch), which keeps the rows in cache.
 */
function tridiagonalQl(d: Float64Array, e: Float64Array, rows: Float64Array | null, n: number): void {
  if (n === 0) return;
  const batch = rows ? new RotationBatch(rows, n) : null;
  e[n - 1] = 0;
  const eps = Number.EPSILON;
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > MAX_ITERATIONS_PER_EIGENVALUE) {
          throw new IwlError(
            'EIGH_NO_CONVERGENCE',
            `eighSymmetric: the QL iteration did not converge for eigenvalue ${l} of ${n} after ${MAX_ITERATIONS_PER_EIGENVALUE} iterations`,
          );
        }
        // Shift: the eigenvalue of the leading 2 x 2 block of T[l.., l..] nearer d[l].
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        // Chase the bulge from m up to l with Givens rotations.
        p = d[m];
        let c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
        const el1 = e[l + 1];
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (batch) batch.push(i, c, s);
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  batch?.flush();
}

/** Rotations recorded before they are applied: 24 bytes each, so a full batch holds 6 MB. */
const ROTATION_BATCH = 1 << 18;
/** Bytes of rows (n x STRIP columns) one strip may occupy: about half of a 2 MB L2 cache. */
const STRIP_BYTES = 1 << 20;

/**
 * A queue of Givens rotations (i, c, s): rows i, i+1 <- (c r_i - s r_{i+1}, s r_i + c r_{i+1}), applied in
 * order. Each column of the rows evolves independently, so a flush applies the whole batch to one strip of
 * columns at a time (n x strip, sized to stay in L2) instead of streaming all rows once per rotation.
 */
class RotationBatch {
  private readonly index = new Int32Array(ROTATION_BATCH);
  private readonly cos = new Float64Array(ROTATION_BATCH);
  private readonly sin = new Float64Array(ROTATION_BATCH);
  private count = 0;
  private readonly strip: number;

  constructor(private readonly rows: Float64Array, private readonly n: number) {
    this.strip = Math.max(8, Math.min(n, Math.floor(STRIP_BYTES / (8 * Math.max(1, n)))));
  }

  push(i: number, c: number, s: number): void {
    if (this.count === ROTATION_BATCH) this.flush();
    this.index[this.count] = i;
    this.cos[this.count] = c;
    this.sin[this.count] = s;
    this.count++;
  }

  flush(): void {
    const { rows, n, index, cos, sin, count } = this;
    for (let k0 = 0; k0 < n; k0 += this.strip) {
      const width = Math.min(this.strip, n - k0);
      let r = 0;
      while (r < count) {
        const i = index[r];
        if (r + 3 < count && index[r + 1] === i - 1 && index[r + 2] === i - 2 && index[r + 3] === i - 3) {
          // Four consecutive rotations of one QL sweep, (i, i+1), (i-1, i), (i-2, i-1), (i-3, i-2): the row
          // being carried up stays in a register, so 5 rows are loaded and stored once instead of 8 times.
          const c0 = cos[r], s0 = sin[r], c1 = cos[r + 1], s1 = sin[r + 1];
          const c2 = cos[r + 2], s2 = sin[r + 2], c3 = cos[r + 3], s3 = sin[r + 3];
          const r4 = (i + 1) * n + k0, r3 = r4 - n, r2 = r3 - n, r1 = r2 - n, r0 = r1 - n;
          for (let k = 0; k < width; k++) {
            let x = rows[r3 + k];
            const y = rows[r4 + k];
            rows[r4 + k] = s0 * x + c0 * y;
            let t = c0 * x - s0 * y;
            x = rows[r2 + k];
            rows[r3 + k] = s1 * x + c1 * t;
            t = c1 * x - s1 * t;
            x = rows[r1 + k];
            rows[r2 + k] = s2 * x + c2 * t;
            t = c2 * x - s2 * t;
            x = rows[r0 + k];
            rows[r1 + k] = s3 * x + c3 * t;
            rows[r0 + k] = c3 * x - s3 * t;
          }
          r += 4;
        } else {
          const c = cos[r], s = sin[r];
          const ri = i * n + k0, rj = ri + n;
          for (let k = 0; k < width; k++) {
            const x = rows[ri + k], y = rows[rj + k];
            rows[rj + k] = s * x + c * y;
            rows[ri + k] = c * x - s * y;
          }
          r += 1;
        }
      }
    }
    this.count = 0;
  }
}

/** sqrt(a^2 + b^2) without overflow or underflow (Math.hypot is several times slower in V8). */
function hypot(a: number, b: number): number {
  const x = Math.abs(a), y = Math.abs(b);
  const big = x > y ? x : y;
  if (big === 0 || big === Infinity) return big;
  const small = x > y ? y : x;
  const t = small / big;
  return big * Math.sqrt(1 + t * t);
}
