/**
 * The finite-network trainer (SCIENCE.md sections 2, 4, 6): the experiment's network at the job's
 * width (every hidden dense layer takes it, whatever width the file states) and seed, trained with
 * the model's optimizer, loss, learning rate, steps and batches, yielding predictions on the train
 * and test points at every logged step (centered by default: f - f_init).
 *
 * Initialization: parameters from Rng.derive(experiment seed, 'init', width, seed), so models of the
 * same width and seed start from the same weights (a finite SGD and a finite Adam net are compared
 * from one starting point). Batches: the experiment's BatchSchedule, the same for every model.
 * Numbers are float32 (tfjs); the same file and seed give bit-identical results on one backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { Experiment } from '../experiment/experimentTypes';
import { architectureOf, type Architecture } from '../nn/architecture';
import { initParams, paramCount, type NetworkParams } from '../nn/finiteNetwork';
import type { FiniteJob, Job } from '../run/plan';
import { loggedSteps, type LogPoint, type TrainContext, type Trainer } from '../run/trainer';
import { CancelledError } from '../util/iwlError';
import { Rng } from '../util/rng';
import { BatchSchedule } from './batches';
import { AllLayersModel, ReadoutModel, TensorBag, type Checkpoint, type FiniteModel, type FiniteSetup } from './finiteModels';
import { LinearizedModel } from './linearized';

export const trainFinite: Trainer = (job: Job, context: TrainContext) => {
  if (job.kind !== 'finite') throw new RangeError(`trainFinite: job ${job.id} is not a finite model`);
  return finiteRun(job, context);
};

/** The experiment's architecture with every hidden dense layer at the job's width. */
export function architectureAtWidth(experiment: Experiment): Architecture {
  const arch = architectureOf(experiment.network);
  return { ...arch, hidden: arch.hidden.map((block) => ({ ...block, dense: { ...block.dense, width: null } })) };
}

/** The seed of a finite network's initial parameters: shared by all models of one width and seed. */
export function initSeed(experimentSeed: number, width: number, seed: number): number {
  return Rng.derive(experimentSeed, 'init', width, seed).nextUint32();
}

/** The job's initial parameters (plain data). */
export function finiteParams(experiment: Experiment, inputDim: number, outputs: number, width: number, seed: number): NetworkParams {
  return initParams(architectureAtWidth(experiment), inputDim, width, outputs, initSeed(experiment.seed, width, seed));
}

/** Longest time between event-loop turns inside a step, so a cancellation is seen promptly. */
const YIELD_EVERY_MS = 50;

async function* finiteRun(job: FiniteJob, context: TrainContext): AsyncGenerator<LogPoint> {
  const { experiment, dataset, signal } = context;
  const spec = job.model;
  const n = dataset.xTrain.rows;
  const k = dataset.outputs;
  let lastYield = Date.now();
  const checkpoint: Checkpoint = async () => {
    if (Date.now() - lastYield >= YIELD_EVERY_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = Date.now();
    }
    if (signal.aborted) throw new CancelledError();
  };
  await checkpoint();

  const params = finiteParams(experiment, dataset.inputDim, k, job.width, job.seed);
  const bag = new TensorBag();
  let model: FiniteModel | null = null;
  try {
    const setup: FiniteSetup = {
      params,
      loss: experiment.loss,
      centering: spec.centering,
      optimizer: spec.optimizer,
      learningRate: spec.learningRate,
      xTrain: bag.keep(tf.tensor2d(Float32Array.from(dataset.xTrain.data), [n, dataset.inputDim])),
      yTrain: bag.keep(tf.tensor2d(Float32Array.from(dataset.yTrain.data), [n, k])),
      xTest: bag.keep(tf.tensor2d(Float32Array.from(dataset.xTest.data), [dataset.xTest.rows, dataset.inputDim])),
    };
    const started = Date.now();
    model =
      spec.trainable === 'all'
        ? await AllLayersModel.create(setup, checkpoint)
        : spec.trainable === 'readout'
          ? await ReadoutModel.create(setup, checkpoint)
          : await LinearizedModel.create(setup, checkpoint);
    const setupSeconds = (Date.now() - started) / 1000;
    reportFacts(context, job, params, model, setupSeconds);

    const schedule = new BatchSchedule(n, spec.batchSize, experiment.seed);
    let t = 0;
    let stepSeconds = 0;
    for (const step of loggedSteps(spec.steps, spec.logEvery)) {
      while (t < step) {
        const before = performance.now();
        await model.step(schedule.fullBatch ? null : schedule.batch(t), checkpoint);
        stepSeconds += (performance.now() - before) / 1000;
        t++;
        context.onStep(t);
        await checkpoint();
      }
      // Centered, every model is exactly 0 at step 0 (g_0 = f_0 - f_init): no pass needed.
      const zero = step === 0 && spec.centering;
      const train = zero ? new Float32Array(n * k) : await model.predict('train', checkpoint);
      const test = zero ? new Float32Array(dataset.xTest.rows * k) : await model.predict('test', checkpoint);
      yield { step, train, test };
    }
    if (t > 0) context.report({ secondsPerStep: stepSeconds / t });
  } finally {
    model?.dispose();
    bag.dispose();
  }
}

function reportFacts(context: TrainContext, job: FiniteJob, params: NetworkParams, model: FiniteModel, setupSeconds: number): void {
  const spec = job.model;
  const trainable = model.slots.reduce((sum, s) => sum + s.variable.size, 0);
  const facts: Record<string, unknown> = {
    width: job.width,
    seed: job.seed,
    initSeed: initSeed(context.experiment.seed, job.width, job.seed),
    parametrization: params.parametrization,
    trainable: spec.trainable,
    centering: spec.centering,
    parameterCount: paramCount(params),
    trainableParameterCount: trainable,
    setupSeconds,
  };
  if (spec.optimizer.name === 'adam') {
    // Adam's width scales s_P: the step of tensor P is learningRate / s_P on the normalized gradient s_P dL/dP.
    facts.adamWidthScales = Object.fromEntries(model.slotNames.map((name, i) => [name, model.slots[i].scale]));
  }
  context.report(facts);
}
