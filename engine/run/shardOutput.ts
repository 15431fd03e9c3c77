/**
 * What `iwl run --shard I/N` adds to a run folder: shard.json (engine/contract/shardRecords.ts), the plan
 * narrowed to the shard's part once the data is loaded (engine/run/shards.ts), and the rule that
 * the limits it computes only as helpers for its finite jobs are not recorded (their owner shard does).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomicWrite';
import { join } from 'node:path';
import type { Experiment } from '../experiment/experimentTypes';
import type { Dataset } from '../data/dataset';
import { shardFileName, type ShardRecord } from '../contract/shardRecords';
import type { RunPlan } from './plan';
import type { RunEvent } from './runExperiment';
import { assignShards, shardPlan, type ShardSpec } from './shards';

/** sha256 of a file's bytes, hex. */
export function fileDigest(path: string): string {
  return createHash('sha256').update(new Uint8Array(readFileSync(path))).digest('hex');
}

export class ShardOutput {
  private readonly record: ShardRecord;
  private helpers = new Set<string>();

  constructor(
    readonly dir: string,
    readonly spec: ShardSpec,
    private readonly experiment: Experiment,
    experimentFile: string,
  ) {
    this.record = {
      formatVersion: 1,
      experiment: experiment.name,
      experimentDigest: fileDigest(experimentFile),
      shard: spec.index,
      count: spec.count,
      planJobs: null,
      jobs: null,
      helpers: null,
    };
    this.write();
  }

  /** runExperiment's selectJobs: this shard's part of the whole plan, which shard.json then names. */
  readonly selectJobs = (plan: RunPlan, dataset: Dataset): RunPlan => {
    const sizes = { train: dataset.xTrain.rows, test: dataset.xTest.rows, inputDim: dataset.inputDim, outputs: dataset.outputs };
    const part = assignShards(this.experiment, plan, this.spec.count, sizes)[this.spec.index];
    this.helpers = new Set(part.helpers);
    Object.assign(this.record, { planJobs: plan.jobs.map((j) => j.id), jobs: part.jobs, helpers: part.helpers });
    this.write();
    return shardPlan(plan, part);
  };

  /** False for the events of a helper job: the shard computes it for its finite jobs' gaps, another shard records it. */
  records(event: RunEvent): boolean {
    switch (event.type) {
      case 'metrics':
        return !this.helpers.has(event.record.id);
      case 'jobFinished':
        return !this.helpers.has(event.result.job.id);
      default:
        return true;
    }
  }

  private write(): void {
    const path = join(this.dir, shardFileName);
    writeFileAtomic(path, JSON.stringify(this.record, null, 2) + '\n');
  }
}
