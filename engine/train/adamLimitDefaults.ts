/**
 * The Adam limit's Monte Carlo sample counts when the experiment file gives none. Pure (no tfjs):
 * the validator, the schema's defaults and the reference docs read it; the accuracy and cost
 * measurements behind these numbers are in adamLimit.ts.
 */
import type { ModelSpec } from '../experiment/experimentTypes';

/** Backward (R) and forward (C) samples per layer at the least (adamLimit.ts: about 9% relative error). */
export const DEFAULT_SAMPLES = { backward: 1024, forward: 1024 } as const;

/**
 * Monte Carlo samples of the Adam limit when the file gives none. The limit's own sampling error is
 * about the finite-width gap of a network min(R, C) wide (measured; engine/train/adamLimit.ts), so a
 * width sweep needs R, C above its widest finite Adam network or its gaps level off. 1024 by default;
 * with one hidden layer the cost is linear in R and C, so 4x the widest finite Adam width, up to 8192;
 * deeper networks cost R C per hidden-to-hidden matrix and step, so 2x, up to 2048.
 */
export function defaultAdamSamples(models: ModelSpec[], hiddenLayers: number): number {
  const least = DEFAULT_SAMPLES.backward;
  const widest = Math.max(0, ...models.flatMap((m) => (m.kind === 'finite' && m.optimizer.name === 'adam' && m.trainable === 'all' ? m.widths : [])));
  return hiddenLayers <= 1 ? Math.min(8192, Math.max(least, 4 * widest)) : Math.min(2048, Math.max(least, 2 * widest));
}
