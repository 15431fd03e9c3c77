/**
 * The run plan: an experiment's models expanded into jobs (one per finite width and seed, one per
 * infinite model), with deterministic ids, in the order they run: infinite models first, so each
 * finite job can be compared with its limit at every logged step.
 */
import type { Experiment, FiniteModelSpec, InfiniteModelSpec, ModelSpec } from '../experiment/experimentTypes';

export interface FiniteJob {
  id: string;
  kind: 'finite';
  model: FiniteModelSpec;
  width: number;
  seed: number;
  /** Id of the infinite job this finite job converges to as width grows, if the file has one. */
  limitId: string | null;
}

export interface InfiniteJob {
  id: string;
  kind: 'infinite';
  model: InfiniteModelSpec;
  width: null;
  seed: null;
  limitId: null;
}

export type Job = FiniteJob | InfiniteJob;

export interface RunPlan {
  jobs: Job[];
  /** Sum over jobs of their step counts: the unit of progress. */
  totalSteps: number;
}

export function jobId(model: ModelSpec, width?: number, seed?: number): string {
  return model.kind === 'finite' ? `${model.name}/w${width}/s${seed}` : model.name;
}

/**
 * The infinite-width method a finite model converges to, per SCIENCE.md section 5:
 * SGD/momentum on all layers (or linearized) -> ntk; readout only -> nngp; Adam on all layers -> adam.
 */
export function limitMethodOf(model: FiniteModelSpec): InfiniteModelSpec['method'] | null {
  const optimizer = model.optimizer.name;
  if (model.trainable === 'readout') return optimizer === 'adam' ? null : 'nngp';
  if (optimizer === 'adam') return model.trainable === 'all' ? 'adam' : null;
  return 'ntk';
}

function sameOptimizer(a: ModelSpec, b: ModelSpec): boolean {
  const x = a.optimizer;
  const y = b.optimizer;
  if (x.name !== y.name) return false;
  if (x.name === 'momentum' && x.momentum !== y.momentum) return false;
  if (x.name === 'adam' && (x.beta1 !== y.beta1 || x.beta2 !== y.beta2 || x.eps !== y.eps)) return false;
  return true;
}

/** The infinite model in the file that is this finite model's limit: same method family, optimizer and schedule. */
export function findLimit(model: FiniteModelSpec, models: ModelSpec[]): InfiniteModelSpec | null {
  const method = limitMethodOf(model);
  if (!method) return null;
  for (const candidate of models) {
    if (candidate.kind !== 'infinite' || candidate.method !== method) continue;
    if (!sameOptimizer(model, candidate)) continue;
    if (candidate.learningRate !== model.learningRate || candidate.steps !== model.steps) continue;
    if (candidate.batchSize !== model.batchSize || candidate.logEvery !== model.logEvery) continue;
    return candidate;
  }
  return null;
}

/** Expands the experiment, optionally restricted to some model names, into its jobs. */
export function planExperiment(experiment: Experiment, onlyModels?: string[]): RunPlan {
  const chosen = experiment.models.filter((m) => !onlyModels || onlyModels.includes(m.name));
  const jobs: Job[] = [];
  for (const model of chosen) {
    if (model.kind === 'infinite') jobs.push({ id: jobId(model), kind: 'infinite', model, width: null, seed: null, limitId: null });
  }
  for (const model of chosen) {
    if (model.kind !== 'finite') continue;
    const limit = findLimit(model, experiment.models);
    // A limit outside the chosen subset is still planned, so the comparison is there.
    if (limit && !chosen.includes(limit) && !jobs.some((j) => j.id === limit.name)) {
      jobs.unshift({ id: jobId(limit), kind: 'infinite', model: limit, width: null, seed: null, limitId: null });
    }
    for (const width of model.widths) {
      for (const seed of model.seeds) {
        jobs.push({ id: jobId(model, width, seed), kind: 'finite', model, width, seed, limitId: limit ? limit.name : null });
      }
    }
  }
  const totalSteps = jobs.reduce((sum, job) => sum + job.model.steps, 0);
  return { jobs, totalSteps };
}
