/**
 * The experiments table (webview/tableData.ts over the host's rows, extension/panels/tableRows.ts,
 * shaped by engine/contract/runTable.ts) and the comparison panel's sweep against a setting
 * (webview/settingSweep.ts), on run folders as the host reads them (readRunData): a real
 * learning-rate sweep the engine runs (test/fixtures/lrSweepRun.ts), compared with `iwl table` of
 * the same folder; a made-up sweep of three models (test/fixtures/sweptRun.ts) for sorting and
 * filtering, with and without a validation split; a live run's plan; and the recorded width sweep
 * of a run made before sweeps (no `point`, no `best`).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRunData } from '../../extension/panels/panelData';
import { runTables, tableJobs } from '../../extension/panels/tableRows';
import type { PlannedJob } from '../../engine/contract/engineProtocol';
import { readRunSummary } from '../../engine/contract/records';
import type { JobEntry, MetricPoint, RunData } from '../../webview/protocol';
import { bestJobs, describeBest, filterRows, parseColumnFilter, sortRows, tableView, visibleColumns, type TableColumn, type TableRow } from '../../webview/tableData';
import { comparedEntries, focusEntries, settingSweepChart, sweepAxes } from '../../webview/settingSweep';
import { modelTable } from '../../webview/comparisonData';
import { xValueText } from '../../webview/chartFormat';
import { chartCsv, chartSvg } from '../../webview/exportData';
import { repoRoot, runIwl, tempDir } from '../helpers';
import { writeSweptRun } from '../fixtures/sweptRun';
import { lrSweepRates, lrSweepRun } from '../fixtures/lrSweepRun';

// Means of a few doubles: float64 rounding only.
const exact = 1e-12;

async function sweptRun(options: Parameters<typeof writeSweptRun>[1] = {}): Promise<RunData> {
  const dir = join(tempDir('iwl-table-'), 'lr-sweep.iwl.yaml', '2026-12-01T10-00-00Z');
  writeSweptRun(dir, options);
  return readRunData(dir, null, { table: true });
}

const rowsOf = (run: RunData, mode: 'job' | 'point' = 'job') => tableView(run.tables!, mode, run.best).rows;
const columnsOf = (run: RunData, mode: 'job' | 'point' = 'job') => tableView(run.tables!, mode, run.best).columns;
const column = (columns: TableColumn[], id: string) => columns.find((c) => c.id === id)!;
const keys = (rows: TableRow[]) => rows.map((r) => r.key);

describe('experiments table of a real sweep run (the engine writes it)', () => {
  test('the panel has the columns and values of iwl table, a row per job and a row per point', async () => {
    const dir = lrSweepRun();
    const run = await readRunData(dir, null, { table: true });
    assert.deepEqual(run.records, [], 'a table snapshot carries no curves');
    for (const mode of ['job', 'point'] as const) {
      const cli = JSON.parse(runIwl(['table', dir, '--format', 'json', ...(mode === 'point' ? ['--per-point'] : [])]).stdout) as { columns: { key: string }[]; rows: Record<string, unknown>[] };
      const columns = columnsOf(run, mode);
      const rows = rowsOf(run, mode);
      // The CLI's best column is the panel's best mark on the row (the panel draws it, not as a column).
      assert.deepEqual(rows.map((r) => r.best || null), cli.rows.map((r) => r.best), `${mode}: the CLI's best column is the panel's mark`);
      const cliRows = cli.rows.map(({ best: _best, ...rest }) => rest);
      assert.deepEqual(columns.map((c) => c.key), cli.columns.map((c) => c.key).filter((k) => k !== 'best'), `${mode}: the CLI's columns`);
      assert.deepEqual(rows.map((r) => Object.fromEntries(columns.map((c) => [c.key, c.value(r)]))), cliRows, `${mode}: the CLI's values`);
    }
    const jobColumns = columnsOf(run).map((c) => c.key);
    assert.deepEqual(jobColumns, ['id', 'model', 'kind', 'optimizer', 'width', 'seed', 'status', 'learningRate', 'trainLoss', 'testLoss', 'validationLoss', 'rmseToLimit']);
    assert.equal(rowsOf(run).length, 9);
    assert.equal(rowsOf(run, 'point').length, 6, 'two models x three rates');
  });

  test("the rows marked best are summary.json's best points, in both row modes", async () => {
    const dir = lrSweepRun();
    const summary = readRunSummary(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')));
    assert.deepEqual(Object.keys(summary.best ?? {}).sort(), ['ntk', 'sgd']);
    const run = await readRunData(dir, null, { table: true });
    const marked = rowsOf(run).filter((r) => r.best).flatMap((r) => r.jobs).sort();
    assert.deepEqual(marked, Object.values(summary.best!).flatMap((b) => b.jobs).sort());
    assert.deepEqual(bestJobs(run.best).sort(), marked);
    const points = rowsOf(run, 'point').filter((r) => r.best);
    assert.deepEqual(points.map((r) => [r.model, r.cells.learningRate]), Object.entries(summary.best!).map(([m, b]) => [m, b.point.learningRate]).sort((a, b) => (a[0] === b[0] ? 0 : a[0] === 'ntk' ? -1 : 1)));
    // Each best point is the lowest mean validation loss of its model's point rows.
    for (const r of points) {
      const same = rowsOf(run, 'point').filter((x) => x.model === r.model);
      assert.equal(Math.min(...same.map((x) => x.cells.validationLoss as number)), r.cells.validationLoss);
    }
    assert.equal(describeBest(run.best).length, 2);
  });

  test('the comparison plots the final test loss against the learning rate, per model', async () => {
    const run = await readRunData(lrSweepRun(), null);
    assert.deepEqual(sweepAxes(run.entries), ['width', 'learningRate']);
    const chart = settingSweepChart(run.entries, 'testLoss', 'learningRate');
    assert.deepEqual([...chart.x], lrSweepRates);
    assert.equal(chart.logX, true, 'rates over two decades: a log axis');
    assert.deepEqual(chart.series.map((s) => s.label).sort(), ['ntk (∞)', 'sgd (mean of 2 seeds)']);
    const sgd = chart.series.find((s) => s.label.startsWith('sgd'))!;
    for (const [i, rate] of lrSweepRates.entries()) {
      const seeds = run.entries.filter((e) => e.model === 'sgd' && e.point?.learningRate === rate).map((e) => e.final!.testLoss);
      assert.equal(seeds.length, 2);
      assert.ok(Math.abs(sgd.raw[i] - (seeds[0] + seeds[1]) / 2) < exact);
    }
  });
});

describe('experiments table of a live run', () => {
  test('queued and running jobs show from the plan with their sweep point; a point averages its completed seeds', async () => {
    const dir = lrSweepRun();
    const done = (await readRunData(dir, null)).entries;
    const records = (await readRunData(dir, null)).records;
    // The plan as the engine announces it; the first sgd seed at 0.5 finished, the second running, the rest queued.
    const planned: PlannedJob[] = done.map((e) => ({ id: e.id, model: e.model, kind: e.kind, width: e.width, seed: e.seed, steps: 30, optimizer: e.optimizer, point: e.point }));
    const finished: JobEntry[] = done.filter((e) => e.id === 'sgd/lr=0.5/w16/s0');
    const running = 'sgd/lr=0.5/w16/s1';
    const first = records.find((r) => r.id === running && r.step === 10)!;
    const latest = new Map<string, MetricPoint>([[running, first]]);
    const tables = runTables(tableJobs(finished, { planned, started: new Set([running]), latest }));
    const view = tableView(tables, 'job', undefined);
    assert.equal(view.rows.length, 9, 'every planned job has a row');
    const row = (key: string) => view.rows.find((r) => r.key === key)!;
    assert.equal(row(running).cells.status, 'running');
    assert.equal(row(running).cells.learningRate, 0.5, 'its point from the plan');
    assert.equal(row(running).cells.testLoss, first.testLoss, 'its latest figures');
    assert.equal(row('ntk/lr=2').cells.status, 'queued');
    assert.equal(row('ntk/lr=2').cells.learningRate, 2);
    assert.equal(row('ntk/lr=2').cells.testLoss, null);
    const points = tableView(tables, 'point', undefined).rows;
    const at05 = points.find((r) => r.model === 'sgd' && r.cells.learningRate === 0.5)!;
    assert.equal(at05.cells.status, '1 of 2 completed');
    assert.equal(at05.cells.testLoss, finished[0].final!.testLoss, 'the completed seed only');
    const at2 = points.find((r) => r.model === 'sgd' && r.cells.learningRate === 2)!;
    assert.equal(at2.cells.status, 'queued');
    assert.deepEqual(at2.jobs, ['sgd/lr=2/w16/s0', 'sgd/lr=2/w16/s1']);
  });
});

describe('experiments table: columns and best points of other runs', () => {
  test('a run without a validation split has no validation columns and claims no best; one made before sweeps has no point columns', async () => {
    const plain = await sweptRun({ validation: false });
    const labels = columnsOf(plain).map((c) => c.key);
    assert.ok(!labels.some((l) => l.startsWith('validation')), labels.join(', '));
    assert.equal(rowsOf(plain).filter((r) => r.best).length, 0);
    assert.deepEqual(describeBest(plain.best), []);
    const recorded = await readRunData(join(repoRoot, 'test', 'fixtures', 'recorded', 'sweep'), null, { table: true });
    assert.ok(rowsOf(recorded).length > 0);
    assert.ok(!columnsOf(recorded).some((c) => c.group === 'point'));
  });

  test('labels, the infinite width and accuracy as a percentage', async () => {
    const run = await sweptRun();
    const columns = columnsOf(run);
    assert.deepEqual(columns.map((c) => c.label).slice(0, 7), ['job', 'model', 'kind', 'optimizer', 'width', 'seed', 'status']);
    assert.equal(column(columns, 'width').text(rowsOf(run).find((r) => r.key === 'ntk/lr=2')!), '∞');
    assert.match(column(columns, 'figure:testAccuracy').text(rowsOf(run).find((r) => r.key === 'adam/lr=0.01/w64/s1')!), /^\d+\.\d%$/);
  });
});

describe('experiments table: sort and filter', () => {
  test('sort by a figure, a point setting or text; rows without a value go last either way', async () => {
    const run = await sweptRun();
    const rows = rowsOf(run);
    const columns = columnsOf(run);
    const byVal = sortRows(rows, column(columns, 'figure:validationLoss'), false);
    assert.equal(byVal[0].key, 'adam/lr=0.01/w64/s0', 'the lowest validation loss first');
    const values = byVal.map((r) => r.cells.validationLoss as number);
    assert.deepEqual(values, [...values].sort((a, b) => a - b));
    const byRate = sortRows(rows, column(columns, 'point:optimizer.learningRate'), true);
    assert.deepEqual(byRate.slice(0, 3).map((r) => r.cells['optimizer.learningRate']), [8, 8, 8]);
    // The gap to the limit exists for finite jobs only: the infinite ones go last, ascending and descending.
    for (const descending of [false, true]) {
      const byGap = sortRows(rows, column(columns, 'figure:rmseToLimit'), descending);
      assert.deepEqual(byGap.slice(-3).map((r) => r.model), ['ntk', 'ntk', 'ntk']);
    }
    assert.deepEqual(sortRows(rows, column(columns, 'model'), false).map((r) => r.model).slice(0, 7), ['adam', 'adam', 'adam', 'adam', 'adam', 'adam', 'ntk']);
    assert.deepEqual(keys(sortRows(rows, undefined, false)), keys(rows), 'no sort: the run order');
  });

  test('the text filter needs every word somewhere in a row; column filters compare numbers or match text', async () => {
    const run = await sweptRun();
    const rows = rowsOf(run);
    const columns = columnsOf(run);
    assert.deepEqual(keys(filterRows(rows, columns, 'ADAM s1').rows), ['adam/lr=0.001/w64/s1', 'adam/lr=0.01/w64/s1', 'adam/lr=0.1/w64/s1']);
    const rate = { 'point:optimizer.learningRate': '>=2' };
    assert.equal(filterRows(rows, columns, '', rate).rows.length, 6, 'sgd and ntk at 2 and 8: 4 + 2');
    assert.deepEqual(keys(filterRows(rows, columns, '', { 'point:optimizer.learningRate': '0.01' }).rows), ['adam/lr=0.01/w64/s0', 'adam/lr=0.01/w64/s1'], 'a bare number is equality');
    assert.equal(filterRows(rows, columns, '', { kind: '=infinite' }).rows.length, 3);
    assert.equal(filterRows(rows, columns, '', { kind: '!=infinite', seed: '1' }).rows.length, 6);
    assert.equal(filterRows(rows, columns, '', { model: 'gd' }).rows.length, 6, 'part of the text');
    // A filter of a column that is not shown does not apply.
    const shown = visibleColumns(columns, ['kind']);
    assert.equal(filterRows(rows, shown, '', { kind: '=infinite' }).rows.length, 15);
  });

  test('a comparison without a number is reported with the column, and ignored', async () => {
    const run = await sweptRun();
    const rows = rowsOf(run);
    const columns = columnsOf(run);
    const result = filterRows(rows, columns, '', { width: '>abc', model: '<x' });
    assert.equal(result.rows.length, 15);
    assert.deepEqual(result.errors, [
      'model: "<x" compares with <, but this column holds text (use =text, !=text or part of the text)',
      'width: ">abc" needs a number after > (for example >0.5)',
    ]);
    const f = parseColumnFilter(column(columns, 'figure:testAccuracy'), '> 0.5');
    assert.ok(f.ok);
  });
});

describe('comparison against a swept setting', () => {
  test('the x axes: width and every key of the sweep points', async () => {
    assert.deepEqual(sweepAxes((await sweptRun()).entries), ['width', 'optimizer.learningRate']);
    const recorded = await readRunData(join(repoRoot, 'test', 'fixtures', 'recorded', 'sweep'), null);
    assert.deepEqual(sweepAxes(recorded.entries), ['width'], 'a run made before sweeps: width only');
  });

  test('test accuracy against the learning rate, a line per model, the seeds averaged with their range', async () => {
    const run = await sweptRun();
    const chart = settingSweepChart(run.entries, 'testAccuracy', 'optimizer.learningRate');
    assert.deepEqual([...chart.x], [0.001, 0.01, 0.1, 0.5, 2, 8]);
    assert.equal(chart.logX, true, 'rates over four decades: a log axis');
    assert.deepEqual(chart.series.map((s) => s.label), ['sgd (mean of 2 seeds)', 'adam (mean of 2 seeds)', 'ntk (∞)']);
    const sgd = chart.series[0];
    const at2 = run.entries.filter((e) => e.model === 'sgd' && e.point?.['optimizer.learningRate'] === 2).map((e) => e.final!.testAccuracy!);
    assert.ok(Math.abs(sgd.raw[4] - (at2[0] + at2[1]) / 2) < exact);
    assert.equal(sgd.low![4], Math.min(...at2));
    assert.ok(Number.isNaN(sgd.raw[0]), 'sgd was not run at 0.001');
    assert.equal(chart.series[2].dash, true);
  });

  test('a setting of names (optimizer.name: [sgd, adam]) is a categorical axis: evenly spaced, labelled, in the sweep\'s order', () => {
    const entry = (id: string, name: string, activation: string, seed: number, testAccuracy: number, status: JobEntry['status'] = 'completed'): JobEntry => ({
      id, model: 'net', kind: 'finite', method: null, optimizer: name, trainable: null, width: 64, seed, status,
      final: status === 'completed' ? { step: 10, trainLoss: 0.1, testLoss: 0.2, testAccuracy } : null,
      rmseToLimit: null, limit: null, point: { 'optimizer.name': name, 'network.layers[1]': activation },
    });
    const entries = [
      entry('net/name=sgd/layers.1=relu/w64/s0', 'sgd', 'relu', 0, 0.6),
      entry('net/name=sgd/layers.1=relu/w64/s1', 'sgd', 'relu', 1, 0.7),
      entry('net/name=sgd/layers.1=erf/w64/s0', 'sgd', 'erf', 0, 0.5),
      entry('net/name=momentum/layers.1=relu/w64/s0', 'momentum', 'relu', 0, 0, 'failed'),
      entry('net/name=adam/layers.1=relu/w64/s0', 'adam', 'relu', 0, 0.9),
      entry('net/name=adam/layers.1=erf/w64/s0', 'adam', 'erf', 0, 0.8),
    ];
    assert.deepEqual(sweepAxes(entries), ['width', 'optimizer.name', 'network.layers[1]']);
    const chart = settingSweepChart(entries, 'testAccuracy', 'optimizer.name');
    assert.deepEqual(chart.categories, ['sgd', 'momentum', 'adam'], 'every job\'s value, completed or not, in the order the jobs take them');
    assert.deepEqual([...chart.x], [0, 2], 'completed jobs only: momentum failed, has no figure, and keeps its slot');
    assert.equal(chart.logX, false);
    assert.deepEqual(chart.series.map((s) => s.label), ['net · layers[1]=relu (mean of 2 seeds)', 'net · layers[1]=erf']);
    const [relu, erf] = chart.series;
    assert.ok(Math.abs(relu.raw[0] - 0.65) < exact && relu.raw[1] === 0.9);
    assert.deepEqual([relu.low![0], relu.high![0]], [0.6, 0.7]);
    assert.deepEqual([...erf.raw], [0.5, 0.8]);
    assert.deepEqual([0, 1, 2].map((v) => xValueText(chart, v)), ['sgd', 'momentum', 'adam']);
    const byActivation = settingSweepChart(entries, 'testAccuracy', 'network.layers[1]');
    assert.deepEqual(byActivation.categories, ['relu', 'erf']);
    assert.deepEqual(chartCsv(byActivation).split('\n').slice(1, 3).map((line) => line.split(',')[0]), ['relu', 'erf'], 'the CSV names each category');
    const svg = chartSvg(byActivation, { width: 640, height: 300, logY: false, hidden: new Set<string>(), foreground: '#ccc', background: '#1e1e1e', grid: '#444', fontFamily: 'sans-serif' });
    assert.ok(svg.includes('text-anchor="middle">relu</text>') && svg.includes('text-anchor="middle">erf</text>'), 'the SVG labels its ticks with the categories');
  });

  test('compare picked rows: their jobs and the limits they converge to', async () => {
    const run = await sweptRun();
    const kept = focusEntries(run.entries, ['sgd/lr=2/w64/s0', 'adam/lr=0.01/w64/s0']);
    assert.deepEqual(kept.map((e) => e.id), ['sgd/lr=2/w64/s0', 'adam/lr=0.01/w64/s0', 'ntk/lr=2']);
    assert.equal(focusEntries(run.entries, undefined).length, 15);
  });
});

describe("comparison panel's table of models on a sweep", () => {
  test('unpicked, it compares each model at its best point (summary.json best), with the limit at that point', async () => {
    const dir = lrSweepRun();
    const run = await readRunData(dir, null);
    const summary = readRunSummary(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')));
    const { entries, atBest } = comparedEntries(run.entries, undefined, run.best);
    assert.equal(atBest, true);
    const rows = modelTable(entries);
    const sgdBest = summary.best!.sgd;
    const sgd = rows.find((r) => r.kind === 'finite')!;
    assert.equal(sgd.model, 'sgd');
    assert.equal(sgd.seeds, 2, 'the two seeds of the best point, not every rate');
    const atPoint = summary.runs.filter((r) => sgdBest.jobs.includes(r.id));
    assert.ok(Math.abs(sgd.testLoss! - (atPoint[0].final!.testLoss + atPoint[1].final!.testLoss) / 2) < exact);
    assert.equal(sgd.limit, `ntk/lr=${sgdBest.point.learningRate}`, 'its limit at the same rate');
    const ntk = rows.filter((r) => r.kind === 'infinite');
    const wanted = [...new Set([sgd.limit!, ...summary.best!.ntk.jobs])];
    assert.equal(ntk.length, wanted.length);
    const lossOf = (id: string) => summary.runs.find((x) => x.id === id)!.final!.testLoss;
    assert.deepEqual(ntk.map((r) => r.testLoss).sort(), wanted.map(lossOf).sort(), 'the limit of the best point and the infinite model at its own best');
    // Picked rows win over the best points.
    assert.equal(comparedEntries(run.entries, ['sgd/lr=0.05/w16/s0'], run.best).atBest, false);
  });

  test('every point, without a best: a row per model and point, never an average across points', async () => {
    const run = await readRunData(lrSweepRun(), null);
    const { entries, atBest } = comparedEntries(run.entries, undefined, undefined);
    assert.equal(atBest, false);
    const rows = modelTable(entries);
    assert.deepEqual(rows.map((r) => [r.model, r.kind, r.kind === 'finite' ? r.seeds : null]), lrSweepRates.flatMap((lr) => [
      [`sgd (learningRate=${lr})`, 'finite', 2],
      [`ntk (learningRate=${lr})`, 'infinite', null],
    ]));
    for (const lr of lrSweepRates) {
      const ntk = rows.find((r) => r.model === `ntk (learningRate=${lr})`)!;
      assert.equal(ntk.testLoss, run.entries.find((e) => e.id === `ntk/lr=${lr}`)!.final!.testLoss);
      assert.equal(rows.find((r) => r.model === `sgd (learningRate=${lr})`)!.limit, `ntk/lr=${lr}`);
    }
  });
});
