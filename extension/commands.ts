/**
 * The commands (palette, editor title, lenses, the Runs view) as one table: each command id names
 * its handler, which resolves what it acts on from its argument (runPicks.ts) or asks. Run
 * Experiment and Run Model go through the run flow (runFlow.ts); Export Run is exportRun.ts.
 */
import * as vscode from 'vscode';
import { basename, join } from 'node:path';
import { isExperimentFile } from './experimentFiles';
import { asAnalyzable } from './diagnostics';
import type { Services } from './services';
import { deleteRun } from './runStore';
import { readSettings, section } from './settings';
import { commandIds } from './commandIds';
import { newExperimentFromExample } from './newExperiment';
import { startRun } from './runFlow';
import { exportRun } from './exportRun';
import { experimentDocument, nodeRunDir, pickRun, runDirFrom, runItem } from './runPicks';
import { errorMessage } from '../engine/contract/errors';

export type { Services } from './services';

const backends: (vscode.QuickPickItem & { name: string })[] = [
  { name: 'wasm', label: 'wasm', description: 'default', detail: 'WebAssembly with XNNPACK: works everywhere, about 12 GFLOP/s on one thread' },
  { name: 'cpu', label: 'cpu', detail: 'Plain JavaScript: about 50x slower than wasm; a last resort' },
  { name: 'tensorflow', label: 'tensorflow', detail: 'Native libtensorflow (needs @tensorflow/tfjs-node or -gpu installed next to the extension)' },
  { name: 'webgpu', label: 'webgpu', detail: "The GPU through Dawn (the 'webgpu' package); software rendering when no GPU driver is found" },
];

type CommandName = keyof typeof commandIds;
// A command's arguments come from VS Code (a Uri, a Runs view node, a lens's arguments): untyped.
type Handler = (s: Services, ...args: any[]) => unknown;

/** Every command, by its name in commandIds. */
export const commandHandlers: Record<CommandName, Handler> = {
  runExperiment: async (s, uri?: vscode.Uri) => {
    const document = await experimentDocument(uri);
    if (document) await startRun(s, document);
  },
  runModel: async (s, uri?: vscode.Uri, model?: string) => {
    const document = await experimentDocument(uri);
    if (!document) return;
    let name = model;
    if (!name) {
      const models = s.cache.get(asAnalyzable(document)).models.map((m) => m.name);
      name = await vscode.window.showQuickPick(models, { title: 'Run which model?' });
    }
    if (name) await startRun(s, document, [name]);
  },
  runOnSlurm: async (s, uri?: vscode.Uri) => {
    const document = await experimentDocument(uri);
    if (document) await s.slurm.submit(document);
  },
  stopRun: async (s, arg?: unknown) => {
    // A cluster run (its Runs view node, or when no local run is, the one going or the one picked): scancel.
    const dir = nodeRunDir(arg);
    let clusterDir = dir && s.slurm.isGoing(dir) ? dir : undefined;
    const going = s.index.runs.filter((r) => s.slurm.isGoing(r.dir));
    if (!clusterDir && !s.runs.active && going.length) {
      clusterDir = going.length === 1 ? going[0].dir : (await vscode.window.showQuickPick(going.map((r) => runItem(r)), { title: 'Cancel which cluster run (scancel)?' }))?.dir;
      if (!clusterDir) return;
    }
    if (clusterDir) {
      await s.slurm.cancel(clusterDir);
      return;
    }
    if (!s.runs.active) {
      void vscode.window.showInformationMessage('Infinite Width Lab: no run is in progress.');
      return;
    }
    await s.runs.stop();
  },
  restartEngine: async (s) => {
    if (s.runs.active) {
      const answer = await vscode.window.showWarningMessage('A run is in progress. Restarting the engine stops it.', { modal: true }, 'Stop and Restart');
      if (answer !== 'Stop and Restart') return;
      await s.runs.stop();
    }
    const info = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Infinite Width Lab: restarting the engine' }, () => s.client.restart());
    void vscode.window.showInformationMessage(`Infinite Width Lab: engine restarted (${info.backend.detail}).`);
  },
  openResults: async (s, arg?: unknown) => {
    const dir = await runDirFrom(s, arg, 'Open the results of which run?');
    if (dir) s.panels.showRun(dir);
  },
  openResultsAsText: async (s, arg?: unknown, selected?: unknown[]) => {
    // Markdown to copy figures from: one run, or a table of several runs selected in the Runs view.
    const dirs = (selected ?? []).map((n) => nodeRunDir(n)).filter((d): d is string => !!d);
    if (dirs.length >= 2) {
      await s.results.showComparison(dirs);
      return;
    }
    const dir = await runDirFrom(s, arg, 'Open the results of which run as text?');
    if (dir) await s.results.showRun(dir);
  },
  showRunHistory: async (s) => {
    await s.index.refresh();
    const dir = await pickRun(s, 'Run history: open which run?');
    if (dir) s.panels.showRun(dir);
  },
  compareRuns: async (s, arg?: unknown, selected?: unknown[]) => {
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
  },
  showRunPanel: async (s, arg?: unknown) => {
    // The live run when it is this experiment's (or no experiment is open), else the file's latest run.
    const active = s.runs.active;
    const file = arg instanceof vscode.Uri ? arg.fsPath : vscode.window.activeTextEditor?.document.fileName;
    if (active && (!file || !isExperimentFile(file) || active.experimentFile === file)) {
      s.panels.showRun(active.outDir);
      return;
    }
    const dir = await runDirFrom(s, arg, 'Show the run panel of which run?');
    if (dir) s.panels.showRun(dir);
  },
  showComparison: async (s, arg?: unknown) => {
    const dir = await runDirFrom(s, arg, 'Compare finite and infinite models of which run?');
    if (dir) s.panels.showComparison(dir);
  },
  openExperimentsTable: async (s, arg?: unknown) => {
    const dir = await runDirFrom(s, arg, 'Open the experiments table of which run?');
    if (dir) s.panels.showTable(dir);
  },
  exportRun: async (s, arg?: unknown) => {
    const dir = await runDirFrom(s, arg, 'Export which run?');
    if (dir) await exportRun(s, dir);
  },
  selectBackend: async (s) => {
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
  },
  deleteRun: async (s, arg?: unknown) => {
    const dir = await runDirFrom(s, arg, 'Delete which run?');
    if (!dir) return;
    if (s.runs.isLive(dir) || s.slurm.isGoing(dir)) {
      void vscode.window.showWarningMessage('Infinite Width Lab: this run is in progress; stop it before deleting it.');
      return;
    }
    const experiment = s.index.all.find((e) => e.runs.some((r) => r.dir === dir));
    const answer = await vscode.window.showWarningMessage(`Delete the run ${basename(dir)} of ${experiment?.key ?? basename(join(dir, '..'))}? Its folder (metrics, summary, predictions) is removed.`, { modal: true }, 'Delete');
    if (answer !== 'Delete') return;
    deleteRun(experiment?.root ?? join(dir, '..', '..'), dir);
    s.output.info(`deleted run ${dir}`);
    await s.index.refresh();
  },
  revealRun: async (s, arg?: unknown) => {
    const dir = await runDirFrom(s, arg, 'Reveal which run?');
    if (!dir) return;
    const uri = vscode.Uri.file(dir);
    if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
    else await vscode.commands.executeCommand('revealFileInOS', uri);
  },
  refreshRuns: (s) => {
    s.slurm.checkAvailable();
    return s.index.refresh();
  },
  showLog: (s) => s.output.show(true),
  newExperimentFromExample: (s, example?: unknown) => newExperimentFromExample((line) => s.output.info(line), example),
};

/** Registers every command; a handler's error is logged and shown, never thrown at VS Code. */
export function registerCommands(s: Services): vscode.Disposable[] {
  return (Object.keys(commandHandlers) as CommandName[]).map((name) =>
    vscode.commands.registerCommand(commandIds[name], async (...args: unknown[]) => {
      try {
        await commandHandlers[name](s, ...args);
      } catch (error) {
        s.output.error(`${commandIds[name]}: ${errorMessage(error)}`);
        void vscode.window.showErrorMessage(`Infinite Width Lab: ${errorMessage(error)}`);
      }
    }),
  );
}
