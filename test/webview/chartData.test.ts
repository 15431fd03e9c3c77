import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers';
import { MetricStore, MetricShaper, aggregateColumns, ema, forLogAxis, pointOfJobId, shapeMetricChart } from '../../webview/chartData';
import { shadeColor } from '../../webview/palette';
import { decimate, nearestIndex } from '../../webview/decimate';
import type { MetricPoint } from '../../webview/protocol';
import { readMetricsJsonl } from '../../engine/contract/records';

const fixture = (name: string): MetricPoint[] => readMetricsJsonl(readFileSync(join(repoRoot, 'test', 'fixtures', 'recorded', name, 'metrics.jsonl'), 'utf8'));

// Sums of a handful of float64 values: exact up to a few ulps.
const ulps = 1e-12;

function point(id: string, model: string, width: number | null, seed: number | null, step: number, testLoss: number): MetricPoint {
  return { id, model, width, seed, step, trainLoss: testLoss * 2, testLoss };
}

describe('MetricStore', () => {
  test('keeps every job in step order; a point out of order is refused and counted, not drawn', () => {
    const s = new MetricStore();
    assert.equal(s.append([point('a', 'a', null, null, 0, 1), point('a', 'a', null, null, 5, 0.5)]), 2);
    assert.equal(s.refused, 0);
    assert.equal(s.append([point('a', 'a', null, null, 5, 0.5), point('a', 'a', null, null, 10, 0.25)]), 1, 'the repeated step 5 is refused');
    assert.deepEqual(Array.from(s.jobs.get('a')!.steps.view()), [0, 5, 10]);
    assert.equal(s.points, 3);
    assert.equal(s.refused, 1, 'the panel can tell the host it was sent a point twice');
  });

  test('the union of steps stays sorted when a job logs steps another job skipped', () => {
    const s = new MetricStore();
    s.append([point('a', 'a', null, null, 0, 1), point('a', 'a', null, null, 10, 1)]);
    s.append([point('b', 'b', 8, 0, 5, 1), point('b', 'b', 8, 0, 15, 1)]);
    assert.deepEqual(Array.from(s.steps()), [0, 5, 10, 15]);
  });

  test('the recorded fixture run: 26 jobs, every point kept', () => {
    const records = fixture('sweep');
    const s = new MetricStore();
    s.append(records);
    assert.equal(s.points, records.length);
    assert.equal(s.jobs.size, 26);
    assert.deepEqual([...s.present].sort(), ['rmseToLimit', 'testAccuracy', 'testLoss', 'trainLoss']);
  });
});

describe('ema', () => {
  test('weight 0 is the identity and a constant stays constant (debiasing)', () => {
    assert.deepEqual(Array.from(ema([3, 1, 2], 0)), [3, 1, 2]);
    for (const v of ema([2, 2, 2, 2], 0.9)) assert.ok(Math.abs(v - 2) < ulps);
  });

  test('matches the recurrence by hand and leaves NaN gaps in place without moving the average', () => {
    const w = 0.5;
    const out = ema([1, NaN, 3], w);
    // m1 = 0.5, s1 = 0.5 / 0.5 = 1; m2 = 0.25 + 1.5 = 1.75, s2 = 1.75 / 0.75.
    assert.ok(Math.abs(out[0] - 1) < ulps);
    assert.ok(Number.isNaN(out[1]));
    assert.ok(Math.abs(out[2] - 1.75 / 0.75) < ulps);
  });
});

describe('alignment and seed aggregation', () => {
  test('a job is placed on the union x with NaN where it has no point', () => {
    const s = new MetricStore();
    s.append([point('a', 'a', null, null, 0, 1), point('a', 'a', null, null, 10, 3), point('b', 'b', 8, 0, 5, 7), point('b', 'b', 8, 0, 15, 9)]);
    const chart = shapeMetricChart(s, 'testLoss', { seedMode: 'seeds', smoothing: 0 });
    const b = chart.series.find((x) => x.key === 'b')!;
    assert.deepEqual(Array.from(chart.x), [0, 5, 10, 15]);
    assert.deepEqual(Array.from(b.raw).map((v) => (Number.isNaN(v) ? null : v)), [null, 7, null, 9]);
  });

  test('shaping as points stream equals shaping everything at once (recorded run, shuffled batches)', () => {
    const records = fixture('sweep');
    // Jobs interleaved (as if several streamed at once), in uneven batches, one job starting late.
    const byJob = new Map<string, MetricPoint[]>();
    for (const r of records) byJob.set(r.id, [...(byJob.get(r.id) ?? []), r]);
    const queues = [...byJob.values()];
    const order: MetricPoint[] = [];
    for (let round = 0; order.length < records.length; round++) {
      for (const q of queues) if (q.length && round >= (q[0].id === 'sgd/w16/s0' ? 20 : 0)) order.push(q.shift()!);
    }
    const live = new MetricStore();
    const shaper = new MetricShaper(live, 'testLoss');
    const options = { seedMode: 'band' as const, smoothing: 0.6 };
    for (let i = 0, size = 7; i < order.length; i += size, size = (size * 3) % 97 + 1) {
      live.append(order.slice(i, i + size));
      shaper.shape(options);
    }
    const streamed = shaper.shape(options);
    const whole = new MetricStore();
    whole.append(records);
    const fresh = shapeMetricChart(whole, 'testLoss', options);
    assert.deepEqual(Array.from(streamed.x), Array.from(fresh.x));
    assert.deepEqual(streamed.series.map((x) => x.key).sort(), fresh.series.map((x) => x.key).sort());
    const same = (a: Float64Array | undefined, b: Float64Array | undefined) => assert.deepEqual(Array.from(a ?? []), Array.from(b ?? []));
    for (const f of fresh.series) {
      const s = streamed.series.find((x) => x.key === f.key)!;
      same(s.raw, f.raw);
      same(s.smoothed, f.smoothed);
      same(s.low, f.low);
      same(s.high, f.high);
    }
  });

  test('a step that lands inside the union (a job logging at other steps) reshapes correctly', () => {
    const s = new MetricStore();
    const shaper = new MetricShaper(s, 'testLoss');
    s.append([point('a', 'a', 8, 0, 0, 1), point('a', 'a', 8, 0, 10, 2)]);
    shaper.shape({ seedMode: 'band', smoothing: 0 });
    s.append([point('b', 'a', 8, 1, 5, 3), point('b', 'a', 8, 1, 10, 4)]);
    const chart = shaper.shape({ seedMode: 'band', smoothing: 0 });
    assert.deepEqual(Array.from(chart.x), [0, 5, 10]);
    assert.deepEqual(Array.from(chart.series[0].raw), [1, 3, 3]);
    assert.deepEqual(Array.from(chart.series[0].low!), [1, 3, 2]);
  });

  test('mean, min and max over the seeds that have a value at each step', () => {
    const a = Float64Array.from([1, 2, NaN]);
    const b = Float64Array.from([3, NaN, NaN]);
    const { mean, min, max } = aggregateColumns([a, b], 3);
    assert.deepEqual([mean[0], min[0], max[0]], [2, 1, 3]);
    assert.deepEqual([mean[1], min[1], max[1]], [2, 2, 2], 'only seed a has step 1');
    assert.ok(Number.isNaN(mean[2]));
  });

  test('band mode: one series per model and width, the mean of its seeds inside their range', () => {
    const s = new MetricStore();
    s.append(fixture('sweep'));
    const chart = shapeMetricChart(s, 'testLoss', { seedMode: 'band', smoothing: 0 });
    // 4 infinite models + sgd (4 widths) + readout (4) + adam (3).
    assert.equal(chart.series.length, 4 + 4 + 4 + 3);
    const sgd64 = chart.series.find((x) => x.key === 'sgd|64')!;
    assert.equal(sgd64.members, 2);
    assert.ok(sgd64.low && sgd64.high);
    const jobs = ['sgd/w64/s0', 'sgd/w64/s1'].map((id) => s.jobs.get(id)!);
    const last = chart.x.length - 1;
    const finals = jobs.map((j) => j.values.testLoss.data[j.length - 1]);
    assert.ok(Math.abs(sgd64.raw[last] - (finals[0] + finals[1]) / 2) < ulps);
    assert.equal(sgd64.low![last], Math.min(...finals));
    assert.equal(sgd64.high![last], Math.max(...finals));
    const ntk = chart.series.find((x) => x.key === 'ntk|inf')!;
    assert.equal(ntk.dash, true, 'infinite models are dashed');
    assert.equal(ntk.low, undefined, 'one job: no band');
  });

  test('seeds mode: one series per job; the raw data stays when smoothing is on', () => {
    const s = new MetricStore();
    s.append(fixture('sweep'));
    const chart = shapeMetricChart(s, 'trainLoss', { seedMode: 'seeds', smoothing: 0.9 });
    assert.equal(chart.series.length, 26);
    const job = s.jobs.get('sgd/w16/s0')!;
    const series = chart.series.find((x) => x.key === 'sgd/w16/s0')!;
    const i = Array.from(chart.x).indexOf(job.steps.data[3]);
    assert.equal(series.raw[i], job.values.trainLoss.data[3]);
    assert.notEqual(series.smoothed[i], series.raw[i]);
  });

  test('widths of one model: each its own shade and stroke, labelled with its width at the line end', () => {
    const s = new MetricStore();
    s.append(fixture('sweep'));
    for (const seedMode of ['band', 'seeds'] as const) {
      const chart = shapeMetricChart(s, 'testLoss', { seedMode, smoothing: 0 });
      const sgd = chart.series.filter((x) => x.key.startsWith('sgd'));
      const widths = [...new Set(sgd.map((x) => x.endLabel))];
      assert.deepEqual(widths, ['w16', 'w64', 'w256', 'w1024'], seedMode);
      const byWidth = (w: string) => sgd.find((x) => x.endLabel === w)!;
      assert.equal(new Set(widths.map((w) => byWidth(w).color)).size, 4, 'four shades');
      assert.ok(widths.every((w, i) => i === 0 || byWidth(w).strokeWidth > byWidth(widths[i - 1]).strokeWidth), 'wider is thicker');
      const ntk = chart.series.find((x) => x.key.startsWith('ntk'))!;
      assert.equal(ntk.endLabel, undefined, 'an infinite model needs no width label');
    }
  });

  test('sweep points of one model: each its own dash pattern in the model colour, the point in its label; limits keep a dashed pattern of their own', () => {
    const s = new MetricStore();
    const ids = ['sgd/lr=1/w16/s0', 'sgd/lr=1/w16/s1', 'sgd/lr=4/w16/s0', 'sgd/lr=16/w16/s0', 'ntk/lr=1', 'ntk/lr=4', 'gp'];
    s.append(ids.flatMap((id) => {
      const model = id.split('/')[0];
      const width = model === 'sgd' ? 16 : null;
      const seed = model === 'sgd' ? Number(id.slice(-1)) : null;
      return [point(id, model, width, seed, 0, 1), point(id, model, width, seed, 10, 0.5)];
    }));
    for (const seedMode of ['band', 'seeds'] as const) {
      const chart = shapeMetricChart(s, 'testLoss', { seedMode, smoothing: 0 });
      const sgd = chart.series.filter((x) => x.key.startsWith('sgd'));
      const at = (lr: string) => sgd.find((x) => x.label.startsWith(`sgd lr=${lr} w16`))!;
      assert.deepEqual(['1', '4', '16'].map((lr) => at(lr).endLabel), ['lr=1', 'lr=4', 'lr=16'], `${seedMode}: one width, so the end label names the point alone`);
      assert.equal(new Set(sgd.map((x) => x.color)).size, 1, 'one colour for the model');
      assert.equal(at('1').pattern, null, 'the first point is solid');
      assert.equal(new Set(['1', '4', '16'].map((lr) => JSON.stringify(at(lr).pattern))).size, 3, 'three patterns');
      const ntk = chart.series.filter((x) => x.key.startsWith('ntk'));
      assert.deepEqual(ntk.map((x) => x.label), ['ntk lr=1 (∞)', 'ntk lr=4 (∞)']);
      assert.deepEqual(ntk[0].pattern, [6, 4], "a limit's first point keeps the limits' dash");
      assert.ok(ntk[1].pattern && !sgd.some((x) => JSON.stringify(x.pattern) === JSON.stringify(ntk[1].pattern)), 'a limit point never shares a finite pattern');
      const gp = chart.series.find((x) => x.key.startsWith('gp'))!;
      assert.equal(gp.pattern, undefined, 'a model without points keeps its usual line');
    }
  });

  test('widths of one model: narrower is lighter, the widest keeps the model colour', () => {
    assert.equal(shadeColor('#4e79a7', 1), '#4e79a7');
    const light = shadeColor('#4e79a7', 0);
    const sum = (h: string) => [1, 3, 5].reduce((a, i) => a + parseInt(h.slice(i, i + 2), 16), 0);
    assert.ok(sum(light) > sum('#4e79a7'));
  });
});

describe('log axis and decimation (drawing only)', () => {
  test('non-positive values become gaps and are counted', () => {
    const { values, dropped } = forLogAxis([1, 0, -2, NaN, 3]);
    assert.equal(dropped, 2);
    assert.deepEqual(Array.from(values).map((v) => (Number.isNaN(v) ? null : v)), [1, null, null, null, 3]);
    const drawn = decimate([0, 1, 2], [Float64Array.from([1, 0, NaN])], null, 100, true);
    assert.deepEqual(drawn.columns[0], [1, null, null]);
    assert.equal(drawn.dropped, 1);
  });

  test('few points per pixel column: every point is drawn as it is', () => {
    const x = Array.from({ length: 100 }, (_, i) => i);
    const d = decimate(x, [x], null, 50, false);
    assert.equal(d.thinned, false);
    assert.deepEqual(d.x, x);
  });

  test('100,000 points and 3 series on 500 pixel columns: 2 points per column, every extreme kept', () => {
    const n = 100_000;
    const x = Float64Array.from({ length: n }, (_, i) => i);
    const a = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 50) + (i === 77_777 ? 10 : 0));
    const b = Float64Array.from({ length: n }, (_, i) => Math.cos(i / 7) - (i === 1234 ? 5 : 0));
    const c = Float64Array.from({ length: n }, (_, i) => (i % 1000 === 0 ? NaN : i));
    const d = decimate(x, [a, b, c], null, 500, false);
    assert.equal(d.thinned, true);
    assert.equal(d.x.length, 2 * 500, 'two drawn points per pixel column, whatever the number of series');
    for (const col of d.columns) assert.equal(col.length, d.x.length);
    const max = (col: (number | null)[]) => Math.max(...col.filter((v): v is number => v !== null));
    const min = (col: (number | null)[]) => Math.min(...col.filter((v): v is number => v !== null));
    const spike = a[77_777];
    assert.ok(spike > 9, 'the fixture has a one-point spike');
    assert.equal(max(d.columns[0]), spike, 'a one-point spike survives');
    assert.equal(min(d.columns[1]), b[1234], 'a one-point dip in another series survives');
    assert.equal(max(d.columns[2]), n - 1);
    assert.equal(d.x[0], 0);
    assert.equal(d.x[d.x.length - 1], n - 1);
    for (let k = 1; k < d.x.length; k++) assert.ok(d.x[k] > d.x[k - 1], 'x ascends');
    assert.ok(d.x.every((v) => x[v] === v), 'drawn x are real x values');
    assert.equal(a[77_777], Math.sin(77_777 / 50) + 10, 'the data itself is untouched');
  });

  test('per column, the min and max of a slice are drawn in the order they occurred', () => {
    // One pixel column of 4 points: the max (at i=1) comes before the min (at i=2).
    const d = decimate([0, 1, 2, 3, 4, 5, 6, 7], [[0, 9, -9, 0, 1, 1, 1, 1]], null, 2, false);
    assert.deepEqual(d.x, [0, 3, 4, 7]);
    assert.deepEqual(d.columns[0], [9, -9, 1, 1]);
  });

  test('a zoom window is decimated inside and keeps one real neighbour on each side', () => {
    const n = 10_000;
    const x = Float64Array.from({ length: n }, (_, i) => i);
    const d = decimate(x, [x], [2000, 3000], 100, false);
    assert.equal(d.x[0], 1999);
    assert.equal(d.x[d.x.length - 1], 3001);
    assert.ok(d.x.every((v) => v >= 1999 && v <= 3001));
    assert.ok(d.x.length <= 2 * 100 + 2);
  });

  test('read-outs find the real point by x', () => {
    assert.equal(nearestIndex([0, 10, 20], 14), 1);
    assert.equal(nearestIndex([0, 10, 20], 16), 2);
    assert.equal(nearestIndex([0, 10, 20], -5), 0);
    assert.equal(nearestIndex([], 3), -1);
  });
});

describe('sweep points in the run panel', () => {
  test('the seeds of one sweep point make one band; points of one model and width stay apart', () => {
    assert.equal(pointOfJobId('adam/lr=0.01/w512/s0', 'adam'), 'lr=0.01');
    assert.equal(pointOfJobId('sgd/w16/s0', 'sgd'), '', 'a run without a sweep keeps its keys');
    assert.equal(pointOfJobId('ntk', 'ntk'), '');
    const store = new MetricStore();
    const point = (id: string, model: string, seed: number | null, step: number, trainLoss: number): MetricPoint => ({ id, model, width: seed === null ? null : 512, seed, step, trainLoss, testLoss: trainLoss });
    store.append([
      point('adam/lr=0.01/w512/s0', 'adam', 0, 0, 1),
      point('adam/lr=0.01/w512/s1', 'adam', 1, 0, 3),
      point('adam/lr=0.1/w512/s0', 'adam', 0, 0, 5),
      point('ntk/lr=2', 'ntk', null, 0, 7),
    ]);
    const chart = shapeMetricChart(store, 'trainLoss', { seedMode: 'band', smoothing: 0 });
    assert.deepEqual(chart.series.map((s) => [s.key, s.label, s.raw[0]]), [
      ['adam|512|lr=0.01', 'adam lr=0.01 w512 (mean of 2 seeds)', 2],
      ['adam|512|lr=0.1', 'adam lr=0.1 w512', 5],
      ['ntk|inf|lr=2', 'ntk lr=2 (∞)', 7],
    ]);
  });
});
