/**
 * The widths of one model must be told apart by anyone: adjacent widths of every model hue differ
 * in luminance (what protanopia and deuteranopia keep) by a contrast ratio of at least 1.2 in
 * normal vision and under both simulations, for families of up to four widths; and a family's
 * end labels are placed apart even where its lines converge.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { dashGradient, modelColor, shadeColor, strokeFor } from '../../webview/palette';
import { spreadLabels } from '../../webview/endLabels';

const linear = (c: number): number => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const rgb = (hex: string): number[] => [1, 3, 5].map((i) => linear(parseInt(hex.slice(i, i + 2), 16) / 255));

/** Dichromat simulation in linear RGB (Viénot, Brettel & Mollon 1999). */
const simulations: Record<string, number[][] | null> = {
  normal: null,
  protanopia: [[0.11238, 0.88762, 0], [0.11238, 0.88762, 0], [0.00401, -0.00401, 1]],
  deuteranopia: [[0.29275, 0.70725, 0], [0.29275, 0.70725, 0], [-0.02234, 0.02234, 1]],
};

function luminance(hex: string, m: number[][] | null): number {
  const c = rgb(hex);
  const v = m ? m.map((row) => row[0] * c[0] + row[1] * c[1] + row[2] * c[2]) : c;
  return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
}

const contrast = (a: number, b: number): number => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);

/** The weakest contrast between adjacent widths of an n-width family of `hex`, under `m`. */
function weakest(hex: string, n: number, shade: (hex: string, rank: number) => string, m: number[][] | null): number {
  const shades = Array.from({ length: n }, (_, i) => shade(hex, i / (n - 1)));
  let worst = Infinity;
  for (let i = 1; i < n; i++) worst = Math.min(worst, contrast(luminance(shades[i - 1], m), luminance(shades[i], m)));
  return worst;
}

/** The shading before issue 13: a 0.55 mix toward grey 200 for the narrowest. */
function oldShade(hex: string, rank: number): string {
  const mix = 0.55 * (1 - rank);
  return `#${[1, 3, 5].map((i) => Math.round(parseInt(hex.slice(i, i + 2), 16) + (200 - parseInt(hex.slice(i, i + 2), 16)) * mix).toString(16).padStart(2, '0')).join('')}`;
}

describe('series styles: widths of one model are distinguishable', () => {
  test('every model hue, 2-4 widths, normal vision and protanopia and deuteranopia: contrast >= 1.2 between neighbours', () => {
    const weak: string[] = [];
    const report: string[] = [];
    for (let i = 0; i < 10; i++) {
      const hex = modelColor(i);
      for (const n of [2, 3, 4]) {
        for (const [name, m] of Object.entries(simulations)) {
          const c = weakest(hex, n, shadeColor, m);
          if (c < 1.2) weak.push(`${hex} ${n} widths ${name}: ${c.toFixed(2)}`);
          if (n === 3 && name === 'deuteranopia') report.push(`${hex} ${c.toFixed(2)} (was ${weakest(hex, n, oldShade, m).toFixed(2)})`);
        }
      }
    }
    assert.deepEqual(weak, [], report.join(', '));
    // The teal of the screenshot (w32, w128, w512): below 1.2 before, well above now.
    assert.ok(weakest('#76b7b2', 3, oldShade, null) < 1.2);
    assert.ok(weakest('#76b7b2', 3, shadeColor, null) >= 1.2);
  });

  test('the widest keeps the model colour; narrower lines are thinner', () => {
    assert.equal(shadeColor('#76b7b2', 1), '#76b7b2');
    assert.ok(strokeFor(0) < strokeFor(0.5) && strokeFor(0.5) < strokeFor(1));
  });

  test('end labels: each at its line where there is room, at least a label apart where lines meet, inside the plot', () => {
    assert.deepEqual(spreadLabels([50, 100, 150], 12, 0, 200), [50, 100, 150]);
    const met = spreadLabels([100, 101, 102], 12, 0, 200);
    assert.deepEqual([...met].sort((a, b) => a - b).map((y, i, a) => (i ? y - a[i - 1] : 12)), [12, 12, 12]);
    assert.ok(Math.abs(met.reduce((a, b) => a + b, 0) / 3 - 101) < 1e-9, 'centred on the lines');
    assert.deepEqual(spreadLabels([198, 199], 12, 0, 200), [188, 200], 'pushed inside the bottom');
    assert.deepEqual(spreadLabels([102, 100], 12, 0, 200), [107, 95], 'returned in the order given');
  });

  test("a legend swatch's dash is a repeating gradient: the colour on each dash, transparent in each gap", () => {
    assert.equal(dashGradient('#4e79a7', [6, 4]), 'repeating-linear-gradient(90deg, #4e79a7 0px 6px, transparent 6px 10px)');
    assert.equal(
      dashGradient('#f28e2b', [10, 3, 2, 3]),
      'repeating-linear-gradient(90deg, #f28e2b 0px 10px, transparent 10px 13px, #f28e2b 13px 15px, transparent 15px 18px)',
    );
  });
});
