/**
 * OPTIONAL cross-check against numpy.linalg (LAPACK), run only where `python3 -c "import numpy"` works;
 * elsewhere the test is skipped, so the default suite never depends on Python.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Rng } from '../../../engine/util/rng';
import { cholesky, eighSymmetric, solveSpd } from '../../../engine/linalg';
import { backwardTol, fro, minus, randomMatrix, randomSpd, rbfGram } from './matrixFixtures';

const numpyAvailable = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

const SCRIPT = `
import json, sys, numpy as np
job = json.load(sys.stdin)
n = job["n"]
a = np.array(job["a"], dtype=np.float64).reshape(n, n)
b = np.array(job["b"], dtype=np.float64).reshape(n, -1)
out = {"eigvals": np.linalg.eigvalsh(a).tolist()}
if job["spd"]:
    out["chol"] = np.linalg.cholesky(a).ravel().tolist()
    out["solve"] = np.linalg.solve(a, b).ravel().tolist()
json.dump(out, sys.stdout)
`;

function numpy(a: Float64Array, n: number, b: Float64Array, spd: boolean): { eigvals: number[]; chol?: number[]; solve?: number[] } {
  const result = spawnSync('python3', ['-c', SCRIPT], {
    input: JSON.stringify({ n, a: Array.from(a), b: Array.from(b), spd }),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

describe('cross-check against numpy.linalg', { skip: numpyAvailable ? false : 'numpy is not importable by python3' }, () => {
  test('random SPD n=200: eigenvalues, Cholesky factor and solve agree with LAPACK', () => {
    const n = 200;
    const rng = new Rng(51);
    const a = randomSpd(rng, n, 0.2); // cond about 21
    const b = randomMatrix(rng, n, 2);
    const ref = numpy(a, n, b, true);
    const values = eighSymmetric(a, n).values;
    // Both are backward stable: eigenvalues within 2 x (10 n eps ||A||_2), ||A||_2 <= ||A||_F.
    const valueTol = 2 * backwardTol(n) * fro(a);
    ref.eigvals.forEach((x, i) => assert.ok(Math.abs(values[i] - x) <= valueTol, `eigenvalue ${i}`));
    // The Cholesky factor is unique; perturbation theory bounds the difference by cond * O(n eps) relatively.
    const cond = 25;
    assert.ok(fro(minus(cholesky(a, n), ref.chol!)) / fro(ref.chol!) <= 2 * cond * backwardTol(n));
    const x = solveSpd(a, n, b, 2).x;
    assert.ok(fro(minus(x, ref.solve!)) / fro(ref.solve!) <= 2 * cond * backwardTol(n));
  });

  test('ill-conditioned RBF Gram n=150: eigenvalues agree absolutely within 2 x 10 n eps ||K||', () => {
    const points = Array.from({ length: 150 }, (_, i) => Math.sin(0.37 * i));
    const n = points.length;
    const k = rbfGram(points, 0.8);
    const ref = numpy(k, n, new Float64Array(n), false);
    const values = eighSymmetric(k, n).values;
    const tol = 2 * backwardTol(n) * fro(k);
    ref.eigvals.forEach((x, i) => assert.ok(Math.abs(values[i] - x) <= tol, `eigenvalue ${i}: ${values[i]} vs ${x}`));
  });
});
