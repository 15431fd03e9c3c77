/**
 * Float32 blocked Cholesky on the active TensorFlow.js backend, for use as a preconditioner of float64
 * solves (mixedSolve.ts). tfjs has no Cholesky, but its plain matMul is fast (XNNPACK on wasm, a GPU on
 * webgpu), so the O(n^3) work is plain `tf.matMul(a, b)` calls with operands pre-transposed in JS (a
 * transposed matMul is about 10x slower on wasm, docs/ENVIRONMENT.md); the NB x NB diagonal blocks and
 * their inverses are computed in JS in float64 and rounded to float32.
 *
 * Right-looking, for block column [k0, k1):  L11 = chol(A11);  L21 = A21 L11^{-T}  (one matMul with the
 * JS-inverted block per ROW_BLOCK rows);  A22 -= L21 L21^T on the lower triangle only, one matMul per
 * ROW_BLOCK rows. The chunks and row blocks are independent of each other: with `lanes` > 1 they are
 * computed side by side on worker threads (choleskyLanes.ts), giving the same factor bit for bit.
 * The matrix lives in a JS Float32Array (n^2 * 4 bytes, shared memory with lanes); the wasm heap holds
 * only one panel transpose, one row block and its product at a time (a few tens of MB at n = 8000, per
 * lane), well under its 4 GiB cap.
 */
import * as tf from '@tensorflow/tfjs';
import type { Worker } from 'node:worker_threads';
import { activeBackend, defaultBackend, type BackendName } from '../backend';
import { CancelledError, IwlError } from '../util/iwlError';
import { checkDim, checkLength } from './blas';
import { FLOAT32_BLOCK, ROW_BLOCK } from './choleskyBlocks';
import { startLanes } from './choleskyLanes';

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

export { FLOAT32_BLOCK, ROW_BLOCK };

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

export interface Float32CholeskyOptions {
  /** Block width (default FLOAT32_BLOCK). */
  block?: number;
  /**
   * Lanes computing the panel chunks and trailing row blocks side by side (choleskyLanes.ts): worker
   * threads with their own backend sharing the matrix. 1 (default): this thread alone. Only the wasm and
   * cpu backends use more (see lanesFor); the factor is bit for bit the same for every count.
   */
  lanes?: number;
  /** The backend the lanes start (default: the active one); lanes need wasm or cpu. */
  backend?: BackendName;
  /** Cancels between steps; with lanes, at once (they are terminated). */
  signal?: AbortSignal;
  /** The lane bundle (default: dist/choleskyLane.js next to the running bundle). */
  laneScript?: string;
  /** Called with each lane's Worker once it is started (tests use it to kill one). */
  onLane?(lane: Worker): void;
}

/**
 * L = chol(A + shift I) in float32 (only A's lower triangle is read). Throws
 * IwlError('NOT_POSITIVE_DEFINITE') naming the first pivot that is not positive in float32: a matrix
 * whose condition number nears 1/eps_32 ~ 1.7e7 can fail here and still factor in float64.
 *
 * Each block column is three steps: the diagonal block (JS, this thread), the panel L21 = A21 W in
 * chunks of ROW_BLOCK rows, then the trailing update in row blocks of ROW_BLOCK rows. Every chunk and
 * block is one matMul whose shape depends only on (k0, i0), never on who computes it, so with
 * `lanes` > 1 (chunks and blocks spread over worker threads, choleskyLanes.ts) L is bit for bit
 * the one-lane factor.
 */
export async function choleskyFloat32(a: ArrayLike<number>, n: number, shift = 0, options: Float32CholeskyOptions = {}): Promise<Float32Array> {
  checkDim('choleskyFloat32', 'n', n);
  checkLength('choleskyFloat32: A', a, n * n, `${n} x ${n}`);
  const block = options.block ?? FLOAT32_BLOCK;
  const lanes = lanesFor(options.lanes ?? 1, options.backend ?? activeBackend()?.name ?? defaultBackend, n, block);
  // Shared memory when lanes read and write it; each lane writes only the rows of its chunk or block.
  const l = new Float32Array(lanes > 1 ? new SharedArrayBuffer(n * n * 4) : new ArrayBuffer(n * n * 4));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) l[i * n + j] = a[i * n + j];
    l[i * n + i] += shift;
  }
  const steps = lanes > 1
    ? await startLanes(l, n, lanes, options.backend ?? activeBackend()?.name ?? defaultBackend, options)
    : inThisThread(l, n);
  try {
    for (let k0 = 0; k0 < n; k0 += block) {
      if (options.signal?.aborted) throw new CancelledError('float32 Cholesky cancelled');
      const k1 = Math.min(n, k0 + block), nb = k1 - k0;
      factorDiagonalBlock(l, n, k0, nb);
      const m = n - k1;
      if (m === 0) break;
      // W = L11^{-T} (nb x nb, upper), so that L21 = A21 W is a plain matMul.
      const inv = invertLower(l, n, k0, nb);
      const w = new Float32Array(nb * nb);
      for (let i = 0; i < nb; i++) for (let j = 0; j <= i; j++) w[j * nb + i] = inv[i * nb + j];
      const chunks = rowChunks(m);
      await steps.panel(k0, nb, w, chunks);
      // The biggest row blocks (the last rows, the widest products) first, so the lanes finish together.
      await steps.update(k0, nb, [...chunks].reverse());
    }
  } finally {
    await steps.close();
  }
  return l;
}

/** The row ranges [i0, i1) of the m rows below a diagonal block, ROW_BLOCK at a time. */
function rowChunks(m: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i0 = 0; i0 < m; i0 += ROW_BLOCK) out.push([i0, Math.min(m, i0 + ROW_BLOCK)]);
  return out;
}

/**
 * The lanes a factorization of order n uses: no more than asked, than row blocks in the first
 * trailing update, and 1 on a backend other than wasm or cpu: webgpu and tensorflow (tfjs-node) each
 * drive one device with process-wide native state; a second context on one GPU would only queue behind the first.
 */
export function lanesFor(requested: number, backend: BackendName, n: number, block = FLOAT32_BLOCK): number {
  if (backend !== 'wasm' && backend !== 'cpu') return 1;
  return Math.max(1, Math.min(Math.floor(requested), Math.ceil(Math.max(0, n - block) / ROW_BLOCK)));
}

/** What computes a block column's panel chunks and trailing row blocks: this thread, or the lanes. */
export interface CholeskySteps {
  panel(k0: number, nb: number, w: Float32Array, chunks: [number, number][]): Promise<void>;
  update(k0: number, nb: number, blocks: [number, number][]): Promise<void>;
  close(): Promise<void>;
}

/** The steps in this thread, one after another: exactly the code a lane runs (choleskyLane.ts). */
function inThisThread(l: Float32Array, n: number): CholeskySteps {
  const operand = new PanelOperand(l, n);
  return {
    panel: async (k0, nb, w, chunks) => {
      for (const [i0, i1] of chunks) await panelChunk(l, n, k0, nb, w, i0, i1);
    },
    update: async (k0, nb, blocks) => {
      for (const [i0, i1] of blocks) await trailingBlock(l, n, k0, nb, operand.of(k0, nb), i0, i1);
    },
    close: async () => operand.dispose(),
  };
}

/**
 * Rows i0..i1 of the panel below the diagonal block at k0: L21[i0:i1] = A21[i0:i1] W, one
 * (i1 - i0) x nb by nb x nb matMul, written back over A21 in l.
 */
export async function panelChunk(l: Float32Array, n: number, k0: number, nb: number, w: Float32Array, i0: number, i1: number): Promise<void> {
  const k1 = k0 + nb, rows = i1 - i0;
  const a21 = new Float32Array(rows * nb);
  for (let r = 0; r < rows; r++) a21.set(l.subarray((k1 + i0 + r) * n + k0, (k1 + i0 + r) * n + k1), r * nb);
  const product = tf.tidy(() => tf.matMul(tf.tensor2d(a21, [rows, nb]), tf.tensor2d(w, [nb, nb])));
  const v = await readBack(product);
  for (let r = 0; r < rows; r++) l.set(v.subarray(r * nb, (r + 1) * nb), (k1 + i0 + r) * n + k0);
}

/** L21^T (nb x m) of the block column at k0 on the backend, built once per column from l and reused by its row blocks. */
export class PanelOperand {
  private k0 = -1;
  private tensor: tf.Tensor2D | null = null;

  constructor(private readonly l: Float32Array, private readonly n: number) {}

  of(k0: number, nb: number): tf.Tensor2D {
    if (this.tensor && this.k0 === k0) return this.tensor;
    this.dispose();
    const { l, n } = this;
    const k1 = k0 + nb, m = n - k1;
    const t = new Float32Array(nb * m);
    for (let i = 0; i < m; i++) {
      const row = (k1 + i) * n + k0;
      for (let j = 0; j < nb; j++) t[j * m + i] = l[row + j];
    }
    this.tensor = tf.tensor2d(t, [nb, m]);
    this.k0 = k0;
    return this.tensor;
  }

  dispose(): void {
    this.tensor?.dispose();
    this.tensor = null;
    this.k0 = -1;
  }
}

/**
 * Rows i0..i1 of the trailing block at k0: A22[i0:i1, 0:i1] -= L21[i0:i1] L21[0:i1]^T, one
 * (i1 - i0) x nb by nb x i1 matMul. The product covers the lower triangle plus a small triangle above
 * the diagonal, which is skipped when subtracting.
 */
export async function trailingBlock(l: Float32Array, n: number, k0: number, nb: number, l21t: tf.Tensor2D, i0: number, i1: number): Promise<void> {
  const k1 = k0 + nb, m = n - k1, rows = i1 - i0;
  const left = new Float32Array(rows * nb);
  for (let r = 0; r < rows; r++) left.set(l.subarray((k1 + i0 + r) * n + k0, (k1 + i0 + r) * n + k1), r * nb);
  const u = tf.tidy(() => tf.matMul(tf.tensor2d(left, [rows, nb]), i1 === m ? l21t : tf.slice(l21t, [0, 0], [nb, i1])));
  const uv = await readBack(u);
  for (let r = 0; r < rows; r++) {
    const base = (k1 + i0 + r) * n + k1, ub = r * i1;
    for (let c = 0; c <= i0 + r; c++) l[base + c] -= uv[ub + c];
  }
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
