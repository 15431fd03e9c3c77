/** The extension's settings (package.json contributes.configuration) and where runs go. */
import * as vscode from 'vscode';
import { dirname, isAbsolute, join } from 'node:path';

export const section = 'infiniteWidthLab';

export interface Settings {
  backend: string;
  nodePath: string;
  resultsFolder: string;
  /** Worker processes per run; 0: every core of the machine. */
  workers: number;
  /** Threads of each gp job's float32 Cholesky; 'auto' (the setting's 0, the default): from 6,000 training points, the workers' cores shared by the jobs at once. */
  factorLanes: number | 'auto';
}

/** The infiniteWidthLab.factorLanes setting's value as the engine takes it: 0 is 'auto', else a whole count of at least 1. */
export function factorLanesOf(setting: number | undefined): number | 'auto' {
  const n = Math.floor(Number(setting ?? 0));
  if (!Number.isFinite(n)) return 'auto';
  return n === 0 ? 'auto' : Math.max(1, n);
}

export function readSettings(scope?: vscode.Uri): Settings {
  const c = vscode.workspace.getConfiguration(section, scope);
  return {
    backend: c.get<string>('backend', 'wasm'),
    nodePath: c.get<string>('nodePath', ''),
    resultsFolder: c.get<string>('resultsFolder', '.iwl/runs') || '.iwl/runs',
    workers: Math.max(0, Math.floor(c.get<number>('workers', 0) || 0)),
    factorLanes: factorLanesOf(c.get<number>('factorLanes', 0)),
  };
}

/** `<workspace folder of the file>/<resultsFolder>`; a file outside the workspace keeps runs beside itself. */
export function resultsRootFor(file: vscode.Uri): string {
  const folder = vscode.workspace.getWorkspaceFolder(file);
  const setting = readSettings(file).resultsFolder;
  if (isAbsolute(setting)) return setting;
  return join(folder ? folder.uri.fsPath : dirname(file.fsPath), setting);
}

/** Every workspace folder's results root (the Runs view lists them all). */
export function resultsRoots(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).map((f) => {
    const setting = readSettings(f.uri).resultsFolder;
    return isAbsolute(setting) ? setting : join(f.uri.fsPath, setting);
  });
}

/** The path shown to the user and recorded in the manifest: workspace-relative when possible. */
export function displayPath(file: vscode.Uri): string {
  return vscode.workspace.asRelativePath(file, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
}

/** The defaults of Run on Slurm (`iwl slurm`'s options); empty or 0 leaves an option to the cluster's defaults. */
export interface SlurmSettings {
  shards: number;
  partition: string;
  time: string;
  gpus: number;
  /** Seconds between looks at squeue while a cluster run is pending or running. */
  pollSeconds: number;
}

export function readSlurmSettings(scope?: vscode.Uri): SlurmSettings {
  const c = vscode.workspace.getConfiguration(`${section}.slurm`, scope);
  const whole = (key: string, fallback: number, least: number) => Math.max(least, Math.floor(c.get<number>(key, fallback) || fallback));
  return {
    shards: whole('shards', 4, 1),
    partition: c.get<string>('partition', '').trim(),
    time: c.get<string>('time', '').trim(),
    gpus: Math.max(0, Math.floor(c.get<number>('gpus', 0) || 0)),
    pollSeconds: whole('pollSeconds', 10, 2),
  };
}
