/**
 * sin: K = e^{-(q+q')/2} sinh c, Kd = e^{-(q+q')/2} cosh c (cos.ts swaps them), from
 * E[cos(u -+ v)] = e^{-(q + q' -+ 2c)/2}.
 */
import { defineActivation, type DualEntry } from './activationDefinition';

/** sin: (E[cos(u - v)] - E[cos(u + v)]) / 2, cos: their sum / 2. */
export function trigEntry(kind: 'sin' | 'cos'): DualEntry {
  return (q1, q2, c, k, e, kd) => {
    const s = Math.sqrt(q1 * q2);
    const cc = c > s ? s : c < -s ? -s : c;
    const minus = Math.exp(-(q1 + q2 - 2 * cc) / 2);
    const plus = Math.exp(-(q1 + q2 + 2 * cc) / 2);
    const sinh = (minus - plus) / 2;
    const cosh = (minus + plus) / 2;
    k[e] = kind === 'sin' ? sinh : cosh;
    kd[e] = kind === 'sin' ? cosh : sinh;
  };
}

export const sin = defineActivation({
  name: 'sin',
  description: 'Activation sin(x). Kernels by numerical integration.',
  options: {},
  forward: (tf, h) => tf.sin(h),
  pointwise: () => ({ phi: Math.sin, dphi: Math.cos, kinkAtZero: false }),
  dual: () => trigEntry('sin'),
});
