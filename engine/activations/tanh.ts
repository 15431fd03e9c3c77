/** tanh; its kernels come from the Hermite expansion. */
import { defineActivation } from './activationDefinition';

export const tanh = defineActivation({
  name: 'tanh',
  description: 'Activation Hyperbolic tangent. Kernels by numerical integration.',
  options: {},
  forward: (tf, h) => tf.tanh(h),
  pointwise: () => ({
    phi: Math.tanh,
    dphi: (x) => {
      const t = Math.tanh(x);
      return 1 - t * t;
    },
    kinkAtZero: false,
  }),
});
