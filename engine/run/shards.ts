/**
 * Shards: a run plan cut into N deterministic parts for N machines (`iwl run --shard I/N`, one
 * Slurm array task each), balanced by each job's estimated cost, and merged back afterwards
 * (engine/run/mergeShards.ts) into the run folder an unsharded run writes.
 *
 * A finite job compares its test predictions with its infinite limit's at every logged step
 * (rmseToLimit), so a shard that holds a finite job also needs that limit's predictions. Each
 * infinite job is owned by exactly one shard (the one that records it); every other shard that
 * holds one of its finite jobs computes it again as a helper and records nothing of it. The limits
 * are deterministic (the same code, data and seed in every process), so each shard's gaps are the
 * ones an unsharded run writes, and a finite job never waits on another machine. A job goes to the
 * least loaded shard, counting a helper's cost in its shard, and to a shard that must recompute its
 * limit only where that finishes it sooner by more than the recomputation costs: where a limit costs
 * much more than its networks, they gather beside it.
 */
import type { Experiment } from '../experiment/experimentTypes';
import { architectureOf } from '../nn/architecture';
import type { Job, RunPlan } from './plan';

/** The I-th (0-based, as $SLURM_ARRAY_TASK_ID) of N shards. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** `I/N` as a ShardSpec, or the reason it is not one. */
export function parseShardSpec(text: string): ShardSpec | string {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return `--shard must be I/N (the I-th of N shards, counted from 0); got '${text}'`;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) return `--shard I/N needs N of at least 1; got '${text}'`;
  if (index >= count) return `--shard I/N needs I from 0 to N-1 (Slurm's array task ids); got '${text}'`;
  return { index, count };
}

/** The sizes a job's cost depends on (the loaded dataset's). */
export interface CostSizes {
  train: number;
  test: number;
  inputDim: number;
  outputs: number;
}

/**
 * A job's estimated cost in floating-point operations (a relative figure for balancing, not a time).
 * With N train and T test points, M = N + T, d inputs, k outputs, L hidden layers, S steps logged
 * every E steps, batch B:
 * - finite at width n: P parameters (as engine/experiment/memory.ts counts them), 6 P B per step
 *   (forward and backward) and 2 P M per logged evaluation;
 * - infinite: the kernels over all points, M^2 (d + 2 L), a cubic solve or eigendecomposition of
 *   the train block, N^3, and an M N k product per logged step; method adam instead moves
 *   L R C entries of its Monte Carlo sample over M points at every step: 6 L R C M S.
 */
export function estimateJobCost(experiment: Experiment, job: Job, sizes: CostSizes): number {
  const L = architectureOf(experiment.network).hidden.length;
  const { train: n, inputDim: d, outputs: k } = sizes;
  const m = sizes.train + sizes.test;
  const steps = job.model.steps;
  const logs = Math.floor(steps / Math.max(1, job.model.logEvery)) + 1;
  if (job.kind === 'finite') {
    const w = job.width;
    const params = L === 0 ? d * k + k : d * w + (L - 1) * w * w + w * k + L * w + k;
    const batch = job.model.batchSize === 'full' ? n : Math.min(job.model.batchSize, n);
    return 6 * params * batch * steps + 2 * params * m * logs;
  }
  const kernels = m * m * (d + 2 * L);
  if (job.model.method === 'adam') {
    const { backward: r, forward: c } = job.model.samples;
    return kernels + 6 * Math.max(1, L) * r * c * m * steps;
  }
  return kernels + n * n * n + m * n * k * logs;
}

/** One shard's part of the plan. */
export interface ShardPart {
  index: number;
  /** Jobs this shard records, in plan order. */
  jobs: string[];
  /** Limits this shard computes for its finite jobs but another shard records, in plan order. */
  helpers: string[];
  /** Estimated cost of everything it runs (estimateJobCost's unit). */
  cost: number;
}

/**
 * The plan's jobs in `count` parts: every job in exactly one part, each part's cost (helpers
 * included) as even as a greedy longest-first assignment makes it without recomputing limits for
 * little gain. Deterministic: the same plan
 * and sizes give the same parts on every machine (ties go to the lower shard, then plan order).
 */
export function assignShards(experiment: Experiment, plan: RunPlan, count: number, sizes: CostSizes): ShardPart[] {
  const cost = new Map(plan.jobs.map((job) => [job.id, estimateJobCost(experiment, job, sizes)]));
  const order = new Map(plan.jobs.map((job, i) => [job.id, i]));
  const parts = Array.from({ length: count }, (_, index) => ({ index, owned: new Set<string>(), needed: new Set<string>(), cost: 0 }));
  // Limits first (the finite jobs then see where their limit already is), then by cost, largest first.
  const queue = [...plan.jobs].sort((a, b) =>
    (a.kind === b.kind ? 0 : a.kind === 'infinite' ? -1 : 1) || cost.get(b.id)! - cost.get(a.id)! || order.get(a.id)! - order.get(b.id)!,
  );
  const extra = (part: (typeof parts)[number], job: Job) => (job.limitId && !part.needed.has(job.limitId) ? cost.get(job.limitId) ?? 0 : 0);
  for (const job of queue) {
    // The least loaded shard that has the job's limit, and the least loaded one overall (which may
    // have to compute the limit again): the second only where it saves more than the recomputation.
    let best = parts[0];
    let bestLoad = Infinity;
    let withLimit = parts[0];
    let withLimitLoad = Infinity;
    for (const part of parts) {
      const load = part.cost + cost.get(job.id)! + extra(part, job);
      if (load < bestLoad) {
        best = part;
        bestLoad = load;
      }
      if (extra(part, job) === 0 && load < withLimitLoad) {
        withLimit = part;
        withLimitLoad = load;
      }
    }
    if (best !== withLimit && withLimitLoad - bestLoad <= extra(best, job)) {
      best = withLimit;
      bestLoad = withLimitLoad;
    }
    best.cost = bestLoad;
    best.owned.add(job.id);
    best.needed.add(job.id);
    if (job.limitId) best.needed.add(job.limitId);
  }
  const inPlanOrder = (ids: Iterable<string>) => [...ids].sort((a, b) => order.get(a)! - order.get(b)!);
  return parts.map((p) => ({
    index: p.index,
    jobs: inPlanOrder(p.owned),
    helpers: inPlanOrder([...p.needed].filter((id) => !p.owned.has(id))),
    cost: p.cost,
  }));
}

/** The plan restricted to one part's jobs and helpers, in plan order (what its shard runs). */
export function shardPlan(plan: RunPlan, part: ShardPart): RunPlan {
  const keep = new Set([...part.jobs, ...part.helpers]);
  const jobs = plan.jobs.filter((job) => keep.has(job.id));
  return { jobs, totalSteps: jobs.reduce((sum, job) => sum + job.model.steps, 0) };
}
