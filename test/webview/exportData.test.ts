import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers';
import { MetricStore, shapeMetricChart } from '../../webview/chartData';
import { chartCsv, chartJson, chartSvg, fileStem, linearTicks, logTicks } from '../../webview/exportData';
import { tableCsv } from '../../engine/contract/textEscapes';
import { widthSweepChart } from '../../webview/comparisonData';
import { readMetricsJsonl } from '../../engine/contract/records';

const dir = join(repoRoot, 'test', 'fixtures', 'recorded', 'sweep');
const store = new MetricStore();
store.append(readMetricsJsonl(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')));
const svgOptions = { width: 640, height: 300, logY: false, hidden: new Set<string>(), foreground: '#ccc', background: '#1e1e1e', grid: '#444', fontFamily: '"Segoe UI", sans-serif' };

// The fixture's series labels hold no commas or quotes, so a plain split reads chartCsv's output.
const parseCsv = (text: string): string[][] => text.trim().split('\n').map((line) => line.split(','));

describe('data exports', () => {
  test('CSV: one row per step, raw, smoothed and the seed band per series', () => {
    const chart = shapeMetricChart(store, 'testLoss', { seedMode: 'band', smoothing: 0.8 });
    const rows = parseCsv(chartCsv(chart));
    assert.equal(rows.length, chart.x.length + 1);
    const header = rows[0];
    const banded = chart.series.filter((s) => s.low).length;
    assert.equal(header.length, 1 + 2 * chart.series.length + 2 * banded);
    const col = header.indexOf('sgd w64 (mean of 2 seeds) raw');
    assert.ok(col > 0);
    const last = rows[rows.length - 1];
    const s = chart.series.find((x) => x.key === 'sgd|64')!;
    assert.equal(Number(last[col]), s.raw[chart.x.length - 1]);
    assert.equal(Number(last[col + 1]), s.smoothed[chart.x.length - 1]);
  });

  test('JSON: the same numbers, gaps as null', () => {
    const chart = shapeMetricChart(store, 'rmseToLimit', { seedMode: 'band', smoothing: 0 });
    const json = JSON.parse(chartJson(chart));
    assert.equal(json.x.values.length, chart.x.length);
    assert.equal(json.series.length, chart.series.length);
    const last = chart.x.length - 1;
    assert.equal(json.series[0].raw[last], chart.series[0].raw[last]);
    assert.equal(json.series[0].max[last], chart.series[0].high![last]);
    assert.equal(json.band, 'min/max over seeds');

    const gappy = new MetricStore();
    gappy.append([
      { id: 'a', model: 'a', width: null, seed: null, step: 0, trainLoss: 1, testLoss: 1 },
      { id: 'b', model: 'b', width: 8, seed: 0, step: 5, trainLoss: 2, testLoss: 2 },
    ]);
    const g = JSON.parse(chartJson(shapeMetricChart(gappy, 'testLoss', { seedMode: 'band', smoothing: 0 })));
    assert.deepEqual(g.series.map((s: { raw: (number | null)[] }) => s.raw), [[1, null], [null, 2]]);
  });

  test('table CSV quotes what needs quoting', () => {
    assert.equal(tableCsv(['a', 'b'], [['x, y', null], ['say "hi"', 3]]), 'a,b\n"x, y",\n"say ""hi""",3\n');
  });

  test('file stems are plain', () => {
    assert.equal(fileStem('Gap to the limit (test RMSE)'), 'gap-to-the-limit-test-rmse');
  });
});

describe('SVG', () => {
  test('ticks: round linear steps, powers on log axes', () => {
    assert.deepEqual(linearTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(logTicks(0.001, 1), [0.001, 0.01, 0.1, 1]);
    assert.deepEqual(logTicks(16, 1024, 2), [16, 32, 64, 128, 256, 512, 1024]);
  });

  test('a path per visible series, a band polygon per seed band, the hidden left out, text escaped', () => {
    const chart = shapeMetricChart(store, 'testLoss', { seedMode: 'band', smoothing: 0 });
    const hidden = new Set(['ntk|inf']);
    const svg = chartSvg(chart, { ...svgOptions, hidden, logY: true });
    const paths = svg.match(/<path d="M[^"]*" fill="none" stroke="#[0-9a-f]{6}"/g) ?? [];
    assert.equal(paths.length, chart.series.length - 1);
    assert.equal((svg.match(/<polygon /g) ?? []).length, chart.series.filter((s) => s.low && s.key !== 'ntk|inf').length);
    assert.ok(!svg.includes('>ntk (∞)<'), 'the hidden series is not in the legend');
    assert.ok(svg.includes('font-family="&quot;Segoe UI&quot;, sans-serif"'));
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(svg.trim().endsWith('</svg>'));
  });

  test('each line and legend swatch keeps its dash: limits 6 4, a sweep point its own pattern, solid lines none', () => {
    const points = new MetricStore();
    points.append(['sgd/lr=1/w16/s0', 'sgd/lr=4/w16/s0', 'ntk/lr=1'].flatMap((id) => [0, 10].map((step) => ({ id, model: id.split('/')[0], width: id.startsWith('sgd') ? 16 : null, seed: id.startsWith('sgd') ? 0 : null, step, trainLoss: 1 - step / 20, testLoss: 1 - step / 30 }))));
    const svg = chartSvg(shapeMetricChart(points, 'testLoss', { seedMode: 'band', smoothing: 0 }), svgOptions);
    const dashes = (svg.match(/<path d="M[^"]*" fill="none"[^>]*>/g) ?? []).map((p) => /stroke-dasharray="([^"]*)"/.exec(p)?.[1] ?? 'solid');
    assert.deepEqual(dashes, ['solid', '2 3', '6 4']);
    const legend = (svg.match(/<path d="M[\d.]+ [\d.]+H[^>]*>/g) ?? []).map((p) => /stroke-dasharray="([^"]*)"/.exec(p)?.[1] ?? 'solid');
    assert.deepEqual(legend, dashes, 'the legend draws what the lines draw');
  });

  test('width sweep on a log2 axis with markers', () => {
    const chart = widthSweepChart(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).runs, 'testLoss');
    const svg = chartSvg(chart, svgOptions);
    assert.ok(svg.includes('width (log scale)'));
    assert.equal((svg.match(/<circle /g) ?? []).length, 4 + 4 + 3, 'one marker per family and width');
  });
});
