/**
 * Driving VS Code's workbench (code-server in Chromium) as a user does: the command palette, the
 * Explorer, editor tabs, the status bar, the Runs view.
 */
import type { Locator, Page } from 'playwright-core';
import { errorMessage } from '../../engine/contract/errors';

/** Polls `probe` every 250 ms until it returns something truthy. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | null | undefined | false | Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs a command through the palette (F1): clicks the entry whose label is `label` (or, failing that, starts with it). */
export async function runCommandFromPalette(page: Page, label: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(`>${label}`);
  const rows = page.locator('.quick-input-widget .monaco-list-row');
  await rows.filter({ hasText: label }).first().waitFor({ timeout: 10_000 });
  const labels = await rows.evaluateAll((nodes) => nodes.map((n) => (n.querySelector('.label-name')?.textContent ?? n.textContent ?? '').trim()));
  let index = labels.indexOf(label);
  if (index < 0) index = labels.findIndex((l) => l.startsWith(label));
  if (index < 0) throw new Error(`the command palette has no "${label}"; it offers: ${labels.join(' | ')}`);
  await rows.nth(index).click();
}

/** Moves the mouse where it shows no tooltip or chart cursor (the title bar), before a screenshot. */
export async function parkMouse(page: Page): Promise<void> {
  const size = page.viewportSize();
  await page.mouse.move((size?.width ?? 1400) * 0.85, 16);
}

/** Expands or collapses the Explorer's folder tree (collapsed, the Runs view below it gets its height). */
export async function showFolders(page: Page, expanded: boolean): Promise<void> {
  // The folder tree is the Explorer's first pane (its body leaves the DOM while it is collapsed).
  const header = page.locator('.explorer-viewlet .split-view-view').first().locator('.pane-header').first();
  await header.waitFor({ timeout: 15_000 });
  if (((await header.getAttribute('aria-expanded')) === 'true') !== expanded) await header.click();
}

/** Opens a file of the workspace's top folder from the Explorer (double click: a pinned editor). */
export async function openFile(page: Page, name: string): Promise<void> {
  await showFolders(page, true);
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
  await row.waitFor({ timeout: 30_000 });
  await row.dblclick();
  await page.locator(`.tab[aria-label*="${name}"]`).first().waitFor({ timeout: 15_000 });
}

/** Closes every editor and panel (closing a panel never stops a run), so each scenario starts in one group. */
export async function closeAllEditors(page: Page): Promise<void> {
  await runCommandFromPalette(page, 'View: Close All Editor Groups');
  await waitFor('every editor tab to close', 10_000, async () => (await page.locator('.tabs-container .tab').count()) === 0);
}

export async function clearNotifications(page: Page): Promise<void> {
  await runCommandFromPalette(page, 'Notifications: Clear All Notifications');
}

/** The extension's status bar item ("IWL ..."). */
export function statusBarItem(page: Page): Locator {
  return page.locator('.statusbar-item', { hasText: /\bIWL\b/ }).first();
}

export async function statusBarText(page: Page): Promise<string> {
  return ((await statusBarItem(page).innerText().catch(() => '')) ?? '').trim();
}

/** Waits until the status bar item's text matches; returns the text. */
export async function waitForStatusBar(page: Page, pattern: RegExp, what: string, timeoutMs: number): Promise<string> {
  let last = '';
  try {
    return await waitFor(what, timeoutMs, async () => {
      last = await statusBarText(page);
      return pattern.test(last) && last;
    });
  } catch (error) {
    throw new Error(`${errorMessage(error)} (the status bar item says "${last}")`);
  }
}

/** A code lens whose text matches. */
export function lens(page: Page, text: string | RegExp): Locator {
  return page.locator('.codelens-decoration a', { hasText: text }).first();
}

/** The "Infinite Width Lab Runs" view in the Explorer, expanded, with the folder tree above it collapsed. */
export async function runsView(page: Page): Promise<Locator> {
  const header = page.locator('.pane-header', { hasText: 'Infinite Width Lab Runs' }).first();
  await header.waitFor({ timeout: 15_000 });
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  await showFolders(page, false);
  const pane = page.locator('.pane', { has: header });
  await pane.locator('.monaco-list-row').first().waitFor({ timeout: 15_000 });
  return pane;
}

export interface TreeRow {
  /** The row's position in the whole tree (monaco lists render rows out of order; data-index orders them). */
  index: number;
  level: number;
  text: string;
  expanded: boolean | null;
}

/** Every rendered row of the Runs view, in tree order. */
export async function runsViewRows(pane: Locator): Promise<TreeRow[]> {
  const rows = await pane.locator('.monaco-list-row').evaluateAll((nodes) =>
    nodes.map((r) => ({
      index: Number(r.getAttribute('data-index')),
      level: Number(r.getAttribute('aria-level')),
      text: (r as HTMLElement).innerText.replace(/\s+/g, ' ').trim(),
      expanded: r.hasAttribute('aria-expanded') ? r.getAttribute('aria-expanded') === 'true' : null,
    })),
  );
  return rows.sort((a, b) => a.index - b.index);
}

export function treeRow(pane: Locator, index: number): Locator {
  return pane.locator(`.monaco-list-row[data-index="${index}"]`);
}

/**
 * Runs `label` from a row's context menu. Chromium sometimes delivers the click while VS Code's menu
 * is still taking focus and the menu stays open; then the item is chosen from the keyboard.
 */
export async function chooseFromContextMenu(page: Page, row: Locator, label: string): Promise<void> {
  await row.click({ button: 'right' });
  const item = page.locator('.monaco-menu .action-item', { hasText: label }).first();
  await item.waitFor({ timeout: 10_000 });
  await item.click();
  const closed = await waitFor('the context menu to close', 2_000, async () => !(await item.isVisible())).catch(() => false);
  if (closed) return;
  await item.hover();
  await waitFor(`"${label}" focused in the context menu`, 5_000, async () => (await item.locator('.action-menu-item.focused, .action-menu-item:focus').count()) > 0 || (await item.evaluate((e) => e.classList.contains('focused'))));
  await page.keyboard.press('Enter');
  await waitFor('the context menu to close', 5_000, async () => !(await item.isVisible()));
}

/** The rows under the first row that contains `text` (its descendants, until the next row at its level or above). */
export function childrenOf(rows: TreeRow[], text: string): TreeRow[] {
  const at = rows.findIndex((r) => r.text.includes(text));
  if (at < 0) return [];
  const out: TreeRow[] = [];
  for (const row of rows.slice(at + 1)) {
    if (row.level <= rows[at].level) break;
    out.push(row);
  }
  return out;
}

/** Expands or collapses one row by its twistie; resolves once the tree says so. */
export async function setExpanded(pane: Locator, index: number, expanded: boolean): Promise<void> {
  const row = treeRow(pane, index);
  if (((await row.getAttribute('aria-expanded')) === 'true') === expanded) return;
  await row.locator('.monaco-tl-twistie').click();
  await waitFor(`tree row ${index} to ${expanded ? 'expand' : 'collapse'}`, 5_000, async () => ((await row.getAttribute('aria-expanded')) === 'true') === expanded);
}

/** Drags the sash on the side bar's right edge by `dx` pixels (a wider Runs view for its picture). */
export async function widenSideBar(page: Page, dx: number): Promise<void> {
  const sidebar = await page.locator('.part.sidebar').boundingBox();
  if (!sidebar) return;
  const x = sidebar.x + sidebar.width;
  const y = sidebar.y + sidebar.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx / 2, y, { steps: 4 });
  await page.mouse.move(x + dx, y, { steps: 4 });
  await page.mouse.up();
}
