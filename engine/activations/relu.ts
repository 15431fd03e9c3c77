/**
 * relu(x) = max(0, x). With s = sqrt(q q'), rho = c / s clamped to [-1, 1] (0 when s = 0) and
 * theta = arccos(rho):  K = s (sin theta + (pi - theta) rho) / (2 pi),  Kd = (pi - theta) / (2 pi).
 */
import { defineActivation, type DualEntry } from './activationDefinition';
import { abReluPointwise } from './abRelu';

const INV_TWO_PI = 1 / (2 * Math.PI);

/**
 * Written with exactly the arithmetic of the fused relu loops (reluMap in engine/kernels/dualMaps.ts,
 * reluRecursion in analytic.ts): a point's diagonal and an entry between two identical points must
 * round alike, or the next layer sees rho = 1 - 1e-16, whose arccos is 1.5e-8 instead of 0.
 */
export const reluEntry: DualEntry = (q1, q2, c, k, e, kd) => {
  const qq = q1 * q2;
  const s = Math.sqrt(qq);
  let rho = qq > 0 ? c / s : 0;
  rho = rho > 1 ? 1 : rho < -1 ? -1 : rho;
  const pmt = Math.PI - Math.acos(rho);
  k[e] = s * (Math.sqrt((1 - rho) * (1 + rho)) + pmt * rho) * INV_TWO_PI;
  kd[e] = pmt * INV_TWO_PI;
};

export const relu = defineActivation({
  name: 'relu',
  description: 'Activation max(0, x). Closed-form kernels.',
  options: {},
  forward: (tf, h) => tf.relu(h),
  pointwise: () => abReluPointwise(0, 1),
  dual: () => reluEntry,
});
