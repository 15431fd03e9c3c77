/**
 * What one panel is sent, and when: the snapshot-then-deltas discipline, separate from VS Code so
 * it is tested in Node. The panel says `ready` -> the feed takes a snapshot of the run store
 * (`load`: the live run's records are taken at that instant, the folder's status and title are
 * read after) and posts it numbered s; points that arrive after the instant are held and follow
 * as deltas s+1, s+2, ..., so every point reaches the panel exactly once. A hidden panel is sent
 * nothing; its webview reloads when shown, says `ready` again and gets a fresh snapshot.
 * `resync` (the panel saw a gap) also gets a fresh snapshot.
 */
import type { MetricPoint, PanelKind, PanelUiState, RunData, RunProgress, RunStatus, ToPanel } from '../../webview/protocol';
import { errorMessage } from '../../engine/contract/errors';
import { CoalescedRefresh } from '../coalesce';

export interface FeedOptions {
  kind: PanelKind;
  /** Posts to the webview; false or a rejection means it was not delivered. */
  post(message: ToPanel): PromiseLike<boolean> | boolean;
  /**
   * The panel's runs from the run store. Called at the instant the snapshot is taken: what it
   * holds of a live run must be taken before its first await (deltas from then on are held).
   */
  load(): Promise<RunData[]>;
  log?(line: string): void;
}

interface Pending {
  dir: string;
  records: MetricPoint[];
  progress: RunProgress | null;
  status: RunStatus;
}

export class PanelFeed {
  private seq = 0;
  private ready = false;
  private visible = true;
  private readonly snapshots = new CoalescedRefresh(() => this.snapshotPass(), () => this.releaseHeld());
  private held: Pending[] = [];
  private disposed = false;
  /** The selection the panel last reported: sent back with snapshots. */
  ui: PanelUiState = {};

  constructor(private readonly options: FeedOptions) {}

  /** The webview loaded (or reloaded) and listens. */
  onReady(): Promise<void> {
    this.ready = true;
    return this.sendSnapshot();
  }

  /** The panel saw a gap in the sequence numbers. */
  onResync(): Promise<void> {
    return this.sendSnapshot();
  }

  /**
   * Visibility changed. Hidden: stop sending (VS Code tears the webview down; it will say ready
   * when shown). Shown: a webview VS Code kept alive gets a fresh snapshot straight away.
   */
  onVisibility(visible: boolean): Promise<void> {
    const was = this.visible;
    this.visible = visible;
    if (!visible) {
      this.ready = false;
      this.held = [];
      return Promise.resolve();
    }
    if (!was) return this.sendSnapshot();
    return Promise.resolve();
  }

  /** New points of a live run. Sent only to a ready, visible panel; held while a snapshot loads. */
  onPoints(dir: string, records: MetricPoint[], progress: RunProgress | null, status: RunStatus): void {
    if (this.disposed || !this.visible || !this.ready) return;
    if (this.snapshots.busy) {
      this.held.push({ dir, records, progress, status });
      return;
    }
    this.postDelta({ dir, records, progress, status });
  }

  /** The data changed in ways deltas do not carry (a job finished, the run ended): send a fresh snapshot. */
  refresh(): Promise<void> {
    if (!this.ready || !this.visible) return Promise.resolve();
    return this.sendSnapshot();
  }

  get lastSeq(): number {
    return this.seq;
  }

  dispose(): void {
    this.disposed = true;
    this.held = [];
  }

  private sendSnapshot(): Promise<void> {
    return this.snapshots.request();
  }

  /** One snapshot: the deltas held from here on follow it. */
  private async snapshotPass(): Promise<void> {
    this.held = [];
    let runs: RunData[];
    try {
      runs = await this.options.load();
    } catch (error) {
      this.options.log?.(`panel ${this.options.kind}: could not read its runs: ${errorMessage(error)}`);
      runs = [];
    }
    if (this.disposed || !this.visible || !this.ready) return;
    await this.deliver({ type: 'snapshot', seq: ++this.seq, kind: this.options.kind, runs, ui: this.ui });
  }

  /** After the last snapshot of a burst: the points that arrived meanwhile, in order. */
  private releaseHeld(): void {
    const held = this.held;
    this.held = [];
    if (this.disposed || !this.visible || !this.ready) return;
    for (const h of held) this.postDelta(h);
  }

  private postDelta(p: Pending): void {
    if (!p.records.length && p.progress === null) return;
    void this.deliver({ type: 'delta', seq: ++this.seq, dir: p.dir, records: p.records, progress: p.progress, status: p.status });
  }

  private async deliver(message: ToPanel): Promise<void> {
    try {
      const ok = await this.options.post(message);
      if (!ok) this.options.log?.(`panel ${this.options.kind}: ${message.type} ${'seq' in message ? message.seq : ''} was not delivered (the panel is closing or hidden)`);
    } catch (error) {
      this.options.log?.(`panel ${this.options.kind}: posting ${message.type} failed: ${errorMessage(error)}`);
    }
  }
}
