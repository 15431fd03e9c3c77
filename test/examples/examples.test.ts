/**
 * Every experiment file in examples/ runs end to end at a reduced size (shrinkExperiment.ts) through
 * the real orchestrator and trainers: every model completes with finite losses, trains (its train
 * loss falls), and every finite model whose limit is in the file reports its gap to that limit.
 * The folder is read at load time, so a new example is tested without touching this file.
 * (That each file validates with no diagnostics is test/engine/experiment/experiment.test.ts.)
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, experimentFilesIn } from '../helpers';
import { useBackend } from '../../engine/backend';
import { nodeValidationHost } from '../../engine/experiment/validationHost';
import type { Experiment } from '../../engine/experiment/experimentTypes';
import { validateExperiment } from '../../engine/experiment/validate';
import { findLimit, planExperiment } from '../../engine/run/plan';
import { runExperiment } from '../../engine/run/runExperiment';
import type { MetricRecord } from '../../engine/contract/records';
import { trainFinite } from '../../engine/train/finite';
import { trainInfinite } from '../../engine/train/infinite';
import { shrinkExperiment, TEST_SIZES } from './shrinkExperiment';

const examplesDir = join(repoRoot, 'examples');
const exampleFiles = experimentFilesIn(examplesDir).sort();

function loadExample(file: string): Experiment {
  const path = join(examplesDir, file);
  const { experiment, diagnostics } = validateExperiment(readFileSync(path, 'utf8'), { filePath: path, host: nodeValidationHost() });
  assert.ok(experiment, `${file} does not validate: ${diagnostics.map((d) => `${d.code}: ${d.message}`).join('; ')}`);
  return experiment;
}

/** Finite model name -> the name of its limit in the file (engine/run/plan.ts findLimit), for those that have one. */
function limitsOf(experiment: Experiment): Map<string, string> {
  const limits = new Map<string, string>();
  for (const model of experiment.models) {
    const limit = model.kind === 'finite' ? findLimit(model, experiment.models) : null;
    if (limit) limits.set(model.name, limit.name);
  }
  return limits;
}

before(async () => {
  await useBackend('wasm');
});

describe('shrinkExperiment', () => {
  test('caps sizes, keeps every finite -> limit pair, and leaves its input alone', () => {
    const original = loadExample('mnist-paper-story.iwl.yaml');
    const snapshot = JSON.stringify(original);
    const small = shrinkExperiment(original);
    assert.equal(JSON.stringify(original), snapshot, 'the input is not mutated');
    assert.ok(small.data.source === 'mnist' && small.data.train === TEST_SIZES.train && small.data.test === TEST_SIZES.test);
    for (const model of small.models) {
      assert.ok(model.steps <= TEST_SIZES.steps && model.logEvery <= TEST_SIZES.logEvery, model.name);
      if (model.kind === 'finite') {
        assert.ok(model.widths.length <= TEST_SIZES.widths && model.widths.every((w) => w <= TEST_SIZES.maxWidth), `${model.name}: ${model.widths}`);
        assert.equal(model.seeds.length, 1);
      } else {
        assert.ok(model.samples.backward <= TEST_SIZES.samples && model.samples.forward <= TEST_SIZES.samples);
      }
    }
    const limits = limitsOf(original);
    assert.deepEqual([...limits.keys()].sort(), ['adam', 'readout', 'sgd'], 'the paper story pairs all three finite families');
    assert.deepEqual(limitsOf(small), limits);
  });
});

describe('every example runs at a reduced size', () => {
  assert.ok(exampleFiles.length >= 6, `examples: ${exampleFiles.join(', ')}`);
  for (const file of exampleFiles) {
    test(file, async () => {
      const original = loadExample(file);
      const experiment = shrinkExperiment(original);
      const limits = limitsOf(original);
      assert.deepEqual(limitsOf(experiment), limits, 'shrinking keeps every finite model paired with its limit');

      const records: MetricRecord[] = [];
      const outcome = await runExperiment(experiment, {
        signal: new AbortController().signal,
        trainers: { finite: trainFinite, infinite: trainInfinite },
        onEvent: (event) => {
          if (event.type === 'metrics') records.push(event.record);
        },
      });
      const failures = outcome.results.filter((r) => r.status !== 'completed').map((r) => `${r.job.id}: ${r.status} ${r.error ?? ''}`);
      assert.equal(outcome.status, 'completed', `${outcome.error ?? ''} ${failures.join('; ')}`);
      assert.deepEqual(outcome.results.map((r) => r.job.id), planExperiment(experiment).jobs.map((j) => j.id), 'every planned run ran');

      for (const result of outcome.results) {
        const { job, final } = result;
        assert.ok(final, `${job.id}: no metrics`);
        assert.equal(final.step, job.model.steps, `${job.id}: ends at its last step`);
        assert.ok(Number.isFinite(final.trainLoss) && Number.isFinite(final.testLoss), `${job.id}: losses ${final.trainLoss}, ${final.testLoss}`);
        if (final.testAccuracy !== undefined) assert.ok(final.testAccuracy >= 0 && final.testAccuracy <= 1, `${job.id}: accuracy ${final.testAccuracy}`);
        // The example's learning rate trains: the train loss falls from step 0 (gp is a posterior, the same at every step).
        if (job.model.kind === 'finite' || job.model.method !== 'gp') {
          const first = records.find((r) => r.id === job.id && r.step === 0);
          assert.ok(first && final.trainLoss < first.trainLoss, `${job.id}: train loss ${first?.trainLoss} -> ${final.trainLoss}`);
        }
        if (job.kind === 'finite' && limits.has(job.model.name)) {
          // Its limit is the limit model's job (at the same rate where both sweep it, e.g. ntk/lr=100 for sgd/lr=100/w512/s0).
          const limitJob = outcome.results.find((r) => r.job.id === job.limitId)?.job;
          assert.equal(limitJob?.model.name, limits.get(job.model.name), `${job.id}: limit ${job.limitId}`);
          assert.equal(limitJob!.model.learningRate, job.model.learningRate, `${job.id}: its limit ${job.limitId} runs at its rate`);
          const gap = final.rmseToLimit;
          assert.ok(gap !== undefined && Number.isFinite(gap) && gap > 0, `${job.id}: rmseToLimit ${gap} (limit ${job.limitId})`);
        }
      }
    });
  }
});
