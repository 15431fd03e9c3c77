/**
 * The editor and panels as a researcher meets them (issue 13), in the real workbench: a Quick Fix
 * on a near-miss key, YAML completion and hover from the experiment schema (no YAML extension is
 * installed), and the colour theme switched from the palette for the theme screenshots.
 */
import type { Page } from 'playwright-core';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openFile, runCommandFromPalette, waitFor } from './workbench';
import { scratchExperiment } from './experiments';

/** Opens scratch.iwl.yaml: the Quick Fix renames the key; completion offers a new model; hover explains a key. */
export async function quickFixCompletionAndHover(page: Page, workspace: string): Promise<string[]> {
  writeFileSync(join(workspace, 'scratch.iwl.yaml'), scratchExperiment);
  await openFile(page, 'scratch.iwl.yaml');
  const editor = page.locator('.part.editor .monaco-editor').first();
  await page.locator('.squiggly-error').first().waitFor({ timeout: 30_000 });
  const seen: string[] = [];

  // The light bulb: Ctrl+. on the misspelled key lists the fix by its title; Enter applies it.
  await editor.locator('.view-lines span', { hasText: /^lerningRate$/ }).first().click();
  await page.keyboard.press('Control+.');
  const fix = page.locator('.action-widget, .context-view', { hasText: 'Change to "learningRate"' }).first();
  await fix.waitFor({ timeout: 15_000 });
  seen.push('Quick Fix "Change to "learningRate""');
  await page.keyboard.press('Enter');
  await editor.locator('.view-lines span', { hasText: /^learningRate$/ }).first().waitFor({ timeout: 10_000 });
  await waitFor('the error to clear after the fix', 15_000, async () => (await page.locator('.squiggly-error').count()) === 0);

  // Hover on a key shows its reference text from the schema.
  await editor.locator('.view-lines span', { hasText: /^steps$/ }).first().hover();
  await page.locator('.monaco-hover', { hasText: 'Number of optimizer steps' }).first().waitFor({ timeout: 10_000 });
  seen.push('hover "steps: Number of optimizer steps"');
  await page.keyboard.press('Escape');

  // Completion on a new line under models: the new-model snippets.
  await editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('  ');
  await page.keyboard.press('Control+Space');
  const suggest = page.locator('.suggest-widget .monaco-list-row', { hasText: 'new finite model' }).first();
  await suggest.waitFor({ timeout: 15_000 });
  seen.push('completion "new finite model"');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+S');
  return seen;
}

/** Switches the colour theme from the palette and waits for the workbench to wear it. */
export async function setColorTheme(page: Page, theme: string, workbenchClass: string): Promise<void> {
  await runCommandFromPalette(page, 'Preferences: Color Theme');
  const input = page.locator('.quick-input-widget input');
  await input.fill(theme);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: theme }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  await waitFor(`the ${theme} theme`, 15_000, async () => (await page.locator(`.monaco-workbench.${workbenchClass}`).count()) > 0);
}
