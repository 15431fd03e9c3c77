/**
 * The run flow behind Run Experiment and Run Model: the checks a file must pass (trusted folder, a
 * file on disk, no run in progress, saved, no problems), then the run through the run manager with
 * a cancellable progress notification and the run panel beside the editor, then a notification
 * of its outcome.
 */
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { asAnalyzable } from './diagnostics';
import { progressOf, type ActiveRun, type FinishedRun } from './runManager';
import type { RunEnd } from './engineClient';
import type { Services } from './services';
import { displayPath, readSettings, resultsRootFor } from './settings';
import { progressText } from './format';
import { errorMessage } from '../engine/contract/errors';
import { formatDuration } from '../engine/contract/durations';

const restrictedMessage =
  'Infinite Width Lab: runs are disabled in Restricted Mode. Running an experiment starts the engine process, which reads and writes files in this folder. Trust the folder to run experiments; validation works without it.';

/** Runs an experiment file (or some of its models): checks, then the engine run with a progress notification, then its outcome. */
export async function startRun(s: Services, document: vscode.TextDocument, onlyModels?: string[]): Promise<void> {
  const name = basename(document.fileName);
  if (!(await readyToRun(s, document, name))) return;
  const title = `Infinite Width Lab: ${onlyModels ? `${onlyModels.join(', ')} of ` : ''}${name}`;
  void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    progress.report({ message: s.client.state === 'ready' ? 'starting' : 'starting the engine' });
    token.onCancellationRequested(() => void s.runs.stop());
    let run: ActiveRun;
    try {
      const { workers, factorLanes } = readSettings(document.uri);
      run = await s.runs.start({ experimentFile: document.uri.fsPath, resultsRoot: resultsRootFor(document.uri), displayPath: displayPath(document.uri), onlyModels, workers: workers || undefined, factorLanes });
    } catch (error) {
      void vscode.window.showErrorMessage(`Infinite Width Lab: ${name} did not start: ${errorMessage(error)}`, 'Show Log').then((a) => a && s.output.show(true));
      return;
    }
    void s.index.refresh();
    s.panels.showRun(run.outDir, { preserveFocus: true, beside: true });
    const finished = await follow(s, run, progress);
    await s.index.refresh();
    showOutcome(s, title, finished.end);
  });
}

/** Reports the run's progress in the notification until it ends. */
async function follow(s: Services, run: ActiveRun, progress: vscode.Progress<{ message?: string; increment?: number }>): Promise<FinishedRun> {
  let reported = 0;
  const changes = s.runs.onDidChange((active) => {
    if (!active || active !== run) return;
    if (active.state === 'stopping') {
      progress.report({ message: 'stopping' });
      return;
    }
    const state = progressOf(active);
    // The notification's bar follows the work done (steps weighted by job cost) where the engine reports it.
    const fraction = state.workFraction ?? (active.totalSteps ? active.doneSteps / active.totalSteps : 0);
    const increment = Math.max(0, fraction * 100 - reported);
    reported += increment;
    const text = active.totalSteps ? progressText(state) : 'loading data';
    progress.report({ increment, message: text });
  });
  const finished = await new Promise<FinishedRun>((resolve) => {
    const sub = s.runs.onDidFinish((f) => {
      if (f.run === run) {
        sub.dispose();
        resolve(f);
      }
    });
  });
  changes.dispose();
  return finished;
}

/** Whether the file may run now; if not, the user was told why (and offered the way out). */
async function readyToRun(s: Services, document: vscode.TextDocument, name: string): Promise<boolean> {
  if (!vscode.workspace.isTrusted) {
    const answer = await vscode.window.showWarningMessage(restrictedMessage, 'Manage Workspace Trust');
    if (answer) await vscode.commands.executeCommand('workbench.trust.manage');
    return false;
  }
  if (document.uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Infinite Width Lab: save ${name} to a file on disk before running it.`);
    return false;
  }
  if (s.runs.active) {
    const answer = await vscode.window.showWarningMessage(`Infinite Width Lab: ${basename(s.runs.active.experimentFile)} is running; one run at a time.`, 'Stop It');
    if (answer) await s.runs.stop();
    return false;
  }
  if (document.isDirty && !(await document.save())) {
    void vscode.window.showErrorMessage(`Infinite Width Lab: ${name} could not be saved; the engine runs the file as saved.`);
    return false;
  }
  s.diagnostics.update(document);
  const analysis = s.cache.get(asAnalyzable(document));
  if (analysis.errorCount) {
    const answer = await vscode.window.showErrorMessage(`Infinite Width Lab: ${name} has ${analysis.errorCount} problem${analysis.errorCount === 1 ? '' : 's'}; fix ${analysis.errorCount === 1 ? 'it' : 'them'} before running.`, 'Show Problems');
    if (answer) await vscode.commands.executeCommand('workbench.actions.view.problems');
    return false;
  }
  return true;
}

/** The notification at the end of a run, with the way to its results (or its log). */
function showOutcome(s: Services, title: string, end: RunEnd): void {
  const took = formatDuration(end.seconds);
  const open = (answer: string | undefined) => answer === 'Open Results' && s.panels.showRun(end.outDir);
  if (end.status === 'completed') {
    void vscode.window.showInformationMessage(`${title}: completed in ${took}.`, 'Open Results').then(open);
  } else if (end.status === 'cancelled') {
    void vscode.window.showInformationMessage(`${title}: stopped after ${took}; what was computed is kept.`, 'Open Results').then(open);
  } else {
    const firstLine = (end.error ?? 'see the log').split('\n')[0];
    void vscode.window.showErrorMessage(`${title}: failed after ${took}: ${firstLine}`, 'Show Log', 'Open Results').then((a) => {
      if (a === 'Show Log') s.output.show(true);
      else open(a);
    });
  }
}
