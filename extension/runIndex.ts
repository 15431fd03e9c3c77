/**
 * The runs on disk, held in memory for the tree and the lenses (which must not touch the disk on
 * every paint): re-read when a run starts or ends, when summary.json files change under a results
 * folder, and when the settings move the results folder.
 */
import * as vscode from 'vscode';
import { listRuns, type StoredExperiment, type StoredRun } from './runStore';
import { resultsRoots, section } from './settings';
import { CoalescedRefresh, RefreshTimer } from './coalesce';

export interface IndexedExperiment extends StoredExperiment {
  root: string;
}

export class RunIndex implements vscode.Disposable {
  private experiments: IndexedExperiment[] = [];
  private watchers: vscode.Disposable[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly emitter = new vscode.EventEmitter<void>();
  private readonly timer = new RefreshTimer(() => void this.refresh());
  private readonly reader = new CoalescedRefresh(
    async () => {
      const roots = resultsRoots();
      const lists = await Promise.all(roots.map(async (root) => (await listRuns(root, this.isLive)).map((e) => ({ ...e, root }))));
      this.experiments = lists.flat();
    },
    () => this.emitter.fire(),
  );
  readonly onDidChange = this.emitter.event;

  constructor(private readonly isLive: (dir: string) => boolean) {
    this.watch();
    this.subscriptions.push(
      this.emitter,
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.watch();
        this.schedule(0);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${section}.resultsFolder`)) {
          this.watch();
          this.schedule(0);
        }
      }),
    );
  }

  get all(): IndexedExperiment[] {
    return this.experiments;
  }

  /** Every run, newest first. */
  get runs(): StoredRun[] {
    return this.experiments.flatMap((e) => e.runs).sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  }

  /** Re-reads after `delayMs` (several changes in a burst read once). */
  schedule(delayMs = 200): void {
    this.timer.restart(delayMs);
  }

  /** Re-reads now (a read already under way reads once more after it). */
  refresh(): Promise<void> {
    return this.reader.request();
  }

  private watch(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const setting = vscode.workspace.getConfiguration(section, folder.uri).get<string>('resultsFolder', '.iwl/runs') || '.iwl/runs';
      const pattern = new vscode.RelativePattern(folder, `${setting.replace(/\\/g, '/').replace(/\/+$/, '')}/**/summary.json`);
      const watcher = vscode.workspace.createFileSystemWatcher(pattern);
      const changed = () => this.schedule();
      this.watchers.push(watcher, watcher.onDidCreate(changed), watcher.onDidChange(changed), watcher.onDidDelete(changed));
    }
  }

  dispose(): void {
    this.timer.dispose();
    for (const w of this.watchers) w.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
