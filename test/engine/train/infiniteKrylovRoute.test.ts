import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../../engine/backend';
import { nodeValidationHost } from '../../../engine/experiment/validationHost';
import { validateExperiment } from '../../../engine/experiment/validate';
import { computeRunKernels, runExperiment } from '../../../engine/run/runExperiment';
import { trainFinite } from '../../../engine/train/finite';
import { trainInfinite } from '../../../engine/train/infinite';
import { BatchSchedule } from '../../../engine/train/batches';
import { KernelDynamics } from '../../../engine/train/kernelDynamics';
import { firstKrylovCheck, KRYLOV_MAX_DIMENSION, KRYLOV_MIN_N, krylovBudget } from '../../../engine/train/krylovDynamics';
import { tinyExperimentText } from '../../fixtures/tinyExperiment';

before(async () => { await useBackend('wasm'); });

/**
 * From KRYLOV_MIN_N training points the ntk models with MSE and full batches run on block Lanczos, sgd
 * and momentum alike: the run says so in the job's facts and predicts what the float64 stepwise
 * dynamics predict on the same kernel (tolerance: float32 products, krylovDynamics.test.ts).
 */
test('ntk models on 1100 points run on block Lanczos and predict as the float64 stepwise dynamics', async () => {
  const n = 1100;
  assert.ok(n >= KRYLOV_MIN_N);
  const text = tinyExperimentText({
    name: 'krylov-route', seed: 2, train: n, test: 40, inputDim: 6, outputs: 2, noise: 0.05, steps: 120, learningRate: 1, logEvery: 40,
    models: '  sgd: { kind: infinite, method: ntk, optimizer: sgd }\n  heavy: { kind: infinite, method: ntk, optimizer: { name: momentum, momentum: 0.9 } }',
  });
  const { experiment, diagnostics } = validateExperiment(text, { filePath: '/tmp/krylov-route.iwl.yaml', host: nodeValidationHost() });
  assert.ok(experiment, diagnostics.map((d) => d.message).join('; '));
  const outcome = await runExperiment(experiment, { signal: new AbortController().signal, trainers: { finite: trainFinite, infinite: trainInfinite } });
  assert.equal(outcome.status, 'completed', outcome.error);
  const kernels = await computeRunKernels(experiment, outcome.dataset!);
  const k = outcome.dataset!.outputs, m = n + kernels.nTest;
  const problem = { kernel: kernels.ntk, m, n, k, y: outcome.dataset!.yTrain.data, loss: 'mse' as const };
  for (const result of outcome.results) {
    assert.match(String(result.info.dynamics), /^block Lanczos \(Krylov dimension \d+/, `${result.job.id}: ${result.info.dynamics}`);
    assert.equal(result.info.conditionIsLowerBound, true);
    const model = experiment.models.find((mm) => result.job.id.startsWith(mm.name));
    assert.ok(model && model.kind === 'infinite');
    const stepwise = new KernelDynamics(problem, model.optimizer, model.learningRate, new BatchSchedule(n, 'full', experiment.seed));
    while (stepwise.step < 120) await stepwise.advance();
    const predictions = result.predictions!;
    assert.equal(predictions.length, (m - n) * k, 'test-point predictions');
    let diff = 0, scale = 0;
    for (let i = 0; i < (m - n) * k; i++) {
      diff = Math.max(diff, Math.abs(predictions[i] - stepwise.f[n * k + i]));
      scale = Math.max(scale, Math.abs(stepwise.f[n * k + i]));
    }
    assert.ok(scale > 0.1, 'the dynamics moved the predictions');
    assert.ok(diff < 1e-4 * scale, `${result.job.id}: max difference ${diff} (scale ${scale})`);
  }
});

/**
 * Heavy-ball momentum has no closed form: where the Krylov space would cost more than stepping through
 * the dynamics (krylovBudget: few steps), the run steps through them with float32 kernel products and
 * says so, predicting what the float64 stepwise dynamics predict; with many steps the space is tried.
 */
test('momentum over few steps on 1100 points steps through the dynamics instead of building a Krylov space', async () => {
  const n = 1100, steps = 12;
  const text = tinyExperimentText({
    name: 'krylov-budget', seed: 3, train: n, test: 40, inputDim: 6, outputs: 2, noise: 0.05, steps, learningRate: 1, logEvery: 4,
    models: '  heavy: { kind: infinite, method: ntk, optimizer: { name: momentum, momentum: 0.9 } }',
  });
  const { experiment, diagnostics } = validateExperiment(text, { filePath: '/tmp/krylov-budget.iwl.yaml', host: nodeValidationHost() });
  assert.ok(experiment, diagnostics.map((d) => d.message).join('; '));
  const logs: string[] = [];
  const outcome = await runExperiment(experiment, {
    signal: new AbortController().signal, trainers: { finite: trainFinite, infinite: trainInfinite }, onEvent: (event) => { if (event.type === 'log') logs.push(event.message); },
  });
  assert.equal(outcome.status, 'completed', outcome.error);
  const [result] = outcome.results;
  assert.equal(result.info.dynamics, 'step by step (float32 kernel products)');
  assert.ok(logs.some((l) => /a Krylov space would cost more/.test(l)), logs.join('\n'));
  const kernels = await computeRunKernels(experiment, outcome.dataset!);
  const k = outcome.dataset!.outputs, m = n + kernels.nTest;
  assert.ok(krylovBudget(n, m, k, steps) < firstKrylovCheck(k), 'a space is not worth its first check over these steps');
  assert.ok(krylovBudget(n, m, k, 1000) >= firstKrylovCheck(k), 'over many steps it is');
  const problem = { kernel: kernels.ntk, m, n, k, y: outcome.dataset!.yTrain.data, loss: 'mse' as const };
  const model = experiment.models[0];
  assert.ok(model.kind === 'infinite');
  const reference = new KernelDynamics(problem, model.optimizer, model.learningRate, new BatchSchedule(n, 'full', experiment.seed));
  while (reference.step < steps) await reference.advance();
  let diff = 0, scale = 0;
  for (let i = 0; i < (m - n) * k; i++) {
    diff = Math.max(diff, Math.abs(result.predictions![i] - reference.f[n * k + i]));
    scale = Math.max(scale, Math.abs(reference.f[n * k + i]));
  }
  assert.ok(scale > 0.01, 'the dynamics moved the predictions');
  assert.ok(diff < 1e-4 * scale, `max difference ${diff} (scale ${scale})`);
});

test('the Krylov budget grows with the steps it must beat and never passes the largest space or n', () => {
  const sizes = [[1100, 1140, 2], [8000, 10000, 10]] as const;
  for (const [n, m, k] of sizes) {
    let last = -1;
    for (const steps of [1, 10, 100, 1000, 10000, 1e6]) {
      const budget = krylovBudget(n, m, k, steps);
      assert.ok(budget >= last, `n=${n}, ${steps} steps: ${budget} after ${last}`);
      assert.ok(budget <= Math.min(n, KRYLOV_MAX_DIMENSION));
      last = budget;
    }
    assert.equal(krylovBudget(n, m, k, 1e9), Math.min(n, KRYLOV_MAX_DIMENSION));
  }
});
