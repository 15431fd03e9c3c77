/**
 * The one path from the host's run store to the panels: each panel's feed takes its snapshots
 * from the store (panelData.ts: the live run's records as the run manager holds them, any other
 * run from its folder) and then gets the live run's new points as deltas, routed here from the
 * run manager's events. Comparison panels and experiments tables follow finished jobs (a fresh
 * snapshot with the job entries the store holds); every panel of a run gets a final snapshot when it ends. Plain Node:
 * the tests drive it against the real engine.
 */
import { resolve } from 'node:path';
import type { PanelKind, PanelUiState, RunData, ToPanel } from '../../webview/protocol';
import type { RunManager } from '../runManager';
import { PanelFeed } from './panelFeed';
import { liveRecordsOf, progressOf, readRunData } from './panelData';

export interface FeedRequest {
  kind: PanelKind;
  dirs: string[];
  ui?: PanelUiState;
  post(message: ToPanel): PromiseLike<boolean> | boolean;
}

interface Routed {
  kind: PanelKind;
  dirs: string[];
  /** The finished jobs a comparison panel's or table's last snapshot was taken after. */
  finishedJobs: number;
}

function same(a: string, b: string): boolean {
  return resolve(a) === resolve(b);
}

export class FeedRouter {
  private readonly feeds = new Map<PanelFeed, Routed>();
  private readonly subscriptions: { dispose(): void }[];

  constructor(
    private readonly runs: RunManager,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.subscriptions = [
      runs.onMetrics(({ run, points }) => {
        for (const [feed, r] of this.feeds) {
          const dir = r.kind === 'comparison' ? undefined : r.dirs.find((d) => same(d, run.outDir));
          if (dir) feed.onPoints(dir, points, progressOf(run), 'running');
        }
      }),
      runs.onDidChange((run) => {
        if (!run) return;
        for (const [feed, r] of this.feeds) {
          if ((r.kind !== 'comparison' && r.kind !== 'table') || !r.dirs.some((d) => same(d, run.outDir)) || run.finishedJobs.length === r.finishedJobs) continue;
          r.finishedJobs = run.finishedJobs.length;
          void feed.refresh();
        }
      }),
      runs.onDidFinish(({ run }) => {
        for (const [feed, r] of this.feeds) if (r.dirs.some((d) => same(d, run.outDir))) void feed.refresh();
      }),
    ];
  }

  /** The run store's data of one run folder, for a snapshot taken now. */
  snapshotOf(dir: string): Promise<RunData> {
    const active = this.runs.active;
    return readRunData(dir, active && same(active.outDir, dir) ? liveRecordsOf(active) : null);
  }

  /** A feed for a new panel; `close` it when the panel goes. */
  open(request: FeedRequest): PanelFeed {
    const feed = new PanelFeed({
      kind: request.kind,
      post: request.post,
      load: () => Promise.all(request.dirs.map((d) => this.snapshotOf(d))),
      log: this.log,
    });
    if (request.ui) feed.ui = request.ui;
    this.feeds.set(feed, { kind: request.kind, dirs: request.dirs, finishedJobs: -1 });
    return feed;
  }

  close(feed: PanelFeed): void {
    feed.dispose();
    this.feeds.delete(feed);
  }

  dispose(): void {
    for (const feed of this.feeds.keys()) feed.dispose();
    this.feeds.clear();
    for (const s of this.subscriptions) s.dispose();
  }
}
