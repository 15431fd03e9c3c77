/**
 * End-to-end, in a real VS Code (code-server) through Chromium, with the packaged extension:
 *  1. the "Run experiment" lens appears on an experiment file; a run completes, its outcome lens
 *     reopens the run panel, and "Open Results as Text" shows its figures;
 *  2. a run shows progress (status bar, notification) and a run panel whose curves grow;
 *  3. its summary.json lands under .iwl/runs, completed;
 *  4. Stop mid-run ends the run cancelled;
 *  5. killing the engine process mid-run marks the run failed (and the status bar says so), and
 *     the next run works;
 *  6. a broken file shows diagnostics;
 *  7. the Runs view lists every run, and a past run reopens from it with its curves;
 *  8. the comparison panel shows the width sweep (its charts, fitted slope and table);
 *  9. the walkthrough, then Restricted Mode (validation works, runs are disabled and say why);
 * 10. a Quick Fix, YAML completion and hover; the run panel at a narrow split (half a laptop screen),
 *     then in a high-contrast and in a dark theme, each kept as a README screenshot.
 * Screenshots of each step go to test-results/e2e/, crops for the README to test-results/e2e/readme/;
 * on failure also the extension's log, the code-server output and the text on screen.
 * Run with `npm run test:e2e` (scripts/e2e.mjs installs code-server once and packages the extension first).
 */
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from '../helpers';
import { extensionLog, installExtensionFolder, startCodeServer, type CodeServer } from './codeServer';
import { workspaceFiles } from './experiments';
import { describePanel, pointsOf, readPanels, waitForPanel, type PanelReading } from './panels';
import { endedRun, enginePids, newRun, runDirs, runsOf, type RunOnDisk } from './runFolders';
import { createQuickstartFromWalkthrough, openWalkthrough } from './walkthrough';
import { quickFixCompletionAndHover, setColorTheme } from './editor';
import {
  clearNotifications,
  closeAllEditors,
  chooseFromContextMenu,
  childrenOf,
  lens,
  openFile,
  parkMouse,
  runCommandFromPalette,
  runsView,
  runsViewRows,
  setExpanded,
  treeRow,
  type TreeRow,
  widenSideBar,
  waitForStatusBar,
  waitFor,
} from './workbench';
import { errorMessage } from '../../engine/contract/errors';

const artifacts = join(repoRoot, 'test-results', 'e2e');
const readmeShots = join(artifacts, 'readme');
const chromiumPath = process.env.IWL_CHROMIUM ?? '/usr/bin/chromium';
const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const viewport = { width: 1400, height: 900 };

/** How long a run may take end to end on a loaded 2-core CI machine: about 10x what the files take alone. */
const runTimeoutMs = 120_000;
/** Stop must end a run within a second (issue 4); the file system and the view add a little. */
const stopTimeoutMs = 15_000;

interface Step {
  name: string;
  ms: number;
}

const steps: Step[] = [];
let shot = 0;

function fileName(name: string): string {
  return name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '');
}

async function step<T>(page: Page, name: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  process.stdout.write(`e2e: ${name} ... `);
  try {
    const result = await fn();
    const ms = Date.now() - started;
    steps.push({ name, ms });
    process.stdout.write(`ok (${ms} ms)\n`);
    await page.screenshot({ path: join(artifacts, `${String(++shot).padStart(2, '0')}-${fileName(name)}.png`) });
    return result;
  } catch (error) {
    process.stdout.write('FAILED\n');
    await page.screenshot({ path: join(artifacts, `${String(++shot).padStart(2, '0')}-FAILED-${fileName(name)}.png`) }).catch(() => undefined);
    throw error;
  }
}

/** A crop of the screen for the README: the union of the parts' boxes. */
async function keepForReadme(page: Page, name: string, parts: Locator[], options: { park?: boolean } = {}): Promise<void> {
  const boxes = (await Promise.all(parts.map((l) => l.first().boundingBox()))).filter((b): b is NonNullable<typeof b> => !!b);
  if (!boxes.length) throw new Error(`nothing on screen to crop for ${name}`);
  const x = Math.max(0, Math.min(...boxes.map((b) => b.x)));
  const y = Math.max(0, Math.min(...boxes.map((b) => b.y)));
  const right = Math.min(viewport.width, Math.max(...boxes.map((b) => b.x + b.width)));
  const bottom = Math.min(viewport.height, Math.max(...boxes.map((b) => b.y + b.height)));
  if (options.park ?? true) await parkMouse(page);
  await page.screenshot({ path: join(readmeShots, `${name}.png`), clip: { x, y, width: right - x, height: bottom - y } });
}

function jobsOf(run: RunOnDisk): string {
  return (run.summary?.runs ?? []).map((r) => r.id).sort().join(',');
}

/** Clicks the "Run experiment" lens, waits for the run folder the click made, and returns the folders that existed before. */
async function clickRun(page: Page, workspace: string, file: string): Promise<Set<string>> {
  const before = runDirs(workspace, file);
  await lens(page, 'Run experiment').click();
  await waitFor(`a new run folder under .iwl/runs/${file}`, 30_000, () => newRun(workspace, file, before));
  return before;
}

async function waitForEnd(workspace: string, file: string, before: Set<string>, status: string, timeoutMs: number): Promise<RunOnDisk> {
  const run = await waitFor(`the run of ${file} to end (summary.json)`, timeoutMs, () => endedRun(workspace, file, before));
  if (run.summary?.status !== status) throw new Error(`the run of ${file} ended ${run.summary?.status}, expected ${status}: ${JSON.stringify(run.summary).slice(0, 1500)}`);
  return run;
}

/** Milliseconds from the extension host's "activating infinite-width-lab" line to our "activated in" line. */
function activationSpanMs(hostLog: string, extensionLogText: string): number | null {
  const stamp = (line: string | undefined) => (line ? Date.parse(line.slice(0, 23).replace(' ', 'T')) : NaN);
  const began = stamp(hostLog.split('\n').find((l) => l.includes('_doActivateExtension infinite-width-lab.infinite-width-lab')));
  const ended = stamp(extensionLogText.split('\n').find((l) => l.includes('activated in')));
  return Number.isFinite(began) && Number.isFinite(ended) ? ended - began : null;
}

function hostLogText(userDataDir: string): string {
  const logs = join(userDataDir, 'logs');
  const out: string[] = [];
  for (const session of existsSync(logs) ? readdirSync(logs) : []) {
    const path = join(logs, session, 'exthost1', 'remoteexthost.log');
    if (existsSync(path)) out.push(readFileSync(path, 'utf8'));
  }
  return out.join('\n');
}

async function walk(p: Page, s: CodeServer, workspace: string, extensionsDir: string): Promise<void> {
  await step(p, 'workbench loads', async () => {
    await p.goto(`${s.url}/?folder=${encodeURIComponent(workspace)}`);
    await p.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await p.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 60_000 });
  });

  // 1. Lenses on an experiment file; a quick run; its outcome lens; the results as text.
  await step(p, 'code lenses appear on an experiment file', async () => {
    await openFile(p, 'tiny.iwl.yaml');
    await lens(p, 'Run experiment').waitFor({ timeout: 90_000 });
    await lens(p, 'Run model').waitFor({ timeout: 10_000 });
  });

  await step(p, 'run experiment completes (tiny)', async () => {
    const clicked = Date.now();
    const before = await clickRun(p, workspace, 'tiny.iwl.yaml');
    const run = await waitForEnd(workspace, 'tiny.iwl.yaml', before, 'completed', runTimeoutMs);
    console.log(`e2e:   tiny finished ${Date.now() - clicked} ms after the click: ${run.dir}`);
    if (!existsSync(join(run.dir, 'manifest.json'))) throw new Error(`${run.dir} has no manifest.json`);
    if (jobsOf(run) !== 'ntk,sgd/w64/s0') throw new Error(`unexpected jobs in summary.json: ${jobsOf(run)}`);
    return run;
  });

  await step(p, 'outcome lens reopens the run panel', async () => {
    const outcome = lens(p, /completed .* open results/);
    await outcome.waitFor({ timeout: 30_000 });
    await closeAllEditors(p);
    await openFile(p, 'tiny.iwl.yaml');
    await outcome.click();
    await p.locator('.tab[aria-label*="Run · tiny"]').first().waitFor({ timeout: 15_000 });
    const panel = await waitForPanel(p, 'run', 'tiny', 'completed, with curves', (x) => x.status.startsWith('completed') && pointsOf(x) > 0);
    console.log(`e2e:   ${describePanel(panel)}`);
  });

  await step(p, 'Open Results as Text shows the figures', async () => {
    await p.locator('.tab[aria-label*="tiny.iwl.yaml"]').first().click();
    await runCommandFromPalette(p, 'Infinite Width Lab: Open Results as Text');
    await p.locator('.tab[aria-label*="results.md"]').first().waitFor({ timeout: 15_000 });
    await p.locator('.monaco-editor', { hasText: 'Final figures' }).first().waitFor({ timeout: 15_000 });
    await p.locator('.monaco-editor', { hasText: 'sgd/w64/s0' }).first().waitFor({ timeout: 5_000 });
  });

  // 2-3. Progress, live curves that grow, a completed summary.json.
  await closeAllEditors(p);
  await clearNotifications(p);
  await openFile(p, 'live.iwl.yaml');
  await lens(p, 'Run experiment').waitFor({ timeout: 30_000 });
  const liveBefore = await step(p, 'run shows progress (status bar and notification)', async () => {
    const before = await clickRun(p, workspace, 'live.iwl.yaml');
    const bar = await waitForStatusBar(p, /IWL .*\d+%/, 'the status bar to show the run progress', 30_000);
    await p.locator('.notification-toast', { hasText: 'live.iwl.yaml' }).first().waitFor({ timeout: 10_000 });
    console.log(`e2e:   status bar: "${bar}"`);
    return before;
  });

  await step(p, 'run panel curves grow while the run streams', async () => {
    const first = await waitForPanel(p, 'run', 'live', 'running with points', (x) => x.status.startsWith('running') && pointsOf(x, 'trainLoss') > 0);
    const n1 = pointsOf(first, 'trainLoss');
    const second = await waitForPanel(p, 'run', 'live', `running with more than ${n1} points`, (x) => x.status.startsWith('running') && pointsOf(x, 'trainLoss') > n1, 20_000);
    console.log(`e2e:   train loss points drawn ${n1} -> ${pointsOf(second, 'trainLoss')} while running (${second.status})`);
  });

  await step(p, 'summary.json lands under .iwl/runs, completed', async () => {
    const run = await waitForEnd(workspace, 'live.iwl.yaml', liveBefore, 'completed', runTimeoutMs);
    if (jobsOf(run) !== 'sgd/w1024/s0') throw new Error(`unexpected jobs in summary.json: ${jobsOf(run)}`);
    const panel = await waitForPanel(p, 'run', 'live', 'completed', (x) => x.status.startsWith('completed'));
    console.log(`e2e:   ${run.dir}; panel ${describePanel(panel)}`);
  });

  // 8. The width sweep: run panel, then its comparison panel.
  await closeAllEditors(p);
  await clearNotifications(p);
  await openFile(p, 'width-sweep.iwl.yaml');
  await lens(p, 'Run experiment').waitFor({ timeout: 30_000 });
  const sweepPanel = await step(p, 'width sweep runs to completion', async () => {
    const clicked = Date.now();
    const before = await clickRun(p, workspace, 'width-sweep.iwl.yaml');
    const run = await waitForEnd(workspace, 'width-sweep.iwl.yaml', before, 'completed', runTimeoutMs);
    if (jobsOf(run) !== 'ntk,sgd/w128/s0,sgd/w32/s0,sgd/w512/s0') throw new Error(`unexpected jobs in summary.json: ${jobsOf(run)}`);
    console.log(`e2e:   sweep finished ${Date.now() - clicked} ms after the click`);
    const panel = await waitForPanel(p, 'run', 'width-sweep', 'completed with four models', (x) => x.status.startsWith('completed') && x.charts.some((c) => c.id === 'testLoss' && c.series >= 4));
    // The legend's latest values are the final figures of summary.json (4 significant digits, as the panel prints them).
    const expected = new Map((run.summary?.runs ?? []).map((r) => [r.id.replace(/\/s\d+$/, '').replace('/', ' '), r.final ? String(Number(r.final.trainLoss.toPrecision(4))) : '—']));
    await waitForPanel(p, 'run', 'width-sweep', 'showing the final train losses in its legend', (x) => {
      const chart = x.charts.find((c) => c.id === 'trainLoss');
      const shown = chart?.legend.map((e) => `${e.label.replace(/ \(∞\)$/, '')}=${e.value}`).sort().join(', ');
      const want = [...expected].map(([k, v]) => `${k}=${v}`).sort().join(', ');
      if (shown !== want) console.log(`e2e:   legend ${chart?.legendHead}: ${shown}; summary.json: ${want}`);
      return chart?.legendHead === 'Latest values' && shown === want;
    }, 3_000);
    await lens(p, /w512: test loss/).waitFor({ timeout: 15_000 });
    await clearNotifications(p);
    await keepForReadme(p, 'run-panel', [p.locator('.part.editor')]);
    return panel;
  });

  await step(p, 'comparison panel shows the width sweep', async () => {
    await sweepPanel.frame.locator('vscode-button', { hasText: 'Compare widths' }).click();
    await p.locator('.tab[aria-label*="Widths · width-sweep"]').first().waitFor({ timeout: 15_000 });
    const panel = await waitForPanel(p, 'comparison', 'width-sweep', 'with its charts, slope and table', (x) => {
      const gap = x.charts.find((c) => c.id === 'gap');
      return !!gap && gap.points >= 3 && x.fits.some((f) => /gap ∝ width\^-?\d/.test(f)) && x.rows.length >= 2;
    });
    const sweep = panel.charts.find((c) => c.id.startsWith('sweep-'));
    if (!sweep || sweep.points < 3) throw new Error(`the width sweep chart does not show three widths: ${describePanel(panel)}`);
    const models = panel.rows.map((r) => r[0]);
    for (const model of ['sgd', 'ntk']) if (!models.includes(model)) throw new Error(`the comparison table has no row for ${model}: ${models.join(', ')}`);
    console.log(`e2e:   ${describePanel(panel)}`);
    console.log(`e2e:   ${panel.fits.join(' | ')}`);
    console.log(`e2e:   table: ${panel.rows.map((r) => r.join(' / ')).join(' | ')}`);
    // The picture for the README: the comparison alone in the editor area.
    await runCommandFromPalette(p, 'View: Close Editors in Other Groups');
    await waitFor('one editor group', 10_000, async () => (await p.locator('.part.editor .editor-group-container').count()) === 1);
    await waitForPanel(p, 'comparison', 'width-sweep', 'redrawn', (x) => x.charts.some((c) => c.id === 'gap' && c.points >= 3));
    await keepForReadme(p, 'comparison-panel', [p.locator('.part.editor')]);
  });

  // 4. Stop mid-run.
  await closeAllEditors(p);
  await clearNotifications(p);
  await openFile(p, 'long.iwl.yaml');
  await lens(p, 'Run experiment').waitFor({ timeout: 30_000 });
  await step(p, 'Stop mid-run ends the run cancelled', async () => {
    const before = await clickRun(p, workspace, 'long.iwl.yaml');
    await waitForPanel(p, 'run', 'long', 'streaming points', (x) => x.status.startsWith('running') && pointsOf(x) > 0);
    const stop = lens(p, /^\W*Stop$/);
    await stop.waitFor({ timeout: 10_000 });
    const clicked = Date.now();
    await stop.click();
    const run = await waitForEnd(workspace, 'long.iwl.yaml', before, 'cancelled', stopTimeoutMs);
    console.log(`e2e:   summary.json cancelled ${Date.now() - clicked} ms after the click: ${run.dir}`);
    await waitForPanel(p, 'run', 'long', 'cancelled', (x) => x.status.startsWith('cancelled'), 15_000);
    await lens(p, 'Run experiment').waitFor({ timeout: 15_000 });
  });

  // 5. Kill the engine mid-run; then run again.
  await clearNotifications(p);
  await step(p, 'killing the engine mid-run marks the run failed', async () => {
    const before = await clickRun(p, workspace, 'long.iwl.yaml');
    await waitForPanel(p, 'run', 'long', 'streaming points', (x) => x.status.startsWith('running') && pointsOf(x) > 0, 30_000);
    const pids = enginePids(extensionsDir);
    if (pids.length !== 1) throw new Error(`expected one engine process under ${extensionsDir}, found ${pids.length}: ${pids.join(', ')}`);
    process.kill(pids[0], 'SIGKILL');
    const run = await waitForEnd(workspace, 'long.iwl.yaml', before, 'failed', 20_000);
    console.log(`e2e:   killed engine pid ${pids[0]}; summary.json: failed: ${run.summary?.error ?? ''}`);
    const bar = await waitForStatusBar(p, /engine crashed/, 'the status bar to say the engine crashed', 15_000);
    // One notification, the run's own, says why (the engine's generic one is kept for crashes between runs).
    await p.locator('.notification-toast', { hasText: /long\.iwl\.yaml: failed after .* killed by SIGKILL/ }).first().waitFor({ timeout: 10_000 });
    const generic = await p.locator('.notification-toast', { hasText: 'marked failed' }).count();
    if (generic) throw new Error('a second, generic crash notification appeared next to the run\'s own');
    await lens(p, /failed .* open results/).waitFor({ timeout: 15_000 });
    const panel = await waitForPanel(p, 'run', 'long', 'failed', (x) => x.status.startsWith('failed'), 15_000);
    if (!/killed by SIGKILL/.test(panel.status) || /stderr/.test(panel.status)) throw new Error(`the run panel should say why in one line: ${panel.status}`);
    console.log(`e2e:   status bar: "${bar}"; panel: "${panel.status}"`);
  });

  await step(p, 'the next run works after the crash', async () => {
    await openFile(p, 'tiny.iwl.yaml');
    await lens(p, 'Run experiment').waitFor({ timeout: 15_000 });
    const before = await clickRun(p, workspace, 'tiny.iwl.yaml');
    await waitForEnd(workspace, 'tiny.iwl.yaml', before, 'completed', runTimeoutMs);
    const bar = await waitForStatusBar(p, /IWL wasm/, 'the status bar to show a ready engine', 15_000);
    console.log(`e2e:   status bar: "${bar}", engine pid ${enginePids(extensionsDir).join(', ')}`);
  });

  // 6. Diagnostics.
  await closeAllEditors(p);
  await clearNotifications(p);
  await step(p, 'broken file shows a diagnostic', async () => {
    await openFile(p, 'broken.iwl.yaml');
    await p.locator('.squiggly-error').first().waitFor({ timeout: 30_000 });
    await lens(p, /Run experiment \(1 problem to fix\)/).waitFor({ timeout: 15_000 });
    await p.keyboard.press('Control+Shift+M');
    await p.locator('.markers-panel', { hasText: 'unknown-key' }).first().waitFor({ timeout: 15_000 });
    const problem = p.locator('.markers-panel .monaco-list-row', { hasText: 'unknown-key' }).first();
    await p.locator('.view-lines span', { hasText: /^learningrate$/ }).first().hover();
    await p.locator('.monaco-hover', { hasText: 'unknown key' }).first().waitFor({ timeout: 10_000 });
    await keepForReadme(p, 'diagnostics', [p.locator('.part.editor'), problem], { park: false });
    await parkMouse(p);
  });

  // 7. The Runs view; a past run reopens from it.
  await step(p, 'Runs view lists every run', async () => {
    await p.keyboard.press('Control+Shift+M'); // the Problems panel closes again
    const pane = await runsView(p);
    const expected: Record<string, string> = { 'live.iwl.yaml': '1 run', 'long.iwl.yaml': '2 runs', 'width-sweep.iwl.yaml': '1 run', 'tiny.iwl.yaml': '2 runs' };
    const experiments = await waitFor('the Runs view to list every experiment with its runs', 15_000, async () => {
      const seen = (await runsViewRows(pane)).filter((r) => r.level === 1);
      return Object.entries(expected).every(([key, count]) => seen.some((r) => r.text.includes(key) && r.text.includes(count))) && seen;
    });
    console.log(`e2e:   ${experiments.map((r) => r.text).join(' | ')}`);
    for (const e of experiments) await setExpanded(pane, e.index, true);
    const statuses = (key: string, rows: TreeRow[]) => childrenOf(rows, key).filter((r) => r.level === 2).map((r) => /(completed|cancelled|failed|interrupted|running)/.exec(r.text)?.[1] ?? r.text);
    const rows = await waitFor('every run to show under its experiment', 10_000, async () => {
      const all = await runsViewRows(pane);
      return statuses('long.iwl.yaml', all).join(',') === 'failed,cancelled' && statuses('tiny.iwl.yaml', all).join(',') === 'completed,completed' && all;
    });
    // The sweep's run, opened on its jobs and their final figures.
    const sweepRun = childrenOf(rows, 'width-sweep.iwl.yaml').find((r) => r.level === 2);
    if (!sweepRun || !sweepRun.text.includes('completed')) throw new Error(`the sweep's run is not listed as completed: ${sweepRun?.text ?? 'no row'}`);
    await setExpanded(pane, sweepRun.index, true);
    const jobs = await waitFor('the sweep run to list its jobs with figures', 10_000, async () => {
      const all = childrenOf(await runsViewRows(pane), 'width-sweep.iwl.yaml').filter((r) => r.level === 3);
      return all.length === 4 && all.every((j) => j.text.includes('test loss')) && all;
    });
    console.log(`e2e:   sweep jobs: ${jobs.map((j) => j.text).join(' | ')}`);
    await widenSideBar(p, 260);
    const last = (await runsViewRows(pane)).pop()!;
    await keepForReadme(p, 'runs-view', [pane.locator('.pane-header'), treeRow(pane, last.index)]);
  });

  await step(p, 'a past run reopens from the Runs view', async () => {
    await closeAllEditors(p);
    const panel = await reopenSweepRun(p);
    console.log(`e2e:   ${describePanel(panel)}`);
  });

  await step(p, 'the experiments table opens from the Runs view with a row per job', async () => {
    await closeAllEditors(p);
    const pane = await runsView(p);
    const sweepRun = childrenOf(await runsViewRows(pane), 'width-sweep.iwl.yaml').find((r) => r.level === 2);
    if (!sweepRun) throw new Error('the Runs view no longer lists the sweep run');
    await chooseFromContextMenu(p, treeRow(pane, sweepRun.index), 'Open Experiments Table');
    await p.locator('.tab[aria-label*="Experiments · width-sweep"]').first().waitFor({ timeout: 15_000 });
    const run = runsOf(workspace, 'width-sweep.iwl.yaml')[0];
    // The cells as the table prints them: 4 significant digits (webview/chartFormat.ts formatValue).
    const shown = (v: number) => (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5 ? v.toExponential(2) : String(Number(v.toPrecision(4))));
    const want = (run.summary?.runs ?? []).map((r) => `${r.id}=${r.final ? shown(r.final.testLoss) : '—'}`).sort().join(', ');
    const panel = await waitForPanel(p, 'table', 'width-sweep', 'with a row per job and its final test loss', (x) => {
      const seen = x.tableRows.map((r) => `${r.key}=${r.cells['figure:testLoss']}`).sort().join(', ');
      if (x.tableRows.length && seen !== want) console.log(`e2e:   table: ${seen}; summary.json: ${want}`);
      return seen === want;
    });
    const widths = panel.tableRows.map((r) => r.cells.width).sort().join(',');
    if (widths !== '128,32,512,∞') throw new Error(`the table's width column shows ${widths}`);
    console.log(`e2e:   ${panel.status}; rows: ${panel.tableRows.map((r) => `${r.key} (${r.cells.status}, test loss ${r.cells['figure:testLoss']})`).join(' | ')}`);
    await keepForReadme(p, 'experiments-table', [p.locator('.part.editor')]);
  });

  // 9. The walkthrough.
  await step(p, 'walkthrough shows in the Welcome page', () => openWalkthrough(p));
  await step(p, 'walkthrough creates the quickstart', () => createQuickstartFromWalkthrough(p, workspace));

  // 10. The editor's help, then the run panel where a researcher reads it: beside the file, in other themes.
  await step(p, 'a Quick Fix, YAML completion and hover from the schema', async () => {
    await closeAllEditors(p);
    console.log(`e2e:   ${(await quickFixCompletionAndHover(p, workspace)).join('; ')}`);
  });

  await step(p, 'the run panel at a narrow split, then in a high-contrast and a dark theme', async () => {
    await closeAllEditors(p);
    await openFile(p, 'width-sweep.iwl.yaml');
    await reopenSweepRun(p);
    await runCommandFromPalette(p, 'View: Move Editor into Right Group');
    await waitFor('two editor groups side by side', 10_000, async () => (await p.locator('.part.editor .editor-group-container').count()) === 2);
    const panelGroup = p.locator('.part.editor .editor-group-container').nth(1);
    for (const [theme, workbenchClass, shot] of [
      [null, null, 'run-panel-narrow'],
      ['Dark High Contrast', 'hc-black', 'run-panel-high-contrast'],
      ['Dark Modern', 'vs-dark', 'run-panel-dark'],
    ] as const) {
      if (theme) await setColorTheme(p, theme, workbenchClass);
      const panel = await waitForPanel(p, 'run', 'width-sweep', `drawn${theme ? ` in ${theme}` : ''} at half width, every legend entry labelled`, (x) =>
        x.charts.some((c) => c.id === 'testLoss' && c.series >= 4 && c.legend.length >= 4 && c.legend.every((e) => e.label !== '')),
      );
      // Nothing of the panel is cut off at half the width: no sideways scrolling.
      const overflow = await panel.frame.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (overflow > 1) throw new Error(`the run panel scrolls sideways by ${overflow} px at ${await panelGroup.evaluate((e) => e.clientWidth)} px${theme ? ` in ${theme}` : ''}`);
      await keepForReadme(p, shot, [p.locator('.part.editor')]);
      console.log(`e2e:   ${shot}: ${await panelGroup.evaluate((e) => e.clientWidth)} px wide, ${describePanel(panel)}`);
    }
  });
}

/** Opens the width sweep's run from the Runs view; resolves once its panel shows the curves. */
async function reopenSweepRun(p: Page): Promise<PanelReading> {
  const pane = await runsView(p);
  const sweepRun = childrenOf(await runsViewRows(pane), 'width-sweep.iwl.yaml').find((r) => r.level === 2);
  if (!sweepRun) throw new Error('the Runs view no longer lists the sweep run');
  await treeRow(pane, sweepRun.index).locator('.label-name').click();
  await p.locator('.tab[aria-label*="Run · width-sweep"]').first().waitFor({ timeout: 15_000 });
  return waitForPanel(p, 'run', 'width-sweep', 'completed with its curves', (x) => x.status.startsWith('completed') && pointsOf(x, 'trainLoss') > 0);
}

async function restricted(r: Page, rs: CodeServer, workspace: string): Promise<void> {
  await step(r, 'restricted mode: workbench loads', async () => {
    await r.goto(`${rs.url}/?folder=${encodeURIComponent(workspace)}`);
    await r.locator('.explorer-folders-view').first().waitFor({ timeout: 60_000 });
  });
  await step(r, 'restricted mode: diagnostics work, runs are disabled with an explanation', async () => {
    await openFile(r, 'broken.iwl.yaml');
    await r.locator('.squiggly-error').first().waitFor({ timeout: 30_000 });
    await openFile(r, 'tiny.iwl.yaml');
    await lens(r, 'Runs are disabled in Restricted Mode').waitFor({ timeout: 60_000 });
    if (await r.locator('.codelens-decoration a', { hasText: 'Run model' }).count()) throw new Error('a Run model lens is offered in Restricted Mode');
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(readmeShots, { recursive: true });
  const base = tempDir('iwl-e2e-');
  const workspace = join(base, 'workspace');
  mkdirSync(workspace);
  for (const [name, text] of Object.entries(workspaceFiles)) writeFileSync(join(workspace, name), text);
  const extensionsDir = join(base, 'extensions');
  installExtensionFolder(repoRoot, extensionsDir);

  let server: CodeServer | null = null;
  let browser: Browser | null = null;
  let page: Page | null = null;
  let failed = false;
  try {
    const startedServer = Date.now();
    server = await startCodeServer({ userDataDir: join(base, 'user-data'), extensionsDir, workspace });
    console.log(`e2e: code-server up on ${server.url} in ${Date.now() - startedServer} ms`);
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    page = await browser.newPage({ viewport });
    const s = server;
    await walk(page, s, workspace, extensionsDir);
    const log = extensionLog(s.userDataDir);
    await browser.close();
    browser = null;
    await server.stop();
    server = null;

    // Restricted Mode: the same workspace, untrusted.
    server = await startCodeServer({ userDataDir: join(base, 'user-data-restricted'), extensionsDir, workspace, trusted: false });
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    page = await browser.newPage({ viewport });
    await restricted(page, server, workspace);

    const activation = /activated in ([\d.]+) ms/.exec(log)?.[1];
    const engineReady = /engine ready in (\d+) ms/.exec(log)?.[1];
    const stopLatency = /\((\d+) ms after Stop\)/.exec(log)?.[1];
    console.log(
      `e2e: measured: activate() ${activation ?? '?'} ms, from VS Code's activation event to the end of activate() ${activationSpanMs(hostLogText(s.userDataDir), log) ?? '?'} ms (bundle load included), engine start ${engineReady ?? '?'} ms, run ended ${stopLatency ?? '?'} ms after Stop`,
    );
    console.log(`e2e: steps: ${steps.map((x) => `${x.name} ${(x.ms / 1000).toFixed(1)} s`).join('; ')}`);
    console.log(`e2e: all checks passed in ${((Date.now() - started) / 1000).toFixed(0)} s; screenshots in ${artifacts}`);
  } catch (error) {
    failed = true;
    console.error(`e2e: FAILED: ${errorMessage(error)}`);
    if (server) {
      const log = extensionLog(server.userDataDir);
      console.error(`--- extension log ---\n${log || '(no log file: did the extension activate?)'}`);
      writeFileSync(join(artifacts, 'extension.log'), log);
      writeFileSync(join(artifacts, 'code-server.log'), server.output.join('\n'));
      console.error(`--- code-server output (last lines) ---\n${server.output.slice(-20).join('\n')}`);
    }
    if (page) {
      const text = await page.locator('.monaco-workbench').innerText().catch(() => '');
      const panels: PanelReading[] = [...(await readPanels(page, 'run').catch(() => [])), ...(await readPanels(page, 'comparison').catch(() => [])), ...(await readPanels(page, 'table').catch(() => []))];
      const panelText = panels.map(describePanel).join('\n');
      writeFileSync(join(artifacts, 'screen-text.txt'), `${text}\n--- panels ---\n${panelText}\n`);
      console.error(`--- on screen (start) ---\n${text.slice(0, 1500)}\n--- panels ---\n${panelText || '(none)'}`);
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (!failed) rmSync(base, { recursive: true, force: true });
  }
  // A step that threw is not in `steps`: count it as the one failure.
  console.log(`e2e: ${steps.length} passed, ${failed ? 1 : 0} failed`);
  process.exit(failed ? 1 : 0);
}

void main();
