/**
 * Float32 blocked Cholesky on the active TensorFlow.js backend, for use as a preconditioner of float64
 * solves (mixedSolve.ts). tfjs has no Cholesky, but its plain matMul is fast (XNNPACK on wasm, a GPU on
 * webgpu), so the O(n^3) work is plain `tf.matMul(a, b)` calls with operands pre-transposed in JS (a
 * transposed matMul is about 10x slower on wasm, docs/ENVIRONMENT.md); the NB x NB diagonal blocks and
 * their inverses are computed in JS in float64 and rounded to float32.
 *
 * Right-looking, for block column [k0, k1):  L11 = chol(A11);  L21 = A21 L11^{-T}  (one matMul with the
 * JS-inverted block);  A22 -= L21 L21^T on the lower triangle only, one matMul per ROW_BLOCK rows.
 * The matrix lives in a JS Float32Array (n^2 * 4 bytes); the wasm heap holds only one panel, its
 * transpose and one row-block product at a time (a few tens of MB at n = 8000), well under its 4 GiB cap.
 */
import * as tf from '@tensorflow/tfjs';
import { IwlError } from '../util/iwlError';
import { checkDim, checkLength } from './blas';

/**
 * A product's values, then the tensor freed. data(), not dataSync(): the webgpu backend cannot read
 * synchronously in Node (its dataSync needs a DOM canvas), so every read here is asynchronous.
 */
async function readBack(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

/** Block width: large enough that the panel matMuls run at full speed, small enough for the JS blocks. */
export const FLOAT32_BLOCK = 256;
/** Rows of the trailing update per matMul (output ROW_BLOCK x up to n floats). */
const ROW_BLOCK = 1024;

/** A float32 Cholesky factor L (row-major, upper triangle zero) with its row blocks uploaded for solves. */
export class Float32Cholesky {
  /** rowBlocks[b] = L[b0:b1, 0:b0] as a tensor (empty for b = 0), for the blocked triangular solves. */
  private readonly rowBlocks: (tf.Tensor2D | null)[] = [];
  /** The inverse of each diagonal block L[b0:b1, b0:b1], float64 row-major. */
  private readonly diagonalInverses: Float64Array[] = [];

  constructor(readonly l: Float32Array, readonly n: number, readonly block = FLOAT32_BLOCK) {
    for (let b0 = 0; b0 < n; b0 += block) {
      const b1 = Math.min(n, b0 + block), nb = b1 - b0;
      this.diagonalInverses.push(invertLower(l, n, b0, nb));
      if (b0 === 0) { this.rowBlocks.push(null); continue; }
      const rows = new Float32Array(nb * b0);
      for (let r = 0; r < nb; r++) rows.set(l.subarray((b0 + r) * n, (b0 + r) * n + b0), r * b0);
      this.rowBlocks.push(tf.tensor2d(rows, [nb, b0]));
    }
  }

  /** Z = (L L^T)^{-1} R for R n x k (float64 row-major): two blocked triangular sweeps, float32 products. */
  async solve(r: Float64Array, k: number): Promise<Float64Array> {
    const { n, block } = this;
    const z = Float64Array.from(r);
    // Forward: z_b = L_bb^{-1} (r_b - L[b, 0:b0] z[0:b0]).
    for (let bi = 0, b0 = 0; b0 < n; bi++, b0 += block) {
      const b1 = Math.min(n, b0 + block), nb = b1 - b0;
      const rows = this.rowBlocks[bi];
      if (rows) {
        const s = tf.tidy(() => tf.matMul(rows, tf.tensor2d(Float32Array.from(z.subarray(0, b0 * k)), [b0, k])));
        const sv = await readBack(s);
        for (let i = 0; i < nb * k; i++) z[b0 * k + i] -= sv[i];
      }
      applyBlock(this.diagonalInverses[bi], nb, z, b0, k, false);
    }
    // Backward: x_b = L_bb^{-T} y_b, then y[0:b0] -= L[b, 0:b0]^T x_b, as (x_b^T L[b, 0:b0])^T.
    for (let bi = this.rowBlocks.length - 1; bi >= 0; bi--) {
      const b0 = bi * block, b1 = Math.min(n, b0 + block), nb = b1 - b0;
      applyBlock(this.diagonalInverses[bi], nb, z, b0, k, true);
      const rows = this.rowBlocks[bi];
      if (!rows) continue;
      const xt = new Float32Array(k * nb);
      for (let i = 0; i < nb; i++) for (let c = 0; c < k; c++) xt[c * nb + i] = z[(b0 + i) * k + c];
      const u = tf.tidy(() => tf.matMul(tf.tensor2d(xt, [k, nb]), rows));
      const uv = await readBack(u);
      for (let p = 0; p < b0; p++) for (let c = 0; c < k; c++) z[p * k + c] -= uv[c * b0 + p];
    }
    return z;
  }

  dispose(): void {
    for (const t of this.rowBlocks) t?.dispose();
    this.rowBlocks.length = 0;
  }
}

/**
 * L = chol(A + shift I) in float32 (only A's lower triangle is read). Throws
 * IwlError('NOT_POSITIVE_DEFINITE') naming the first pivot that is not positive in float32: a matrix
 * whose condition number nears 1/eps_32 ~ 1.7e7 can fail here and still factor in float64.
 */
export async function choleskyFloat32(a: ArrayLike<number>, n: number, shift = 0, block = FLOAT32_BLOCK): Promise<Float32Array> {
  checkDim('choleskyFloat32', 'n', n);
  checkLength('choleskyFloat32: A', a, n * n, `${n} x ${n}`);
  const l = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) l[i * n + j] = a[i * n + j];
    l[i * n + i] += shift;
  }
  for (let k0 = 0; k0 < n; k0 += block) {
    const k1 = Math.min(n, k0 + block), nb = k1 - k0;
    factorDiagonalBlock(l, n, k0, nb);
    const m = n - k1;
    if (m === 0) break;
    // W = L11^{-T} (nb x nb, upper), so that L21 = A21 W is a plain matMul.
    const inv = invertLower(l, n, k0, nb);
    const w = new Float32Array(nb * nb);
    for (let i = 0; i < nb; i++) for (let j = 0; j <= i; j++) w[j * nb + i] = inv[i * nb + j];
    const panel = new Float32Array(m * nb);
    for (let i = 0; i < m; i++) panel.set(l.subarray((k1 + i) * n + k0, (k1 + i) * n + k1), i * nb);
    const l21 = tf.tidy(() => tf.matMul(tf.tensor2d(panel, [m, nb]), tf.tensor2d(w, [nb, nb])));
    const l21v = (await l21.data()) as Float32Array;
    const l21t = new Float32Array(nb * m);
    for (let i = 0; i < m; i++) {
      l.set(l21v.subarray(i * nb, (i + 1) * nb), (k1 + i) * n + k0);
      for (let j = 0; j < nb; j++) l21t[j * m + i] = l21v[i * nb + j];
    }
    const l21tTensor = tf.tensor2d(l21t, [nb, m]);
    try {
      for (let i0 = 0; i0 < m; i0 += ROW_BLOCK) {
        const i1 = Math.min(m, i0 + ROW_BLOCK);
        // Rows i0..i1 of the trailing block against columns 0..i1: the lower triangle plus a small
        // triangle above the diagonal that is skipped when subtracting.
        const u = tf.tidy(() => {
          const left = i0 === 0 && i1 === m ? l21 : tf.slice(l21, [i0, 0], [i1 - i0, nb]);
          const right = i1 === m ? l21tTensor : tf.slice(l21tTensor, [0, 0], [nb, i1]);
          return tf.matMul(left, right);
        });
        const uv = await readBack(u);
        for (let r = 0; r < i1 - i0; r++) {
          const base = (k1 + i0 + r) * n + k1, ub = r * i1;
          for (let c = 0; c <= i0 + r; c++) l[base + c] -= uv[ub + c];
        }
      }
    } finally {
      l21.dispose();
      l21tTensor.dispose();
    }
  }
  return l;
}

function factorDiagonalBlock(l: Float32Array, n: number, k0: number, nb: number): void {
  const d = new Float64Array(nb * nb);
  for (let i = 0; i < nb; i++) for (let j = 0; j <= i; j++) d[i * nb + j] = l[(k0 + i) * n + k0 + j];
  for (let j = 0; j < nb; j++) {
    let s = d[j * nb + j];
    for (let p = 0; p < j; p++) s -= d[j * nb + p] * d[j * nb + p];
    if (!(s > 0) || !Number.isFinite(s)) {
      throw new IwlError(
        'NOT_POSITIVE_DEFINITE',
        `choleskyFloat32: the ${n} x ${n} matrix is not positive definite in float32: pivot ${k0 + j} is ${s}`,
      );
    }
    const ljj = Math.sqrt(s);
    d[j * nb + j] = ljj;
    for (let i = j + 1; i < nb; i++) {
      let t = d[i * nb + j];
      for (let p = 0; p < j; p++) t -= d[i * nb + p] * d[j * nb + p];
      d[i * nb + j] = t / ljj;
    }
  }
  for (let i = 0; i < nb; i++) for (let j = 0; j <= i; j++) l[(k0 + i) * n + k0 + j] = d[i * nb + j];
}

/** The inverse of the lower triangular block L[k0:k0+nb, k0:k0+nb], float64, by forward substitution. */
function invertLower(l: Float32Array, n: number, k0: number, nb: number): Float64Array {
  const inv = new Float64Array(nb * nb);
  for (let c = 0; c < nb; c++) {
    for (let i = c; i < nb; i++) {
      const ri = (k0 + i) * n + k0;
      let s = i === c ? 1 : 0;
      for (let p = c; p < i; p++) s -= l[ri + p] * inv[p * nb + c];
      inv[i * nb + c] = s / l[ri + i];
    }
  }
  return inv;
}

/** z[b0:b0+nb] = M z[b0:b0+nb] (M = inv) or M^T z[...] (transpose), k columns, in place. */
function applyBlock(inv: Float64Array, nb: number, z: Float64Array, b0: number, k: number, transpose: boolean): void {
  const out = new Float64Array(nb * k);
  for (let i = 0; i < nb; i++) {
    for (let j = 0; j < nb; j++) {
      const mij = transpose ? inv[j * nb + i] : inv[i * nb + j];
      if (mij === 0) continue;
      for (let c = 0; c < k; c++) out[i * k + c] += mij * z[(b0 + j) * k + c];
    }
  }
  z.set(out, b0 * k);
}
