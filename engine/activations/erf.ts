/**
 * erf, the error function:  K = (2/pi) arcsin(2c / sqrt((1+2q)(1+2q'))),
 * Kd = (4/pi) / sqrt((1+2q)(1+2q') - 4c^2), with c clamped to [-sqrt(q q'), sqrt(q q')].
 */
import { erf as erfOf } from '../kernels/special';
import { defineActivation, type DualEntry } from './activationDefinition';

const erfEntry: DualEntry = (q1, q2, c, k, e, kd) => {
  const s = Math.sqrt(q1 * q2);
  const cc = c > s ? s : c < -s ? -s : c;
  const p = (1 + 2 * q1) * (1 + 2 * q2);
  let arg = (2 * cc) / Math.sqrt(p);
  arg = arg > 1 ? 1 : arg < -1 ? -1 : arg;
  k[e] = (2 / Math.PI) * Math.asin(arg);
  kd[e] = 4 / Math.PI / Math.sqrt(p - 4 * cc * cc);
};

export const erf = defineActivation({
  name: 'erf',
  description: 'Activation The error function. Closed-form kernels.',
  options: {},
  forward: (tf, h) => tf.erf(h),
  pointwise: () => ({ phi: erfOf, dphi: (x) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x), kinkAtZero: false }),
  dual: () => erfEntry,
});
