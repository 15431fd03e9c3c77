/**
 * Empirical kernels of one finite network, per output unit (averaged over the k outputs), on
 * points X1 [n1, d] and X2 [n2, d]:
 *
 *   NNGP_hat(x, x') = (1/k) sum_k f_k(x) f_k(x')                      = F1 F2^T / k
 *   NTK_hat(x, x')  = (1/k) sum_k <df_k(x)/dtheta, df_k(x')/dtheta>    = J1 J2^T / k
 *
 * and NNGP_hat's mean over the readout weights given the hidden layers (its k -> infinity limit,
 * the kernel of the last hidden features; the same for both parametrizations):
 *
 *   NNGP_bar(x, x') = E_readout[f_k(x) f_k(x')] = (wStd^2/n_L) x_L . x_L' + bStd^2
 *
 * The NTK uses the layer-wise form of J J^T (theta = the raw parameters of the parametrization):
 *
 *   NTK_hat = sum_{l=1..L+1} (wScale_l^2 X_{l-1} X'_{l-1}^T + bScale_l^2 [layer l has a bias])
 *                            (elementwise *) (1/k) sum_k G_l^k G'_l^k^T
 *
 * with X_{l-1} the layer's inputs, G_l^k = df_k/dh_l [n, n_l] by backprop:
 *   G_{L+1}^k = e_k,  G_l^k = phi_l'(h_l) * (wScale_{l+1} G_{l+1}^k W_{l+1}^T).
 * For the NTK parametrization wScale_l^2 = wStd^2/fan_in and bScale_l^2 = bStd^2 (SCIENCE.md section 3's
 * terms); for the standard one both are 1. Cost: one forward pass, and a backward pass for k*n rows.
 * Computed in float32 (tfjs), returned as float64 row-major [n1, n2].
 */
import * as tf from '@tensorflow/tfjs';
import { Matrix } from '../util/matrix';
import { activationDerivative } from './activationOps';
import { NetworkParams, NetworkTensors, applyNetworkTrace, disposeTensors, disposeTrace, toTensors } from './finiteNetwork';

export interface EmpiricalKernels {
  nngp: Float64Array;
  ntk: Float64Array;
  /** NNGP_bar: NNGP_hat averaged over the readout analytically (a lower-variance estimate of the NNGP). */
  nngpReadoutMean: Float64Array;
  n1: number;
  n2: number;
}

/** NNGP_hat and NTK_hat of the network `params` between x1 and x2 (x2 null: x1). */
export async function empiricalKernels(params: NetworkParams, x1: Matrix, x2: Matrix | null = null): Promise<EmpiricalKernels> {
  const tensors = toTensors(params);
  try {
    const outputs = tf.tidy(() => {
      const t1 = toTensor(x1, params);
      return empiricalKernelTensors(params, tensors, t1, x2 ? toTensor(x2, params) : t1);
    });
    const [nngp, ntk, nngpReadoutMean] = await Promise.all(outputs.map(async (t) => Float64Array.from(await t.data())));
    tf.dispose(outputs);
    return { nngp, ntk, nngpReadoutMean, n1: x1.rows, n2: (x2 ?? x1).rows };
  } finally {
    disposeTensors(tensors);
  }
}

/**
 * The tensor form: [NNGP_hat, NTK_hat, NNGP_bar], each [n1, n2]. Pass the same tensor twice for x2 = x1 (one
 * forward and backward pass). Call inside tf.tidy (intermediates are not freed here).
 */
export function empiricalKernelTensors(
  params: NetworkParams,
  tensors: NetworkTensors,
  x1: tf.Tensor2D,
  x2: tf.Tensor2D,
): [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] {
  const layers = params.layers;
  const k = params.outputs;
  const last = layers.length - 1;
  const trace1 = applyNetworkTrace(layers, tensors, x1);
  const same = x1 === x2;
  const trace2 = same ? trace1 : applyNetworkTrace(layers, tensors, x2);
  try {
    const nngp = tf.div(gram(trace1.preActivations[last], trace2.preActivations[last]), k) as tf.Tensor2D;
    const readout = layers[last];
    const features = gram(trace1.inputs[last], trace2.inputs[last]);
    const nngpReadoutMean = tf.add(tf.mul(features, (readout.wStd * readout.wStd) / readout.fanIn), readout.bStd * readout.bStd) as tf.Tensor2D;
    // G_{L+1}^k = e_k, so the readout's term has (1/k) sum_k G G'^T = 1.
    let ntk = inputTerm(readout, trace1.inputs[last], trace2.inputs[last]);
    // Backward signals for both point sets, [k, n, n_l], starting at the last hidden layer.
    let g1: tf.Tensor3D | null = null;
    let g2: tf.Tensor3D | null = null;
    for (let l = last - 1; l >= 0; l--) {
      const next = layers[l + 1];
      // (wScale W_{l+1})^T [fanOut_{l+1}, fanIn_{l+1}]: maps G_{l+1} back to dx_l.
      const back = tf.mul(tf.transpose(tensors.weights[l + 1]), next.wScale) as tf.Tensor2D;
      const d1 = activationDerivative(layers[l].activations, trace1.preActivations[l]);
      g1 = backward(g1, back, d1, k);
      g2 = same ? g1 : backward(g2, back, activationDerivative(layers[l].activations, trace2.preActivations[l]), k);
      const [n1, n2, width] = [g1.shape[1], g2.shape[1], g1.shape[2]];
      // (1/k) sum_k G^k G'^k^T: put the points first, flatten (k, width), one matmul.
      const a = tf.reshape(tf.transpose(g1, [1, 0, 2]), [n1, k * width]) as tf.Tensor2D;
      const b = same ? a : (tf.reshape(tf.transpose(g2, [1, 0, 2]), [n2, k * width]) as tf.Tensor2D);
      const backwardGram = tf.div(gram(a, b), k);
      ntk = tf.add(ntk, tf.mul(inputTerm(layers[l], trace1.inputs[l], trace2.inputs[l]), backwardGram)) as tf.Tensor2D;
    }
    return [nngp, ntk, nngpReadoutMean];
  } finally {
    disposeTrace(trace1);
    if (!same) disposeTrace(trace2);
  }
}

/** wScale^2 X X'^T + bScale^2 [bias]: the layer's parameter-gradient inner product before the backward factor. */
function inputTerm(layer: NetworkParams['layers'][number], x1: tf.Tensor2D, x2: tf.Tensor2D): tf.Tensor2D {
  let term = tf.mul(gram(x1, x2), layer.wScale * layer.wScale) as tf.Tensor2D;
  if (layer.hasBias) term = tf.add(term, layer.bScale * layer.bScale) as tf.Tensor2D;
  return term;
}

/**
 * One backprop step to layer l. `g` = G_{l+1} [k, n, n_{l+1}] (null: the readout, G = e_k),
 * `back` = (wScale W_{l+1})^T [fanOut of l+1, n_l], `d` = phi_l'(h_l) [n, n_l]. Returns G_l [k, n, n_l].
 */
function backward(g: tf.Tensor3D | null, back: tf.Tensor2D, d: tf.Tensor, k: number): tf.Tensor3D {
  const [n, width] = d.shape as [number, number];
  if (g === null) {
    // G_L^k = phi'(h_L) * (wScale W_{L+1}[:, k]): broadcast [1, n, n_L] against [k, 1, n_L].
    return tf.mul(tf.reshape(d, [1, n, width]), tf.reshape(back, [k, 1, width])) as tf.Tensor3D;
  }
  const [, , wide] = g.shape;
  const flat = tf.matMul(tf.reshape(g, [k * n, wide]) as tf.Tensor2D, back);
  return tf.mul(tf.reshape(flat, [k, n, width]), tf.reshape(d, [1, n, width])) as tf.Tensor3D;
}

/** A B^T [n1, n2] from A [n1, m], B [n2, m]. B is transposed first: only a plain matMul takes tfjs-wasm's fast XNNPACK path. */
function gram(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(a, tf.transpose(b));
}

function toTensor(x: Matrix, params: NetworkParams): tf.Tensor2D {
  if (x.cols !== params.inputDim) {
    throw new RangeError(`empirical kernels: points have ${x.cols} columns, the network expects inputDim ${params.inputDim}`);
  }
  return tf.tensor2d(x.data instanceof Float32Array ? x.data : Float32Array.from(x.data), [x.rows, x.cols]);
}
