/** The logistic function 1/(1+e^-x); its kernels come from the Hermite expansion. */
import { defineActivation } from './activationDefinition';

/** 1/(1+e^-x) without overflow for large |x|; also softplus's derivative. */
export function logistic(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export const sigmoid = defineActivation({
  name: 'sigmoid',
  description: 'Activation The logistic function 1/(1+e^-x). Kernels by numerical integration.',
  options: {},
  forward: (tf, h) => tf.sigmoid(h),
  pointwise: () => ({ phi: logistic, dphi: (x) => logistic(x) * logistic(-x), kinkAtZero: false }),
});
