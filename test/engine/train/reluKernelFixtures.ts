import { loadMnist } from '../../../engine/data/mnist';
import { matmulNT } from '../../../engine/linalg';
import type { KernelProblem } from '../../../engine/train/kernelDynamics';

/**
 * The analytic NNGP of a one-hidden-layer ReLU network (wStd^2 = 2, bStd^2 = 0.1) over inputs x in R^784:
 *   K0 = wStd^2 x.x'/d + bStd^2,   K1 = wStd^2/(2 pi) sqrt(K0 K0') (sin t + (pi - t) cos t) + bStd^2,
 * t = arccos(K0(x, x') / sqrt(K0 K0')) (Cho & Saul's arc-cosine kernel). Computed here, independently of engine/kernels.
 */
export function reluNngp(x: Float64Array, m: number, d: number): Float64Array {
  const w2 = 2, b2 = 0.1;
  const g = matmulNT(x, x, m, d, m);
  const k0 = g.map((v) => (w2 * v) / d + b2);
  const k = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const norm = Math.sqrt(k0[i * m + i] * k0[j * m + j]);
      const t = Math.acos(Math.min(1, Math.max(-1, k0[i * m + j] / norm)));
      k[i * m + j] = (w2 / (2 * Math.PI)) * norm * (Math.sin(t) + (Math.PI - t) * Math.cos(t)) + b2;
    }
  }
  return k;
}

/** A kernel regression problem on shipped MNIST digits (one-hot targets, 10 outputs) with the kernel above. */
export function mnistReluProblem(train: number, test: number): KernelProblem & { labelsTest: Int32Array } {
  const data = loadMnist({ train, test, classes: null }, 1);
  const n = data.xTrain.rows, nTest = data.xTest.rows, m = n + nTest, d = data.inputDim, k = data.outputs;
  const x = new Float64Array(m * d);
  x.set(data.xTrain.data);
  x.set(data.xTest.data, n * d);
  return { kernel: reluNngp(x, m, d), m, n, k, y: data.yTrain.data, loss: 'mse', labelsTest: data.labelsTest! };
}

/** Fraction of rows offset..offset+rows-1 of `mean` ([*, k]) whose largest entry is the label. */
export function argmaxAccuracy(mean: Float64Array, offset: number, rows: number, k: number, labels: Int32Array): number {
  let correct = 0;
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (mean[(offset + i) * k + c] > mean[(offset + i) * k + best]) best = c;
    if (best === labels[i]) correct++;
  }
  return correct / rows;
}
