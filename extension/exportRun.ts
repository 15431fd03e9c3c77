/** Export Run: a run's metrics as CSV, its summary as JSON, or a copy of its folder. */
import * as vscode from 'vscode';
import { basename, join } from 'node:path';
import { cpSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import type { Services } from './services';
import { metricsCsv } from './runStore';
import { runFileStem } from './runTitles';
import { metricsFileName, summaryFileName } from '../engine/contract/records';

export async function exportRun(s: Services, dir: string): Promise<void> {
  const formats = [
    { label: 'Metrics as CSV', detail: 'every logged step of every job: train/test loss, accuracy, gap to the limit', format: 'csv' },
    { label: 'Summary as JSON', detail: "status, timing, backend, versions and each job's final figures", format: 'json' },
    { label: 'Copy the run folder', detail: 'metrics, summary, manifest, predictions (.npy) and the experiment file', format: 'folder' },
  ] satisfies (vscode.QuickPickItem & { format: string })[];
  const picked = await vscode.window.showQuickPick(formats, { title: `Export ${basename(dir)}` });
  if (!picked) return;
  const stem = runFileStem(dir);
  const base = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (picked.format === 'folder') {
    const target = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Copy Here', defaultUri: base });
    if (!target?.[0]) return;
    const to = join(target[0].fsPath, stem);
    cpSync(dir, to, { recursive: true, errorOnExist: true, force: false });
    s.output.info(`exported ${dir} -> ${to}`);
    void vscode.window.showInformationMessage(`Infinite Width Lab: copied the run to ${to}.`);
    return;
  }
  const ext = picked.format === 'csv' ? 'csv' : 'json';
  const target = await vscode.window.showSaveDialog({
    defaultUri: base ? vscode.Uri.joinPath(base, `${stem}.${picked.format === 'csv' ? 'metrics' : 'summary'}.${ext}`) : undefined,
    filters: picked.format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
  });
  if (!target) return;
  if (picked.format === 'csv') writeFileSync(target.fsPath, metricsCsv(readFileSync(join(dir, metricsFileName), 'utf8')));
  else copyFileSync(join(dir, summaryFileName), target.fsPath);
  s.output.info(`exported ${picked.label.toLowerCase()} of ${dir} -> ${target.fsPath}`);
  void vscode.window.showInformationMessage(`Infinite Width Lab: wrote ${target.fsPath}.`);
}
