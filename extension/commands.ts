/**
 * The commands (palette, editor title, lenses, the Runs view). Each resolves what it acts on from
 * its argument (a file Uri, a run folder path, a Runs view node) or asks with a quick pick.
 */
import * as vscode from 'vscode';
import { basename, join } from 'node:path';
import { cpSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { AnalysisCache } from './analysis';
import { EXPERIMENT_FILE_GLOB, experimentStem, isExperimentFile } from './experimentFiles';
import { asAnalyzable, type DiagnosticsController } from './diagnostics';
import type { EngineClient } from './engineClient';
import type { RunManager } from './runManager';
import type { RunIndex } from './runIndex';
import type { ResultsDocuments } from './resultsView';
import type { PanelHost } from './panels/panelManager';
import type { RunsNode } from './runsTree';
import { deleteRun, latestRunOf, metricsCsv, type StoredRun } from './runStore';
import { displayPath, readSettings, resultsRootFor, section } from './settings';
import { progressText } from './lensText';
import { runFileStem, runTitle } from './runTitles';
import { commandIds } from './commandIds';
import { newExperimentFromExample } from './newExperiment';
import { errorMessage } from '../engine/contract/errors';
import { metricsFileName, summaryFileName } from '../engine/contract/records';
import { formatDuration } from '../engine/contract/durations';

export interface Services {
  output: vscode.LogOutputChannel;
  cache: AnalysisCache;
  diagnostics: DiagnosticsController;
  client: EngineClient;
  runs: RunManager;
  index: RunIndex;
  results: ResultsDocuments;
  /** The chart panels (run, comparison, overlay). */
  panels: PanelHost;
}

const restrictedMessage =
  'Infinite Width Lab: runs are disabled in Restricted Mode. Running an experiment starts the engine process, which reads and writes files in this folder. Trust the folder to run experiments; validation works without it.';

const backends: (vscode.QuickPickItem & { name: string })[] = [
  { name: 'wasm', label: 'wasm', description: 'default', detail: 'WebAssembly with XNNPACK: works everywhere, about 12 GFLOP/s on one thread' },
  { name: 'cpu', label: 'cpu', detail: 'Plain JavaScript: about 50x slower than wasm; a last resort' },
  { name: 'tensorflow', label: 'tensorflow', detail: 'Native libtensorflow (needs @tensorflow/tfjs-node or -gpu installed next to the extension)' },
  { name: 'webgpu', label: 'webgpu', detail: "The GPU through Dawn (the 'webgpu' package); software rendering when no GPU driver is found" },
];

export function registerCommands(s: Services): vscode.Disposable[] {
  const register = (id: string, fn: (...args: any[]) => unknown) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        await fn(...args);
      } catch (error) {
        s.output.error(`${id}: ${errorMessage(error)}`);
        void vscode.window.showErrorMessage(`Infinite Width Lab: ${errorMessage(error)}`);
      }
    });

  return [
    register(commandIds.runExperiment, async (uri?: vscode.Uri) => {
      const document = await experimentDocument(uri);
      if (document) await startRun(s, document);
    }),
    register(commandIds.runModel, async (uri?: vscode.Uri, model?: string) => {
      const document = await experimentDocument(uri);
      if (!document) return;
      let name = model;
      if (!name) {
        const models = s.cache.get(asAnalyzable(document)).models.map((m) => m.name);
        name = await vscode.window.showQuickPick(models, { title: 'Run which model?' });
      }
      if (name) await startRun(s, document, [name]);
    }),
    register(commandIds.stopRun, async () => {
      if (!s.runs.active) {
        void vscode.window.showInformationMessage('Infinite Width Lab: no run is in progress.');
        return;
      }
      await s.runs.stop();
    }),
    register(commandIds.restartEngine, async () => {
      if (s.runs.active) {
        const answer = await vscode.window.showWarningMessage('A run is in progress. Restarting the engine stops it.', { modal: true }, 'Stop and Restart');
        if (answer !== 'Stop and Restart') return;
        await s.runs.stop();
      }
      const info = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Infinite Width Lab: restarting the engine' }, () => s.client.restart());
      void vscode.window.showInformationMessage(`Infinite Width Lab: engine restarted (${info.backend.detail}).`);
    }),
    register(commandIds.openResults, async (arg?: unknown) => {
      const dir = await runDirFrom(s, arg, 'Open the results of which run?');
      if (dir) s.panels.showRun(dir);
    }),
    register(commandIds.openResultsAsText, async (arg?: unknown, selected?: unknown[]) => {
      // Markdown to copy figures from: one run, or a table of several runs selected in the Runs view.
      const dirs = (selected ?? []).map((n) => nodeRunDir(n)).filter((d): d is string => !!d);
      if (dirs.length >= 2) {
        await s.results.showComparison(dirs);
        return;
      }
      const dir = await runDirFrom(s, arg, 'Open the results of which run as text?');
      if (dir) await s.results.showRun(dir);
    }),
    register(commandIds.showRunHistory, async () => {
      await s.index.refresh();
      const dir = await pickRun(s, 'Run history: open which run?');
      if (dir) s.panels.showRun(dir);
    }),
    register(commandIds.compareRuns, async (arg?: unknown, selected?: unknown[]) => {
      let dirs = (selected ?? []).map((n) => nodeRunDir(n)).filter((d): d is string => !!d);
      if (dirs.length < 2) {
        await s.index.refresh();
        const items = s.index.runs.filter((r) => r.summary).map((r) => runItem(r));
        const picked = await vscode.window.showQuickPick(items, { canPickMany: true, title: 'Compare runs: pick two or more (the first is the baseline)' });
        if (!picked) return;
        dirs = picked.map((p) => p.dir);
      }
      if (dirs.length < 2) {
        void vscode.window.showWarningMessage('Infinite Width Lab: pick at least two runs to compare.');
        return;
      }
      s.panels.showOverlay(dirs);
    }),
    register(commandIds.showRunPanel, async (arg?: unknown) => {
      // The live run when it is this experiment's (or no experiment is open), else the file's latest run.
      const active = s.runs.active;
      const file = arg instanceof vscode.Uri ? arg.fsPath : vscode.window.activeTextEditor?.document.fileName;
      if (active && (!file || !isExperimentFile(file) || active.experimentFile === file)) {
        s.panels.showRun(active.outDir);
        return;
      }
      const dir = await runDirFrom(s, arg, 'Show the run panel of which run?');
      if (dir) s.panels.showRun(dir);
    }),
    register(commandIds.showComparison, async (arg?: unknown) => {
      const dir = await runDirFrom(s, arg, 'Compare finite and infinite models of which run?');
      if (dir) s.panels.showComparison(dir);
    }),
    register(commandIds.exportRun, async (arg?: unknown) => {
      const dir = await runDirFrom(s, arg, 'Export which run?');
      if (dir) await exportRun(s, dir);
    }),
    register(commandIds.selectBackend, async () => {
      const current = readSettings().backend;
      const picked = await vscode.window.showQuickPick(
        backends.map((b) => ({ ...b, picked: b.name === current, description: [b.description, b.name === current ? 'current' : ''].filter(Boolean).join(', ') })),
        { title: 'Infinite Width Lab: backend for the engine' },
      );
      if (!picked || picked.name === current) return;
      const inspect = vscode.workspace.getConfiguration(section).inspect('backend');
      const target = inspect?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
      await vscode.workspace.getConfiguration(section).update('backend', picked.name, target);
      if (s.runs.active) {
        void vscode.window.showInformationMessage(`Infinite Width Lab: backend ${picked.name} applies from the next run.`);
        return;
      }
      const info = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Infinite Width Lab: starting the engine on ${picked.name}` }, () =>
        s.client.ensureStarted(),
      );
      void vscode.window.showInformationMessage(`Infinite Width Lab: backend ${info.backend.detail}.`);
    }),
    register(commandIds.deleteRun, async (arg?: unknown) => {
      const dir = await runDirFrom(s, arg, 'Delete which run?');
      if (!dir) return;
      if (s.runs.isLive(dir)) {
        void vscode.window.showWarningMessage('Infinite Width Lab: this run is in progress; stop it before deleting it.');
        return;
      }
      const experiment = s.index.all.find((e) => e.runs.some((r) => r.dir === dir));
      const answer = await vscode.window.showWarningMessage(`Delete the run ${basename(dir)} of ${experiment?.key ?? basename(join(dir, '..'))}? Its folder (metrics, summary, predictions) is removed.`, { modal: true }, 'Delete');
      if (answer !== 'Delete') return;
      deleteRun(experiment?.root ?? join(dir, '..', '..'), dir);
      s.output.info(`deleted run ${dir}`);
      await s.index.refresh();
    }),
    register(commandIds.revealRun, async (arg?: unknown) => {
      const dir = await runDirFrom(s, arg, 'Reveal which run?');
      if (!dir) return;
      const uri = vscode.Uri.file(dir);
      if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
      else await vscode.commands.executeCommand('revealFileInOS', uri);
    }),
    register(commandIds.refreshRuns, () => s.index.refresh()),
    register(commandIds.showLog, () => s.output.show(true)),
    register(commandIds.newExperimentFromExample, (example?: unknown) => newExperimentFromExample((line) => s.output.info(line), example)),
  ];
}

async function experimentDocument(uri?: unknown): Promise<vscode.TextDocument | undefined> {
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

async function startRun(s: Services, document: vscode.TextDocument, onlyModels?: string[]): Promise<void> {
  const name = basename(document.fileName);
  if (!vscode.workspace.isTrusted) {
    const answer = await vscode.window.showWarningMessage(restrictedMessage, 'Manage Workspace Trust');
    if (answer) await vscode.commands.executeCommand('workbench.trust.manage');
    return;
  }
  if (document.uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Infinite Width Lab: save ${name} to a file on disk before running it.`);
    return;
  }
  if (s.runs.active) {
    const answer = await vscode.window.showWarningMessage(`Infinite Width Lab: ${basename(s.runs.active.experimentFile)} is running; one run at a time.`, 'Stop It');
    if (answer) await s.runs.stop();
    return;
  }
  if (document.isDirty && !(await document.save())) {
    void vscode.window.showErrorMessage(`Infinite Width Lab: ${name} could not be saved; the engine runs the file as saved.`);
    return;
  }
  s.diagnostics.update(document);
  const analysis = s.cache.get(asAnalyzable(document));
  if (analysis.errorCount) {
    const answer = await vscode.window.showErrorMessage(`Infinite Width Lab: ${name} has ${analysis.errorCount} problem${analysis.errorCount === 1 ? '' : 's'}; fix ${analysis.errorCount === 1 ? 'it' : 'them'} before running.`, 'Show Problems');
    if (answer) await vscode.commands.executeCommand('workbench.actions.view.problems');
    return;
  }
  const title = `Infinite Width Lab: ${onlyModels ? `${onlyModels.join(', ')} of ` : ''}${name}`;
  void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    progress.report({ message: s.client.state === 'ready' ? 'starting' : 'starting the engine' });
    token.onCancellationRequested(() => void s.runs.stop());
    let run;
    try {
      run = await s.runs.start({ experimentFile: document.uri.fsPath, resultsRoot: resultsRootFor(document.uri), displayPath: displayPath(document.uri), onlyModels, workers: readSettings(document.uri).workers || undefined });
    } catch (error) {
      void vscode.window.showErrorMessage(`Infinite Width Lab: ${name} did not start: ${errorMessage(error)}`, 'Show Log').then((a) => a && s.output.show(true));
      return;
    }
    void s.index.refresh();
    s.panels.showRun(run.outDir, { preserveFocus: true, beside: true });
    let reported = 0;
    const changes = s.runs.onDidChange((active) => {
      if (!active || active !== run) return;
      if (active.state === 'stopping') {
        progress.report({ message: 'stopping' });
        return;
      }
      const fraction = active.totalSteps ? active.doneSteps / active.totalSteps : 0;
      const increment = Math.max(0, fraction * 100 - reported);
      reported += increment;
      const text = active.totalSteps
        ? progressText({ doneSteps: active.doneSteps, totalSteps: active.totalSteps, jobId: active.currentJob, elapsedSeconds: (Date.now() - active.startedAt.getTime()) / 1000 })
        : 'loading data';
      progress.report({ increment, message: text });
    });
    const finished = await new Promise<import('./runManager').FinishedRun>((resolve) => {
      const sub = s.runs.onDidFinish((f) => {
        if (f.run === run) {
          sub.dispose();
          resolve(f);
        }
      });
    });
    changes.dispose();
    await s.index.refresh();
    const { end } = finished;
    const took = formatDuration(end.seconds);
    if (end.status === 'completed') {
      void vscode.window.showInformationMessage(`${title}: completed in ${took}.`, 'Open Results').then((a) => a && s.panels.showRun(end.outDir));
    } else if (end.status === 'cancelled') {
      void vscode.window.showInformationMessage(`${title}: stopped after ${took}; what was computed is kept.`, 'Open Results').then((a) => a && s.panels.showRun(end.outDir));
    } else {
      const firstLine = (end.error ?? 'see the log').split('\n')[0];
      void vscode.window.showErrorMessage(`${title}: failed after ${took}: ${firstLine}`, 'Show Log', 'Open Results').then((a) => {
        if (a === 'Show Log') s.output.show(true);
        else if (a === 'Open Results') s.panels.showRun(end.outDir);
      });
    }
  });
}

function nodeRunDir(arg: unknown): string | null {
  if (typeof arg === 'string') return arg;
  const node = arg as RunsNode | undefined;
  if (node && typeof node === 'object' && 'kind' in node && node.kind !== 'experiment') return node.run.dir;
  return null;
}

function runItem(run: StoredRun): vscode.QuickPickItem & { dir: string } {
  const figures = run.summary?.runs.length ? `${run.summary.runs.length} jobs` : '';
  return {
    label: runTitle(run),
    description: [run.status, run.summary ? formatDuration(run.summary.seconds) : '', figures].filter(Boolean).join(' · '),
    detail: run.dir,
    dir: run.dir,
  };
}

async function pickRun(s: Services, title: string): Promise<string | undefined> {
  const runs = s.index.runs;
  if (!runs.length) {
    void vscode.window.showInformationMessage('Infinite Width Lab: no runs yet. Run an experiment with the "Run experiment" lens at the top of an *.iwl.yaml file.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(runs.map(runItem), { title, matchOnDetail: true }))?.dir;
}

/** A run folder from a command argument: a path, a Runs view node, an experiment file (its latest run), or a pick. */
async function runDirFrom(s: Services, arg: unknown, title: string): Promise<string | undefined> {
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

async function exportRun(s: Services, dir: string): Promise<void> {
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
