/**
 * The run plan: an experiment's models expanded into jobs (one per finite width and seed, one per
 * infinite model), with deterministic ids, in the order they run: infinite models first, so each
 * finite job can be compared with its limit at every logged step.
 */
import type { Experiment, FiniteModelSpec, InfiniteModelSpec, ModelSpec } from '../experiment/experimentTypes';
import { pointLabel, type SweepPoint } from '../experiment/sweep';

/** Where a job sits in a sweep: its point ({} without one) and which top-level point's experiment it runs in. */
interface SweepPlace {
  point?: SweepPoint;
  /** Index into experiment.sweep.variants (0, or absent, without a sweep). */
  variant?: number;
}

export interface FiniteJob extends SweepPlace {
  id: string;
  kind: 'finite';
  model: FiniteModelSpec;
  width: number;
  seed: number;
  /** Id of the infinite job this finite job converges to as width grows, if the file has one. */
  limitId: string | null;
}

export interface InfiniteJob extends SweepPlace {
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

/** `sgd/w512/s0`, `ntk`; in a sweep the point comes after the name: `adam/lr=0.01/w512/s0`, `adam-limit/lr=0.01`. */
export function jobId(model: ModelSpec, width?: number, seed?: number, label = ''): string {
  const name = label ? `${model.name}/${label}` : model.name;
  return model.kind === 'finite' ? `${name}/w${width}/s${seed}` : name;
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

/** Expands the experiment (every point of its sweep), optionally restricted to some model names, into its jobs. */
export function planExperiment(experiment: Experiment, onlyModels?: string[]): RunPlan {
  const variants = experiment.sweep ? experiment.sweep.variants.map((v) => v.experiment) : [experiment];
  const axes = experiment.sweep?.axes ?? [];
  const infinite: Job[] = [];
  const finite: Job[] = [];
  variants.forEach((variant, index) => {
    const place = (model: ModelSpec): SweepPlace => ({ point: model.point ?? {}, variant: index });
    const infiniteJob = (model: InfiniteModelSpec): InfiniteJob => ({ id: jobId(model, undefined, undefined, pointLabel(model.point, axes)), kind: 'infinite', model, width: null, seed: null, limitId: null, ...place(model) });
    const chosen = variant.models.filter((m) => !onlyModels || onlyModels.includes(m.name));
    const jobs: Job[] = [];
    for (const model of chosen) if (model.kind === 'infinite') jobs.push(infiniteJob(model));
    for (const model of chosen) {
      if (model.kind !== 'finite') continue;
      const limit = findLimit(model, variant.models);
      const limitId = limit ? infiniteJob(limit).id : null;
      // A limit outside the chosen subset is still planned, so the comparison is there.
      if (limit && !chosen.includes(limit) && !jobs.some((j) => j.id === limitId)) jobs.unshift(infiniteJob(limit));
      const label = pointLabel(model.point, axes);
      for (const width of model.widths) {
        for (const seed of model.seeds) {
          jobs.push({ id: jobId(model, width, seed, label), kind: 'finite', model, width, seed, limitId, ...place(model) });
        }
      }
    }
    infinite.push(...jobs.filter((j) => j.kind === 'infinite'));
    finite.push(...jobs.filter((j) => j.kind === 'finite'));
  });
  const jobs = [...infinite, ...finite];
  const totalSteps = jobs.reduce((sum, job) => sum + job.model.steps, 0);
  return { jobs, totalSteps };
}
