/**
 * The engine's finite Adam (tfjs, float32: engine/train/finiteModels.ts + optimizers.ts) is the
 * width-scaled Adam of docs/SCIENCE.md section 5, checked against a float64 reference written apart from
 * it (referenceAdamMlp.ts) from the same initial weights, step for step, at depth 2 and 3 (issue #10).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../../engine/backend';
import { architectureOf } from '../../../engine/nn/architecture';
import { initParams } from '../../../engine/nn/finiteNetwork';
import { engineModel, issueAdam, issueData, issueNetwork, INPUT_DIM, referenceModel, rmsDiff } from './adamReferenceFixtures';
import { recipeScale } from './referenceAdamMlp';

before(async () => {
  await useBackend('wasm');
});

const LR = 0.02;

/**
 * Trains both for `steps` steps and returns the largest per-step RMS difference of their (centered)
 * train and test outputs, and how far the outputs moved (their largest RMS).
 */
async function stepForStep(hidden: number, width: number, steps: number, eps: number, wrongScale = false): Promise<{ worst: number; moved: number; detail: string }> {
  const data = issueData(32, 16, 2, 1);
  const params = initParams(architectureOf(issueNetwork(hidden)), INPUT_DIM, width, 2, 17 + hidden);
  const optimizer = issueAdam(eps);
  const engine = await engineModel(params, data, optimizer, LR);
  // The mutation: hidden-to-hidden matrices stepped by eta/sqrt(n) instead of eta/n.
  const scale = wrongScale
    ? (layers: Parameters<typeof recipeScale>[0], i: number, what: 'weight' | 'bias') =>
        what === 'weight' && i > 0 && i < layers.length - 1 ? Math.sqrt(width) : recipeScale(layers, i, what)
    : undefined;
  const reference = referenceModel(params, data, optimizer, LR, scale);
  let worst = 0;
  let moved = 0;
  const lines: string[] = [];
  try {
    for (let t = 1; t <= steps; t++) {
      await engine.step();
      reference.step();
      for (const split of ['train', 'test'] as const) {
        const { diff, scale: size } = rmsDiff(await engine.predict(split), reference.predict(split));
        worst = Math.max(worst, diff);
        moved = Math.max(moved, size);
        if (t === 1 || t === steps) lines.push(`step ${t} ${split}: rms diff ${diff.toExponential(2)}, rms output ${size.toFixed(3)}`);
      }
    }
  } finally {
    engine.dispose();
  }
  return { worst, moved, detail: lines.join('; ') };
}

// float32 against float64: the outputs are g = f - f_init with f of order 1, so the rounding is absolute,
// about 1e-7 of f per step (measured: RMS differences 4e-7 to 6e-7 at every step, depth 2 and 3, while g
// grows from 0.02 to 0.4). 1e-5 leaves a factor 17, and is 3000 times below what one wrong width scale
// does after a single step (3e-2, the last test).
const TOLERANCE = 1e-5;

test('finite Adam (tfjs) = the float64 reference of SCIENCE.md section 5, step for step, 2 hidden relu layers', async () => {
  const { worst, moved, detail } = await stepForStep(2, 96, 30, 1e-8);
  assert.ok(moved > 0.1, `the outputs should have moved: ${detail}`);
  assert.ok(worst < TOLERANCE, `RMS difference ${worst.toExponential(2)} (need < ${TOLERANCE}): ${detail}`);
});

test('finite Adam (tfjs) = the float64 reference, step for step, 3 hidden relu layers, eps large enough to matter', async () => {
  // eps 1e-3 is comparable to some normalized gradients, so eps's units (normalized, not raw, gradients) count here.
  const { worst, moved, detail } = await stepForStep(3, 64, 30, 1e-3);
  assert.ok(moved > 0.1, `the outputs should have moved: ${detail}`);
  assert.ok(worst < TOLERANCE, `RMS difference ${worst.toExponential(2)} (need < ${TOLERANCE}): ${detail}`);
});

test('the step-for-step check sees a wrong hidden-to-hidden scale (eta/sqrt(n) instead of eta/n)', async () => {
  const { worst, detail } = await stepForStep(2, 96, 10, 1e-8, true);
  assert.ok(worst > 1000 * TOLERANCE, `a wrong scale should be caught, RMS difference only ${worst.toExponential(2)}: ${detail}`);
});
