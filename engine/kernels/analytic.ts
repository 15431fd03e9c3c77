/**
 * The analytic NNGP and NTK of a network (SCIENCE.md section 3), per output unit:
 *
 *     Sigma_1 = w_1^2 x.x'/d + b_1^2,     Theta_1 = Sigma_1
 *     Sigma_{l+1} = w_{l+1}^2 K_l + b_{l+1}^2,   Theta_{l+1} = Sigma_{l+1} + w_{l+1}^2 Kd_l * Theta_l
 *     NNGP = Sigma_{L+1},  NTK = Theta_{L+1}
 *
 * with K_l, Kd_l the dual activation of hidden block l (dualMaps.ts) at the covariance Sigma_l, and
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
import { Network } from '../experiment/experimentTypes';
import { architectureOf } from '../nn/architecture';
import { CancelledError, IwlError } from '../util/iwlError';
import { Matrix } from '../util/matrix';
import { DualEntries, DualMap, dualMapOf, reluMap } from './dualMaps';
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

/** The additive part of KernelStats: what one tile adds. */
export type TileStats = Pick<KernelStats, 'gramSeconds' | 'recursionSeconds' | 'refinedPairs' | 'quadratureEntries'>;

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

/** Tiles a worker of a parallel kernel (run/kernelPool.ts) is asked for ahead: one computing, one queued. */
export const TILES_AHEAD_PER_WORKER = 2;

/**
 * Bytes the computation holds at its peak: results (unless streamed), inputs (float64 + float32
 * copies), one tile. With `workers` > 1 (run/kernelPool.ts) each worker process holds its own
 * inputs, its own tile's work arrays and the copy of a tile it sends, and up to
 * TILES_AHEAD_PER_WORKER of its tiles are on their way to this process, which holds the float64
 * inputs and the results (unless streamed): the sum of all.
 */
export function kernelMemoryBytes(n1: number, n2: number, d: number, options: { tileRows?: number; layers?: number; streamed?: boolean; workers?: number } = {}): number {
  const tileRows = Math.min(n1, options.tileRows ?? defaultTileRows(n2));
  // Streamed (streamKernels): the results go tile by tile to their consumer and are never held whole.
  const results = options.streamed ? 0 : 2 * n1 * n2 * 8;
  const layerArrays = options.layers ? (3 * options.layers + 1) * n1 * n2 * 8 : 0;
  const inputs = (n1 + n2) * d * (8 + 4 + 4);
  const tile = tileRows * n2 * (4 + 4 * 8);
  const workers = Math.max(1, Math.floor(options.workers ?? 1));
  if (workers === 1) return results + layerArrays + inputs + tile;
  const sentTile = tileRows * n2 * 2 * 8;
  return results + layerArrays + (n1 + n2) * d * 8 + workers * (inputs + tile + sentTile + TILES_AHEAD_PER_WORKER * sentTile);
}

/**
 * Bytes one process's tfjs backend holds for the Gram blocks (gram.ts): the column points as one
 * float32 tensor, one tile's transposed rows and one product. Each worker has its own wasm heap,
 * capped near 4 GiB, so this is what has to fit in each, however many workers there are.
 */
export function kernelBackendBytes(n1: number, n2: number, d: number, tileRows?: number): number {
  const rows = Math.min(n1, tileRows ?? defaultTileRows(n2));
  return n2 * d * 4 + rows * d * 4 + rows * n2 * 4;
}

/** Rows per tile when none are asked for: about TILE_ENTRIES entries. */
export function defaultTileRows(n2: number): number {
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

/**
 * One computed tile: rows [r0, r0 + nr) x columns [c0, c0 + nc), each array nr x nc row-major
 * (views valid only during the callback). With x2 = null, c0 = r0 and only entries with
 * column >= row are meaningful: the rest of the symmetric kernel is their mirror.
 */
export interface KernelTile {
  r0: number;
  nr: number;
  c0: number;
  nc: number;
  nngp: Float64Array;
  ntk: Float64Array;
  /** Per-layer pieces of this tile (options.layers only), in LayerKernels' order. */
  layers?: { sigma: Float64Array[]; k: Float64Array[]; kd: Float64Array[] };
}

/** The in-memory kernels: every tile stored into full n1 x n2 arrays, the symmetric case mirrored. */
export async function computeKernels(network: Network, x1: Matrix, x2: Matrix | null, options: KernelOptions = {}): Promise<KernelResult> {
  const n1 = x1.rows;
  const n2 = x2 ? x2.rows : x1.rows;
  const same = x2 === null;
  validateKernelInputs(network, x1, x2);
  const nngp = new Float64Array(n1 * n2);
  const ntk = new Float64Array(n1 * n2);
  let layers: LayerKernels | undefined;
  const stats = await streamKernels(network, x1, x2, options, (tile, shape) => {
    if (options.layers && !layers) {
      layers = {
        sigma: Array.from({ length: shape.L + 1 }, () => new Float64Array(n1 * n2)),
        k: Array.from({ length: shape.L }, () => new Float64Array(n1 * n2)),
        kd: Array.from({ length: shape.L }, () => new Float64Array(n1 * n2)),
        wStd: shape.wStd,
        bStd: shape.bStd,
      };
    }
    const { r0, nr, c0, nc } = tile;
    store(nngp, tile.nngp, r0, nr, c0, nc, n2, same);
    store(ntk, tile.ntk, r0, nr, c0, nc, n2, same);
    if (layers && tile.layers) {
      tile.layers.sigma.forEach((a, l) => store(layers!.sigma[l], a, r0, nr, c0, nc, n2, same));
      tile.layers.k.forEach((a, l) => store(layers!.k[l], a, r0, nr, c0, nc, n2, same));
      tile.layers.kd.forEach((a, l) => store(layers!.kd[l], a, r0, nr, c0, nc, n2, same));
    }
  });
  if (options.layers && !layers) {
    const arch = architectureOf(network);
    const dl = [...arch.hidden.map((h) => h.dense), arch.readout];
    layers = { sigma: Array.from({ length: arch.hidden.length + 1 }, () => new Float64Array(0)), k: Array.from({ length: arch.hidden.length }, () => new Float64Array(0)), kd: Array.from({ length: arch.hidden.length }, () => new Float64Array(0)), wStd: dl.map((l) => l.wStd), bStd: dl.map((l) => l.bStd) };
  }
  if (same) {
    const t = performance.now();
    for (const m of [nngp, ntk, ...(layers ? [...layers.sigma, ...layers.k, ...layers.kd] : [])]) if (m.length === n1 * n1) mirror(m, n1);
    stats.recursionSeconds += (performance.now() - t) / 1000;
  }
  return { nngp, ntk, n1, n2, layers, stats };
}

export function validateKernelInputs(network: Network, x1: Matrix, x2: Matrix | null): void {
  if (network.parametrization !== 'ntk') {
    throw new IwlError(
      'KERNEL_STANDARD_PARAMETRIZATION',
      `network: the NTK is defined here for parametrization 'ntk' only, got '${network.parametrization}' (under the standard parametrization the NTK grows with width; the NNGP is the same as under 'ntk')`,
    );
  }
  checkMatrix('x1', x1);
  if (x2) checkMatrix('x2', x2);
  const d = x1.cols;
  if (d === 0) throw new IwlError('KERNEL_INPUT', 'x1: rows have no columns (input dimension 0)');
  if (x2 && x2.cols !== d) throw new IwlError('KERNEL_INPUT', `x2: rows have ${x2.cols} columns but x1's have ${d}`);
}

/**
 * The kernels tile by tile, handed to `onTile` as they are computed (then dropped): memory stays at
 * one tile, O(tileRows x n2), whatever n1. `computeKernels` stores the tiles; `iwl kernel` streams
 * them to .npy files. Tiles come in row order; a tile's numbers do not depend on the tile size.
 */
export async function streamKernels(
  network: Network,
  x1: Matrix,
  x2: Matrix | null,
  options: KernelOptions,
  onTile: (tile: KernelTile, shape: { L: number; wStd: number[]; bStd: number[] }) => void | Promise<void>,
): Promise<KernelStats> {
  const tiler = new KernelTiler(network, x1, x2, options);
  try {
    const { n1, tileRows } = tiler;
    if (tiler.n1 === 0 || tiler.n2 === 0) return tiler.stats;
    let done = 0;
    for (let r0 = 0; r0 < n1; r0 += tileRows) {
      if (options.signal?.aborted) throw new CancelledError('kernel computation cancelled');
      const tile = await tiler.tile(r0);
      await onTile(tile, tiler.shape);
      done += tiler.tileEntries(r0);
      options.onProgress?.(done, tiler.totalEntries);
      // Let timers and abort events run between tiles.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return tiler.stats;
  } finally {
    tiler.dispose();
  }
}

/**
 * What every tile needs, prepared once: the variances of every point per layer, each layer's dual,
 * the Gram blocks' backend tensor and the tile's work arrays. `tile(r0)` computes the tile of rows
 * [r0, r0 + tileRows) and depends on nothing but r0: tiles may be computed in any order and in
 * different processes (kernelPool.ts) and give the same numbers bit for bit. The arrays of a tile
 * are views of the tiler's buffers, valid until the next call.
 */
export class KernelTiler {
  readonly n1: number;
  readonly n2: number;
  readonly tileRows: number;
  readonly same: boolean;
  /** Kernel entries computed in all (the upper triangle with the diagonal when x2 is null). */
  readonly totalEntries: number;
  readonly stats: KernelStats;
  /** What the last tile added to `stats` (a parallel kernel sums them, kernelPool.ts). */
  readonly lastTile: TileStats = { gramSeconds: 0, recursionSeconds: 0, refinedPairs: 0, quadratureEntries: 0 };
  readonly shape: { L: number; wStd: number[]; bStd: number[] };
  private readonly x1: Matrix;
  private readonly xb: Matrix;
  private readonly w1: number;
  private readonly b1: number;
  private readonly qRows: Float64Array[];
  private readonly qCols: Float64Array[];
  private readonly entries: DualEntries[];
  private readonly fusedRelu: boolean;
  private readonly cov: Float64Array;
  private readonly theta: Float64Array;
  private readonly kBuf: Float64Array;
  private readonly kdBuf: Float64Array;
  private readonly tileLayers?: { sigma: Float64Array[]; k: Float64Array[]; kd: Float64Array[] };
  private gram: GramBlocks | null = null;

  constructor(network: Network, x1: Matrix, x2: Matrix | null, options: Pick<KernelOptions, 'tileRows' | 'layers' | 'hermite'> = {}) {
    validateKernelInputs(network, x1, x2);
    const arch = architectureOf(network);
    const d = x1.cols;
    const same = x2 === null;
    const xb = x2 ?? x1;
    this.x1 = x1;
    this.xb = xb;
    this.same = same;
    this.n1 = x1.rows;
    this.n2 = xb.rows;
    const L = arch.hidden.length;
    const dense = [...arch.hidden.map((h) => h.dense), arch.readout];
    const wStd = dense.map((l) => l.wStd);
    const bStd = dense.map((l) => l.bStd);
    const duals: DualMap[] = arch.hidden.map((h) => dualMapOf(h.activations, options.hermite));

    // Variances per layer: qRows[l - 1] = Sigma_l(x, x) for l = 1..L+1 (same for columns), and each layer's prepared dual.
    const w1 = (wStd[0] * wStd[0]) / d;
    const b1 = bStd[0] * bStd[0];
    this.w1 = w1;
    this.b1 = b1;
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
    this.qRows = qRows;
    this.qCols = qCols;
    this.entries = entries;

    this.stats = { gramSeconds: 0, recursionSeconds: 0, refinedPairs: 0, quadratureEntries: 0, duals: duals.map((m) => ({ name: m.name, closedForm: m.closedForm })) };
    this.shape = { L, wStd, bStd };
    this.fusedRelu = !options.layers && duals.every((m) => m === reluMap);
    this.tileRows = Math.max(1, Math.floor(options.tileRows ?? defaultTileRows(this.n2)));
    this.totalEntries = same ? (this.n1 * (this.n1 + 1)) / 2 : this.n1 * this.n2;
    const maxTile = Math.min(this.tileRows, this.n1) * this.n2;
    this.cov = new Float64Array(maxTile);
    this.theta = new Float64Array(maxTile);
    this.kBuf = this.fusedRelu ? this.cov : new Float64Array(maxTile);
    this.kdBuf = this.fusedRelu ? this.cov : new Float64Array(maxTile);
    this.tileLayers = options.layers
      ? { sigma: Array.from({ length: L + 1 }, () => new Float64Array(maxTile)), k: Array.from({ length: L }, () => new Float64Array(maxTile)), kd: Array.from({ length: L }, () => new Float64Array(maxTile)) }
      : undefined;
  }

  /** The tile's extent: rows [r0, r0 + nr) x columns [c0, c0 + nc). */
  extent(r0: number): { r0: number; nr: number; c0: number; nc: number } {
    const nr = Math.min(this.tileRows, this.n1 - r0);
    const c0 = this.same ? r0 : 0;
    return { r0, nr, c0, nc: this.n2 - c0 };
  }

  /** Kernel entries the tile at r0 adds to the total (its upper triangle when x2 is null). */
  tileEntries(r0: number): number {
    const { nr, nc } = this.extent(r0);
    return this.same ? nr * nc - (nr * (nr - 1)) / 2 : nr * nc;
  }

  /** The tile of rows starting at r0 (a multiple of tileRows). */
  async tile(r0: number): Promise<KernelTile> {
    if (!(Number.isInteger(r0) && r0 >= 0 && r0 < this.n1 && r0 % this.tileRows === 0)) throw new RangeError(`kernel tile at row ${r0}: not a tile of ${this.n1} rows in tiles of ${this.tileRows}`);
    const { x1, xb, same, w1, b1, qRows, qCols, entries, stats, cov, theta, kBuf, kdBuf, tileLayers } = this;
    const { L, wStd, bStd } = this.shape;
    const { nr, c0, nc } = this.extent(r0);
    const m = nr * nc;
    this.gram ??= new GramBlocks(x1, same ? null : xb);
    const before = { ...stats };
    const t0 = performance.now();
    const g = await this.gram.block(r0, nr, c0, nc);
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
    if (tileLayers) tileLayers.sigma[0].set(cov.subarray(0, m));
    if (this.fusedRelu) reluRecursion(r0, nr, c0, nc, qRows, qCols, wStd, bStd, cov, theta);
    else {
      for (let l = 0; l < L; l++) {
        stats.quadratureEntries += entries[l].block(r0, nr, c0, nc, cov, kBuf, kdBuf);
        if (tileLayers) {
          tileLayers.k[l].set(kBuf.subarray(0, m));
          tileLayers.kd[l].set(kdBuf.subarray(0, m));
        }
        const w = wStd[l + 1] * wStd[l + 1];
        const b = bStd[l + 1] * bStd[l + 1];
        for (let e = 0; e < m; e++) {
          const sigma = w * kBuf[e] + b;
          theta[e] = sigma + w * kdBuf[e] * theta[e];
          cov[e] = sigma;
        }
        if (tileLayers) tileLayers.sigma[l + 1].set(cov.subarray(0, m));
      }
    }
    stats.recursionSeconds += (performance.now() - t1) / 1000;
    for (const key of ['gramSeconds', 'recursionSeconds', 'refinedPairs', 'quadratureEntries'] as const) this.lastTile[key] = stats[key] - before[key];
    const view = (a: Float64Array) => a.subarray(0, m);
    return {
      r0,
      nr,
      c0,
      nc,
      nngp: view(cov),
      ntk: view(theta),
      layers: tileLayers ? { sigma: tileLayers.sigma.map(view), k: tileLayers.k.map(view), kd: tileLayers.kd.map(view) } : undefined,
    };
  }

  /** Frees the backend tensor of the Gram blocks. */
  dispose(): void {
    this.gram?.dispose();
    this.gram = null;
  }
}

/**
 * All L relu layers of one tile in one pass per entry, in place: cov holds Sigma_1 on entry and
 * the NNGP on exit, theta Theta_1 and then the NTK. The arithmetic is reluMap's block loop and the
 * layered update written out in the same order, so the numbers are bit for bit those of the
 * layer-by-layer path; the pass just skips the K and Kd arrays (the memory traffic that made the
 * recursion bound by memory, ENVIRONMENT.md).
 */
function reluRecursion(r0: number, nr: number, c0: number, nc: number, qRows: Float64Array[], qCols: Float64Array[], wStd: number[], bStd: number[], cov: Float64Array, theta: Float64Array): void {
  const L = qRows.length - 1;
  const invTwoPi = 1 / (2 * Math.PI);
  const w = wStd.map((v) => v * v);
  const b = bStd.map((v) => v * v);
  const q1 = new Float64Array(L);
  for (let r = 0; r < nr; r++) {
    for (let l = 0; l < L; l++) q1[l] = qRows[l][r0 + r];
    const row = r * nc;
    for (let t = 0; t < nc; t++) {
      const e = row + t;
      let c = cov[e];
      let th = theta[e];
      for (let l = 0; l < L; l++) {
        const qq = q1[l] * qCols[l][c0 + t];
        const s = Math.sqrt(qq);
        let rho = qq > 0 ? c / s : 0;
        rho = rho > 1 ? 1 : rho < -1 ? -1 : rho;
        const pmt = Math.PI - Math.acos(rho);
        const k = s * (Math.sqrt((1 - rho) * (1 + rho)) + pmt * rho) * invTwoPi;
        const kd = pmt * invTwoPi;
        const wl = w[l + 1];
        const sigma = wl * k + b[l + 1];
        th = sigma + wl * kd * th;
        c = sigma;
      }
      cov[e] = c;
      theta[e] = th;
    }
  }
}

/**
 * Writes a tile into a row-major [*, n2] result. In the symmetric case only entries with j >= i
 * (contiguous row pieces); `mirror` fills the rest once all tiles are in.
 */
export function store(out: Float64Array, tile: Float64Array | Float32Array, r0: number, nr: number, c0: number, nc: number, n2: number, same: boolean): void {
  for (let r = 0; r < nr; r++) {
    const i = r0 + r;
    const from = same ? i - c0 : 0;
    out.set(tile.subarray(r * nc + from, (r + 1) * nc), i * n2 + c0 + from);
  }
}

/** Copies the upper triangle of a square row-major matrix onto the lower one (blocked, cache-friendly): exactly symmetric. */
export function mirror(out: Float64Array, n: number): void {
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
