import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers';
import { clusterProgress, mergeAction, parseSacct, queueAnswer } from '../../extension/slurmJobs';

/** A recorded command: its exit status and output (test/fixtures/recorded/slurm/README.md). */
function recorded(name: string): { status: number; output: string } {
  const text = readFileSync(join(repoRoot, 'test', 'fixtures', 'recorded', 'slurm', name), 'utf8');
  const m = /\nrc=(\d+)\n?$/.exec(text) ?? /^rc=(\d+)\n?$/.exec(text)!;
  return { status: Number(m[1]), output: text.slice(0, m.index) };
}

function answerOf(name: string) {
  const r = recorded(name);
  return queueAnswer(r.status, r.status === 0 ? r.output : '', r.status === 0 ? '' : r.output);
}

test('a running array: each shard has its state from squeue, and nothing merges for good yet', () => {
  const progress = clusterProgress(4, answerOf('squeue-running.txt'), null, ['running', 'failed', 'absent', 'absent']);
  assert.deepEqual(progress.states, ['RUNNING', 'FAILED', 'PENDING', 'PENDING']);
  assert.equal(progress.done, false);
  assert.equal(mergeAction(progress, null, 'a', null), 'partial', 'the curves of what landed');
  assert.equal(mergeAction(progress, 'running', 'a', 'a'), 'none', 'nothing new since the last merge');
});

test('an ended array is done; a task squeue no longer lists takes its state from its shard folder', () => {
  const progress = clusterProgress(4, answerOf('squeue-ended.txt'), null, ['completed', 'failed', 'completed', 'absent']);
  assert.deepEqual(progress.states, ['COMPLETED', 'FAILED', 'COMPLETED', 'ended, never started']);
  assert.equal(progress.done, true);
  assert.equal(mergeAction(progress, 'running', 'b', 'a'), 'final');
  assert.equal(mergeAction(progress, 'failed', 'b', 'b'), 'none', 'merged for good once');
  const cancelled = clusterProgress(2, answerOf('squeue-cancelled.txt'), null, ['running', 'running']);
  assert.deepEqual(cancelled.states, ['CANCELLED', 'CANCELLED']);
  assert.equal(cancelled.done, true);
});

test('a job the controller has forgotten is over: sacct gives the states where there is accounting, else the folders', () => {
  const forgotten = answerOf('squeue-unknown.txt');
  assert.equal(forgotten.kind, 'unknownJob');
  const sacct = recorded('sacct-no-accounting.txt');
  assert.equal(sacct.status, 1, 'no accounting here: the host does without');
  const fromFolders = clusterProgress(3, forgotten, null, ['completed', 'running', 'absent']);
  assert.deepEqual(fromFolders.states, ['completed', 'ended, unfinished', 'ended, never started']);
  assert.equal(fromFolders.done, true);
  const fromSacct = clusterProgress(3, forgotten, parseSacct('12_0|COMPLETED|0:0\n12_1|TIMEOUT|0:0\n12_2|CANCELLED by 1000|0:0\n'), ['completed', 'running', 'absent']);
  assert.deepEqual(fromSacct.states, ['COMPLETED', 'TIMEOUT', 'CANCELLED']);
});

test('sacct ranges of pending tasks expand; squeue failing is neither done nor a merge', () => {
  assert.deepEqual(parseSacct('7_[2-4,6]|PENDING|0:0').map((t) => t.task), [2, 3, 4, 6]);
  const unreachable = queueAnswer(1, '', 'squeue: error: Unable to contact slurm controller (connect failure)');
  assert.equal(unreachable.kind, 'error');
  const progress = clusterProgress(2, unreachable, null, ['running', 'absent']);
  assert.equal(progress.done, false);
  assert.match(progress.error!, /Unable to contact slurm controller/);
  assert.deepEqual(progress.states, ['unknown', 'unknown']);
  assert.equal(mergeAction(progress, 'running', 'b', 'a'), 'none');
});
