/**
 * Special functions the kernels need in float64 (JavaScript has no Math.erf), and Gauss-Legendre
 * rules for the quadratures.
 */

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * erf(x) to about 1e-15 relative. |x| < 3: the positive series
 * erf(x) = 2/sqrt(pi) e^{-x^2} sum_n 2^n x^{2n+1} / (1*3*...*(2n+1)) (no cancellation);
 * beyond: erf = 1 - erfc with erfc from its continued fraction (modified Lentz).
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  const v = 1 - erfcLarge(ax);
  return x < 0 ? -v : v;
}

/** erfc(x) for x >= 3 by the continued fraction erfc(x) = e^{-x^2}/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))). */
function erfcLarge(x: number): number {
  if (x > 27) return 0;
  const tiny = 1e-300;
  // f = x + a1/(x + a2/(x + ...)), a_k = k/2.
  let f = x;
  let C = f;
  let D = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    D = x + a * D;
    D = Math.abs(D) < tiny ? tiny : D;
    C = x + a / C;
    C = Math.abs(C) < tiny ? tiny : C;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/** Standard normal density. */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** Standard normal CDF Phi(x) = (1 + erf(x / sqrt 2)) / 2. */
export function normalCdf(x: number): number {
  return 0.5 * (1 + erf(x / Math.SQRT2));
}

export interface GaussRule {
  /** Nodes on [-1, 1], ascending. */
  nodes: Float64Array;
  weights: Float64Array;
}

const legendreCache = new Map<number, GaussRule>();

/** The p-point Gauss-Legendre rule on [-1, 1] (Newton on P_p from Chebyshev guesses); exact for degree 2p - 1. */
export function gaussLegendre(p: number): GaussRule {
  const cached = legendreCache.get(p);
  if (cached) return cached;
  const nodes = new Float64Array(p);
  const weights = new Float64Array(p);
  for (let i = 0; i < Math.ceil(p / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (p + 0.5));
    let dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= p; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      if (p === 1) p0 = 1;
      dp = (p * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    // Recompute the derivative at the converged node for the weight.
    let p0 = 1;
    let p1 = x;
    for (let k = 2; k <= p; k++) {
      const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
      p0 = p1;
      p1 = p2;
    }
    dp = p === 1 ? 1 : (p * (x * p1 - p0)) / (x * x - 1);
    const w = 2 / ((1 - x * x) * dp * dp);
    nodes[i] = -x;
    nodes[p - 1 - i] = x;
    weights[i] = w;
    weights[p - 1 - i] = w;
  }
  if (p % 2 === 1) nodes[(p - 1) / 2] = 0;
  const rule = { nodes, weights };
  legendreCache.set(p, rule);
  return rule;
}

/**
 * A composite Gauss-Legendre rule on [lo, hi] for the weight 1: the interval is cut at the sorted
 * `breaks` inside it (kinks of the integrand), each piece into panels no wider than `maxPanel`,
 * each panel gets the p-point rule. Returns nodes and weights (weights include the panel scaling).
 */
export function compositeRule(lo: number, hi: number, breaks: number[], maxPanel: number, p: number): { x: Float64Array; w: Float64Array } {
  const cuts = [lo, ...breaks.filter((b) => b > lo && b < hi).sort((a, b) => a - b), hi];
  const rule = gaussLegendre(p);
  const panels: [number, number][] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const a = cuts[i];
    const b = cuts[i + 1];
    if (!(b > a)) continue;
    const count = Math.max(1, Math.ceil((b - a) / maxPanel));
    const width = (b - a) / count;
    for (let j = 0; j < count; j++) panels.push([a + j * width, j === count - 1 ? b : a + (j + 1) * width]);
  }
  const x = new Float64Array(panels.length * p);
  const w = new Float64Array(panels.length * p);
  panels.forEach(([a, b], j) => {
    const half = (b - a) / 2;
    const mid = (a + b) / 2;
    for (let i = 0; i < p; i++) {
      x[j * p + i] = mid + half * rule.nodes[i];
      w[j * p + i] = half * rule.weights[i];
    }
  });
  return { x, w };
}
