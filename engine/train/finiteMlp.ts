/**
 * The dense network's passes written out layer by layer, for training finite networks fast on
 * tfjs-wasm: only a plain matMul takes its fast path, and tfjs autodiff of a matMul uses transposed
 * products, 3-6x slower per training step there (bench/finiteTrainStep.ts).
 * Shapes: x_{l-1} [B, fanIn], W_l [fanIn, fanOut], b_l [fanOut], h_l [B, fanOut];
 * a = wScale, c = bScale of the layer (engine/nn/finiteNetwork.ts).
 *
 *   forward:   h_l = a x_{l-1} W_l + c b_l,   x_l = phi(h_l),   phi'(h_l) kept for the backward pass
 *   backward:  given dh_l = dL/dh_l:  dL/dW_l = a x_{l-1}^T dh_l,  dL/db_l = c sum_rows dh_l,
 *              dx_{l-1} = a dh_l W_l^T,  dh_{l-1} = phi'(h_{l-1}) * dx_{l-1}
 *   tangent (forward-mode, the Jacobian-vector product J(theta) . dtheta at fixed theta):
 *              dh_1 = a x_0 dW_1 + c db_1,  dx_l = phi'(h_l) * dh_l,
 *              dh_{l+1} = a (x_l dW_{l+1} + dx_l W_{l+1}) + c db_{l+1}
 * Transposes are explicit copies (tf.transpose) followed by plain matMuls.
 * Every function is synchronous and returns fresh tensors the caller owns.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossName } from '../experiment/experimentTypes';
import { activationDerivative, applyActivations } from '../nn/activationOps';
import { denseForward, type DenseShape } from '../nn/finiteNetwork';

/** One hidden layer: x_l = phi(h_l) and phi'(h_l), both [B, fanOut]. */
export function hiddenForward(layer: DenseShape, w: tf.Tensor2D, b: tf.Tensor1D | null, x: tf.Tensor2D): { x: tf.Tensor2D; deriv: tf.Tensor2D } {
  return tf.tidy(() => {
    const h = denseForward(layer, w, b, x);
    return { x: applyActivations(layer.activations, h) as tf.Tensor2D, deriv: activationDerivative(layer.activations, h) as tf.Tensor2D };
  });
}

/** One layer's parameter gradients: dL/dW = a x_{l-1}^T dh, dL/db = c sum_rows dh (null without a bias). */
export function denseParamGradients(layer: DenseShape, xIn: tf.Tensor2D, dh: tf.Tensor2D): { dW: tf.Tensor2D; db: tf.Tensor1D | null } {
  const dW = tf.tidy((): tf.Tensor2D => {
    const g: tf.Tensor2D = tf.matMul(tf.transpose(xIn), dh);
    return layer.wScale !== 1 ? tf.mul(g, layer.wScale) : g;
  });
  const db = tidyMaybe((): tf.Tensor1D | null => {
    if (!layer.hasBias) return null;
    const g = tf.sum(dh, 0) as tf.Tensor1D;
    return layer.bScale !== 1 ? (tf.mul(g, layer.bScale) as tf.Tensor1D) : g;
  });
  return { dW, db };
}

/** dL/dh_{l-1} = phi'(h_{l-1}) * (a dh_l W_l^T), from the layer below's stored derivative. */
export function denseInputGradient(layer: DenseShape, w: tf.Tensor2D, dh: tf.Tensor2D, derivBelow: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    let g: tf.Tensor2D = tf.matMul(dh, tf.transpose(w));
    if (layer.wScale !== 1) g = tf.mul(g, layer.wScale);
    return tf.mul(g, derivBelow);
  });
}

/** tf.tidy for a function that may return no tensor. */
export function tidyMaybe<T extends tf.Tensor>(fn: () => T | null): T | null {
  const kept = tf.tidy(() => {
    const result = fn();
    return result ? [result] : [];
  }) as T[];
  return kept[0] ?? null;
}

/**
 * One layer of the tangent pass: dh_l = a (x_{l-1} dW + dx_{l-1} W) + c db, with dx_{l-1} null for the
 * first layer (the input does not move).
 */
export function denseTangent(
  layer: DenseShape,
  w: tf.Tensor2D,
  xIn: tf.Tensor2D,
  dxIn: tf.Tensor2D | null,
  dW: tf.Tensor2D,
  db: tf.Tensor1D | null,
): tf.Tensor2D {
  return tf.tidy(() => {
    let s: tf.Tensor2D = tf.matMul(xIn, dW);
    if (dxIn) s = tf.add(s, tf.matMul(dxIn, w));
    if (layer.wScale !== 1) s = tf.mul(s, layer.wScale);
    if (db) s = tf.add(s, layer.bScale !== 1 ? tf.mul(db, layer.bScale) : db);
    return s;
  });
}

/**
 * dL/df for a batch of B rows, the batch-mean version of SCIENCE.md section 4 (and of
 * engine/run/metrics.ts lossGradient, which the kernel dynamics use):
 *   MSE:           chi = (f - y) / (B k)
 *   cross-entropy: chi = (softmax(f) - y) / B
 * f and y [B, k]; returns [B, k].
 */
export function lossGradientTensor(loss: LossName, f: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  const [b, k] = f.shape;
  return tf.tidy(() => (loss === 'mse' ? tf.div(tf.sub(f, y), b * k) : tf.div(tf.sub(tf.softmax(f), y), b)));
}
