/**
 * The experiments table, and the run and comparison panels it drives, in headless Chromium: the
 * real bundle behind the real CSP (browserHarness.ts), fed a learning-rate sweep's run folder
 * (test/fixtures/sweptRun.ts) the way the host reads it. Screenshots go to test-results/webview/.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { readRunData } from '../../extension/panels/panelData';
import type { FromPanel, MetricPoint, RunData } from '../../webview/protocol';
import type { PlannedJob } from '../../engine/contract/engineProtocol';
import { runTables, tableJobs } from '../../extension/panels/tableRows';
import { repoRoot, tempDir } from '../helpers';
import { writeSweptRun } from '../fixtures/sweptRun';
import { isType, launchChromium, openPanel, type PanelPage } from './browserHarness';

const artifacts = join(repoRoot, 'test-results', 'webview');

/** The run as the run and comparison panels get it, and as the experiments table gets it (the host's rows, no curves). */
async function sweptRun(options: Parameters<typeof writeSweptRun>[1] = {}): Promise<{ run: RunData; table: RunData }> {
  const dir = join(tempDir('iwl-table-ui-'), 'lr-sweep.iwl.yaml', '2026-12-01T10-00-00Z');
  writeSweptRun(dir, options);
  return { run: await readRunData(dir, null), table: await readRunData(dir, null, { table: true }) };
}

const rowKeys = (p: PanelPage) => p.page.locator('table.experiments tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key')));
const headers = (p: PanelPage) => p.page.locator('table.experiments thead tr:first-child th[data-column]').evaluateAll((ths) => ths.map((th) => th.getAttribute('data-column')));

async function expectClean(p: PanelPage, what: string): Promise<void> {
  assert.deepEqual(await p.cspViolations(), [], `${what}: no CSP violations`);
  assert.deepEqual(p.errors, [], `${what}: no console errors`);
}

async function pick(p: PanelPage, combobox: string, option: string | RegExp): Promise<void> {
  await p.page.getByRole('combobox', { name: combobox }).click();
  await p.page.getByRole('option', { name: option }).click();
}

describe('experiments table in Chromium', { timeout: 120_000 }, () => {
  let browser: Browser;
  let run: RunData;
  let table: RunData;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    browser = await launchChromium();
    ({ run, table } = await sweptRun());
  });

  after(async () => {
    await browser?.close();
  });

  test('rows, best marks, sort, filters, columns and point rows; the view survives a reload', async () => {
    const p = await openPanel(browser, 'table');
    await p.send({ type: 'snapshot', seq: 1, kind: 'table', runs: [table], ui: {} });
    await p.page.waitForFunction(() => document.querySelectorAll('table.experiments tbody tr[data-key]').length === 15);
    assert.equal((await rowKeys(p))[0], 'sgd/lr=0.5/w64/s0', 'the run order');
    assert.deepEqual(await p.page.locator('table.experiments tbody tr.best').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key'))), [
      'sgd/lr=2/w64/s0',
      'sgd/lr=2/w64/s1',
      'adam/lr=0.01/w64/s0',
      'adam/lr=0.01/w64/s1',
      'ntk/lr=2',
    ]);
    assert.match((await p.page.locator('.best-note').textContent()) ?? '', /adam: optimizer\.learningRate=0\.01 \(validation loss/);

    // Sort by validation loss: a click on its header; a second click reverses it.
    const sortBy = (label: string) => p.page.locator('table.experiments thead').getByRole('button', { name: label, exact: false }).first();
    await sortBy('validation loss').click();
    await p.page.waitForFunction(() => document.querySelector('table.experiments tbody tr')?.getAttribute('data-key') === 'adam/lr=0.01/w64/s0');
    assert.equal(await p.page.locator('th[data-column="figure:validationLoss"]').first().getAttribute('aria-sort'), 'ascending');
    await sortBy('validation loss').click();
    await p.page.waitForFunction(() => document.querySelector('table.experiments tbody tr')?.getAttribute('data-key') === 'sgd/lr=0.5/w64/s1');

    // The text filter, then a column filter on the learning rate.
    await p.page.getByRole('textbox', { name: 'Filter', exact: true }).fill('adam');
    await p.page.waitForFunction(() => document.querySelectorAll('table.experiments tbody tr[data-key]').length === 6);
    await p.page.getByRole('textbox', { name: 'Filter optimizer.learningRate' }).fill('<0.05');
    await p.page.waitForFunction(() => document.querySelectorAll('table.experiments tbody tr[data-key]').length === 4);
    // A comparison without a number is said, located at its column, and ignored.
    await p.page.getByRole('textbox', { name: 'Filter width' }).fill('>wide');
    await p.page.locator('.note[role="alert"]', { hasText: 'width: ">wide" needs a number after >' }).waitFor();
    assert.equal((await rowKeys(p)).length, 4);
    await p.page.getByRole('textbox', { name: 'Filter width' }).fill('');

    // Choose columns: switch off the gap to the limit.
    await p.page.locator('details.column-chooser summary').click();
    await p.page.locator('details.column-chooser vscode-checkbox', { hasText: 'gap to limit' }).click();
    await p.page.waitForFunction(() => !document.querySelector('th[data-column="figure:rmseToLimit"]'));
    const saved = await p.waitForPosted((m): m is Extract<FromPanel, { type: 'selection' }> => m.type === 'selection' && !!m.ui.table?.hiddenColumns?.includes('figure:rmseToLimit'));
    assert.equal(saved.ui.table!.filter, 'adam');
    assert.deepEqual(saved.ui.table!.sort, { column: 'figure:validationLoss', descending: true });

    // One row per point, seeds averaged.
    await pick(p, 'Rows', /One per point/);
    await p.page.waitForFunction(() => document.querySelectorAll('table.experiments tbody tr[data-key]').length === 2);
    assert.deepEqual(await rowKeys(p), ['adam/lr=0.001/w64', 'adam/lr=0.01/w64']);
    assert.ok((await headers(p)).includes('seeds'));
    await p.page.screenshot({ path: join(artifacts, 'experiments-table.png'), fullPage: true });
    await expectClean(p, 'experiments table');

    // A reload (VS Code rebuilds a hidden panel) keeps the row mode, the sort, the filters and the columns.
    await p.page.reload();
    await p.waitForPosted(isType('ready'));
    await p.send({ type: 'snapshot', seq: 1, kind: 'table', runs: [table], ui: {} });
    await p.page.waitForFunction(() => document.querySelectorAll('table.experiments tbody tr[data-key]').length === 2);
    assert.ok(!(await headers(p)).includes('figure:rmseToLimit'));
    assert.equal(await p.page.getByRole('textbox', { name: 'Filter', exact: true }).inputValue(), 'adam');
    await expectClean(p, 'experiments table after a reload');
    await p.page.context().close();
  });

  test('selected rows go to the run panel and the comparison panel', async () => {
    const p = await openPanel(browser, 'table');
    await p.send({ type: 'snapshot', seq: 1, kind: 'table', runs: [table], ui: { table: { rows: 'point' } } });
    await p.page.waitForFunction(() => document.querySelectorAll('table.experiments tbody tr[data-key]').length === 9);
    await p.page.locator('tr[data-key="sgd/lr=8/w64"] td.select vscode-checkbox').click();
    await p.page.getByRole('button', { name: 'Plot the selected rows in the run panel' }).click();
    assert.deepEqual(await p.waitForPosted(isType('openRun')), { type: 'openRun', dir: run.dir, jobs: ['sgd/lr=8/w64/s0', 'sgd/lr=8/w64/s1'] });
    await p.page.getByRole('button', { name: 'Clear the selection' }).click();
    await p.page.getByRole('button', { name: "Select each model's best point" }).click();
    await p.page.getByRole('button', { name: 'Compare the selected rows in the comparison panel' }).click();
    const compare = await p.waitForPosted(isType('openComparison'));
    assert.deepEqual(compare.jobs, ['sgd/lr=2/w64/s0', 'sgd/lr=2/w64/s1', 'adam/lr=0.01/w64/s0', 'adam/lr=0.01/w64/s1', 'ntk/lr=2']);
    await expectClean(p, 'table selection');
    await p.page.context().close();

    // The run panel shows the picked jobs only, and every job again at "Show all jobs".
    const r = await openPanel(browser, 'run');
    await r.send({ type: 'snapshot', seq: 1, kind: 'run', runs: [run], ui: {} });
    await r.page.waitForFunction(() => document.querySelector('section.chart[data-chart="testLoss"]')?.getAttribute('data-series') === '9');
    await r.send({ type: 'focusJobs', jobs: ['sgd/lr=8/w64/s0', 'sgd/lr=8/w64/s1'] });
    await r.page.waitForFunction(() => document.querySelector('section.chart[data-chart="testLoss"]')?.getAttribute('data-series') === '1');
    await r.page.locator('.focus-note', { hasText: 'Showing 2 jobs picked in the experiments table' }).waitFor();
    await r.waitForPosted((m): m is Extract<FromPanel, { type: 'selection' }> => m.type === 'selection' && m.ui.jobs?.length === 2);
    await r.page.getByRole('button', { name: 'Show all jobs' }).click();
    await r.page.waitForFunction(() => document.querySelector('section.chart[data-chart="testLoss"]')?.getAttribute('data-series') === '9');
    await expectClean(r, 'run panel narrowed by the table');
    await r.page.context().close();
  });

  test('comparison panel: test accuracy against the learning rate, per model', async () => {
    const p = await openPanel(browser, 'comparison');
    await p.send({ type: 'snapshot', seq: 1, kind: 'comparison', runs: [run], ui: { metric: 'testAccuracy' } });
    await pick(p, 'X axis', 'optimizer.learningRate');
    const chart = p.page.locator('section.chart[data-chart="setting-testAccuracy"]');
    await chart.locator('canvas').first().waitFor();
    assert.equal(await chart.getAttribute('data-points'), '6', 'the rates of sgd, adam and ntk');
    assert.equal(await chart.getAttribute('data-series'), '3');
    assert.match((await chart.locator('h3').textContent()) ?? '', /Final test accuracy against optimizer\.learningRate/);
    await p.waitForPosted((m): m is Extract<FromPanel, { type: 'selection' }> => m.type === 'selection' && m.ui.xAxis === 'optimizer.learningRate');
    await p.page.screenshot({ path: join(artifacts, 'comparison-learning-rate.png'), fullPage: true });
    await expectClean(p, 'comparison against a setting');
    await p.page.context().close();
  });

  test('live: queued and running jobs show from the plan; each snapshot the host sends moves their figures; no best is claimed yet', async () => {
    const { run: done } = await sweptRun({ validation: false });
    const lastJob = 'ntk/lr=8';
    const planned: PlannedJob[] = done.entries.map((e) => ({ id: e.id, model: e.model, kind: e.kind, width: e.width, seed: e.seed, steps: 20, optimizer: e.optimizer, point: e.point }));
    const finished = done.entries.filter((e) => e.id !== lastJob && e.model !== 'adam');
    const points = done.records.filter((r) => r.id === lastJob);
    const liveTable = (latest: MetricPoint) => ({
      ...done,
      status: 'running' as const,
      live: true,
      records: [],
      best: undefined,
      tables: runTables(tableJobs(finished, { planned, started: new Set([lastJob]), latest: new Map([[lastJob, latest]]) })),
    });
    const p = await openPanel(browser, 'table');
    await p.send({ type: 'snapshot', seq: 1, kind: 'table', runs: [liveTable(points[0])], ui: {} });
    const statusCell = p.page.locator(`tr[data-key="${lastJob}"] td[data-column="status"]`);
    await statusCell.waitFor();
    assert.equal(await statusCell.textContent(), 'running');
    assert.equal(await p.page.locator(`tr[data-key="${lastJob}"] td[data-column="point:optimizer.learningRate"]`).textContent(), '8');
    assert.equal(await p.page.locator('tr[data-key="adam/lr=0.1/w64/s1"] td[data-column="status"]').textContent(), 'queued');
    const testLoss = p.page.locator(`tr[data-key="${lastJob}"] td[data-column="figure:testLoss"]`);
    const before = await testLoss.textContent();
    await p.send({ type: 'snapshot', seq: 2, kind: 'table', runs: [liveTable(points[points.length - 1])], ui: {} });
    await p.page.waitForFunction(({ key, old }) => document.querySelector(`tr[data-key="${key}"] td[data-column="figure:testLoss"]`)?.textContent !== old, { key: lastJob, old: before });
    assert.equal(await p.page.locator('table.experiments tbody tr.best').count(), 0);
    assert.match((await p.page.locator('.best-note').textContent()) ?? '', /No best point is marked/);
    await expectClean(p, 'live table');
    await p.page.context().close();
  });
});
