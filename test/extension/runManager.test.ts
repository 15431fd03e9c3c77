/**
 * The run manager's start request reaches the engine process whole: the factorization lanes of the
 * infiniteWidthLab.factorLanes setting (a count, or 'auto' for the setting's 0) run a gp job's float32
 * Cholesky on that many threads (summary.json says so), with predictions byte for byte those of one lane;
 * a request that names none gets the engine's 'auto', which gives a gp job alone on 6,000 points the
 * idle worker's core.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { repoRoot, tempDir } from '../helpers';
import { tinyExperimentText } from '../fixtures/tinyExperiment';
import { EngineClient } from '../../extension/engineClient';
import { RunManager, type FinishedRun } from '../../extension/runManager';
import { readRunSummary } from '../../engine/contract/records';
import { AUTO_LANES_MIN_TRAIN } from '../../engine/run/pool';

const workspace = tempDir('iwl-run-manager-');
const resultsRoot = join(workspace, '.iwl', 'runs');
const file = join(workspace, 'lanes.iwl.yaml');
// 1400 train points: the mixed solve (from 1024) with two trailing row blocks, so two lanes both work.
writeFileSync(file, tinyExperimentText({ name: 'lanes', seed: 2, train: 1400, test: 120, inputDim: 6, outputs: 2, noise: 0.05, steps: 4, logEvery: 2, models: '  gp: { kind: infinite, method: gp }' }));
// AUTO_LANES_MIN_TRAIN (engine/run/pool.ts) points: where 'auto' starts to give a gp job more than one lane.
const largeFile = join(workspace, 'lanes-6000.iwl.yaml');
writeFileSync(largeFile, tinyExperimentText({ name: 'lanes-6000', seed: 2, train: AUTO_LANES_MIN_TRAIN, test: 120, inputDim: 6, outputs: 2, noise: 0.05, steps: 4, logEvery: 2, models: '  gp: { kind: infinite, method: gp }' }));

const client = new EngineClient({ launch: { enginePath: join(repoRoot, 'dist', 'engine.js'), execPath: process.execPath }, backend: 'wasm', cwd: workspace });
const runs = new RunManager(client);
after(async () => {
  runs.dispose();
  await client.stop();
});

async function runWith(factorLanes: number | 'auto' | undefined, workers?: number, experimentFile = file) {
  const done = new Promise<FinishedRun>((resolve) => runs.onDidFinish(resolve));
  const run = await runs.start({ experimentFile, resultsRoot, workers, ...(factorLanes !== undefined ? { factorLanes } : {}) });
  const { end } = await done;
  assert.equal(end.status, 'completed', end.error);
  const summary = readRunSummary(JSON.parse(readFileSync(join(run.outDir, 'summary.json'), 'utf8')), 'summary.json');
  const gp = summary.runs.find((r) => r.model === 'gp');
  assert.ok(gp?.predictionsFile, 'the gp job wrote its predictions');
  return { lanes: gp.info.factorLanes, predictions: readFileSync(join(run.outDir, gp.predictionsFile)).toString('base64') };
}

test('the factorization lanes of a start request reach the gp job; the predictions are those of one lane', { timeout: 180_000 }, async () => {
  const one = await runWith(1, 2);
  assert.equal(one.lanes, undefined, 'one lane as asked');
  const two = await runWith(2, 1);
  assert.equal(two.lanes, 2, 'two lanes as asked');
  assert.ok(two.predictions === one.predictions, 'the same predictions byte for byte');
  // 'auto' with two workers: below AUTO_LANES_MIN_TRAIN one lane, where lanes do not pay.
  const auto = await runWith('auto', 2);
  assert.equal(auto.lanes, undefined, "'auto' keeps one lane on 1400 points");
  assert.ok(auto.predictions === one.predictions, "the same predictions byte for byte with 'auto'");
  // No lanes named: the engine's default, 'auto'; the gp job alone in its phase on 6,000 points gets both workers' cores.
  const large = await runWith(undefined, 2, largeFile);
  assert.equal(large.lanes, availableParallelism() > 1 ? 2 : undefined, "the default 'auto' gives a gp job alone on 6,000 points the idle worker's core");
  const largeOne = await runWith(1, 2, largeFile);
  assert.ok(large.predictions === largeOne.predictions, 'the same predictions byte for byte as one lane on 6,000 points');
});
