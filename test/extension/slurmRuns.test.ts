/**
 * The host's following of cluster runs (extension/slurmRuns.ts) with the scheduler's answers
 * recorded from a real slurmctld (test/fixtures/recorded/slurm/) and a real `iwl`: shard folders
 * written by `iwl run --shard`, the cluster run folder by `iwl slurm`, merges by `iwl merge`. The
 * submission's job id is set in slurm.json as `iwl slurm --submit` sets it (the recorded array's).
 * The same logic against a live cluster is in slurmRunsCluster.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runIwl } from '../helpers';
import { shardedExperimentFile } from '../fixtures/shardedRuns';
import { ClusterMonitor, iwlRunner, readShardFolders, shardsEnded, slurmSubmitArgs, type ClusterState, type RunCommand } from '../../extension/slurmRuns';
import { readRun } from '../../extension/runStore';
import { readRunSummary } from '../../engine/contract/records';

/** A recorded command's exit status and output (the format of test/fixtures/recorded/slurm/README.md). */
function recorded(name: string): { status: number; stdout: string; stderr: string } {
  const text = readFileSync(join(repoRoot, 'test', 'fixtures', 'recorded', 'slurm', name), 'utf8');
  const m = /(?:^|\n)rc=(\d+)\n?$/.exec(text)!;
  const output = text.slice(0, m.index);
  const status = Number(m[1]);
  return { status, stdout: status === 0 ? output : '', stderr: status === 0 ? '' : output };
}

/** The scheduler as recorded: squeue answers `squeueFile`, sacct answers as a cluster without accounting. */
function recordedSlurm(squeueFile: string, calls: string[][]): RunCommand {
  return async (command, args) => {
    calls.push([command, ...args]);
    if (command === 'squeue') return recorded(squeueFile);
    if (command === 'sacct') return recorded('sacct-no-accounting.txt');
    throw new Error(`unexpected command ${command}`);
  };
}

const iwl = iwlRunner({ execPath: process.execPath, iwlPath: join(repoRoot, 'dist', 'iwl.js'), env: process.env });

/** A cluster run folder of `shards` shards with job id 4 (the recorded array's) and the given shards run for real. */
function clusterFolder(shards: number, landed: number[]): { dir: string; runDir: string; file: string } {
  const { dir, file } = shardedExperimentFile();
  const runDir = join(dir, 'runs', 'sharded.iwl.yaml', '2026-12-07T06-00-00Z');
  const written = runIwl(['slurm', file, '--shards', String(shards), '--out', runDir]);
  assert.equal(written.status, 0, written.stderr);
  const record = JSON.parse(readFileSync(join(runDir, 'slurm.json'), 'utf8'));
  writeFileSync(join(runDir, 'slurm.json'), JSON.stringify({ ...record, jobId: '4', submittedAt: new Date().toISOString() }));
  for (const i of landed) {
    const r = runIwl(['run', file, '--shard', `${i}/${shards}`, '--out', join(runDir, 'shards', String(i)), '--workers', '1', '--quiet']);
    assert.equal(r.status, 0, r.stderr);
  }
  return { dir, runDir, file };
}

function summaryOf(runDir: string) {
  return readRunSummary(JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')));
}

test('the submission arguments: iwl slurm FILE --shards N --out DIR, the settings given, --submit', () => {
  assert.deepEqual(slurmSubmitArgs({ experimentFile: '/a/x.iwl.yaml', runDir: '/r', shards: 3 }), ['slurm', '/a/x.iwl.yaml', '--shards', '3', '--out', '/r', '--submit']);
  assert.deepEqual(slurmSubmitArgs({ experimentFile: 'x', runDir: 'r', shards: 2, partition: 'gpu', time: '1:00:00', gpus: 1, backend: 'tensorflow' }), [
    'slurm', 'x', '--shards', '2', '--out', 'r', '--partition', 'gpu', '--time', '1:00:00', '--gpus', '1', '--backend', 'tensorflow', '--submit',
  ]);
});

test('a running array: the shards that landed are merged (running) so their curves show, once per change', { timeout: 120_000 }, async () => {
  const { runDir } = clusterFolder(4, [0]);
  const calls: string[][] = [];
  const changes: ClusterState[] = [];
  const monitor = new ClusterMonitor({ slurm: recordedSlurm('squeue-running.txt', calls), iwl, onChange: (s) => changes.push(s) });
  assert.equal((await readRun(runDir)).status, 'running', 'a submitted cluster run is running before anything is merged');
  const state = (await monitor.look(runDir))!;
  assert.deepEqual(state.shardStates.map((s) => s.state), ['RUNNING', 'FAILED', 'PENDING', 'PENDING']);
  assert.equal(state.shardStates[1].detail, 'NonZeroExitCode');
  assert.equal(state.final, false);
  assert.equal(shardsEnded(state.shardStates), 1);
  assert.deepEqual(calls, [['squeue', '--jobs', '4', '--array', '--noheader', '--states=all', '--format=%i|%K|%T|%r|%M']], 'squeue lists every task: no sacct');
  const partial = summaryOf(runDir);
  assert.equal(partial.status, 'running');
  const shard0 = readShardFolders(runDir, 4);
  assert.deepEqual(shard0.folders, ['completed', 'absent', 'absent', 'absent']);
  assert.ok(partial.runs.length > 0, 'the landed shard\'s jobs are in the merged summary');
  assert.ok(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).length > 0, 'and its metrics');
  const run = await readRun(runDir);
  assert.equal(run.status, 'running');
  assert.equal(run.cluster?.jobId, '4');
  assert.equal(monitor.anyGoing, true);
  const mtime = readFileSync(join(runDir, 'summary.json'), 'utf8');
  await monitor.look(runDir);
  assert.equal(readFileSync(join(runDir, 'summary.json'), 'utf8'), mtime, 'nothing new landed: no merge');
  assert.equal(changes.length, 1, 'the same state twice is one change');
});

test('an ended array with a failed task: merged for good, failed, the shard and its jobs named', { timeout: 120_000 }, async () => {
  // squeue-ended.txt: tasks 0 and 2 completed, task 1 failed (exit 3), task 3 cancelled while pending (not listed).
  const { runDir } = clusterFolder(4, [0, 2]);
  const calls: string[][] = [];
  const monitor = new ClusterMonitor({ slurm: recordedSlurm('squeue-ended.txt', calls), iwl });
  const state = (await monitor.look(runDir))!;
  assert.equal(calls[1]?.[0], 'sacct', 'task 3 is not listed: sacct is asked (and has no accounting here)');
  assert.deepEqual(state.shardStates.map((s) => s.state), ['COMPLETED', 'FAILED', 'COMPLETED', 'ended, never started']);
  assert.equal(state.final, true);
  assert.equal(state.mergedStatus, 'failed');
  assert.match(state.message ?? '', /shard 1: FAILED \(NonZeroExitCode\), shard 3: ended, never started/);
  const summary = summaryOf(runDir);
  assert.equal(summary.status, 'failed');
  assert.ok(summary.missingJobs && summary.missingJobs.length > 0, 'the missing jobs are listed');
  assert.match(summary.error ?? '', /jobs missing/);
  assert.equal((await readRun(runDir)).status, 'failed', 'an ordinary finished run now');
  assert.equal(monitor.anyGoing, false);
  const before = readFileSync(join(runDir, 'summary.json'), 'utf8');
  await monitor.look(runDir);
  assert.equal(readFileSync(join(runDir, 'summary.json'), 'utf8'), before, 'merged for good once');
});

test('a job the controller forgot, no accounting, no shard ever ran: the run fails and says which shards', { timeout: 60_000 }, async () => {
  const { runDir } = clusterFolder(2, []);
  const monitor = new ClusterMonitor({ slurm: recordedSlurm('squeue-unknown.txt', []), iwl });
  const state = (await monitor.look(runDir))!;
  assert.deepEqual(state.shardStates.map((s) => s.state), ['ended, never started', 'ended, never started']);
  assert.equal(state.final, true);
  assert.equal(state.mergedStatus, 'failed');
  assert.match(state.message ?? '', /shard 0: ended, never started, shard 1: ended, never started/);
  const run = await readRun(runDir);
  assert.equal(run.status, 'failed');
  assert.match(run.error ?? '', /shard 0: ended, never started/);
});

test('a folder without a submitted job is not followed, and an unsubmitted one reads as interrupted with why', async () => {
  const { dir, file } = shardedExperimentFile();
  const runDir = join(dir, 'r');
  assert.equal(runIwl(['slurm', file, '--shards', '2', '--out', runDir]).status, 0);
  const monitor = new ClusterMonitor({ slurm: recordedSlurm('squeue-running.txt', []), iwl });
  assert.equal(await monitor.look(runDir), null);
  const run = await readRun(runDir);
  assert.equal(run.status, 'interrupted');
  assert.match(run.error ?? '', /never submitted/);
  await assert.rejects(monitor.cancel(runDir), /no submitted Slurm job/);
  assert.equal(existsSync(join(runDir, 'summary.json')), false);
});
