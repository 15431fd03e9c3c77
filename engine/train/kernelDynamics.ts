/**
 * Function-space dynamics of infinite-width models on a fixed kernel (SCIENCE.md section 5).
 * Shapes: the kernel is over all M = N + N* points (train rows first), row-major [M, M];
 * f is row-major [M, k]; y is [N, k]. chi = dL/df is zero off the current batch.
 *
 *   gradient descent:  f_{t+1} = f_t - eta K(., B) chi_t(B)
 *   momentum mu:       m_t = mu m_{t-1} + chi_t,  f_{t+1} = f_t - eta K(., B) m_t(B)
 *   kernel Adam (a heuristic): per training point and output, Adam moments of chi;
 *                      f_{t+1} = f_t - eta K(., X) mhat_t / (sqrt(vhat_t) + eps)
 * K is the NTK for the limit of SGD on all layers and the NNGP for readout-only training.
 *
 * Each step is one product K(., X) d over the M points. By default it runs in float64 JavaScript (exact,
 * O(M B k)); with `float32Products` it runs as one float32 tf.matMul on the active backend over all N
 * training columns (engine/linalg/float32Matrix.ts), f itself staying float64. That is what makes
 * thousands of steps on thousands of points affordable (STEPWISE_FLOAT32_MIN_N); a batch below a quarter
 * of the training set keeps the float64 path, whose cost is proportional to the batch.
 */
import type { LossName, OptimizerSpec } from '../experiment/experimentTypes';
import { batchLossGradient } from './losses';
import type { BatchSchedule } from './batches';
import { Float32Matrix } from '../linalg/float32Matrix';

/** From this many training points the trainer's stepwise dynamics use float32 kernel products. */
export const STEPWISE_FLOAT32_MIN_N = 1024;

export interface KernelDynamicsOptions {
  /** Kernel products in float32 on the tfjs backend (see above); call dispose() when done. */
  float32Products?: boolean;
}

export interface KernelProblem {
  /** [M, M], train rows first. */
  kernel: Float64Array;
  m: number;
  n: number;
  k: number;
  /** Training targets [N, k]. */
  y: ArrayLike<number>;
  loss: LossName;
}

export class KernelDynamics {
  /** Predictions on all M points, [M, k]; starts at f_0 = 0 (centering). */
  readonly f: Float64Array;
  private readonly velocity: Float64Array | null;
  private readonly adamM: Float64Array | null;
  private readonly adamV: Float64Array | null;
  private t = 0;
  /** K(all M points, X) in float32 on the backend, when float32Products is set. */
  private products: Float32Matrix | null;

  constructor(
    private readonly problem: KernelProblem,
    private readonly optimizer: OptimizerSpec,
    private readonly learningRate: number,
    private readonly schedule: BatchSchedule,
    options: KernelDynamicsOptions = {},
  ) {
    const { m, n, k } = problem;
    this.products = options.float32Products ? new Float32Matrix(problem.kernel, m, n, m, 0) : null;
    this.f = new Float64Array(m * k);
    this.velocity = optimizer.name === 'momentum' ? new Float64Array(n * k) : null;
    this.adamM = optimizer.name === 'adam' ? new Float64Array(n * k) : null;
    this.adamV = optimizer.name === 'adam' ? new Float64Array(n * k) : null;
  }

  get step(): number {
    return this.t;
  }

  /** True when the steps use float32 kernel products. */
  get float32(): boolean {
    return this.products !== null;
  }

  /** Frees the backend copy of the kernel (a no-op on the float64 path); advance() then uses float64. */
  dispose(): void {
    this.products?.dispose();
    this.products = null;
  }

  /** One optimization step on the batch the schedule gives for this step (asynchronous: see Float32Matrix.times). */
  async advance(): Promise<void> {
    const { kernel, m, n, k, y, loss } = this.problem;
    const batch = this.schedule.batch(this.t);
    const b = batch.length;
    const chi = batchLossGradient(loss, this.f, y, batch, k);
    // The direction that multiplies the kernel, per training row (zero off the batch unless a state carries it).
    let rows: Int32Array;
    let direction: Float64Array;
    if (this.velocity) {
      const mu = this.optimizer.momentum;
      const v = this.velocity;
      for (let i = 0; i < v.length; i++) v[i] *= mu;
      for (let i = 0; i < b; i++) for (let j = 0; j < k; j++) v[batch[i] * k + j] += chi[i * k + j];
      rows = allRows(n);
      direction = v;
    } else if (this.adamM && this.adamV) {
      const { beta1, beta2, eps } = this.optimizer;
      const mom = this.adamM;
      const sec = this.adamV;
      const full = new Float64Array(n * k);
      for (let i = 0; i < b; i++) for (let j = 0; j < k; j++) full[batch[i] * k + j] = chi[i * k + j];
      const c1 = 1 - Math.pow(beta1, this.t + 1);
      const c2 = 1 - Math.pow(beta2, this.t + 1);
      direction = new Float64Array(n * k);
      for (let i = 0; i < n * k; i++) {
        mom[i] = beta1 * mom[i] + (1 - beta1) * full[i];
        sec[i] = beta2 * sec[i] + (1 - beta2) * full[i] * full[i];
        direction[i] = mom[i] / c1 / (Math.sqrt(sec[i] / c2) + eps);
      }
      rows = allRows(n);
    } else {
      rows = batch;
      direction = chi;
    }
    const layout = this.velocity || this.adamM ? 'byRow' : 'packed';
    if (this.products && rows.length * 4 >= n) {
      let full = direction;
      if (layout === 'packed') {
        full = new Float64Array(n * k);
        for (let i = 0; i < rows.length; i++) for (let j = 0; j < k; j++) full[rows[i] * k + j] = direction[i * k + j];
      }
      const product = await this.products.times(full, k);
      for (let i = 0; i < m * k; i++) this.f[i] -= this.learningRate * product[i];
    } else {
      applyKernel(kernel, m, k, rows, direction, layout, -this.learningRate, this.f);
    }
    this.t++;
  }
}

const allRowsCache = new Map<number, Int32Array>();
function allRows(n: number): Int32Array {
  let rows = allRowsCache.get(n);
  if (!rows) {
    rows = Int32Array.from({ length: n }, (_, i) => i);
    allRowsCache.set(n, rows);
  }
  return rows;
}

/**
 * f[a, :] += scale * sum_i K[a, rows[i]] * d[i, :] for all a < m.
 * `packed`: d has one row per entry of `rows`; `byRow`: d is indexed by the training row itself.
 */
function applyKernel(kernel: Float64Array, m: number, k: number, rows: Int32Array, d: Float64Array, layout: 'packed' | 'byRow', scale: number, f: Float64Array): void {
  const b = rows.length;
  const acc = new Float64Array(k);
  for (let a = 0; a < m; a++) {
    acc.fill(0);
    const base = a * m;
    for (let i = 0; i < b; i++) {
      const r = rows[i];
      const kv = kernel[base + r];
      if (kv === 0) continue;
      const off = (layout === 'packed' ? i : r) * k;
      for (let j = 0; j < k; j++) acc[j] += kv * d[off + j];
    }
    const fo = a * k;
    for (let j = 0; j < k; j++) f[fo + j] += scale * acc[j];
  }
}
