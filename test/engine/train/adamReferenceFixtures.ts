/**
 * The setup of issue #10 (after Littwin & Yang, ICLR 2023) for the Adam reference tests: 10-d Gaussian
 * inputs, random N(0, 1) targets, L2 loss, full-batch Adam (beta1 0.9, beta2 0.99), lr 0.02, relu,
 * wStd 1.4 and bStd 0.1 on every layer, centered; and the two ways to train one network from given
 * initial weights: the engine's tfjs model (engine/train/finiteModels.ts) and the float64 reference.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../../../engine/data/types';
import type { Network, OptimizerSpec } from '../../../engine/experiment/types';
import type { NetworkParams } from '../../../engine/nn/network';
import { AllLayersModel } from '../../../engine/train/finiteModels';
import { Rng } from '../../../engine/util/rng';
import { ReferenceAdamMlp, type ReferenceAdam } from './referenceAdamMlp';

export const INPUT_DIM = 10;
export const W_STD = 1.4;
export const B_STD = 0.1;

export function issueAdam(eps = 1e-8): OptimizerSpec {
  return { name: 'adam', learningRate: null, momentum: 0.9, beta1: 0.9, beta2: 0.99, eps };
}

/** `hidden` dense + relu blocks and a dense readout, all wStd 1.4, bStd 0.1, NTK parametrization. */
export function issueNetwork(hidden: number): Network {
  const layers: Network['layers'] = [];
  for (let l = 0; l < hidden; l++) {
    layers.push({ kind: 'dense', width: null, wStd: W_STD, bStd: B_STD });
    layers.push({ kind: 'activation', activation: { kind: 'relu' } });
  }
  layers.push({ kind: 'dense', width: null, wStd: W_STD, bStd: B_STD });
  return { parametrization: 'ntk', layers };
}

/** x ~ N(0, I_10) and targets y ~ N(0, 1), independent of x (random targets), from `seed`. */
export function issueData(train: number, test: number, outputs: number, seed: number): Dataset {
  const rng = Rng.derive(seed, 'adam-reference-data');
  const matrix = (rows: number, cols: number) => ({ rows, cols, data: rng.normals(rows * cols, 1, new Float32Array(rows * cols)) as Float32Array });
  const xTrain = matrix(train, INPUT_DIM);
  const yTrain = matrix(train, outputs);
  const xTest = matrix(test, INPUT_DIM);
  const yTest = matrix(test, outputs);
  return {
    task: 'regression', inputDim: INPUT_DIM, outputs, classNames: null, xTrain, yTrain, labelsTrain: null, xTest, yTest, labelsTest: null,
    description: `issue #10 data: ${train} train + ${test} test, x ~ N(0, I_${INPUT_DIM}), random targets (seed ${seed})`,
  };
}

const noCheckpoint = async (): Promise<void> => {};

/** The engine's finite model (all layers, centered, MSE) from `params`; the caller disposes it (and `tensors`). */
export async function engineModel(params: NetworkParams, data: Dataset, optimizer: OptimizerSpec, learningRate: number) {
  const tensor = (m: Dataset['xTrain']) => tf.tensor2d(Float32Array.from(m.data), [m.rows, m.cols]);
  const tensors = [tensor(data.xTrain), tensor(data.yTrain), tensor(data.xTest)] as const;
  const model = await AllLayersModel.create(
    { params, loss: 'mse', centering: true, optimizer, learningRate, xTrain: tensors[0], yTrain: tensors[1], xTest: tensors[2] },
    noCheckpoint,
  );
  return {
    step: () => model.step(null, noCheckpoint),
    predict: (split: 'train' | 'test') => model.predict(split, noCheckpoint),
    dispose: () => {
      model.dispose();
      tf.dispose([...tensors]);
    },
  };
}

/** The float64 reference from the same raw parameters. */
export function referenceModel(params: NetworkParams, data: Dataset, optimizer: OptimizerSpec, learningRate: number, scale?: ReferenceAdam['scale']): ReferenceAdamMlp {
  const layers = params.layers.map((l) => ({ fanIn: l.fanIn, fanOut: l.fanOut, wStd: l.wStd, bStd: l.bStd }));
  return new ReferenceAdamMlp(
    { layers, activation: 'relu', weights: params.weights, biases: params.biases },
    { learningRate, beta1: optimizer.beta1, beta2: optimizer.beta2, eps: optimizer.eps, scale },
    Float64Array.from(data.xTrain.data),
    Float64Array.from(data.yTrain.data),
    Float64Array.from(data.xTest.data),
  );
}

/** Root mean square of a - b, and of b. */
export function rmsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { diff: number; scale: number } {
  let d = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i] - b[i]) ** 2;
    s += b[i] ** 2;
  }
  return { diff: Math.sqrt(d / b.length), scale: Math.sqrt(s / b.length) };
}
