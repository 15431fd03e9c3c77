/**
 * A fixed float64 matrix rounded once to float32 and uploaded to the active TensorFlow.js backend, so
 * that repeated products A X (X float64, a few to a few hundred columns) run as one `tf.matMul` each:
 * XNNPACK on wasm, the GPU on webgpu. Used where an algorithm touches the same kernel matrix many
 * times (the Krylov dynamics of engine/train/krylovDynamics.ts, the stepwise kernel dynamics).
 *
 * Accuracy: each product is A32 X32 with float32 accumulation, so entry-wise errors are of order
 * sqrt(cols) eps_32 |A| |X| (eps_32 = 6e-8); callers accumulate the results in float64.
 * The operand is never transposed on the backend (a transposed matMul is about 10x slower on wasm,
 * docs/ENVIRONMENT.md): A is uploaded as stored, row-major.
 */
import * as tf from '@tensorflow/tfjs';
import { checkDim, checkLength } from './blas';

export class Float32Matrix {
  private tensor: tf.Tensor2D | null;

  /**
   * `source` holds the matrix row-major with row stride `stride` (>= cols) starting at `offset`: a
   * block of a larger matrix, e.g. the train-train block of an [M, M] kernel, is copied without a
   * float64 intermediate.
   */
  constructor(source: ArrayLike<number>, readonly rows: number, readonly cols: number, stride = cols, offset = 0) {
    checkDim('Float32Matrix', 'rows', rows);
    checkDim('Float32Matrix', 'cols', cols);
    if (stride < cols) throw new RangeError(`Float32Matrix: stride ${stride} is below cols ${cols}`);
    const needed = offset + (rows - 1) * stride + cols;
    if (!Number.isInteger(offset) || offset < 0 || source.length < needed) {
      throw new RangeError(`Float32Matrix: a ${rows} x ${cols} block at offset ${offset}, stride ${stride} needs ${needed} values, got ${source.length}`);
    }
    const values = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const from = offset + i * stride;
      for (let j = 0; j < cols; j++) values[i * cols + j] = source[from + j];
    }
    this.tensor = tf.tensor2d(values, [rows, cols]);
  }

  /**
   * A X for X [cols, k] row-major (float64 in, float64 out, float32 in between). Asynchronous because
   * the webgpu backend cannot read a result back synchronously in Node (its dataSync needs a DOM canvas).
   */
  async times(x: ArrayLike<number>, k: number): Promise<Float64Array> {
    const tensor = this.live();
    checkLength('Float32Matrix.times', x, this.cols * k, `${this.cols} x ${k}`);
    const product = tf.tidy(() => tf.matMul(tensor, tf.tensor2d(Float32Array.from(x), [this.cols, k])));
    try {
      return Float64Array.from(await product.data());
    } finally {
      product.dispose();
    }
  }

  /** Frees the backend copy; later products throw. */
  dispose(): void {
    this.tensor?.dispose();
    this.tensor = null;
  }

  private live(): tf.Tensor2D {
    if (!this.tensor) throw new Error('Float32Matrix: used after dispose()');
    return this.tensor;
  }
}
