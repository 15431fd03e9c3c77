/**
 * Collects a run's events into `runProgress` batches: one notification about every `intervalMs`
 * instead of one per step, so that a fast run does not flood the IPC channel or the host.
 * A batch goes out from a timer, and also from `add` when the interval has passed (a trainer that
 * keeps the event loop busy still streams).
 */
import type { JobOutcome, MetricPoint, PlannedJob, RunProgressParams } from '../contract/engineProtocol';

export class ProgressBatcher {
  private seq = 0;
  private pending: RunProgressParams;
  private lastFlush: number;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly runId: string,
    private readonly send: (batch: RunProgressParams) => void,
    private readonly intervalMs = 100,
    private readonly now: () => number = Date.now,
  ) {
    this.pending = this.empty();
    this.lastFlush = now();
  }

  /** Starts the timer; `stop` flushes what is left and clears it. */
  start(): void {
    this.timer ??= setInterval(() => this.flush(), this.intervalMs);
    this.timer.unref?.();
  }

  planned(jobs: PlannedJob[], totalSteps: number, data: string): void {
    this.pending.planned = { jobs, totalSteps, data };
    this.touched();
  }

  jobStarted(id: string): void {
    this.pending.jobsStarted.push(id);
    this.touched();
  }

  metrics(point: MetricPoint): void {
    this.pending.metrics.push(point);
    this.touched();
  }

  jobFinished(outcome: JobOutcome): void {
    this.pending.jobsFinished.push(outcome);
    this.touched();
  }

  /** `work`: the steps weighted by each job's cost, for the ETA (engine/contract/eta.ts). */
  progress(jobId: string, step: number, doneSteps: number, totalSteps: number, work?: { done: number; total: number }): void {
    this.pending.progress = { jobId, step, doneSteps, totalSteps, ...(work ? { doneWork: work.done, totalWork: work.total } : {}) };
    this.touched();
  }

  /**
   * Log lines are rare (phases of a job, not steps) and often come right before a long synchronous
   * phase (a solve that blocks the timer), so each goes out at once with whatever is pending.
   */
  log(message: string): void {
    this.pending.logs.push(message);
    this.flush();
  }

  /** Sends the pending batch if it holds anything. */
  flush(): void {
    this.lastFlush = this.now();
    const batch = this.pending;
    const empty = !batch.planned && !batch.progress && !batch.jobsStarted.length && !batch.metrics.length && !batch.jobsFinished.length && !batch.logs.length;
    if (empty) return;
    this.pending = this.empty();
    batch.seq = this.seq++;
    this.send(batch);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush();
  }

  private touched(): void {
    if (this.now() - this.lastFlush >= this.intervalMs) this.flush();
  }

  private empty(): RunProgressParams {
    return { runId: this.runId, seq: -1, jobsStarted: [], metrics: [], jobsFinished: [], progress: null, logs: [] };
  }
}
