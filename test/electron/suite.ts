/// <reference types="vscode" />
/**
 * Integration tests inside a real VS Code (Electron), run by @vscode/test-electron where a VS Code
 * build can be downloaded: `npm run test:electron` (scripts/electron.mjs). The extension host loads
 * this file and calls `run()`; the workspace holds tiny.iwl.yaml and broken.iwl.yaml.
 */
import * as vscode from 'vscode';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ExtensionApi } from '../../extension/extension';

const extensionId = 'infinite-width-lab.infinite-width-lab';

async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | null | undefined | false | Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const tests: [string, (api: ExtensionApi, folder: string) => Promise<void>][] = [
  [
    'a broken file gets diagnostics with stable codes as soon as it opens',
    async (_api, folder) => {
      const uri = vscode.Uri.file(join(folder, 'broken.iwl.yaml'));
      await vscode.window.showTextDocument(uri);
      const diagnostics = await waitFor('diagnostics', 10_000, () => {
        const d = vscode.languages.getDiagnostics(uri);
        return d.length ? d : null;
      });
      assert.ok(diagnostics.some((d) => d.code === 'unknown-key' && d.source === 'iwl'), diagnostics.map((d) => `${d.code}`).join(', '));
    },
  ],
  [
    'lenses: Run experiment on top, Run model above each model',
    async (_api, folder) => {
      const uri = vscode.Uri.file(join(folder, 'tiny.iwl.yaml'));
      await vscode.window.showTextDocument(uri);
      const lenses = await waitFor('code lenses', 10_000, async () => {
        const found = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
        return found?.some((l) => l.command?.title.includes('Run experiment')) ? found : null;
      });
      assert.equal(lenses.filter((l) => l.command?.title.includes('Run model')).length, 2);
    },
  ],
  [
    'Run Experiment writes a completed run with a manifest under .iwl/runs',
    async (api, folder) => {
      const uri = vscode.Uri.file(join(folder, 'tiny.iwl.yaml'));
      await vscode.commands.executeCommand('infiniteWidthLab.runExperiment', uri);
      const runs = join(folder, '.iwl', 'runs', 'tiny.iwl.yaml');
      const summary = await waitFor('a finished summary.json', 120_000, () => {
        if (!existsSync(runs)) return null;
        for (const dir of readdirSync(runs)) {
          const path = join(runs, dir, 'summary.json');
          if (!existsSync(path)) continue;
          const s = JSON.parse(readFileSync(path, 'utf8'));
          if (s.status !== 'running') return { ...s, dir: join(runs, dir) };
        }
        return null;
      });
      assert.equal(summary.status, 'completed');
      assert.ok(existsSync(join(summary.dir, 'manifest.json')));
      assert.equal(api.client.info?.backend.name, 'wasm');
      await waitFor('the run index to list it', 10_000, () => api.index.runs.some((r) => r.dir === summary.dir && r.status === 'completed'));
    },
  ],
];

export async function run(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) throw new Error('the test workspace is not open');
  const extension = vscode.extensions.getExtension<ExtensionApi>(extensionId);
  if (!extension) throw new Error(`${extensionId} is not installed in this VS Code`);
  const api = await extension.activate();
  console.log(`activation (inside activate): ${api.activationMs.toFixed(1)} ms`);
  const failures: string[] = [];
  for (const [name, fn] of tests) {
    const started = Date.now();
    try {
      await fn(api, folder);
      console.log(`  ok   ${name} (${Date.now() - started} ms)`);
    } catch (error) {
      console.log(`  FAIL ${name}: ${error instanceof Error ? error.stack : String(error)}`);
      failures.push(name);
    }
  }
  console.log(`electron suite: ${tests.length - failures.length} passed, ${failures.length} failed`);
  if (failures.length) throw new Error(`${failures.length} test(s) failed: ${failures.join('; ')}`);
}
