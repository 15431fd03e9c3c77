/**
 * abRelu(a, b)(x) = a min(x, 0) + b max(x, 0); relu and leakyRelu are its special cases. With
 * s = sqrt(q q'), rho = c / s clamped to [-1, 1] (0 when s = 0) and theta = arccos(rho):
 *   K  = (a-b)^2/(2 pi) s sin theta + ((a^2+b^2)/2 - (a-b)^2 theta/(2 pi)) s rho
 *   Kd = (a^2+b^2)/2 - (a-b)^2 theta / (2 pi)
 * sin theta is computed as sqrt((1 - rho)(1 + rho)), exact near rho = 1.
 */
import type * as Tf from '@tensorflow/tfjs';
import { defineActivation, type DualEntry, type Pointwise } from './activationDefinition';

const TWO_PI = 2 * Math.PI;

/** rho = c / sqrt(q1 q2) clamped to [-1, 1]; 0 when q1 q2 = 0. */
function rhoOf(q1: number, q2: number, c: number): number {
  const qq = q1 * q2;
  if (!(qq > 0)) return 0;
  const r = c / Math.sqrt(qq);
  return r > 1 ? 1 : r < -1 ? -1 : r;
}

export function abReluEntry(a: number, b: number): DualEntry {
  const d2 = (a - b) * (a - b);
  const m2 = (a * a + b * b) / 2;
  return (q1, q2, c, k, e, kd) => {
    const s = Math.sqrt(q1 * q2);
    const rho = rhoOf(q1, q2, c);
    const theta = Math.acos(rho);
    const sin = Math.sqrt((1 - rho) * (1 + rho));
    const slope = m2 - (d2 * theta) / TWO_PI;
    k[e] = (d2 / TWO_PI) * s * sin + slope * s * rho;
    kd[e] = slope;
  };
}

/** b relu(h) - a relu(-h); at h = 0 tfjs autodiff takes the left piece's slope (measure zero for Gaussian inputs). */
export function abReluForward(tf: typeof Tf, h: Tf.Tensor, a: number, b: number): Tf.Tensor {
  return tf.sub(tf.mul(tf.relu(h), b), tf.mul(tf.relu(tf.neg(h)), a));
}

/** phi'(0) = (a + b) / 2, the symmetric choice the closed forms share. */
export function abReluPointwise(a: number, b: number): Pointwise {
  const mid = (a + b) / 2;
  return {
    phi: (x) => (x < 0 ? a * x : b * x),
    dphi: (x) => (x < 0 ? a : x > 0 ? b : mid),
    kinkAtZero: a !== b,
  };
}

export const abRelu = defineActivation<'abRelu', 'a' | 'b'>({
  name: 'abRelu',
  description: 'a min(x, 0) + b max(x, 0). Closed-form kernels; abRelu(0, 1) is relu.',
  options: {
    a: { type: 'number', description: 'Slope for negative inputs.' },
    b: { type: 'number', description: 'Slope for positive inputs.' },
  },
  forward: (tf, h, { a, b }) => abReluForward(tf, h, a, b),
  pointwise: ({ a, b }) => abReluPointwise(a, b),
  dual: ({ a, b }) => abReluEntry(a, b),
});
