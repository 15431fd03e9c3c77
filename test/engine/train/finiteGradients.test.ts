/**
 * The hand-written passes of the finite models against tfjs autodiff and finite differences:
 * one optimizer step of each model moves its parameters by exactly what the gradient of the loss
 * (taken by tf.grads on engine/nn/finiteNetwork.ts applyNetwork) says, and the linearized model's tangent
 * pass is the directional derivative of the network.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../engine/backend';
import type { LossName, Parametrization } from '../../../engine/experiment/experimentTypes';
import { architectureOf } from '../../../engine/nn/architecture';
import { applyNetwork, flattenTensors, initParams, toTensors, unflattenTensors, type NetworkParams } from '../../../engine/nn/finiteNetwork';
import { AllLayersModel, ReadoutModel, type FiniteModel, type FiniteSetup } from '../../../engine/train/finiteModels';
import { LinearizedModel } from '../../../engine/train/linearized';
import { adamWidthScales } from '../../../engine/train/optimizers';
import { Rng } from '../../../engine/util/rng';
import { mlp, optimizer } from './finiteFixtures';

/**
 * float32 gradients of a 3-layer width-16 network: each entry is a sum of at most 16 x 10 products, so
 * both paths agree to a few float32 ulps of the largest entry; 1e-4 of the largest gradient leaves margin
 * (an error in a scale factor or a transpose is O(1) of it).
 */
const GRADIENT_RTOL = 1e-4;
/** Central differences with step 1e-2 in float32: rounding ~6e-8/1e-2 and curvature ~1e-4 of the scale. */
const FINITE_DIFFERENCE_RTOL = 2e-3;
/** SGD with a large step makes the parameter change dominate the float32 rounding of P - eta g. */
const ETA = 10;

const noCheckpoint = async (): Promise<void> => {};
const N = 10;
const D = 5;
const K = 3;
const WIDTH = 16;

function problem(parametrization: Parametrization, loss: LossName, seed: number) {
  const network = mlp(2, { activation: { kind: 'erf' }, parametrization, wStd: 1.3, bStd: 0.4 });
  network.layers[3] = { kind: 'activation', activation: { kind: 'tanh' } };
  const arch = architectureOf(network);
  const params = initParams(arch, D, WIDTH, K, seed);
  const rng = Rng.derive(seed, 'data');
  const x = Float32Array.from(rng.normals(N * D));
  const y = new Float32Array(N * K);
  for (let i = 0; i < N; i++) {
    if (loss === 'crossEntropy') y[i * K + rng.int(K)] = 1;
    else for (let j = 0; j < K; j++) y[i * K + j] = rng.normal();
  }
  return { params, x, y };
}

function setupOf(params: NetworkParams, x: Float32Array, y: Float32Array, loss: LossName, opt = optimizer('sgd'), lr = ETA, centering = true): FiniteSetup {
  return {
    params,
    loss,
    centering,
    optimizer: opt,
    learningRate: lr,
    xTrain: tf.tensor2d(x, [N, D]),
    yTrain: tf.tensor2d(y, [N, K]),
    xTest: tf.tensor2d(x, [N, D]),
  };
}

function disposeSetup(setup: FiniteSetup): void {
  tf.dispose([setup.xTrain, setup.yTrain, setup.xTest]);
}

/** The batch-mean loss of SCIENCE.md section 4 on rows of f - fInit, as a tfjs scalar. */
function lossOf(loss: LossName, f: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
  const [b, k] = f.shape;
  if (loss === 'mse') return tf.div(tf.sum(tf.square(tf.sub(f, y))), 2 * b * k);
  return tf.div(tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(f)))), b);
}

/** d loss / d params (all, or the readout's only) by tf.grads through applyNetwork. */
async function referenceGradients(params: NetworkParams, x: Float32Array, y: Float32Array, rows: number[], loss: LossName, readoutOnly: boolean): Promise<Float32Array[]> {
  const tensors = toTensors(params);
  const list = flattenTensors(tensors);
  const last = params.layers.length - 1;
  const firstReadout = list.length - (params.biases[last] ? 2 : 1);
  const grads = tf.tidy(() => {
    const xs = tf.tensor2d(x, [N, D]);
    const idx = tf.tensor1d(rows, 'int32');
    const fInit = tf.gather(applyNetwork(params.layers, tensors, xs), idx);
    const yb = tf.gather(tf.tensor2d(y, [N, K]), idx);
    const wrt = readoutOnly ? list.slice(firstReadout) : list;
    const g = tf.grads((...ts: tf.Tensor[]) => {
      const all = readoutOnly ? [...list.slice(0, firstReadout), ...ts] : ts;
      const f = applyNetwork(params.layers, unflattenTensors(params.layers, all), tf.gather(xs, idx));
      return lossOf(loss, tf.sub(f, fInit) as tf.Tensor2D, yb);
    })(wrt);
    return g;
  });
  const out = await Promise.all(grads.map(async (g) => Float32Array.from(await g.data())));
  tf.dispose([...grads, ...list]);
  return out;
}

async function values(model: FiniteModel): Promise<Float32Array[]> {
  return Promise.all(model.slots.map(async (s) => Float32Array.from(await s.variable.data())));
}

function assertClose(actual: ArrayLike<number>[], expected: ArrayLike<number>[], rtol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} tensors vs ${expected.length}`);
  let scale = 0;
  for (const e of expected) for (let i = 0; i < e.length; i++) scale = Math.max(scale, Math.abs(e[i]));
  assert.ok(scale > 0, `${what}: reference is all zero`);
  actual.forEach((a, t) => {
    assert.equal(a.length, expected[t].length, `${what}: tensor ${t} has ${a.length} entries vs ${expected[t].length}`);
    for (let i = 0; i < a.length; i++) {
      const err = Math.abs(a[i] - expected[t][i]);
      assert.ok(err <= rtol * scale, `${what}: tensor ${t} entry ${i}: ${a[i]} vs ${expected[t][i]} (scale ${scale})`);
    }
  });
}

describe('finite model gradients', () => {
  before(async () => {
    await useBackend('wasm');
  });

  const cases: [string, Parametrization, LossName, 'all' | 'readout' | 'linearized', boolean][] = [
    ['all layers, NTK, MSE, full batch', 'ntk', 'mse', 'all', false],
    ['all layers, standard, cross-entropy, minibatch', 'standard', 'crossEntropy', 'all', true],
    ['readout only, NTK, cross-entropy, minibatch', 'ntk', 'crossEntropy', 'readout', true],
    ['linearized, NTK, MSE, minibatch', 'ntk', 'mse', 'linearized', true],
  ];
  for (const [name, parametrization, loss, trainable, minibatch] of cases) {
    test(`one SGD step moves the parameters by -eta dL/dtheta: ${name}`, async () => {
      const { params, x, y } = problem(parametrization, loss, 3);
      const setup = setupOf(params, x, y, loss);
      const rows = minibatch ? [7, 2, 5, 0] : Array.from({ length: N }, (_, i) => i);
      const create = trainable === 'all' ? AllLayersModel.create : trainable === 'readout' ? ReadoutModel.create : LinearizedModel.create;
      const model = await create(setup, noCheckpoint);
      try {
        const start = await values(model);
        await model.step(minibatch ? Int32Array.from(rows) : null, noCheckpoint);
        const after = await values(model);
        const moved = after.map((a, t) => a.map((v, i) => (v - start[t][i]) / -ETA));
        // The linearized model's gradient at dtheta = 0 is the network's at theta_0 (f_lin - f_0 = 0 there too).
        const expected = await referenceGradients(params, x, y, rows, loss, trainable === 'readout');
        assertClose(moved, expected, GRADIENT_RTOL, name);
      } finally {
        model.dispose();
        disposeSetup(setup);
      }
    });
  }

  test('the linearized tangent pass is the directional derivative of the network (central differences)', async () => {
    const { params, x, y } = problem('ntk', 'mse', 5);
    const setup = setupOf(params, x, y, 'mse');
    const model = await LinearizedModel.create(setup, noCheckpoint);
    try {
      const rng = Rng.derive(5, 'direction');
      const direction = model.slots.map((s) => Float32Array.from(rng.normals(s.variable.size)));
      model.slots.forEach((s, i) => s.variable.assign(tf.tensor(direction[i], s.variable.shape)));
      const jvp = await model.predict('test', noCheckpoint);
      const e = 1e-2;
      // slot order is W1, b1, W2, b2, ...: rebuild the shifted parameters in that order.
      const order = (sign: number): NetworkParams => {
        let t = 0;
        const weights: Float32Array[] = [];
        const biases: (Float32Array | null)[] = [];
        params.layers.forEach((_, l) => {
          const dw = direction[t++];
          weights.push(params.weights[l].map((v, i) => v + sign * e * dw[i]));
          if (params.biases[l]) {
            const db = direction[t++];
            biases.push(params.biases[l]!.map((v, i) => v + sign * e * db[i]));
          } else biases.push(null);
        });
        return { ...params, weights, biases };
      };
      const forward = async (p: NetworkParams): Promise<Float32Array> => {
        const tensors = toTensors(p);
        const out = tf.tidy(() => applyNetwork(p.layers, tensors, tf.tensor2d(x, [N, D])));
        const data = Float32Array.from(await out.data());
        tf.dispose([out, ...flattenTensors(tensors)]);
        return data;
      };
      const plus = await forward(order(1));
      const minus = await forward(order(-1));
      const fd = plus.map((v, i) => (v - minus[i]) / (2 * e));
      assertClose([jvp], [fd], FINITE_DIFFERENCE_RTOL, 'J_0 dtheta');
    } finally {
      model.dispose();
      disposeSetup(setup);
    }
  });

  test('the linearized backward pass equals tf.grads of the tangent pass with respect to the deltas', async () => {
    const { params, x, y } = problem('ntk', 'crossEntropy', 8);
    const setup = setupOf(params, x, y, 'crossEntropy', optimizer('sgd'), ETA, false);
    const model = await LinearizedModel.create(setup, noCheckpoint);
    const xs = tf.tensor2d(x, [N, D]);
    const trace = model.trace(xs);
    try {
      // Move away from dtheta = 0 first, so the loss gradient chi is not the one at init.
      const rng = Rng.derive(8, 'delta');
      model.slots.forEach((s) => s.variable.assign(tf.tensor(Float32Array.from(rng.normals(s.variable.size, 0.1)), s.variable.shape)));
      const variables = model.slots.map((s) => s.variable);
      const { grads } = tf.variableGrads(() => {
        const f = tf.add(trace.output, model.tangent(trace)) as tf.Tensor2D;
        return lossOf('crossEntropy', f, setup.yTrain);
      }, variables);
      const expected = await Promise.all(variables.map(async (v) => Float32Array.from(await grads[v.name].data())));
      tf.dispose(Object.values(grads));
      const start = await values(model);
      await model.step(null, noCheckpoint);
      const moved = (await values(model)).map((a, t) => a.map((v, i) => (v - start[t][i]) / -ETA));
      assertClose(moved, expected, GRADIENT_RTOL, 'linearized gradient');
    } finally {
      tf.dispose([xs, ...trace.inputs, ...trace.derivs, trace.output]);
      model.dispose();
      disposeSetup(setup);
    }
  });

  test("Adam's first step under the NTK parametrization moves each tensor by eta / s_P along the sign of its gradient", async () => {
    const { params, x, y } = problem('ntk', 'mse', 4);
    const eps = 1e-8;
    const eta = 0.5;
    const setup = setupOf(params, x, y, 'mse', optimizer('adam', { eps }), eta);
    const model = await AllLayersModel.create(setup, noCheckpoint);
    try {
      const scales = model.slots.map((s) => s.scale);
      const n = WIDTH;
      // W1 b1 W2 b2 W3 b3: input matrix sqrt(n), hidden bias sqrt(n), hidden-to-hidden n, readout sqrt(n), output bias 1.
      assert.deepEqual(scales, [Math.sqrt(n), Math.sqrt(n), n, Math.sqrt(n), Math.sqrt(n), 1]);
      const g = await referenceGradients(params, x, y, Array.from({ length: N }, (_, i) => i), 'mse', false);
      const start = await values(model);
      await model.step(null, noCheckpoint);
      const after = await values(model);
      // Step 1: mhat = g~, vhat = g~^2, so Q = g~ / (|g~| + eps) and dP = -(eta / s) Q.
      const expected = g.map((gt, t) => gt.map((v) => (-(eta / scales[t]) * scales[t] * v) / (Math.abs(scales[t] * v) + eps)));
      const moved = after.map((a, t) => a.map((v, i) => v - start[t][i]));
      assertClose(moved, expected, GRADIENT_RTOL, 'Adam step');
    } finally {
      model.dispose();
      disposeSetup(setup);
    }
  });

  test('Adam width scales: n, sqrt(n), 1 under the NTK parametrization, all 1 under the standard one', () => {
    const arch = architectureOf(mlp(3));
    const layers = initParams(arch, 7, 100, 4, 0).layers;
    assert.deepEqual(adamWidthScales(layers, 'ntk'), [
      { weight: 10, bias: 10 },
      { weight: 100, bias: 10 },
      { weight: 100, bias: 10 },
      { weight: 10, bias: 1 },
    ]);
    assert.ok(adamWidthScales(layers, 'standard').every((s) => s.weight === 1 && s.bias === 1));
    // A width that is not a perfect square: the hidden-to-hidden scale is still n exactly.
    const wide = adamWidthScales(initParams(arch, 7, 512, 4, 0).layers, 'ntk');
    assert.equal(wide[1].weight, 512);
    assert.equal(wide[0].weight, Math.sqrt(512));
  });
});
