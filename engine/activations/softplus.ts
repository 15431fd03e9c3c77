/** softplus(x) = log(1+e^x); its kernels come from the Hermite expansion. */
import { defineActivation } from './activationDefinition';
import { logistic } from './sigmoid';

export const softplus = defineActivation({
  name: 'softplus',
  description: 'Activation log(1+e^x). Kernels by numerical integration.',
  options: {},
  forward: (tf, h) => tf.softplus(h),
  pointwise: () => ({ phi: (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))), dphi: logistic, kinkAtZero: false }),
});
