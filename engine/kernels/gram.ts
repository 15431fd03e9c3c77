/**
 * Blocks of the Gram matrix x1 . x2^T on the active tfjs backend.
 *
 * Every block is a plain matMul(A, B) (on wasm only that form takes XNNPACK's fast path;
 * matMul(A, B, false, true) ran 14x slower, ENVIRONMENT.md), computed the other way round:
 * x2[c0:c0+nc] . (x1[r0:r0+nr])^T. The big operand x2 is one tensor held for the whole run and is
 * sliced by rows (a contiguous view); only the small nr-row piece of x1 is transposed, in
 * JavaScript, per block. Slicing a pre-transposed x2^T by columns instead (a strided copy that
 * XNNPACK repacks every block) ran about 1.7x slower for the upper-triangle blocks of a symmetric
 * kernel. The [nc, nr] product is transposed back to row-major [nr, nc] in cache-sized squares.
 * One tf.tidy per block keeps the backend's heap to one block's worth: the full n x n product is never made.
 * The result is float32 (tfjs has no float64); analytic.ts documents how it copes with that.
 */
import * as tf from '@tensorflow/tfjs';
import { Matrix } from '../util/matrix';

/** Side of the squares the transpose works in: 32 x 32 float32 = 4 KB read and written per square. */
const TRANSPOSE_BLOCK = 32;

export class GramBlocks {
  private readonly cols: tf.Tensor2D;
  private readonly x1: Matrix;
  private readonly d: number;

  constructor(x1: Matrix, x2: Matrix | null) {
    this.d = x1.cols;
    this.x1 = x1;
    const b = x2 ?? x1;
    this.cols = tf.tensor2d(b.data instanceof Float32Array ? b.data : Float32Array.from(b.data), [b.rows, b.cols]);
  }

  /** x1[r0:r0+nr] . x2[c0:c0+nc]^T, nr x nc row-major float32. */
  async block(r0: number, nr: number, c0: number, nc: number): Promise<Float32Array> {
    const d = this.d;
    if (nr === 0 || nc === 0 || d === 0) return new Float32Array(nr * nc);
    const rowsT = new Float32Array(d * nr);
    const x = this.x1.data;
    for (let r = 0; r < nr; r++) {
      const p = (r0 + r) * d;
      for (let k = 0; k < d; k++) rowsT[k * nr + r] = x[p + k];
    }
    const product = tf.tidy(() => {
      const cols = nc === this.cols.shape[0] ? this.cols : this.cols.slice([c0, 0], [nc, d]);
      return tf.matMul(cols, tf.tensor2d(rowsT, [d, nr]));
    });
    let transposed: Float32Array;
    try {
      transposed = (await product.data()) as Float32Array;
    } finally {
      product.dispose();
    }
    return transpose(transposed, nc, nr);
  }

  dispose(): void {
    this.cols.dispose();
  }
}

/** The transpose of a row-major [rows, cols] matrix, row-major [cols, rows]. */
function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  const B = TRANSPOSE_BLOCK;
  for (let i0 = 0; i0 < rows; i0 += B) {
    const iEnd = Math.min(i0 + B, rows);
    for (let j0 = 0; j0 < cols; j0 += B) {
      const jEnd = Math.min(j0 + B, cols);
      for (let i = i0; i < iEnd; i++) {
        const row = i * cols;
        for (let j = j0; j < jEnd; j++) out[j * rows + i] = a[row + j];
      }
    }
  }
  return out;
}
