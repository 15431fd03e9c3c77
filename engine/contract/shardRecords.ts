/**
 * The records of a sharded run (engine/run/shards.ts), with their readers, as records.ts does for
 * a run folder. A cluster run folder (`iwl slurm`) holds
 *   slurm.json           the ClusterRun: the experiment, the shard count, the sbatch script, the job id
 *   slurm.sbatch         the array script; slurm-<job>_<task>.out, each task's output
 *   shards/<I>/          shard I's folder: a run folder (summary.json, metrics.jsonl, predictions/)
 *                        of the jobs it records, plus shard.json (the ShardRecord)
 * and, once merged (`iwl merge`), the run folder of the whole plan next to them. Imports only records.ts.
 */
import { recordChecks, RecordError, type Check } from './records';

export const shardFileName = 'shard.json';
export const clusterRunFileName = 'slurm.json';
export const clusterScriptFileName = 'slurm.sbatch';
/** The shard folders' parent inside a cluster run folder. */
export const shardsFolderName = 'shards';

/** shard.json: which part of the plan a shard folder holds. Written when the shard starts, again once planned. */
export interface ShardRecord {
  formatVersion: 1;
  experiment: string;
  /** sha256 of the experiment file's bytes: shards of different files never merge. */
  experimentDigest: string;
  /** 0-based, as $SLURM_ARRAY_TASK_ID. */
  shard: number;
  count: number;
  /** Every job id of the whole plan, in plan order; null until the shard has loaded the data and planned. */
  planJobs: string[] | null;
  /** The jobs this shard records, in plan order (null until planned). */
  jobs: string[] | null;
  /** Limits it computes again for its finite jobs but another shard records (null until planned). */
  helpers: string[] | null;
}

/** slurm.json: a run submitted to Slurm as a job array. */
export interface ClusterRun {
  formatVersion: 1;
  experiment: string;
  /** Absolute path of the experiment file the tasks run. */
  experimentFile: string;
  shards: number;
  /** The sbatch script, relative to the run folder. */
  script: string;
  /** The array's job id once submitted (`sbatch --parsable`), else null. */
  jobId: string | null;
  submittedAt: string | null;
  partition: string | null;
  time: string | null;
  gpus: number | null;
}

const { text, count, nullable, oneOf, list, shape } = recordChecks;

const shardRecord: Check = shape<ShardRecord>({
  formatVersion: oneOf([1]),
  experiment: text,
  experimentDigest: text,
  shard: count,
  count,
  planJobs: nullable(list(text)),
  jobs: nullable(list(text)),
  helpers: nullable(list(text)),
});

const clusterRun: Check = shape<ClusterRun>({
  formatVersion: oneOf([1]),
  experiment: text,
  experimentFile: text,
  shards: count,
  script: text,
  jobId: nullable(text),
  submittedAt: nullable(text),
  partition: nullable(text),
  time: nullable(text),
  gpus: nullable(count),
});

/** shard.json's parsed JSON as a ShardRecord; throws a RecordError naming `file` and the field. */
export function readShardRecord(json: unknown, file: string = shardFileName): ShardRecord {
  shardRecord(json, '', file);
  const record = json as ShardRecord;
  if (!Number.isInteger(record.count) || record.count < 1 || !Number.isInteger(record.shard) || record.shard < 0 || record.shard >= record.count) {
    throw new RecordError(file, 'shard', `${file}: shard must be a whole number from 0 to count - 1, got shard ${record.shard} of ${record.count}`);
  }
  return record;
}

/** slurm.json's parsed JSON as a ClusterRun; throws a RecordError naming `file` and the field. */
export function readClusterRun(json: unknown, file: string = clusterRunFileName): ClusterRun {
  clusterRun(json, '', file);
  return json as ClusterRun;
}

/** Shard I's folder inside a cluster run folder. */
export function shardFolder(index: number): string {
  return `${shardsFolderName}/${index}`;
}
