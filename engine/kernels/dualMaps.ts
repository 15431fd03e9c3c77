/**
 * Dual activations: for (u, v) ~ N(0, [[q, c], [c, q']]),
 *
 *     K  = E[phi(u) phi(v)]        Kd = E[phi'(u) phi'(v)]
 *
 * One activation with a closed form (SCIENCE.md section 3; each in its file of engine/activations/:
 * relu, abRelu and leakyRelu, erf, identity, sin, cos) uses it. Every other activation, and any
 * chain of several activations in a row, uses the Hermite expansion of hermiteDual.ts (error at
 * most 1e-7 of sqrt(K(x,x) K(x',x')) per entry by default).
 */
import type { DualEntry } from '../activations/activationDefinition';
import { identityEntry } from '../activations/identity';
import { reluEntry } from '../activations/relu';
import { Activation, activationName, resolveActivation } from '../activations/registry';
import { chainOf } from './pointwise';
import { HermiteCoefficients, HermiteOptions, Z_MAX, bandDegrees, coefficientsFor, hermiteBlock } from './hermiteDual';

/** K and Kd of one block of entries: rows [r0, r0+nr) x columns [c0, c0+nc), all nr x nc row-major. */
export interface DualEntries {
  /** E[phi(u)^2] and E[phi'(u)^2] of the row points and of the column points. */
  rowDiagonal: { k: Float64Array; kd: Float64Array };
  colDiagonal: { k: Float64Array; kd: Float64Array };
  /** Returns how many entries needed the slow 2-D quadrature (0 for closed forms). */
  block(r0: number, nr: number, c0: number, nc: number, cov: Float64Array, k: Float64Array, kd: Float64Array): number;
}

export interface DualMap {
  /** For messages and info: e.g. "relu", "tanh", "relu -> tanh". */
  readonly name: string;
  readonly closedForm: boolean;
  /**
   * Readies entries between row points (variances qRows) and column points (qCols).
   * `samePoints`: both are the same point set (then entries with i == j are that point's diagonal).
   */
  prepare(qRows: Float64Array, qCols: Float64Array, samePoints: boolean): DualEntries;
}

const INV_TWO_PI = 1 / (2 * Math.PI);

/** The activation's closed-form dual entry, or null when it has none (then the Hermite expansion). */
function closedEntry(activation: Activation): DualEntry | null {
  const { definition, options } = resolveActivation(activation);
  return definition.dual?.(options) ?? null;
}

function closedFormMap(name: string, entry: DualEntry): DualMap {
  const diagonal = (q: Float64Array) => {
    const k = new Float64Array(q.length);
    const kd = new Float64Array(q.length);
    for (let i = 0; i < q.length; i++) entry(q[i], q[i], q[i], k, i, kd);
    return { k, kd };
  };
  return {
    name,
    closedForm: true,
    prepare(qRows, qCols, samePoints) {
      const rowDiagonal = diagonal(qRows);
      const colDiagonal = samePoints ? rowDiagonal : diagonal(qCols);
      return {
        rowDiagonal,
        colDiagonal,
        block(r0, nr, c0, nc, cov, k, kd) {
          for (let r = 0; r < nr; r++) {
            const q1 = qRows[r0 + r];
            const base = r * nc;
            for (let s = 0; s < nc; s++) entry(q1, qCols[c0 + s], cov[base + s], k, base + s, kd);
          }
          return 0;
        },
      };
    },
  };
}

/** The relu block loop written out, reluEntry's arithmetic: the hot path of the default network (analytic.ts fuses all-relu networks further). */
export const reluMap: DualMap = {
  ...closedFormMap('relu', reluEntry),
  prepare(qRows, qCols, samePoints) {
    const base = closedFormMap('relu', reluEntry).prepare(qRows, qCols, samePoints);
    return {
      ...base,
      block(r0, nr, c0, nc, cov, k, kd) {
        const invTwoPi = INV_TWO_PI;
        for (let r = 0; r < nr; r++) {
          const q1 = qRows[r0 + r];
          const row = r * nc;
          for (let t = 0; t < nc; t++) {
            const e = row + t;
            const qq = q1 * qCols[c0 + t];
            const s = Math.sqrt(qq);
            let rho = qq > 0 ? cov[e] / s : 0;
            rho = rho > 1 ? 1 : rho < -1 ? -1 : rho;
            const pmt = Math.PI - Math.acos(rho);
            k[e] = s * (Math.sqrt((1 - rho) * (1 + rho)) + pmt * rho) * invTwoPi;
            kd[e] = pmt * invTwoPi;
          }
        }
        return 0;
      },
    };
  },
};

/**
 * The dual map of a chain of activations applied in order (empty = identity). Identities are
 * dropped; one activation with a closed form uses it; anything else uses the Hermite expansion.
 */
export function dualMapOf(activations: Activation[], options: HermiteOptions = {}): DualMap {
  const chain = activations.filter((a) => a.kind !== 'identity');
  if (chain.length === 0) return closedFormMap('identity', identityEntry);
  const name = chain.map(activationName).join(' -> ');
  if (chain.length === 1) {
    if (chain[0].kind === 'relu') return reluMap;
    const entry = closedEntry(chain[0]);
    if (entry) return closedFormMap(name, entry);
  }
  return hermiteMap(name, chain, options);
}

/** The numeric dual map (Hermite expansion); exported so tests can check it against the closed forms. */
export function hermiteMap(name: string, activations: Activation[], options: HermiteOptions = {}): DualMap {
  const chain = chainOf(activations);
  const tolerance = options.tolerance ?? 1e-7;
  const maxDegree = options.maxDegree ?? 256;
  return {
    name,
    closedForm: false,
    prepare(qRows, qCols, samePoints) {
      let qMax = 0;
      for (const v of qRows) qMax = Math.max(qMax, v);
      for (const v of qCols) qMax = Math.max(qMax, v);
      const kinks = chain.kinks(Z_MAX * Math.sqrt(qMax) * 1.01);
      // One coefficient set over all points, so rows and columns share a degree (see coefficientsFor).
      const all = samePoints ? qRows : concat(qRows, qCols);
      const raw = coefficientsFor(chain, kinks, all, tolerance, maxDegree);
      const degreesA = bandDegrees([raw], 'a', tolerance);
      const degreesB = bandDegrees([raw], 'b', tolerance);
      const both = { ...raw, phi2: consistentDiagonal(raw.a, raw, degreesA, degreesB), dphi2: consistentDiagonal(raw.b, raw, degreesB, degreesA) };
      const rows = samePoints ? both : slicePoints(both, 0, qRows.length);
      const cols = samePoints ? both : slicePoints(both, qRows.length, qRows.length + qCols.length);
      return {
        rowDiagonal: { k: rows.phi2, kd: rows.dphi2 },
        colDiagonal: { k: cols.phi2, kd: cols.dphi2 },
        block(r0, nr, c0, nc, cov, k, kd) {
          return hermiteBlock(chain, kinks, rows, qRows, cols, qCols, degreesA, degreesB, samePoints, r0, nr, c0, nc, cov, k, kd);
        },
      };
    },
  };
}

/**
 * The diagonal as the entries at rho = 1 compute it: the truncated series sum_{k <= K} c_k^2, summed
 * in the block loop's order (within `tolerance` of the quadrature value). Consistency matters more
 * than the last 1e-7: the next layer divides an entry by sqrt(diag_i diag_j), and an identical or
 * nearly identical pair must not come out at rho slightly off 1, where arccos amplifies (a relu
 * layer after this one would see theta ~ sqrt(2e-7) for a duplicate row). When |rho| near 1 falls
 * to the 2-D quadrature instead, the quadrature's diagonal is the consistent one.
 */
function consistentDiagonal(c: Float64Array, set: HermiteCoefficients, degrees: Int32Array, otherDegrees: Int32Array): Float64Array {
  const K = degrees[degrees.length - 1];
  const exact = c === set.a ? set.phi2 : set.dphi2;
  // Entries fall back to quadrature (for K and Kd together) when either series is unresolved.
  if (K < 0 || otherDegrees[otherDegrees.length - 1] < 0) return exact;
  const n = exact.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = K; t >= 0; t--) s += c[i * set.stride + t] * c[i * set.stride + t];
    out[i] = s;
  }
  return out;
}

function concat(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Points [from, to) of a coefficient set (views, no copies). */
function slicePoints(set: HermiteCoefficients, from: number, to: number): HermiteCoefficients {
  const s = set.stride;
  return {
    stride: s,
    a: set.a.subarray(from * s, to * s),
    b: set.b.subarray(from * s, to * s),
    phi2: set.phi2.subarray(from, to),
    dphi2: set.dphi2.subarray(from, to),
    tailA: set.tailA.subarray(from, to),
    tailB: set.tailB.subarray(from, to),
    degree: set.degree.subarray(from, to),
  };
}
