/**
 * The experiments table's shaping (webview/tableData.ts) and the comparison panel's sweep against a
 * setting (webview/settingSweep.ts), on run folders as the host reads them (readRunData, through the
 * records' validating readers): a learning-rate sweep with a validation split and `best`
 * (test/fixtures/sweptRun.ts), the same without validation, one still running, and the recorded
 * width sweep of a run made before sweeps (no `point`, no `best`).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readRunData } from '../../extension/panels/panelData';
import type { MetricPoint, RunData } from '../../webview/protocol';
import { bestJobs, describeBest, filterRows, jobRows, parseColumnFilter, pointRows, sortRows, tableColumns, visibleColumns, type TableColumn, type TableRow } from '../../webview/tableData';
import { focusEntries, settingSweepChart, sweepAxes } from '../../webview/settingSweep';
import { repoRoot, tempDir } from '../helpers';
import { validationLossOf, writeSweptRun } from '../fixtures/sweptRun';

// Means of a few doubles: float64 rounding only.
const exact = 1e-12;

async function sweptRun(options: Parameters<typeof writeSweptRun>[1] = {}): Promise<RunData> {
  const dir = join(tempDir('iwl-table-'), 'lr-sweep.iwl.yaml', '2026-12-01T10-00-00Z');
  writeSweptRun(dir, options);
  return readRunData(dir, null);
}

function latestOf(records: readonly MetricPoint[]): Map<string, MetricPoint> {
  const m = new Map<string, MetricPoint>();
  for (const r of records) if (!m.has(r.id) || m.get(r.id)!.step <= r.step) m.set(r.id, r);
  return m;
}

const rowsOf = (run: RunData) => jobRows(run.entries, latestOf(run.records), run.best);
const column = (columns: TableColumn[], id: string) => columns.find((c) => c.id === id)!;
const keys = (rows: TableRow[]) => rows.map((r) => r.key);

describe('experiments table: rows and columns', () => {
  test('a row per job with its settings, its sweep point and final figures as columns', async () => {
    const run = await sweptRun();
    const rows = rowsOf(run);
    assert.equal(rows.length, 15);
    const columns = tableColumns(rows, 'job');
    assert.deepEqual(
      columns.map((c) => c.label),
      ['job', 'model', 'kind', 'optimizer', 'trainable', 'width', 'seed', 'optimizer.learningRate', 'status', 'train loss', 'test loss', 'test accuracy', 'validation loss', 'validation accuracy', 'gap to limit', 'seconds'],
    );
    const adam = rows.find((r) => r.key === 'adam/lr=0.01/w64/s1')!;
    assert.equal(column(columns, 'point:optimizer.learningRate').text(adam), '0.01');
    assert.equal(column(columns, 'figure:validationLoss').value(adam), run.entries.find((e) => e.id === adam.key)!.final!.validationLoss);
    assert.equal(column(columns, 'figure:seconds').value(adam), 3);
    assert.equal(column(columns, 'width').text(rows.find((r) => r.key === 'ntk/lr=2')!), '∞');
    assert.match(column(columns, 'figure:testAccuracy').text(adam), /^\d+\.\d%$/);
  });

  test('a run without a validation split has no validation columns; one made before sweeps has no point columns', async () => {
    const plain = await sweptRun({ validation: false });
    const labels = tableColumns(rowsOf(plain), 'job').map((c) => c.label);
    assert.ok(!labels.some((l) => l.startsWith('validation')), labels.join(', '));
    const recorded = await readRunData(join(repoRoot, 'test', 'fixtures', 'recorded', 'sweep'), null);
    const rows = rowsOf(recorded);
    assert.equal(rows.length, 26);
    assert.ok(!tableColumns(rows, 'job').some((c) => c.group === 'point'));
  });

  test('one row per point: seeds averaged, the seed column becomes a count', async () => {
    const run = await sweptRun();
    const points = pointRows(rowsOf(run));
    assert.equal(points.length, 9, '3 rates for each of sgd, adam and ntk');
    const sgd = points.find((r) => r.key === 'sgd/lr=2/w64')!;
    assert.deepEqual(sgd.jobs, ['sgd/lr=2/w64/s0', 'sgd/lr=2/w64/s1']);
    assert.equal(sgd.seeds, 2);
    const finals = run.entries.filter((e) => sgd.jobs.includes(e.id)).map((e) => e.final!.testLoss);
    assert.ok(Math.abs(sgd.figures.testLoss! - (finals[0] + finals[1]) / 2) < exact);
    assert.deepEqual(tableColumns(points, 'point').slice(0, 7).map((c) => c.label), ['point', 'model', 'kind', 'optimizer', 'trainable', 'width', 'seeds']);
  });

  test('a running run: unfinished jobs show their latest figures; a point averages its completed seeds only', async () => {
    const run = await sweptRun({ unfinished: 4 });
    const rows = rowsOf(run);
    assert.equal(rows.length, 15, 'every job that logged has a row');
    const running = rows.filter((r) => r.status === 'running');
    assert.deepEqual(keys(running), ['adam/lr=0.1/w64/s1', 'ntk/lr=0.5', 'ntk/lr=2', 'ntk/lr=8']);
    const last = run.records.filter((r) => r.id === 'adam/lr=0.1/w64/s1').pop()!;
    assert.equal(running[0].figures.testLoss, last.testLoss);
    assert.deepEqual(running[0].point, { 'optimizer.learningRate': 0.1 }, 'borrowed from the finished seed of the same point');
    const point = pointRows(rows).find((r) => r.key === 'adam/lr=0.1/w64')!;
    assert.equal(point.status, '1 of 2 completed');
    assert.equal(point.figures.testLoss, run.entries.find((e) => e.id === 'adam/lr=0.1/w64/s0')!.final!.testLoss, 'the running seed is not averaged in');
  });
});

describe('experiments table: best points', () => {
  test("each model's best point is marked, in both row modes, as summary.json names it", async () => {
    const run = await sweptRun();
    const rows = rowsOf(run);
    assert.deepEqual(keys(rows.filter((r) => r.best)), ['sgd/lr=2/w64/s0', 'sgd/lr=2/w64/s1', 'adam/lr=0.01/w64/s0', 'adam/lr=0.01/w64/s1', 'ntk/lr=2']);
    assert.deepEqual(keys(pointRows(rows).filter((r) => r.best)), ['sgd/lr=2/w64', 'adam/lr=0.01/w64', 'ntk/lr=2']);
    assert.deepEqual(bestJobs(run.best).length, 5);
    const lines = describeBest(run.best);
    assert.equal(lines.length, 3);
    assert.equal(lines[1], `adam: optimizer.learningRate=0.01 (validation loss ${Number(((validationLossOf({ model: 'adam', rank: 1, seed: 0 }) + validationLossOf({ model: 'adam', rank: 1, seed: 1 })) / 2).toPrecision(4))}, 2 jobs)`);
  });

  test('no best is claimed without summary.json best, even where one rate is plainly lowest', async () => {
    const run = await sweptRun({ validation: false });
    assert.equal(run.best, undefined);
    const rows = rowsOf(run);
    assert.ok(rows.every((r) => !r.best));
    assert.ok(pointRows(rows).every((r) => !r.best));
    assert.deepEqual(describeBest(run.best), []);
    assert.deepEqual(bestJobs(run.best), []);
  });
});

describe('experiments table: sort and filter', () => {
  test('sort by a figure, a point setting or text; rows without a value go last either way', async () => {
    const run = await sweptRun();
    const rows = rowsOf(run);
    const columns = tableColumns(rows, 'job');
    const byVal = sortRows(rows, column(columns, 'figure:validationLoss'), false);
    assert.equal(byVal[0].key, 'adam/lr=0.01/w64/s0', 'the lowest validation loss first');
    const values = byVal.map((r) => r.figures.validationLoss!);
    assert.deepEqual(values, [...values].sort((a, b) => a - b));
    const byRate = sortRows(rows, column(columns, 'point:optimizer.learningRate'), true);
    assert.deepEqual(byRate.slice(0, 3).map((r) => r.point['optimizer.learningRate']), [8, 8, 8]);
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
    const columns = tableColumns(rows, 'job');
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
    const rows = rowsOf(await sweptRun());
    const columns = tableColumns(rows, 'job');
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
  test('the x axes: width and every numeric key of the sweep points', async () => {
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

  test('compare picked rows: their jobs and the limits they converge to', async () => {
    const run = await sweptRun();
    const kept = focusEntries(run.entries, ['sgd/lr=2/w64/s0', 'adam/lr=0.01/w64/s0']);
    assert.deepEqual(kept.map((e) => e.id), ['sgd/lr=2/w64/s0', 'adam/lr=0.01/w64/s0', 'ntk/lr=2']);
    assert.equal(focusEntries(run.entries, undefined).length, 15);
  });
});
