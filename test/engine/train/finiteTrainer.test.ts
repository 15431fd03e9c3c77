/**
 * The finite-network trainer as the orchestrator sees it: it trains (both losses, every trainable
 * mode and optimizer, full batch and minibatch), logs where it should, is deterministic, leaves no
 * tensors behind (also when cancelled or failing), and stops promptly when cancelled.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../engine/backend';
import type { BatchSize, LossName, OptimizerSpec, Trainable } from '../../../engine/experiment/experimentTypes';
import { architectureOf } from '../../../engine/nn/architecture';
import { applyNetwork, disposeTensors, initParams, paramCount, toTensors } from '../../../engine/nn/finiteNetwork';
import { loss as lossOf } from '../../../engine/train/losses';
import { loggedSteps } from '../../../engine/run/trainer';
import { finiteParams, initSeed, trainFinite } from '../../../engine/train/finite';
import { CancelledError } from '../../../engine/util/iwlError';
import {
  collect,
  finiteJob,
  finiteModel,
  gaussiansData,
  loadData,
  makeExperiment,
  mlp,
  optimizer,
  recordingContext,
  teacherData,
} from './finiteFixtures';

interface RunOptions {
  loss?: LossName;
  trainable?: Trainable;
  opt?: OptimizerSpec;
  batchSize?: BatchSize;
  steps?: number;
  learningRate?: number;
  width?: number;
  seed?: number;
  centering?: boolean;
  hidden?: number;
}

async function setup(options: RunOptions = {}) {
  const loss = options.loss ?? 'mse';
  const schedule = { steps: options.steps ?? 40, learningRate: options.learningRate ?? 0.5, batchSize: options.batchSize ?? ('full' as BatchSize), logEvery: 10 };
  const model = finiteModel('net', schedule, { optimizer: options.opt, trainable: options.trainable, centering: options.centering });
  const experiment = makeExperiment({
    data: loss === 'mse' ? teacherData(32, 16) : gaussiansData(36, 18),
    network: mlp(options.hidden ?? 2),
    loss,
    models: [model],
    schedule,
  });
  const dataset = await loadData(experiment);
  const job = finiteJob(model, options.width ?? 64, options.seed ?? 0);
  return { experiment, dataset, job, model };
}

async function run(options: RunOptions = {}) {
  const s = await setup(options);
  const context = recordingContext(s.experiment, s.dataset);
  const points = await collect(trainFinite(s.job, context));
  return { ...s, context, points };
}

describe('finite trainer', () => {
  before(async () => {
    await useBackend('wasm');
  });

  // Fast, well-conditioned problems: 40 steps must at least halve the training loss from f = 0.
  const TRAINS_FACTOR = 0.5;
  const families: [string, RunOptions][] = [
    ['sgd, all layers, MSE', {}],
    ['sgd, readout only, MSE', { trainable: 'readout' }],
    ['sgd, linearized, MSE', { trainable: 'linearized' }],
    ['momentum, all layers, MSE', { opt: optimizer('momentum'), learningRate: 0.1 }],
    ['adam, all layers, MSE', { opt: optimizer('adam'), learningRate: 0.05 }],
    ['sgd, all layers, cross-entropy', { loss: 'crossEntropy', learningRate: 2 }],
    ['adam, linearized, cross-entropy', { loss: 'crossEntropy', trainable: 'linearized', opt: optimizer('adam'), learningRate: 0.05 }],
    ['sgd, all layers, MSE, minibatch 8', { batchSize: 8 }],
    ['momentum, readout only, cross-entropy, minibatch 8', { loss: 'crossEntropy', trainable: 'readout', opt: optimizer('momentum'), learningRate: 0.5, batchSize: 8 }],
  ];
  for (const [name, options] of families) {
    test(`trains: ${name}`, async () => {
      const { points, dataset, experiment, context } = await run(options);
      assert.deepEqual(points.map((p) => p.step), loggedSteps(40, 10));
      const k = dataset.outputs;
      const first = lossOf(experiment.loss, points[0].train, dataset.yTrain.data, k);
      const last = lossOf(experiment.loss, points[points.length - 1].train, dataset.yTrain.data, k);
      assert.ok(Number.isFinite(last) && last < TRAINS_FACTOR * first, `${name}: train loss ${first} -> ${last}`);
      const testFirst = lossOf(experiment.loss, points[0].test, dataset.yTest.data, k);
      const testLast = lossOf(experiment.loss, points[points.length - 1].test, dataset.yTest.data, k);
      assert.ok(testLast < testFirst, `${name}: test loss ${testFirst} -> ${testLast}`);
      for (const p of points) {
        assert.equal(p.train.length, dataset.xTrain.rows * k);
        assert.equal(p.test.length, dataset.xTest.rows * k);
      }
      assert.deepEqual(context.steps, Array.from({ length: 40 }, (_, i) => i + 1), 'onStep after every step');
    });
  }

  test('centered models start at exactly zero; uncentered ones at the initial network, shared by models of one width and seed', async () => {
    const centered = await run({ steps: 1 });
    assert.ok(centered.points[0].train.every((v) => v === 0));
    const sgd = await run({ steps: 1, centering: false });
    const adam = await run({ steps: 1, centering: false, opt: optimizer('adam'), learningRate: 0.01 });
    const otherSeed = await run({ steps: 1, centering: false, seed: 1 });
    assert.deepEqual(sgd.points[0].test, adam.points[0].test, 'same width and seed: same initialization');
    assert.notDeepEqual(sgd.points[0].test, otherSeed.points[0].test);
    // And that initialization is the network of engine/nn at the documented seed.
    const params = initParams(architectureOf(sgd.experiment.network), sgd.dataset.inputDim, 64, sgd.dataset.outputs, initSeed(sgd.experiment.seed, 64, 0));
    const tensors = toTensors(params);
    const f = tf.tidy(() => applyNetwork(params.layers, tensors, tf.tensor2d(Float32Array.from(sgd.dataset.xTest.data), [sgd.dataset.xTest.rows, sgd.dataset.inputDim])));
    assert.deepEqual(Float32Array.from(f.dataSync()), sgd.points[0].test);
    f.dispose();
    disposeTensors(tensors);
  });

  test('every hidden dense layer takes the job width, whatever width the file states', async () => {
    const s = await setup({ width: 48 });
    s.experiment.network = mlp(2, { statedWidth: 7 });
    const context = recordingContext(s.experiment, s.dataset);
    await collect(trainFinite(s.job, context));
    const expected = paramCount(finiteParams(s.experiment, s.dataset.inputDim, s.dataset.outputs, 48, 0));
    const d = s.dataset.inputDim;
    const k = s.dataset.outputs;
    assert.equal(expected, d * 48 + 48 + 48 * 48 + 48 + 48 * k + k);
    assert.equal(context.facts.parameterCount, expected);
    assert.equal(context.facts.width, 48);
  });

  test('reports the width scales Adam uses', async () => {
    const { context } = await run({ opt: optimizer('adam'), learningRate: 0.01, steps: 2, width: 100 });
    assert.deepEqual(context.facts.adamWidthScales, { W1: 10, b1: 10, W2: 100, b2: 10, W3: 10, b3: 1 });
    assert.ok((context.facts.secondsPerStep as number) > 0);
  });

  test('the same file and seed give bit-identical predictions (minibatch Adam, all layers)', async () => {
    const options: RunOptions = { opt: optimizer('adam'), learningRate: 0.02, batchSize: 8, steps: 20 };
    const a = await run(options);
    const b = await run(options);
    assert.equal(a.points.length, b.points.length);
    a.points.forEach((p, i) => {
      assert.deepEqual(p.train, b.points[i].train);
      assert.deepEqual(p.test, b.points[i].test);
    });
    assert.ok(a.points[a.points.length - 1].test.some((v) => v !== 0));
  });

  for (const trainable of ['all', 'readout', 'linearized'] as const) {
    test(`leaves no tensors behind (${trainable}): after a run, a cancellation, a failure, an early stop`, async () => {
      const before = tf.memory().numTensors;
      await run({ trainable, opt: optimizer('adam'), learningRate: 0.01, batchSize: 8, steps: 12 });
      assert.equal(tf.memory().numTensors, before, 'after a whole run');

      const cancelled = await setup({ trainable, steps: 30 });
      const context = recordingContext(cancelled.experiment, cancelled.dataset, (step) => {
        if (step === 5) context.controller.abort();
      });
      await assert.rejects(collect(trainFinite(cancelled.job, context)), CancelledError);
      assert.equal(tf.memory().numTensors, before, 'after a cancellation');

      const failing = await setup({ trainable, opt: optimizer('momentum'), steps: 30 });
      const failContext = recordingContext(failing.experiment, failing.dataset, (step) => {
        if (step === 3) throw new Error('listener failed');
      });
      await assert.rejects(collect(trainFinite(failing.job, failContext)), /listener failed/);
      assert.equal(tf.memory().numTensors, before, 'after an error mid-run');

      const bad = await setup({ trainable, learningRate: -1 });
      await assert.rejects(collect(trainFinite(bad.job, recordingContext(bad.experiment, bad.dataset))), /learning rate must be a positive number, got -1/);
      assert.equal(tf.memory().numTensors, before, 'after an error during setup');

      const early = await setup({ trainable, steps: 30 });
      for await (const point of trainFinite(early.job, recordingContext(early.experiment, early.dataset))) if (point.step === 10) break;
      assert.equal(tf.memory().numTensors, before, 'after the consumer stopped early');
    });
  }

  test('a cancellation stops a run with long steps within a second', async () => {
    // 1024 points, two hidden layers of width 2048: about 25 GFLOP, a few seconds, per step here, so the
    // abort lands inside a step and must be seen between its layers.
    const schedule = { steps: 10_000, learningRate: 0.1, batchSize: 'full' as BatchSize, logEvery: 10_000 };
    const model = finiteModel('big', schedule);
    const experiment = makeExperiment({ data: teacherData(1024, 16, 32), network: mlp(2), models: [model], schedule });
    const dataset = await loadData(experiment);
    const before = tf.memory().numTensors;
    const context = recordingContext(experiment, dataset);
    const started = Date.now();
    let abortedAt = 0;
    const timer = setTimeout(() => {
      abortedAt = Date.now();
      context.controller.abort();
    }, 1500);
    await assert.rejects(collect(trainFinite(finiteJob(model, 2048, 0), context)), CancelledError);
    clearTimeout(timer);
    const latency = Date.now() - abortedAt;
    assert.ok(abortedAt > 0, `the run ended before the abort (${Date.now() - started} ms)`);
    assert.ok(latency < 1000, `stopped ${latency} ms after the abort`);
    assert.equal(tf.memory().numTensors, before);
  });
});
