/**
 * A run folder as a panel receives it (webview/protocol.ts RunData). Its records (metric points
 * and finished jobs' entries) come from one place, the host's run store: for the live run, what
 * the run manager holds from the engine's batches, taken at one instant so that the deltas after
 * it carry exactly the points that follow; for any other run, metrics.jsonl and summary.json
 * through the records' readers. The status and title come from the folder. Plain Node.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobEntry, MetricPoint, RunData, RunProgress } from '../../webview/protocol';
import { metricsFileName, readMetricsJsonl } from '../../engine/contract/records';
import type { ActiveRun } from '../runManager';
import { runTables, tableJobs, type LiveJobs } from './tableRows';
import { readRun } from '../runStore';
import { runTitle } from '../runTitles';

/** The live run's records at one instant (copies: the run manager keeps appending to its own). */
export interface LiveRecords {
  records: MetricPoint[];
  entries: JobEntry[];
  progress: RunProgress;
  jobs: LiveJobs;
}

export function progressOf(run: ActiveRun): RunProgress {
  return { doneSteps: run.doneSteps, totalSteps: run.totalSteps, currentJob: run.currentJob };
}

export function liveRecordsOf(run: ActiveRun): LiveRecords {
  return {
    records: run.records.slice(),
    entries: run.entries.slice(),
    progress: progressOf(run),
    jobs: { planned: run.jobs.slice(), started: new Set(run.startedJobs), latest: new Map(run.latest) },
  };
}

/**
 * A run's data for a panel: `live` is the live run's records when `dir` is the run in progress, else
 * null. `table`: the experiments table's data, its rows shaped as `iwl table` shapes them, no points.
 */
export async function readRunData(dir: string, live: LiveRecords | null, options: { table?: boolean } = {}): Promise<RunData> {
  const run = await readRun(dir, () => live !== null);
  let records: MetricPoint[];
  let entries: JobEntry[];
  if (live) {
    ({ records, entries } = live);
  } else {
    const path = join(dir, metricsFileName);
    // A run this session does not write is complete on disk (or was interrupted: what it wrote stays).
    records = options.table ? [] : readMetricsJsonl(await readFile(path, 'utf8').catch(() => ''), path);
    entries = (run.summary?.runs ?? []).map((e) => ({
      id: e.id,
      model: e.model,
      kind: e.kind,
      method: e.method,
      optimizer: e.optimizer,
      trainable: e.trainable,
      width: e.width,
      seed: e.seed,
      status: e.status,
      final: e.final,
      rmseToLimit: e.rmseToLimit,
      limit: e.limit,
      seconds: e.seconds,
      ...(e.point ? { point: e.point } : {}),
    }));
  }
  const data: RunData = {
    dir,
    title: runTitle(run),
    status: live ? 'running' : run.status,
    live: live !== null,
    task: run.summary?.data?.task ?? null,
    records,
    entries,
    progress: live ? live.progress : null,
  };
  if (run.summary?.best) data.best = run.summary.best;
  if (options.table) {
    data.tables = runTables(tableJobs(entries, live?.jobs ?? null));
    data.records = [];
  }
  if (run.error) data.error = run.error;
  return data;
}
