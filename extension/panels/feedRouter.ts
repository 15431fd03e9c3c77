/**
 * The one path from the host's run store to the panels: each panel's feed takes its snapshots
 * from the store (panelData.ts: the live run's records as the run manager holds them, any other
 * run from its folder) and then gets the live run's new points as deltas, routed here from the
 * run manager's events. Comparison panels follow finished jobs (a fresh snapshot with the job
 * entries the store holds). Experiments tables get no deltas: a fresh snapshot of their rows
 * (tableRows.ts) when a job starts, logs its first point or finishes, and at most once per
 * `tableRefreshMs` while points stream, so running jobs' figures move. Every panel of a run gets a
 * final snapshot when it ends. Plain Node:
 * the tests drive it against the real engine.
 */
import type { PanelKind, PanelUiState, RunData, ToPanel } from '../../webview/protocol';
import type { ActiveRun, RunManager } from '../runManager';
import { PanelFeed } from './panelFeed';
import { liveRecordsOf, progressOf, readRunData } from './panelData';
import { RefreshTimer } from '../coalesce';
import { samePath } from '../runStore';

/** How often at most an experiments table is refreshed while a run's points stream. */
export const tableRefreshMs = 1000;

export interface FeedRequest {
  kind: PanelKind;
  dirs: string[];
  ui?: PanelUiState;
  post(message: ToPanel): PromiseLike<boolean> | boolean;
}

interface Routed {
  kind: PanelKind;
  dirs: string[];
  /** The finished jobs a comparison panel's last snapshot was taken after; for a table, its finished, started and logging jobs. */
  jobsSeen: string;
  /** A table's refresh while points stream. */
  timer: RefreshTimer | null;
}

/** What makes a panel's job-level data change: comparison panels show finished jobs, tables every job's state. */
function jobsSeen(kind: PanelKind, run: ActiveRun): string {
  return kind === 'table' ? `${run.finishedJobs.length} ${run.startedJobs.size} ${run.latest.size}` : String(run.finishedJobs.length);
}


export class FeedRouter {
  private readonly feeds = new Map<PanelFeed, Routed>();
  private readonly subscriptions: { dispose(): void }[];

  constructor(
    private readonly runs: RunManager,
    private readonly log: (line: string) => void = () => undefined,
    /** How often at most an open experiments table is refreshed while points stream. */
    private readonly tableEveryMs = tableRefreshMs,
  ) {
    this.subscriptions = [
      runs.onMetrics(({ run, points }) => {
        for (const [feed, r] of this.feeds) {
          const dir = r.kind === 'comparison' ? undefined : r.dirs.find((d) => samePath(d, run.outDir));
          if (!dir) continue;
          if (r.timer) r.timer.soon(this.tableEveryMs);
          else feed.onPoints(dir, points, progressOf(run), 'running');
        }
      }),
      runs.onDidChange((run) => {
        if (!run) return;
        for (const [feed, r] of this.feeds) {
          if ((r.kind !== 'comparison' && r.kind !== 'table') || !r.dirs.some((d) => samePath(d, run.outDir))) continue;
          const seen = jobsSeen(r.kind, run);
          if (seen === r.jobsSeen) continue;
          r.jobsSeen = seen;
          void feed.refresh();
        }
      }),
      runs.onDidFinish(({ run }) => {
        for (const [feed, r] of this.feeds) if (r.dirs.some((d) => samePath(d, run.outDir))) void feed.refresh();
      }),
    ];
  }

  /** The run store's data of one run folder, for a snapshot taken now. */
  snapshotOf(dir: string, kind: PanelKind = 'run'): Promise<RunData> {
    const active = this.runs.active;
    return readRunData(dir, active && samePath(active.outDir, dir) ? liveRecordsOf(active) : null, { table: kind === 'table' });
  }

  /** A feed for a new panel; `close` it when the panel goes. */
  open(request: FeedRequest): PanelFeed {
    const feed = new PanelFeed({
      kind: request.kind,
      post: request.post,
      load: () => Promise.all(request.dirs.map((d) => this.snapshotOf(d, request.kind))),
      log: this.log,
    });
    if (request.ui) feed.ui = request.ui;
    const timer = request.kind === 'table' ? new RefreshTimer(() => void feed.refresh()) : null;
    this.feeds.set(feed, { kind: request.kind, dirs: request.dirs, jobsSeen: '', timer });
    return feed;
  }

  /** A fresh snapshot from disk for every panel of a run folder written outside this engine (a cluster run's merges). */
  refreshDir(dir: string): void {
    for (const [feed, r] of this.feeds) if (r.dirs.some((d) => samePath(d, dir))) void feed.refresh();
  }

  close(feed: PanelFeed): void {
    this.feeds.get(feed)?.timer?.dispose();
    feed.dispose();
    this.feeds.delete(feed);
  }

  dispose(): void {
    for (const [feed, r] of this.feeds) {
      r.timer?.dispose();
      feed.dispose();
    }
    this.feeds.clear();
    for (const s of this.subscriptions) s.dispose();
  }
}
