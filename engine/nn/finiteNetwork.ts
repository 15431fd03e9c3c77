/**
 * Finite networks in tfjs, functional: parameters are plain data (`NetworkParams`), turned into
 * tensors or variables on demand, and `applyNetwork` is a pure function of (layers, tensors, x), so
 * training code can differentiate it with tf.grads / tf.variableGrads over any subset of tensors.
 *
 * SCIENCE.md section 2, for layer l = 1..L+1 with fan-in n_{l-1} (n_0 = d) and x_0 = x:
 *   NTK:      raw W_l, b_l ~ N(0, 1);            h_l = (wStd/sqrt(n_{l-1})) x_{l-1} W_l + bStd b_l
 *   standard: W_l ~ N(0, wStd^2/n_{l-1}), b_l ~ N(0, bStd^2);  h_l = x_{l-1} W_l + b_l
 *   x_l = phi_l(h_l) for hidden layers; f = h_{L+1}.
 * Both draw the same standard normals from the same seed, so they are the same function at init.
 * A layer with bStd = 0 has no bias parameter. Shapes: x [n, d], W_l [n_{l-1}, n_l] (row-major, so
 * the forward pass is a plain matMul, tfjs-wasm's fast path), b_l [n_l], f [n, outputs].
 */
import * as tf from '@tensorflow/tfjs';
import { Activation, Parametrization } from '../experiment/experimentTypes';
import { Rng } from '../util/rng';
import { Architecture } from './architecture';
import { applyActivations } from './activationOps';

/** One dense layer of a concrete network. */
export interface DenseShape {
  fanIn: number;
  fanOut: number;
  wStd: number;
  bStd: number;
  /** Forward multipliers: h = wScale (x W) + bScale b. NTK: wStd/sqrt(fanIn) and bStd; standard: 1 and 1. */
  wScale: number;
  bScale: number;
  hasBias: boolean;
  /** Applied to h after this layer, in order; empty for the readout (and for dense-dense). */
  activations: Activation[];
}

/** A network's parameters as plain float32 data: layers[0..L-1] hidden, layers[L] the readout. */
export interface NetworkParams {
  parametrization: Parametrization;
  inputDim: number;
  outputs: number;
  layers: DenseShape[];
  /** W_l, row-major [fanIn, fanOut]. */
  weights: Float32Array[];
  /** b_l [fanOut], or null when the layer has no bias. */
  biases: (Float32Array | null)[];
}

/** The same parameters as tensors (or variables); owned by whoever made them. */
export interface NetworkTensors {
  weights: tf.Tensor2D[];
  biases: (tf.Tensor1D | null)[];
}

/** Layer shapes for `arch` on inputs of dimension `inputDim`: hidden dense layers take their own width, else `width`. */
export function networkLayers(arch: Architecture, inputDim: number, width: number, outputs: number): DenseShape[] {
  checkSize('input dimension', inputDim);
  checkSize('width', width);
  checkSize('outputs', outputs);
  const ntk = arch.parametrization === 'ntk';
  const blocks = [...arch.hidden.map((b) => ({ dense: b.dense, activations: b.activations, out: b.dense.width ?? width })),
    { dense: arch.readout, activations: [] as Activation[], out: outputs }];
  let fanIn = inputDim;
  return blocks.map(({ dense, activations, out }) => {
    const shape: DenseShape = {
      fanIn,
      fanOut: out,
      wStd: dense.wStd,
      bStd: dense.bStd,
      wScale: ntk ? dense.wStd / Math.sqrt(fanIn) : 1,
      bScale: ntk ? dense.bStd : 1,
      hasBias: dense.bStd !== 0,
      activations: [...activations],
    };
    fanIn = out;
    return shape;
  });
}

/**
 * Draws a network's parameters from `seed` with the project's Rng (Rng.derive(seed, 'dense', l, 'W'|'b')),
 * so the same seed gives bit-identical parameters on every backend.
 */
export function initParams(arch: Architecture, inputDim: number, width: number, outputs: number, seed: number): NetworkParams {
  const layers = networkLayers(arch, inputDim, width, outputs);
  const ntk = arch.parametrization === 'ntk';
  const weights = layers.map((layer, l) =>
    Rng.derive(seed, 'dense', l, 'W').normals(layer.fanIn * layer.fanOut, ntk ? 1 : layer.wStd / Math.sqrt(layer.fanIn)) as Float32Array,
  );
  const biases = layers.map((layer, l) =>
    layer.hasBias ? (Rng.derive(seed, 'dense', l, 'b').normals(layer.fanOut, ntk ? 1 : layer.bStd) as Float32Array) : null,
  );
  return { parametrization: arch.parametrization, inputDim, outputs, layers, weights, biases };
}

/** Number of scalar parameters. */
export function paramCount(params: NetworkParams): number {
  return params.layers.reduce((sum, l) => sum + l.fanIn * l.fanOut + (l.hasBias ? l.fanOut : 0), 0);
}

/** Fresh constant tensors of the parameters. */
export function toTensors(params: NetworkParams): NetworkTensors {
  return {
    weights: params.layers.map((l, i) => tf.tensor2d(params.weights[i], [l.fanIn, l.fanOut])),
    biases: params.layers.map((l, i) => (params.biases[i] ? tf.tensor1d(params.biases[i]!) : null)),
  };
}

/**
 * Variables of the parameters for training. `trainable` 'readout' marks only the last layer
 * trainable (feature learning off); `trainableList` is what to hand to tf.variableGrads.
 */
export function toVariables(params: NetworkParams, trainable: 'all' | 'readout' = 'all'): NetworkTensors & { trainableList: tf.Variable[] } {
  const last = params.layers.length - 1;
  const isTrainable = (l: number) => trainable === 'all' || l === last;
  // tf.variable shares the initial tensor's data and does not free it: tidy does.
  const weights = params.layers.map((l, i) => tf.tidy(() => tf.variable(tf.tensor2d(params.weights[i], [l.fanIn, l.fanOut]), isTrainable(i))));
  const biases = params.layers.map((_, i) => (params.biases[i] ? tf.tidy(() => tf.variable(tf.tensor1d(params.biases[i]!), isTrainable(i))) : null));
  const trainableList = params.layers.flatMap((_, i) => (isTrainable(i) ? [weights[i], ...(biases[i] ? [biases[i]!] : [])] : []));
  return { weights: weights as tf.Variable<tf.Rank.R2>[], biases: biases as (tf.Variable<tf.Rank.R1> | null)[], trainableList };
}

/** Copies tensors back into plain parameters (e.g. after training), keeping the layer shapes. */
export async function readParams(params: NetworkParams, tensors: NetworkTensors): Promise<NetworkParams> {
  const weights = await Promise.all(tensors.weights.map(async (t) => Float32Array.from(await t.data())));
  const biases = await Promise.all(tensors.biases.map(async (t) => (t ? Float32Array.from(await t.data()) : null)));
  return { ...params, weights, biases };
}

/** The tensors in a fixed order (W_1, b_1?, W_2, b_2?, ...): the list form tf.grads wants. */
export function flattenTensors(tensors: NetworkTensors): tf.Tensor[] {
  return tensors.weights.flatMap((w, i) => (tensors.biases[i] ? [w, tensors.biases[i]!] : [w]));
}

/** Inverse of flattenTensors for the given layers. */
export function unflattenTensors(layers: readonly DenseShape[], list: readonly tf.Tensor[]): NetworkTensors {
  const weights: tf.Tensor2D[] = [];
  const biases: (tf.Tensor1D | null)[] = [];
  let k = 0;
  for (const layer of layers) {
    weights.push(list[k++] as tf.Tensor2D);
    biases.push(layer.hasBias ? (list[k++] as tf.Tensor1D) : null);
  }
  if (k !== list.length) throw new RangeError(`unflattenTensors: expected ${k} tensors, got ${list.length}`);
  return { weights, biases };
}

export function disposeTensors(tensors: NetworkTensors): void {
  for (const w of tensors.weights) w.dispose();
  for (const b of tensors.biases) b?.dispose();
}

/** h = wScale (x W) + bScale b for one layer. x [n, fanIn] -> [n, fanOut]. */
export function denseForward(layer: DenseShape, w: tf.Tensor2D, b: tf.Tensor1D | null, x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    let h: tf.Tensor2D = tf.matMul(x, w);
    if (layer.wScale !== 1) h = tf.mul(h, layer.wScale);
    if (b) h = tf.add(h, layer.bScale !== 1 ? tf.mul(b, layer.bScale) : b);
    return h;
  });
}

/** f(x): x [n, inputDim] -> [n, outputs]. */
export function applyNetwork(layers: readonly DenseShape[], tensors: NetworkTensors, x: tf.Tensor2D): tf.Tensor2D {
  checkInput(layers, x);
  return tf.tidy(() => {
    let current = x;
    layers.forEach((layer, l) => {
      const h = denseForward(layer, tensors.weights[l], tensors.biases[l], current);
      current = l === layers.length - 1 ? h : (applyActivations(layer.activations, h) as tf.Tensor2D);
    });
    return current;
  });
}

/** Every layer's input x_{l-1} and pre-activation h_l, l = 1..L+1 (h_{L+1} = f). The caller disposes them all. */
export interface NetworkTrace {
  /** inputs[l] = x_l for l = 0..L (x_0 = x itself, cloned), [n, fanIn of layer l+1]. */
  inputs: tf.Tensor2D[];
  /** preActivations[l] = h_{l+1}, [n, fanOut of layer l+1]; the last one is f. */
  preActivations: tf.Tensor2D[];
}

export function applyNetworkTrace(layers: readonly DenseShape[], tensors: NetworkTensors, x: tf.Tensor2D): NetworkTrace {
  checkInput(layers, x);
  const inputs: tf.Tensor2D[] = [x.clone()];
  const preActivations: tf.Tensor2D[] = [];
  layers.forEach((layer, l) => {
    const h = denseForward(layer, tensors.weights[l], tensors.biases[l], inputs[l]);
    preActivations.push(h);
    if (l < layers.length - 1) inputs.push(applyActivations(layer.activations, h) as tf.Tensor2D);
  });
  return { inputs, preActivations };
}

export function disposeTrace(trace: NetworkTrace): void {
  for (const t of [...trace.inputs, ...trace.preActivations]) t.dispose();
}

function checkInput(layers: readonly DenseShape[], x: tf.Tensor2D): void {
  if (x.rank !== 2 || x.shape[1] !== layers[0].fanIn) {
    throw new RangeError(`network: inputs must have shape [n, ${layers[0].fanIn}], got [${x.shape.join(', ')}]`);
  }
}

function checkSize(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`network: ${what} must be a positive integer, got ${value}`);
}
