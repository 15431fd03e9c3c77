/**
 * The chart panels in VS Code: one run panel per run folder (live while the run goes), one
 * comparison panel per run, one experiments table per run, one overlay panel per set of runs. Each panel owns its webview, its
 * feed (snapshot then deltas, nothing while hidden) and its listeners; closing it never touches
 * the run. Panels come back after a window reload through the serializers, from the state the
 * webview saved (the run folders and the UI state), without retainContextWhenHidden.
 */
import * as vscode from 'vscode';
import { panelViewTypes, parseFromPanel, parsePanelState, type FromPanel, type PanelKind, type PanelUiState } from '../../webview/protocol';
import type { RunManager } from '../runManager';
import type { PanelFeed } from './panelFeed';
import { FeedRouter } from './feedRouter';
import { runFileStem, runLabel } from '../runTitles';
import { samePath } from '../runStore';
import { newNonce, panelHtml } from './panelHtml';
import { errorMessage } from '../../engine/contract/errors';

type ExportMessage = Extract<FromPanel, { type: 'export' }>;

export interface PanelHost {
  showRun(dir: string, options?: { preserveFocus?: boolean; beside?: boolean; jobs?: string[] }): void;
  showComparison(dir: string, jobs?: string[]): void;
  showOverlay(dirs: string[]): void;
  showTable(dir: string): void;
  /** Re-reads a run folder into its open panels (a cluster run's shards landed). */
  refreshRun(dir: string): void;
}


export function panelTitle(kind: PanelKind, dirs: string[]): string {
  if (kind === 'run') return `Run · ${runLabel(dirs[0])}`;
  if (kind === 'comparison') return `Widths · ${runLabel(dirs[0])}`;
  if (kind === 'table') return `Experiments · ${runLabel(dirs[0])}`;
  return `Compare ${dirs.length} runs`;
}

class ManagedPanel {
  readonly feed: PanelFeed;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Jobs to show (from the experiments table) not yet delivered: the webview was not loaded. */
  private pendingFocus: string[] | null | undefined;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly kind: PanelKind,
    readonly dirs: string[],
    ui: PanelUiState,
    private readonly manager: PanelManager,
  ) {
    const webview = panel.webview;
    const root = vscode.Uri.joinPath(manager.extensionUri, 'dist', 'webview');
    webview.options = { enableScripts: true, localResourceRoots: [root] };
    panel.title = panelTitle(kind, dirs);
    this.feed = manager.feeds.open({ kind, dirs, ui, post: (m) => webview.postMessage(m) });
    webview.html = panelHtml({
      kind,
      title: panel.title,
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'panelMain.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'panelMain.css')).toString(),
      nonce: newNonce(),
    });
    this.subscriptions.push(
      webview.onDidReceiveMessage((raw) => this.receive(raw)),
      panel.onDidChangeViewState((e) => void this.feed.onVisibility(e.webviewPanel.visible)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private receive(raw: unknown): void {
    const parsed = parseFromPanel(raw);
    if (!parsed.ok) {
      this.manager.log(`panel ${this.kind}: ignored a message: ${parsed.error}`);
      return;
    }
    const m = parsed.message;
    switch (m.type) {
      case 'ready':
        void this.feed.onReady().then(() => this.deliverFocus());
        break;
      case 'resync':
        this.manager.log(`panel ${this.kind}: the panel missed updates after ${m.lastSeq}; sending a fresh snapshot`);
        void this.feed.onResync();
        break;
      case 'selection':
        this.feed.ui = m.ui;
        if (this.pendingFocus !== undefined && JSON.stringify(m.ui.jobs ?? null) === JSON.stringify(this.pendingFocus)) this.pendingFocus = undefined;
        break;
      case 'export':
        void this.saveExport(m);
        break;
      case 'openComparison':
        this.manager.showComparison(m.dir, m.jobs);
        break;
      case 'openRun':
        this.manager.showRun(m.dir, { jobs: m.jobs });
        break;
      case 'openTable':
        this.manager.showTable(m.dir);
        break;
      case 'log':
        this.manager.log(`panel ${this.kind}: ${m.message}`, m.level);
        break;
    }
  }

  /**
   * Narrows the panel to `jobs` (null: every job). A fresh page takes them from the snapshot's UI
   * state; a page with saved state gets a message, now and each time it says ready until it
   * reports the jobs back (a hidden webview is not loaded).
   */
  focus(jobs: string[] | null): void {
    this.feed.ui = { ...this.feed.ui, jobs: jobs ?? undefined };
    this.pendingFocus = jobs;
    void this.deliverFocus();
  }

  /** Posted until the panel reports (a `selection`) that it shows those jobs: a post to a page still loading may be lost. */
  private async deliverFocus(): Promise<void> {
    const jobs = this.pendingFocus;
    if (jobs === undefined || !this.panel.visible) return;
    await Promise.resolve(this.panel.webview.postMessage({ type: 'focusJobs', jobs })).catch(() => false);
  }

  private async saveExport(m: ExportMessage): Promise<void> {
    const stem = this.kind === 'overlay' ? 'compare-runs' : runFileStem(this.dirs[0]);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(this.dirs[0]);
    const filters: Record<string, string[]> = { png: { 'PNG image': ['png'] }, svg: { 'SVG image': ['svg'] }, csv: { CSV: ['csv'] }, json: { JSON: ['json'] } }[m.format];
    try {
      const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(folder, `${stem}-${m.fileName}`), filters, title: `Export ${m.fileName}` });
      if (!target) {
        await this.panel.webview.postMessage({ type: 'exported', path: null });
        return;
      }
      const bytes = m.encoding === 'base64' ? Buffer.from(m.data, 'base64') : Buffer.from(m.data, 'utf8');
      await vscode.workspace.fs.writeFile(target, new Uint8Array(bytes));
      this.manager.log(`exported ${m.fileName} (${bytes.length} bytes) -> ${target.fsPath}`);
      await this.panel.webview.postMessage({ type: 'exported', path: target.fsPath });
      void vscode.window.showInformationMessage(`Infinite Width Lab: wrote ${target.fsPath}.`);
    } catch (error) {
      const text = errorMessage(error);
      this.manager.log(`export of ${m.fileName} failed: ${text}`, 'error');
      void this.panel.webview.postMessage({ type: 'exported', path: null, error: text });
      void vscode.window.showErrorMessage(`Infinite Width Lab: could not save ${m.fileName}: ${text}`);
    }
  }

  dispose(): void {
    this.manager.feeds.close(this.feed);
    for (const s of this.subscriptions) s.dispose();
    this.manager.forget(this);
  }
}

export class PanelManager implements PanelHost, vscode.Disposable {
  private readonly panels = new Set<ManagedPanel>();
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Every panel's feed: snapshots from the run store, then the live run's deltas. */
  readonly feeds: FeedRouter;

  constructor(
    readonly extensionUri: vscode.Uri,
    readonly runs: RunManager,
    private readonly output: vscode.LogOutputChannel,
  ) {
    for (const kind of Object.keys(panelViewTypes) as PanelKind[]) {
      this.subscriptions.push(
        vscode.window.registerWebviewPanelSerializer(panelViewTypes[kind], {
          deserializeWebviewPanel: async (panel, state) => {
            const restored = parsePanelState(state, kind);
            if (!restored) {
              this.log(`panel ${kind}: nothing to restore (no saved run folder); closing it`);
              panel.dispose();
              return;
            }
            this.adopt(panel, kind, restored.dirs, restored.ui);
          },
        }),
      );
    }
    this.feeds = new FeedRouter(runs, (line) => this.log(line));
    this.subscriptions.push(this.feeds);
  }

  log(line: string, level: 'info' | 'error' = 'info'): void {
    if (level === 'error') this.output.error(line);
    else this.output.info(line);
  }

  /** Open panels, for the integration tests: kind and run folders. */
  get open(): { kind: PanelKind; dirs: string[]; visible: boolean; lastSeq: number }[] {
    return [...this.panels].map((p) => ({ kind: p.kind, dirs: p.dirs, visible: p.panel.visible, lastSeq: p.feed.lastSeq }));
  }

  showRun(dir: string, options: { preserveFocus?: boolean; beside?: boolean; jobs?: string[] } = {}): void {
    this.show('run', [dir], options);
  }

  refreshRun(dir: string): void {
    this.feeds.refreshDir(dir);
  }

  showComparison(dir: string, jobs?: string[]): void {
    this.show('comparison', [dir], { jobs });
  }

  showTable(dir: string): void {
    this.show('table', [dir]);
  }

  showOverlay(dirs: string[]): void {
    this.show('overlay', dirs);
  }

  /** `jobs` (run and comparison panels, from the experiments table) narrows the panel to those jobs. */
  private show(kind: PanelKind, dirs: string[], options: { preserveFocus?: boolean; beside?: boolean; jobs?: string[] } = {}): void {
    const existing = [...this.panels].find((p) => p.kind === kind && p.dirs.length === dirs.length && p.dirs.every((d, i) => samePath(d, dirs[i])));
    const column = options.beside ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    if (existing) {
      existing.panel.reveal(undefined, options.preserveFocus);
      if (options.jobs) existing.focus(options.jobs);
      return;
    }
    // No retainContextWhenHidden: a hidden panel is torn down and rebuilt from a snapshot.
    const panel = vscode.window.createWebviewPanel(panelViewTypes[kind], panelTitle(kind, dirs), { viewColumn: column, preserveFocus: options.preserveFocus }, { enableScripts: true });
    this.adopt(panel, kind, dirs, options.jobs ? { jobs: options.jobs } : {});
  }

  private adopt(panel: vscode.WebviewPanel, kind: PanelKind, dirs: string[], ui: PanelUiState): void {
    this.panels.add(new ManagedPanel(panel, kind, dirs, ui, this));
  }

  forget(panel: ManagedPanel): void {
    this.panels.delete(panel);
  }

  dispose(): void {
    for (const p of [...this.panels]) p.panel.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
