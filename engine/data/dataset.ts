/**
 * The one entry point for data: a validated DataSpec and the experiment's seed in, a Dataset out.
 * Same spec and seed, same data (every source draws from the project's Rng). Expected problems
 * (a missing file, a bad cell, too many samples) are IwlErrors with a code; a cancelled load throws
 * CancelledError.
 */
import { DataSpec } from '../experiment/experimentTypes';
import { loadCsvDataset } from './csvDataset';
import { loadMnist } from './mnist';
import { loadSynthetic } from './synthetic';
import { Dataset, throwIfCancelled } from './datasetTypes';

export type { Dataset, Task } from './datasetTypes';
export { oneHot } from './datasetTypes';

export async function loadDataset(spec: DataSpec, seed: number, options: { signal?: AbortSignal } = {}): Promise<Dataset> {
  const { signal } = options;
  throwIfCancelled(signal);
  switch (spec.source) {
    case 'mnist':
      return loadMnist(spec, seed, signal);
    case 'csv':
      return loadCsvDataset(spec, seed, signal);
    case 'synthetic':
      return loadSynthetic(spec, seed);
  }
}
