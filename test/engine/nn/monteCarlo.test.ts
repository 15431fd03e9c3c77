/**
 * Analytic NNGP and NTK (computeKernels) against Monte Carlo averages over many seeds of wide random
 * networks built by the engine's own finite-network code (initParams + empiricalKernels).
 *
 * The estimators. Each seed s gives one network and, on 5 fixed points, three per-output kernels
 * (each already an average over the network's k outputs):
 *   NNGP_hat_s = F F^T / k                                  (the output products themselves)
 *   NNGP_bar_s = E over the readout of NNGP_hat_s           (= wStd^2/n x_L . x_L' + bStd^2, exact)
 *   NTK_hat_s  = J J^T / k                                  (layer-wise, checked against tf.grad elsewhere)
 * Seeds are independent, so the per-seed values are i.i.d.; outputs of one network are not
 * independent of each other (they share the hidden layers), which is why the unit of sampling is the
 * seed, and a network's k outputs only shrink each seed's variance.
 *
 * The tolerance, per kernel entry (i, j), for S seeds at width n:
 *
 *     |mean_s K_s(i,j) - K(i,j)|  <=  Z * sd_s(K_s(i,j)) / sqrt(S)  +  BIAS_PER_LAYER * m * max|K| / n
 *
 * 1. Noise: sd is the measured sample standard deviation over the seeds, so the first term is Z
 *    standard errors. Z = 4.5: a correct implementation exceeds it with probability 6.8e-6 per
 *    entry (normal; with S >= 400 seeds Student's t is indistinguishable from it); over the 540
 *    checked entries (12 cases x 3 estimators x 15) that is a 0.4% chance that some seed set
 *    would fail by noise alone.
 * 2. Finite-width bias: the first hidden layer's pre-activations are exactly Gaussian, and given the
 *    layer below, h_{l+1} is exactly Gaussian with the empirical covariance Sigma_hat_l, an average of
 *    n i.i.d. terms with mean Sigma_l. So E[K_hat] = K exactly at depth 1 (and for linear blocks), and
 *    each deeper block l >= 2 with a nonlinear activation adds E[G(Sigma_hat)] - G(Sigma)
 *    = (1/2) G'' Var(Sigma_hat) + O(1/n^2) = O(1/n) (delta method). m counts those blocks. The constant
 *    was measured with this code at widths 16 and 48 (6,000 seeds each) on all the deep cases below:
 *    n * |bias| / max|K| per such block was at most 0.45 +- 0.08 (relu, gelu, abRelu NNGP; erf, tanh,
 *    softplus and every NTK smaller), the same at both widths, as O(1/n) predicts. BIAS_PER_LAYER = 1
 *    is twice that.
 * 3. Resolution: a tolerance can hide an error as large as itself, so every case also asserts its
 *    largest tolerance stays below MAX_TOLERANCE of max|K|: each case can detect an error of 10%
 *    of the kernel in any entry (measured: 1.2% to 7% here; a wrong wStd^2, bias, Kd or a missing
 *    layer term is far larger), and the last test shows that a kernel 8% off fails.
 *    Closed forms against quadrature test the kernels to 1e-5 elsewhere; this test checks that the
 *    analytic kernels describe the networks the engine actually builds.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../../engine/backend';
import { computeKernels } from '../../../engine/kernels/analytic';
import { activationName } from '../../../engine/activations/registry';
import { architectureOf } from '../../../engine/nn/architecture';
import { EmpiricalKernels, empiricalKernels } from '../../../engine/nn/empiricalKernels';
import { initParams } from '../../../engine/nn/finiteNetwork';
import { NetSpec, makeNetwork, randomPoints } from './networkFixtures';

const Z = 4.5;
const BIAS_PER_LAYER = 1;
const MAX_TOLERANCE = 0.1;

interface McCase {
  spec: NetSpec;
  width: number;
  outputs: number;
  seeds: number;
}

const relu = { kind: 'relu' } as const;
const erf = { kind: 'erf' } as const;
const shallow = { width: 128, outputs: 128, seeds: 400 };
const deep = { width: 128, outputs: 128, seeds: 600 };
const cases: McCase[] = [
  { spec: { hidden: [[relu]], bStd: 0.2 }, ...shallow },
  { spec: { hidden: [[relu], [relu]], wStd: 1.4 }, ...deep },
  { spec: { hidden: [[relu], [relu], [relu]], bStd: 0.1 }, ...deep },
  { spec: { hidden: [[erf]], wStd: 1.5 }, ...shallow },
  { spec: { hidden: [[erf], [erf], [erf]], wStd: 1.5, bStd: 0.3 }, ...deep },
  { spec: { hidden: [[{ kind: 'tanh' }], [{ kind: 'tanh' }]], wStd: 1.2, bStd: 0.1 }, ...deep },
  { spec: { hidden: [[{ kind: 'leakyRelu', slope: 0.1 }]], wStd: 2 }, ...shallow },
  { spec: { hidden: [[{ kind: 'abRelu', a: -0.3, b: 1.2 }], [{ kind: 'abRelu', a: -0.3, b: 1.2 }]], bStd: 0.2 }, ...deep },
  { spec: { hidden: [[{ kind: 'gelu' }], [{ kind: 'gelu' }]], wStd: 1.3, bStd: 0.1 }, ...deep },
  { spec: { hidden: [[{ kind: 'softplus' }]], wStd: 0.8, bStd: 0.5 }, ...shallow },
  { spec: { hidden: [[{ kind: 'identity' }], [{ kind: 'identity' }]], wStd: 1.3, bStd: 0.4 }, ...shallow },
  { spec: { hidden: [[{ kind: 'tanh' }, { kind: 'abRelu', a: 0.2, b: 1 }]], bStd: 0.3 }, ...shallow },
];

function describeCase(c: McCase): string {
  const blocks = c.spec.hidden.map((chain) => (chain.length ? chain.map(activationName).join('.') : 'linear')).join(' > ');
  return `${blocks}, wStd ${c.spec.wStd ?? 1}, bStd ${c.spec.bStd ?? 0}`;
}

/** Blocks after the first whose activation is not linear: each adds an O(1/n) finite-width bias. */
function biasedLayers(spec: NetSpec): number {
  return spec.hidden.slice(1).filter((chain) => chain.some((a) => a.kind !== 'identity')).length;
}

const points = randomPoints(5, 3, 2024);
const estimators = [
  { name: 'NNGP (output products)', sample: (e: EmpiricalKernels) => e.nngp, analytic: 'nngp' as const },
  { name: 'NNGP (readout averaged)', sample: (e: EmpiricalKernels) => e.nngpReadoutMean, analytic: 'nngp' as const },
  { name: 'NTK', sample: (e: EmpiricalKernels) => e.ntk, analytic: 'ntk' as const },
];

/** Per-entry sums of the three estimators over the seeds. */
interface Samples {
  seeds: number;
  sums: { s1: Float64Array; s2: Float64Array }[];
}

async function sample(c: McCase): Promise<Samples> {
  const arch = architectureOf(makeNetwork(c.spec));
  const n = points.rows;
  const sums = estimators.map(() => ({ s1: new Float64Array(n * n), s2: new Float64Array(n * n) }));
  for (let seed = 0; seed < c.seeds; seed++) {
    const kernels = await empiricalKernels(initParams(arch, points.cols, c.width, c.outputs, seed), points);
    estimators.forEach((est, e) => {
      const values = est.sample(kernels);
      for (let i = 0; i < n * n; i++) {
        sums[e].s1[i] += values[i];
        sums[e].s2[i] += values[i] * values[i];
      }
    });
  }
  return { seeds: c.seeds, sums };
}

/** Checks every entry (i <= j) of every estimator against `analytic`; returns failures and one line per estimator. */
function check(c: McCase, samples: Samples, analytic: { nngp: Float64Array; ntk: Float64Array }): { failures: string[]; notes: string[] } {
  const n = points.rows;
  const S = samples.seeds;
  const failures: string[] = [];
  const notes: string[] = [];
  estimators.forEach((est, e) => {
    const exact = analytic[est.analytic];
    const { s1, s2 } = samples.sums[e];
    const scale = Math.max(...Array.from(exact, Math.abs));
    const bias = (BIAS_PER_LAYER * biasedLayers(c.spec) * scale) / c.width;
    let worstZ = 0;
    let worstTol = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        const at = i * n + j;
        const mean = s1[at] / S;
        const se = Math.sqrt(Math.max(0, (s2[at] - S * mean * mean) / (S - 1)) / S);
        const tol = Z * se + bias;
        const err = Math.abs(mean - exact[at]);
        worstZ = Math.max(worstZ, err / se);
        worstTol = Math.max(worstTol, tol / scale);
        if (err > tol) {
          failures.push(`${est.name} (${i}, ${j}): Monte Carlo ${mean.toFixed(5)} vs analytic ${exact[at].toFixed(5)}, ` +
            `|diff| ${err.toExponential(2)} > ${Z} x SE ${se.toExponential(2)} + bias allowance ${bias.toExponential(2)}`);
        }
      }
    }
    if (worstTol > MAX_TOLERANCE) {
      failures.push(`${est.name}: the tolerance reached ${(100 * worstTol).toFixed(1)}% of max|K|, above ${100 * MAX_TOLERANCE}%: too few samples to test anything`);
    }
    notes.push(`${est.name}: largest |diff| ${worstZ.toFixed(2)} SE; tolerance up to ${(100 * worstTol).toFixed(1)}% of max|K|`);
  });
  return { failures, notes };
}

describe('analytic kernels against Monte Carlo over wide random networks', () => {
  before(async () => {
    await useBackend('wasm');
  });

  let firstSamples: Samples | null = null;
  for (const c of cases) {
    test(`${describeCase(c)}: width ${c.width}, ${c.seeds} seeds x ${c.outputs} outputs`, async (t) => {
      const samples = await sample(c);
      if (c === cases[0]) firstSamples = samples;
      const { failures, notes } = check(c, samples, await computeKernels(makeNetwork(c.spec), points, null));
      notes.forEach((note) => t.diagnostic(note));
      assert.deepEqual(failures, []);
    });
  }

  test('the same check rejects the kernels of a network whose wStd is 4% off (kernels about 8% off)', async () => {
    const c = cases[0];
    const samples = firstSamples ?? (await sample(c));
    const wrong = makeNetwork({ ...c.spec, wStd: (c.spec.wStd ?? 1) * 1.04 });
    const { failures } = check(c, samples, await computeKernels(wrong, points, null));
    for (const est of estimators) {
      assert.ok(failures.some((f) => f.startsWith(`${est.name} (`)), `${est.name} did not notice the wrong kernel`);
    }
  });
});
