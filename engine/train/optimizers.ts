/**
 * Optimizers for finite networks over tf.Variables, written out (not tf.train.*) so that the
 * width scaling of Adam is explicit. Each trainable tensor P has a width scale s_P; g = dL/dP.
 *
 *   sgd:       P <- P - eta g
 *   momentum:  m <- mu m + g;  P <- P - eta m          (heavy ball, as the kernel momentum
 *              m_t = mu m_{t-1} + chi_t, f <- f - eta Theta m_t of engine/train/kernelDynamics.ts)
 *   adam:      g~ = s_P g (the normalized gradient, O(1) at any width);
 *              m <- b1 m + (1 - b1) g~;  v <- b2 v + (1 - b2) g~^2;
 *              Q = (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps);  P <- P - (eta / s_P) Q
 *
 * Under the NTK parametrization s_P is n for hidden-to-hidden matrices, sqrt(n) for the input matrix,
 * the readout matrix and hidden biases, and 1 for the output bias (docs/SCIENCE.md section 5, derived in
 * 5.1): the per-parameter steps are then eta/n, eta/sqrt(n), eta, which is what gives Adam an
 * infinite-width limit (5.2). eps is in g~'s units (eps / s_P on raw gradients). With s_P = 1
 * (standard parametrization) this is plain Adam. SGD and momentum need no scale: with Q = identity the
 * scales cancel, and SGD on g~ with steps eta / s_P is SGD with learning rate eta on every parameter.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerSpec } from '../experiment/experimentTypes';
import type { DenseShape } from '../nn/finiteNetwork';

/** One trainable tensor and its width scale s_P (used by Adam only). */
export interface ParamSlot {
  variable: tf.Variable;
  scale: number;
}

export interface Optimizer {
  /** Starts optimization step t + 1 (Adam's bias correction counts steps from 1). */
  beginStep(): void;
  /** Updates slot `index` with its gradient (same shape as the variable). Call inside tf.tidy. */
  update(index: number, gradient: tf.Tensor): void;
  /** Frees the optimizer's state (momentum buffers, Adam moments). */
  dispose(): void;
}

export function makeOptimizer(spec: OptimizerSpec, learningRate: number, slots: readonly ParamSlot[]): Optimizer {
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw new RangeError(`optimizer ${spec.name}: learning rate must be a positive number, got ${learningRate}`);
  }
  switch (spec.name) {
    case 'sgd':
      return new Sgd(learningRate, slots);
    case 'momentum':
      return new Momentum(learningRate, spec.momentum, slots);
    case 'adam':
      return new Adam(learningRate, spec.beta1, spec.beta2, spec.eps, slots);
  }
}

class Sgd implements Optimizer {
  constructor(
    private readonly eta: number,
    private readonly slots: readonly ParamSlot[],
  ) {}
  beginStep(): void {}
  update(index: number, gradient: tf.Tensor): void {
    const p = this.slots[index].variable;
    p.assign(tf.sub(p, tf.mul(gradient, this.eta)));
  }
  dispose(): void {}
}

class Momentum implements Optimizer {
  private readonly velocity: tf.Variable[];
  constructor(
    private readonly eta: number,
    private readonly mu: number,
    private readonly slots: readonly ParamSlot[],
  ) {
    this.velocity = slots.map((s) => tf.tidy(() => tf.variable(tf.zerosLike(s.variable), false)));
  }
  beginStep(): void {}
  update(index: number, gradient: tf.Tensor): void {
    const p = this.slots[index].variable;
    const m = this.velocity[index];
    m.assign(tf.add(tf.mul(m, this.mu), gradient));
    p.assign(tf.sub(p, tf.mul(m, this.eta)));
  }
  dispose(): void {
    for (const v of this.velocity) v.dispose();
  }
}

class Adam implements Optimizer {
  private readonly first: tf.Variable[];
  private readonly second: tf.Variable[];
  private t = 0;
  constructor(
    private readonly eta: number,
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly eps: number,
    private readonly slots: readonly ParamSlot[],
  ) {
    this.first = slots.map((s) => tf.tidy(() => tf.variable(tf.zerosLike(s.variable), false)));
    this.second = slots.map((s) => tf.tidy(() => tf.variable(tf.zerosLike(s.variable), false)));
  }
  beginStep(): void {
    this.t++;
  }
  update(index: number, gradient: tf.Tensor): void {
    const { variable: p, scale } = this.slots[index];
    const m = this.first[index];
    const v = this.second[index];
    const g = scale === 1 ? gradient : tf.mul(gradient, scale);
    m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
    v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
    const c1 = 1 - Math.pow(this.beta1, this.t);
    const c2 = 1 - Math.pow(this.beta2, this.t);
    const q = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), this.eps));
    p.assign(tf.sub(p, tf.mul(q, this.eta / scale)));
  }
  dispose(): void {
    for (const v of [...this.first, ...this.second]) v.dispose();
  }
}

/**
 * Width scales s_P of a dense network's weight and bias of layer i (0-based; the last layer is the
 * readout): a matrix gets sqrt(fan) for each of its two sides that is a hidden layer (the input
 * dimension and the outputs do not grow with width), a bias sqrt(fanOut) if hidden, else 1. With all
 * hidden widths n: hidden-to-hidden n, input and readout matrices sqrt(n), hidden biases sqrt(n),
 * output bias 1. Standard parametrization: all 1 (plain Adam).
 */
export function adamWidthScales(layers: readonly DenseShape[], parametrization: 'ntk' | 'standard'): { weight: number; bias: number }[] {
  const last = layers.length - 1;
  return layers.map((layer, i) => {
    if (parametrization !== 'ntk') return { weight: 1, bias: 1 };
    const inSide = i > 0 ? layer.fanIn : 1;
    const outSide = i < last ? layer.fanOut : 1;
    // sqrt of the product: n exactly for a square hidden matrix (not sqrt(n)^2 = n(1 + 1e-16)).
    return { weight: Math.sqrt(inSide * outSide), bias: Math.sqrt(outSide) };
  });
}
