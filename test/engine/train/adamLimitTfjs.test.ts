/** The tfjs product path of the Adam limit (what runs on the wasm, webgpu and tensorflow backends). */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../engine/backend';
import { trainAdamLimit } from '../../../engine/train/adamLimit';
import { AdamLimitDynamics } from '../../../engine/train/adamLimitDynamics';
import { drawAdamLimitSamples } from '../../../engine/train/adamLimitSamples';
import { BatchSchedule } from '../../../engine/train/batches';
import { computeKernels } from '../../../engine/kernels/analytic';
import { CancelledError } from '../../../engine/util/iwlError';
import type { BatchSize } from '../../../engine/experiment/experimentTypes';
import { adamSpec, collect, mlp, recordingContext, smallRun } from './adamLimitFixtures';

before(async () => {
  await useBackend('wasm');
});

for (const batchSize of ['full', 7] as BatchSize[]) {
  test(`float32 tfjs products and float64 products give the same limit (batch ${batchSize})`, async () => {
    // Same samples and schedule; the paths differ only by float32 rounding in two matrix products
    // (about 1e-7 relative), which Adam's normalization can amplify only for entries whose gradient
    // cancels to rounding level. 1e-4 of the predictions' scale is far above that and far below the
    // Monte Carlo error (about 1e-1 at these sample counts).
    const run = smallRun({ network: mlp(2, 'relu'), batchSize, samples: { backward: 48, forward: 40 } });
    const { dataset } = run;
    const n = dataset.xTrain.rows;
    const m = n + dataset.xTest.rows;
    const data = new Float64Array(m * dataset.inputDim);
    data.set(dataset.xTrain.data);
    data.set(dataset.xTest.data, dataset.xTrain.data.length);
    const x = { rows: m, cols: dataset.inputDim, data };
    const layers = (await computeKernels(run.experiment.network, x, null, { layers: true })).layers!;
    const predictions: Float64Array[] = [];
    for (const products of ['float64', 'tfjs'] as const) {
      const samples = await drawAdamLimitSamples({ network: run.experiment.network, x, outputs: dataset.outputs, layers, backward: 48, forward: 40, seed: 5, products });
      const dynamics = new AdamLimitDynamics({ samples, n, y: dataset.yTrain.data, loss: 'mse' }, adamSpec, 0.05, new BatchSchedule(n, batchSize, 3), products);
      for (let t = 0; t < 20; t++) await dynamics.advance();
      dynamics.dispose();
      predictions.push(dynamics.f);
    }
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < predictions[0].length; i++) {
      diff = Math.max(diff, Math.abs(predictions[0][i] - predictions[1][i]));
      scale = Math.max(scale, Math.abs(predictions[0][i]));
    }
    assert.ok(scale > 0.1, `the limit should have moved, max |f| = ${scale}`);
    assert.ok(diff < 1e-4 * scale, `tfjs and float64 paths differ by ${diff} (max |f| ${scale})`);
  });
}

test('the tfjs path leaks no tensors, after a run and after a cancelled run, and is deterministic', async () => {
  const before = tf.memory().numTensors;
  const run = smallRun({ network: mlp(2, 'tanh'), steps: 8, logEvery: 4, samples: { backward: 24, forward: 16 } });
  const context = recordingContext(run);
  const first = await collect(trainAdamLimit(run.job, context));
  assert.equal(tf.memory().numTensors, before);
  assert.equal((context.reports[context.reports.length - 1] as { products: string }).products, 'tfjs');
  const again = await collect(trainAdamLimit(run.job, recordingContext(run)));
  assert.deepEqual(Array.from(again[2].test), Array.from(first[2].test));

  const controller = new AbortController();
  const cancelled = recordingContext(run, controller.signal, (step) => step === 2 && controller.abort());
  await assert.rejects(collect(trainAdamLimit(run.job, cancelled)), CancelledError);
  assert.equal(tf.memory().numTensors, before);
});
