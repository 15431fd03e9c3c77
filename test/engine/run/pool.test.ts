/**
 * The compute pool (engine/run/pool.ts) through the real orchestrator and worker processes
 * (dist/worker.js, built by npm run build): parallel runs give sequential runs' numbers bit for
 * bit, Stop with every worker busy ends them all at once with every metric line whole, a worker
 * killed mid-job fails that job with the reason and its stderr tail while the others finish, and
 * the pool is sized by the jobs' memory estimates.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend } from '../../../engine/backend';
import { nodeValidationHost } from '../../../engine/experiment/validationHost';
import type { Experiment } from '../../../engine/experiment/experimentTypes';
import { validateExperiment } from '../../../engine/experiment/validate';
import { jobMemory, poolSize } from '../../../engine/run/pool';
import { planExperiment } from '../../../engine/run/plan';
import { runExperiment, type RunEvent, type RunOptions } from '../../../engine/run/runExperiment';
import { RunOutput } from '../../../engine/run/runOutput';
import { trainFinite } from '../../../engine/train/finite';
import { trainInfinite } from '../../../engine/train/infinite';
import { loadDataset } from '../../../engine/data/dataset';
import { isProcessAlive, tempDir } from '../../helpers';

const trainers = { finite: trainFinite, infinite: trainInfinite };

/** A small sweep: two widths x two seeds of sgd and momentum, their NTK limits and the NNGP posterior. */
function sweepText(steps: number, train = 48): string {
  return `name: pool-sweep
seed: 4
data: { source: synthetic, kind: teacher, inputDim: 5, train: ${train}, test: 24, outputs: 2, noise: 0.05 }
network:
  layers:
    - dense: { width: 32 }
    - relu
    - dense: { width: 32 }
    - relu
    - dense: {}
loss: mse
training: { steps: ${steps}, learningRate: 0.5, batchSize: 16, logEvery: 5 }
models:
  sgd: { kind: finite, widths: [16, 48], seeds: 2, optimizer: sgd }
  heavy: { kind: finite, widths: [32], seeds: 2, optimizer: { name: momentum, momentum: 0.9 } }
  ntk: { kind: infinite, method: ntk, optimizer: sgd }
  gp: { kind: infinite, method: gp }
`;
}

function sweep(steps: number, train = 48): Experiment {
  const text = sweepText(steps, train);
  const { experiment, diagnostics } = validateExperiment(text, { filePath: '/tmp/pool-sweep.iwl.yaml', host: nodeValidationHost() });
  assert.ok(experiment, diagnostics.map((d) => d.message).join('; '));
  return experiment;
}

async function run(experiment: Experiment, options: Partial<RunOptions> & { onEvent?(event: RunEvent): void } = {}) {
  const records: Record<string, unknown>[] = [];
  const events: RunEvent[] = [];
  const outcome = await runExperiment(experiment, {
    signal: new AbortController().signal,
    trainers,
    ...options,
    onEvent(event) {
      events.push(event);
      if (event.type === 'metrics') records.push({ ...event.record });
      return options.onEvent?.(event);
    },
  });
  return { outcome, records, events };
}

/** Metric records by job and step, without the wall-clock field. */
function byJobAndStep(records: Record<string, unknown>[]): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const r of records) {
    const { elapsedSeconds: _, ...rest } = r;
    out.set(`${r.id}@${r.step}`, rest);
  }
  return out;
}

/** A job's reported facts without its timings (setupSeconds, secondsPerStep...). */
function untimed(info: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(info).filter(([key]) => !/seconds/i.test(key)));
}

before(async () => {
  await useBackend('wasm');
});

describe('the compute pool', () => {
  test('a sweep on 2 workers gives the numbers of a 1-process run, bit for bit, and uses both workers', async () => {
    const experiment = sweep(30);
    const sequential = await run(experiment, { workers: 1 });
    const parallel = await run(experiment, { workers: 2 });
    assert.equal(sequential.outcome.status, 'completed');
    assert.equal(parallel.outcome.status, 'completed');
    const a = byJobAndStep(sequential.records);
    const b = byJobAndStep(parallel.records);
    assert.equal(a.size, 8 * 7, "8 jobs (ntk, gp, 4 sgd, 2 heavy) of 7 logged steps each");
    assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
    for (const [key, record] of a) assert.deepEqual(b.get(key), record, `metrics of ${key} differ`);
    assert.deepEqual(parallel.outcome.results.map((r) => r.job.id), sequential.outcome.results.map((r) => r.job.id), 'results keep the plan order');
    for (const [i, r] of sequential.outcome.results.entries()) {
      assert.deepEqual(parallel.outcome.results[i].predictions, r.predictions, `predictions of ${r.job.id} differ`);
      assert.deepEqual(untimed(parallel.outcome.results[i].info), untimed(r.info), `reported facts of ${r.job.id} differ`);
    }
    const workers = new Set(parallel.events.flatMap((e) => (e.type === 'jobStarted' && e.worker !== undefined ? [e.worker] : [])));
    assert.equal(workers.size, 2, 'two worker processes ran the jobs');
    assert.ok(sequential.events.every((e) => e.type !== 'jobStarted' || e.worker === undefined), 'one worker runs in the run\'s own process');
    // Progress adds up the jobs in flight and ends at the plan's total.
    const steps = parallel.events.filter((e) => e.type === 'step') as Extract<RunEvent, { type: 'step' }>[];
    const done = steps.map((s) => s.doneSteps);
    assert.ok(done.every((d, i) => i === 0 || d >= done[i - 1]), 'doneSteps never goes back');
    assert.equal(Math.max(...done), steps[0].totalSteps);
    for (const w of workers) assert.equal(isProcessAlive(w), false, `worker ${w} has exited`);
  });

  test('Stop with both workers busy ends the run and every worker within a second, every metric line whole', async () => {
    const experiment = sweep(200000, 256);
    const folder = tempDir('iwl-pool-cancel-');
    const file = join(folder, 'pool-sweep.iwl.yaml');
    writeFileSync(file, sweepText(200000, 256));
    const dir = join(folder, 'run');
    const output = new RunOutput(dir, experiment, file, { name: 'wasm', detail: 'wasm' }, {});
    const controller = new AbortController();
    const pids = new Set<number>();
    const finiteSeen = new Set<string>();
    let abortedAt = 0;
    const outcome = await runExperiment(experiment, {
      signal: controller.signal,
      trainers,
      workers: 2,
      onlyModels: ['sgd'],
      onEvent(event) {
        output.recordEvent(event);
        if (event.type === 'jobStarted' && event.worker !== undefined) pids.add(event.worker);
        if (event.type === 'metrics' && event.record.step > 0) finiteSeen.add(event.record.id);
        if (finiteSeen.size >= 2 && !abortedAt) {
          abortedAt = Date.now();
          controller.abort();
        }
      },
    });
    const stoppedIn = Date.now() - abortedAt;
    output.finish(outcome.status);
    assert.equal(outcome.status, 'cancelled');
    assert.ok(abortedAt > 0, 'two finite jobs were training at once');
    assert.ok(stoppedIn < 1000, `the run ended ${stoppedIn} ms after Stop`);
    assert.ok(pids.size >= 2);
    for (const pid of pids) assert.equal(isProcessAlive(pid), false, `worker ${pid} is gone`);
    const cancelled = outcome.results.filter((r) => r.status === 'cancelled');
    assert.ok(cancelled.length >= 2, 'the jobs in flight end as cancelled');
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean);
    assert.ok(lines.length > 0);
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `a torn metrics line: ${line}`);
    assert.equal(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).status, 'cancelled');
  });

  test('a worker killed mid-job fails that job with the reason and its stderr tail; the other jobs complete', async () => {
    const experiment = sweep(400);
    let victim: { id: string; pid: number } | null = null;
    let killed = false;
    const started = Date.now();
    const { outcome } = await run(experiment, {
      workers: 2,
      onEvent(event) {
        if (event.type === 'jobStarted' && event.job.id === 'heavy/w32/s0' && event.worker !== undefined) victim = { id: event.job.id, pid: event.worker };
        if (event.type === 'metrics' && victim && event.record.id === victim.id && event.record.step >= 10 && !killed) {
          killed = true;
          process.kill(victim.pid, 'SIGKILL');
        }
      },
    });
    assert.ok(killed, 'the victim job was running on a worker');
    assert.ok(Date.now() - started < 120_000, 'the run did not hang');
    assert.equal(outcome.status, 'failed');
    const failed = outcome.results.filter((r) => r.status === 'failed');
    assert.deepEqual(failed.map((r) => r.job.id), ['heavy/w32/s0']);
    assert.match(failed[0].error ?? '', new RegExp(`worker process ${victim!.pid} was killed by SIGKILL while running heavy/w32/s0`));
    assert.match(failed[0].error ?? '', /its last stderr lines:[\s\S]*ready on wasm/);
    assert.ok(failed[0].final && failed[0].final.step >= 10, 'what the job logged before it died is kept');
    const others = outcome.results.filter((r) => r.job.id !== 'heavy/w32/s0');
    assert.equal(others.length, 7);
    assert.ok(others.every((r) => r.status === 'completed'), 'the other jobs (including those after it on a new worker) complete');
  });
});

describe('memory estimates with workers', () => {
  test('k workers need the k largest job estimates at once; the pool shrinks to fit and says why', () => {
    const gib = 1024 ** 3;
    assert.deepEqual(poolSize([1 * gib, 3 * gib, 2 * gib], 2, 8 * gib), { workers: 2, limitedBy: null, peakBytes: 5 * gib });
    const limited = poolSize([1 * gib, 3 * gib, 2 * gib], 3, 5.5 * gib);
    assert.equal(limited.workers, 2);
    assert.equal(limited.peakBytes, 5 * gib);
    assert.match(limited.limitedBy ?? '', /3 workers would need about 6\.0 GiB at once, over the memory budget of 5\.5 GiB/);
    assert.equal(poolSize([3 * gib, 3 * gib], 4, 2 * gib).workers, 1, 'one job that does not fit still runs alone (validation refuses it first)');
    assert.equal(poolSize([gib], 8, 100 * gib).workers, 1, 'no more workers than jobs');
  });

  test('a run whose jobs do not fit side by side runs them on fewer workers and logs the estimate', async () => {
    const experiment = sweep(10);
    const dataset = await loadDataset(experiment.data, experiment.seed);
    const plan = planExperiment(experiment);
    const perJob = jobMemory(experiment, dataset, plan.jobs);
    assert.equal(perJob.length, plan.jobs.length);
    assert.ok(perJob.every((b) => b > 0));
    const gp = perJob[plan.jobs.findIndex((j) => j.id === 'gp')];
    const wide = perJob[plan.jobs.findIndex((j) => j.id === 'sgd/w48/s0')];
    const narrow = perJob[plan.jobs.findIndex((j) => j.id === 'sgd/w16/s0')];
    assert.ok(gp > 0 && wide >= narrow, 'estimates follow the job: wider networks need more');
    const budget = Math.max(...perJob) * 1.5;
    const { outcome, events } = await run(experiment, { workers: 2, memoryBudgetBytes: budget });
    assert.equal(outcome.status, 'completed');
    const logs = events.flatMap((e) => (e.type === 'log' ? [e.message] : []));
    assert.ok(logs.some((m) => /^using 1 worker: 2 workers would need about .* at once, over the memory budget of/.test(m)), logs.join('\n'));
    assert.ok(events.every((e) => e.type !== 'jobStarted' || e.worker === undefined), 'it ran in one process');
  });
});
