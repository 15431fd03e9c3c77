/**
 * Memory estimates per model, made before anything runs, so a config that cannot fit is refused
 * with a number instead of crashing the tfjs wasm heap (which aborts the process past ~4 GiB).
 *
 * With N train and T test points, M = N + T, input dimension d, k outputs, L hidden layers:
 *
 * - Infinite models (float64, 8 bytes): the NNGP and NTK matrices over all points, 2 M^2, plus
 *   solve/eigendecomposition work on the train block, 2 N^2 (methods ntk, nngp, kernelAdam, gp).
 *   Method adam instead holds, while it draws its samples (L >= 2 only), the per-layer kernels
 *   (3 L + 3) M^2 and about 3 (L - 1) M^2 of covariances and their factors; then the samples:
 *   L R k M backward values and 2 C M forward values per sampled matrix, and the Adam state of every
 *   sampled entry: 3 R C per hidden-to-hidden matrix and 3 R d for the input matrix.
 *   Predictions and optimizer state on every point: 4 M k. A gp job whose float32 Cholesky runs on
 *   `lanes` > 1 worker threads (engine/linalg/choleskyLanes.ts) adds each lane's own memory
 *   (choleskyLaneBytes): its isolate and wasm module, L21^T, a row block and its product.
 * - Finite models (float32, 4 bytes), at the largest width n: P = d n + (L-1) n^2 + n k + L n + k
 *   parameters, held (1 + 1 + s) times (values, gradients, s optimizer slots: sgd 0, momentum 1,
 *   adam 2), plus 2 more copies for the linearized model (theta_0 and the tangent); activations of
 *   a batch of B points, 4 B n L (pre-activation, activation and their gradients); evaluation on
 *   all points, 2 M n.
 * - The data itself, for every model: M d values as float32 tensors plus their float32 host copy.
 *
 * These are estimates of what must be live at once, not measurements; they err on the high side
 * by ignoring tiling (kernels are computed in tiles, but the full matrices are kept).
 */
import { Experiment, ModelSpec } from './experimentTypes';
import { architectureOf } from '../nn/architecture';
import { FLOAT32_BLOCK, ROW_BLOCK } from '../linalg/choleskyBlocks';

export interface MemoryPart {
  label: string;
  bytes: number;
}

export interface ModelMemory {
  model: string;
  bytes: number;
  /** Largest first. */
  breakdown: MemoryPart[];
}

export interface DataSizes {
  train: number;
  test: number;
  outputs: number;
}

/** Train/test sizes and outputs where the experiment states them (csv data needs `sizes`). */
export function dataSizesOf(experiment: Experiment): DataSizes | null {
  const data = experiment.data;
  if (data.source === 'mnist') return { train: data.train, test: data.test, outputs: data.classes?.length ?? 10 };
  if (data.source === 'synthetic') return { train: data.train, test: data.test, outputs: data.outputs };
  return null;
}

/** A float32 Cholesky lane's start-up: a V8 isolate with tfjs and the wasm module (measured near 40 MB here). */
const LANE_BASE_BYTES = 48 * 2 ** 20;

/**
 * Memory one float32 Cholesky lane adds to a factorization of order n (the shared n x n matrix is
 * the solve work's): its isolate, and in its wasm heap and again as JS copies, L21^T (nb x n), one
 * row block (ROW_BLOCK x nb) and its product (ROW_BLOCK x n).
 */
export function choleskyLaneBytes(n: number): number {
  return LANE_BASE_BYTES + 2 * 4 * (FLOAT32_BLOCK * n + ROW_BLOCK * FLOAT32_BLOCK + ROW_BLOCK * n);
}

/**
 * Bytes each model needs at its peak; `sizes` is required for csv data (rows after the split).
 * `lanes`: the float32 Cholesky lanes a gp job gets in this run (engine/run/pool.ts's linalgLanes; default 1).
 */
export function estimateMemory(experiment: Experiment, inputDim: number, sizes?: DataSizes, lanes = 1): ModelMemory[] {
  const s = sizes ?? dataSizesOf(experiment);
  if (!s) throw new RangeError('estimateMemory: csv data needs explicit sizes');
  const hiddenLayers = architectureOf(experiment.network).hidden.length;
  return experiment.models.map((model) => {
    const parts = model.kind === 'infinite' ? infiniteParts(model, s, hiddenLayers, inputDim, lanes) : finiteParts(model, s, hiddenLayers, inputDim);
    const all = [...parts, { label: `data (${s.train + s.test} x ${inputDim} inputs, float32 tensor and host copy)`, bytes: 8 * (s.train + s.test) * inputDim }]
      .filter((p) => p.bytes > 0)
      .sort((a, b) => b.bytes - a.bytes);
    return { model: model.name, bytes: all.reduce((sum, p) => sum + p.bytes, 0), breakdown: all };
  });
}

function infiniteParts(model: ModelSpec & { kind: 'infinite' }, s: DataSizes, hiddenLayers: number, d: number, lanes: number): MemoryPart[] {
  const m = s.train + s.test;
  const n = s.train;
  const state = { label: `predictions and optimizer state (4 x ${m} x ${s.outputs}, float64)`, bytes: 8 * 4 * m * s.outputs };
  if (model.method === 'adam') {
    const L = Math.max(1, hiddenLayers);
    const k = s.outputs;
    const { backward: R, forward: C } = model.samples;
    const setup = L >= 2 ? (3 * L + 3 + 3 * (L - 1)) * m * m : 0;
    return [
      { label: `per-layer kernels and covariance factors while sampling (${setup / (m * m)} x ${m} x ${m}, float64)`, bytes: 8 * setup },
      { label: `Monte Carlo samples (${L} x ${R} x ${k} x ${m} backward + ${L} x 2 x ${C} x ${m} forward, float64)`, bytes: 8 * (L * R * k * m + L * 2 * C * m) },
      { label: `Adam state of the sampled entries (3 x (${L - 1} x ${R} x ${C} + ${R} x ${d}), float64)`, bytes: 8 * 3 * ((L - 1) * R * C + R * d) },
      state,
    ];
  }
  return [
    { label: `kernel matrices (NNGP and NTK, 2 x ${m} x ${m}, float64)`, bytes: 8 * 2 * m * m },
    { label: `kernel solve work on the train block (2 x ${n} x ${n}, float64)`, bytes: 8 * 2 * n * n },
    ...(model.method === 'gp' && lanes > 1 ? [{ label: `float32 Cholesky lanes (${lanes} worker threads, each its isolate, L21^T and a row block's product)`, bytes: lanes * choleskyLaneBytes(n) }] : []),
    state,
  ];
}

function finiteParts(model: ModelSpec & { kind: 'finite' }, s: DataSizes, hiddenLayers: number, d: number): MemoryPart[] {
  const width = Math.max(...model.widths, 1);
  const L = hiddenLayers;
  const k = s.outputs;
  const params = L === 0 ? d * k + k : d * width + (L - 1) * width * width + width * k + L * width + k;
  const slots = model.optimizer.name === 'adam' ? 2 : model.optimizer.name === 'momentum' ? 1 : 0;
  const copies = 2 + slots + (model.trainable === 'linearized' ? 2 : 0);
  const batch = model.batchSize === 'full' ? s.train : Math.min(model.batchSize, s.train);
  const m = s.train + s.test;
  return [
    { label: `parameters at width ${width} (${params.toLocaleString('en-US')} x ${copies} copies: values, gradients${slots ? `, ${slots} ${model.optimizer.name} slot${slots > 1 ? 's' : ''}` : ''}${model.trainable === 'linearized' ? ', linearization' : ''}; float32)`, bytes: 4 * params * copies },
    { label: `activations of a batch (4 x ${batch} points x ${width} x ${L} layers, float32)`, bytes: 4 * 4 * batch * width * L },
    { label: `evaluation on all ${m} points (2 x ${m} x ${width}, float32)`, bytes: 4 * 2 * m * width },
  ];
}

/** "1.2 GiB", "340 MiB", "12 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(v)} bytes` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}
