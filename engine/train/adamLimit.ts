/**
 * Method adam: the infinite-width limit of Adam training under the NTK parametrization with the
 * width-scaled steps of SCIENCE.md section 5 (Tensor Programs IVb, Yang & Littwin, arXiv 2308.01814),
 * computed by Monte Carlo. Derivation and sampling: adamLimitSamples.ts; dynamics: adamLimitDynamics.ts.
 *
 * The limit keeps features frozen, so the Gaussian-process samples (R backward per hidden layer, C
 * forward per sampled weight matrix) are drawn once, from Rng.derive(model.seed, 'adamLimit', ...), and
 * every sampled weight entry keeps its own Adam state.
 *
 * Accuracy and cost (DEFAULT_SAMPLES and defaultAdamSamples, adamLimitDefaults.ts). The Monte Carlo estimate is itself a random, network-like object:
 * with R = C = S its error against the exact limit shrinks like S^(-1/2) and is about the gap of a
 * width-S finite network to the limit (synthetic teacher, 1 hidden layer: Monte Carlo error 0.84/sqrt(S)
 * against a finite gap of 0.86/sqrt(width)). Measured on MNIST (10 outputs, d = 784, relu, MSE, Adam
 * lr 0.01, 30 full-batch steps; error = RMS test-prediction difference between two seeds / sqrt(2),
 * relative to the RMS prediction; seconds per step with tfjs-wasm on a shared 2-core machine, about
 * twice an idle machine's):
 *
 *   S = R = C          64     256    1024   4096   16384
 *   1 hidden, M = 500  30%    17%    8.7%   4.6%   2.2%     0.07 / 0.08 / 0.36 / 0.82 / 2.3 s per step
 *   1 hidden, M = 2000 31%    17%    9.0%   4.8%            0.06 / 0.14 / 0.56 / 1.65 s
 *   2 hidden, M = 500  38%    21%    10%    5.6%            0.013 / 0.05 / 0.38 / 2.3 s
 *   2 hidden, M = 2000 36%    20%    11%                    0.03 / 0.12 / 0.97 s (setup 4 / 6 / 20 s)
 *
 * Cost per step: O((R d + C k)(B + M)) with one hidden layer, plus O(R C (B + M)) per hidden-to-hidden
 * matrix: a run at R = C = S costs about what a width-S finite network costs on the same data. Memory:
 * R k M backward values per hidden layer, 2 C M forward values per sampled matrix, 3 R C (3 R d for the
 * input matrix) optimizer values, all float64.
 *
 * So the default R = C = 1024: the limit's own error is then about a width-1024 network's gap, which
 * keeps a width sweep up to ~1000 meaningful (the finite gap keeps shrinking instead of hitting the
 * Monte Carlo floor) at under a second per step for M <= 2000. For a sweep to width n, use R, C of at
 * least n (better 4 n); the trainer logs a note when a finite Adam model in the file is wider than
 * min(R, C). For quick looks 256 (about 20% error) is 5-8x cheaper.
 */
import { activeBackend } from '../backend';
import { computeKernels } from '../kernels/analytic';
import { architectureOf } from '../nn/architecture';
import type { InfiniteJob } from '../run/plan';
import { loggedSteps, type LogPoint, type TrainContext } from '../run/trainer';
import { CancelledError } from '../util/iwlError';
import type { Matrix } from '../util/matrix';
import { AdamLimitDynamics } from './adamLimitDynamics';
import type { ProductPath } from './adamLimitProducts';
import { drawAdamLimitSamples } from './adamLimitSamples';
import { BatchSchedule } from './batches';

/** Hands the event loop a turn at least this often during long loops, so cancellation can arrive. */
const YIELD_EVERY_MS = 50;

export async function* trainAdamLimit(job: InfiniteJob, context: TrainContext): AsyncGenerator<LogPoint> {
  const { dataset, experiment, signal } = context;
  const model = job.model;
  const { backward: R, forward: C } = model.samples;
  const seed = model.seed;
  const n = dataset.xTrain.rows;
  const k = dataset.outputs;
  const x = stackRows(dataset.xTrain, dataset.xTest);
  const hiddenLayers = architectureOf(experiment.network).hidden.length;
  const throwIfCancelled = () => {
    if (signal.aborted) throw new CancelledError();
  };

  // float32 tfjs products on a fast backend; float64 JavaScript on the pure-JS cpu backend (50x slower
  // than wasm, slower than the JS gemm) or when no backend was started.
  const backend = activeBackend();
  const products: ProductPath = backend && backend.name !== 'cpu' ? 'tfjs' : 'float64';
  const t0 = performance.now();
  // One hidden layer needs no covariance (h_1 is sampled exactly from the inputs); deeper nets need
  // Sigma_l and Kd_l over all M points.
  const layers = hiddenLayers >= 2 ? (await computeKernels(experiment.network, x, null, { layers: true, signal })).layers! : null;
  throwIfCancelled();
  const t1 = performance.now();
  const samples = await drawAdamLimitSamples({ network: experiment.network, x, outputs: k, layers, backward: R, forward: C, seed, signal, products });
  const t2 = performance.now();
  context.log(
    `Adam limit (Monte Carlo): R = ${R} backward, C = ${C} forward samples per layer, seed ${seed}, ${products} products; ` +
      `samples drawn in ${((t2 - t0) / 1000).toFixed(2)} s` +
      (samples.factors.length ? ` (${samples.factors.map((f) => `${f.matrix}: ${f.method}${f.jitter ? `, jitter ${f.jitter.toExponential(0)}` : ''}`).join('; ')})` : ''),
  );

  const widest = Math.max(0, ...experiment.models.flatMap((m) => (m.kind === 'finite' && m.optimizer.name === 'adam' && m.trainable === 'all' ? m.widths : [])));
  if (widest > Math.min(R, C)) {
    context.log(
      `note: a finite Adam model in this file has width ${widest}, more than min(R, C) = ${Math.min(R, C)}; the limit's own Monte Carlo ` +
        `error is about a width-${Math.min(R, C)} network's gap, so gaps at larger widths level off at it (raise samples.backward/forward)`,
    );
  }

  const schedule = new BatchSchedule(n, model.batchSize, experiment.seed);
  const dynamics = new AdamLimitDynamics({ samples, n, y: dataset.yTrain.data, loss: experiment.loss }, model.optimizer, model.learningRate, schedule, products);
  let stepSeconds = 0;
  const report = () =>
    context.report({
      samples: { backward: R, forward: C },
      seed,
      products,
      factorizations: samples.factors,
      seconds: {
        layerKernels: round((t1 - t0) / 1000),
        sampling: round((t2 - t1) / 1000),
        steps: round(stepSeconds),
        perStep: dynamics.step > 0 ? round(stepSeconds / dynamics.step, 6) : null,
      },
    });
  report();

  try {
    let lastYield = performance.now();
    for (const step of loggedSteps(model.steps, model.logEvery)) {
      while (dynamics.step < step) {
        throwIfCancelled();
        const s0 = performance.now();
        await dynamics.advance();
        const s1 = performance.now();
        stepSeconds += (s1 - s0) / 1000;
        context.onStep(dynamics.step);
        if (s1 - lastYield > YIELD_EVERY_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
      }
      throwIfCancelled();
      const f = dynamics.f;
      yield { step, train: f.slice(0, n * k), test: f.slice(n * k) };
    }
  } finally {
    dynamics.dispose();
    report();
  }
}

/** [xTrain; xTest] as one float64 matrix [M, d]. */
function stackRows(a: Matrix, b: Matrix): Matrix {
  const data = new Float64Array((a.rows + b.rows) * a.cols);
  data.set(a.data, 0);
  data.set(b.data, a.rows * a.cols);
  return { rows: a.rows + b.rows, cols: a.cols, data };
}

function round(v: number, digits = 3): number {
  const s = Math.pow(10, digits);
  return Math.round(v * s) / s;
}
