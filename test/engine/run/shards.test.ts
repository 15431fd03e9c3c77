import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runIwl } from '../../helpers';
import { nodeValidationHost } from '../../../engine/experiment/validationHost';
import { validateExperiment } from '../../../engine/experiment/validate';
import { planExperiment } from '../../../engine/run/plan';
import { assignShards, estimateJobCost, parseShardSpec } from '../../../engine/run/shards';
import { readRunSummary } from '../../../engine/contract/records';
import { readShardRecord } from '../../../engine/contract/shardRecords';
import { runFolderDifferences, shardedExperimentText, shardedExperimentFile } from '../../fixtures/shardedRuns';
import { tinyExperimentText } from '../../fixtures/tinyExperiment';

function experimentOf(text: string) {
  const { experiment, diagnostics } = validateExperiment(text, { filePath: '/tmp/shards.iwl.yaml', host: nodeValidationHost() });
  assert.ok(experiment, JSON.stringify(diagnostics));
  return experiment;
}

const sizes = { train: 40, test: 24, inputDim: 5, outputs: 2 };

test('--shard I/N is read as 0-based Slurm array task ids, and anything else is refused with the reason', () => {
  assert.deepEqual(parseShardSpec('2/3'), { index: 2, count: 3 });
  assert.match(parseShardSpec('3/3') as string, /I from 0 to N-1/);
  assert.match(parseShardSpec('1/0') as string, /N of at least 1/);
  assert.match(parseShardSpec('one/3') as string, /must be I\/N/);
});

test('shards hold every job exactly once, each finite job with its limit, and balance the estimated cost', () => {
  const experiment = experimentOf(shardedExperimentText());
  const plan = planExperiment(experiment);
  const parts = assignShards(experiment, plan, 3, sizes);
  assert.deepEqual(parts.flatMap((p) => p.jobs).sort(), plan.jobs.map((j) => j.id).sort());
  for (const part of parts) {
    for (const id of part.jobs) {
      const job = plan.jobs.find((j) => j.id === id)!;
      if (job.limitId) assert.ok(part.jobs.includes(job.limitId) || part.helpers.includes(job.limitId), `${id}'s limit ${job.limitId} is in shard ${part.index}`);
    }
  }
  // Deterministic: every task computes the same parts.
  assert.deepEqual(assignShards(experiment, planExperiment(experiment), 3, sizes), parts);
  // Balanced: no shard carries more than the cheapest plus the costliest single job.
  const costs = parts.map((p) => p.cost);
  const largest = Math.max(...plan.jobs.map((j) => estimateJobCost(experiment, j, sizes)));
  assert.ok(Math.max(...costs) - Math.min(...costs) <= largest, `costs ${costs.join(', ')}`);
  // More shards than jobs: still every job once; the extra shards are empty and run nothing.
  const many = assignShards(experiment, plan, 12, sizes);
  assert.deepEqual(many.flatMap((p) => p.jobs).sort(), plan.jobs.map((j) => j.id).sort());
  assert.ok(many.filter((p) => p.jobs.length === 0).every((p) => p.helpers.length === 0 && p.cost === 0));
  assert.ok(many.filter((p) => p.jobs.length === 0).length >= 12 - plan.jobs.length);
});

test('a limit that costs far more than its networks gathers them: the shards do not each recompute it', () => {
  // 600 train points: the NTK's cubic solve dwarfs three width-8 networks of 5 steps.
  const experiment = experimentOf(tinyExperimentText({ train: 600, test: 50, steps: 5, models: '  sgd: { kind: finite, widths: [8], seeds: 3, optimizer: sgd }\n  ntk: { kind: infinite, method: ntk, optimizer: sgd }' }));
  const parts = assignShards(experiment, planExperiment(experiment), 3, { train: 600, test: 50, inputDim: 4, outputs: 1 });
  assert.deepEqual(parts.map((p) => p.helpers), [[], [], []], 'no shard recomputes the NTK');
  assert.deepEqual(parts.find((p) => p.jobs.includes('ntk'))!.jobs.length, 4, 'the networks run beside their limit');
});

test('iwl run --shard and iwl merge: three shards merged equal the unsharded run, bit for bit apart from timing', () => {
  const { dir, file } = shardedExperimentFile();
  const full = runIwl(['run', file, '--out', join(dir, 'full'), '--workers', '1', '--quiet']);
  assert.equal(full.status, 0, full.stderr);
  const shardDirs = [0, 1, 2].map((i) => join(dir, `shard${i}`));
  shardDirs.forEach((out, i) => {
    const r = runIwl(['run', file, '--out', out, '--shard', `${i}/3`, '--quiet']);
    assert.equal(r.status, 0, r.stderr);
  });
  const records = shardDirs.map((d) => readShardRecord(JSON.parse(readFileSync(join(d, 'shard.json'), 'utf8'))));
  assert.ok(records.some((r) => r.helpers!.length > 0), 'some shard computes the NTK only for its networks');
  // A shard folder holds only the jobs it records: a helper's curve is not written twice.
  for (const [i, d] of shardDirs.entries()) {
    const ids = readRunSummary(JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8'))).runs.map((r) => r.id);
    assert.deepEqual(ids, records[i].jobs);
  }
  const merged = runIwl(['merge', ...shardDirs, '--out', join(dir, 'merged')]);
  assert.equal(merged.status, 0, merged.stderr);
  assert.match(merged.stderr, /completed, 8 of 8 jobs/);
  assert.deepEqual(runFolderDifferences(join(dir, 'full'), join(dir, 'merged')), []);
  const summary = JSON.parse(readFileSync(join(dir, 'merged', 'summary.json'), 'utf8'));
  assert.ok(summary.runs.filter((r: { limit: string | null }) => r.limit === 'ntk').every((r: { rmseToLimit: number }) => r.rmseToLimit > 0));
});

test('iwl merge names the jobs of a missing or unfinished shard and fails; shards of another run are refused', () => {
  const { dir, file } = shardedExperimentFile();
  for (const i of [0, 1, 2]) assert.equal(runIwl(['run', file, '--out', join(dir, `s${i}`), '--shard', `${i}/3`, '--quiet']).status, 0);
  const lost = readShardRecord(JSON.parse(readFileSync(join(dir, 's2', 'shard.json'), 'utf8'))).jobs!;

  const partial = runIwl(['merge', join(dir, 's0'), join(dir, 's1'), '--out', join(dir, 'partial')]);
  assert.equal(partial.status, 1, partial.stderr);
  assert.match(partial.stderr, /shard 2 of 3: no shard folder/);
  const summary = readRunSummary(JSON.parse(readFileSync(join(dir, 'partial', 'summary.json'), 'utf8')));
  assert.equal(summary.status, 'failed');
  assert.deepEqual(summary.missingJobs, lost);
  assert.match(summary.error!, new RegExp(`${lost.length} of 8 jobs missing`));
  assert.deepEqual(summary.runs.map((r) => r.id).filter((id) => lost.includes(id)), []);

  // A shard whose task was killed: its summary still says running.
  const killed = JSON.parse(readFileSync(join(dir, 's2', 'summary.json'), 'utf8'));
  writeFileSync(join(dir, 's2', 'summary.json'), JSON.stringify({ ...killed, status: 'running', finishedAt: null, runs: killed.runs.slice(0, 1) }));
  const unfinished = runIwl(['merge', join(dir, 's0'), join(dir, 's1'), join(dir, 's2'), '--out', join(dir, 'unfinished')]);
  assert.equal(unfinished.status, 1);
  assert.match(unfinished.stderr, /shard 2 of 3: did not finish/);
  assert.equal(JSON.parse(readFileSync(join(dir, 'unfinished', 'summary.json'), 'utf8')).missingJobs.length, lost.length - 1);
  // While the array runs (--running), the same folders merge into a running run with the curves so far.
  const live = runIwl(['merge', join(dir, 's0'), join(dir, 's1'), join(dir, 's2'), '--out', join(dir, 'live'), '--running']);
  assert.equal(live.status, 0, live.stderr);
  assert.equal(JSON.parse(readFileSync(join(dir, 'live', 'summary.json'), 'utf8')).status, 'running');

  const other = join(dir, 'other.iwl.yaml');
  writeFileSync(other, shardedExperimentText().replace('seed: 3', 'seed: 4'));
  assert.equal(runIwl(['run', other, '--out', join(dir, 'o2'), '--shard', '2/3', '--quiet']).status, 0);
  const mixed = runIwl(['merge', join(dir, 's0'), join(dir, 's1'), join(dir, 'o2'), '--out', join(dir, 'mixed')]);
  assert.equal(mixed.status, 2);
  assert.match(mixed.stderr, /o2 is shard 2 of 3 of another run .*a different experiment file/);
  assert.doesNotMatch(mixed.stderr, /at .*\.js:\d+/, 'no stack trace');

  rmSync(join(dir, 's1', 'shard.json'));
  const notShard = runIwl(['merge', join(dir, 's0'), join(dir, 's1'), '--out', join(dir, 'x')]);
  assert.equal(notShard.status, 1);
  assert.match(notShard.stderr, /s1: not a shard folder \(no shard.json\)/);
});
