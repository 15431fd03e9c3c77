/**
 * Cluster runs on Slurm, as the host follows them: submitting an experiment with the engine's own
 * `iwl slurm --submit` into a run folder under the results root, asking squeue/sacct how the array
 * goes (the parsers and the decisions are slurmJobs.ts), merging what has landed with `iwl merge
 * --running` so the curves grow, merging for good with `iwl merge` once every task has ended, and
 * `scancel`. Plain Node (no vscode): the tests drive it with a real `iwl` and a real cluster.
 *
 * The record that survives a window reload is the run folder itself: slurm.json (the job id, the
 * shard count) and, once merged, summary.json (engine/contract/shardRecords.ts). A cluster run whose
 * merged summary is missing or still says running is one the monitor follows (runStore.ts).
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { clusterRunFileName, readClusterRun, shardFolder, type ClusterRun } from '../engine/contract/shardRecords';
import { readRunSummary, summaryFileName } from '../engine/contract/records';
import { markRunEnded } from './runStore';
import { clusterProgress, isEnded, mergeAction, parseSacct, queueAnswer, sacctArgs, squeueArgs, type ClusterProgress, type ShardFolderState, type SlurmTask } from './slurmJobs';

export interface CommandResult {
  /** The exit status; null when the program did not run (not found, killed). */
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one program with arguments and answers its output; never throws. */
export type RunCommand = (command: string, args: string[]) => Promise<CommandResult>;

/** A RunCommand through execFile, in `env`, each command limited to `timeoutMs`. */
export function commandRunner(env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000, cwd?: string): RunCommand {
  return (command, args) =>
    new Promise((resolve) => {
      execFile(command, args, { env, cwd, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error ? (error as NodeJS.ErrnoException & { code?: unknown }).code : 0;
        const status = typeof code === 'number' ? code : error ? null : 0;
        const why = error && status === null ? `${command}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found on PATH' : error.message}` : '';
        resolve({ status, stdout: stdout ?? '', stderr: [stderr ?? '', why].filter(Boolean).join('\n') });
      });
    });
}

/** How the host starts `iwl`: the Node it runs the engine with (engineLaunch.ts), dist/iwl.js, and that Node's environment. */
export interface IwlLaunch {
  execPath: string;
  iwlPath: string;
  env: NodeJS.ProcessEnv;
}

/** `iwl ARGS` as a command: the launch's Node on the iwl bundle. */
export function iwlRunner(launch: IwlLaunch, timeoutMs = 600_000): (args: string[]) => Promise<CommandResult> {
  const run = commandRunner(launch.env, timeoutMs);
  return (args) => run(launch.execPath, [launch.iwlPath, ...args]);
}

export interface SubmitOptions {
  experimentFile: string;
  /** The new run folder (runStore.newRunFolder): the tasks write their shards into it. */
  runDir: string;
  shards: number;
  partition?: string;
  time?: string;
  gpus?: number;
  backend?: string;
}

/** The `iwl slurm` arguments for a submission (empty settings are left out). */
export function slurmSubmitArgs(o: SubmitOptions): string[] {
  return [
    'slurm',
    o.experimentFile,
    '--shards',
    String(o.shards),
    '--out',
    o.runDir,
    ...(o.partition ? ['--partition', o.partition] : []),
    ...(o.time ? ['--time', o.time] : []),
    ...(o.gpus ? ['--gpus', String(o.gpus)] : []),
    ...(o.backend ? ['--backend', o.backend] : []),
    '--submit',
  ];
}

/** Submits through `iwl slurm --submit`; answers the job id, or throws with what iwl said. */
export async function submitClusterRun(iwl: (args: string[]) => Promise<CommandResult>, o: SubmitOptions): Promise<string> {
  const r = await iwl(slurmSubmitArgs(o));
  const jobId = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !/^\d+$/.test(jobId)) throw new Error(`iwl slurm failed (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`);
  return jobId;
}

/** slurm.json of a run folder, or null when it has none (or it does not read). */
export function readClusterRecord(dir: string): ClusterRun | null {
  try {
    return readClusterRun(JSON.parse(readFileSync(join(dir, clusterRunFileName), 'utf8')), join(dir, clusterRunFileName));
  } catch {
    return null;
  }
}

function summaryStatus(path: string): string | null {
  try {
    return readRunSummary(JSON.parse(readFileSync(path, 'utf8')), path).status;
  } catch {
    return null;
  }
}

function stamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}@${s.mtimeMs}`;
  } catch {
    return '-';
  }
}

/** What the shard folders of a cluster run folder say, and their signature (what changed since the last merge). */
export function readShardFolders(dir: string, shards: number): { folders: ShardFolderState[]; signature: string; landed: boolean } {
  const folders: ShardFolderState[] = [];
  const parts: string[] = [];
  for (let i = 0; i < shards; i++) {
    const shardDir = join(dir, shardFolder(i));
    const status = summaryStatus(join(shardDir, summaryFileName));
    const exists = stamp(shardDir) !== '-';
    folders.push(status === 'completed' || status === 'cancelled' || status === 'failed' || status === 'running' ? status : exists ? 'running' : 'absent');
    parts.push(`${stamp(join(shardDir, summaryFileName))},${stamp(join(shardDir, 'metrics.jsonl'))}`);
  }
  return { folders, signature: parts.join(';'), landed: folders.some((f) => f !== 'absent') };
}

/** squeue, and sacct where squeue does not list every task: the array's progress as slurmJobs.ts decides it. */
export async function askScheduler(slurm: RunCommand, jobId: string, shards: number, folders: ShardFolderState[]): Promise<{ progress: ClusterProgress; tasks: SlurmTask[] }> {
  const q = await slurm('squeue', squeueArgs(jobId));
  const queue = queueAnswer(q.status, q.stdout, q.stderr);
  let accounting: SlurmTask[] | null = null;
  if (queue.kind === 'unknownJob' || (queue.kind === 'tasks' && queue.tasks.length < shards)) {
    const a = await slurm('sacct', sacctArgs(jobId));
    accounting = a.status === 0 ? parseSacct(a.stdout) : null;
  }
  const tasks = [...(queue.kind === 'tasks' ? queue.tasks : []), ...(accounting ?? [])];
  return { progress: clusterProgress(shards, queue, accounting, folders), tasks };
}

/** One cluster run as the Runs view shows it. */
export interface ClusterState {
  dir: string;
  jobId: string;
  shards: number;
  /** Per shard, Slurm's state (or its folder's, once forgotten); with squeue's reason or sacct's exit code where known. */
  shardStates: { state: string; detail: string }[];
  /** Every task has ended and the run was merged for good. */
  final: boolean;
  /** The merged run's status, once merged (running while partial). */
  mergedStatus: string | null;
  /** Why the state is not known (squeue failed), or what the final merge said of missing or failed shards. */
  message?: string;
}

export interface ClusterMonitorOptions {
  slurm: RunCommand;
  iwl: (args: string[]) => Promise<CommandResult>;
  log?: (line: string) => void;
  /** A cluster run's state changed (its shards' states, a merge): repaint, refresh its panels. */
  onChange?: (state: ClusterState) => void;
}

/** The shards that did not complete, named with their state, for the final merge's message. */
export function unfinishedShards(states: { state: string; detail: string }[]): string {
  return states
    .map((s, i) => (s.state === 'COMPLETED' || s.state === 'completed' ? '' : `shard ${i}: ${s.state}${s.detail && s.detail !== 'None' && s.detail !== '0:0' ? ` (${s.detail})` : ''}`))
    .filter(Boolean)
    .join(', ');
}

/**
 * Follows cluster runs: each `look` asks the scheduler, merges what landed (partial) or the whole
 * run once done (final, once), and reports the state. The caller decides how often to look.
 */
export class ClusterMonitor {
  private readonly states = new Map<string, ClusterState>();
  private readonly signatures = new Map<string, string>();
  private readonly log: (line: string) => void;

  constructor(private readonly options: ClusterMonitorOptions) {
    this.log = options.log ?? (() => undefined);
  }

  state(dir: string): ClusterState | undefined {
    return this.states.get(dir);
  }

  /** Whether any followed run is not yet merged for good. */
  get anyGoing(): boolean {
    return [...this.states.values()].some((s) => !s.final);
  }

  /** Stops following a run (its folder was deleted). */
  forget(dir: string): void {
    this.states.delete(dir);
    this.signatures.delete(dir);
  }

  /** One look at a cluster run folder; null when it holds no submitted cluster run. */
  async look(dir: string): Promise<ClusterState | null> {
    const record = readClusterRecord(dir);
    if (!record?.jobId) return null;
    const previous = this.states.get(dir);
    if (previous?.final) return previous;
    const shards = readShardFolders(dir, record.shards);
    const { progress, tasks } = await askScheduler(this.options.slurm, record.jobId, record.shards, shards.folders);
    const detailOf = (i: number) => tasks.find((t) => t.task === i)?.detail ?? '';
    const mergedBefore = summaryStatus(join(dir, summaryFileName));
    const state: ClusterState = {
      dir,
      jobId: record.jobId,
      shards: record.shards,
      shardStates: progress.states.map((s, i) => ({ state: s, detail: detailOf(i) })),
      final: false,
      mergedStatus: mergedBefore,
      ...(progress.error ? { message: `squeue: ${progress.error}` } : {}),
    };
    const action = mergeAction(progress, mergedBefore, shards.signature, this.signatures.get(dir) ?? null);
    if (action === 'partial' && shards.landed) {
      const r = await this.options.iwl(['merge', dir, '--running']);
      this.signatures.set(dir, shards.signature);
      if (r.status !== 0) this.log(`slurm ${record.jobId}: merging what landed failed (exit ${r.status}): ${r.stderr.trim()}`);
      state.mergedStatus = summaryStatus(join(dir, summaryFileName));
    } else if (action === 'final') {
      await this.mergeFinal(dir, record, state);
    } else if (action === 'none' && progress.done) {
      state.final = true;
    }
    // A merge changed the run folder even when the states did not: its panels re-read it.
    const changed = action !== 'none' || JSON.stringify(previous) !== JSON.stringify(state);
    this.states.set(dir, state);
    if (changed) this.options.onChange?.(state);
    return state;
  }

  private async mergeFinal(dir: string, record: ClusterRun, state: ClusterState): Promise<void> {
    const unfinished = unfinishedShards(state.shardStates);
    const r = await this.options.iwl(['merge', dir]);
    const merged = summaryStatus(join(dir, summaryFileName));
    if (merged === null || merged === 'running') {
      // iwl merged nothing (no shard ever started) or could not run: the folder still tells the truth.
      const why = `the Slurm array ${record.jobId} ended${unfinished ? ` (${unfinished})` : ''} and its shards could not be merged: ${r.stderr.trim() || `iwl merge exited with ${r.status}`}`;
      markRunEnded(dir, 'failed', why);
      state.message = why;
    } else if (r.status !== 0) {
      state.message = [unfinished, ...r.stderr.trim().split('\n').filter((l) => /missing|failed|cancelled/.test(l))].filter(Boolean).join('; ');
    } else if (unfinished) {
      state.message = unfinished;
    }
    state.final = true;
    state.mergedStatus = summaryStatus(join(dir, summaryFileName));
    this.log(`slurm ${record.jobId}: all ${record.shards} tasks ended; merged into ${dir}: ${state.mergedStatus}${state.message ? ` (${state.message})` : ''}`);
  }

  /** `scancel JOBID` for a followed (or any submitted) cluster run folder; throws with scancel's words when it refuses. */
  async cancel(dir: string): Promise<string> {
    const record = readClusterRecord(dir);
    if (!record?.jobId) throw new Error(`${dir} holds no submitted Slurm job (no slurm.json with a job id)`);
    const r = await this.options.slurm('scancel', [record.jobId]);
    if (r.status !== 0) throw new Error(`scancel ${record.jobId} failed (exit ${r.status}): ${r.stderr.trim()}`);
    this.log(`slurm ${record.jobId}: cancelled (scancel)`);
    return record.jobId;
  }
}

/** How many shards have ended: Slurm says so, or (lower case) their folder does after the scheduler forgot them. */
export function shardsEnded(states: { state: string }[]): number {
  return states.filter(({ state }) => isEnded(state) || (state !== 'unknown' && state === state.toLowerCase())).length;
}
