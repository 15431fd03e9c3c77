/**
 * The host's cluster runs (extension/slurmRuns.ts) on a real one-node Slurm cluster
 * (test/fixtures/slurmCluster.ts): submitted through `iwl slurm --submit` as the Run on Slurm
 * command does, followed with squeue until every task ends, merged by the monitor, and the run
 * folder equal to the unsharded run; then an array cancelled with scancel, merged as failed with
 * its shards named. Where Slurm cannot start, this test fails and says why: it never skips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot, runIwl } from '../helpers';
import { runFolderDifferences, shardedExperimentFile } from '../fixtures/shardedRuns';
import { startSlurmCluster } from '../fixtures/slurmCluster';
import { ClusterMonitor, commandRunner, iwlRunner, submitClusterRun, type ClusterState } from '../../extension/slurmRuns';
import { readRun } from '../../extension/runStore';

async function followToEnd(monitor: ClusterMonitor, runDir: string, seen: Set<string>, logs: () => string): Promise<ClusterState> {
  const deadline = Date.now() + 100_000;
  for (;;) {
    const state = await monitor.look(runDir);
    assert.ok(state, 'the submitted run is followed');
    assert.equal(state.message?.startsWith('squeue:') ?? false, false, state.message);
    state.shardStates.forEach((s) => seen.add(s.state));
    if (state.final) return state;
    if (Date.now() > deadline) assert.fail(`the array did not end within 100 s (${state.shardStates.map((s) => s.state).join(', ')})\n${logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

test('Run on Slurm for real: submitted, followed to the end, merged by the host; and a cancelled array named as such', { timeout: 240_000 }, async () => {
  const cluster = await startSlurmCluster();
  try {
    const { dir, file } = shardedExperimentFile();
    const iwl = iwlRunner({ execPath: process.execPath, iwlPath: join(repoRoot, 'dist', 'iwl.js'), env: cluster.env });
    const changes: ClusterState[] = [];
    const monitor = new ClusterMonitor({ slurm: commandRunner(cluster.env, 20_000), iwl, onChange: (s) => changes.push(s) });

    const runDir = join(dir, 'runs', 'sharded.iwl.yaml', '2026-12-07T07-00-00Z');
    const jobId = await submitClusterRun(iwl, { experimentFile: file, runDir, shards: 3 });
    assert.match(jobId, /^\d+$/);
    const stored = await readRun(runDir);
    assert.equal(stored.status, 'running');
    assert.equal(stored.cluster?.jobId, jobId);
    const seen = new Set<string>();
    const state = await followToEnd(monitor, runDir, seen, () => cluster.logs());
    assert.ok([...seen].some((s) => s === 'RUNNING' || s === 'PENDING'), `the states went through running: ${[...seen].join(', ')}`);
    assert.deepEqual(state.shardStates.map((s) => s.state), ['COMPLETED', 'COMPLETED', 'COMPLETED']);
    assert.equal(state.mergedStatus, 'completed', state.message);
    assert.equal(state.message, undefined);
    assert.ok(changes.length >= 2, 'the Runs view heard of the run while it went and when it ended');
    const finished = await readRun(runDir);
    assert.equal(finished.status, 'completed');
    assert.equal(finished.summary?.runs.length, 8);
    const full = runIwl(['run', file, '--out', join(dir, 'full'), '--workers', '1', '--quiet']);
    assert.equal(full.status, 0, full.stderr);
    assert.deepEqual(runFolderDifferences(join(dir, 'full'), runDir, (f) => f.startsWith('shards/') || f.startsWith('slurm')), []);

    // Cancel: scancel on the array right after it is submitted; the run ends failed, its shards named.
    const cancelDir = join(dir, 'runs', 'sharded.iwl.yaml', '2026-12-07T07-01-00Z');
    const cancelJob = await submitClusterRun(iwl, { experimentFile: file, runDir: cancelDir, shards: 3 });
    assert.equal(await monitor.cancel(cancelDir), cancelJob);
    const cancelled = await followToEnd(monitor, cancelDir, new Set(), () => cluster.logs());
    assert.equal(cancelled.mergedStatus, 'failed');
    assert.ok(cancelled.shardStates.every((s) => s.state !== 'COMPLETED'), cancelled.shardStates.map((s) => s.state).join(', '));
    assert.match(cancelled.message ?? '', /shard 0: /);
    const run = await readRun(cancelDir);
    assert.equal(run.status, 'failed');
    assert.ok(run.error, 'the failed run says why');
  } finally {
    cluster.stop();
  }
});
