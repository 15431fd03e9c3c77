/**
 * The extension host entry: wires the shared analysis, diagnostics, lenses, the engine client
 * and run manager, the Runs view, the status bar and the commands. Activation stays cheap: no
 * tfjs here (the engine process loads it on the first run), only the validator and plain modules.
 */
import * as vscode from 'vscode';
import { AnalysisCache } from './analysis';
import { DiagnosticsController } from './diagnostics';
import { EngineClient } from './engineClient';
import { resolveEngineLaunch } from './engineLaunch';
import { RunManager } from './runManager';
import { RunIndex } from './runIndex';
import { ExperimentCodeLensProvider } from './codeLenses';
import { ExperimentCodeActionProvider } from './codeActions';
import { registerYamlLanguage } from './yamlLanguage';
import { RunsTreeProvider } from './runsTree';
import { ResultsDocuments } from './resultsView';
import { PanelManager } from './panels/panelManager';
import { EngineStatusBar } from './statusBar';
import { registerCommands } from './commands';
import { readSettings, section } from './settings';
import { runsViewId } from './commandIds';
import { EXPERIMENT_FILE_GLOB } from './experimentFiles';
import { SlurmHost } from './slurmHost';

/** What activate hands back: for the integration tests (test/electron) and for issue 5's panels. */
export interface ExtensionApi {
  client: EngineClient;
  runs: RunManager;
  index: RunIndex;
  cache: AnalysisCache;
  panels: PanelManager;
  /** Run on Slurm and the cluster runs it follows. */
  slurm: SlurmHost;
  activationMs: number;
}

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const started = performance.now();
  const output = vscode.window.createOutputChannel('Infinite Width Lab', { log: true });
  const cache = new AnalysisCache();

  const launchFor = (settings = readSettings()) => {
    const launch = resolveEngineLaunch({
      extensionRoot: context.extensionPath,
      configuredNodePath: settings.nodePath,
      backend: settings.backend,
      hostExecPath: process.execPath,
      hostElectron: process.versions.electron,
      pathVariable: process.env.PATH,
    });
    return launch;
  };
  const settings = readSettings();
  const launch = launchFor(settings);
  const client = new EngineClient({
    launch,
    backend: settings.backend,
    cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    log: (line) => output.info(line),
  });
  const runs = new RunManager(client, (line) => output.info(line));
  const index = new RunIndex((dir) => runs.isLive(dir));
  const diagnostics = new DiagnosticsController(cache);
  const panels = new PanelManager(context.extensionUri, runs, output);
  const slurm = new SlurmHost(context.extensionPath, () => launchFor(), index, panels, (line) => output.info(line));
  const lenses = new ExperimentCodeLensProvider(cache, index, runs, slurm);
  const tree = new RunsTreeProvider(index, runs, slurm);
  const treeView = vscode.window.createTreeView(runsViewId, { treeDataProvider: tree, canSelectMany: true, showCollapseAll: true });
  const results = new ResultsDocuments((dir) => runs.isLive(dir));
  const statusBar = new EngineStatusBar(client, runs);

  context.subscriptions.push(
    output,
    diagnostics,
    lenses,
    tree,
    treeView,
    results,
    panels,
    slurm,
    statusBar,
    index,
    { dispose: () => runs.dispose() },
    { dispose: () => client.dispose() },
    vscode.languages.registerCodeLensProvider(
      [{ scheme: 'file', pattern: EXPERIMENT_FILE_GLOB }],
      lenses,
    ),
    vscode.languages.registerCodeActionsProvider(
      [{ scheme: 'file', pattern: EXPERIMENT_FILE_GLOB }],
      new ExperimentCodeActionProvider(cache),
      ExperimentCodeActionProvider.metadata,
    ),
    ...registerYamlLanguage(),
    ...registerCommands({ output, cache, diagnostics, client, runs, index, results, panels, slurm }),
    runs.onDidFinish(() => index.schedule(0)),
    runs.onDidChange((run) => void vscode.commands.executeCommand('setContext', 'infiniteWidthLab.running', run !== null)),
    client.onDidExit((exit) => {
      // A run in progress reports the crash itself (its failure notification names the reason).
      if (exit.expected || exit.hadRuns) return;
      const tail = exit.stderrTail.length ? ` Last stderr line: ${exit.stderrTail[exit.stderrTail.length - 1]}` : '';
      void vscode.window
        .showErrorMessage(`Infinite Width Lab: the engine ${exit.reason}; its runs were marked failed.${tail} The next run starts a fresh engine.`, 'Show Log')
        .then((answer) => answer && output.show(true));
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(`${section}.backend`) && !e.affectsConfiguration(`${section}.nodePath`)) return;
      const next = readSettings();
      const nextLaunch = launchFor(next);
      client.configure(next.backend, nextLaunch);
      output.info(`settings: backend ${next.backend}, engine Node ${nextLaunch.execPath} (${nextLaunch.why}); applies at the next engine start`);
    }),
  );

  void index.refresh();
  const activationMs = performance.now() - started;
  output.info(`activated in ${activationMs.toFixed(1)} ms (Node ${process.versions.node}${process.versions.electron ? `, Electron ${process.versions.electron}` : ''}); engine: ${launch.execPath} (${launch.why}), backend ${settings.backend}`);
  if (!vscode.workspace.isTrusted) output.info('Restricted Mode: validation works; runs are disabled until the folder is trusted');
  return { client, runs, index, cache, panels, slurm, activationMs };
}

export function deactivate(): void {
  // Everything is in context.subscriptions; the engine client's dispose ends the engine process.
}
