/**
 * The real panel bundle (dist/webview/panelMain.js and .css) in headless Chromium, behind the real
 * Content Security Policy: the page is made by extension/panels/panelHtml.ts, the function the
 * host uses, and served from a fake webview origin through Playwright's routing. VS Code's
 * `acquireVsCodeApi` is provided the way VS Code provides it, before the page's scripts run
 * (addInitScript): it records what the panel posts and keeps its state in sessionStorage, so a
 * reload restores it as VS Code would. Shared by the browser tests and bench/webviewBench.ts.
 * IWL_CHROMIUM names another Chromium; IWL_CHROMIUM_ARGS adds launch flags (for benchmarking).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { newNonce, panelHtml } from '../../extension/panels/panelHtml';
import type { FromPanel, PanelKind, ToPanel } from '../../webview/protocol';
import { repoRoot } from '../helpers';

export const chromiumPath = process.env.IWL_CHROMIUM ?? '/usr/bin/chromium';
const origin = 'https://webview.iwl.test';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`the webview tests need Chromium at ${chromiumPath} (apt-get install chromium, or set IWL_CHROMIUM)`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...(process.env.IWL_CHROMIUM_ARGS?.split(' ').filter(Boolean) ?? [])],
  });
}

/** The dark theme's variables as VS Code sets them on the webview's html element (a subset). */
const themeVariables: Record<string, string> = {
  '--vscode-editor-foreground': '#cccccc',
  '--vscode-editor-background': '#1e1e1e',
  '--vscode-editorWidget-border': '#454545',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-focusBorder': '#007fd4',
  '--vscode-font-family': 'sans-serif',
  '--vscode-font-size': '13px',
};

export interface PanelPage {
  page: Page;
  /** Everything the panel posted to the "host", in order. */
  posted(): Promise<FromPanel[]>;
  /** Delivers a host message the way VS Code does (a message event on the window). */
  send(message: ToPanel): Promise<void>;
  /** Waits until the panel posted a message that satisfies `match`, and returns it. */
  waitForPosted<T extends FromPanel>(match: (m: FromPanel) => m is T, timeoutMs?: number): Promise<T>;
  cspViolations(): Promise<{ directive: string; blocked: string; sample: string; source: string }[]>;
  /** Console errors and uncaught exceptions. */
  errors: string[];
  html: string;
}

export async function openPanel(browser: Browser, kind: PanelKind, viewport = { width: 1100, height: 900 }): Promise<PanelPage> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const nonce = newNonce();
  const html = panelHtml({
    kind,
    title: `test ${kind} panel`,
    cspSource: origin,
    scriptUri: `${origin}/dist/webview/panelMain.js`,
    styleUri: `${origin}/dist/webview/panelMain.css`,
    nonce,
  });
  await page.route(`${origin}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/index.html') return route.fulfill({ status: 200, contentType: 'text/html', body: html });
    const file = join(repoRoot, path);
    if (!path.startsWith('/dist/webview/') || !existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
    const type = path.endsWith('.js') ? 'text/javascript' : path.endsWith('.css') ? 'text/css' : 'application/octet-stream';
    return route.fulfill({ status: 200, contentType: type, body: readFileSync(file) });
  });
  await page.addInitScript((vars: Record<string, string>) => {
    const w = window as unknown as Record<string, unknown>;
    const posted: unknown[] = [];
    const violations: unknown[] = [];
    w.__posted = posted;
    w.__violations = violations;
    document.addEventListener('securitypolicyviolation', (e) => violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample, source: `${e.sourceFile}:${e.lineNumber}:${e.columnNumber}` }));
    let state: unknown = JSON.parse(sessionStorage.getItem('iwl-state') ?? 'null');
    let acquired = false;
    w.acquireVsCodeApi = () => {
      if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
      acquired = true;
      return {
        postMessage: (m: unknown) => posted.push(JSON.parse(JSON.stringify(m))),
        getState: () => state,
        setState: (s: unknown) => {
          state = s;
          sessionStorage.setItem('iwl-state', JSON.stringify(s));
        },
      };
    };
    document.addEventListener('DOMContentLoaded', () => {
      for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
      document.body.classList.add('vscode-dark');
    });
  }, themeVariables);
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`${e.name}: ${e.message}`));
  await page.goto(`${origin}/index.html`);
  const posted = () => page.evaluate(() => (window as unknown as { __posted: FromPanel[] }).__posted);
  const panel: PanelPage = {
    page,
    html,
    errors,
    posted,
    send: (message) => page.evaluate((m) => window.postMessage(m, '*'), message as unknown as Record<string, unknown>),
    async waitForPosted(match, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = (await posted()).find(match);
        if (found) return found;
        if (Date.now() > until) throw new Error(`the panel did not post the expected message within ${timeoutMs} ms; it posted: ${JSON.stringify((await posted()).map((m) => m.type))}`);
        await page.waitForTimeout(25);
      }
    },
    cspViolations: () => page.evaluate(() => (window as unknown as { __violations: { directive: string; blocked: string; sample: string; source: string }[] }).__violations),
  };
  await panel.waitForPosted((m): m is Extract<FromPanel, { type: 'ready' }> => m.type === 'ready');
  return panel;
}

export const isType =
  <K extends FromPanel['type']>(type: K) =>
  (m: FromPanel): m is Extract<FromPanel, { type: K }> =>
    m.type === type;
