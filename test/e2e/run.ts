/**
 * End-to-end, in a real VS Code (code-server) through Chromium: the extension activates on a
 * workspace with an experiment file, the "Run experiment" lens appears and runs it to a completed
 * summary.json under .iwl/runs, the lens then shows the outcome and opens the results, the Runs
 * view lists the run, and a broken file gets a diagnostic with its stable code. Then the same
 * workspace in Restricted Mode: diagnostics still work, runs are disabled with an explanation. Screenshots of each step go to test-results/e2e/.
 * Run with `npm run test:e2e` (scripts/e2e.mjs installs code-server once and builds first).
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from '../helpers';
import { extensionLog, installExtensionFolder, startCodeServer, type CodeServer } from './codeServer';

const artifacts = join(repoRoot, 'test-results', 'e2e');
const chromiumPath = process.env.IWL_CHROMIUM ?? '/usr/bin/chromium';
const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const tinyExperiment = `# A tiny experiment: an NTK and its finite SGD network on a synthetic teacher.
name: e2e-tiny
seed: 0
data: { source: synthetic, kind: teacher, inputDim: 4, train: 32, test: 16, outputs: 1, noise: 0 }
network:
  layers:
    - dense: { width: 64 }
    - relu
    - dense: {}
loss: mse
training: { steps: 40, learningRate: 0.5, batchSize: full, logEvery: 5 }
models:
  sgd: { kind: finite, widths: [64], seeds: 1, optimizer: sgd }
  ntk: { kind: infinite, method: ntk, optimizer: sgd }
`;

const brokenExperiment = tinyExperiment.replace('name: e2e-tiny', 'name: e2e-broken').replace('loss: mse', 'loss: mse\nlearningrate: 3');

interface Step {
  name: string;
  ms: number;
}

const steps: Step[] = [];
let shot = 0;

async function step<T>(page: Page, name: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  process.stdout.write(`e2e: ${name} ... `);
  try {
    const result = await fn();
    const ms = Date.now() - started;
    steps.push({ name, ms });
    process.stdout.write(`ok (${ms} ms)\n`);
    await page.screenshot({ path: join(artifacts, `${String(++shot).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-')}.png`) });
    return result;
  } catch (error) {
    process.stdout.write('FAILED\n');
    await page.screenshot({ path: join(artifacts, `${String(++shot).padStart(2, '0')}-FAILED-${name.replace(/[^a-z0-9]+/gi, '-')}.png`) }).catch(() => undefined);
    throw error;
  }
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | null | undefined | Promise<T | null | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Opens a file of the workspace's top folder from the Explorer (double click: a pinned editor). */
async function openFile(page: Page, name: string): Promise<void> {
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
  await row.waitFor({ timeout: 30_000 });
  await row.dblclick();
  await page.locator(`.tab[aria-label*="${name}"]`).first().waitFor({ timeout: 15_000 });
}

function completedSummary(workspace: string): { dir: string; summary: { status: string; runs: { id: string }[] } } | null {
  const root = join(workspace, '.iwl', 'runs', 'tiny.iwl.yaml');
  if (!existsSync(root)) return null;
  for (const run of readdirSync(root)) {
    const path = join(root, run, 'summary.json');
    if (!existsSync(path)) continue;
    try {
      const summary = JSON.parse(readFileSync(path, 'utf8'));
      if (summary.status !== 'running') return { dir: join(root, run), summary };
    } catch {
      // being rewritten
    }
  }
  return null;
}

/** Milliseconds from the extension host's "activating infinite-width-lab" line to our "activated in" line. */
function activationSpanMs(userDataDir: string, extensionLogText: string): number | null {
  const stamp = (line: string | undefined) => (line ? Date.parse(line.slice(0, 23).replace(' ', 'T')) : NaN);
  const hostLog = hostLogText(userDataDir);
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

async function main(): Promise<void> {
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  const base = tempDir('iwl-e2e-');
  const workspace = join(base, 'workspace');
  mkdirSync(workspace);
  writeFileSync(join(workspace, 'tiny.iwl.yaml'), tinyExperiment);
  writeFileSync(join(workspace, 'broken.iwl.yaml'), brokenExperiment);
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
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const p = page;
    const s = server;

    await step(p, 'workbench loads', async () => {
      await p.goto(`${s.url}/?folder=${encodeURIComponent(workspace)}`);
      await p.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await p.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 60_000 });
    });

    await step(p, 'open the experiment file', () => openFile(p, 'tiny.iwl.yaml'));

    const runLens = p.locator('.codelens-decoration a', { hasText: 'Run experiment' });
    await step(p, 'run experiment lens appears', async () => {
      await runLens.first().waitFor({ timeout: 90_000 });
      await p.locator('.codelens-decoration a', { hasText: 'Run model' }).first().waitFor({ timeout: 10_000 });
    });

    const clicked = Date.now();
    await step(p, 'click run experiment', () => runLens.first().click());

    const result = await step(p, 'summary.json completed', async () => {
      const found = await waitFor('a finished summary.json under .iwl/runs/tiny.iwl.yaml', 180_000, () => completedSummary(workspace));
      if (found.summary.status !== 'completed') throw new Error(`the run ended ${found.summary.status}: ${JSON.stringify(found.summary).slice(0, 2000)}`);
      return found;
    });
    console.log(`e2e: run finished ${Date.now() - clicked} ms after the click: ${result.dir}`);
    if (!existsSync(join(result.dir, 'manifest.json'))) throw new Error('the run folder has no manifest.json');
    const jobs = result.summary.runs.map((r) => r.id).sort();
    if (jobs.join(',') !== 'ntk,sgd/w64/s0') throw new Error(`unexpected jobs in summary.json: ${jobs.join(', ')}`);

    await step(p, 'outcome lens shows the completed run', () =>
      p.locator('.codelens-decoration a', { hasText: /completed .* open results/ }).first().waitFor({ timeout: 30_000 }),
    );

    await step(p, 'outcome lens opens the results', async () => {
      await p.locator('.codelens-decoration a', { hasText: /completed .* open results/ }).first().click();
      await p.locator('.tab[aria-label*="results.md"]').first().waitFor({ timeout: 15_000 });
      await p.locator('.monaco-editor', { hasText: 'Final figures' }).first().waitFor({ timeout: 15_000 });
    });

    await step(p, 'Runs view lists the run', async () => {
      const header = p.locator('.pane-header', { hasText: 'Infinite Width Lab Runs' }).first();
      if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
      await p.locator('.monaco-list-row', { hasText: 'tiny.iwl.yaml' }).filter({ hasText: '1 run' }).first().waitFor({ timeout: 15_000 });
      await p.locator('.monaco-list-row', { hasText: 'completed' }).first().waitFor({ timeout: 15_000 });
    });

    await step(p, 'broken file shows a diagnostic', async () => {
      await openFile(p, 'broken.iwl.yaml');
      await p.locator('.squiggly-error').first().waitFor({ timeout: 30_000 });
      await p.keyboard.press('Control+Shift+M');
      await p.locator('.markers-panel', { hasText: 'unknown-key' }).first().waitFor({ timeout: 15_000 });
    });

    await browser.close();
    browser = null;
    await server.stop();
    server = null;

    // Restricted Mode: the same workspace, untrusted. Validation works; runs are disabled, and say why.
    server = await startCodeServer({ userDataDir: join(base, 'user-data-restricted'), extensionsDir, workspace, trusted: false });
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const r = page;
    const rs = server;
    await step(r, 'restricted mode: workbench loads', async () => {
      await r.goto(`${rs.url}/?folder=${encodeURIComponent(workspace)}`);
      await r.locator('.explorer-folders-view').first().waitFor({ timeout: 60_000 });
    });
    await step(r, 'restricted mode: diagnostics work, runs are disabled with an explanation', async () => {
      await openFile(r, 'broken.iwl.yaml');
      await r.locator('.squiggly-error').first().waitFor({ timeout: 30_000 });
      await openFile(r, 'tiny.iwl.yaml');
      await r.locator('.codelens-decoration a', { hasText: 'Runs are disabled in Restricted Mode' }).first().waitFor({ timeout: 60_000 });
      if (await r.locator('.codelens-decoration a', { hasText: 'Run model' }).count()) throw new Error('a Run model lens is offered in Restricted Mode');
    });

    const log = extensionLog(s.userDataDir);
    const activation = /activated in ([\d.]+) ms/.exec(log)?.[1];
    const engineReady = /engine ready in (\d+) ms/.exec(log)?.[1];
    console.log(`e2e: measured: activate() ${activation ?? '?'} ms, from VS Code's activation event to the end of activate() ${activationSpanMs(s.userDataDir, log) ?? '?'} ms (bundle load included), engine start ${engineReady ?? '?'} ms`);
    console.log(`e2e: steps: ${steps.map((x) => `${x.name} ${x.ms} ms`).join('; ')}`);
    console.log(`e2e: all checks passed; screenshots in ${artifacts}`);
  } catch (error) {
    failed = true;
    console.error(`e2e: FAILED: ${error instanceof Error ? error.message : String(error)}`);
    if (server) {
      const log = extensionLog(server.userDataDir);
      console.error(`--- extension log ---\n${log || '(no log file: did the extension activate?)'}`);
      writeFileSync(join(artifacts, 'extension.log'), log);
      writeFileSync(join(artifacts, 'code-server.log'), server.output.join('\n'));
      console.error(`--- code-server output (last lines) ---\n${server.output.slice(-20).join('\n')}`);
    }
    if (page) {
      const text = await page.locator('.monaco-workbench').innerText().catch(() => '');
      writeFileSync(join(artifacts, 'screen-text.txt'), text);
      console.error(`--- on screen (start) ---\n${text.slice(0, 1500)}`);
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
