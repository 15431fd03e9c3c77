/**
 * `iwl merge`'s core: the shard folders of one sharded run (engine/run/shards.ts) joined into the
 * run folder an unsharded run writes: summary.runs and metrics.jsonl in plan order (each job's
 * lines as its shard wrote them, so the numbers are the same bytes), the predictions copied, the
 * experiment file copied. A sequential unsharded run (`--workers 1`) writes exactly this, apart
 * from its timing fields. A shard that is absent, never started or did not finish leaves its jobs
 * out: the merged summary lists them in `missingJobs`, says why in `error`, and its status is
 * failed (or running, while the caller knows the shards are still running).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomicWrite';
import { dirname, join } from 'node:path';
import { metricsFileName, readMetricLine, readRunSummary, summaryFileName, type RunStatus, type RunSummary, type RunSummaryEntry } from '../contract/records';
import { clusterRunFileName, readClusterRun, readShardRecord, shardFileName, shardFolder, type ShardRecord } from '../contract/shardRecords';
import { errorMessage } from '../contract/errors';
import { IwlError } from '../util/iwlError';

/** One shard folder as read from disk. */
export interface ShardFolder {
  dir: string;
  record: ShardRecord;
  /** null: the shard has not written its summary (it never started). */
  summary: RunSummary | null;
  /** metrics.jsonl's text ('' where there is none). */
  metrics: string;
}

/**
 * The shard folders named on the command line: each DIR is a shard folder (with shard.json) or a
 * cluster run folder (with slurm.json, `iwl slurm`), which stands for its shards' folders. A shard
 * folder of a cluster run that does not exist (its task never started) is left out here and
 * reported missing by planMerge.
 */
export function shardFolderPaths(dirs: string[]): string[] {
  return dirs.flatMap((dir) => {
    if (existsSync(join(dir, shardFileName))) return [dir];
    const clusterFile = join(dir, clusterRunFileName);
    if (existsSync(clusterFile)) {
      const run = readClusterRun(readJson(clusterFile), clusterFile);
      return Array.from({ length: run.shards }, (_, i) => join(dir, shardFolder(i))).filter((d) => existsSync(join(d, shardFileName)));
    }
    throw new IwlError('SHARD_FOLDER', `${dir}: not a shard folder (no ${shardFileName}) nor a cluster run folder (no ${clusterRunFileName})`);
  });
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new IwlError('SHARD_FOLDER', `${path}: ${errorMessage(error)}`);
  }
}

export function readShardFolder(dir: string): ShardFolder {
  const recordFile = join(dir, shardFileName);
  const record = readShardRecord(readJson(recordFile), recordFile);
  const summaryFile = join(dir, summaryFileName);
  const summary = existsSync(summaryFile) ? readRunSummary(readJson(summaryFile), summaryFile) : null;
  const metricsFile = join(dir, metricsFileName);
  return { dir, record, summary, metrics: existsSync(metricsFile) ? readFileSync(metricsFile, 'utf8') : '' };
}

export interface MergeOptions {
  /** The shards are still running (the array is active): what is missing is not yet a failure. */
  running?: boolean;
  /** The time a running merge is made at (for its `seconds`). */
  now?: Date;
}

/** What a merge writes. */
export interface MergedRun {
  summary: RunSummary;
  /** metrics.jsonl's lines, in plan order. */
  metricsLines: string[];
  /** Files to copy: from a shard folder's path to a path relative to the merged folder. */
  copies: { from: string; to: string }[];
  /** Why jobs are missing, one line per shard (empty when the run is whole). */
  problems: string[];
}

/** Joins shard folders of one run; throws an IwlError when they are not shards of the same run. */
export function planMerge(folders: ShardFolder[], options: MergeOptions = {}): MergedRun {
  if (folders.length === 0) throw new IwlError('SHARD_FOLDER', 'no shard folders to merge');
  const first = folders[0].record;
  const byIndex = new Map<number, ShardFolder>();
  for (const folder of folders) {
    const r = folder.record;
    if (r.count !== first.count || r.experimentDigest !== first.experimentDigest) {
      throw new IwlError('SHARD_MISMATCH', `${folder.dir} is shard ${r.shard} of ${r.count} of another run than ${folders[0].dir} (shard ${first.shard} of ${first.count}${r.experimentDigest !== first.experimentDigest ? ', a different experiment file' : ''})`);
    }
    const other = byIndex.get(r.shard);
    if (other) throw new IwlError('SHARD_MISMATCH', `${folder.dir} and ${other.dir} are both shard ${r.shard} of ${r.count}`);
    byIndex.set(r.shard, folder);
  }
  const planned = folders.filter((f) => f.record.planJobs !== null);
  const planJobs = planned[0]?.record.planJobs ?? [];
  for (const f of planned) {
    if (JSON.stringify(f.record.planJobs) !== JSON.stringify(planJobs)) throw new IwlError('SHARD_MISMATCH', `${f.dir} planned other jobs than ${planned[0].dir}`);
  }

  const problems: string[] = [];
  let stillRunning = false;
  for (let i = 0; i < first.count; i++) {
    const folder = byIndex.get(i);
    const name = `shard ${i} of ${first.count}`;
    const ended = folder?.summary && folder.summary.status !== 'running';
    if (ended) {
      if (folder.summary!.error) problems.push(`${name}: ${folder.summary!.status}: ${folder.summary!.error}`);
      continue;
    }
    if (options.running) stillRunning = true;
    if (!folder) problems.push(`${name}: no shard folder${options.running ? ' yet' : ''}`);
    else if (!folder.summary) problems.push(`${name}: never started (no ${summaryFileName} in ${folder.dir})`);
    else if (!options.running) problems.push(`${name}: did not finish (${join(folder.dir, summaryFileName)} still says running: its task was stopped or is still running)`);
  }

  const owner = new Map<string, ShardFolder>();
  for (const folder of folders) for (const id of folder.record.jobs ?? []) owner.set(id, folder);
  const runs: RunSummaryEntry[] = [];
  const missingJobs: string[] = [];
  const copies: MergedRun['copies'] = [];
  const linesOf = new Map<ShardFolder, Map<string, string[]>>();
  const metricsLines: string[] = [];
  for (const id of planJobs) {
    const folder = owner.get(id);
    const entry = folder?.summary?.runs.find((r) => r.id === id);
    if (!folder || !entry) {
      missingJobs.push(id);
      // A job still running has its curve so far.
      if (folder && options.running) metricsLines.push(...(jobLines(linesOf, folder).get(id) ?? []));
      continue;
    }
    runs.push(entry);
    if (entry.predictionsFile) copies.push({ from: join(folder.dir, entry.predictionsFile), to: entry.predictionsFile });
    metricsLines.push(...(jobLines(linesOf, folder).get(id) ?? []));
  }
  if (planJobs.length === 0 && !stillRunning) problems.push('no shard planned its jobs (each failed before it had loaded the data)');

  const summaries = folders.flatMap((f) => (f.summary ? [f.summary] : []));
  const base = summaries[0] ?? null;
  const startedAt = summaries.map((s) => s.startedAt).sort()[0] ?? (options.now ?? new Date()).toISOString();
  const finishedAt = stillRunning ? null : summaries.map((s) => s.finishedAt ?? s.startedAt).sort().at(-1) ?? startedAt;
  const endMs = finishedAt ? Date.parse(finishedAt) : (options.now ?? new Date()).getTime();
  const distinct = (values: string[]) => [...new Set(values)].join(', ');
  const status: RunStatus = stillRunning
    ? 'running'
    : missingJobs.length || problems.length || summaries.some((s) => s.status === 'failed') || runs.some((r) => r.status === 'failed')
      ? 'failed'
      : summaries.some((s) => s.status === 'cancelled') || runs.some((r) => r.status === 'cancelled') ? 'cancelled' : 'completed';
  const missingText = missingJobs.length ? `${missingJobs.length} of ${planJobs.length} jobs missing (${missingJobs.join(', ')})` : '';
  const error = [missingText, ...problems].filter(Boolean).join('; ');
  const summary: RunSummary = {
    status,
    experiment: base?.experiment ?? first.experiment,
    experimentFile: base?.experimentFile ?? '',
    startedAt,
    finishedAt,
    seconds: Math.max(0, (endMs - Date.parse(startedAt)) / 1000),
    backend: distinct(summaries.map((s) => s.backend)),
    backendDetail: distinct(summaries.map((s) => s.backendDetail)),
    versions: base?.versions ?? {},
    seed: base?.seed ?? 0,
    data: base?.data ?? null,
    runs,
    ...(missingJobs.length ? { missingJobs } : {}),
    ...(error ? { error } : {}),
  };
  const experimentFile = folders.find((f) => f.summary)?.summary?.experimentFile;
  const source = folders.find((f) => f.summary && existsSync(join(f.dir, f.summary.experimentFile)));
  if (experimentFile && source) copies.push({ from: join(source.dir, experimentFile), to: experimentFile });
  return { summary, metricsLines, copies, problems };
}

/** A shard's metrics.jsonl lines by job id, read once; each line kept as the shard wrote it. */
function jobLines(cache: Map<ShardFolder, Map<string, string[]>>, folder: ShardFolder): Map<string, string[]> {
  let lines = cache.get(folder);
  if (!lines) {
    lines = new Map();
    for (const line of folder.metrics.split('\n')) {
      let id: string;
      try {
        id = readMetricLine(JSON.parse(line), join(folder.dir, metricsFileName)).id;
      } catch {
        continue; // the half-written last line of a shard writing it now, or not a metrics record (as readMetricsJsonl skips it)
      }
      if (!lines.has(id)) lines.set(id, []);
      lines.get(id)!.push(line);
    }
    cache.set(folder, lines);
  }
  return lines;
}

/** Writes a merged run into `outDir`: the files first, summary.json last and atomically. */
export function writeMerge(merged: MergedRun, outDir: string): void {
  mkdirSync(join(outDir, 'predictions'), { recursive: true });
  for (const { from, to } of merged.copies) {
    mkdirSync(dirname(join(outDir, to)), { recursive: true });
    copyFileSync(from, join(outDir, to));
  }
  writeFileAtomic(join(outDir, metricsFileName), merged.metricsLines.map((l) => l + '\n').join(''));
  writeFileAtomic(join(outDir, summaryFileName), JSON.stringify(merged.summary, null, 2) + '\n');
}
