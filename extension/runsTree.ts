/**
 * The Runs view: experiments -> runs (newest first) -> jobs with their final figures. Read from
 * disk through the run index; the run in progress shows its live jobs and progress; a cluster run
 * (Run on Slurm) not yet merged for good shows its shards' states as slurmHost.ts last saw them.
 */
import * as vscode from 'vscode';
import type { RunSummaryEntry } from '../engine/contract/records';
import { isSubmittedClusterRun, type StoredRun } from './runStore';
import type { IndexedExperiment, RunIndex } from './runIndex';
import { progressOf, type ActiveRun, type RunManager } from './runManager';
import { formatFigure, formatPercent, progressText } from './format';
import { commandIds } from './commandIds';
import { RefreshTimer } from './coalesce';
import { formatDuration } from '../engine/contract/durations';
import { experimentNameOf } from './runTitles';
import { shardsEnded, type ClusterState } from './slurmRuns';

export type RunsNode =
  | { kind: 'experiment'; experiment: IndexedExperiment; showRoot: boolean }
  | { kind: 'run'; run: StoredRun }
  | { kind: 'job'; run: StoredRun; entry: RunSummaryEntry }
  | { kind: 'liveJob'; run: StoredRun; id: string; figures: string }
  | { kind: 'shard'; run: StoredRun; shard: number; state: string; detail: string };

/** What the tree needs of the cluster runs' follower (slurmHost.ts). */
export interface ClusterStates {
  state(dir: string): ClusterState | undefined;
  onDidChange: vscode.Event<unknown>;
}

const statusIcons: Record<StoredRun['status'], [string, string?]> = {
  running: ['sync~spin'],
  completed: ['pass', 'testing.iconPassed'],
  cancelled: ['circle-slash'],
  failed: ['error', 'testing.iconFailed'],
  interrupted: ['warning', 'list.warningForeground'],
};

function icon(name: string, color?: string): vscode.ThemeIcon {
  return new vscode.ThemeIcon(name, color ? new vscode.ThemeColor(color) : undefined);
}

export function figuresOf(entry: { final: { testLoss: number; testAccuracy?: number | null } | null }): string {
  const f = entry.final;
  if (!f) return '';
  const acc = f.testAccuracy !== null && f.testAccuracy !== undefined ? ` · acc ${formatPercent(f.testAccuracy)}` : '';
  return `test loss ${formatFigure(f.testLoss)}${acc}`;
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<RunsNode | undefined>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly repaint = new RefreshTimer(() => this.emitter.fire(undefined));
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(
    private readonly index: RunIndex,
    private readonly runs: RunManager,
    private readonly clusters: ClusterStates,
  ) {
    this.subscriptions.push(
      this.emitter,
      clusters.onDidChange(() => this.emitter.fire(undefined)),
      index.onDidChange(() => this.emitter.fire(undefined)),
      // While a run streams, the tree repaints at most once a second.
      runs.onDidChange(() => this.repaint.soon(1000)),
    );
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) {
      const all = this.index.all;
      const roots = new Set(all.map((e) => e.root));
      return all.map((experiment) => ({ kind: 'experiment', experiment, showRoot: roots.size > 1 }));
    }
    if (node.kind === 'experiment') return node.experiment.runs.map((run) => ({ kind: 'run', run }));
    if (node.kind === 'run') {
      const active = this.liveRun(node.run);
      if (active) return this.liveJobs(node.run, active);
      const cluster = this.goingCluster(node.run);
      if (cluster) return cluster.shardStates.map((s, shard) => ({ kind: 'shard', run: node.run, shard, state: s.state, detail: s.detail }));
      return (node.run.summary?.runs ?? []).map((entry) => ({ kind: 'job', run: node.run, entry }));
    }
    return [];
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'experiment': {
        const item = new vscode.TreeItem(node.experiment.key, vscode.TreeItemCollapsibleState.Expanded);
        const n = node.experiment.runs.length;
        item.description = `${n} run${n === 1 ? '' : 's'}${node.showRoot ? ` · ${node.experiment.root}` : ''}`;
        item.iconPath = icon('beaker');
        item.contextValue = 'experiment';
        item.resourceUri = vscode.Uri.file(node.experiment.dir);
        item.tooltip = node.experiment.dir;
        return item;
      }
      case 'run': {
        const run = node.run;
        const item = new vscode.TreeItem(run.startedAt.toLocaleString(), vscode.TreeItemCollapsibleState.Collapsed);
        const active = this.liveRun(run);
        const seconds = run.summary?.seconds;
        const parts: string[] = [run.status];
        if (active && active.totalSteps) {
          parts.push(progressText({ ...progressOf(active), jobId: null }));
        } else if (seconds !== undefined && run.status !== 'interrupted' && run.status !== 'running') parts.push(formatDuration(seconds));
        const cluster = this.goingCluster(run);
        if (isSubmittedClusterRun(run)) {
          parts.push(`Slurm ${run.cluster.jobId}`, cluster ? `${shardsEnded(cluster.shardStates)}/${cluster.shards} shards ended` : `${run.cluster.shards} shards`);
          if (cluster?.message) parts.push(cluster.message);
        }
        if (run.summary?.backend) parts.push(run.summary.backend);
        if (run.manifest?.onlyModels?.length) parts.push(run.manifest.onlyModels.join(', '));
        item.description = parts.join(' · ');
        const [name, color] = statusIcons[run.status];
        item.iconPath = icon(name, color);
        item.contextValue = `run.${run.status}`;
        if (isSubmittedClusterRun(run)) item.iconPath = icon('server-environment');
        const tip = new vscode.MarkdownString(undefined, true);
        tip.appendMarkdown(`**${experimentNameOf(run)}**, ${run.status}\n\n`);
        if (run.error) tip.appendText(`${run.error}\n\n`);
        if (run.manifest?.gitCommit) tip.appendText(`git ${run.manifest.gitCommit.slice(0, 10)}${run.manifest.gitDirty ? ' (uncommitted changes)' : ''}\n\n`);
        tip.appendText(run.dir);
        item.tooltip = tip;
        item.command = { title: 'Open Results', command: commandIds.openResults, arguments: [run.dir] };
        return item;
      }
      case 'job': {
        const e = node.entry;
        const item = new vscode.TreeItem(e.id, vscode.TreeItemCollapsibleState.None);
        item.description = e.status === 'completed' ? figuresOf(e) : `${e.status}${e.final ? ` · ${figuresOf(e)}` : ''}`;
        item.iconPath = icon(e.kind === 'infinite' ? 'symbol-constant' : 'symbol-variable');
        item.tooltip = `${e.model}: ${e.kind === 'infinite' ? `method ${e.method}` : `width ${e.width}, seed ${e.seed}, ${e.optimizer}${e.trainable ? `, ${e.trainable}` : ''}`}${e.error ? `\n${e.error}` : ''}`;
        item.contextValue = 'job';
        return item;
      }
      case 'shard': {
        const item = new vscode.TreeItem(`shard ${node.shard}`, vscode.TreeItemCollapsibleState.None);
        const detail = node.detail && node.detail !== 'None' && node.detail !== '0:0' ? ` · ${node.detail}` : '';
        item.description = `${node.state}${detail}`;
        item.iconPath = icon(node.state === 'RUNNING' ? 'sync~spin' : node.state === 'PENDING' ? 'clock' : node.state === 'COMPLETED' ? 'pass' : 'circle-outline');
        item.contextValue = 'shard';
        return item;
      }
      case 'liveJob': {
        const item = new vscode.TreeItem(node.id, vscode.TreeItemCollapsibleState.None);
        item.description = node.figures;
        item.iconPath = icon('pulse');
        item.contextValue = 'job.live';
        return item;
      }
    }
  }

  /** The cluster run's followed state while it is not merged for good. */
  private goingCluster(run: StoredRun): ClusterState | null {
    if (!isSubmittedClusterRun(run)) return null;
    const state = this.clusters.state(run.dir);
    return state && !state.final ? state : null;
  }

  private liveRun(run: StoredRun): ActiveRun | null {
    return this.runs.isLive(run.dir) ? this.runs.active : null;
  }

  private liveJobs(run: StoredRun, active: ActiveRun): RunsNode[] {
    return active.jobs.map((job) => {
      const done = active.finishedJobs.find((j) => j.id === job.id);
      const point = active.latest.get(job.id);
      const figures = done ? `${done.status}${done.final ? ` · ${figuresOf(done)}` : ''}` : point ? `step ${point.step}/${job.steps} · ${figuresOf({ final: point })}` : active.startedJobs.has(job.id) ? 'starting' : 'waiting';
      return { kind: 'liveJob', run, id: job.id, figures };
    });
  }

  dispose(): void {
    this.repaint.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
