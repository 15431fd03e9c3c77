import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../engine/backend';
import { architectureOf } from '../../../engine/nn/architecture';
import {
  DenseShape,
  NetworkParams,
  applyNetwork,
  disposeTensors,
  flattenTensors,
  initParams,
  paramCount,
  toTensors,
  toVariables,
  unflattenTensors,
} from '../../../engine/nn/finiteNetwork';
import { Activation } from '../../../engine/experiment/experimentTypes';
import { Matrix } from '../../../engine/util/matrix';
import { activationRef, allActivations, makeNetwork, randomPoints } from './networkFixtures';

/**
 * float32 forward passes against a float64 reference: each output is a sum of at most 64 products
 * per layer over 3 layers; float32 rounding (eps 6e-8) accumulated over that stays below 1e-6
 * relative, and the reference erf is good to 1.2e-7. 2e-5 of the largest output leaves margin.
 */
const FLOAT32_FORWARD_RTOL = 2e-5;

/** f(x) in float64 straight from SCIENCE.md section 2, on the same parameter arrays. */
function forwardRef(params: NetworkParams, x: Matrix): Float64Array {
  let current = Float64Array.from(x.data);
  let cols = x.cols;
  params.layers.forEach((layer: DenseShape, l) => {
    const next = new Float64Array(x.rows * layer.fanOut);
    const ntk = params.parametrization === 'ntk';
    const wMult = ntk ? layer.wStd / Math.sqrt(layer.fanIn) : 1;
    const bMult = ntk ? layer.bStd : 1;
    for (let i = 0; i < x.rows; i++) {
      for (let j = 0; j < layer.fanOut; j++) {
        let s = 0;
        for (let c = 0; c < cols; c++) s += current[i * cols + c] * params.weights[l][c * layer.fanOut + j];
        let h = wMult * s + (params.biases[l] ? bMult * params.biases[l]![j] : 0);
        if (l < params.layers.length - 1) for (const a of layer.activations) h = activationRef(a, h);
        next[i * layer.fanOut + j] = h;
      }
    }
    current = next;
    cols = layer.fanOut;
  });
  return current;
}

async function forward(params: NetworkParams, x: Matrix): Promise<Float32Array> {
  const tensors = toTensors(params);
  const input = tf.tensor2d(Float32Array.from(x.data), [x.rows, x.cols]);
  const out = applyNetwork(params.layers, tensors, input);
  const values = (await out.data()) as Float32Array;
  out.dispose();
  input.dispose();
  disposeTensors(tensors);
  return values;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= rtol * scale, `${what}: entry ${i} is ${actual[i]}, expected ${expected[i]} (tolerance ${rtol * scale})`);
  }
}

describe('finite network', () => {
  before(async () => {
    await useBackend('wasm');
  });

  test('the same seed gives identical parameters; another seed gives others', () => {
    const arch = architectureOf(makeNetwork({ hidden: [[{ kind: 'relu' }], [{ kind: 'erf' }]], bStd: 0.1 }));
    const a = initParams(arch, 3, 16, 2, 7);
    const b = initParams(arch, 3, 16, 2, 7);
    const c = initParams(arch, 3, 16, 2, 8);
    assert.deepEqual(a.weights, b.weights);
    assert.deepEqual(a.biases, b.biases);
    assert.notDeepEqual(a.weights[0], c.weights[0]);
    assert.equal(paramCount(a), 3 * 16 + 16 + 16 * 16 + 16 + 16 * 2 + 2);
  });

  test('layer shapes: hidden layers take their own width, else the model width; the readout has `outputs` units', () => {
    const network = makeNetwork({ hidden: [[{ kind: 'relu' }], [{ kind: 'relu' }]], wStd: 1.5, bStd: 0 });
    (network.layers[2] as { width: number | null }).width = 5;
    const params = initParams(architectureOf(network), 4, 9, 3, 0);
    assert.deepEqual(params.layers.map((l) => [l.fanIn, l.fanOut]), [[4, 9], [9, 5], [5, 3]]);
    assert.deepEqual(params.biases, [null, null, null], 'bStd 0 means no bias parameter');
    assert.ok(Math.abs(params.layers[1].wScale - 1.5 / 3) < 1e-15, 'NTK multiplier wStd/sqrt(fan_in)');
  });

  test('raw NTK parameters are N(0,1); standard ones N(0, wStd^2/fan_in) and N(0, bStd^2)', () => {
    const hidden: Activation[][] = [[{ kind: 'relu' }]];
    const ntk = initParams(architectureOf(makeNetwork({ hidden, wStd: 2, bStd: 0.5 })), 100, 400, 1, 3);
    const std = initParams(architectureOf(makeNetwork({ hidden, wStd: 2, bStd: 0.5, parametrization: 'standard' })), 100, 400, 1, 3);
    const variance = (v: Float32Array) => v.reduce((s, x) => s + x * x, 0) / v.length;
    // 40,000 draws: the sample variance of N(0, s^2) has relative standard error sqrt(2/40000) = 0.7%; allow 5 of them.
    assert.ok(Math.abs(variance(ntk.weights[0]) - 1) < 0.035);
    assert.ok(Math.abs(variance(std.weights[0]) / (4 / 100) - 1) < 0.035);
    // Biases: 400 draws, relative standard error 7%; allow 5 of them.
    assert.ok(Math.abs(variance(std.biases[0]!) / 0.25 - 1) < 0.35);
  });

  for (const activation of allActivations) {
    test(`forward pass with ${activation.kind} matches a float64 reference (NTK and standard give the same f at init)`, async () => {
      const spec = { hidden: [[activation], [activation]], wStd: 1.3, bStd: 0.2 };
      const x = randomPoints(5, 4, 11);
      const ntk = initParams(architectureOf(makeNetwork(spec)), 4, 32, 3, 1);
      const standard = initParams(architectureOf(makeNetwork({ ...spec, parametrization: 'standard' })), 4, 32, 3, 1);
      const expected = forwardRef(ntk, x);
      assertClose(await forward(ntk, x), expected, FLOAT32_FORWARD_RTOL, `${activation.kind}, ntk`);
      assertClose(await forward(standard, x), expected, FLOAT32_FORWARD_RTOL, `${activation.kind}, standard`);
    });
  }

  test('activation chains compose in order and dense-dense is linear', async () => {
    const network = makeNetwork({ hidden: [[{ kind: 'tanh' }, { kind: 'abRelu', a: 0.3, b: 1.2 }], []], bStd: 0.1 });
    const params = initParams(architectureOf(network), 3, 8, 2, 5);
    const x = randomPoints(4, 3, 2);
    assertClose(await forward(params, x), forwardRef(params, x), FLOAT32_FORWARD_RTOL, 'tanh then abRelu, then identity');
  });

  test('init, apply, gradients and dispose leave no tensors behind', async () => {
    const arch = architectureOf(makeNetwork({ hidden: [[{ kind: 'gelu' }], [{ kind: 'leakyRelu', slope: 0.2 }]], bStd: 0.3 }));
    const before = tf.memory().numTensors;
    const params = initParams(arch, 3, 8, 2, 0);
    const x = tf.tensor2d(Float32Array.from(randomPoints(4, 3, 0).data), [4, 3]);
    const tensors = toTensors(params);
    applyNetwork(params.layers, tensors, x).dispose();
    const grads = tf.grads((...list: tf.Tensor[]) => tf.sum(applyNetwork(params.layers, unflattenTensors(params.layers, list), x)))(flattenTensors(tensors));
    grads.forEach((g) => g.dispose());
    disposeTensors(tensors);
    x.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  test('readout-only variables: only the readout is trainable and only it gets gradients', () => {
    const arch = architectureOf(makeNetwork({ hidden: [[{ kind: 'relu' }]], bStd: 0.1 }));
    const params = initParams(arch, 3, 8, 2, 0);
    const before = tf.memory().numTensors;
    const vars = toVariables(params, 'readout');
    assert.deepEqual(vars.trainableList.map((v) => v.shape), [[8, 2], [2]]);
    const x = tf.tensor2d(Float32Array.from(randomPoints(4, 3, 0).data), [4, 3]);
    const { value, grads } = tf.variableGrads(() => tf.sum(applyNetwork(params.layers, vars, x)) as tf.Scalar, vars.trainableList);
    assert.deepEqual(Object.keys(grads).length, 2);
    value.dispose();
    Object.values(grads).forEach((g) => g.dispose());
    x.dispose();
    disposeTensors(vars);
    assert.equal(tf.memory().numTensors, before);
  });

  test('inputs of the wrong dimension are refused with a message naming both shapes', () => {
    const params = initParams(architectureOf(makeNetwork({ hidden: [[{ kind: 'relu' }]] })), 3, 4, 1, 0);
    const tensors = toTensors(params);
    const x = tf.zeros([2, 5]) as tf.Tensor2D;
    assert.throws(() => applyNetwork(params.layers, tensors, x), /inputs must have shape \[n, 3\], got \[2, 5\]/);
    x.dispose();
    disposeTensors(tensors);
  });
});
