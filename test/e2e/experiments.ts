/**
 * The experiment files the end-to-end walk writes into its workspace. Sized for a 2-core CI
 * machine that also runs code-server and Chromium: measured with `iwl run` on such a machine,
 * tiny takes 0.2 s, live about 3.5 s, sweep about 6 s; long would take about 3 minutes, and is only
 * ever stopped or killed a few seconds in.
 */
import { tinyExperimentText } from '../fixtures/tinyExperiment';

/** An NTK and its finite SGD network on a synthetic teacher: the quickest complete run. */
export const tinyExperiment = `# A tiny experiment: an NTK and its finite SGD network on a synthetic teacher.\n${tinyExperimentText()}`;

/** tiny with an unknown key: the validator's iwl(unknown-key) diagnostic. */
export const brokenExperiment = tinyExperiment.replace('name: tiny', 'name: broken').replace('loss: mse', 'loss: mse\nlearningrate: 3');

/** tiny with a near miss the validator can fix (`lerningRate`): the Quick Fix and completion checks (test/e2e/editor.ts). */
export const scratchExperiment = tinyExperiment.replace('name: tiny', 'name: scratch').replace('learningRate:', 'lerningRate:');

/**
 * One finite job that streams for a few seconds: the step axis of its curves grows with every
 * batch. (An infinite model runs first and logs every step at once, which would fill the axis.)
 */
export const liveExperiment = `# One wide ReLU network trained by SGD for a few seconds: curves that grow.
name: live
seed: 0
data: { source: synthetic, kind: teacher, inputDim: 8, train: 256, test: 64, outputs: 1, noise: 0 }
network:
  layers:
    - dense: { width: 1024 }
    - relu
    - dense: {}
loss: mse
training: { steps: 600, learningRate: 0.5, batchSize: full, logEvery: 5 }
models:
  sgd: { kind: finite, widths: [1024], seeds: 1, optimizer: sgd }
`;

/** live, about 30 times longer: a run that is still going when Stop is clicked or the engine is killed. */
export const longExperiment = liveExperiment
  .replace('# One wide ReLU network trained by SGD for a few seconds: curves that grow.', '# A long run (minutes), to stop and to crash mid-run.')
  .replace('name: live', 'name: long')
  .replace('steps: 600', 'steps: 20000')
  .replace('logEvery: 5', 'logEvery: 10');

/** The width sweep on real MNIST digits: finite SGD at three widths against the NTK. */
export const sweepExperiment = `# Finite ReLU networks at three widths next to the NTK, on 200 MNIST digits (0, 1, 2).
name: width-sweep
seed: 0
data: { source: mnist, train: 200, test: 200, classes: [0, 1, 2] }
network:
  layers:
    - dense: { width: 256 }
    - relu
    - dense                      # the readout: one unit per class
loss: mse
training: { steps: 120, learningRate: 2.0, batchSize: full, logEvery: 2 }
models:
  sgd: { kind: finite, widths: [32, 128, 512], seeds: 1, optimizer: sgd }
  ntk: { kind: infinite, method: ntk }     # the limit of sgd as width grows
`;

export const workspaceFiles: Record<string, string> = {
  'tiny.iwl.yaml': tinyExperiment,
  'broken.iwl.yaml': brokenExperiment,
  'live.iwl.yaml': liveExperiment,
  'long.iwl.yaml': longExperiment,
  'width-sweep.iwl.yaml': sweepExperiment,
};
