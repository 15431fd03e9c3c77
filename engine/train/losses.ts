/**
 * The losses of SCIENCE.md section 4 and their gradients in function space, for every model (finite,
 * infinite, the Adam limit) and for the metrics. Shapes: predictions and targets are row-major [N, k].
 *   MSE:           L = (1/(N k)) sum 1/2 (f - y)^2
 *   cross-entropy: L = (1/N) sum -log softmax(f)_y     (y one-hot)
 */
import type { LossName } from '../experiment/experimentTypes';

type Values = ArrayLike<number>;

export function mseLoss(f: Values, y: Values): number {
  let sum = 0;
  for (let i = 0; i < f.length; i++) {
    const r = f[i] - y[i];
    sum += r * r;
  }
  return f.length === 0 ? 0 : (0.5 * sum) / f.length;
}

export function crossEntropyLoss(f: Values, y: Values, k: number): number {
  const n = f.length / k;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, f[i * k + j]);
    let z = 0;
    for (let j = 0; j < k; j++) z += Math.exp(f[i * k + j] - max);
    const logZ = max + Math.log(z);
    for (let j = 0; j < k; j++) sum -= y[i * k + j] * (f[i * k + j] - logZ);
  }
  return n === 0 ? 0 : sum / n;
}

export function loss(name: LossName, f: Values, y: Values, k: number): number {
  return name === 'mse' ? mseLoss(f, y) : crossEntropyLoss(f, y, k);
}

/**
 * dL/df for the loss, row-major [N, k]: MSE chi = (f - y)/(N k); cross-entropy chi = (softmax(f) - y)/N.
 * `out` may alias nothing else. Rows not in the batch are the caller's business (chi is zero there).
 */
export function lossGradient(name: LossName, f: Values, y: Values, k: number, out: Float64Array = new Float64Array(f.length)): Float64Array {
  const n = f.length / k;
  if (name === 'mse') {
    const scale = 1 / (n * k);
    for (let i = 0; i < f.length; i++) out[i] = (f[i] - y[i]) * scale;
    return out;
  }
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, f[i * k + j]);
    let z = 0;
    for (let j = 0; j < k; j++) z += Math.exp(f[i * k + j] - max);
    for (let j = 0; j < k; j++) out[i * k + j] = (Math.exp(f[i * k + j] - max) / z - y[i * k + j]) / n;
  }
  return out;
}

/**
 * chi on one batch: the loss gradient of the batch's own loss (its mean over the |B| rows) at the
 * rows `batch` of f [*, k] against the same rows of the training targets y [N, k]; returns [|B|, k].
 */
export function batchLossGradient(name: LossName, f: Values, y: Values, batch: ArrayLike<number>, k: number): Float64Array {
  const b = batch.length;
  const fb = new Float64Array(b * k);
  const yb = new Float64Array(b * k);
  for (let i = 0; i < b; i++) {
    const row = batch[i];
    if (!(row >= 0 && (row + 1) * k <= y.length)) throw new RangeError(`batchLossGradient: batch index ${row} is not a training point (N = ${y.length / k})`);
    for (let j = 0; j < k; j++) {
      fb[i * k + j] = f[row * k + j];
      yb[i * k + j] = y[row * k + j];
    }
  }
  return lossGradient(name, fb, yb, k);
}
