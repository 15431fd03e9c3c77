/** identity(x) = x: K = c, Kd = 1. The dual maps drop identities from a chain (engine/kernels/dualMaps.ts). */
import { defineActivation, type DualEntry } from './activationDefinition';

export const identityEntry: DualEntry = (_q1, _q2, c, k, e, kd) => {
  k[e] = c;
  kd[e] = 1;
};

export const identity = defineActivation({
  name: 'identity',
  description: 'Activation x (a linear network). Closed-form kernels.',
  options: {},
  forward: (_tf, h) => h.clone(),
  pointwise: () => ({ phi: (x) => x, dphi: () => 1, kinkAtZero: false }),
  dual: () => identityEntry,
});
