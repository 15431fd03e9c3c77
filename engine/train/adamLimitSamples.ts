/**
 * The frozen random features of the Adam limit (Tensor Programs IVb; derived in docs/SCIENCE.md
 * sections 5.2-5.3), drawn once over all M = N + N* points (train rows first). Network of SCIENCE.md
 * section 2 with L hidden layers, per-layer w_l = wStd, b_l = bStd (l = L + 1 is the readout), k outputs.
 *
 * Per hidden layer l = 1..L, R backward samples r (one sample = one neuron i of layer l):
 *   h^(r) ~ N(0, Sigma_l)                          (l = 1 exactly: (w_1/sqrt d) x.z + b_1 z0, z ~ N(0, I_d))
 *   dx^(r,k) ~ N(0, P_l), independent per output k, with
 *     P_L = w_{L+1}^2 (all ones: one standard normal per (r, k), the same at every point),
 *     P_{l-1} = w_l^2 Kd_l * P_l   (so Kd_l * P_l = Pi_l of SCIENCE.md section 3),
 *   D_l^(r,k)(a) = phi_l'(h^(r)(a)) dx^(r,k)(a)  (the width-normalized backward signal sqrt(n) df_k/dh_l^i).
 *   The same h^(r) serves every output k (one neuron, k backward paths); dx is independent of h (the
 *   gradient-independence of MLPs at init, exact in the limit because the readout is drawn independently).
 * Per weight matrix, the column features (the inputs X_l of layer l):
 *   l = 1: the d input coordinates, exactly (no sampling);
 *   l >= 2 and the readout: C forward samples x^(c) = phi_{l-1}(h^(c)), h^(c) ~ N(0, Sigma_{l-1}),
 *   independent of everything else (rows and columns of a weight matrix decouple in the limit).
 *   With no hidden layers the readout's features are the d input coordinates.
 *
 * Every group of draws has its own stream Rng.derive(seed, 'adamLimit', group, layer), drawn in sample
 * order, so a larger R or C keeps the first samples unchanged.
 *
 * Each weight block carries the scales of its gradient and of its function update (see adamLimitDynamics.ts):
 *   input W_1:    gScale = outScale = w_1/sqrt(d)         (sum over the d exact columns)
 *   hidden W_l:   gScale = w_l, outScale = w_l / C         (mean over C sampled columns)
 *   readout:      gScale = w_{L+1}, outScale = w_{L+1} / C (or w_1/sqrt(d) with no hidden layers)
 */
import type { LayerKernels } from '../kernels/analytic';
import { chainOf } from '../kernels/pointwise';
import type { Network } from '../experiment/experimentTypes';
import { architectureOf } from '../nn/architecture';
import { CancelledError } from '../util/iwlError';
import type { Matrix } from '../util/matrix';
import { Rng } from '../util/rng';
import { gemmNT } from '../linalg/blas';
import { covarianceFactor, sampleGp, type CovarianceFactor } from './gpSample';
import type { ProductPath } from './adamLimitProducts';

/** The column features of one weight matrix and the scales of its gradient and update. */
export interface FeatureBlock {
  /** Number of columns (C sampled, or d exact). */
  columns: number;
  /** [columns, M]: column c's value at every point. */
  features: Float64Array;
  /** [M, columns]: the transpose (the update's matrix product reads it row by row). */
  featuresT: Float64Array;
  /** Normalized gradient g~ = gScale * (row signal) . (features on the batch). */
  gScale: number;
  /** The weight block's function update is outScale * Q features. */
  outScale: number;
  /** bStd of the layer's bias (0: no bias). */
  bStd: number;
}

export interface HiddenLayerSamples extends FeatureBlock {
  /** [R * k, M]: D_l^(r,k)(a) at row r * k + k'. */
  backward: Float64Array;
}

export interface FactorInfo {
  matrix: string;
  method: CovarianceFactor['method'];
  jitter: number;
  clipped: number;
}

export interface AdamLimitSamples {
  m: number;
  k: number;
  /** Backward samples per hidden layer (R) and forward samples per sampled weight matrix (C). */
  backward: number;
  forward: number;
  hidden: HiddenLayerSamples[];
  readout: FeatureBlock;
  /** How each covariance was factored (for the run summary). */
  factors: FactorInfo[];
}

export interface SampleOptions {
  network: Network;
  /** All points [M, d], train rows first. */
  x: Matrix;
  /** Outputs k. */
  outputs: number;
  /** Per-layer analytic kernels over x (computeKernels(..., { layers: true })); only read when L >= 2. */
  layers: LayerKernels | null;
  backward: number;
  forward: number;
  seed: number;
  signal?: AbortSignal;
  /** Where the Gaussian-process products run (gpSample.ts); default float64. */
  products?: ProductPath;
}

/**
 * Draws all samples. Async only to hand the event loop a turn between stages (each factorization and
 * each group of draws), so that a cancellation can arrive; the signal is checked at each of them.
 */
export async function drawAdamLimitSamples(options: SampleOptions): Promise<AdamLimitSamples> {
  const { network, x, outputs: k, layers, backward: R, forward: C, seed, signal } = options;
  const path = options.products ?? 'float64';
  const arch = architectureOf(network);
  const L = arch.hidden.length;
  const m = x.rows;
  const dense = [...arch.hidden.map((h) => h.dense), arch.readout];
  const w = dense.map((l) => l.wStd);
  const b = dense.map((l) => l.bStd);
  const chains = arch.hidden.map((h) => chainOf(h.activations));
  if (L >= 2 && !layers) throw new RangeError('drawAdamLimitSamples: networks with 2 or more hidden layers need the per-layer kernels');
  const stream = (group: string, layer: number) => Rng.derive(seed, 'adamLimit', group, layer);
  const checkCancel = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted) throw new CancelledError('Adam limit sampling cancelled');
  };
  const factors: FactorInfo[] = [];
  const factorOf = new Map<string, CovarianceFactor>();
  const factored = (name: string, cov: () => Float64Array): CovarianceFactor => {
    let f = factorOf.get(name);
    if (!f) {
      f = covarianceFactor(cov(), m, name);
      factorOf.set(name, f);
      factors.push({ matrix: name, method: f.method, jitter: f.jitter, clipped: f.clipped });
    }
    return f;
  };

  // Pre-activations h_l over the points, `count` independent neurons (rows of [count, M]).
  const preActivations = async (l: number, count: number, rng: Rng): Promise<Float64Array> => {
    if (l === 1) return exactFirstLayer(x, w[0], b[0], count, rng);
    return await sampleGp(factored(`Sigma_${l}`, () => layers!.sigma[l - 1]), count, rng, 1, path);
  };

  // cov(dx_l) = P_l for l < L, from the top down: P_{l} = w_{l+1}^2 Kd_{l+1} * P_{l+1}, P_L = w_{L+1}^2.
  const dxCov: (Float64Array | null)[] = new Array(L + 1).fill(null);
  if (L >= 2) {
    let p: Float64Array | null = null;
    for (let l = L - 1; l >= 1; l--) {
      const kd = layers!.kd[l]; // Kd_{l+1}
      const wl = w[l] * w[l]; // w_{l+1}^2
      const next = new Float64Array(m * m);
      const top = w[L] * w[L];
      for (let e = 0; e < next.length; e++) next[e] = wl * kd[e] * (p ? p[e] : top);
      dxCov[l] = next;
      p = next;
    }
  }

  // Factor every covariance up front, one stage each (the draws below then find them ready).
  for (let l = 2; l <= L; l++) {
    await checkCancel();
    factored(`Sigma_${l}`, () => layers!.sigma[l - 1]);
  }
  for (let l = 1; l < L; l++) {
    await checkCancel();
    factored(`cov(dx_${l})`, () => dxCov[l]!);
  }

  const hidden: HiddenLayerSamples[] = [];
  for (let l = 1; l <= L; l++) {
    await checkCancel();
    const chain = chains[l - 1];
    const h = await preActivations(l, R, stream('backward-h', l));
    let dx: Float64Array;
    if (l === L) {
      const rng = stream('backward-dx', l);
      const g = new Float64Array(R * k);
      for (let i = 0; i < g.length; i++) g[i] = w[L] * rng.normal();
      dx = new Float64Array(R * k * m);
      for (let i = 0; i < R * k; i++) dx.fill(g[i], i * m, (i + 1) * m);
    } else {
      await checkCancel();
      dx = await sampleGp(factored(`cov(dx_${l})`, () => dxCov[l]!), R * k, stream('backward-dx', l), 1, path);
    }
    const back = dx; // overwritten in place: D = phi'(h) * dx
    for (let r = 0; r < R; r++) {
      for (let a = 0; a < m; a++) {
        const dphi = chain.dphi(h[r * m + a]);
        for (let j = 0; j < k; j++) back[(r * k + j) * m + a] *= dphi;
      }
    }
    await checkCancel();
    const block = l === 1 ? inputFeatures(x, w[0]) : sampledFeatures(await preActivations(l - 1, C, stream('forward', l)), chains[l - 2], C, m, w[l - 1]);
    hidden.push({ ...block, bStd: b[l - 1], backward: back });
  }
  await checkCancel();
  const readoutBlock = L === 0 ? inputFeatures(x, w[0]) : sampledFeatures(await preActivations(L, C, stream('forward', L + 1)), chains[L - 1], C, m, w[L]);
  return { m, k, backward: R, forward: C, hidden, readout: { ...readoutBlock, bStd: b[L] }, factors };
}

/** h = (w/sqrt d) x z + b z0 for `count` neurons: exact samples of N(0, Sigma_1), [count, M]. */
function exactFirstLayer(x: Matrix, wStd: number, bStd: number, count: number, rng: Rng): Float64Array {
  const m = x.rows;
  const d = x.cols;
  const z = new Float64Array(count * d);
  const bias = new Float64Array(count);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < d; j++) z[r * d + j] = rng.normal();
    bias[r] = bStd * rng.normal();
  }
  const out = new Float64Array(count * m);
  for (let r = 0; r < count; r++) out.fill(bias[r], r * m, (r + 1) * m);
  // out[r, a] += (w/sqrt d) sum_j z[r, j] x[a, j]
  const xs = x.data instanceof Float64Array ? x.data : Float64Array.from(x.data);
  gemmNT(count, m, d, wStd / Math.sqrt(d), z, 0, d, xs, 0, d, out, 0, m);
  return out;
}

/** Layer 1's columns are the d input coordinates, exactly. */
function inputFeatures(x: Matrix, wStd: number): Omit<FeatureBlock, 'bStd'> {
  const m = x.rows;
  const d = x.cols;
  const featuresT = Float64Array.from(x.data);
  const features = new Float64Array(d * m);
  for (let a = 0; a < m; a++) for (let j = 0; j < d; j++) features[j * m + a] = featuresT[a * d + j];
  const scale = wStd / Math.sqrt(d);
  return { columns: d, features, featuresT, gScale: scale, outScale: scale };
}

/** C sampled columns x^(c) = phi(h^(c)) of a hidden or readout weight matrix. */
function sampledFeatures(h: Float64Array, chain: { phi(x: number): number }, c: number, m: number, wStd: number): Omit<FeatureBlock, 'bStd'> {
  const features = new Float64Array(c * m);
  for (let i = 0; i < features.length; i++) features[i] = chain.phi(h[i]);
  const featuresT = new Float64Array(m * c);
  for (let s = 0; s < c; s++) for (let a = 0; a < m; a++) featuresT[a * c + s] = features[s * m + a];
  return { columns: c, features, featuresT, gScale: wStd, outScale: wStd / c };
}
