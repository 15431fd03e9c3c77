/**
 * The linearized network (SCIENCE.md section 6): f_lin(x) = f_0(x) + J_0(x) (theta - theta_0), with
 * J_0 the Jacobian of f at the initial parameters theta_0. The trainable tensors are the deltas
 * dtheta = theta - theta_0 (zero at init), with the same shapes and Adam width scales as theta.
 *
 * J_0(x) dtheta is an explicit forward-mode tangent pass (engine/train/finiteMlp.ts denseTangent)
 * through the network frozen at theta_0, using the stored forward trace x_l(x) and phi'(h_l(x)) at
 * theta_0. f_lin is linear in dtheta, so its gradient is J_0^T chi: the ordinary backward pass at
 * theta_0 over the same trace (tested against tf.grads of the tangent pass).
 *
 * Centered (the default) the model is J_0(x) dtheta; otherwise f_0(x) + J_0(x) dtheta.
 * Memory: the training set's trace, N (d + 2 L n) floats, is kept; the test set's is recomputed in
 * chunks whenever predictions are asked for.
 */
import * as tf from '@tensorflow/tfjs';
import { denseForward, type DenseShape } from '../nn/finiteNetwork';
import { denseInputGradient, denseParamGradients, denseTangent, hiddenForward, lossGradientTensor } from './finiteMlp';
import {
  indexTensor,
  ROW_CHUNK,
  pick,
  readRowChunks,
  rowSlice,
  slotsFor,
  TensorBag,
  type Checkpoint,
  type FiniteModel,
  type FiniteSetup,
  type Split,
} from './finiteModels';
import { makeOptimizer, type Optimizer, type ParamSlot } from './optimizers';

/** The forward pass at theta_0 of some rows: inputs x_0..x_L, derivatives phi'(h_1..h_L), output f_0. */
export interface LinearizationTrace {
  inputs: tf.Tensor2D[];
  derivs: tf.Tensor2D[];
  output: tf.Tensor2D;
}

export class LinearizedModel implements FiniteModel {
  readonly slots: ParamSlot[];
  readonly slotNames: string[];
  private readonly w0: tf.Tensor2D[];
  private readonly b0: (tf.Tensor1D | null)[];
  private readonly dW: tf.Variable<tf.Rank.R2>[];
  private readonly db: (tf.Variable<tf.Rank.R1> | null)[];
  private readonly weightSlot: number[];
  private readonly biasSlot: (number | null)[];
  private readonly optimizer: Optimizer;
  private trainTrace!: LinearizationTrace;
  private readonly bag = new TensorBag();

  private constructor(private readonly setup: FiniteSetup) {
    const { params } = setup;
    try {
      this.w0 = params.layers.map((l, i) => this.bag.keep(tf.tensor2d(params.weights[i], [l.fanIn, l.fanOut])));
      this.b0 = params.layers.map((_, i) => (params.biases[i] ? this.bag.keep(tf.tensor1d(params.biases[i]!)) : null));
      // tf.variable keeps its initial tensor alive; tidy frees it.
      this.dW = params.layers.map((l) => this.bag.keep(tf.tidy(() => tf.variable(tf.zeros([l.fanIn, l.fanOut]) as tf.Tensor2D))));
      this.db = params.layers.map((l) => (l.hasBias ? this.bag.keep(tf.tidy(() => tf.variable(tf.zeros([l.fanOut]) as tf.Tensor1D))) : null));
      const s = slotsFor(params, params.layers.map((_, i) => i), (l) => this.dW[l], (l) => this.db[l]);
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

  static async create(setup: FiniteSetup, checkpoint: Checkpoint): Promise<LinearizedModel> {
    const model = new LinearizedModel(setup);
    const parts: LinearizationTrace[] = [];
    try {
      // The train trace, computed in row chunks, then assembled per layer.
      const x = setup.xTrain;
      const n = x.shape[0];
      for (let start = 0; start < n; start += ROW_CHUNK) {
        const size = Math.min(ROW_CHUNK, n - start);
        parts.push(tf.tidy(() => model.trace(rowSlice(x, start, size)) as unknown as tf.TensorContainer) as unknown as LinearizationTrace);
        await checkpoint();
      }
      const join = (pickOne: (t: LinearizationTrace) => tf.Tensor2D) => model.bag.keep(tf.concat(parts.map(pickOne), 0));
      model.trainTrace = {
        inputs: parts[0].inputs.map((_, l) => join((t) => t.inputs[l])),
        derivs: parts[0].derivs.map((_, l) => join((t) => t.derivs[l])),
        output: join((t) => t.output),
      };
      return model;
    } catch (error) {
      model.dispose();
      throw error;
    } finally {
      for (const part of parts) tf.dispose([...part.inputs, ...part.derivs, part.output]);
    }
  }

  private get layers(): DenseShape[] {
    return this.setup.params.layers;
  }

  /** The trace of x at theta_0 (all tensors owned by the caller). */
  trace(x: tf.Tensor2D): LinearizationTrace {
    const layers = this.layers;
    const last = layers.length - 1;
    const inputs: tf.Tensor2D[] = [x.clone()];
    const derivs: tf.Tensor2D[] = [];
    for (let l = 0; l < last; l++) {
      const out = hiddenForward(layers[l], this.w0[l], this.b0[l], inputs[l]);
      inputs.push(out.x);
      derivs.push(out.deriv);
    }
    return { inputs, derivs, output: denseForward(layers[last], this.w0[last], this.b0[last], inputs[last]) };
  }

  /** J_0(x) dtheta over a trace: [rows, k]. */
  tangent(trace: LinearizationTrace): tf.Tensor2D {
    const layers = this.layers;
    return tf.tidy(() => {
      let dh = denseTangent(layers[0], this.w0[0], trace.inputs[0], null, this.dW[0], this.db[0]);
      for (let l = 1; l < layers.length; l++) {
        const dx = tf.mul(trace.derivs[l - 1], dh) as tf.Tensor2D;
        dh = denseTangent(layers[l], this.w0[l], trace.inputs[l], dx, this.dW[l], this.db[l]);
      }
      return dh;
    });
  }

  async step(rows: Int32Array | null, checkpoint: Checkpoint): Promise<void> {
    const { yTrain, loss, centering } = this.setup;
    const layers = this.layers;
    const last = layers.length - 1;
    const owned: tf.Tensor[] = [];
    try {
      const index = indexTensor(rows);
      if (index) owned.push(index);
      const full = this.trainTrace;
      const trace: LinearizationTrace = index
        ? { inputs: full.inputs.map((t) => pick(t, index)), derivs: full.derivs.map((t) => pick(t, index)), output: pick(full.output, index) }
        : full;
      if (index) owned.push(...trace.inputs, ...trace.derivs, trace.output);
      let dh: tf.Tensor2D = tf.tidy(() => {
        const g = this.tangent(trace);
        const f = centering ? g : tf.add(trace.output, g);
        return lossGradientTensor(loss, f as tf.Tensor2D, pick(yTrain, index));
      });
      owned.push(dh);
      await checkpoint();
      this.optimizer.beginStep();
      for (let l = last; l >= 0; l--) {
        const upstream: tf.Tensor2D = dh;
        // The gradient for the layer below uses W_l before its update, so it comes first.
        if (l > 0) {
          dh = denseInputGradient(layers[l], this.w0[l], upstream, trace.derivs[l - 1]);
          owned.push(dh);
          await checkpoint();
        }
        tf.tidy(() => {
          const { dW, db } = denseParamGradients(layers[l], trace.inputs[l], upstream);
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
    const { centering, params } = this.setup;
    if (split === 'train') {
      const full = this.trainTrace;
      return readRowChunks(full.output, params.outputs, (output, start) => {
        const rows = (t: tf.Tensor2D) => rowSlice(t, start, output.shape[0]);
        const trace = { inputs: full.inputs.map(rows), derivs: full.derivs.map(rows), output };
        const g = this.tangent(trace);
        return centering ? g : tf.add(trace.output, g);
      }, checkpoint);
    }
    return readRowChunks(this.setup.xTest, params.outputs, (x) => {
      const trace = this.trace(x);
      const g = this.tangent(trace);
      return centering ? g : tf.add(trace.output, g);
    }, checkpoint);
  }

  dispose(): void {
    this.optimizer?.dispose();
    this.bag.dispose();
  }
}
