/**
 * What a command acts on, from its argument (a file Uri, a run folder path, a Runs view node) or,
 * failing that, from a quick pick: the experiment file to run, the run folder to show.
 */
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { EXPERIMENT_FILE_GLOB, isExperimentFile } from './experimentFiles';
import type { Services } from './services';
import type { RunsNode } from './runsTree';
import { latestRunOf, type StoredRun } from './runStore';
import { runTitle } from './runTitles';
import { formatDuration } from '../engine/contract/durations';

/** The experiment file a run command acts on: its argument, the active editor, or a pick. */
export async function experimentDocument(uri?: unknown): Promise<vscode.TextDocument | undefined> {
  if (uri instanceof vscode.Uri) return vscode.workspace.openTextDocument(uri);
  const active = vscode.window.activeTextEditor?.document;
  if (active && isExperimentFile(active.fileName)) return active;
  const files = await vscode.workspace.findFiles(EXPERIMENT_FILE_GLOB, '**/{node_modules,.iwl}/**', 200);
  if (!files.length) {
    void vscode.window.showInformationMessage('Infinite Width Lab: no experiment file (*.iwl.yaml, *.iwl.json) is open or in the workspace.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    files.map((f) => ({ label: basename(f.fsPath), description: vscode.workspace.asRelativePath(f), uri: f })),
    { title: 'Run which experiment?' },
  );
  return picked ? vscode.workspace.openTextDocument(picked.uri) : undefined;
}

/** The run folder of a path or a Runs view node (null for an experiment node or anything else). */
export function nodeRunDir(arg: unknown): string | null {
  if (typeof arg === 'string') return arg;
  const node = arg as RunsNode | undefined;
  if (node && typeof node === 'object' && 'kind' in node && node.kind !== 'experiment') return node.run.dir;
  return null;
}

export function runItem(run: StoredRun): vscode.QuickPickItem & { dir: string } {
  const figures = run.summary?.runs.length ? `${run.summary.runs.length} jobs` : '';
  return {
    label: runTitle(run),
    description: [run.status, run.summary ? formatDuration(run.summary.seconds) : '', figures].filter(Boolean).join(' · '),
    detail: run.dir,
    dir: run.dir,
  };
}

export async function pickRun(s: Services, title: string): Promise<string | undefined> {
  const runs = s.index.runs;
  if (!runs.length) {
    void vscode.window.showInformationMessage('Infinite Width Lab: no runs yet. Run an experiment with the "Run experiment" lens at the top of an *.iwl.yaml file.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(runs.map(runItem), { title, matchOnDetail: true }))?.dir;
}

/** A run folder from a command argument: a path, a Runs view node, an experiment file (its latest run), or a pick. */
export async function runDirFrom(s: Services, arg: unknown, title: string): Promise<string | undefined> {
  const direct = nodeRunDir(arg);
  if (direct) return direct;
  if ((arg as RunsNode | undefined)?.kind === 'experiment') {
    return (arg as Extract<RunsNode, { kind: 'experiment' }>).experiment.runs[0]?.dir;
  }
  const file = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
  if (file && isExperimentFile(file.fsPath)) {
    const latest = latestRunOf(s.index.all, file.fsPath);
    if (latest) return latest.dir;
  }
  await s.index.refresh();
  return pickRun(s, title);
}
