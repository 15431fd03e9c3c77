/**
 * Read-only Markdown documents for a run's results and for a comparison of runs (scheme
 * `iwl-results`), rendered from the run folders each time they are opened: "Open Results as Text",
 * for copying figures into notes. "Open Results" and "Compare Runs" show the chart panels.
 */
import * as vscode from 'vscode';
import { readRun } from './runStore';
import { compareMarkdown, summaryMarkdown } from './resultsText';
import { runLabel } from './runTitles';

export const resultsScheme = 'iwl-results';

export class ResultsDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;
  private readonly registration: vscode.Disposable;

  constructor(private readonly isLive: (dir: string) => boolean) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(resultsScheme, this);
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const dirs = new URLSearchParams(uri.query).getAll('dir');
    const runs = await Promise.all(dirs.map((dir) => readRun(dir, this.isLive)));
    return uri.path.endsWith('compare.md') ? compareMarkdown(runs) : summaryMarkdown(runs[0]);
  }

  /** Opens (or refreshes) the results of one run. */
  async showRun(dir: string): Promise<void> {
    await this.show(vscode.Uri.from({ scheme: resultsScheme, path: `/${runLabel(dir)} results.md`, query: new URLSearchParams([['dir', dir]]).toString() }));
  }

  async showComparison(dirs: string[]): Promise<void> {
    const query = new URLSearchParams(dirs.map((d): [string, string] => ['dir', d])).toString();
    await this.show(vscode.Uri.from({ scheme: resultsScheme, path: '/compare.md', query }));
  }

  private async show(uri: vscode.Uri): Promise<void> {
    this.emitter.fire(uri);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(document, 'markdown');
    await vscode.window.showTextDocument(document, { preview: true });
  }

  dispose(): void {
    this.registration.dispose();
    this.emitter.dispose();
  }
}
