/**
 * Slow, accurate Gaussian expectations by composite Gauss-Legendre quadrature: the reference the
 * fast dual maps are tested against, and the fallback for the few kernel entries whose Hermite
 * series converges too slowly (|rho| near 1 with a kinked activation).
 *
 * 2-D: (u, v) ~ N(0, [[q, c], [c, q2]]) is written u = sqrt(q) z1, v = a z1 + s z2 with a = c / sqrt(q),
 * s = sqrt(q2 - c^2 / q) and z1, z2 independent standard normals. The inner integral over z2 is cut at
 * the kinks of g; the outer one at the kinks of f and, graded geometrically, around the points where
 * the inner integral's smoothing width s is small compared with the distance to a kink of g.
 * Integration runs over z in [-halfWidth, halfWidth] (default 10: the mass outside is 1.5e-23).
 */
import { compositeRule } from './special';

export interface QuadratureOptions {
  /** Integrate z over [-halfWidth, halfWidth]. Default 10. */
  halfWidth?: number;
  /** Widest panel in z units. Default 0.25. */
  panel?: number;
  /** Gauss-Legendre points per panel. Default 16. */
  order?: number;
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

interface Rule {
  x: Float64Array;
  /** Quadrature weight times the standard normal density. */
  w: Float64Array;
}

function gaussianRule(breaks: number[], options: QuadratureOptions): Rule {
  const L = options.halfWidth ?? 10;
  const { x, w } = compositeRule(-L, L, breaks, options.panel ?? 0.25, options.order ?? 16);
  for (let i = 0; i < x.length; i++) w[i] *= INV_SQRT_2PI * Math.exp(-0.5 * x[i] * x[i]);
  return { x, w };
}

/** E[f(u)], u ~ N(0, q); `kinks` are f's kinks in u units. */
export function expectation1d(f: (u: number) => number, kinks: number[], q: number, options: QuadratureOptions = {}): number {
  if (!(q > 0)) return f(0);
  const sd = Math.sqrt(q);
  const { x, w } = gaussianRule(kinks.map((k) => k / sd), options);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += w[i] * f(sd * x[i]);
  return sum;
}

/** Points graded geometrically towards `center` from `width` up to `panel` on both sides. */
function graded(center: number, width: number, panel: number): number[] {
  const out = [center];
  for (let h = Math.max(width, 1e-12) / 4; h < panel; h *= 2) out.push(center - h, center + h);
  return out;
}

/**
 * E[f(u) g(v)] for (u, v) ~ N(0, [[q, c], [c, q2]]); `fKinks`, `gKinks` in u and v units.
 * Requires q, q2 >= 0 and c^2 <= q q2 (up to rounding). Cost: about (20 / panel * order)^2 evaluations.
 */
export function expectation2d(
  f: (u: number) => number,
  fKinks: number[],
  g: (v: number) => number,
  gKinks: number[],
  q: number,
  c: number,
  q2: number,
  options: QuadratureOptions = {},
): number {
  if (!(q > 0)) return f(0) * expectation1d(g, gKinks, q2, options);
  if (!(q2 > 0)) return g(0) * expectation1d(f, fKinks, q, options);
  const sd = Math.sqrt(q);
  const a = c / sd;
  const s2 = q2 - a * a;
  const panel = options.panel ?? 0.25;
  const zKinksF = fKinks.map((k) => k / sd);
  if (s2 <= 1e-15 * q2) {
    // Perfect (anti)correlation: v = a z1.
    const breaks = [...zKinksF, ...(a !== 0 ? gKinks.map((k) => k / a) : [])];
    const { x, w } = gaussianRule(breaks, options);
    let sum = 0;
    for (let i = 0; i < x.length; i++) sum += w[i] * f(sd * x[i]) * g(a * x[i]);
    return sum;
  }
  const s = Math.sqrt(s2);
  const outerBreaks = [...zKinksF];
  if (a !== 0) for (const k of gKinks) outerBreaks.push(...graded(k / a, s / Math.abs(a), panel));
  const outer = gaussianRule(outerBreaks, options);
  // The inner rule is the same up to a shift of its breaks; reuse it when g has no kinks.
  const smoothInner = gKinks.length === 0 ? gaussianRule([], options) : null;
  let sum = 0;
  for (let i = 0; i < outer.x.length; i++) {
    const z1 = outer.x[i];
    const fu = f(sd * z1);
    if (fu === 0) continue;
    const mean = a * z1;
    const inner = smoothInner ?? gaussianRule(gKinks.map((k) => (k - mean) / s), options);
    let e = 0;
    for (let j = 0; j < inner.x.length; j++) e += inner.w[j] * g(mean + s * inner.x[j]);
    sum += outer.w[i] * fu * e;
  }
  return sum;
}
