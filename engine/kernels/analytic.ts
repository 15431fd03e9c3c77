/**
 * The analytic NNGP and NTK of a network (SCIENCE.md section 3), per output unit:
 *
 *     Sigma_1 = w_1^2 x.x'/d + b_1^2,     Theta_1 = Sigma_1
 *     Sigma_{l+1} = w_{l+1}^2 K_l + b_{l+1}^2,   Theta_{l+1} = Sigma_{l+1} + w_{l+1}^2 Kd_l * Theta_l
 *     NNGP = Sigma_{L+1},  NTK = Theta_{L+1}
 *
 * with K_l, Kd_l the dual activation of hidden block l (activations.ts) at the covariance Sigma_l, and
 * w_l, b_l the wStd, bStd of the l-th dense layer (l = L + 1 is the readout).
 *
 * Shapes: x1 [n1, d], x2 [n2, d] (x2 = null means x1); results are row-major [n1, n2] float64.
 *
 * How it runs: the variances q_l(x) = Sigma_l(x, x) of every point go first (float64, one dual-map
 * diagonal per layer), then the entries in tiles of rows: one Gram block on the tfjs backend, then
 * the whole layer recursion on that block in plain float64 loops (chains of tfjs ops would stream
 * n^2-sized tensors through memory once per op). With x2 = null only blocks on and above the
 * diagonal are computed and mirrored.
 *
 * Precision: the Gram block is float32 (tfjs has no float64), about 1e-6 relative to |x||x'|. That
 * is harmless except near rho = +-1, where arccos amplifies it (theta ~ sqrt(2 (1 - rho)), so
 * d theta ~ eps / theta, and relu's Kd = (pi - theta)/(2 pi) would be off by eps/(2 pi sqrt(2(1-rho)))).
 * So: norms (the diagonals) are float64 sums in JavaScript; a point against itself gets c = q
 * exactly; and every pair whose first-layer |rho| exceeds 1 - 1e-3 gets its dot product recomputed
 * in float64 (the error left elsewhere is then below 1e-6 / sqrt(2e-3), about 2e-5 of Kd at worst,
 * and typically far less). Everything after the Gram block is float64.
 */
import { Network } from '../experiment/types';
import { architectureOf } from '../nn/architecture';
import { CancelledError, IwlError } from '../util/errors';
import { Matrix } from '../util/matrix';
import { DualEntries, DualMap, dualMapOf } from './activations';
import { GramBlocks } from './gram';
import { HermiteOptions } from './hermiteDual';

export interface KernelOptions {
  /** Rows per tile; default: about a million entries per tile. */
  tileRows?: number;
  /** Called after each tile with the number of kernel entries done and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Checked between tiles; an aborted signal throws CancelledError. */
  signal?: AbortSignal;
  /** Also return the per-layer Sigma_l, K_l, Kd_l (costs (3L + 1) more n1 x n2 arrays). */
  layers?: boolean;
  /** Accuracy settings for activations integrated numerically. */
  hermite?: HermiteOptions;
}

/**
 * Per-layer pieces, each row-major [n1, n2]: sigma[l - 1] = Sigma_l for l = 1..L+1, k[l - 1] = K_l and
 * kd[l - 1] = Kd_l for l = 1..L; wStd[l - 1], bStd[l - 1] of dense layer l. With
 * Pi_{L+1} = 1, Pi_l = Pi_{l+1} * wStd_{l+1}^2 Kd_l, the NTK is sum_l Pi_l * Sigma_l.
 */
export interface LayerKernels {
  sigma: Float64Array[];
  k: Float64Array[];
  kd: Float64Array[];
  wStd: number[];
  bStd: number[];
}

export interface KernelStats {
  /** Seconds spent waiting for Gram blocks from the backend, and in the float64 recursion. */
  gramSeconds: number;
  recursionSeconds: number;
  /** Pairs whose dot product was recomputed in float64 (|rho| within 1e-3 of 1). */
  refinedPairs: number;
  /** Entries integrated by 2-D quadrature because their Hermite series converges too slowly. */
  quadratureEntries: number;
  /** Dual maps per hidden layer, e.g. ["relu", "tanh"], with whether each is a closed form. */
  duals: { name: string; closedForm: boolean }[];
}

export interface KernelResult {
  nngp: Float64Array;
  ntk: Float64Array;
  n1: number;
  n2: number;
  layers?: LayerKernels;
  stats: KernelStats;
}

/** First-layer |rho| above 1 - NEAR_ONE: recompute the dot product in float64. */
const NEAR_ONE = 1e-3;
/** Default tile: about this many entries (float32 Gram block + four float64 work arrays: 36 MB). */
const TILE_ENTRIES = 1 << 20;

/** Bytes the computation holds at its peak: results, inputs (float64 + float32 copies), one tile. */
export function kernelMemoryBytes(n1: number, n2: number, d: number, options: { tileRows?: number; layers?: number } = {}): number {
  const tileRows = Math.min(n1, options.tileRows ?? defaultTileRows(n2));
  const results = 2 * n1 * n2 * 8;
  const layerArrays = options.layers ? (3 * options.layers + 1) * n1 * n2 * 8 : 0;
  const inputs = (n1 + n2) * d * (8 + 4 + 4);
  const tile = tileRows * n2 * (4 + 4 * 8);
  return results + layerArrays + inputs + tile;
}

function defaultTileRows(n2: number): number {
  return Math.max(8, Math.min(4096, Math.floor(TILE_ENTRIES / Math.max(1, n2))));
}

function checkMatrix(name: string, m: Matrix): void {
  if (m.rows * m.cols !== m.data.length) throw new IwlError('KERNEL_INPUT', `${name}: ${m.data.length} values do not fill ${m.rows} x ${m.cols}`);
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i])) {
      throw new IwlError('KERNEL_INPUT', `${name}: row ${Math.floor(i / m.cols) + 1}, column ${(i % m.cols) + 1} is ${m.data[i]}, not a finite number`);
    }
  }
}

/** Sum of squares of each row, float64, in the same order as `dot` so identical rows agree bit for bit. */
function rowNorms(m: Matrix): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = dot(m, i, m, i);
  return out;
}

function dot(a: Matrix, i: number, b: Matrix, j: number): number {
  const d = a.cols;
  const x = a.data;
  const y = b.data;
  let s = 0;
  for (let k = 0, p = i * d, q = j * d; k < d; k++) s += x[p + k] * y[q + k];
  return s;
}

export async function computeKernels(network: Network, x1: Matrix, x2: Matrix | null, options: KernelOptions = {}): Promise<KernelResult> {
  if (network.parametrization !== 'ntk') {
    throw new IwlError(
      'KERNEL_STANDARD_PARAMETRIZATION',
      `network: the NTK is defined here for parametrization 'ntk' only, got '${network.parametrization}' (under the standard parametrization the NTK grows with width; the NNGP is the same as under 'ntk')`,
    );
  }
  const arch = architectureOf(network);
  checkMatrix('x1', x1);
  if (x2) checkMatrix('x2', x2);
  const d = x1.cols;
  if (d === 0) throw new IwlError('KERNEL_INPUT', 'x1: rows have no columns (input dimension 0)');
  if (x2 && x2.cols !== d) throw new IwlError('KERNEL_INPUT', `x2: rows have ${x2.cols} columns but x1's have ${d}`);
  const same = x2 === null;
  const xb = x2 ?? x1;
  const n1 = x1.rows;
  const n2 = xb.rows;
  const L = arch.hidden.length;
  const dense = [...arch.hidden.map((h) => h.dense), arch.readout];
  const wStd = dense.map((l) => l.wStd);
  const bStd = dense.map((l) => l.bStd);
  const duals: DualMap[] = arch.hidden.map((h) => dualMapOf(h.activations, options.hermite));

  // Variances per layer: qRows[l - 1] = Sigma_l(x, x) for l = 1..L+1 (same for columns), and each layer's prepared dual.
  const w1 = (wStd[0] * wStd[0]) / d;
  const b1 = bStd[0] * bStd[0];
  const normsRows = rowNorms(x1);
  const normsCols = same ? normsRows : rowNorms(xb);
  const qRows = [normsRows.map((v) => w1 * v + b1)];
  const qCols = same ? qRows : [normsCols.map((v) => w1 * v + b1)];
  const entries: DualEntries[] = [];
  for (let l = 0; l < L; l++) {
    const e = duals[l].prepare(qRows[l], qCols[l], same);
    entries.push(e);
    const w = wStd[l + 1] * wStd[l + 1];
    const b = bStd[l + 1] * bStd[l + 1];
    qRows.push(e.rowDiagonal.k.map((v) => w * v + b));
    if (!same) qCols.push(e.colDiagonal.k.map((v) => w * v + b));
  }

  const nngp = new Float64Array(n1 * n2);
  const ntk = new Float64Array(n1 * n2);
  const layers: LayerKernels | undefined = options.layers
    ? {
        sigma: Array.from({ length: L + 1 }, () => new Float64Array(n1 * n2)),
        k: Array.from({ length: L }, () => new Float64Array(n1 * n2)),
        kd: Array.from({ length: L }, () => new Float64Array(n1 * n2)),
        wStd,
        bStd,
      }
    : undefined;
  const stats: KernelStats = { gramSeconds: 0, recursionSeconds: 0, refinedPairs: 0, quadratureEntries: 0, duals: duals.map((m) => ({ name: m.name, closedForm: m.closedForm })) };
  if (n1 === 0 || n2 === 0) return { nngp, ntk, n1, n2, layers, stats };

  const tileRows = Math.max(1, Math.floor(options.tileRows ?? defaultTileRows(n2)));
  const maxTile = Math.min(tileRows, n1) * n2;
  const cov = new Float64Array(maxTile);
  const theta = new Float64Array(maxTile);
  const kBuf = new Float64Array(maxTile);
  const kdBuf = new Float64Array(maxTile);
  const total = same ? (n1 * (n1 + 1)) / 2 : n1 * n2;
  let done = 0;
  const gram = new GramBlocks(x1, x2);
  try {
    for (let r0 = 0; r0 < n1; r0 += tileRows) {
      if (options.signal?.aborted) throw new CancelledError('kernel computation cancelled');
      const nr = Math.min(tileRows, n1 - r0);
      const c0 = same ? r0 : 0;
      const nc = n2 - c0;
      const t0 = performance.now();
      const g = await gram.block(r0, nr, c0, nc);
      const t1 = performance.now();
      stats.gramSeconds += (t1 - t0) / 1000;

      // Sigma_1 in float64, refining near-(anti)parallel pairs.
      const q0r = qRows[0];
      const q0c = qCols[0];
      for (let r = 0; r < nr; r++) {
        const i = r0 + r;
        const qi = q0r[i];
        for (let s = 0; s < nc; s++) {
          const j = c0 + s;
          const e = r * nc + s;
          let c: number;
          if (same && i === j) c = qi;
          else {
            c = w1 * g[e] + b1;
            const qq = qi * q0c[j];
            if (qq > 0 && Math.abs(c) > (1 - NEAR_ONE) * Math.sqrt(qq)) {
              c = w1 * dot(x1, i, xb, j) + b1;
              stats.refinedPairs++;
            }
          }
          cov[e] = c;
          theta[e] = c;
        }
      }
      const m = nr * nc;
      if (layers) store(layers.sigma[0], cov, r0, nr, c0, nc, n2, same);
      for (let l = 0; l < L; l++) {
        stats.quadratureEntries += entries[l].block(r0, nr, c0, nc, cov, kBuf, kdBuf);
        if (layers) {
          store(layers.k[l], kBuf, r0, nr, c0, nc, n2, same);
          store(layers.kd[l], kdBuf, r0, nr, c0, nc, n2, same);
        }
        const w = wStd[l + 1] * wStd[l + 1];
        const b = bStd[l + 1] * bStd[l + 1];
        for (let e = 0; e < m; e++) {
          const sigma = w * kBuf[e] + b;
          theta[e] = sigma + w * kdBuf[e] * theta[e];
          cov[e] = sigma;
        }
        if (layers) store(layers.sigma[l + 1], cov, r0, nr, c0, nc, n2, same);
      }
      store(nngp, cov, r0, nr, c0, nc, n2, same);
      store(ntk, theta, r0, nr, c0, nc, n2, same);
      stats.recursionSeconds += (performance.now() - t1) / 1000;
      done += same ? nr * nc - (nr * (nr - 1)) / 2 : nr * nc;
      options.onProgress?.(done, total);
      // Let timers and abort events run between tiles.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    gram.dispose();
  }
  if (same) {
    const t = performance.now();
    for (const m of [nngp, ntk, ...(layers ? [...layers.sigma, ...layers.k, ...layers.kd] : [])]) mirror(m, n1);
    stats.recursionSeconds += (performance.now() - t) / 1000;
  }
  return { nngp, ntk, n1, n2, layers, stats };
}

/**
 * Writes a tile into a row-major [*, n2] result. In the symmetric case only entries with j >= i
 * (contiguous row pieces); `mirror` fills the rest once all tiles are in.
 */
function store(out: Float64Array, tile: Float64Array, r0: number, nr: number, c0: number, nc: number, n2: number, same: boolean): void {
  for (let r = 0; r < nr; r++) {
    const i = r0 + r;
    const from = same ? i - c0 : 0;
    out.set(tile.subarray(r * nc + from, (r + 1) * nc), i * n2 + c0 + from);
  }
}

/** Copies the upper triangle of a square row-major matrix onto the lower one (blocked, cache-friendly): exactly symmetric. */
function mirror(out: Float64Array, n: number): void {
  const B = 64;
  for (let bi = 0; bi < n; bi += B) {
    for (let bj = bi; bj < n; bj += B) {
      const iEnd = Math.min(bi + B, n);
      const jEnd = Math.min(bj + B, n);
      for (let i = bi; i < iEnd; i++) {
        for (let j = Math.max(bj, i + 1); j < jEnd; j++) out[j * n + i] = out[i * n + j];
      }
    }
  }
}
