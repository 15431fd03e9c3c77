/**
 * Lenses on experiment files: at the top "Run experiment" and, where sbatch is on PATH, "Run on
 * Slurm" (or the run's progress and "Stop"), what a sweep makes and costs (jobs, time, memory) and
 * the last run's outcome; above each model "Run model" (or "Stop") and its latest figures. They read
 * the shared analysis (never a parse of their own), the run index and the run in progress, and
 * refresh when any of those change.
 */
import * as vscode from 'vscode';
import { AnalysisCache } from './analysis';
import { isExperimentFile } from './experimentFiles';
import { asAnalyzable } from './diagnostics';
import { latestEntriesOf, latestRunOf, samePath } from './runStore';
import { formatFigure, formatPercent, modelFiguresText, progressText, runOutcomeText } from './format';
import type { RunIndex } from './runIndex';
import { progressOf, type ActiveRun, type RunManager } from './runManager';
import { commandIds } from './commandIds';
import { RefreshTimer } from './coalesce';
import type { SlurmHost } from './slurmHost';

const lensRefreshMs = 500;

export class ExperimentCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly repaint = new RefreshTimer(() => this.emitter.fire());
  readonly onDidChangeCodeLenses = this.emitter.event;

  constructor(
    private readonly cache: AnalysisCache,
    private readonly index: RunIndex,
    private readonly runs: RunManager,
    private readonly slurm: Pick<SlurmHost, 'available' | 'onDidChange'>,
  ) {
    this.subscriptions.push(
      this.emitter,
      slurm.onDidChange((state) => state === null && this.emitter.fire()),
      index.onDidChange(() => this.emitter.fire()),
      runs.onDidChange((run) => (run && run.state === 'running' ? this.refreshSoon() : this.emitter.fire())),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.emitter.fire()),
    );
  }

  /** While a run streams, lenses repaint at most every 500 ms. */
  private refreshSoon(): void {
    this.repaint.soon(lensRefreshMs);
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!isExperimentFile(document.fileName) || document.uri.scheme !== 'file') return [];
    const analysis = this.cache.get(asAnalyzable(document));
    const file = document.uri.fsPath;
    const top = new vscode.Range(0, 0, 0, 0);
    const lenses: vscode.CodeLens[] = [];
    const active = this.runs.active && samePath(this.runs.active.experimentFile, file) ? this.runs.active : null;
    const trusted = vscode.workspace.isTrusted;

    if (active) {
      lenses.push(new vscode.CodeLens(top, { title: `$(sync~spin) ${activeTitle(active)}`, command: commandIds.showLog, tooltip: 'Show the Infinite Width Lab log' }));
      lenses.push(new vscode.CodeLens(top, stopCommand(active)));
    } else if (!trusted) {
      lenses.push(new vscode.CodeLens(top, { title: '$(shield) Runs are disabled in Restricted Mode', command: 'workbench.trust.manage', tooltip: 'Running an experiment starts a process; trust this folder to run it. Validation works without trust.' }));
    } else {
      const problems = analysis.errorCount;
      lenses.push(
        new vscode.CodeLens(top, {
          title: problems ? `$(play) Run experiment (${problems} problem${problems === 1 ? '' : 's'} to fix)` : '$(play) Run experiment',
          command: commandIds.runExperiment,
          arguments: [document.uri],
          tooltip: 'Train every model of this file, side by side',
        }),
      );
      if (this.slurm.available) {
        lenses.push(new vscode.CodeLens(top, { title: '$(server-environment) Run on Slurm', command: commandIds.runOnSlurm, arguments: [document.uri], tooltip: 'Submit this file as a Slurm job array of shards (iwl slurm --submit); the Runs view follows it' }));
      }
    }
    if (analysis.sweep && !active) {
      lenses.push(new vscode.CodeLens(top, { title: `$(list-flat) Sweep: ${analysis.sweep}`, command: '', tooltip: 'What the sweep makes: its jobs, and rough time and memory estimates (as iwl validate prints them)' }));
    }
    const latest = latestRunOf(this.index.all, file);
    if (latest && !(active && this.runs.isLive(latest.dir))) {
      lenses.push(
        new vscode.CodeLens(top, {
          title: runOutcomeText(latest.status, latest.startedAt, latest.summary?.seconds ?? null),
          command: commandIds.openResults,
          arguments: [latest.dir],
          tooltip: latest.error ?? latest.dir,
        }),
      );
    }

    for (const model of analysis.models) {
      const range = new vscode.Range(model.range.start.line, model.range.start.character, model.range.end.line, model.range.end.character);
      const inActive = active && active.jobs.some((j) => j.model === model.name);
      if (inActive && active) {
        lenses.push(new vscode.CodeLens(range, stopCommand(active)));
        const live = liveFigures(active, model.name);
        if (live) lenses.push(new vscode.CodeLens(range, { title: live, command: '' }));
        continue;
      }
      if (trusted && !active) {
        lenses.push(new vscode.CodeLens(range, { title: '$(play) Run model', command: commandIds.runModel, arguments: [document.uri, model.name], tooltip: `Train only ${model.name} (and the limit it is compared with)` }));
      }
      const past = latestEntriesOf(this.index.all, file, model.name);
      const figures = past ? modelFiguresText(past.entries) : null;
      if (past && figures) {
        lenses.push(new vscode.CodeLens(range, { title: figures, command: commandIds.openResults, arguments: [past.run.dir], tooltip: `From the run of ${past.run.startedAt.toLocaleString()}` }));
      }
    }
    return lenses;
  }

  dispose(): void {
    this.repaint.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

function stopCommand(run: ActiveRun): vscode.Command {
  return { title: run.state === 'stopping' ? '$(loading~spin) Stopping' : '$(debug-stop) Stop', command: commandIds.stopRun, tooltip: 'Stop this run (what was computed is kept)' };
}

function activeTitle(run: ActiveRun): string {
  if (run.state === 'starting') return 'Starting the engine';
  if (!run.totalSteps) return 'Loading data';
  return `Running ${progressText(progressOf(run))}`;
}

/** "step 120: test loss 0.0523, acc 84.0%" from the job of this model that logged last. */
function liveFigures(run: ActiveRun, model: string): string | null {
  const points = [...run.latest.values()].filter((p) => p.model === model);
  const point = points.sort((a, b) => b.elapsedSeconds - a.elapsedSeconds)[0];
  if (!point) return null;
  const who = point.width !== null ? `w${point.width} ` : '';
  return `${who}step ${point.step}: test loss ${formatFigure(point.testLoss)}${point.testAccuracy !== undefined ? `, acc ${formatPercent(point.testAccuracy)}` : ''}`;
}
