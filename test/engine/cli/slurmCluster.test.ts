/**
 * Issue 14, for real: a one-node Slurm cluster on 127.0.0.1 (test/fixtures/slurmCluster.ts) runs a
 * 3-shard array of a small experiment submitted with `iwl slurm --submit`; the host's squeue parser
 * follows it to the end; `iwl merge` joins the shards; the result equals the unsharded run, bit for
 * bit apart from timing. Where Slurm cannot start, this test fails and says why: it never skips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runIwl } from '../../helpers';
import { runFolderDifferences, shardedExperimentFile } from '../../fixtures/shardedRuns';
import { startSlurmCluster } from '../../fixtures/slurmCluster';
import { clusterProgress, queueAnswer, squeueArgs } from '../../../extension/slurmJobs';
import { readClusterRun } from '../../../engine/contract/shardRecords';

test('a 3-shard Slurm array of an experiment, merged, equals the unsharded run', { timeout: 150_000 }, async () => {
  const cluster = await startSlurmCluster();
  try {
    const { dir, file } = shardedExperimentFile();
    const runDir = join(dir, 'cluster run');
    const submitted = runIwl(['slurm', file, '--shards', '3', '--out', runDir, '--submit'], { env: cluster.env });
    assert.equal(submitted.status, 0, `${submitted.stderr}\n${cluster.logs()}`);
    const jobId = submitted.stdout.trim();
    assert.match(jobId, /^\d+$/);
    assert.equal(readClusterRun(JSON.parse(readFileSync(join(runDir, 'slurm.json'), 'utf8'))).jobId, jobId);

    // Follow the array as the extension does, through its parser of squeue's real output.
    const seen = new Set<string>();
    const deadline = Date.now() + 100_000;
    for (;;) {
      const q = cluster.run('squeue', squeueArgs(jobId));
      const answer = queueAnswer(q.status, q.stdout, q.stderr);
      assert.notEqual(answer.kind, 'error', `squeue: ${q.stderr}`);
      const progress = clusterProgress(3, answer, null, ['absent', 'absent', 'absent']);
      progress.states.forEach((s) => seen.add(s));
      if (answer.kind === 'tasks') assert.ok(answer.tasks.every((t) => t.task >= 0 && t.task < 3), q.stdout);
      if (progress.done) {
        assert.deepEqual(progress.states, ['COMPLETED', 'COMPLETED', 'COMPLETED'], `the tasks' states; logs:\n${[0, 1, 2].map((i) => readTaskLog(runDir, jobId, i)).join('\n')}`);
        break;
      }
      if (Date.now() > deadline) assert.fail(`the array did not finish within 100 s (states ${progress.states.join(', ')})\n${cluster.logs()}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    assert.ok([...seen].some((s) => s === 'RUNNING' || s === 'PENDING'), `squeue showed the array going: ${[...seen].join(', ')}`);
    for (const i of [0, 1, 2]) assert.match(readTaskLog(runDir, jobId, i), /iwl run: completed/);

    const merged = runIwl(['merge', runDir]);
    assert.equal(merged.status, 0, merged.stderr);
    assert.match(merged.stderr, /completed, 8 of 8 jobs/);
    const full = runIwl(['run', file, '--out', join(dir, 'full'), '--workers', '1', '--quiet']);
    assert.equal(full.status, 0, full.stderr);
    const clusterFiles = (f: string) => f.startsWith('shards/') || f.startsWith('slurm');
    assert.deepEqual(runFolderDifferences(join(dir, 'full'), runDir, clusterFiles), []);
  } finally {
    cluster.stop();
  }
});

function readTaskLog(runDir: string, jobId: string, task: number): string {
  const path = join(runDir, `slurm-${jobId}_${task}.out`);
  return existsSync(path) ? readFileSync(path, 'utf8') : `(no ${path})`;
}
