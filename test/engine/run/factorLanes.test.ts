/**
 * A gp job's float32 Cholesky on lanes (RunOptions.factorLanes, engine/linalg/choleskyLanes.ts) through
 * the real orchestrator: the same predictions and metrics as one lane, in the run's own process and on
 * a pool worker, and the lanes the rule gives (engine/run/pool.ts's linalgLanes).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../../engine/backend';
import { nodeValidationHost } from '../../../engine/experiment/validationHost';
import { validateExperiment } from '../../../engine/experiment/validate';
import { AUTO_LANES_MIN_TRAIN, autoLanes, linalgLanes } from '../../../engine/run/pool';
import { runExperiment, type RunOptions } from '../../../engine/run/runExperiment';
import { trainFinite } from '../../../engine/train/finite';
import { trainInfinite } from '../../../engine/train/infinite';
import { tinyExperimentText } from '../../fixtures/tinyExperiment';

// 1400 train points: the mixed solve (>= 1024) with two trailing row blocks, so two lanes both work.
const text = (models: string) =>
  tinyExperimentText({ name: 'lanes', seed: 2, train: 1400, test: 120, inputDim: 6, outputs: 2, noise: 0.05, steps: 4, logEvery: 2, models });

function experimentOf(models: string) {
  const { experiment, diagnostics } = validateExperiment(text(models), { filePath: '/tmp/lanes.iwl.yaml', host: nodeValidationHost() });
  assert.ok(experiment, diagnostics.map((d) => d.message).join('; '));
  return experiment;
}

async function run(models: string, options: Partial<RunOptions>) {
  const records: Record<string, unknown>[] = [];
  const outcome = await runExperiment(experimentOf(models), {
    signal: new AbortController().signal,
    trainers: { finite: trainFinite, infinite: trainInfinite },
    ...options,
    onEvent(event) {
      if (event.type === 'metrics') {
        const { elapsedSeconds: _, ...rest } = event.record;
        records.push(rest);
      }
    },
  });
  assert.equal(outcome.status, 'completed', outcome.results.map((r) => r.error).join('; '));
  return { outcome, records };
}

const gp = '  gp: { kind: infinite, method: gp }';
const sgd = '  sgd: { kind: finite, widths: [16], seeds: 1, optimizer: sgd }';

before(async () => { await useBackend('wasm'); });

describe('gp factorization lanes', () => {
  test('lanes share the workers among the jobs running at once, never above the cores', () => {
    assert.equal(linalgLanes(2, 1, 2), 2, 'a job alone gets every worker');
    assert.equal(linalgLanes(8, 3, 16), 2, '8 workers over 3 jobs at once');
    assert.equal(linalgLanes(4, 9, 16), 1, 'a full pool: one lane each');
    assert.equal(linalgLanes(8, 1, 2), 2, 'no more than the cores');
    assert.equal(linalgLanes(1, 1, 16), 1);
    assert.equal(autoLanes(2, 1, AUTO_LANES_MIN_TRAIN, 2), 2, "'auto' from AUTO_LANES_MIN_TRAIN points: the rule above");
    assert.equal(autoLanes(8, 3, 10_000, 16), 2);
    assert.equal(autoLanes(2, 1, AUTO_LANES_MIN_TRAIN - 1, 2), 1, 'below it one lane, where lanes do not pay');
  });

  test('a gp job alone on 2 lanes gives the predictions and metrics of 1 lane, bit for bit', async () => {
    const one = await run(gp, { workers: 1 });
    const two = await run(gp, { workers: 1, factorLanes: 2 });
    const [a, b] = [one.outcome.results[0], two.outcome.results[0]];
    assert.equal(a.info.solver, 'float32 Cholesky + float64 CG');
    assert.equal(a.info.factorLanes, undefined, "one lane by default ('auto', below AUTO_LANES_MIN_TRAIN points)");
    assert.equal(b.info.factorLanes, 2);
    assert.deepEqual(b.predictions, a.predictions);
    assert.deepEqual(two.records, one.records);
  });

  test("explicit lanes reach a gp job on the pool, with the same numbers as one lane in the run's process", async () => {
    const sequential = await run(`${gp}\n${sgd}`, { workers: 1 });
    const pooled = await run(`${gp}\n${sgd}`, { workers: 2, factorLanes: 2 });
    const gpOf = (o: typeof sequential) => o.outcome.results.find((r) => r.job.model.name === 'gp')!;
    assert.equal(gpOf(sequential).info.factorLanes, undefined);
    assert.equal(gpOf(pooled).info.factorLanes, 2);
    assert.deepEqual(gpOf(pooled).predictions, gpOf(sequential).predictions);
    const sort = (r: Record<string, unknown>[]) => [...r].sort((x, y) => `${x.id}@${x.step}`.localeCompare(`${y.id}@${y.step}`));
    assert.deepEqual(sort(pooled.records), sort(sequential.records));
  });
});
