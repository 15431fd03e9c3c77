/**
 * The dual of an activation without a closed form, by its Hermite expansion.
 *
 * With h_k = He_k / sqrt(k!) the orthonormal (probabilists') Hermite polynomials and, for a point
 * with variance q, phi(sqrt(q) z) = sum_k a_k(q) h_k(z) and phi'(sqrt(q) z) = sum_k b_k(q) h_k(z),
 * Mehler's formula gives, for (u, v) ~ N(0, [[q, c], [c, q']]) and rho = c / sqrt(q q'):
 *
 *     K  = E[phi(u) phi(v)]   = sum_k a_k(q) a_k(q') rho^k
 *     Kd = E[phi'(u) phi'(v)] = sum_k b_k(q) b_k(q') rho^k
 *
 * The coefficients come from one 1-D quadrature per point (composite Gauss-Legendre in z, cut at
 * the activation's kinks), so each of the n^2 entries costs one polynomial in rho (Horner).
 *
 * Accuracy. Parseval gives E[phi(u)^2] = sum_k a_k^2, so the tail beyond degree K is known exactly
 * from the 1-D quadrature of phi^2, and by Cauchy-Schwarz the truncation error of an entry is at
 * most sqrt(T(q, r) T(q', r)) with T(q, r) = sum_{k > K} a_k(q)^2 r^k, r = |rho|. One degree,
 * common to all points, doubles until every tail is below `tolerance` E[phi^2] (or reaches
 * `maxDegree`); then, for
 * |rho| bands up to 1, the smallest degree whose tail bound at the band's edge is below
 * `tolerance` for every point is used for entries in that band. So every entry's error is at most
 * `tolerance` (default 1e-7) times sqrt(E[phi(u)^2] E[phi(v)^2]) (same for Kd with phi'). Entries in
 * a band no degree up to `maxDegree` resolves (|rho| near 1 with a kinked activation, whose
 * coefficients decay only algebraically) are integrated directly by the 2-D quadrature instead.
 */
import { Chain } from './pointwise';
import { compositeRule } from './special';
import { expectation2d } from './quadrature';

export interface HermiteOptions {
  /** Bound on each entry's error relative to sqrt(E[phi(u)^2] E[phi(v)^2]). Default 1e-7. */
  tolerance?: number;
  /** Highest Hermite degree computed per point. Default 256. */
  maxDegree?: number;
}

/** Coefficients of a set of points: row i of `a` (stride `stride`) holds a_0..a_K(q_i), zero-padded. */
export interface HermiteCoefficients {
  stride: number;
  a: Float64Array;
  b: Float64Array;
  /** E[phi(u)^2], E[phi'(u)^2] per point: the diagonal entries. */
  phi2: Float64Array;
  dphi2: Float64Array;
  /** Unresolved Parseval tails sum_{k > degree} a_k^2 and b_k^2 per point (0 when converged). */
  tailA: Float64Array;
  tailB: Float64Array;
  degree: Int32Array;
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
/** Integrate z over [-Z_MAX, Z_MAX]: h_k(z) exp(-z^2/2) is below e^{-z^2/4} there, 1e-16 at 12. */
export const Z_MAX = 12;
const GL_ORDER = 16;

/** Hermite coefficients a_0..a_K, b_0..b_K of phi(sqrt(q) z), phi'(sqrt(q) z), plus E[phi^2], E[phi'^2]. */
export function hermiteCoefficients(
  chain: Chain,
  kinks: number[],
  q: number,
  K: number,
): { a: Float64Array; b: Float64Array; phi2: number; dphi2: number } {
  const a = new Float64Array(K + 1);
  const b = new Float64Array(K + 1);
  if (!(q > 0)) {
    const f0 = chain.phi(0);
    const d0 = chain.dphi(0);
    a[0] = f0;
    b[0] = d0;
    return { a, b, phi2: f0 * f0, dphi2: d0 * d0 };
  }
  const sd = Math.sqrt(q);
  const breaks = kinks.map((x) => x / sd);
  // Panels resolve h_K's oscillation (wavenumber ~ sqrt(K)) and phi's scale in z (~ 1 / sqrt(q)).
  const panel = Math.min(1, 6 / Math.sqrt(K + 1), 2 / sd);
  const { x, w } = compositeRule(-Z_MAX, Z_MAX, breaks, panel, GL_ORDER);
  let phi2 = 0;
  let dphi2 = 0;
  for (let i = 0; i < x.length; i++) {
    const z = x[i];
    const wz = w[i] * INV_SQRT_2PI * Math.exp(-0.5 * z * z);
    const f = chain.phi(sd * z) * wz;
    const fd = chain.dphi(sd * z) * wz;
    phi2 += f * chain.phi(sd * z);
    dphi2 += fd * chain.dphi(sd * z);
    let h0 = 1;
    let h1 = z;
    a[0] += f;
    b[0] += fd;
    if (K >= 1) {
      a[1] += f * z;
      b[1] += fd * z;
    }
    for (let k = 1; k < K; k++) {
      const h2 = (z * h1 - SQRT[k] * h0) * INV_SQRT[k + 1];
      a[k + 1] += f * h2;
      b[k + 1] += fd * h2;
      h0 = h1;
      h1 = h2;
    }
  }
  return { a, b, phi2, dphi2 };
}

const SQRT_TABLE_SIZE = 1 << 14;
const SQRT = new Float64Array(SQRT_TABLE_SIZE);
const INV_SQRT = new Float64Array(SQRT_TABLE_SIZE);
for (let k = 1; k < SQRT_TABLE_SIZE; k++) {
  SQRT[k] = Math.sqrt(k);
  INV_SQRT[k] = 1 / Math.sqrt(k);
}

function tailOf(c: Float64Array, total: number): number {
  let s = 0;
  for (let k = 0; k < c.length; k++) s += c[k] * c[k];
  return Math.max(0, total - s);
}

/**
 * Coefficients for every point, all to one common degree: the smallest power of two (from 16) at
 * which every point's tails are below `tolerance` (relative), capped at `maxDegree`. A common
 * degree matters: zero-padding one point's series would leave sum_{k > K_i} a_k(q_i) a_k(q_j) rho^k
 * out, which Cauchy-Schwarz bounds only by point j's (possibly large) tail beyond K_i.
 * Points are visited from the largest q, which usually needs the highest degree, so a restart
 * at a doubled degree is rare.
 */
export function coefficientsFor(chain: Chain, kinks: number[], q: Float64Array, tolerance: number, maxDegree: number): HermiteCoefficients {
  const n = q.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => q[j] - q[i]);
  let K = Math.min(16, maxDegree);
  for (;;) {
    const stride = K + 1;
    const out: HermiteCoefficients = {
      stride,
      a: new Float64Array(n * stride),
      b: new Float64Array(n * stride),
      phi2: new Float64Array(n),
      dphi2: new Float64Array(n),
      tailA: new Float64Array(n),
      tailB: new Float64Array(n),
      degree: new Int32Array(n).fill(K),
    };
    let restart = false;
    let previous = -1;
    for (const i of order) {
      if (previous >= 0 && q[i] === q[previous]) {
        out.a.copyWithin(i * stride, previous * stride, (previous + 1) * stride);
        out.b.copyWithin(i * stride, previous * stride, (previous + 1) * stride);
        out.phi2[i] = out.phi2[previous];
        out.dphi2[i] = out.dphi2[previous];
        out.tailA[i] = out.tailA[previous];
        out.tailB[i] = out.tailB[previous];
        continue;
      }
      const r = hermiteCoefficients(chain, kinks, q[i], K);
      const tailA = tailOf(r.a, r.phi2);
      const tailB = tailOf(r.b, r.dphi2);
      if ((tailA > tolerance * r.phi2 || tailB > tolerance * r.dphi2) && K < maxDegree) {
        restart = true;
        break;
      }
      out.a.set(r.a, i * stride);
      out.b.set(r.b, i * stride);
      out.phi2[i] = r.phi2;
      out.dphi2[i] = r.dphi2;
      out.tailA[i] = tailA;
      out.tailB[i] = tailB;
      previous = i;
    }
    if (!restart) return out;
    K = Math.min(maxDegree, K * 2);
  }
}

/** Upper edges of the |rho| bands; the last is 1. */
export const RHO_BANDS = [0.25, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999, 1];

/**
 * The smallest degree per band such that every point's tail bound at the band's edge r,
 * sum_{K < k <= degree_i} c_k^2 r^k + tail_i r^{degree_i + 1}, is at most `tolerance` * total_i;
 * -1 when none up to the points' degrees is.
 */
export function bandDegrees(sets: HermiteCoefficients[], which: 'a' | 'b', tolerance: number): Int32Array {
  const out = new Int32Array(RHO_BANDS.length);
  RHO_BANDS.forEach((r, band) => {
    let need = 0;
    for (const set of sets) {
      const c = which === 'a' ? set.a : set.b;
      const tails = which === 'a' ? set.tailA : set.tailB;
      const totals = which === 'a' ? set.phi2 : set.dphi2;
      for (let i = 0; i < totals.length && need >= 0; i++) {
        const deg = set.degree[i];
        const budget = tolerance * totals[i];
        let tail = tails[i] * Math.pow(r, deg + 1);
        if (tail > budget) {
          need = -1;
          break;
        }
        // Walk down from the top degree while the accumulated tail stays within budget.
        let K = deg;
        let rk = Math.pow(r, deg);
        while (K > need) {
          const ck = c[i * set.stride + K];
          const next = tail + ck * ck * rk;
          if (next > budget) break;
          tail = next;
          rk = rk > 0 ? rk / r : Math.pow(r, K - 1);
          K--;
        }
        if (K > need) need = K;
      }
      if (need < 0) break;
    }
    out[band] = need;
  });
  return out;
}

/**
 * Fills K and Kd for a block of entries: rows [r0, r0+nr) of `rows`, columns [c0, c0+nc) of `cols`;
 * `cov` is nr x nc row-major, and so are `k`, `kd`. `samePoints`: rows and columns are the same
 * point set, so entries with equal global index are diagonal and take the exact diagonal values.
 */
export function hermiteBlock(
  chain: Chain,
  kinks: number[],
  rows: HermiteCoefficients,
  qRows: Float64Array,
  cols: HermiteCoefficients,
  qCols: Float64Array,
  degreesA: Int32Array,
  degreesB: Int32Array,
  samePoints: boolean,
  r0: number,
  nr: number,
  c0: number,
  nc: number,
  cov: Float64Array,
  k: Float64Array,
  kd: Float64Array,
): number {
  let slow = 0;
  const stride = rows.stride;
  if (cols.stride !== stride) throw new RangeError('hermiteBlock: row and column coefficients must share a stride');
  const bands = RHO_BANDS.length;
  const A = rows.a;
  const B = rows.b;
  const A2 = cols.a;
  const B2 = cols.b;
  for (let r = 0; r < nr; r++) {
    const i = r0 + r;
    const qi = qRows[i];
    const ri = i * stride;
    for (let s = 0; s < nc; s++) {
      const j = c0 + s;
      const e = r * nc + s;
      if (samePoints && i === j) {
        k[e] = rows.phi2[i];
        kd[e] = rows.dphi2[i];
        continue;
      }
      const qq = qi * qCols[j];
      let rho = qq > 0 ? cov[e] / Math.sqrt(qq) : 0;
      rho = rho > 1 ? 1 : rho < -1 ? -1 : rho;
      const ar = rho < 0 ? -rho : rho;
      let band = 0;
      while (band < bands - 1 && ar > RHO_BANDS[band]) band++;
      const KA = degreesA[band];
      const KB = degreesB[band];
      if (KA < 0 || KB < 0) {
        const c = rho * Math.sqrt(qq);
        k[e] = expectation2d(chain.phi, kinks, chain.phi, kinks, qi, c, qCols[j], FALLBACK);
        kd[e] = expectation2d(chain.dphi, kinks, chain.dphi, kinks, qi, c, qCols[j], FALLBACK);
        slow++;
        continue;
      }
      const rj = j * stride;
      let sa = 0;
      for (let t = KA; t >= 0; t--) sa = sa * rho + A[ri + t] * A2[rj + t];
      let sb = 0;
      for (let t = KB; t >= 0; t--) sb = sb * rho + B[ri + t] * B2[rj + t];
      k[e] = sa;
      kd[e] = sb;
    }
  }
  return slow;
}

/** Quadrature settings for the entries the series does not resolve (|rho| > 0.99 or so). */
const FALLBACK = { panel: 0.5, order: 16, halfWidth: 10 };
