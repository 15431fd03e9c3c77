/**
 * Runs on disk: `<resultsRoot>/<experiment file name>/<start time>/` holding the RunOutput files
 * (summary.json, metrics.jsonl, predictions/, the experiment copy) and manifest.json, read through
 * the readers of engine/contract/records.ts (a file that does not read counts as missing).
 * Plain Node: the tree view, the code lenses and the tests read runs through here. The disk is the
 * truth, so finished runs survive a window reload; a summary still saying "running" whose run no
 * live engine owns was interrupted (a reload, a crash, a killed window).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep, isAbsolute } from 'node:path';
import {
  manifestFileName,
  readMetricsJsonl,
  readRunManifest,
  readRunSummary,
  runFolderName,
  summaryFileName,
  timeOfFolderName,
  type EndStatus,
  type MetricLine,
  type RunManifest,
  type RunSummary,
  type RunSummaryEntry,
  type StoredRunStatus,
} from '../engine/contract/records';
import { clusterRunFileName, readClusterRun, type ClusterRun } from '../engine/contract/shardRecords';
import { tableCsv } from '../engine/contract/textEscapes';

export interface StoredRun {
  dir: string;
  /** The experiment folder's name: the experiment file's name. */
  experimentKey: string;
  /** From the summary (else the manifest, else the folder's time). */
  startedAt: Date;
  status: StoredRunStatus;
  summary: RunSummary | null;
  manifest: RunManifest | null;
  /** Why the run failed or was interrupted, when known. */
  error?: string;
  /** slurm.json, for a run submitted to Slurm (`iwl slurm`; slurmRuns.ts follows it). */
  cluster?: ClusterRun;
}

export interface StoredExperiment {
  key: string;
  dir: string;
  runs: StoredRun[];
}

/** A new, not yet existing run folder for an experiment file (adds -2, -3, ... within one second). */
export function newRunFolder(resultsRoot: string, experimentFile: string, now: Date = new Date()): string {
  const base = join(resultsRoot, basename(experimentFile), runFolderName(now));
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  return dir;
}

/** Whether two paths name the same file or folder (both resolved, so a trailing slash or a relative path does not matter). */
export function samePath(a: string, b: string): boolean {
  return resolve(a) === resolve(b);
}

/** Whether `dir` is a run folder inside `resultsRoot` (two levels down). Guards deletion. */
export function isRunFolder(resultsRoot: string, dir: string): boolean {
  const rel = relative(resolve(resultsRoot), resolve(dir));
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) return false;
  return rel.split(sep).length === 2;
}

/** A record file through its reader; null when it is missing, torn or not that record. */
function readRecordText<T>(text: string, path: string, read: (json: unknown, file: string) => T): T | null {
  try {
    return read(JSON.parse(text), path);
  } catch {
    return null;
  }
}

async function readRecord<T>(path: string, read: (json: unknown, file: string) => T): Promise<T | null> {
  const text = await readFile(path, 'utf8').catch(() => null);
  return text === null ? null : readRecordText(text, path, read);
}

/**
 * One run folder as the user should see it. `isLive(dir)` says whether a run of this session's
 * engine writes it now; a "running" summary without one was interrupted.
 */
export async function readRun(dir: string, isLive: (dir: string) => boolean = () => false): Promise<StoredRun> {
  const [summary, manifest, cluster] = await Promise.all([
    readRecord(join(dir, summaryFileName), readRunSummary),
    readRecord(join(dir, manifestFileName), readRunManifest),
    readRecord(join(dir, clusterRunFileName), readClusterRun),
  ]);
  let startedAt = summary?.startedAt ? new Date(summary.startedAt) : manifest?.startedAt ? new Date(manifest.startedAt) : timeOfFolderName(basename(dir));
  if (!startedAt || Number.isNaN(startedAt.getTime())) startedAt = (await stat(dir).catch(() => null))?.mtime ?? new Date(0);
  // A submitted cluster run runs on the cluster, whatever this window's engine does, until it is merged for good.
  const live = isLive(dir) || (cluster?.jobId !== undefined && cluster.jobId !== null);
  let status: StoredRunStatus;
  let error: string | undefined;
  if (!summary) {
    status = live ? 'running' : 'interrupted';
    if (!live) error = cluster ? `the Slurm job array was written (${clusterRunFileName}) but never submitted` : 'the run folder has no readable summary.json (the run stopped before it was written)';
  } else if (summary.status === 'running') {
    status = live ? 'running' : 'interrupted';
    if (!live) error = 'the run was interrupted (the window was reloaded or the engine stopped) before it finished';
  } else {
    status = summary.status;
    error = summary.error;
  }
  const run: StoredRun = { dir, experimentKey: basename(join(dir, '..')), startedAt, status, summary, manifest };
  if (error) run.error = error;
  if (cluster) run.cluster = cluster;
  return run;
}

/** Every experiment folder and its runs, newest run first; experiments by name. */
export async function listRuns(resultsRoot: string, isLive?: (dir: string) => boolean): Promise<StoredExperiment[]> {
  const experiments: StoredExperiment[] = [];
  const names = await readdir(resultsRoot, { withFileTypes: true }).catch(() => []);
  for (const entry of names) {
    if (!entry.isDirectory()) continue;
    const dir = join(resultsRoot, entry.name);
    const runNames = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const runs = await Promise.all(runNames.filter((r) => r.isDirectory()).map((r) => readRun(join(dir, r.name), isLive)));
    runs.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime() || b.dir.localeCompare(a.dir));
    if (runs.length) experiments.push({ key: entry.name, dir, runs });
  }
  return experiments.sort((a, b) => a.key.localeCompare(b.key));
}

/** A run submitted to Slurm whose folder still reads as running: its array may still be going. */
export function isSubmittedClusterRun(run: StoredRun): run is StoredRun & { cluster: NonNullable<StoredRun['cluster']> } {
  return !!run.cluster?.jobId && run.status === 'running';
}

/** The newest run of an experiment file: its manifest names the file, or (older runs) its folder does. */
export function latestRunOf(experiments: StoredExperiment[], experimentFile: string): StoredRun | null {
  const key = basename(experimentFile);
  const folder = experiments.find((e) => e.key === key);
  if (!folder) return null;
  const target = resolve(experimentFile);
  return folder.runs.find((r) => !r.manifest || resolve(r.manifest.experimentFile) === target) ?? null;
}

/** The newest run of an experiment file that included `model` and got final figures for it. */
export function latestEntriesOf(experiments: StoredExperiment[], experimentFile: string, model: string): { run: StoredRun; entries: RunSummaryEntry[] } | null {
  const key = basename(experimentFile);
  const target = resolve(experimentFile);
  const folder = experiments.find((e) => e.key === key);
  for (const run of folder?.runs ?? []) {
    if (run.manifest && resolve(run.manifest.experimentFile) !== target) continue;
    const entries = run.summary?.runs.filter((r) => r.model === model) ?? [];
    if (entries.length) return { run, entries };
  }
  return null;
}

/**
 * Gives a run the engine could not finish (it died, or was killed to stop within a second) its
 * final status in summary.json, so that the folder tells the truth after a reload.
 */
export function markRunEnded(dir: string, status: Exclude<EndStatus, 'completed'>, error: string): void {
  const path = join(dir, summaryFileName);
  let summary: RunSummary | null = null;
  try {
    summary = readRecordText(readFileSync(path, 'utf8'), path, readRunSummary);
  } catch {
    summary = null;
  }
  if (summary && summary.status !== 'running') return;
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const now = new Date();
  const next: RunSummary = summary ?? {
    status,
    experiment: '',
    experimentFile: '',
    startedAt: now.toISOString(),
    finishedAt: null,
    seconds: 0,
    backend: '',
    backendDetail: '',
    versions: {},
    seed: 0,
    data: null,
    runs: [],
  };
  next.status = status;
  next.finishedAt = now.toISOString();
  next.seconds = (now.getTime() - new Date(next.startedAt).getTime()) / 1000;
  next.error = error;
  const temp = `${path}.tmp-host-${process.pid}`;
  writeFileSync(temp, JSON.stringify(next, null, 2) + '\n');
  renameSync(temp, path);
}

/** Deletes a run folder (and its experiment folder when that becomes empty). Refuses anything else. */
export function deleteRun(resultsRoot: string, dir: string): void {
  if (!isRunFolder(resultsRoot, dir)) throw new Error(`refusing to delete ${dir}: it is not a run folder under ${resultsRoot}`);
  rmSync(dir, { recursive: true, force: true });
  const parent = join(dir, '..');
  if (existsSync(parent) && readdirSync(parent).length === 0) rmSync(parent, { recursive: true, force: true });
}

/** metrics.jsonl as CSV: one row per logged point, the columns every record can have. */
export function metricsCsv(jsonl: string): string {
  const columns: (keyof MetricLine)[] = ['id', 'model', 'width', 'seed', 'step', 'trainLoss', 'testLoss', 'testAccuracy', 'rmseToLimit', 'elapsedSeconds'];
  return tableCsv(columns, readMetricsJsonl(jsonl).map((r) => columns.map((c) => r[c])));
}
