/** What the commands and the run flow act through: the host's long-lived parts, made once in extension.ts. */
import type * as vscode from 'vscode';
import type { AnalysisCache } from './analysis';
import type { DiagnosticsController } from './diagnostics';
import type { EngineClient } from './engineClient';
import type { RunManager } from './runManager';
import type { RunIndex } from './runIndex';
import type { ResultsDocuments } from './resultsView';
import type { PanelHost } from './panels/panelManager';
import type { SlurmHost } from './slurmHost';

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
  /** Run on Slurm and the cluster runs it follows. */
  slurm: SlurmHost;
}
