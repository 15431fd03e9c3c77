/**
 * What the host knows of a job array on Slurm (`iwl slurm --submit`), from the scheduler's own
 * commands, and when a cluster run is merged. Pure: the commands' arguments, parsers of their
 * output (the formats recorded from a real slurmctld 22.05 in test/fixtures/recorded/slurm/), and
 * the decision; extension/slurmRuns.ts runs the commands.
 *
 * squeue lists every job the controller holds: all pending and running ones always, and ended ones
 * for MinJobAge (300 s by default) after they end. So a task squeue does not list as active is over,
 * and a job id squeue no longer knows ("Invalid job id specified") ended long enough ago to be
 * forgotten. sacct (the accounting database, where a cluster has one) gives an ended task's final
 * state after that; the shard folders say the rest.
 */
import type { RunStatus } from '../engine/contract/records';

/** One array task as squeue or sacct lists it. */
export interface SlurmTask {
  /** The task's index in the array: its shard. */
  task: number;
  /** Slurm's state word: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, ... */
  state: string;
  /** squeue's reason (Resources, Priority, NonZeroExitCode...) or sacct's exit code. */
  detail: string;
}

/** squeue's arguments for one array: one line per task (--array), ended tasks too while the controller has them. */
export function squeueArgs(jobId: string): string[] {
  return ['--jobs', jobId, '--array', '--noheader', '--states=all', '--format=%i|%K|%T|%r|%M'];
}

/** sacct's arguments for one array: one line per task allocation, without the steps. */
export function sacctArgs(jobId: string): string[] {
  return ['--jobs', jobId, '--allocations', '--noheader', '--parsable2', '--format=JobID,State,ExitCode'];
}

/** The states a job ends in (squeue(1), sacct(1) "JOB STATE CODES"); any other state is still going. */
const endedStates = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'OUT_OF_MEMORY', 'REVOKED']);

export function isEnded(state: string): boolean {
  return endedStates.has(state);
}

/** `squeue --format=%i|%K|%T|%r|%M` lines ("4_1|1|FAILED|NonZeroExitCode|0:00"). */
export function parseSqueue(stdout: string): SlurmTask[] {
  return stdout.split('\n').flatMap((line) => {
    const [id, task, state, reason] = line.trim().split('|');
    if (!id || state === undefined || !/^\d+$/.test(task ?? '')) return [];
    return [{ task: Number(task), state, detail: reason ?? '' }];
  });
}

/**
 * `sacct --parsable2 --format=JobID,State,ExitCode` lines: "123_4|COMPLETED|0:0", a range of
 * pending tasks as "123_[5-7,9]|PENDING|0:0", and "CANCELLED by 1000" for a cancelled one.
 */
export function parseSacct(stdout: string): SlurmTask[] {
  return stdout.split('\n').flatMap((line) => {
    const [id, stateText, exit] = line.trim().split('|');
    const m = /^\d+_(\d+|\[[\d,-]+\])$/.exec(id ?? '');
    if (!m || !stateText) return [];
    const state = stateText.split(' ')[0];
    const tasks = m[1].startsWith('[')
      ? m[1].slice(1, -1).split(',').flatMap((part) => {
          const [a, b] = part.split('-').map(Number);
          return Array.from({ length: (b ?? a) - a + 1 }, (_, i) => a + i);
        })
      : [Number(m[1])];
    return tasks.map((task) => ({ task, state, detail: exit ?? '' }));
  });
}

/** squeue's answer for a job id the controller has forgotten (or never had). */
export function isUnknownJob(stderr: string): boolean {
  return /Invalid job id specified/i.test(stderr);
}

/** How squeue answered: its tasks, or that it no longer knows the job, or that it failed (the controller is unreachable...). */
export type QueueAnswer = { kind: 'tasks'; tasks: SlurmTask[] } | { kind: 'unknownJob' } | { kind: 'error'; message: string };

/** squeue's exit code and output as a QueueAnswer. */
export function queueAnswer(status: number | null, stdout: string, stderr: string): QueueAnswer {
  if (status === 0) return { kind: 'tasks', tasks: parseSqueue(stdout) };
  if (isUnknownJob(stderr)) return { kind: 'unknownJob' };
  return { kind: 'error', message: (stderr || stdout).trim() || `squeue exited with ${status}` };
}

/** What a shard folder says: absent (its task has not started), or its summary's status. */
export type ShardFolderState = 'absent' | RunStatus;

/** The array as the Runs view shows it and the monitor acts on it. */
export interface ClusterProgress {
  /** Per shard: Slurm's state for it (or what its folder says, lower case, once the scheduler has forgotten it). */
  states: string[];
  /** Every task has ended: the run is merged for good. */
  done: boolean;
  /** Why the state is not known (squeue failed), if so. */
  error?: string;
}

/**
 * The array's progress from squeue, sacct (null where there is no accounting) and the shard folders.
 * Done when squeue lists no task as still going, or no longer knows the job; not while squeue fails.
 */
export function clusterProgress(shards: number, queue: QueueAnswer, accounting: SlurmTask[] | null, folders: ShardFolderState[]): ClusterProgress {
  const listed = new Map((queue.kind === 'tasks' ? queue.tasks : []).map((t) => [t.task, t.state]));
  const accounted = new Map((accounting ?? []).map((t) => [t.task, t.state]));
  const states = Array.from({ length: shards }, (_, i) => {
    const known = listed.get(i) ?? accounted.get(i);
    if (known) return known;
    if (queue.kind === 'error') return 'unknown';
    const folder = folders[i] ?? 'absent';
    // Forgotten by the scheduler: over. A folder that still says running was stopped (time limit, node failure, scancel).
    return folder === 'absent' ? 'ended, never started' : folder === 'running' ? 'ended, unfinished' : folder;
  });
  if (queue.kind === 'error') return { states, done: false, error: queue.message };
  const done = queue.kind === 'unknownJob' || [...listed.values()].every(isEnded);
  return { states, done };
}

/** What the monitor does with a cluster run on this look. */
export type MergeAction = 'final' | 'partial' | 'none';

/**
 * Merge for good once the array is done (once: a merged run that is no longer running is final); while it runs,
 * merge what has landed whenever the shard folders changed since the last merge (their signature:
 * sizes and times of their summaries and metrics), so its curves grow as shards land.
 */
export function mergeAction(progress: ClusterProgress, mergedStatus: string | null, signature: string, lastSignature: string | null): MergeAction {
  if (progress.done) return mergedStatus !== null && mergedStatus !== 'running' ? 'none' : 'final';
  if (progress.error) return 'none';
  return signature !== lastSignature ? 'partial' : 'none';
}
