/**
 * The two matrix products of one weight block of the Adam limit per step (adamLimitDynamics.ts), on
 * either of two paths:
 *   gradient:  G = gScale * U X_B^T    U [rows, b] row signals, X_B the block's features on the batch
 *   update:    Y = outScale * Q X      Q [rows, columns] the optimizer's map, X [columns, M]
 * 'float64': the blocked float64 gemm of engine/linalg (1.3-3 GFLOP/s on one core here).
 * 'tfjs':    plain float32 tf.matMul on the active backend with the features kept as tensors (wasm:
 *            4-17 GFLOP/s on the same shapes, measured 2-8x faster at R = C = 256..1024, M = 500..2000; a
 *            GPU backend far more). Rounding (about 1e-7 relative) is far below the Monte Carlo error;
 *            Adam's state stays float64 in JavaScript on both paths.
 */
import * as tf from '@tensorflow/tfjs';
import { gemmNT } from '../linalg/blas';
import type { FeatureBlock } from './adamLimitSamples';

export type ProductPath = 'float64' | 'tfjs';

/**
 * Asynchronous because the tfjs path reads its products back with `data()`: the webgpu backend cannot
 * read synchronously in Node (its dataSync needs a DOM canvas).
 */
export interface BlockProducts {
  /** out [rows, columns] = gScale * u [rows, b] X_B^T; `batch` null means the first b points in order. */
  gradient(u: Float64Array, rows: number, batch: Int32Array, fullBatch: boolean, out: Float64Array): Promise<void>;
  /** out [rows, M] = outScale * q [rows, columns] X. */
  update(q: Float64Array, rows: number, out: Float64Array): Promise<void>;
  dispose(): void;
}

export function blockProducts(path: ProductPath, block: FeatureBlock, m: number, n: number): BlockProducts {
  return path === 'tfjs' ? new TfjsProducts(block, m, n) : new Float64Products(block, m);
}

class Float64Products implements BlockProducts {
  private gathered = new Float64Array(0);
  constructor(
    private readonly block: FeatureBlock,
    private readonly m: number,
  ) {}

  async gradient(u: Float64Array, rows: number, batch: Int32Array, fullBatch: boolean, out: Float64Array): Promise<void> {
    const { block, m } = this;
    const cols = block.columns;
    const b = batch.length;
    out.fill(0);
    if (fullBatch) {
      // The batch is points 0..b-1 in order: the first b entries of each feature row (stride M).
      gemmNT(rows, cols, b, block.gScale, u, 0, b, block.features, 0, m, out, 0, cols);
      return;
    }
    if (this.gathered.length < cols * b) this.gathered = new Float64Array(cols * b);
    const xb = this.gathered;
    for (let c = 0; c < cols; c++) {
      const src = c * m;
      const dst = c * b;
      for (let i = 0; i < b; i++) xb[dst + i] = block.features[src + batch[i]];
    }
    gemmNT(rows, cols, b, block.gScale, u, 0, b, xb, 0, b, out, 0, cols);
  }

  async update(q: Float64Array, rows: number, out: Float64Array): Promise<void> {
    const { block, m } = this;
    out.fill(0);
    gemmNT(rows, m, block.columns, block.outScale, q, 0, block.columns, block.featuresT, 0, block.columns, out, 0, m);
  }

  dispose(): void {}
}

class TfjsProducts implements BlockProducts {
  /** [columns, M] and the training rows of its transpose [N, columns], float32, scaled. */
  private readonly features: tf.Tensor2D;
  private readonly trainT: tf.Tensor2D;
  /** Reused float32 staging buffer for uploads. */
  private staging = new Float32Array(0);

  constructor(
    private readonly block: FeatureBlock,
    private readonly m: number,
    n: number,
  ) {
    const cols = block.columns;
    const f = new Float32Array(cols * m);
    for (let i = 0; i < f.length; i++) f[i] = block.features[i] * block.outScale;
    this.features = tf.tensor2d(f, [cols, m]);
    const t = new Float32Array(n * cols);
    for (let i = 0; i < t.length; i++) t[i] = block.featuresT[i] * block.gScale;
    this.trainT = tf.tensor2d(t, [n, cols]);
  }

  async gradient(u: Float64Array, rows: number, batch: Int32Array, fullBatch: boolean, out: Float64Array): Promise<void> {
    const b = batch.length;
    const values = tf.tidy(() => {
      const xb = fullBatch ? (b === this.trainT.shape[0] ? this.trainT : this.trainT.slice([0, 0], [b, -1])) : tf.gather(this.trainT, tf.tensor1d(batch, 'int32'));
      return tf.matMul(tf.tensor2d(this.stage(u, rows * b), [rows, b]), xb);
    });
    try {
      out.set(await values.data());
    } finally {
      values.dispose();
    }
  }

  async update(q: Float64Array, rows: number, out: Float64Array): Promise<void> {
    const cols = this.block.columns;
    const values = tf.tidy(() => tf.matMul(tf.tensor2d(this.stage(q, rows * cols), [rows, cols]), this.features));
    try {
      out.set(await values.data());
    } finally {
      values.dispose();
    }
  }

  /** The first `size` values as float32 (tf.tensor2d copies them, so the buffer can be reused). */
  private stage(values: Float64Array, size: number): Float32Array {
    if (this.staging.length < size) this.staging = new Float32Array(size);
    const out = this.staging.length === size ? this.staging : this.staging.subarray(0, size);
    for (let i = 0; i < size; i++) out[i] = values[i];
    return out;
  }

  dispose(): void {
    this.features.dispose();
    this.trainT.dispose();
  }
}
