/**
 * Finite models as the trainer drives them: one optimization step on a batch of training rows,
 * and predictions on the train or test set. Two of the three `trainable` modes live here:
 *   all      every layer trains: forward pass at the current parameters, hand-written backward pass
 *   readout  hidden layers frozen at init: the features x_L are computed once, and the readout
 *            (a linear model on them) trains
 * (linearized is in engine/train/linearized.ts.)
 *
 * Centering (SCIENCE.md section 2): the model IS g(x) = f(x) - f_init(x); the loss and its gradient
 * are taken on g, and g is what is reported. Since f_init is a constant, dg/dtheta = df/dtheta, and
 * g_0 = 0 exactly, so the infinite-width limit of g_t is deterministic (NTK, NNGP, Adam limit).
 * Without centering the model is f itself.
 *
 * Work is split into stages (a layer, a chunk of rows) separated by `checkpoint()`, which lets the
 * event loop deliver a cancellation and throws CancelledError: a long step stops mid-way.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossName, OptimizerSpec } from '../experiment/experimentTypes';
import { applyNetwork, denseForward, type DenseShape, type NetworkParams } from '../nn/finiteNetwork';
import { denseInputGradient, denseParamGradients, hiddenForward, lossGradientTensor } from './finiteMlp';
import { adamWidthScales, makeOptimizer, type Optimizer, type ParamSlot } from './optimizers';

/** Awaited between stages: yields to the event loop now and then, throws CancelledError when asked to stop. */
export type Checkpoint = () => Promise<void>;

export type Split = 'train' | 'test';

export interface FiniteSetup {
  params: NetworkParams;
  loss: LossName;
  centering: boolean;
  optimizer: OptimizerSpec;
  learningRate: number;
  /** [N, d], [N, k], [N*, d]: owned by the caller. */
  xTrain: tf.Tensor2D;
  yTrain: tf.Tensor2D;
  xTest: tf.Tensor2D;
}

export interface FiniteModel {
  /** Trainable tensors with their width scales (Adam's s_P), named W1, b1, ..., for the report. */
  readonly slotNames: string[];
  readonly slots: ParamSlot[];
  /** One optimization step on the training rows `rows` (null: all rows, in order). */
  step(rows: Int32Array | null, checkpoint: Checkpoint): Promise<void>;
  /** Model outputs (centered if asked) on a whole split, row-major [rows, k]. */
  predict(split: Split, checkpoint: Checkpoint): Promise<Float32Array>;
  dispose(): void;
}

/** Rows per chunk when a whole split goes through the network (bounds memory and cancellation latency). */
export const ROW_CHUNK = 512;

/** Tensors to free together. */
export class TensorBag {
  private items: tf.Tensor[] = [];
  keep<T extends tf.Tensor>(tensor: T): T {
    this.items.push(tensor);
    return tensor;
  }
  dispose(): void {
    for (const t of this.items) t.dispose();
    this.items = [];
  }
}

/** Trainable slots for layers' weights and biases with their Adam width scales, named W1, b1, W2, .... */
export function slotsFor(
  params: NetworkParams,
  layerIndices: readonly number[],
  weightOf: (l: number) => tf.Variable,
  biasOf: (l: number) => tf.Variable | null,
): { slots: ParamSlot[]; names: string[]; weightSlot: number[]; biasSlot: (number | null)[] } {
  const scales = adamWidthScales(params.layers, params.parametrization);
  const slots: ParamSlot[] = [];
  const names: string[] = [];
  const weightSlot: number[] = [];
  const biasSlot: (number | null)[] = [];
  for (const l of layerIndices) {
    weightSlot[l] = slots.push({ variable: weightOf(l), scale: scales[l].weight }) - 1;
    names.push(`W${l + 1}`);
    const b = biasOf(l);
    biasSlot[l] = b ? slots.push({ variable: b, scale: scales[l].bias }) - 1 : null;
    if (b) names.push(`b${l + 1}`);
  }
  return { slots, names, weightSlot, biasSlot };
}

/** Runs `fn` on row chunks of x and concatenates the results along rows into one tensor (caller owns it). */
export async function mapRowChunks(x: tf.Tensor2D, fn: (chunk: tf.Tensor2D, start: number) => tf.Tensor2D, checkpoint: Checkpoint): Promise<tf.Tensor2D> {
  const n = x.shape[0];
  if (n <= ROW_CHUNK) return tf.tidy(() => fn(x, 0));
  const parts: tf.Tensor2D[] = [];
  try {
    for (let start = 0; start < n; start += ROW_CHUNK) {
      const size = Math.min(ROW_CHUNK, n - start);
      parts.push(tf.tidy(() => fn(tf.slice(x, [start, 0], [size, x.shape[1]]), start)));
      await checkpoint();
    }
    return tf.concat(parts, 0);
  } finally {
    tf.dispose(parts);
  }
}

/** Same, reading each chunk's values straight into one row-major Float32Array. */
export async function readRowChunks(x: tf.Tensor2D, cols: number, fn: (chunk: tf.Tensor2D, start: number) => tf.Tensor2D, checkpoint: Checkpoint): Promise<Float32Array> {
  const n = x.shape[0];
  const out = new Float32Array(n * cols);
  for (let start = 0; start < n; start += ROW_CHUNK) {
    const size = Math.min(ROW_CHUNK, n - start);
    const part = tf.tidy(() => fn(size === n ? x : tf.slice(x, [start, 0], [size, x.shape[1]]), start));
    try {
      out.set(await part.data(), start * cols);
    } finally {
      part.dispose();
    }
    await checkpoint();
  }
  return out;
}

/** Rows `start .. start + size` of t (t itself when that is all of it; tidy frees the slice). */
export function rowSlice(t: tf.Tensor2D, start: number, size: number): tf.Tensor2D {
  return start === 0 && size === t.shape[0] ? t : tf.slice(t, [start, 0], [size, t.shape[1]]);
}

/** A rows index tensor, or null for "all rows". */
export function indexTensor(rows: Int32Array | null): tf.Tensor1D | null {
  return rows ? tf.tensor1d(Int32Array.from(rows), 'int32') : null;
}

export function pick<T extends tf.Tensor>(t: T, index: tf.Tensor1D | null): T {
  return index ? (tf.gather(t, index) as T) : t;
}

/** Every layer trains. */
export class AllLayersModel implements FiniteModel {
  readonly slots: ParamSlot[];
  readonly slotNames: string[];
  private readonly weights: tf.Variable<tf.Rank.R2>[];
  private readonly biases: (tf.Variable<tf.Rank.R1> | null)[];
  private readonly optimizer: Optimizer;
  private readonly weightSlot: number[];
  private readonly biasSlot: (number | null)[];
  private fInit: Record<Split, tf.Tensor2D> | null = null;
  private readonly bag = new TensorBag();

  private constructor(private readonly setup: FiniteSetup) {
    const { params } = setup;
    try {
      this.weights = params.layers.map((l, i) =>
        this.bag.keep(tf.tidy(() => tf.variable(tf.tensor2d(params.weights[i], [l.fanIn, l.fanOut])))),
      );
      this.biases = params.layers.map((_, i) => (params.biases[i] ? this.bag.keep(tf.tidy(() => tf.variable(tf.tensor1d(params.biases[i]!)))) : null));
      const all = params.layers.map((_, i) => i);
      const s = slotsFor(params, all, (l) => this.weights[l], (l) => this.biases[l]);
      this.slots = s.slots;
      this.slotNames = s.names;
      this.weightSlot = s.weightSlot;
      this.biasSlot = s.biasSlot;
      this.optimizer = makeOptimizer(setup.optimizer, setup.learningRate, this.slots);
    } catch (error) {
      this.bag.dispose();
      throw error;
    }
  }

  static async create(setup: FiniteSetup, checkpoint: Checkpoint): Promise<AllLayersModel> {
    const model = new AllLayersModel(setup);
    try {
      if (setup.centering) {
        const k = setup.params.outputs;
        const train = model.bag.keep(await mapRowChunks(setup.xTrain, (x) => model.forward(x), checkpoint));
        const test = model.bag.keep(await mapRowChunks(setup.xTest, (x) => model.forward(x), checkpoint));
        if (train.shape[1] !== k) throw new RangeError(`finite model: expected ${k} outputs, got ${train.shape[1]}`);
        model.fInit = { train, test };
      }
      return model;
    } catch (error) {
      model.dispose();
      throw error;
    }
  }

  private get layers(): DenseShape[] {
    return this.setup.params.layers;
  }

  private forward(x: tf.Tensor2D): tf.Tensor2D {
    return applyNetwork(this.layers, { weights: this.weights, biases: this.biases }, x);
  }

  async step(rows: Int32Array | null, checkpoint: Checkpoint): Promise<void> {
    const { xTrain, yTrain, loss } = this.setup;
    const layers = this.layers;
    const last = layers.length - 1;
    const owned: tf.Tensor[] = [];
    const own = <T extends tf.Tensor>(t: T): T => {
      owned.push(t);
      return t;
    };
    try {
      const index = indexTensor(rows);
      if (index) own(index);
      const inputs: tf.Tensor2D[] = [index ? own(pick(xTrain, index)) : xTrain];
      const derivs: tf.Tensor2D[] = [];
      for (let l = 0; l < last; l++) {
        const { x, deriv } = hiddenForward(layers[l], this.weights[l], this.biases[l], inputs[l]);
        inputs.push(own(x));
        derivs.push(own(deriv));
        await checkpoint();
      }
      let dh: tf.Tensor2D = own(
        tf.tidy(() => {
          let f = denseForward(layers[last], this.weights[last], this.biases[last], inputs[last]);
          if (this.fInit) f = tf.sub(f, pick(this.fInit.train, index));
          return lossGradientTensor(loss, f, pick(yTrain, index));
        }),
      );
      this.optimizer.beginStep();
      for (let l = last; l >= 0; l--) {
        const upstream: tf.Tensor2D = dh;
        // The gradient for the layer below uses W_l before its update, so it comes first.
        if (l > 0) {
          dh = denseInputGradient(layers[l], this.weights[l], upstream, derivs[l - 1]);
          owned.push(dh);
          await checkpoint();
        }
        tf.tidy(() => {
          const { dW, db } = denseParamGradients(layers[l], inputs[l], upstream);
          this.optimizer.update(this.weightSlot[l], dW);
          if (db) this.optimizer.update(this.biasSlot[l]!, db);
        });
        await checkpoint();
      }
    } finally {
      tf.dispose(owned);
    }
  }

  predict(split: Split, checkpoint: Checkpoint): Promise<Float32Array> {
    const x = split === 'train' ? this.setup.xTrain : this.setup.xTest;
    const fInit = this.fInit?.[split];
    return readRowChunks(x, this.setup.params.outputs, (chunk, start) => {
      const f = this.forward(chunk);
      return fInit ? tf.sub(f, rowSlice(fInit, start, chunk.shape[0])) : f;
    }, checkpoint);
  }

  dispose(): void {
    this.optimizer?.dispose();
    this.bag.dispose();
  }
}

/**
 * Readout only: x_L(x) is computed once with the hidden layers at init; the model is
 * f(x) = a x_L W + c b, a linear model whose kernel (a^2 x_L x_L'^T + c^2) tends to the NNGP.
 */
export class ReadoutModel implements FiniteModel {
  readonly slots: ParamSlot[];
  readonly slotNames: string[];
  private readonly weight: tf.Variable<tf.Rank.R2>;
  private readonly bias: tf.Variable<tf.Rank.R1> | null;
  private readonly optimizer: Optimizer;
  private features!: Record<Split, tf.Tensor2D>;
  private fInit: Record<Split, tf.Tensor2D> | null = null;
  private readonly bag = new TensorBag();

  private constructor(private readonly setup: FiniteSetup) {
    const { params } = setup;
    const last = params.layers.length - 1;
    const shape = params.layers[last];
    try {
      this.weight = this.bag.keep(tf.tidy(() => tf.variable(tf.tensor2d(params.weights[last], [shape.fanIn, shape.fanOut]))));
      this.bias = params.biases[last] ? this.bag.keep(tf.tidy(() => tf.variable(tf.tensor1d(params.biases[last]!)))) : null;
      const s = slotsFor(params, [last], () => this.weight, () => this.bias);
      this.slots = s.slots;
      this.slotNames = s.names;
      this.optimizer = makeOptimizer(setup.optimizer, setup.learningRate, this.slots);
    } catch (error) {
      this.bag.dispose();
      throw error;
    }
  }

  static async create(setup: FiniteSetup, checkpoint: Checkpoint): Promise<ReadoutModel> {
    const model = new ReadoutModel(setup);
    const { params } = setup;
    const hidden = params.layers.slice(0, -1);
    const frozen = new TensorBag();
    try {
      const w = hidden.map((l, i) => frozen.keep(tf.tensor2d(params.weights[i], [l.fanIn, l.fanOut])));
      const b = hidden.map((_, i) => (params.biases[i] ? frozen.keep(tf.tensor1d(params.biases[i]!)) : null));
      // x_L(x); a network with no hidden layer has x_L = x (a copy: the bag frees it).
      const features = (x: tf.Tensor2D): tf.Tensor2D =>
        hidden.reduce((h, layer, i) => {
          const out = hiddenForward(layer, w[i], b[i], h);
          out.deriv.dispose();
          return out.x;
        }, x.clone());
      const train = model.bag.keep(await mapRowChunks(setup.xTrain, features, checkpoint));
      const test = model.bag.keep(await mapRowChunks(setup.xTest, features, checkpoint));
      model.features = { train, test };
      if (setup.centering) {
        model.fInit = { train: model.bag.keep(model.readout(train)), test: model.bag.keep(model.readout(test)) };
      }
      return model;
    } catch (error) {
      model.dispose();
      throw error;
    } finally {
      frozen.dispose();
    }
  }

  private readout(features: tf.Tensor2D): tf.Tensor2D {
    const layers = this.setup.params.layers;
    return denseForward(layers[layers.length - 1], this.weight, this.bias, features);
  }

  async step(rows: Int32Array | null, checkpoint: Checkpoint): Promise<void> {
    const { yTrain, loss, params } = this.setup;
    const layer = params.layers[params.layers.length - 1];
    tf.tidy(() => {
      const index = indexTensor(rows);
      const x = pick(this.features.train, index);
      let f = this.readout(x);
      if (this.fInit) f = tf.sub(f, pick(this.fInit.train, index));
      const chi = lossGradientTensor(loss, f, pick(yTrain, index));
      const { dW, db } = denseParamGradients(layer, x, chi);
      this.optimizer.beginStep();
      this.optimizer.update(0, dW);
      if (db) this.optimizer.update(1, db);
    });
    await checkpoint();
  }

  predict(split: Split, checkpoint: Checkpoint): Promise<Float32Array> {
    const fInit = this.fInit?.[split];
    return readRowChunks(this.features[split], this.setup.params.outputs, (chunk, start) => {
      const f = this.readout(chunk);
      return fInit ? tf.sub(f, rowSlice(fInit, start, chunk.shape[0])) : f;
    }, checkpoint);
  }

  dispose(): void {
    this.optimizer?.dispose();
    this.bag.dispose();
  }
}
