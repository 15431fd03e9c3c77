/**
 * Dual activations against slow, independent 2-D quadrature: the closed forms of SCIENCE.md
 * section 3 and the Hermite expansion used for every other activation.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Activation } from '../../../engine/experiment/experimentTypes';
import { DualMap, dualMapOf, hermiteMap } from '../../../engine/kernels/dualMaps';
import { chainOf } from '../../../engine/kernels/pointwise';
import { expectation1d, expectation2d } from '../../../engine/kernels/quadrature';

/** Composite Gauss-Legendre with cuts at kinks: two settings agree to ~1e-15 on these integrands. */
const REFERENCE = { panel: 0.5, order: 16 };
/** Closed forms vs quadrature: both are exact up to rounding; allow 1e-11 of the entry's scale. */
const CLOSED_TOLERANCE = 1e-11;
/** The Hermite expansion's documented bound is 1e-7 of sqrt(K(x,x) K(x',x')); test at that bound. */
const HERMITE_TOLERANCE = 1e-7;

interface Case {
  q1: number;
  q2: number;
  c: number;
}

/** (q, q', c) grid: tiny and zero variances, c = 0, c = +-sqrt(q q'), and near +-1 correlations. */
function grid(): Case[] {
  const variances = [0, 1e-9, 0.3, 1, 2.5];
  const rhos = [-1, -0.999, -0.5, 0, 0.3, 0.9, 0.99999, 1];
  const out: Case[] = [];
  for (const q1 of variances) {
    for (const q2 of variances) {
      if (q2 < q1) continue;
      for (const rho of q1 * q2 > 0 ? rhos : [0]) out.push({ q1, q2, c: rho * Math.sqrt(q1 * q2) });
    }
  }
  return out;
}

function evaluate(map: DualMap, cases: Case[]): { k: Float64Array; kd: Float64Array; scaleK: Float64Array; scaleKd: Float64Array } {
  const q1 = Float64Array.from(cases.map((c) => c.q1));
  const q2 = Float64Array.from(cases.map((c) => c.q2));
  const entries = map.prepare(q1, q2, false);
  const k = new Float64Array(cases.length);
  const kd = new Float64Array(cases.length);
  const one = new Float64Array(1);
  const k1 = new Float64Array(1);
  const kd1 = new Float64Array(1);
  // Entry i is the (i, i) element of the block: row point i against column point i.
  cases.forEach((c, i) => {
    one[0] = c.c;
    entries.block(i, 1, i, 1, one, k1, kd1);
    k[i] = k1[0];
    kd[i] = kd1[0];
  });
  const scaleK = Float64Array.from(cases.map((_, i) => Math.sqrt(Math.abs(entries.rowDiagonal.k[i] * entries.colDiagonal.k[i]))));
  const scaleKd = Float64Array.from(cases.map((_, i) => Math.sqrt(Math.abs(entries.rowDiagonal.kd[i] * entries.colDiagonal.kd[i]))));
  return { k, kd, scaleK, scaleKd };
}

function reference(activations: Activation[], c: Case): { k: number; kd: number } {
  const chain = chainOf(activations);
  const kinks = chain.kinks(100);
  return {
    k: expectation2d(chain.phi, kinks, chain.phi, kinks, c.q1, c.c, c.q2, REFERENCE),
    kd: expectation2d(chain.dphi, kinks, chain.dphi, kinks, c.q1, c.c, c.q2, REFERENCE),
  };
}

function checkAgainstQuadrature(map: DualMap, activations: Activation[], cases: Case[], tolerance: number): void {
  const got = evaluate(map, cases);
  cases.forEach((c, i) => {
    const want = reference(activations, c);
    const where = `${map.name} at q=${c.q1}, q'=${c.q2}, c=${c.c}`;
    assert.ok(Math.abs(got.k[i] - want.k) <= tolerance * got.scaleK[i] + 1e-14, `${where}: K ${got.k[i]} vs quadrature ${want.k}`);
    assert.ok(Math.abs(got.kd[i] - want.kd) <= tolerance * got.scaleKd[i] + 1e-14, `${where}: Kd ${got.kd[i]} vs quadrature ${want.kd}`);
  });
}

const closedForms: [string, Activation][] = [
  ['relu', { kind: 'relu' }],
  ['abRelu(-0.3, 1.2)', { kind: 'abRelu', a: -0.3, b: 1.2 }],
  ['abRelu(0.7, -0.4)', { kind: 'abRelu', a: 0.7, b: -0.4 }],
  ['leakyRelu(0.1)', { kind: 'leakyRelu', slope: 0.1 }],
  ['erf', { kind: 'erf' }],
  ['identity', { kind: 'identity' }],
  ['sin', { kind: 'sin' }],
  ['cos', { kind: 'cos' }],
];

describe('closed-form dual activations', () => {
  for (const [name, activation] of closedForms) {
    test(`${name} matches 2-D quadrature on a (q, q', c) grid`, () => {
      const map = dualMapOf([activation]);
      assert.equal(map.closedForm, true);
      checkAgainstQuadrature(map, [activation], grid(), CLOSED_TOLERANCE);
    });
  }

  test('relu equals abRelu(0, 1) (two separate formulas)', () => {
    const relu = evaluate(dualMapOf([{ kind: 'relu' }]), grid());
    const ab = evaluate(dualMapOf([{ kind: 'abRelu', a: 0, b: 1 }]), grid());
    for (let i = 0; i < relu.k.length; i++) {
      assert.ok(Math.abs(relu.k[i] - ab.k[i]) <= 1e-14 * (1 + relu.scaleK[i]), `K at case ${i}: ${relu.k[i]} vs ${ab.k[i]}`);
      assert.ok(Math.abs(relu.kd[i] - ab.kd[i]) <= 1e-14, `Kd at case ${i}: ${relu.kd[i]} vs ${ab.kd[i]}`);
    }
  });

  test('leakyRelu(s) equals abRelu(s, 1)', () => {
    const leaky = evaluate(dualMapOf([{ kind: 'leakyRelu', slope: 0.2 }]), grid());
    const ab = evaluate(dualMapOf([{ kind: 'abRelu', a: 0.2, b: 1 }]), grid());
    assert.deepEqual(Array.from(leaky.k), Array.from(ab.k));
    assert.deepEqual(Array.from(leaky.kd), Array.from(ab.kd));
  });

  test('a covariance a rounding error outside [-sqrt(qq\'), sqrt(qq\')] is clamped, not NaN', () => {
    for (const [, activation] of closedForms) {
      const got = evaluate(dualMapOf([activation]), [{ q1: 2, q2: 2, c: 2 * (1 + 1e-15) }, { q1: 2, q2: 2, c: -2 * (1 + 1e-15) }]);
      for (const v of [...got.k, ...got.kd]) assert.ok(Number.isFinite(v), `${activation.kind}: ${v}`);
    }
  });
});

const numeric: [string, Activation[]][] = [
  ['tanh', [{ kind: 'tanh' }]],
  ['sigmoid', [{ kind: 'sigmoid' }]],
  ['softplus', [{ kind: 'softplus' }]],
  ['gelu', [{ kind: 'gelu' }]],
  ['relu -> tanh', [{ kind: 'relu' }, { kind: 'tanh' }]],
  ['tanh -> abRelu(0.2, 1)', [{ kind: 'tanh' }, { kind: 'abRelu', a: 0.2, b: 1 }]],
  ['sin -> relu', [{ kind: 'sin' }, { kind: 'relu' }]],
];

/** A smaller grid for the numeric maps (the reference quadrature is slow for gelu's erf). */
function numericGrid(): Case[] {
  const out: Case[] = [];
  for (const [q1, q2] of [[1e-9, 1], [0.3, 0.3], [1, 2.5], [4, 0.5]]) {
    for (const rho of [-1, -0.95, 0, 0.6, 0.97, 0.9995, 1]) out.push({ q1, q2, c: rho * Math.sqrt(q1 * q2) });
  }
  out.push({ q1: 0, q2: 1, c: 0 });
  return out;
}

describe('numeric dual activations (Hermite expansion)', () => {
  for (const [name, activations] of numeric) {
    test(`${name} matches 2-D quadrature within the documented 1e-7`, () => {
      const map = dualMapOf(activations);
      assert.equal(map.closedForm, false);
      checkAgainstQuadrature(map, activations, numericGrid(), HERMITE_TOLERANCE);
    });
  }

  for (const [name, activation] of closedForms.filter(([n]) => n !== 'identity')) {
    test(`the expansion reproduces the closed form of ${name}`, () => {
      const cases = grid().filter((c) => c.q1 <= 2.5 && c.q2 <= 2.5);
      const exact = evaluate(dualMapOf([activation]), cases);
      const series = evaluate(hermiteMap(name, [activation]), cases);
      for (let i = 0; i < cases.length; i++) {
        const where = `${name} at ${JSON.stringify(cases[i])}`;
        assert.ok(Math.abs(series.k[i] - exact.k[i]) <= HERMITE_TOLERANCE * exact.scaleK[i] + 1e-14, `${where}: K ${series.k[i]} vs ${exact.k[i]}`);
        assert.ok(Math.abs(series.kd[i] - exact.kd[i]) <= HERMITE_TOLERANCE * exact.scaleKd[i] + 1e-14, `${where}: Kd ${series.kd[i]} vs ${exact.kd[i]}`);
      }
    });
  }

  test('diagonals (rho = 1) equal a 1-D quadrature of phi^2 and phi\'^2 within the bound, and the entries at rho = 1', () => {
    for (const [name, activations] of numeric) {
      const chain = chainOf(activations);
      const kinks = chain.kinks(100);
      const q = Float64Array.from([1e-6, 0.2, 1, 3, 9]);
      const entries = dualMapOf(activations).prepare(q, q, true);
      q.forEach((v, i) => {
        const phi2 = expectation1d((u) => chain.phi(u) ** 2, kinks, v, REFERENCE);
        const dphi2 = expectation1d((u) => chain.dphi(u) ** 2, kinks, v, REFERENCE);
        assert.ok(Math.abs(entries.rowDiagonal.k[i] - phi2) <= HERMITE_TOLERANCE * phi2 + 1e-15, `${name} q=${v}: ${entries.rowDiagonal.k[i]} vs ${phi2}`);
        assert.ok(Math.abs(entries.rowDiagonal.kd[i] - dphi2) <= HERMITE_TOLERANCE * dphi2 + 1e-15, `${name} q=${v}: ${entries.rowDiagonal.kd[i]} vs ${dphi2}`);
      });
      // The same points as separate row and column sets: the entry at rho = 1 is the diagonal to rounding,
      // so the next layer sees an identical pair at rho = 1, not 1 - 1e-7.
      const separate = dualMapOf(activations).prepare(q, q, false);
      const k = new Float64Array(q.length * q.length);
      const kd = new Float64Array(q.length * q.length);
      const cov = new Float64Array(q.length * q.length).map((_, e) => Math.sqrt(q[Math.floor(e / q.length)] * q[e % q.length]));
      separate.block(0, q.length, 0, q.length, cov, k, kd);
      q.forEach((_, i) => {
        const e = i * q.length + i;
        assert.ok(Math.abs(k[e] - separate.rowDiagonal.k[i]) <= 1e-14 * separate.rowDiagonal.k[i] + 1e-300, `${name}: K at rho = 1 ${k[e]} vs diagonal ${separate.rowDiagonal.k[i]}`);
        assert.ok(Math.abs(kd[e] - separate.rowDiagonal.kd[i]) <= 1e-14 * separate.rowDiagonal.kd[i] + 1e-300, `${name}: Kd at rho = 1`);
      });
    }
  });

  test('a point against itself takes its exact diagonal in a symmetric block', () => {
    const q = Float64Array.from([0.5, 2]);
    const entries = dualMapOf([{ kind: 'tanh' }]).prepare(q, q, true);
    const cov = Float64Array.from([0.5, 0.4, 0.4, 2]);
    const k = new Float64Array(4);
    const kd = new Float64Array(4);
    entries.block(0, 2, 0, 2, cov, k, kd);
    assert.equal(k[0], entries.rowDiagonal.k[0]);
    assert.equal(kd[3], entries.rowDiagonal.kd[1]);
    assert.equal(k[1], k[2]);
  });
});
