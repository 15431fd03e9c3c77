import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../engine/backend';
import { architectureOf } from '../../../engine/nn/architecture';
import { empiricalKernels } from '../../../engine/nn/empiricalKernels';
import { NetworkParams, applyNetwork, disposeTensors, flattenTensors, initParams, toTensors, unflattenTensors } from '../../../engine/nn/finiteNetwork';
import { Matrix } from '../../../engine/util/matrix';
import { NetSpec, makeNetwork, randomPoints } from './networkFixtures';

/**
 * The layer-wise NTK and tf.grad's Jacobians are two float32 evaluations of the same sums (a few
 * hundred products each); their rounding differs by well under 1e-5 of the kernel's largest entry.
 */
const FLOAT32_KERNEL_RTOL = 1e-5;

/**
 * The slow, definitional NTK: J(x) = df_k(x)/dtheta for every point and output by tf.grads over
 * all parameter tensors, then (1/k) sum_k J_k(x) . J_k(x'). Also the NNGP (1/k) sum_k f_k(x) f_k(x'), and
 * the readout parameters' share of the NTK, which under the NTK parametrization is
 * (wStd^2/n_L) x_L . x_L' + bStd^2 = E_readout[f_k(x) f_k(x')], the readout-averaged NNGP.
 */
async function jacobianKernels(params: NetworkParams, x1: Matrix, x2: Matrix): Promise<{ nngp: Float64Array; ntk: Float64Array; readoutNtk: Float64Array }> {
  const tensors = toTensors(params);
  const k = params.outputs;
  const last = params.layers.length - 1;
  // The readout's W (and b) come last in the flattened list: their gradients are the tail of each J.
  const readoutSize = params.layers[last].fanIn * params.layers[last].fanOut + (params.layers[last].hasBias ? params.layers[last].fanOut : 0);
  const rows = (x: Matrix) => Array.from({ length: x.rows }, (_, i) => tf.tensor2d(Float32Array.from(x.data.subarray(i * x.cols, (i + 1) * x.cols)), [1, x.cols]));
  const jac = async (x: Matrix) => {
    const out: Float64Array[][] = []; // [point][output] -> flattened gradient
    const values: number[][] = [];
    for (const point of rows(x)) {
      const perOutput: Float64Array[] = [];
      const f = applyNetwork(params.layers, tensors, point);
      values.push(Array.from(await f.data()));
      f.dispose();
      for (let o = 0; o < k; o++) {
        const grads = tf.grads((...list: tf.Tensor[]) => {
          const y = applyNetwork(params.layers, unflattenTensors(params.layers, list), point);
          return tf.sum(tf.slice(y, [0, o], [1, 1]));
        })(flattenTensors(tensors));
        const flat = (await Promise.all(grads.map((g) => g.data()))).flatMap((d) => Array.from(d));
        grads.forEach((g) => g.dispose());
        perOutput.push(Float64Array.from(flat));
      }
      point.dispose();
      out.push(perOutput);
    }
    return { out, values };
  };
  const a = await jac(x1);
  const b = await jac(x2);
  disposeTensors(tensors);
  const nngp = new Float64Array(x1.rows * x2.rows);
  const ntk = new Float64Array(x1.rows * x2.rows);
  const readoutNtk = new Float64Array(x1.rows * x2.rows);
  for (let i = 0; i < x1.rows; i++) {
    for (let j = 0; j < x2.rows; j++) {
      let sf = 0;
      let sj = 0;
      let sr = 0;
      for (let o = 0; o < k; o++) {
        sf += a.values[i][o] * b.values[j][o];
        const ga = a.out[i][o];
        const gb = b.out[j][o];
        for (let p = 0; p < ga.length; p++) {
          sj += ga[p] * gb[p];
          if (p >= ga.length - readoutSize) sr += ga[p] * gb[p];
        }
      }
      nngp[i * x2.rows + j] = sf / k;
      ntk[i * x2.rows + j] = sj / k;
      readoutNtk[i * x2.rows + j] = sr / k;
    }
  }
  return { nngp, ntk, readoutNtk };
}

function assertKernelClose(actual: Float64Array, expected: Float64Array, what: string): void {
  const scale = Math.max(...Array.from(expected, Math.abs));
  assert.ok(scale > 0, `${what}: the reference kernel is zero`);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(err <= FLOAT32_KERNEL_RTOL * scale, `${what}: entry ${i}: ${actual[i]} vs ${expected[i]} (|err| ${err.toExponential(2)} > ${(FLOAT32_KERNEL_RTOL * scale).toExponential(2)})`);
  }
}

const cases: { name: string; spec: NetSpec }[] = [
  { name: 'relu, depth 1, bias', spec: { hidden: [[{ kind: 'relu' }]], wStd: 1.4, bStd: 0.3 } },
  { name: 'erf, depth 2, no bias', spec: { hidden: [[{ kind: 'erf' }], [{ kind: 'erf' }]], wStd: 1.7 } },
  { name: 'tanh then abRelu, gelu, depth 3, bias', spec: { hidden: [[{ kind: 'tanh' }, { kind: 'abRelu', a: 0.2, b: 1.1 }], [{ kind: 'gelu' }], [{ kind: 'softplus' }]], bStd: 0.5 } },
  { name: 'dense-dense (identity) then sin', spec: { hidden: [[], [{ kind: 'sin' }]], wStd: 0.9, bStd: 0.1 } },
  { name: 'standard parametrization, leakyRelu, depth 2', spec: { hidden: [[{ kind: 'leakyRelu', slope: 0.1 }], [{ kind: 'sigmoid' }]], wStd: 1.2, bStd: 0.2, parametrization: 'standard' } },
];

describe('empirical kernels', () => {
  before(async () => {
    await useBackend('wasm');
  });

  for (const { name, spec } of cases) {
    test(`layer-wise NTK and the NNGP equal the tf.grad Jacobian definitions: ${name}`, async () => {
      const params = initParams(architectureOf(makeNetwork(spec)), 3, 6, 2, 42);
      const x1 = randomPoints(3, 3, 1);
      const x2 = randomPoints(4, 3, 2);
      const fast = await empiricalKernels(params, x1, x2);
      const slow = await jacobianKernels(params, x1, x2);
      assert.equal(fast.n1, 3);
      assert.equal(fast.n2, 4);
      assertKernelClose(fast.nngp, slow.nngp, `${name}: NNGP`);
      assertKernelClose(fast.ntk, slow.ntk, `${name}: NTK`);
      if (params.parametrization === 'ntk') assertKernelClose(fast.nngpReadoutMean, slow.readoutNtk, `${name}: readout-averaged NNGP`);
    });
  }

  test('x2 defaults to x1 and the kernel is symmetric; no tensors leak', async () => {
    const params = initParams(architectureOf(makeNetwork({ hidden: [[{ kind: 'relu' }], [{ kind: 'relu' }]], bStd: 0.1 })), 3, 16, 4, 0);
    const x = randomPoints(5, 3, 3);
    const before = tf.memory().numTensors;
    const k = await empiricalKernels(params, x);
    assert.equal(tf.memory().numTensors, before);
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) assert.ok(Math.abs(k.ntk[i * 5 + j] - k.ntk[j * 5 + i]) <= 1e-6 * Math.abs(k.ntk[i * 5 + i]));
    }
  });

  test('points of the wrong dimension are refused with a message', async () => {
    const params = initParams(architectureOf(makeNetwork({ hidden: [[{ kind: 'relu' }]] })), 3, 4, 1, 0);
    await assert.rejects(empiricalKernels(params, randomPoints(2, 5, 0)), /points have 5 columns, the network expects inputDim 3/);
  });
});
