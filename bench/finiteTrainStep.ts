/**
 * Seconds per training step of a finite network on 1000 MNIST digits (full batch, MSE, SGD),
 * widths 512 and 2048, one and two hidden ReLU layers, on the wasm backend: the trainer's
 * hand-written backward pass (all layers, linearized) against a step by tfjs autodiff
 * (tf.variableGrads through applyNetwork, whose transposed matMuls miss wasm's fast path).
 * Run: npm run build && node dist-test/bench/finiteTrainStep.js [steps]
 */
import * as tf from '@tensorflow/tfjs';
import { applyNetwork, toVariables } from '../engine/nn/finiteNetwork';
import { finiteParams } from '../engine/train/finite';
import { useBackend } from '../engine/backend';
import { loadDataset } from '../engine/data/dataset';
import type { Experiment, FiniteModelSpec, Network } from '../engine/experiment/experimentTypes';
import { trainFinite } from '../engine/train/finite';
import type { TrainContext } from '../engine/run/trainer';

const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

function network(hidden: number): Network {
  const layers: Network['layers'] = [];
  for (let l = 0; l < hidden; l++) layers.push({ kind: 'dense', width: null, wStd: 1.4, bStd: 0.1 }, { kind: 'activation', activation: { kind: 'relu' } });
  layers.push({ kind: 'dense', width: null, wStd: 1, bStd: 0.1 });
  return { parametrization: 'ntk', layers };
}

async function main(): Promise<void> {
  const steps = Number(process.argv[2] ?? 3);
  await useBackend('wasm');
  for (const hidden of [1, 2]) {
    for (const width of [512, 2048]) {
      for (const trainable of ['all', 'linearized'] as const) {
        const schedule = { steps, learningRate: 0.5, batchSize: 'full' as const, logEvery: steps };
        const model: FiniteModelSpec = {
          name: 'bench', kind: 'finite', optimizer: { name: 'sgd', learningRate: null, momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
          ...schedule, range, widths: [width], seeds: [0], trainable, centering: true,
        };
        const experiment: Experiment = {
          name: 'bench', seed: 0, data: { source: 'mnist', train: 1000, test: 100, classes: null }, network: network(hidden),
          loss: 'mse', training: schedule, models: [model],
        };
        const dataset = await loadDataset(experiment.data, 0);
        const facts: Record<string, unknown> = {};
        const context: TrainContext = {
          experiment, dataset, signal: new AbortController().signal, onStep() {}, log() {},
          report: (info) => Object.assign(facts, info),
          kernels: () => Promise.reject(new Error('not needed')),
        };
        for await (const _ of trainFinite({ id: 'bench', kind: 'finite', model, width, seed: 0, limitId: null }, context)) void _;
        const perStep = facts.secondsPerStep as number;
        console.log(`${hidden} hidden x width ${width}, ${trainable}: ${(perStep * 1000).toFixed(0)} ms/step (setup ${(facts.setupSeconds as number).toFixed(2)} s)`);
        if (trainable === 'all') console.log(`${hidden} hidden x width ${width}, autodiff: ${(autodiffStepSeconds(experiment, dataset, width) * 1000).toFixed(0)} ms/step`);
      }
    }
  }
}

/** One SGD step by tf.variableGrads, timed after a warm-up step. */
function autodiffStepSeconds(experiment: Experiment, dataset: Awaited<ReturnType<typeof loadDataset>>, width: number): number {
  const params = finiteParams(experiment, dataset.inputDim, dataset.outputs, width, 0);
  const vars = toVariables(params, 'all');
  const x = tf.tensor2d(Float32Array.from(dataset.xTrain.data), [dataset.xTrain.rows, dataset.inputDim]);
  const y = tf.tensor2d(Float32Array.from(dataset.yTrain.data), [dataset.yTrain.rows, dataset.outputs]);
  const step = () =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.div(tf.sum(tf.square(tf.sub(applyNetwork(params.layers, vars, x), y))), 2 * y.size) as tf.Scalar, vars.trainableList);
      for (const v of vars.trainableList) v.assign(tf.sub(v, tf.mul(grads[v.name], 0.5)));
    });
  step();
  const started = performance.now();
  step();
  vars.trainableList[0].dataSync();
  const seconds = (performance.now() - started) / 1000;
  tf.dispose([x, y, ...vars.trainableList]);
  return seconds;
}

void main();
