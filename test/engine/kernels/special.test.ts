import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compositeRule, erf, gaussLegendre, normalCdf } from '../../../engine/kernels/special';

describe('special functions', () => {
  test('erf matches tabulated values to 1e-15 relative', () => {
    // Values from Abramowitz & Stegun / mpmath (17 significant digits).
    const table: [number, number][] = [
      [0, 0],
      [1e-10, 1.1283791670955126e-10],
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [2.9, 0.9999589021219005],
      [3.1, 0.9999883513426328],
      [4, 0.9999999845827421],
      [6, 1],
    ];
    for (const [x, want] of table) {
      assert.ok(Math.abs(erf(x) - want) <= 1e-15 * Math.max(1e-300, Math.abs(want)) + 1e-300, `erf(${x}) = ${erf(x)}, want ${want}`);
      assert.ok(Math.abs(erf(-x) + want) <= 1e-15 * Math.abs(want) + 1e-300, `erf(-${x})`);
    }
    assert.ok(Math.abs(normalCdf(1.959963984540054) - 0.975) < 1e-15);
  });

  test('Gauss-Legendre with p points integrates degree 2p - 1 exactly and no higher', () => {
    for (const p of [1, 2, 5, 16, 24]) {
      const { nodes, weights } = gaussLegendre(p);
      const integral = (deg: number) => nodes.reduce((s, x, i) => s + weights[i] * x ** deg, 0);
      for (let deg = 0; deg <= 2 * p - 1; deg++) {
        const want = deg % 2 === 1 ? 0 : 2 / (deg + 1);
        assert.ok(Math.abs(integral(deg) - want) < 1e-14, `p=${p}, x^${deg}: ${integral(deg)} vs ${want}`);
      }
      if (p <= 5) assert.ok(Math.abs(integral(2 * p) - 2 / (2 * p + 1)) > 1e-6, `p=${p} should not be exact for x^${2 * p}`);
    }
  });

  test('a composite rule cut at a kink integrates |x| exactly', () => {
    const { x, w } = compositeRule(-1, 2, [0.3], 0.4, 8);
    const sum = x.reduce((s, v, i) => s + w[i] * Math.abs(v - 0.3), 0);
    // integral over [-1, 2] of |x - 0.3| = 1.3^2/2 + 1.7^2/2
    assert.ok(Math.abs(sum - (1.3 ** 2 + 1.7 ** 2) / 2) < 1e-14);
  });
});
