/** The status bar item: the engine's state, and the run in progress with its progress and ETA. */
import * as vscode from 'vscode';
import type { EngineClient } from './engineClient';
import { progressOf, type RunManager } from './runManager';
import { progressText } from './format';
import { commandIds } from './commandIds';

export class EngineStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('infiniteWidthLab.engine', vscode.StatusBarAlignment.Left, 20);
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly client: EngineClient,
    private readonly runs: RunManager,
  ) {
    this.item.name = 'Infinite Width Lab engine';
    this.subscriptions.push(
      this.item,
      client.onDidChangeState(() => this.update()),
      runs.onDidChange(() => this.update()),
    );
    this.update();
    this.item.show();
  }

  update(): void {
    const run = this.runs.active;
    const state = this.client.state;
    const backend = this.client.info?.backend.name ?? this.client.configuredBackend;
    this.item.backgroundColor = undefined;
    this.item.command = commandIds.showLog;
    if (run) {
      const progress = run.totalSteps
        ? progressText(progressOf(run))
        : run.state === 'starting'
          ? 'starting the engine'
          : 'loading data';
      this.item.text = `$(sync~spin) IWL ${run.state === 'stopping' ? 'stopping' : progress}`;
      this.item.tooltip = `Infinite Width Lab: running ${run.experimentFile}\nResults: ${run.outDir}\nClick to stop the run.`;
      this.item.command = commandIds.stopRun;
      return;
    }
    switch (state) {
      case 'stopped':
        this.item.text = `$(beaker) IWL`;
        this.item.tooltip = `Infinite Width Lab: engine not running (it starts with the first run; backend ${backend}). Click for the log.`;
        break;
      case 'starting':
        this.item.text = `$(loading~spin) IWL starting`;
        this.item.tooltip = `Infinite Width Lab: starting the engine (backend ${backend})`;
        break;
      case 'ready':
        this.item.text = `$(beaker) IWL ${backend}`;
        this.item.tooltip = `Infinite Width Lab: engine ready, pid ${this.client.info?.pid}: ${this.client.info?.backend.detail}. Click for the log.`;
        break;
      case 'crashed': {
        const exit = this.client.lastExit;
        this.item.text = `$(error) IWL engine crashed`;
        this.item.tooltip = `Infinite Width Lab: the engine ${exit?.reason ?? 'stopped unexpectedly'}.${exit?.stderrTail.length ? `\n${exit.stderrTail.slice(-5).join('\n')}` : ''}\nThe next run starts a fresh engine. Click for the log.`;
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
      }
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
