/** leakyRelu(m) = abRelu(m, 1): x for x > 0, m x otherwise (abRelu.ts has the math). */
import { defineActivation } from './activationDefinition';
import { abReluEntry, abReluForward, abReluPointwise } from './abRelu';

export const leakyRelu = defineActivation<'leakyRelu', 'slope'>({
  name: 'leakyRelu',
  description: 'Leaky ReLU: x for x > 0, slope * x otherwise (abRelu(slope, 1)). Closed-form kernels.',
  options: { slope: { type: 'number', description: 'Slope for negative inputs.' } },
  forward: (tf, h, { slope }) => abReluForward(tf, h, slope, 1),
  pointwise: ({ slope }) => abReluPointwise(slope, 1),
  dual: ({ slope }) => abReluEntry(slope, 1),
});
