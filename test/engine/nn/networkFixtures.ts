/** Small builders shared by the finite-network tests: networks from a compact description, points, references. */
import { Activation, Layer, Network, Parametrization } from '../../../engine/experiment/experimentTypes';
import { Matrix } from '../../../engine/util/matrix';
import { Rng } from '../../../engine/util/rng';

export interface NetSpec {
  /** Activation chain after each hidden dense layer; its length is the depth L. */
  hidden: Activation[][];
  wStd?: number;
  bStd?: number;
  parametrization?: Parametrization;
}

/** A validated-shape Network: L hidden dense layers of width null (the caller's width), then a readout. */
export function makeNetwork(spec: NetSpec): Network {
  const dense = (): Layer => ({ kind: 'dense', width: null, wStd: spec.wStd ?? 1, bStd: spec.bStd ?? 0 });
  const layers: Layer[] = [];
  for (const chain of spec.hidden) {
    layers.push(dense());
    for (const activation of chain) layers.push({ kind: 'activation', activation });
  }
  layers.push(dense());
  return { parametrization: spec.parametrization ?? 'ntk', layers };
}

/** n points in R^d with i.i.d. N(0,1) coordinates, from the project's Rng. */
export function randomPoints(n: number, d: number, seed: number): Matrix {
  const data = new Float64Array(n * d);
  Rng.derive(seed, 'points').normals(n * d, 1, data);
  return { rows: n, cols: d, data };
}

/** erf to 1.2e-7 absolute (Numerical Recipes' erfc Chebyshev fit): a float64 reference independent of tfjs. */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}

/** phi(h) in float64, written from the definitions (not from engine code). */
export function activationRef(activation: Activation, h: number): number {
  switch (activation.kind) {
    case 'relu':
      return Math.max(h, 0);
    case 'erf':
      return erf(h);
    case 'identity':
      return h;
    case 'tanh':
      return Math.tanh(h);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-h));
    case 'softplus':
      return Math.log1p(Math.exp(-Math.abs(h))) + Math.max(h, 0);
    case 'gelu':
      return 0.5 * h * (1 + erf(h / Math.SQRT2));
    case 'sin':
      return Math.sin(h);
    case 'cos':
      return Math.cos(h);
    case 'leakyRelu':
      return h < 0 ? activation.slope * h : h;
    case 'abRelu':
      return h < 0 ? activation.a * h : activation.b * h;
  }
}

export const allActivations: Activation[] = [
  { kind: 'relu' },
  { kind: 'erf' },
  { kind: 'identity' },
  { kind: 'tanh' },
  { kind: 'sigmoid' },
  { kind: 'softplus' },
  { kind: 'gelu' },
  { kind: 'sin' },
  { kind: 'cos' },
  { kind: 'leakyRelu', slope: 0.1 },
  { kind: 'abRelu', a: -0.5, b: 2 },
];
