/**
 * Issue #10: with 2 and 3 hidden layers, finite Adam networks approach the Adam limit like width^-1/2
 * over widths 128-2048, and the engine's networks are as close to it as independent ones: float64
 * reference networks (referenceAdamMlp.ts) drawn from a generator unrelated to the engine's.
 *
 * The setup is the issue's (adamReferenceFixtures.ts) made cheaper: 32 train and 32 test points, 4
 * outputs (independent readouts: 4 times the data per network for the seed noise, at no cost to the
 * limit), 10 steps. The limit is the mean of 64 Monte Carlo estimates at R = C = 512 (SCIENCE.md
 * section 5.3): its error (measured 0.002) is a sixth of the width-2048 gap. The limit's error adds to
 * every gap in quadrature, so a larger one flattens every slope: at 16 estimates (error 0.004) the
 * independent networks' slope with 3 hidden layers measured -0.40.
 *
 * One seed's gap varies by about 12% (24 seeds at widths 128 and 512: engine 0.0473 +- 0.0063 and
 * 0.0250 +- 0.0030, independent networks 0.0445 +- 0.0045 and 0.0251 +- 0.0028, 3 hidden layers), so
 * the end points of the slope take 8 seeds each and the middle 4. Measured (data seed 1): slopes
 * -0.506 (engine) and -0.496 (independent) with 2 hidden layers, -0.484 and -0.440 with 3; gap
 * ratios 0.97-1.11. The float64 networks cost about 1 s per step at width 2048 in plain JavaScript,
 * most of this test's time.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../../engine/backend';
import { logLogSlope } from './finiteConvergence';
import { adamLimitMean, issueData, meanGap, type Training } from './adamReferenceFixtures';

before(async () => {
  await useBackend('wasm');
});

const WIDTHS = [128, 512, 2048];
/** Monte Carlo estimates averaged into the limit. */
const LIMIT_RUNS = 64;
const SEEDS = [8, 4, 8];
/** The issue asks for -0.4 or steeper; theory says -1/2 (SCIENCE.md section 5.2). */
const REQUIRED_SLOPE = -0.4;
/** Reference gap / engine gap at one width: a 4-seed mean has about 7% seed noise (measured 0.85-1.09, data seeds 1-3). */
const GAP_RATIO = [0.7, 1.4];

async function sweep(hidden: number): Promise<void> {
  const training: Training = { hidden, data: issueData(32, 32, 4, 1), steps: 10, learningRate: 0.02 };
  const started = Date.now();
  const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
  const limit = await adamLimitMean(training, 512, LIMIT_RUNS);
  const times = [`limit ${seconds()} s`];
  const scale = Math.sqrt(limit.test.reduce((s, v) => s + v * v, 0) / limit.test.length);
  const engine: number[] = [];
  for (let i = 0; i < WIDTHS.length; i++) {
    engine.push(await meanGap('engine', training, WIDTHS[i], SEEDS[i], limit.test));
    times.push(`engine ${WIDTHS[i]} ${seconds()} s`);
  }
  const reference: number[] = [];
  for (let i = 0; i < WIDTHS.length; i++) {
    reference.push(await meanGap('reference', training, WIDTHS[i], SEEDS[i], limit.test));
    times.push(`reference ${WIDTHS[i]} ${seconds()} s`);
  }
  const slope = logLogSlope(WIDTHS, engine);
  const referenceSlope = logLogSlope(WIDTHS, reference);
  const detail =
    `engine gaps ${engine.map((g) => g.toFixed(4)).join(', ')} at widths ${WIDTHS.join(', ')} (slope ${slope.toFixed(3)}); ` +
    `reference ${reference.map((g) => g.toFixed(4)).join(', ')} (slope ${referenceSlope.toFixed(3)}); limit RMS ${scale.toFixed(3)}, its Monte Carlo error ${limit.error.toFixed(4)}`;
  if (process.env.IWL_TEST_VERBOSE) console.log(`${hidden} hidden: ${detail}; ${times.join(', ')}`);
  assert.ok(scale > 0.08, `the limit barely moved: ${detail}`);
  assert.ok(limit.error < engine[engine.length - 1] / 2, `the limit's own Monte Carlo error is too large for this test: ${detail}`);
  assert.ok(slope <= REQUIRED_SLOPE, `finite Adam approaches the limit too slowly, slope ${slope.toFixed(3)} (need <= ${REQUIRED_SLOPE}): ${detail}`);
  assert.ok(referenceSlope <= REQUIRED_SLOPE, `the independent networks approach the limit too slowly, slope ${referenceSlope.toFixed(3)} (need <= ${REQUIRED_SLOPE}): ${detail}`);
  for (let i = 0; i < WIDTHS.length; i++) {
    const ratio = reference[i] / engine[i];
    assert.ok(ratio > GAP_RATIO[0] && ratio < GAP_RATIO[1], `at width ${WIDTHS[i]} the engine's networks and independent ones differ in their gap (ratio ${ratio.toFixed(2)}): ${detail}`);
  }
}

test('finite Adam with 2 hidden relu layers approaches the Adam limit like width^-1/2 (widths 128-2048), as close as independent float64 networks', async () => {
  await sweep(2);
});

test('finite Adam with 3 hidden relu layers approaches the Adam limit like width^-1/2 (widths 128-2048), as close as independent float64 networks', async () => {
  await sweep(3);
});
