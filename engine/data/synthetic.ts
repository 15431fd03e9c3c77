/**
 * Seeded synthetic data sets. Same seed, same data; inputs, parameters and noise each draw from
 * their own stream (Rng.derive(seed, 'synthetic', kind, ...)), so e.g. the teacher does not change
 * with the train size.
 *
 * Inputs (all kinds but the cluster offsets of `gaussians`): x ~ N(0, I_d), one standard normal per
 * coordinate, so |x|^2 / d is about 1, the scale SCIENCE.md's Sigma_1 = w^2 x.x'/d + b^2 expects.
 *
 * - teacher (regression): a random two-layer ReLU network of width H = 64 with N(0,1) weights,
 *     y = sqrt(2/H) * V relu(W x / sqrt(d)),   W: [H, d], V: [outputs, H],
 *   so each target has second moment 1 over inputs and teachers (variance 1 - 1/pi over the inputs
 *   of one teacher, about 0.68; the relu's mean makes a per-teacher offset); plus noise (below).
 * - sine (regression): per output k a random unit direction u_k, y_k = sin(2 u_k.x): u_k.x ~ N(0,1),
 *   so the argument spans a few radians and the target is clearly non-linear; plus noise.
 * - gaussians (classification, `outputs` classes): centres c_k ~ N(0, I_d); an example of class k is
 *   c_k + e with e ~ N(0, I_d). Classes are balanced (counts differ by at most one, order shuffled).
 *
 * noise: regression targets get independent N(0, noise^2) added, on train and test alike (the data
 * distribution, not a training trick). For gaussians, noise is label noise: each label is replaced,
 * with probability noise (so 0 <= noise <= 1), by one of the other classes chosen uniformly; inputs
 * keep their cluster, so noise = 0 is a clean task and noise = 1 - 1/k leaves no signal.
 */
import { IwlError } from '../util/iwlError';
import { Matrix } from '../util/matrix';
import { Rng } from '../util/rng';
import { Dataset, oneHot } from './datasetTypes';

export interface SyntheticSpec {
  kind: 'teacher' | 'sine' | 'gaussians';
  inputDim: number;
  train: number;
  test: number;
  outputs: number;
  noise: number;
}

export const TEACHER_WIDTH = 64;

/** A function from one input (length d) to `outputs` targets. */
export type TargetFunction = (x: ArrayLike<number>) => Float64Array;

export function loadSynthetic(spec: SyntheticSpec, seed: number): Dataset {
  checkSpec(spec);
  const { kind, inputDim: d, train, test, outputs, noise } = spec;
  if (kind === 'gaussians') return gaussians(spec, seed);

  const inputs = Rng.derive(seed, 'synthetic', kind, 'inputs');
  const xTrain = normalMatrix(train, d, inputs);
  const xTest = normalMatrix(test, d, inputs);
  const target = kind === 'teacher' ? teacherFunction(seed, d, outputs) : sineFunction(seed, d, outputs);
  const noiseRng = Rng.derive(seed, 'synthetic', kind, 'noise');
  const what = kind === 'teacher' ? `a random 2-layer relu teacher (width ${TEACHER_WIDTH})` : 'sin(2 u.x) of random unit directions u';
  return {
    task: 'regression',
    inputDim: d,
    outputs,
    classNames: null,
    xTrain,
    yTrain: targetsOf(xTrain, target, outputs, noise, noiseRng),
    labelsTrain: null,
    xTest,
    yTest: targetsOf(xTest, target, outputs, noise, noiseRng),
    labelsTest: null,
    description: `synthetic ${kind}: ${train} train + ${test} test, x ~ N(0, I_${d}), ${outputs} ${outputs === 1 ? 'target' : 'targets'} from ${what}, noise std ${noise} (seed ${seed})`,
  };
}

/** The teacher network of `loadSynthetic({ kind: 'teacher', ... }, seed)`: y = sqrt(2/H) V relu(W x / sqrt(d)). */
export function teacherFunction(seed: number, inputDim: number, outputs: number): TargetFunction {
  const rng = Rng.derive(seed, 'synthetic', 'teacher', 'params');
  const h = TEACHER_WIDTH;
  const w = rng.normals(h * inputDim, 1 / Math.sqrt(inputDim), new Float64Array(h * inputDim));
  const v = rng.normals(outputs * h, Math.sqrt(2 / h), new Float64Array(outputs * h));
  return (x) => {
    const hidden = new Float64Array(h);
    for (let j = 0; j < h; j++) {
      let s = 0;
      for (let i = 0; i < inputDim; i++) s += w[j * inputDim + i] * x[i];
      hidden[j] = s > 0 ? s : 0;
    }
    const y = new Float64Array(outputs);
    for (let k = 0; k < outputs; k++) {
      let s = 0;
      for (let j = 0; j < h; j++) s += v[k * h + j] * hidden[j];
      y[k] = s;
    }
    return y;
  };
}

/** The target of `loadSynthetic({ kind: 'sine', ... }, seed)`: y_k = sin(2 u_k.x), |u_k| = 1. */
export function sineFunction(seed: number, inputDim: number, outputs: number): TargetFunction {
  const rng = Rng.derive(seed, 'synthetic', 'sine', 'params');
  const u = rng.normals(outputs * inputDim, 1, new Float64Array(outputs * inputDim));
  for (let k = 0; k < outputs; k++) {
    const dir = u.subarray(k * inputDim, (k + 1) * inputDim);
    let norm = 0;
    for (let i = 0; i < inputDim; i++) norm += dir[i] * dir[i];
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < inputDim; i++) dir[i] /= norm;
  }
  return (x) => {
    const y = new Float64Array(outputs);
    for (let k = 0; k < outputs; k++) {
      let s = 0;
      for (let i = 0; i < inputDim; i++) s += u[k * inputDim + i] * x[i];
      y[k] = Math.sin(2 * s);
    }
    return y;
  };
}

function gaussians(spec: SyntheticSpec, seed: number): Dataset {
  const { inputDim: d, train, test, outputs: k, noise } = spec;
  const centres = normalMatrix(k, d, Rng.derive(seed, 'synthetic', 'gaussians', 'centres'));
  const rng = Rng.derive(seed, 'synthetic', 'gaussians', 'inputs');
  const labelRng = Rng.derive(seed, 'synthetic', 'gaussians', 'noise');
  const draw = (n: number) => {
    const clusters = Int32Array.from({ length: n }, (_, i) => i % k);
    rng.shuffle(clusters);
    const x = normalMatrix(n, d, rng);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) x.data[i * d + j] += centres.data[clusters[i] * d + j];
    }
    const labels = clusters.map((c) => (k > 1 && labelRng.uniform() < noise ? (c + 1 + labelRng.int(k - 1)) % k : c));
    return { x, labels };
  };
  const tr = draw(train);
  const te = draw(test);
  return {
    task: 'classification',
    inputDim: d,
    outputs: k,
    classNames: Array.from({ length: k }, (_, c) => `class ${c}`),
    xTrain: tr.x,
    yTrain: oneHot(tr.labels, k),
    labelsTrain: tr.labels,
    xTest: te.x,
    yTest: oneHot(te.labels, k),
    labelsTest: te.labels,
    description: `synthetic gaussians: ${k} balanced classes, ${train} train + ${test} test in ${d} dimensions, centres ~ N(0, I), unit spread, label noise ${noise} (seed ${seed})`,
  };
}

/** [n, d] float32 of independent standard normals. */
function normalMatrix(n: number, d: number, rng: Rng): Matrix {
  return { rows: n, cols: d, data: rng.normals(n * d, 1, new Float32Array(n * d)) };
}

/** Targets f(x_i) + N(0, noise^2) per entry, computed from the float32 inputs the model will see. */
function targetsOf(x: Matrix, f: TargetFunction, outputs: number, noise: number, rng: Rng): Matrix {
  const data = new Float32Array(x.rows * outputs);
  for (let i = 0; i < x.rows; i++) {
    const y = f(x.data.subarray(i * x.cols, (i + 1) * x.cols));
    for (let k = 0; k < outputs; k++) data[i * outputs + k] = y[k] + (noise > 0 ? noise * rng.normal() : 0);
  }
  return { rows: x.rows, cols: outputs, data };
}

function checkSpec(spec: SyntheticSpec): void {
  const positive: [string, number][] = [['inputDim', spec.inputDim], ['train', spec.train], ['outputs', spec.outputs]];
  for (const [key, value] of positive) {
    if (!Number.isInteger(value) || value < 1) throw new IwlError('DATA_BAD_SIZE', `synthetic: ${key} must be an integer >= 1, got ${JSON.stringify(value)}`);
  }
  if (!Number.isInteger(spec.test) || spec.test < 0) throw new IwlError('DATA_BAD_SIZE', `synthetic: test must be an integer >= 0, got ${JSON.stringify(spec.test)}`);
  if (!Number.isFinite(spec.noise) || spec.noise < 0) throw new IwlError('DATA_BAD_NOISE', `synthetic: noise must be a number >= 0, got ${JSON.stringify(spec.noise)}`);
  if (spec.kind === 'gaussians' && spec.noise > 1) {
    throw new IwlError('DATA_BAD_NOISE', `synthetic gaussians: noise is the probability of a flipped label and must be at most 1, got ${spec.noise}`);
  }
  if (spec.kind === 'gaussians' && spec.outputs < 2) {
    throw new IwlError('DATA_BAD_SIZE', `synthetic gaussians: outputs is the number of classes and must be at least 2, got ${spec.outputs}`);
  }
}
