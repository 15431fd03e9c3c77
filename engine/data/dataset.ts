/**
 * The one entry point for data: a validated DataSpec and the experiment's seed in, a Dataset out.
 * Same spec and seed, same data (every source draws from the project's Rng). Expected problems
 * (a missing file, a bad cell, too many samples) are IwlErrors with a code; a cancelled load throws
 * CancelledError. `data.validation` holds its points out of the training set here, the same for every source.
 */
import { DataSpec } from '../experiment/experimentTypes';
import { loadCsvDataset } from './csvDataset';
import { loadMnist } from './mnist';
import { loadSynthetic } from './synthetic';
import { loadNpyDataset } from './npyDataset';
import { Dataset, throwIfCancelled } from './datasetTypes';
import { holdOutValidation } from './validationSplit';

export type { Dataset, Task } from './datasetTypes';
export { oneHot } from './datasetTypes';

export async function loadDataset(spec: DataSpec, seed: number, options: { signal?: AbortSignal } = {}): Promise<Dataset> {
  const dataset = await loadSource(spec, seed, options.signal);
  return spec.validation !== undefined ? holdOutValidation(dataset, spec.validation, seed) : dataset;
}

async function loadSource(spec: DataSpec, seed: number, signal: AbortSignal | undefined): Promise<Dataset> {
  throwIfCancelled(signal);
  switch (spec.source) {
    case 'mnist':
      return loadMnist(spec, seed, signal);
    case 'csv':
      return loadCsvDataset(spec, seed, signal);
    case 'synthetic':
      return loadSynthetic(spec, seed);
    case 'npy':
      return loadNpyDataset(spec, seed, signal);
  }
}
