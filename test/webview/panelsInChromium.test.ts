/**
 * The real panel bundle in headless Chromium behind the real CSP (see browserHarness.ts), fed a
 * recorded run (test/fixtures/recorded/sweep: 26 jobs, 1586 points) the way the host feeds it: what
 * readRunData reads from the run folder, as a snapshot and then numbered deltas. Screenshots go to
 * test-results/webview/.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { readRunData } from '../../extension/panels/panelData';
import type { FromPanel, RunData } from '../../webview/protocol';
import { repoRoot } from '../helpers';
import { isType, launchChromium, openPanel, type PanelPage } from './browserHarness';

const artifacts = join(repoRoot, 'test-results', 'webview');
const fixtureDir = (name: string) => join(repoRoot, 'test', 'fixtures', 'recorded', name);

/** The recorded run: 61 logged steps (0..120 every 2) per job; 15 model/width groups; 26 jobs. */
const steps = 61;
const groups = 15;

function pngSize(base64: string): { width: number; height: number } {
  const bytes = Buffer.from(base64, 'base64');
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(bytes.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

async function expectClean(p: PanelPage, what: string): Promise<void> {
  assert.deepEqual(await p.cspViolations(), [], `${what}: no CSP violations`);
  assert.deepEqual(p.errors, [], `${what}: no console errors`);
}

async function chartAttr(p: PanelPage, chart: string, attr: string): Promise<string | null> {
  return p.page.locator(`section.chart[data-chart="${chart}"]`).getAttribute(`data-${attr}`);
}

/**
 * A chart attribute once the panel's throttled redraw has caught up: waits (up to 5 s) for it to read
 * `expected`, then returns what it reads, which the caller asserts.
 */
async function settledChartAttr(p: PanelPage, chart: string, attr: string, expected: string): Promise<string | null> {
  const selector = `section.chart[data-chart="${chart}"]`;
  await p.page.waitForFunction(([sel, name, want]) => document.querySelector(sel)?.getAttribute(name) === want, [selector, `data-${attr}`, expected] as const, { timeout: 5000 }).catch(() => undefined);
  return chartAttr(p, chart, attr);
}

async function exportOf(p: PanelPage, chart: string, format: string): Promise<Extract<FromPanel, { type: 'export' }>> {
  const before = (await p.posted()).filter((m) => m.type === 'export').length;
  await p.page.locator(`section.chart[data-chart="${chart}"]`).getByRole('button', { name: `as ${format.toUpperCase()}` }).click();
  for (let i = 0; i < 200; i++) {
    const exports = (await p.posted()).filter(isType('export'));
    if (exports.length > before) return exports[exports.length - 1];
    await p.page.waitForTimeout(25);
  }
  throw new Error(`no ${format} export from ${chart}`);
}

describe('panels in Chromium (the real bundle behind the real CSP)', { timeout: 120_000 }, () => {
  let browser: Browser;
  let sweep: RunData;
  let slow: RunData;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    browser = await launchChromium();
    sweep = await readRunData(fixtureDir('sweep'), null);
    slow = await readRunData(fixtureDir('sweep-slow'), null);
  });

  after(async () => {
    await browser?.close();
  });

  test('run panel: a snapshot, then streamed deltas, drawn as series per model and width with seed bands', async () => {
    const p = await openPanel(browser, 'run');
    const half = Math.floor(sweep.records.length / 2);
    const live: RunData = { ...sweep, status: 'running', live: true, records: sweep.records.slice(0, half), progress: { doneSteps: 1000, totalSteps: 3120, currentJob: 'sgd/w16/s0' } };
    await p.send({ type: 'snapshot', seq: 1, kind: 'run', runs: [live], ui: {} });
    await p.page.locator('section.chart[data-chart="testLoss"] canvas').first().waitFor();

    // Zoom the test loss chart by dragging across the middle of its plot, before the rest streams in.
    const over = p.page.locator('section.chart[data-chart="testLoss"] .u-over');
    const box = (await over.boundingBox())!;
    await p.page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await p.page.mouse.down();
    await p.page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await p.page.mouse.up();
    const zoomed = await p.waitForPosted((m): m is Extract<FromPanel, { type: 'selection' }> => m.type === 'selection' && !!m.ui.zoom?.testLoss);
    const zoom = zoomed.ui.zoom!.testLoss;
    assert.ok(zoom[0] > 0 && zoom[1] < 120 && zoom[0] < zoom[1], `zoomed into the middle, got ${zoom}`);

    let seq = 1;
    const rest = sweep.records.slice(half);
    for (let i = 0; i < rest.length; i += 100) {
      await p.send({ type: 'delta', seq: ++seq, dir: sweep.dir, records: rest.slice(i, i + 100), progress: { doneSteps: 1000 + i, totalSteps: 3120, currentJob: rest[i].id }, status: 'running' });
    }
    await p.page.waitForFunction((s) => document.body.dataset.seq === String(s), seq);
    await p.page.waitForFunction(() => document.querySelector('.panel-header .status')?.textContent?.includes('1,586 points'));

    for (const chart of ['trainLoss', 'testLoss', 'testAccuracy', 'rmseToLimit']) {
      assert.equal(await settledChartAttr(p, chart, 'points', String(steps)), String(steps), `${chart}: every logged step`);
    }
    assert.equal(await settledChartAttr(p, 'testLoss', 'series', String(groups)), String(groups));
    // The gap exists for the 11 finite model/width groups only.
    assert.equal(await settledChartAttr(p, 'rmseToLimit', 'series', '11'), '11');
    const legend = await p.page.locator('section.chart[data-chart="testLoss"] .legend vscode-checkbox').allTextContents();
    assert.equal(legend.length, groups);
    assert.ok(legend.some((t) => t.includes('sgd w64 (mean of 2 seeds)')));
    assert.ok(legend.some((t) => t.includes('ntk (∞)')));
    // Zoom survived the stream: the x axis still shows the window the user dragged.
    assert.deepEqual((await p.posted()).filter(isType('selection')).pop()!.ui.zoom!.testLoss, zoom);
    assert.deepEqual((await chartAttr(p, 'testLoss', 'x-range'))!.split(',').map(Number), zoom);
    assert.deepEqual((await chartAttr(p, 'trainLoss', 'x-range'))!.split(',').map(Number), [0, 120], 'the other charts are not zoomed');

    // Each legend entry is a checkbox named by its model alone (the live value is not part of the name).
    const legendBox = (chart: string, name: string) => p.page.locator(`section.chart[data-chart="${chart}"] .legend`).getByRole('checkbox', { name, exact: true });
    assert.equal(await legendBox('testLoss', 'ntk (∞)').isChecked(), true);
    // A legend toggle (a click on its label) hides the model in every chart and is reported to the host.
    await p.page.locator('section.chart[data-chart="testLoss"] .legend vscode-checkbox', { hasText: 'ntk (∞)' }).click();
    const hidden = await p.waitForPosted((m): m is Extract<FromPanel, { type: 'selection' }> => m.type === 'selection' && !!m.ui.hidden?.includes('ntk|inf'));
    assert.deepEqual(hidden.ui.hidden, ['ntk|inf']);
    await p.page.locator('section.chart[data-chart="trainLoss"] .legend').getByRole('checkbox', { name: 'ntk (∞)', exact: true, checked: false }).waitFor();

    // Hover values: the legend shows the values under the cursor.
    const trainOver = p.page.locator('section.chart[data-chart="trainLoss"] .u-over');
    const tb = (await trainOver.boundingBox())!;
    await p.page.mouse.move(tb.x + tb.width * 0.5, tb.y + tb.height * 0.5);
    await p.page.waitForFunction(() => /^At step \d+/.test(document.querySelector('section.chart[data-chart="trainLoss"] .cursor-label')?.textContent ?? ''));

    // Keyboard: the plot takes focus and the arrow keys read the points out.
    await p.page.locator('section.chart[data-chart="testAccuracy"] .plot').focus();
    await p.page.keyboard.press('End');
    await p.page.keyboard.press('ArrowLeft');
    const readout = await p.page.locator('section.chart[data-chart="testAccuracy"] .readout').textContent();
    assert.match(readout ?? '', /^step 118: .*sgd w1024 \(mean of 2 seeds\) \d+\.\d%/);
    // Screen readers get a table of final values per chart (refreshed at most once a second).
    await p.page.waitForFunction((n) => document.querySelectorAll('section.chart[data-chart="testLoss"] table.visually-hidden tbody tr').length === n, groups);

    await p.page.screenshot({ path: join(artifacts, 'run-panel.png'), fullPage: true });

    // Exports: PNG decodes at the canvas size, SVG parses, CSV and JSON hold every step.
    const png = await exportOf(p, 'testLoss', 'png');
    assert.equal(png.encoding, 'base64');
    const canvas = await p.page.locator('section.chart[data-chart="testLoss"] canvas').evaluate((c: HTMLCanvasElement) => ({ width: c.width, height: c.height }));
    const size = pngSize(png.data);
    assert.equal(size.width, canvas.width);
    assert.ok(size.height > canvas.height, 'title and legend are added under the canvas');
    // Decoded from bytes in a Blob: fetching a data: URL would be a connection the CSP forbids.
    const bitmap = await p.page.evaluate(async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const bm = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      return { width: bm.width, height: bm.height };
    }, png.data);
    assert.deepEqual(bitmap, size, 'Chromium decodes the PNG at its header size');

    const svg = await exportOf(p, 'testLoss', 'svg');
    const parsed = await p.page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      return { error: doc.querySelector('parsererror')?.textContent ?? null, root: doc.documentElement.nodeName, paths: doc.querySelectorAll('path > title').length };
    }, svg.data);
    assert.equal(parsed.error, null);
    assert.equal(parsed.root, 'svg');
    assert.equal(parsed.paths, groups - 1, 'one path per visible series (ntk is switched off)');

    const csv = await exportOf(p, 'testLoss', 'csv');
    const rows = csv.data.trim().split('\n');
    assert.equal(rows.length, steps + 1);
    assert.match(rows[0], /^step,/);
    const json = JSON.parse((await exportOf(p, 'testLoss', 'json')).data);
    assert.equal(json.x.values.length, steps);
    assert.equal(json.series.length, groups, `series of ${json.chart}: ${json.series.map((x: { key: string }) => x.key)}`);
    assert.ok(json.series.every((s: { raw: unknown[]; smoothed: unknown[] }) => s.raw.length === steps && s.smoothed.length === steps));
    assert.deepEqual(json.zoom, zoom);

    // A gap in the sequence numbers asks the host for a fresh snapshot.
    await p.send({ type: 'delta', seq: seq + 2, dir: sweep.dir, records: [], progress: null, status: 'running' });
    const resync = await p.waitForPosted(isType('resync'));
    assert.equal(resync.lastSeq, seq);
    await expectClean(p, 'run panel');

    // A reload (VS Code rebuilds a hidden panel) restores toggles and zoom from the saved state.
    await p.page.reload();
    await p.waitForPosted(isType('ready'));
    await p.send({ type: 'snapshot', seq: 1, kind: 'run', runs: [sweep], ui: {} });
    await p.page.locator('section.chart[data-chart="testLoss"] canvas').first().waitFor();
    assert.equal(await p.page.locator('section.chart[data-chart="testLoss"] .legend').getByRole('checkbox', { name: 'ntk (∞)', exact: true }).isChecked(), false, 'the toggle came back');
    assert.deepEqual((await chartAttr(p, 'testLoss', 'x-range'))!.split(',').map(Number), zoom, 'the zoom came back');
    await expectClean(p, 'run panel after a reload');
    await p.page.context().close();
  });

  test('run panel legend: streaming keeps every entry (no rebuild to bare checkboxes); a new series adds only its own', async () => {
    const p = await openPanel(browser, 'run');
    const early = sweep.records.filter((r) => !r.id.startsWith('adam/') && r.step <= 60);
    const late = sweep.records.filter((r) => !r.id.startsWith('adam/') && r.step > 60);
    const adam64 = sweep.records.filter((r) => r.id.startsWith('adam/w64/'));
    const live: RunData = { ...sweep, status: 'running', live: true, records: early, progress: null };
    await p.send({ type: 'snapshot', seq: 1, kind: 'run', runs: [live], ui: {} });
    const legend = 'section.chart[data-chart="testLoss"] .legend';
    await p.page.waitForFunction((sel) => document.querySelectorAll(`${sel} vscode-checkbox`).length === 12, legend);
    // Count what leaves and joins the legend from here on, and tag the entries there now.
    await p.page.evaluate((sel) => {
      const host = document.querySelector(sel)!;
      const w = window as unknown as { legendChanges: { added: number; removed: number } };
      w.legendChanges = { added: 0, removed: 0 };
      new MutationObserver((list) => {
        for (const m of list) {
          w.legendChanges.added += m.addedNodes.length;
          w.legendChanges.removed += m.removedNodes.length;
        }
      }).observe(host, { childList: true });
      host.querySelectorAll('vscode-checkbox').forEach((c) => c.setAttribute('data-probe', c.textContent ?? ''));
    }, legend);
    const changes = () => p.page.evaluate(() => (window as unknown as { legendChanges: { added: number; removed: number } }).legendChanges);
    const labelsBare = () => p.page.evaluate((sel) => Array.from(document.querySelectorAll(`${sel} vscode-checkbox`)).filter((c) => !(c.textContent ?? '').trim()).length, legend);

    for (let i = 0, seq = 2; i < late.length; i += 60, seq++) {
      await p.send({ type: 'delta', seq, dir: sweep.dir, records: late.slice(i, i + 60), progress: null, status: 'running' });
      await p.page.waitForFunction((s) => document.body.dataset.seq === String(s), seq);
      await p.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      assert.equal(await labelsBare(), 0, 'every entry keeps its label while points stream');
    }
    assert.deepEqual(await changes(), { added: 0, removed: 0 }, 'more points of the same series leave the legend alone');

    const seq = Number(await p.page.evaluate(() => document.body.dataset.seq)) + 1;
    await p.send({ type: 'delta', seq, dir: sweep.dir, records: adam64, progress: null, status: 'running' });
    await p.page.waitForFunction((sel) => document.querySelectorAll(`${sel} vscode-checkbox`).length === 13, legend);
    assert.deepEqual(await changes(), { added: 1, removed: 0 }, 'a new series adds its entry and nothing else moves');
    assert.equal(await p.page.locator(`${legend} vscode-checkbox[data-probe]`).count(), 12, 'the entries there before are the same elements');
    assert.equal(await labelsBare(), 0);
    await p.page.screenshot({ path: join(artifacts, 'run-panel-widths.png'), fullPage: true });
    await expectClean(p, 'run panel legend');
    await p.page.context().close();
  });

  test('run panel options: each seed, log axis, smoothing', async () => {
    const p = await openPanel(browser, 'run');
    await p.send({ type: 'snapshot', seq: 1, kind: 'run', runs: [sweep], ui: { seedMode: 'seeds', logY: true, smoothing: 0.9 } });
    await p.page.locator('section.chart[data-chart="testLoss"] canvas').first().waitFor();
    assert.equal(await chartAttr(p, 'testLoss', 'series'), '26', 'one series per job');
    // The controls show the UI state that came with the snapshot.
    const values = await p.page.locator('.toolbar vscode-single-select').evaluateAll((ds) => ds.map((d) => (d as HTMLElement & { value: string }).value));
    assert.deepEqual(values, ['log', '0.9', 'seeds']);
    // What the user sees and hears: each select is a combobox named by its caption, showing the chosen option.
    const toolbar = p.page.locator('.toolbar');
    assert.equal(await toolbar.getByRole('combobox', { name: 'Y axis' }).textContent().then((t) => t?.trim()), 'Log');
    assert.equal(await toolbar.getByRole('combobox', { name: 'Smoothing' }).count(), 1);
    const y = await p.page.locator('section.chart[data-chart="testLoss"] .legend vscode-checkbox').first().textContent();
    assert.match(y ?? '', /\(∞\)/);
    const json = JSON.parse((await exportOf(p, 'trainLoss', 'json')).data);
    assert.equal(json.smoothing.weight, 0.9);
    const s = json.series.find((x: { key: string }) => x.key === 'sgd/w16/s0');
    assert.notDeepEqual(s.smoothed, s.raw, 'raw values are exported beside the smoothed ones');
    await p.page.screenshot({ path: join(artifacts, 'run-panel-seeds-log.png'), fullPage: true });
    await expectClean(p, 'run panel options');
    await p.page.context().close();
  });

  test('comparison panel: width sweeps against their limits, the gap on log-log axes with fitted slopes, one row per model', async () => {
    const p = await openPanel(browser, 'comparison');
    await p.send({ type: 'snapshot', seq: 1, kind: 'comparison', runs: [sweep], ui: {} });
    await p.page.locator('section.chart[data-chart="gap"] canvas').first().waitFor();
    assert.equal(await chartAttr(p, 'sweep-testLoss', 'points'), '4', 'widths 16, 64, 256, 1024');
    assert.equal(await chartAttr(p, 'sweep-testLoss', 'series'), '6', 'three families and their three limits');
    assert.equal(await chartAttr(p, 'gap', 'series'), '6', 'three families and their three fits');
    const fits = await p.page.locator('ul.fits li').allTextContents();
    assert.equal(fits.length, 3);
    assert.match(fits[0], /^sgd against ntk: gap ∝ width\^-0\.\d\d/);
    const rows = await p.page.locator('table.figures tbody tr th').allTextContents();
    assert.deepEqual(rows, ['sgd', 'ntk', 'readout', 'nngp', 'adam', 'adam-limit', 'gp']);
    await p.page.screenshot({ path: join(artifacts, 'comparison-panel.png'), fullPage: true });

    await p.page.locator('section.model-table').getByRole('button', { name: 'Export the table as CSV' }).click();
    const table = await p.waitForPosted((m): m is Extract<FromPanel, { type: 'export' }> => m.type === 'export' && m.format === 'csv');
    assert.equal(table.data.trim().split('\n').length, 1 + 7);
    const svg = await exportOf(p, 'gap', 'svg');
    assert.ok(svg.data.includes('(log scale)'));
    assert.ok(pngSize((await exportOf(p, 'sweep-testLoss', 'png')).data).width > 0);

    await p.page.getByRole('button', { name: 'Open the loss curves of this run' }).click();
    assert.deepEqual(await p.waitForPosted(isType('openRun')), { type: 'openRun', dir: sweep.dir });
    await expectClean(p, 'comparison panel');
    await p.page.context().close();
  });

  test('overlay panel: two runs on one chart, the baseline pinned and switchable', async () => {
    const p = await openPanel(browser, 'overlay');
    await p.send({ type: 'snapshot', seq: 1, kind: 'overlay', runs: [sweep, slow], ui: {} });
    await p.page.locator('section.chart[data-chart="overlay"] canvas').first().waitFor();
    assert.equal(await chartAttr(p, 'overlay', 'series'), String(groups + 5));
    const first = await p.page.locator('section.chart[data-chart="overlay"] .legend vscode-checkbox').first().textContent();
    assert.match(first ?? '', /^baseline /);
    const header = await p.page.locator('table.figures thead th').allTextContents();
    assert.deepEqual(header, ['model', '#1 (baseline)', '#2']);

    await p.page.getByRole('combobox', { name: 'Baseline' }).click();
    await p.page.getByRole('option', { name: /^#2 / }).click();
    const picked = await p.waitForPosted((m): m is Extract<FromPanel, { type: 'selection' }> => m.type === 'selection' && m.ui.baseline === slow.dir);
    assert.equal(picked.ui.baseline, slow.dir);
    await p.page.waitForFunction(() => document.querySelectorAll('table.figures thead th')[2]?.textContent === '#2 (baseline)');
    const cells = await p.page.locator('table.figures tbody tr', { hasText: 'ntk (∞)' }).locator('td').allTextContents();
    assert.match(cells[0], /\([+-]\d+\.\d%\)$/, 'run #1 shows its change against the new baseline');
    await p.page.screenshot({ path: join(artifacts, 'overlay-panel.png'), fullPage: true });
    await expectClean(p, 'overlay panel');
    await p.page.context().close();
  });

  test('the page carries the real CSP: a nonce on the one script, no unsafe-inline or unsafe-eval', async () => {
    const p = await openPanel(browser, 'run');
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(p.html)![1];
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-[A-Za-z0-9_-]{20,}'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    // Styles from the extension's origin alone: the controls need no inline <style>, so no style nonce.
    assert.match(csp, /style-src https:\/\/webview\.iwl\.test(;|$)/);
    // An inline script without the nonce is refused, and reported.
    await p.page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.body.append(s);
    });
    await p.page.waitForFunction(() => (window as unknown as { __violations: unknown[] }).__violations.length > 0);
    assert.equal(await p.page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan ?? false), false);
    const v = await p.cspViolations();
    assert.equal(v[0].directive, 'script-src-elem');
    await p.page.context().close();
  });
});
