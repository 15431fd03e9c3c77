/**
 * Activations as tfjs ops, elementwise on a tensor of pre-activations h (any shape, float32): each
 * activation's forward is its definition's (engine/activations/). Every op is differentiable by
 * tf.grad; at the kinks of relu/abRelu tfjs uses derivative 0 on the left piece (step(h > 0)),
 * which is measure-zero for Gaussian pre-activations.
 */
import * as tf from '@tensorflow/tfjs';
import { Activation, resolveActivation } from '../activations/registry';

/** phi(h) for one activation. */
export function applyActivation(activation: Activation, h: tf.Tensor): tf.Tensor {
  const { definition, options } = resolveActivation(activation);
  return tf.tidy(() => definition.forward(tf, h, options));
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
