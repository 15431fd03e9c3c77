/**
 * Models that are linear in their parameters train exactly as kernel gradient descent on their own
 * empirical kernel, at any width: the linearized network on J_0 J_0^T (one output, so the kernel is
 * exactly J_0 J_0^T), the readout-only network on (wStd^2/n) x_L . x_L' + bStd^2 (identical and
 * independent per output, so any k). This pins the optimizers, learning rates, loss gradients and
 * batches of the finite trainer to engine/train/kernelDynamics.ts step for step, far more sharply
 * than the width sweeps can.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../../engine/backend';
import type { BatchSize, LossName, OptimizerSpec, Trainable } from '../../../engine/experiment/experimentTypes';
import { empiricalKernels } from '../../../engine/nn/empiricalKernels';
import { finiteParams, trainFinite } from '../../../engine/train/finite';
import { BatchSchedule } from '../../../engine/train/batches';
import { KernelDynamics } from '../../../engine/train/kernelDynamics';
import { matrix } from '../../../engine/util/matrix';
import { collect, finiteJob, finiteModel, gaussiansData, loadData, makeExperiment, mlp, optimizer, recordingContext, teacherData } from './finiteFixtures';

/**
 * float32 training and a float32 empirical kernel against float64 kernel dynamics: measured at most
 * about 2e-6 of the prediction scale over 30 steps; 1e-4 leaves a 50x margin, while a learning-rate
 * or momentum convention off by 1% moves predictions by about 1e-2 of it (checked by mutation).
 */
const KERNEL_MATCH_RTOL = 1e-4;
const WIDTH = 128;

interface Case {
  name: string;
  trainable: Trainable;
  loss: LossName;
  opt: OptimizerSpec;
  batchSize: BatchSize;
  outputs: number;
  learningRate: number;
}

const cases: Case[] = [
  { name: 'linearized, SGD, MSE, full batch', trainable: 'linearized', loss: 'mse', opt: optimizer('sgd'), batchSize: 'full', outputs: 1, learningRate: 0.5 },
  { name: 'linearized, momentum, MSE, minibatch 8', trainable: 'linearized', loss: 'mse', opt: optimizer('momentum', { momentum: 0.8 }), batchSize: 8, outputs: 1, learningRate: 0.05 },
  { name: 'readout only, SGD, cross-entropy, minibatch 8', trainable: 'readout', loss: 'crossEntropy', opt: optimizer('sgd'), batchSize: 8, outputs: 3, learningRate: 1 },
  { name: 'readout only, momentum, MSE, full batch', trainable: 'readout', loss: 'mse', opt: optimizer('momentum'), batchSize: 'full', outputs: 2, learningRate: 0.1 },
];

describe('linear finite models follow kernel dynamics on their empirical kernel', () => {
  before(async () => {
    await useBackend('wasm');
  });

  for (const c of cases) {
    test(c.name, async () => {
      const schedule = { steps: 30, learningRate: c.learningRate, batchSize: c.batchSize, logEvery: 10 };
      const model = finiteModel('net', schedule, { optimizer: c.opt, trainable: c.trainable });
      const network = mlp(2, { activation: { kind: 'erf' }, wStd: 1.5, bStd: 0.3 });
      const data = c.loss === 'mse' ? teacherData(24, 12, 6, c.outputs) : gaussiansData(24, 12, 6, c.outputs);
      const experiment = makeExperiment({ data, network, loss: c.loss, models: [model], schedule });
      const dataset = await loadData(experiment);
      const points = await collect(trainFinite(finiteJob(model, WIDTH, 2), recordingContext(experiment, dataset)));

      const n = dataset.xTrain.rows;
      const m = n + dataset.xTest.rows;
      const d = dataset.inputDim;
      const all = new Float64Array(m * d);
      all.set(dataset.xTrain.data, 0);
      all.set(dataset.xTest.data, n * d);
      const kernels = await empiricalKernels(finiteParams(experiment, d, c.outputs, WIDTH, 2), matrix(m, d, all));
      const kernel = c.trainable === 'readout' ? kernels.nngpReadoutMean : kernels.ntk;
      const dynamics = new KernelDynamics(
        { kernel, m, n, k: c.outputs, y: dataset.yTrain.data, loss: c.loss },
        c.opt,
        c.learningRate,
        new BatchSchedule(n, c.batchSize, experiment.seed),
      );
      let scale = 0;
      for (const point of points) {
        while (dynamics.step < point.step) await dynamics.advance();
        const finite = [...point.train, ...point.test];
        for (const v of dynamics.f) scale = Math.max(scale, Math.abs(v));
        let worst = 0;
        finite.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - dynamics.f[i]))));
        assert.ok(worst <= KERNEL_MATCH_RTOL * Math.max(scale, 1e-3), `${c.name}, step ${point.step}: differs by ${worst} (scale ${scale})`);
      }
      assert.ok(scale > 0.1, `${c.name}: predictions barely moved (${scale})`);
    });
  }
});
