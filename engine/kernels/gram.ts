/**
 * Blocks of the Gram matrix x1 . x2^T on the active tfjs backend.
 *
 * x2 is transposed once, in JavaScript, so every block is a plain matMul(A, B): on wasm only that
 * form takes XNNPACK's fast path (matMul(A, B, false, true) ran 14x slower, ENVIRONMENT.md). One
 * tf.tidy per block keeps the wasm heap to one block's worth: the full n x n product is never made.
 * The result is float32 (tfjs has no float64); kernels.ts documents how it copes with that.
 */
import * as tf from '@tensorflow/tfjs';
import { Matrix } from '../util/matrix';

export class GramBlocks {
  private readonly a: tf.Tensor2D;
  private readonly bT: tf.Tensor2D;
  private readonly d: number;

  constructor(x1: Matrix, x2: Matrix | null) {
    this.d = x1.cols;
    this.a = tf.tensor2d(Float32Array.from(x1.data), [x1.rows, x1.cols]);
    const b = x2 ?? x1;
    const t = new Float32Array(b.rows * b.cols);
    for (let i = 0; i < b.rows; i++) {
      const row = i * b.cols;
      for (let k = 0; k < b.cols; k++) t[k * b.rows + i] = b.data[row + k];
    }
    this.bT = tf.tensor2d(t, [b.cols, b.rows]);
  }

  /** x1[r0:r0+nr] . x2[c0:c0+nc]^T, nr x nc row-major float32. */
  async block(r0: number, nr: number, c0: number, nc: number): Promise<Float32Array> {
    if (nr === 0 || nc === 0 || this.d === 0) return new Float32Array(nr * nc);
    const product = tf.tidy(() => {
      const rows = nr === this.a.shape[0] ? this.a : this.a.slice([r0, 0], [nr, this.d]);
      const cols = nc === this.bT.shape[1] ? this.bT : this.bT.slice([0, c0], [this.d, nc]);
      return tf.matMul(rows, cols);
    });
    try {
      return (await product.data()) as Float32Array;
    } finally {
      product.dispose();
    }
  }

  dispose(): void {
    this.a.dispose();
    this.bT.dispose();
  }
}
