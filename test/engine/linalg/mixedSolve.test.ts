import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../../engine/backend';
import { Rng } from '../../../engine/util/rng';
import { cholesky, choleskyFloat32, Float32Cholesky, MIXED_BACKWARD_TOL, solveSpd, solveSpdMixed } from '../../../engine/linalg';
import { hilbert, randomMatrix } from './matrixFixtures';

/** eps_32 = 2^-23. */
const EPS32 = 2 ** -23;
/**
 * Forward error of a solve is at most cond * (its backward error) to first order (Higham, Thm 7.2). Both the
 * mixed solve (backward error <= MIXED_BACKWARD_TOL) and the float64 reference (O(n eps_64) = 4.4e-13 at
 * n = 2000) contribute, so their difference is bounded by cond * 1e-12.
 */
const FORWARD_PER_COND = 1e-12;

/** The benchmark's kernel-like matrix: RBF Gram of random 10-d points plus 1e-3 I (cond ~ 1e5 - 1e6). */
function rbfKernel(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const d = 10;
  const x = randomMatrix(rng, n, d);
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < d; p++) s += (x[i * d + p] - x[j * d + p]) ** 2;
      k[i * n + j] = k[j * n + i] = Math.exp(-s / (2 * d)) + (i === j ? 1e-3 : 0);
    }
  }
  return k;
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num = Math.max(num, Math.abs(a[i] - b[i])); den = Math.max(den, Math.abs(b[i])); }
  return num / den;
}

describe('mixed-precision SPD solve (wasm backend)', () => {
  before(async () => { await useBackend('wasm'); });

  test('choleskyFloat32 matches the float64 factor to float32 accuracy, over several blocks and a ragged last one', async () => {
    const n = 600; // blocks of 256: 256, 256, 88
    const a = rbfKernel(n, 3);
    for (let i = 0; i < n; i++) a[i * n + i] += 0.1; // cond ~ 1e3, so the float32 factor is accurate to ~ cond * eps_32
    const l32 = await choleskyFloat32(a, n);
    const l64 = cholesky(a, n);
    const err = maxRelDiff(l32, l64);
    // Factor perturbation <= cond * n * eps_32 in the worst case; 1e3 * 600 * 1.2e-7 = 0.07 is the loose bound,
    // typical errors are 1e-5; an indexing bug gives O(1).
    assert.ok(err < 1e-3, `float32 factor error ${err}`);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(l32[i * n + j], 0);
    // Its triangular solves invert L L^T to float32 accuracy.
    const rng = new Rng(9);
    const b = randomMatrix(rng, n, 3);
    const factor = new Float32Cholesky(l32, n);
    try {
      const z = await factor.solve(b, 3);
      const exact = solveSpd(a, n, b, 3).x;
      assert.ok(maxRelDiff(z, exact) < 1e3 * 1e3 * EPS32, `preconditioner solve error ${maxRelDiff(z, exact)}`);
    } finally {
      factor.dispose();
    }
  });

  test('n = 2000 RBF kernel: float32 Cholesky + float64 CG agrees with the float64 solveSpd within cond * 1e-12', async () => {
    const n = 2000, k = 3;
    const a = rbfKernel(n, n);
    const b = randomMatrix(new Rng(7), n, k);
    const mixed = await solveSpdMixed(a, n, b, k, { diagReg: 1e-6 });
    const reference = solveSpd(a, n, b, k, { diagReg: 1e-6 });
    assert.equal(mixed.solver, 'float32 Cholesky + float64 CG');
    assert.equal(mixed.fallback, undefined);
    assert.ok(mixed.iterations >= 1 && mixed.iterations <= 10, `CG iterations ${mixed.iterations}`);
    assert.ok(mixed.backwardError <= MIXED_BACKWARD_TOL, `backward error ${mixed.backwardError}`);
    assert.equal(mixed.diagReg, reference.diagReg);
    assert.equal(mixed.diagShift, reference.diagShift);
    // The matrix is far from float32-exact (cond ~ 1e6 > 1e5): refinement did real work.
    assert.ok(mixed.condition > 1e4, `condition ${mixed.condition}`);
    const err = maxRelDiff(mixed.x, reference.x);
    assert.ok(err < mixed.condition * FORWARD_PER_COND, `relative difference ${err}, cond ${mixed.condition}`);
  });

  test('a matrix that is singular in float32 falls back to the float64 path and says so', async () => {
    // Hilbert(12): cond ~ 1.7e16, indefinite to float32 and at the edge of float64, so the float64 ladder regularizes.
    const n = 12;
    const a = hilbert(n);
    const b = new Float64Array(n).fill(1);
    const mixed = await solveSpdMixed(a, n, b, 1);
    const reference = solveSpd(a, n, b, 1);
    assert.equal(mixed.solver, 'float64 Cholesky');
    assert.match(mixed.fallback ?? '', /float32 factorization failed|CG reached/);
    assert.equal(mixed.diagReg, reference.diagReg);
    assert.deepEqual(Array.from(mixed.x), Array.from(reference.x));
    assert.ok(mixed.attempts >= 1 + reference.attempts);
    assert.ok(mixed.condition > 1e10, `condition ${mixed.condition}`);
  });

  test('an ill-conditioned kernel that float32 cannot factor is regularized by the float64 ladder, reported', async () => {
    // 1-D RBF Gram of 400 points in [0, 1] with lengthscale 0.5: numerically singular in float64 too.
    const n = 400;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = Math.exp(-(((i - j) / n) ** 2) / 0.5);
    const b = new Float64Array(n).fill(1);
    const mixed = await solveSpdMixed(a, n, b, 1);
    assert.equal(mixed.solver, 'float64 Cholesky');
    assert.ok(mixed.fallback);
    assert.ok(mixed.diagReg > 0, `diagReg ${mixed.diagReg}`);
    assert.equal(mixed.diagReg, solveSpd(a, n, b, 1).diagReg);
  });

  test('the cpu backend gives the same solution within the same tolerance', async () => {
    const n = 300, k = 2;
    const a = rbfKernel(n, 5);
    const b = randomMatrix(new Rng(11), n, k);
    const onWasm = await solveSpdMixed(a, n, b, k);
    await useBackend('cpu');
    try {
      const onCpu = await solveSpdMixed(a, n, b, k);
      assert.equal(onCpu.solver, 'float32 Cholesky + float64 CG');
      assert.ok(maxRelDiff(onCpu.x, onWasm.x) < onWasm.condition * FORWARD_PER_COND, `cpu vs wasm ${maxRelDiff(onCpu.x, onWasm.x)}`);
    } finally {
      await useBackend('wasm');
    }
  });
});
