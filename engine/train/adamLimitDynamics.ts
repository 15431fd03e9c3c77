/**
 * Function-space dynamics of the Adam limit (Tensor Programs IVb) on frozen Monte Carlo features
 * (adamLimitSamples.ts). f is [M, k] on all points (train rows first), f_0 = 0; chi = dL/df is zero
 * off the batch. Every sampled entry of every weight matrix and bias keeps its own optimizer state.
 *
 * Per step t, with chi_t [b, k] on the batch B (row signals U, normalized gradients g~, update map Q):
 *   hidden layer l:  U[r, i]   = sum_k chi[i, k] D_l^(r,k)(B_i)                          [R, b]
 *                    g~[r, c]  = gScale * sum_i U[r, i] X_c(B_i)                         [R, columns]
 *                    g~_bias[r] = bStd * sum_i U[r, i]                                   [R]
 *                    Y[r, a]   = outScale * sum_c Q(g~)[r, c] X_c(a) + bStd Q(g~_bias)[r]  [R, M]
 *                    f[a, k]  -= eta (1/R) sum_r D_l^(r,k)(a) Y[r, a]
 *   readout:         g~[k, c]  = gScale * sum_i chi[i, k] X_c(B_i),  g~_bias[k] = bStd sum_i chi[i, k]
 *                    f[a, k]  -= eta (outScale * sum_c Q(g~)[k, c] X_c(a) + bStd Q(g~_bias)[k])
 * The 1/R and outScale = w/C are the Monte Carlo means over neurons (rows) and columns of the limit's
 * E_{i,j}; the input layer sums its d exact columns with outScale = w_1/sqrt(d).
 *
 * Q: Adam (bias-corrected m_hat / (sqrt(v_hat) + eps), eps in normalized-gradient units), or for
 * checks SGD (Q = identity: NTK gradient descent in expectation) and momentum (Q = running sum).
 *
 * Cost per step, hidden layer: R (k b + columns (b + M) + k M) multiply-adds; the two R x columns
 * products run on float64 JavaScript or tfjs (adamLimitProducts.ts).
 */
import type { LossName, OptimizerSpec } from '../experiment/experimentTypes';
import { batchLossGradient } from './losses';
import type { BatchSchedule } from './batches';
import type { AdamLimitSamples, FeatureBlock } from './adamLimitSamples';
import { blockProducts, type BlockProducts, type ProductPath } from './adamLimitProducts';

export interface AdamLimitProblem {
  samples: AdamLimitSamples;
  /** Training points N (the first N of the M points). */
  n: number;
  /** Training targets [N, k]. */
  y: ArrayLike<number>;
  loss: LossName;
}

/** Per-entry optimizer state of one parameter group (weights or biases of one layer). */
class EntryOptimizer {
  private readonly m1: Float64Array;
  private readonly m2: Float64Array | null;

  constructor(
    size: number,
    private readonly spec: OptimizerSpec,
  ) {
    this.m1 = new Float64Array(spec.name === 'sgd' ? 0 : size);
    this.m2 = spec.name === 'adam' ? new Float64Array(size) : null;
  }

  /** Replaces g (the normalized gradient at step t, 1-based) by Q_t(history of g), in place. */
  apply(g: Float64Array, t: number): void {
    const { name, beta1, beta2, eps, momentum } = this.spec;
    if (name === 'sgd') return;
    const m1 = this.m1;
    if (name === 'momentum') {
      for (let i = 0; i < g.length; i++) g[i] = m1[i] = momentum * m1[i] + g[i];
      return;
    }
    const m2 = this.m2!;
    const c1 = 1 / (1 - Math.pow(beta1, t));
    const c2 = 1 / (1 - Math.pow(beta2, t));
    const a1 = 1 - beta1;
    const a2 = 1 - beta2;
    for (let i = 0; i < g.length; i++) {
      const gi = g[i];
      const mi = (m1[i] = beta1 * m1[i] + a1 * gi);
      const vi = (m2[i] = beta2 * m2[i] + a2 * gi * gi);
      g[i] = (mi * c1) / (Math.sqrt(vi * c2) + eps);
    }
  }
}

interface BlockState {
  block: FeatureBlock;
  /** Rows of the block: R (hidden) or k (readout). */
  rows: number;
  products: BlockProducts;
  weights: EntryOptimizer;
  bias: EntryOptimizer | null;
  /** Work arrays: gradient [rows, columns] (then Q in place), bias gradient [rows], update Y [rows, M]. */
  g: Float64Array;
  gb: Float64Array;
  y: Float64Array;
}

export class AdamLimitDynamics {
  /** Predictions on all M points, [M, k]. */
  readonly f: Float64Array;
  private t = 0;
  private readonly states: BlockState[];
  private readonly readoutState: BlockState;
  private readonly m: number;
  private readonly k: number;

  /** `products`: where the per-step matrix products run (adamLimitProducts.ts); call dispose() after. */
  constructor(
    private readonly problem: AdamLimitProblem,
    optimizer: OptimizerSpec,
    private readonly learningRate: number,
    private readonly schedule: BatchSchedule,
    products: ProductPath = 'float64',
  ) {
    const { samples } = problem;
    this.m = samples.m;
    this.k = samples.k;
    this.f = new Float64Array(this.m * this.k);
    const state = (block: FeatureBlock, rows: number): BlockState => ({
      block,
      rows,
      products: blockProducts(products, block, this.m, problem.n),
      weights: new EntryOptimizer(rows * block.columns, optimizer),
      bias: block.bStd !== 0 ? new EntryOptimizer(rows, optimizer) : null,
      g: new Float64Array(rows * block.columns),
      gb: new Float64Array(rows),
      y: new Float64Array(rows * this.m),
    });
    this.states = samples.hidden.map((h) => state(h, samples.backward));
    this.readoutState = state(samples.readout, this.k);
  }

  get step(): number {
    return this.t;
  }

  /** Frees the product path's tensors (the tfjs path holds the features). */
  dispose(): void {
    for (const s of [...this.states, this.readoutState]) s.products.dispose();
  }

  /** One optimization step on the batch the schedule gives for this step (async: see BlockProducts). */
  async advance(): Promise<void> {
    const { samples, y, loss } = this.problem;
    const { m, k } = this;
    const batch = this.schedule.batch(this.t);
    const b = batch.length;
    const chi = batchLossGradient(loss, this.f, y, batch, k);
    this.t++;
    const fullBatch = this.schedule.fullBatch && isIdentity(batch);
    const delta = new Float64Array(m * k);

    const R = samples.backward;
    const u = new Float64Array(R * b);
    for (let l = 0; l < this.states.length; l++) {
      const s = this.states[l];
      const back = samples.hidden[l].backward;
      // U[r, i] = sum_k chi[i, k] D^(r,k)(B_i)
      for (let r = 0; r < R; r++) {
        for (let i = 0; i < b; i++) {
          const a = batch[i];
          let acc = 0;
          for (let j = 0; j < k; j++) acc += chi[i * k + j] * back[(r * k + j) * m + a];
          u[r * b + i] = acc;
        }
      }
      await this.blockUpdate(s, u, batch, fullBatch);
      // delta[k, a] = sum_r D^(r,k)(a) Y[r, a]  (layout [k, M]: contiguous inner loops)
      const yv = s.y;
      for (let r = 0; r < R; r++) {
        const yr = r * m;
        for (let j = 0; j < k; j++) {
          const row = (r * k + j) * m;
          const out = j * m;
          for (let a = 0; a < m; a++) delta[out + a] += back[row + a] * yv[yr + a];
        }
      }
      this.addHidden(delta, R);
    }

    // Readout: row signals are chi^T itself.
    const ct = new Float64Array(k * b);
    for (let i = 0; i < b; i++) for (let j = 0; j < k; j++) ct[j * b + i] = chi[i * k + j];
    await this.blockUpdate(this.readoutState, ct, batch, fullBatch);
    const yr = this.readoutState.y;
    const eta = this.learningRate;
    for (let a = 0; a < m; a++) for (let j = 0; j < k; j++) this.f[a * k + j] -= eta * yr[j * m + a];
  }

  /** f[a, k] -= eta/R * delta[k, a], then clears delta (one hidden layer's sum over its R neurons). */
  private addHidden(delta: Float64Array, R: number): void {
    const { m, k } = this;
    const scale = -this.learningRate / R;
    for (let j = 0; j < k; j++) {
      for (let a = 0; a < m; a++) this.f[a * k + j] += scale * delta[j * m + a];
    }
    delta.fill(0);
  }

  /**
   * For one weight block with row signals u [rows, b]: g~ = gScale u X_B^T and the bias gradient, the
   * optimizer map in place, then Y = outScale Q X + bStd Q_bias (one row per block row, over all M points).
   */
  private async blockUpdate(s: BlockState, u: Float64Array, batch: Int32Array, fullBatch: boolean): Promise<void> {
    const { block, rows, g, gb, y } = s;
    const { m } = this;
    const b = batch.length;
    await s.products.gradient(u, rows, batch, fullBatch, g);
    s.weights.apply(g, this.t);
    await s.products.update(g, rows, y);
    if (s.bias) {
      for (let r = 0; r < rows; r++) {
        let acc = 0;
        for (let i = 0; i < b; i++) acc += u[r * b + i];
        gb[r] = block.bStd * acc;
      }
      s.bias.apply(gb, this.t);
      for (let r = 0; r < rows; r++) {
        const add = block.bStd * gb[r];
        const row = r * m;
        for (let a = 0; a < m; a++) y[row + a] += add;
      }
    }
  }
}

function isIdentity(batch: Int32Array): boolean {
  for (let i = 0; i < batch.length; i++) if (batch[i] !== i) return false;
  return true;
}
