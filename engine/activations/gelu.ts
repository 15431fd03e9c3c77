/** The exact GELU x Phi(x) (Phi the standard normal CDF), not the tanh approximation; kernels from the Hermite expansion. */
import { normalCdf, normalPdf } from '../kernels/special';
import { defineActivation } from './activationDefinition';

export const gelu = defineActivation({
  name: 'gelu',
  description: 'Activation x times the standard normal CDF of x. Kernels by numerical integration.',
  options: {},
  // h Phi(h) = h/2 (1 + erf(h / sqrt 2)).
  forward: (tf, h) => tf.mul(tf.mul(h, 0.5), tf.add(1, tf.erf(tf.mul(h, Math.SQRT1_2)))),
  pointwise: () => ({ phi: (x) => x * normalCdf(x), dphi: (x) => normalCdf(x) + x * normalPdf(x), kinkAtZero: false }),
});
