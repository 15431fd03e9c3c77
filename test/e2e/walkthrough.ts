/**
 * The walkthrough in the real Welcome page: "Welcome: Open Walkthrough..." lists it, its six steps
 * show, and the first step's button ("Create the Quickstart") runs "New Experiment from Example",
 * which copies the quickstart into the workspace and opens it with its "Run experiment" lens.
 */
import type { Page } from 'playwright-core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCommandFromPalette } from './workbench';

export const walkthroughTitle = 'Get Started with Infinite Width Lab';
export const walkthroughStepTitles = [
  'Create an experiment',
  'Run it',
  'Read the curves',
  'Finite SGD vs the NTK',
  'Finite Adam vs the Adam limit',
  'The width sweep',
];

/** Opens the walkthrough from the palette and checks its steps; returns once the Welcome page shows them. */
export async function openWalkthrough(page: Page): Promise<void> {
  await runCommandFromPalette(page, 'Welcome: Open Walkthrough');
  const pick = page.locator('.quick-input-widget .monaco-list-row', { hasText: walkthroughTitle }).first();
  await pick.waitFor({ timeout: 15_000 });
  await pick.click();
  const welcome = page.locator('.gettingStartedContainer');
  await welcome.locator('.getting-started-category', { hasText: walkthroughTitle }).first().waitFor({ timeout: 15_000 }).catch(() => undefined);
  for (const title of walkthroughStepTitles) {
    await welcome.locator('.getting-started-step', { hasText: title }).first().waitFor({ state: 'attached', timeout: 15_000 });
  }
}

/** Clicks the first step's "Create the Quickstart" button; waits for the copy on disk and its editor tab. */
export async function createQuickstartFromWalkthrough(page: Page, workspace: string): Promise<void> {
  const welcome = page.locator('.gettingStartedContainer');
  await welcome.locator('.getting-started-step', { hasText: walkthroughStepTitles[0] }).first().click();
  const button = welcome.locator('.button-link, a', { hasText: 'Create the Quickstart' }).first();
  await button.waitFor({ timeout: 15_000 });
  await button.click();
  await page.locator('.tab[aria-label*="quickstart.iwl.yaml"]').first().waitFor({ timeout: 30_000 });
  if (!existsSync(join(workspace, 'quickstart.iwl.yaml'))) throw new Error(`the walkthrough's button did not copy quickstart.iwl.yaml into ${workspace}`);
  await page.locator('.codelens-decoration a', { hasText: 'Run experiment' }).first().waitFor({ timeout: 60_000 });
}
