import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../engine/util/rng';
import { matmul, matmulNT, matmulTN, matTvec, matvec, syrk, transpose } from '../../../engine/linalg';
import { EPS, maxAbsDiff, naiveMatmul, naiveTranspose, randomMatrix } from './matrixFixtures';

/**
 * Blocked products reorder the sums of the naive loop, so entries may differ by rounding: for an inner
 * size k with N(0,1) entries, |error| <= k eps sum_p |a_ip b_pj|, and sum_p |a_ip b_pj| <= k * max|a| max|b|
 * (max of a few hundred normals is below 5). Bound used: k * eps * k * 25 * 4.
 */
const productTol = (k: number): number => 100 * k * k * EPS;

// Shapes straddle every blocking edge: 4-row groups, 2-column pairs, 64-column and 256-deep blocks.
const shapes: [number, number, number][] = [[1, 1, 1], [3, 5, 2], [7, 13, 5], [65, 130, 67], [9, 300, 131], [130, 7, 1]];

describe('blas: products against the naive triple loop', () => {
  for (const [m, k, n] of shapes) {
    test(`matmul, matmulNT, matmulTN at ${m} x ${k} x ${n}`, () => {
      const rng = new Rng(m * 1000 + k * 10 + n);
      const a = randomMatrix(rng, m, k);
      const b = randomMatrix(rng, k, n);
      const ref = naiveMatmul(a, b, m, k, n);
      assert.ok(maxAbsDiff(matmul(a, b, m, k, n), ref) <= productTol(k));
      assert.ok(maxAbsDiff(matmulNT(a, naiveTranspose(b, k, n), m, k, n), ref) <= productTol(k));
      assert.ok(maxAbsDiff(matmulTN(naiveTranspose(a, m, k), b, k, m, n), ref) <= productTol(k));
    });
  }

  test('matvec and matTvec', () => {
    const rng = new Rng(7);
    const a = randomMatrix(rng, 37, 23);
    const x = randomMatrix(rng, 23, 1);
    const y = randomMatrix(rng, 37, 1);
    assert.ok(maxAbsDiff(matvec(a, x, 37, 23), naiveMatmul(a, x, 37, 23, 1)) <= productTol(23));
    assert.ok(maxAbsDiff(matTvec(a, y, 37, 23), naiveMatmul(naiveTranspose(a, 37, 23), y, 23, 37, 1)) <= productTol(37));
  });

  test('syrk gives the full symmetric Gram matrix A A^T', () => {
    const rng = new Rng(8);
    for (const [m, k] of [[1, 3], [70, 20], [131, 9]]) {
      const a = randomMatrix(rng, m, k);
      const g = syrk(a, m, k);
      assert.ok(maxAbsDiff(g, naiveMatmul(a, naiveTranspose(a, m, k), m, k, m)) <= productTol(k));
      assert.equal(maxAbsDiff(g, naiveTranspose(g, m, m)), 0, 'exactly symmetric');
    }
  });

  test('transpose is exact, including non-square and block edges', () => {
    const rng = new Rng(9);
    const a = randomMatrix(rng, 33, 70);
    assert.deepEqual(transpose(a, 33, 70), naiveTranspose(a, 33, 70));
  });

  test('shape mismatches name the argument and the sizes', () => {
    assert.throws(() => matmul(new Float64Array(6), new Float64Array(6), 2, 3, 3), /matmul: B: expected 3 x 3 = 9 values, got 6/);
    assert.throws(() => matvec(new Float64Array(6), new Float64Array(2), 2, 3), /matvec: x: expected 3 = 3 values, got 2/);
  });
});
