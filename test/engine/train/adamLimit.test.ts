import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeKernels } from '../../../engine/kernels/analytic';
import { AdamLimitDynamics } from '../../../engine/train/adamLimitDynamics';
import { drawAdamLimitSamples } from '../../../engine/train/adamLimitSamples';
import { trainAdamLimit } from '../../../engine/train/adamLimit';
import { BatchSchedule } from '../../../engine/train/batches';
import { KernelDynamics } from '../../../engine/train/kernelDynamics';
import { loss as lossOf } from '../../../engine/train/losses';
import { CancelledError } from '../../../engine/util/iwlError';
import type { Matrix } from '../../../engine/util/matrix';
import type { BatchSize, LossName, Network } from '../../../engine/experiment/experimentTypes';
import { collect, mlp, recordingContext, sgdSpec, smallRun, type SmallRun } from './adamLimitFixtures';

function allPoints(run: SmallRun): Matrix {
  const { xTrain, xTest } = run.dataset;
  const data = new Float64Array((xTrain.rows + xTest.rows) * xTrain.cols);
  data.set(xTrain.data);
  data.set(xTest.data, xTrain.data.length);
  return { rows: xTrain.rows + xTest.rows, cols: xTrain.cols, data };
}

function relativeRmse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let se = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    se += (a[i] - b[i]) ** 2;
    sb += b[i] ** 2;
  }
  return Math.sqrt(se / sb);
}

/**
 * Exact NTK dynamics (KernelDynamics on the analytic NTK) and S independent Monte Carlo runs of the limit
 * machinery with Q = identity (plain SGD on the normalized gradients), after `steps` steps.
 */
async function sgdRuns(network: Network, loss: LossName, batchSize: BatchSize, size: number, seeds: number, steps: number) {
  const run = smallRun({ network, loss, batchSize, train: 24, test: 12, outputs: loss === 'mse' ? 2 : 3 });
  const x = allPoints(run);
  const kernels = await computeKernels(network, x, null, { layers: true });
  const { dataset } = run;
  const n = dataset.xTrain.rows;
  const k = dataset.outputs;
  const eta = 1.0;
  const exact = new KernelDynamics({ kernel: kernels.ntk, m: x.rows, n, k, y: dataset.yTrain.data, loss }, sgdSpec, eta, new BatchSchedule(n, batchSize, 11));
  for (let t = 0; t < steps; t++) await exact.advance();
  const mc: Float64Array[] = [];
  for (let s = 0; s < seeds; s++) {
    const samples = await drawAdamLimitSamples({ network, x, outputs: k, layers: kernels.layers!, backward: size, forward: size, seed: 1000 + s });
    const dynamics = new AdamLimitDynamics({ samples, n, y: dataset.yTrain.data, loss }, sgdSpec, eta, new BatchSchedule(n, batchSize, 11));
    for (let t = 0; t < steps; t++) await dynamics.advance();
    mc.push(Float64Array.from(dynamics.f));
  }
  return { exact: Float64Array.from(exact.f), mc };
}

for (const [label, network, loss, batchSize] of [
  ['2 hidden relu layers, mse, full batch', mlp(2, 'relu'), 'mse', 'full'],
  ['1 hidden erf layer, cross-entropy, minibatch of 8', mlp(1, 'erf'), 'crossEntropy', 8],
] as const) {
  test(`Q = identity reproduces NTK gradient descent in expectation (${label})`, async () => {
    // After one step f_1 = -eta Theta_hat chi_0 is linear in the Monte Carlo kernel Theta_hat, whose
    // expectation is the analytic NTK (products of independent unbiased layer factors), so the mean of
    // S independent runs must match the exact step up to its own standard error. z = RMS over entries of
    // (mean - exact) / (sd / sqrt(S)) is about 1 for an unbiased estimator (t with S - 1 = 15 dof has
    // variance 1.15; correlated entries widen its spread; measured 0.9 and 1.3 here). R = C = 1024 makes
    // the standard error small enough (about 1.5% of the step) that 2.5 fails a mis-scaled layer: scaling
    // the readout and hidden-matrix updates by 1.1 gave z = 5.0 and 3.0.
    const S = 16;
    const { exact, mc } = await sgdRuns(network, loss, batchSize, 1024, S, 1);
    let z2 = 0;
    for (let i = 0; i < exact.length; i++) {
      let mean = 0;
      for (const f of mc) mean += f[i] / S;
      let v = 0;
      for (const f of mc) v += (f[i] - mean) ** 2 / (S - 1);
      z2 += (mean - exact[i]) ** 2 / (v / S);
    }
    const z = Math.sqrt(z2 / exact.length);
    assert.ok(z < 2.5, `mean of ${S} Monte Carlo steps differs from the NTK step by ${z.toFixed(2)} standard errors (RMS)`);
  });
}

test('Q = identity converges to NTK gradient descent at the Monte Carlo rate sqrt(1/R + 1/C)', async () => {
  // After t steps the error is, to first order, linear in the kernel's Monte Carlo error, whose variance
  // is a / R + b / C: with R = C = S the RMS error goes like S^(-1/2). Measure it at S0 = 16 over several
  // seeds, predict S1 = 256 as err(S0) sqrt(S0 / S1) (a factor 4 smaller), and require the measured error
  // within a factor 1.6 of the prediction (the spread of an average of 6 seeds' errors and the
  // second-order bias are well inside it) and the ratio well above 1 (no floor from a systematic error).
  const network = mlp(2, 'relu');
  const seeds = 6;
  const steps = 20;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const small = await sgdRuns(network, 'mse', 'full', 16, seeds, steps);
  const large = await sgdRuns(network, 'mse', 'full', 256, seeds, steps);
  const errSmall = mean(small.mc.map((f) => relativeRmse(f, small.exact)));
  const errLarge = mean(large.mc.map((f) => relativeRmse(f, large.exact)));
  const predicted = errSmall * Math.sqrt(16 / 256);
  assert.ok(errLarge < 1.6 * predicted, `error at R = C = 256 is ${errLarge.toFixed(4)}, predicted ${predicted.toFixed(4)} from ${errSmall.toFixed(4)} at 16`);
  assert.ok(errLarge > predicted / 1.6, `error at R = C = 256 is ${errLarge.toFixed(4)}: suspiciously below the Monte Carlo prediction ${predicted.toFixed(4)}`);
});

test('the same seed gives the same predictions; another seed gives other samples', async () => {
  const make = (seed: number) => smallRun({ network: mlp(2, 'tanh'), seed, steps: 6, logEvery: 3, samples: { backward: 16, forward: 12 } });
  const a = make(5);
  const b = make(5);
  const c = make(6);
  const pa = await collect(trainAdamLimit(a.job, recordingContext(a)));
  const pb = await collect(trainAdamLimit(b.job, recordingContext(b)));
  const pc = await collect(trainAdamLimit(c.job, recordingContext(c)));
  assert.deepEqual(pa.map((p) => p.step), [0, 3, 6]);
  for (let i = 0; i < pa.length; i++) {
    assert.deepEqual(Array.from(pa[i].train), Array.from(pb[i].train));
    assert.deepEqual(Array.from(pa[i].test), Array.from(pb[i].test));
  }
  assert.ok(relativeRmse(pc[2].test, pa[2].test) > 1e-3, 'a different Monte Carlo seed must change the predictions');
});

test('the Adam limit trains: the training loss falls, for mse and cross-entropy, full batch and minibatch', async () => {
  for (const [loss, batchSize] of [['mse', 'full'], ['crossEntropy', 6]] as const) {
    const run = smallRun({ network: mlp(2, 'relu'), loss, batchSize, steps: 40, logEvery: 40, learningRate: 0.02, outputs: loss === 'mse' ? 2 : 3 });
    const context = recordingContext(run);
    const points = await collect(trainAdamLimit(run.job, context));
    const y = run.dataset.yTrain.data;
    const k = run.dataset.outputs;
    const first = lossOf(loss, points[0].train, y, k);
    const last = lossOf(loss, points[points.length - 1].train, y, k);
    assert.ok(last < 0.7 * first, `${loss}, batch ${batchSize}: training loss went from ${first} to ${last}`);
    assert.equal(points[0].train.length, run.dataset.xTrain.rows * k);
    assert.equal(points[0].test.length, run.dataset.xTest.rows * k);
    assert.deepEqual(context.steps, Array.from({ length: 40 }, (_, i) => i + 1));
    const info = context.reports[context.reports.length - 1] as { samples: unknown; seed: number };
    assert.deepEqual(info.samples, { backward: 64, forward: 64 });
    assert.equal(info.seed, 7);
  }
});

test('cancellation stops the run with CancelledError within a step', async () => {
  const run = smallRun({ network: mlp(2, 'relu'), steps: 1000, logEvery: 500 });
  const controller = new AbortController();
  const context = recordingContext(run, controller.signal, (step) => {
    if (step === 3) controller.abort();
  });
  await assert.rejects(collect(trainAdamLimit(run.job, context)), CancelledError);
  assert.deepEqual(context.steps, [1, 2, 3]);

  const before = new AbortController();
  before.abort();
  await assert.rejects(collect(trainAdamLimit(run.job, recordingContext(run, before.signal))), CancelledError);

  // During setup (kernels, factorizations, draws): the sampler hands the event loop a turn between stages.
  const big = smallRun({ network: mlp(3, 'relu'), steps: 10, logEvery: 10, samples: { backward: 512, forward: 512 } });
  const during = new AbortController();
  const context2 = recordingContext(big, during.signal);
  setImmediate(() => during.abort());
  await assert.rejects(collect(trainAdamLimit(big.job, context2)), CancelledError);
  assert.deepEqual(context2.steps, [], 'no step may run after a cancellation during setup');
});
