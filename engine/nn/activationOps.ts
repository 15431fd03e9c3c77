/**
 * Activations as tfjs ops, elementwise on a tensor of pre-activations h (any shape, float32).
 * Every op is differentiable by tf.grad; at the kinks of relu/abRelu tfjs uses derivative 0 on
 * the left piece (step(h > 0)), which is measure-zero for Gaussian pre-activations.
 */
import * as tf from '@tensorflow/tfjs';
import { Activation } from '../experiment/experimentTypes';

const SQRT1_2 = Math.SQRT1_2;

/** phi(h) for one activation. */
export function applyActivation(activation: Activation, h: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    switch (activation.kind) {
      case 'relu':
        return tf.relu(h);
      case 'erf':
        return tf.erf(h);
      case 'identity':
        return h.clone();
      case 'tanh':
        return tf.tanh(h);
      case 'sigmoid':
        return tf.sigmoid(h);
      case 'softplus':
        return tf.softplus(h);
      case 'gelu':
        // Exact GELU: h * Phi(h) = h/2 (1 + erf(h / sqrt 2)), as in the analytic kernels (not the tanh approximation).
        return tf.mul(tf.mul(h, 0.5), tf.add(1, tf.erf(tf.mul(h, SQRT1_2))));
      case 'sin':
        return tf.sin(h);
      case 'cos':
        return tf.cos(h);
      case 'leakyRelu':
        return abRelu(h, activation.slope, 1);
      case 'abRelu':
        return abRelu(h, activation.a, activation.b);
    }
  });
}

/** a min(h, 0) + b max(h, 0) = b relu(h) - a relu(-h). */
function abRelu(h: tf.Tensor, a: number, b: number): tf.Tensor {
  return tf.sub(tf.mul(tf.relu(h), b), tf.mul(tf.relu(tf.neg(h)), a));
}

/** phi_k(...phi_1(h)) for a block's activations in order; the empty chain is the identity (a copy). */
export function applyActivations(activations: readonly Activation[], h: tf.Tensor): tf.Tensor {
  if (activations.length === 0) return h.clone();
  return tf.tidy(() => activations.reduce<tf.Tensor>((x, activation) => applyActivation(activation, x), h));
}

/** The elementwise derivative of the chain at h, by tfjs autodiff (so it matches the forward pass exactly). */
export function activationDerivative(activations: readonly Activation[], h: tf.Tensor): tf.Tensor {
  if (activations.length === 0) return tf.onesLike(h);
  return tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(applyActivations(activations, x)))(h));
}
