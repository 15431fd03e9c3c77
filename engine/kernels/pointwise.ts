/**
 * Activations as plain float64 functions of one number, for the quadratures: phi, phi', and the
 * points where a chain of activations has a kink (a jump in phi'), so quadratures can cut there.
 *
 * Conventions (shared with the closed forms): relu'(0) = 1/2 and abRelu'(0) = (a + b)/2, the
 * symmetric choice, so a point with variance 0 gets E[phi'(0) phi'(v)] = the rho = 0 value.
 * gelu is the exact x * Phi(x) (Phi the standard normal CDF), not the tanh approximation.
 */
import { Activation } from '../experiment/experimentTypes';
import { erf, normalCdf, normalPdf } from './special';

export interface Pointwise {
  phi(x: number): number;
  dphi(x: number): number;
  /** True when phi is piecewise linear with a kink at 0 (relu, leakyRelu, abRelu with a != b). */
  kinkAtZero: boolean;
}

export function pointwiseOf(activation: Activation): Pointwise {
  switch (activation.kind) {
    case 'identity':
      return { phi: (x) => x, dphi: () => 1, kinkAtZero: false };
    case 'relu':
      return abRelu(0, 1);
    case 'leakyRelu':
      return abRelu(activation.slope, 1);
    case 'abRelu':
      return abRelu(activation.a, activation.b);
    case 'erf':
      return { phi: erf, dphi: (x) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x), kinkAtZero: false };
    case 'tanh':
      return {
        phi: Math.tanh,
        dphi: (x) => {
          const t = Math.tanh(x);
          return 1 - t * t;
        },
        kinkAtZero: false,
      };
    case 'sigmoid':
      return { phi: sigmoid, dphi: (x) => sigmoid(x) * sigmoid(-x), kinkAtZero: false };
    case 'softplus':
      return { phi: (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))), dphi: sigmoid, kinkAtZero: false };
    case 'gelu':
      return { phi: (x) => x * normalCdf(x), dphi: (x) => normalCdf(x) + x * normalPdf(x), kinkAtZero: false };
    case 'sin':
      return { phi: Math.sin, dphi: Math.cos, kinkAtZero: false };
    case 'cos':
      return { phi: Math.cos, dphi: (x) => -Math.sin(x), kinkAtZero: false };
  }
}

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function abRelu(a: number, b: number): Pointwise {
  const mid = (a + b) / 2;
  return {
    phi: (x) => (x < 0 ? a * x : b * x),
    dphi: (x) => (x < 0 ? a : x > 0 ? b : mid),
    kinkAtZero: a !== b,
  };
}

/** A chain phi_m o ... o phi_1 (applied in array order) with its derivative by the chain rule. */
export interface Chain {
  phi(x: number): number;
  dphi(x: number): number;
  /** Kinks of the chain inside [-range, range], sorted. */
  kinks(range: number): number[];
}

export function chainOf(activations: Activation[]): Chain {
  const parts = activations.map(pointwiseOf);
  if (parts.length === 1) {
    const p = parts[0];
    return { phi: p.phi, dphi: p.dphi, kinks: (range) => (p.kinkAtZero && range > 0 ? [0] : []) };
  }
  const phi = (x: number) => {
    let y = x;
    for (const p of parts) y = p.phi(y);
    return y;
  };
  const dphi = (x: number) => {
    let y = x;
    let d = 1;
    for (const p of parts) {
      d *= p.dphi(y);
      y = p.phi(y);
    }
    return d;
  };
  const cache = new Map<number, number[]>();
  const kinks = (range: number): number[] => {
    const hit = cache.get(range);
    if (hit) return hit;
    const found: number[] = [];
    for (let s = 0; s < parts.length; s++) {
      if (!parts[s].kinkAtZero) continue;
      if (s === 0) {
        found.push(0);
        continue;
      }
      // Zeros of the stage's input g(x) = phi_{s-1} o ... o phi_1 (x): sign changes on a fine grid, then bisection.
      const g = (x: number) => {
        let y = x;
        for (let t = 0; t < s; t++) y = parts[t].phi(y);
        return y;
      };
      const steps = 4096;
      let xa = -range;
      let ga = g(xa);
      for (let i = 1; i <= steps; i++) {
        const xb = -range + (2 * range * i) / steps;
        const gb = g(xb);
        if (gb === 0 && ga !== 0) found.push(xb);
        else if (ga * gb < 0) found.push(bisect(g, xa, xb, ga));
        xa = xb;
        ga = gb;
      }
    }
    const sorted = [...new Set(found)].filter((x) => Math.abs(x) <= range).sort((a, b) => a - b);
    cache.set(range, sorted);
    return sorted;
  };
  return { phi, dphi, kinks };
}

function bisect(g: (x: number) => number, a: number, b: number, ga: number): number {
  for (let i = 0; i < 200 && b - a > 1e-15 * Math.max(1, Math.abs(a)); i++) {
    const m = (a + b) / 2;
    const gm = g(m);
    if (gm === 0) return m;
    if (ga * gm < 0) b = m;
    else {
      a = m;
      ga = gm;
    }
  }
  return (a + b) / 2;
}
