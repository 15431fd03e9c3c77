/** cos: K = e^{-(q+q')/2} cosh c, Kd = e^{-(q+q')/2} sinh c (the derivation is in sin.ts). */
import { defineActivation } from './activationDefinition';
import { trigEntry } from './sin';

export const cos = defineActivation({
  name: 'cos',
  description: 'Activation cos(x). Kernels by numerical integration.',
  options: {},
  forward: (tf, h) => tf.cos(h),
  pointwise: () => ({ phi: Math.cos, dphi: (x) => -Math.sin(x), kinkAtZero: false }),
  dual: () => trigEntry('cos'),
});
