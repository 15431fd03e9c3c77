import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers';
import { fitLogLog, gapChart, gapVsWidth, modelTable, overlayChart, overlayTable, widthSweep, widthSweepChart } from '../../webview/comparisonData';
import { MetricStore } from '../../webview/chartData';
import type { JobEntry } from '../../webview/protocol';
import { readMetricsJsonl } from '../../engine/contract/records';

const runDir = (name: string) => join(repoRoot, 'test', 'fixtures', 'recorded', name);
const entries = (name: string): JobEntry[] => JSON.parse(readFileSync(join(runDir(name), 'summary.json'), 'utf8')).runs;
const store = (name: string) => {
  const s = new MetricStore();
  s.append(readMetricsJsonl(readFileSync(join(runDir(name), 'metrics.jsonl'), 'utf8')));
  return s;
};

// Least squares in closed form on exact data: float64 rounding only.
const exact = 1e-9;

describe('fitLogLog', () => {
  test('recovers an exact power law', () => {
    const points = [16, 64, 256, 1024].map((x) => ({ x, y: 3 * Math.pow(x, -0.5) }));
    const fit = fitLogLog(points)!;
    assert.ok(Math.abs(fit.slope + 0.5) < exact);
    assert.ok(Math.abs(Math.exp(fit.intercept) - 3) < exact);
    assert.ok(Math.abs(fit.r2 - 1) < exact);
    assert.equal(fit.n, 4);
  });

  test('ignores non-positive points and needs two distinct widths', () => {
    assert.equal(fitLogLog([{ x: 8, y: 1 }, { x: 8, y: 2 }]), null);
    assert.equal(fitLogLog([{ x: 8, y: 1 }, { x: 16, y: 0 }]), null);
  });
});

describe('comparison of the recorded run', () => {
  test('width sweep: per family the mean over seeds per width and the limit it converges to', () => {
    const sweeps = widthSweep(entries('sweep'), 'testLoss');
    assert.deepEqual(sweeps.map((s) => [s.family, s.limit]), [['sgd', 'ntk'], ['readout', 'nngp'], ['adam', 'adam-limit']]);
    const sgd = sweeps[0];
    assert.deepEqual(sgd.widths, [16, 64, 256, 1024]);
    assert.deepEqual(sgd.seeds, [2, 2, 2, 2]);
    const e = entries('sweep').filter((x) => x.model === 'sgd' && x.width === 64).map((x) => x.final!.testLoss);
    assert.ok(Math.abs(sgd.mean[1] - (e[0] + e[1]) / 2) < exact);
    const ntk = entries('sweep').find((x) => x.id === 'ntk')!;
    assert.equal(sgd.limitValue, ntk.final!.testLoss);
  });

  test('the gap to the limit shrinks with width: negative fitted slopes', () => {
    const gaps = gapVsWidth(entries('sweep'));
    assert.equal(gaps.length, 3);
    for (const g of gaps) {
      assert.ok(g.fit, `${g.family} has a fit`);
      assert.equal(g.fit!.n, g.points.length);
      // Recorded run: sgd about -0.4, readout about -0.6, adam about -0.2 (Monte Carlo noise of the limit).
      assert.ok(g.fit!.slope < -0.1, `${g.family}: slope ${g.fit!.slope}`);
    }
  });

  test('charts: sweep with a dashed limit per family, gap means and fitted lines on log x', () => {
    const sweep = widthSweepChart(entries('sweep'), 'testAccuracy');
    assert.deepEqual(Array.from(sweep.x), [16, 64, 256, 1024]);
    assert.equal(sweep.logX, true);
    assert.equal(sweep.series.filter((s) => s.dash).length, 3, 'one limit line per family');
    const limit = sweep.series.find((s) => s.key === 'sgd->ntk')!;
    assert.ok(limit.raw.every((v) => v === limit.raw[0]), 'the limit is flat');
    const gap = gapChart(entries('sweep'));
    assert.equal(gap.series.length, 6);
    assert.match(gap.series.find((s) => s.key === 'sgd:fit')!.label, /slope -0\.\d\d/);
  });

  test('table: one row per model, each family followed by its limit, then the other infinite models', () => {
    const rows = modelTable(entries('sweep'));
    assert.deepEqual(rows.map((r) => r.model), ['sgd', 'ntk', 'readout', 'nngp', 'adam', 'adam-limit', 'gp']);
    const sgd = rows[0];
    assert.equal(sgd.width, 1024);
    assert.equal(sgd.widthCount, 4);
    assert.equal(sgd.seeds, 2);
    assert.equal(sgd.limit, 'ntk');
    assert.match(rows[3].description, /NNGP dynamics/);
    assert.equal(rows[6].gapToLimit, null);
  });

  test('jobs that did not complete are left out and counted', () => {
    const list = entries('sweep').map((e) => (e.id === 'sgd/w1024/s1' ? { ...e, status: 'cancelled' as const } : e));
    const sgd = modelTable(list)[0];
    assert.equal(sgd.seeds, 1);
    assert.equal(sgd.incomplete, 1);
  });
});

describe('overlay of two recorded runs', () => {
  const runs = [
    { dir: 'fast', title: 'lr 1.0', store: store('sweep') },
    { dir: 'slow', title: 'lr 0.5', store: store('sweep-slow') },
  ];

  test('the pinned baseline comes first, solid and thicker; the other run dashed', () => {
    const chart = overlayChart(runs, 'slow', 'testLoss', 0);
    const first = chart.series[0];
    assert.match(first.key, /^1:/, 'the baseline (run #2) is listed first');
    assert.equal(first.dash, false);
    assert.equal(first.strokeWidth, 2.5);
    assert.ok(chart.series.filter((s) => s.key.startsWith('0:')).every((s) => s.dash));
    // sweep-slow ran sgd and its limit ntk: 4 widths + 1; sweep: 15 groups.
    assert.equal(chart.series.filter((s) => s.key.startsWith('1:')).length, 5);
    assert.equal(chart.series.filter((s) => s.key.startsWith('0:')).length, 15);
  });

  test('final values with their change against the baseline', () => {
    const rows = overlayTable(runs, 'slow', 'testLoss');
    const ntk = rows.find((r) => r.key === 'ntk|inf')!;
    assert.equal(ntk.cells[1].change, 0, 'the baseline against itself');
    const fast = ntk.cells[0];
    assert.ok(fast.value !== null && fast.change !== null);
    const base = ntk.cells[1].value!;
    assert.ok(Math.abs(fast.change! - (fast.value! - base) / base) < exact);
    const adam = rows.find((r) => r.key === 'adam|64')!;
    assert.equal(adam.cells[1].value, null, 'the baseline run has no adam');
  });
});
