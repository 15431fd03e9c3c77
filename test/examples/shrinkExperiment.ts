/**
 * Shrinks a validated experiment to a size a test can run in seconds, keeping its shape: the same
 * data source, network, loss, models, optimizers and learning rates, and the same finite -> limit
 * pairs (engine/run/plan.ts findLimit matches on steps, logEvery and batch size, so every model's
 * schedule is shrunk by the same rule). Pure: returns a new Experiment, never touches its input.
 */
import type { BatchSize, DataSpec, Experiment, ModelSpec, TrainingSpec } from '../../engine/experiment/experimentTypes';

export interface ShrinkSizes {
  /** Training and test points for sources that state counts (mnist, synthetic); a CSV file keeps its rows. */
  train: number;
  test: number;
  steps: number;
  logEvery: number;
  /** Finite models keep their first `widths` widths, each capped at `maxWidth` (duplicates dropped). */
  widths: number;
  maxWidth: number;
  /** Finite models keep their first `seeds` seeds. */
  seeds: number;
  /** Monte Carlo samples R and C of the Adam limit, capped. */
  samples: number;
}

export const TEST_SIZES: ShrinkSizes = { train: 48, test: 24, steps: 10, logEvery: 5, widths: 2, maxWidth: 64, seeds: 1, samples: 128 };

export function shrinkExperiment(experiment: Experiment, sizes: ShrinkSizes = TEST_SIZES): Experiment {
  const data = shrinkData(experiment.data, sizes);
  const trainPoints = data.source === 'csv' || data.source === 'npy' ? null : data.train;
  const schedule = <T extends TrainingSpec>(s: T): T => ({
    ...s,
    steps: Math.min(s.steps, sizes.steps),
    logEvery: Math.min(s.logEvery, sizes.logEvery),
    batchSize: shrinkBatch(s.batchSize, trainPoints),
  });
  const models: ModelSpec[] = experiment.models.map((model) => {
    const shrunk = schedule(model);
    if (shrunk.kind === 'finite') {
      const widths = [...new Set(shrunk.widths.slice(0, sizes.widths).map((w) => Math.min(w, sizes.maxWidth)))];
      return { ...shrunk, widths, seeds: shrunk.seeds.slice(0, sizes.seeds) };
    }
    const { backward, forward } = shrunk.samples;
    return { ...shrunk, samples: { backward: Math.min(backward, sizes.samples), forward: Math.min(forward, sizes.samples) } };
  });
  // A sweep's points shrink the same way (each is an experiment of its own).
  const sweep = experiment.sweep && { ...experiment.sweep, variants: experiment.sweep.variants.map((v) => ({ ...v, experiment: shrinkExperiment(v.experiment, sizes) })) };
  return { ...experiment, data, training: schedule(experiment.training), models, ...(sweep ? { sweep } : {}) };
}

function shrinkData(data: DataSpec, sizes: ShrinkSizes): DataSpec {
  if (data.source === 'csv' || data.source === 'npy') return data;
  return { ...data, train: Math.min(data.train, sizes.train), test: Math.min(data.test, sizes.test) };
}

/** A minibatch larger than the shrunk training set would be invalid; the same rule for every model keeps pairs matched. */
function shrinkBatch(batchSize: BatchSize, trainPoints: number | null): BatchSize {
  if (batchSize === 'full' || trainPoints === null) return batchSize;
  return Math.min(batchSize, trainPoints);
}
