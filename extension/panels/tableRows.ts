/**
 * The experiments table's rows, shaped in the host by engine/contract/runTable.ts (what `iwl table`
 * prints), so the panel and the CLI show the same columns and values. A live run adds its
 * unfinished jobs from the plan: `running` once started (with its latest logged figures), `queued`
 * before, each with its sweep point from the plan. Plain Node: no 'vscode'.
 */
import type { PlannedJob } from '../../engine/contract/engineProtocol';
import { runTable, type TableJob } from '../../engine/contract/runTable';
import type { JobEntry, MetricPoint, RunTables } from '../../webview/protocol';

/** What a live run knows of its jobs beyond the finished entries, taken at one instant. */
export interface LiveJobs {
  planned: readonly PlannedJob[];
  started: ReadonlySet<string>;
  latest: ReadonlyMap<string, MetricPoint>;
}

function unfinishedJob(job: PlannedJob, live: LiveJobs): TableJob {
  const p = live.latest.get(job.id);
  const validation = p && p.validationLoss !== undefined ? { validationLoss: p.validationLoss, validationAccuracy: p.validationAccuracy ?? null } : {};
  return {
    id: job.id,
    model: job.model,
    kind: job.kind,
    optimizer: job.optimizer ?? '',
    width: job.width,
    seed: job.seed,
    status: live.started.has(job.id) || p ? 'running' : 'queued',
    final: p ? { step: p.step, trainLoss: p.trainLoss, testLoss: p.testLoss, testAccuracy: p.testAccuracy ?? null, ...validation } : null,
    rmseToLimit: p?.rmseToLimit ?? null,
    point: job.point ?? {},
  };
}

/** The finished entries and (live) the unfinished planned jobs, in plan order. */
export function tableJobs(entries: readonly JobEntry[], live: LiveJobs | null): TableJob[] {
  if (!live || !live.planned.length) return [...entries];
  const finished = new Map(entries.map((e) => [e.id, e]));
  const planned = new Set(live.planned.map((j) => j.id));
  return [...live.planned.map((j) => finished.get(j.id) ?? unfinishedJob(j, live)), ...entries.filter((e) => !planned.has(e.id))];
}

/** The table of `jobs` a row per job and a row per point, as `iwl table` and `iwl table --per-point` print them. */
export function runTables(jobs: readonly TableJob[]): RunTables {
  return { job: runTable(jobs), point: runTable(jobs, { perPoint: true }) };
}
