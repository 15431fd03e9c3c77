/**
 * A run folder as a panel receives it (webview/protocol.ts RunData): the status and title from
 * the run store, every point of metrics.jsonl, the finished jobs of summary.json. Plain Node.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobEntry, RunData, RunProgress } from '../../webview/protocol';
import { metricsFileName, readMetricsJsonl } from '../../engine/contract/records';
import { readRun } from '../runStore';
import { runTitle } from '../resultsText';

export async function readRunData(dir: string, isLive: (dir: string) => boolean, progress: RunProgress | null = null): Promise<RunData> {
  const run = await readRun(dir, isLive);
  const path = join(dir, metricsFileName);
  const text = await readFile(path, 'utf8').catch(() => '');
  // The last line of a live run may be half written; the next snapshot or delta has it.
  const records = readMetricsJsonl(text, path);
  const entries: JobEntry[] = (run.summary?.runs ?? []).map((e) => ({
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
  const data: RunData = {
    dir,
    title: runTitle(run),
    status: run.status,
    live: isLive(dir),
    task: run.summary?.data?.task ?? null,
    records,
    entries,
    progress: run.status === 'running' ? progress : null,
  };
  if (run.summary?.best) data.best = run.summary.best;
  if (run.error) data.error = run.error;
  return data;
}
