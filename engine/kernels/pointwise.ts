/**
 * Activations as plain float64 functions of one number, for the quadratures: phi, phi' (each
 * activation's definition, engine/activations/), and the points where a chain of activations has a
 * kink (a jump in phi'), so quadratures can cut there.
 */
import { Activation, resolveActivation } from '../activations/registry';
import type { Pointwise } from '../activations/activationDefinition';

/** phi and phi' of one activation, from its definition (engine/activations/). */
export function pointwiseOf(activation: Activation): Pointwise {
  const { definition, options } = resolveActivation(activation);
  return definition.pointwise(options);
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
