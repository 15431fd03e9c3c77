/**
 * The setup of issue #10 (after Littwin & Yang, ICLR 2023) for the Adam reference tests: 10-d Gaussian
 * inputs, random N(0, 1) targets, L2 loss, full-batch Adam (beta1 0.9, beta2 0.99), lr 0.02, relu,
 * wStd 1.4 and bStd 0.1 on every layer, centered; and the two ways to train one network from given
 * initial weights: the engine's tfjs model (engine/train/finiteModels.ts) and the float64 reference.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../../../engine/data/datasetTypes';
import type { Network, OptimizerSpec } from '../../../engine/experiment/experimentTypes';
import type { NetworkParams } from '../../../engine/nn/finiteNetwork';
import { AllLayersModel } from '../../../engine/train/finiteModels';
import { architectureOf } from '../../../engine/nn/architecture';
import { initParams } from '../../../engine/nn/finiteNetwork';
import { rmse } from '../../../engine/run/metrics';
import { trainAdamLimit } from '../../../engine/train/adamLimit';
import { Rng } from '../../../engine/util/rng';
import { collect, recordingContext, smallRun } from './adamLimitFixtures';
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

/**
 * Standard normals from a generator unrelated to engine/util/rng.ts (mulberry32 and Marsaglia's polar
 * method), for networks whose initialization must not share anything with the engine's.
 */
export function independentNormals(seed: number, count: number): Float32Array {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(count);
  for (let i = 0; i < count; ) {
    const u = 2 * uniform() - 1;
    const v = 2 * uniform() - 1;
    const s = u * u + v * v;
    if (s >= 1 || s === 0) continue;
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    out[i++] = u * f;
    if (i < count) out[i++] = v * f;
  }
  return out;
}

/** `params` with every weight and bias redrawn by independentNormals (same shapes, same N(0, 1) law). */
export function independentInit(params: NetworkParams, seed: number): NetworkParams {
  return {
    ...params,
    weights: params.weights.map((w, l) => independentNormals(seed * 1000 + 2 * l, w.length)),
    biases: params.biases.map((b, l) => (b ? independentNormals(seed * 1000 + 2 * l + 1, b.length) : null)),
  };
}

export interface Training {
  hidden: number;
  data: Dataset;
  steps: number;
  learningRate: number;
}

/**
 * The Adam limit's test predictions after `steps` (method adam, engine/train/adamLimit.ts) as the mean of
 * `runs` independent Monte Carlo estimates at R = C = `samples`, and the mean's own Monte Carlo error
 * (RMS spread of the runs / sqrt(runs)). One estimate's error is about a width-`samples` network's gap
 * and its cost grows like samples^2 per hidden-to-hidden matrix, so 16 runs at 512 reach the error of
 * one run at 8192 for a sixteenth of its cost.
 */
export async function adamLimitMean(training: Training, samples: number, runs: number): Promise<{ test: Float64Array; error: number }> {
  const estimates: Float64Array[] = [];
  for (let r = 0; r < runs; r++) {
    const run = smallRun({
      network: issueNetwork(training.hidden),
      steps: training.steps,
      logEvery: training.steps,
      learningRate: training.learningRate,
      optimizer: issueAdam(),
      samples: { backward: samples, forward: samples },
      seed: 1000 + r,
    });
    // The trainers read the points from the context's dataset, not from the experiment's data spec.
    run.dataset = training.data;
    const points = await collect(trainAdamLimit(run.job, recordingContext(run)));
    estimates.push(Float64Array.from(points[points.length - 1].test));
  }
  const mean = estimates[0].map((_, i) => estimates.reduce((sum, e) => sum + e[i], 0) / runs);
  const spread = Math.sqrt(estimates.reduce((sum, e) => sum + rmse(e, mean) ** 2, 0) / (runs - 1));
  return { test: mean, error: spread / Math.sqrt(runs) };
}

/**
 * Mean over seeds of the test-prediction RMSE to `limit` of networks of one width after training:
 * 'engine' is the engine's tfjs model from the engine's initialization (initParams), 'reference' the
 * float64 reference from independentInit's weights.
 */
export async function meanGap(which: 'engine' | 'reference', training: Training, width: number, seeds: number, limit: ArrayLike<number>, firstSeed = 0): Promise<number> {
  const { hidden, data, steps, learningRate } = training;
  const optimizer = issueAdam();
  let sum = 0;
  for (let s = firstSeed; s < firstSeed + seeds; s++) {
    const params = initParams(architectureOf(issueNetwork(hidden)), INPUT_DIM, width, data.outputs, 7919 * width + s);
    let test: ArrayLike<number>;
    if (which === 'engine') {
      const model = await engineModel(params, data, optimizer, learningRate);
      try {
        for (let t = 0; t < steps; t++) await model.step();
        test = await model.predict('test');
      } finally {
        model.dispose();
      }
    } else {
      const model = referenceModel(independentInit(params, 31 * width + s), data, optimizer, learningRate);
      for (let t = 0; t < steps; t++) model.step();
      test = model.predict('test');
    }
    sum += rmse(test, limit);
  }
  return sum / seeds;
}
