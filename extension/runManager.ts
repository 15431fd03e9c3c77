/**
 * The run in progress, as the host knows it: started through the engine client, followed through
 * its progress batches, ended exactly once. One run at a time (the engine trains on one thread).
 * It holds the live run's records (every metric point, every finished job's entry) as the engine
 * sent them: the panels' snapshots of a live run come from here (panels/panelFeeds.ts).
 * When the engine could not finish a run itself (it died, or was killed so that Stop takes effect
 * within a second), the run's summary.json gets its final status here. Plain Node: no 'vscode'.
 */
import { Emitter, type Event } from 'vscode-jsonrpc/node';
import type { JobOutcome, MetricPoint, PlannedJob, RunProgressParams } from '../engine/contract/engineProtocol';
import type { JobSummary } from '../engine/contract/records';
import { EngineClient, EngineError, type RunEnd } from './engineClient';
import { markRunEnded, newRunFolder, samePath } from './runStore';
import { errorMessage } from '../engine/contract/errors';
import { formatDuration } from '../engine/contract/durations';
import { RunEta } from '../engine/contract/eta';
import type { ProgressState } from './format';

/** A finished job's entry with how long it took (summary.json's `seconds`). */
export type TimedJobSummary = JobSummary & { seconds: number };

export interface ActiveRun {
  runId: string;
  experimentFile: string;
  outDir: string;
  onlyModels: string[] | null;
  startedAt: Date;
  state: 'starting' | 'running' | 'stopping';
  jobs: PlannedJob[];
  totalSteps: number;
  data: string | null;
  doneSteps: number;
  currentJob: string | null;
  /** Jobs started so far (several run at once on the engine's compute pool). */
  startedJobs: Set<string>;
  /** The last logged point of each job. */
  latest: Map<string, MetricPoint>;
  finishedJobs: JobOutcome[];
  /** Every metric point of the run so far, in the order the engine sent them. */
  records: MetricPoint[];
  /** The finished jobs' entries (summary.json's runs[] without files, with the job's seconds), in plan order as summary.json keeps them. */
  entries: TimedJobSummary[];
  /** The last batch's sequence number (-1 before the first). */
  lastSeq: number;
  cancelRequestedAt: number | null;
  /** The work done (steps weighted by job cost) and the ETA at the last progress batch; null before one. */
  work: { done: number; total: number; remainingSeconds: number | null; at: number } | null;
  eta: RunEta;
}

/** What the status bar, lenses, views and notification show of a run in progress. */
export function progressOf(run: ActiveRun, now = Date.now()): ProgressState {
  const w = run.work;
  const remainingSeconds = w && w.remainingSeconds !== null ? Math.max(0, w.remainingSeconds - (now - w.at) / 1000) : w ? null : undefined;
  return {
    doneSteps: run.doneSteps,
    totalSteps: run.totalSteps,
    jobId: run.currentJob,
    elapsedSeconds: (now - run.startedAt.getTime()) / 1000,
    ...(w ? { workFraction: w.total > 0 ? Math.min(1, w.done / w.total) : 0, remainingSeconds } : {}),
  };
}

export interface FinishedRun {
  run: ActiveRun;
  end: RunEnd;
  /** Milliseconds from the Stop request to the end of the run, when there was one. */
  cancelLatencyMs: number | null;
}

export interface StartRequest {
  experimentFile: string;
  /** `<workspace>/.iwl/runs`: the run goes to `<resultsRoot>/<file name>/<start time>/`. */
  resultsRoot: string;
  displayPath?: string;
  onlyModels?: string[];
  /** Worker processes for the run's jobs (the infiniteWidthLab.workers setting); absent: the engine's default. */
  workers?: number;
  /** Each gp job's factorization lanes (the infiniteWidthLab.factorLanes setting); absent: the engine's default, 'auto'. */
  factorLanes?: number | 'auto';
}

export class RunManager {
  private current: ActiveRun | null = null;
  private counter = 0;
  private readonly changeEmitter = new Emitter<ActiveRun | null>();
  private readonly finishEmitter = new Emitter<FinishedRun>();
  private readonly metricsEmitter = new Emitter<{ run: ActiveRun; points: MetricPoint[] }>();
  /** Fires when a run starts, progresses, is asked to stop or ends (null: nothing running). */
  readonly onDidChange: Event<ActiveRun | null> = this.changeEmitter.event;
  readonly onDidFinish: Event<FinishedRun> = this.finishEmitter.event;
  /** The metric points of each batch, in order: what live charts consume. */
  readonly onMetrics: Event<{ run: ActiveRun; points: MetricPoint[] }> = this.metricsEmitter.event;
  private readonly subscription: { dispose(): void };

  constructor(
    readonly client: EngineClient,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.subscription = client.onProgress((batch) => this.apply(batch));
  }

  get active(): ActiveRun | null {
    return this.current;
  }

  /** Whether the run writing `dir` is live in this session (the rest with status running were interrupted). */
  isLive(dir: string): boolean {
    return this.current !== null && samePath(this.current.outDir, dir);
  }

  async start(request: StartRequest): Promise<ActiveRun> {
    if (this.current) {
      throw new EngineError('busy', `a run is in progress (${this.current.runId}); stop it before starting another`);
    }
    const startedAt = new Date();
    const outDir = newRunFolder(request.resultsRoot, request.experimentFile, startedAt);
    const runId = `run-${startedAt.getTime().toString(36)}-${++this.counter}`;
    const run: ActiveRun = {
      runId,
      experimentFile: request.experimentFile,
      outDir,
      onlyModels: request.onlyModels ?? null,
      startedAt,
      state: 'starting',
      jobs: [],
      totalSteps: 0,
      data: null,
      doneSteps: 0,
      currentJob: null,
      startedJobs: new Set(),
      latest: new Map(),
      finishedJobs: [],
      records: [],
      entries: [],
      lastSeq: -1,
      cancelRequestedAt: null,
      work: null,
      eta: new RunEta(),
    };
    this.current = run;
    this.changeEmitter.fire(run);
    const what = request.onlyModels?.length ? `model${request.onlyModels.length > 1 ? 's' : ''} ${request.onlyModels.join(', ')} of ` : '';
    this.log(`run ${runId}: starting ${what}${request.displayPath ?? request.experimentFile} -> ${outDir}`);
    try {
      const handle = await this.client.startRun({
        runId,
        experimentFile: request.experimentFile,
        outDir,
        onlyModels: request.onlyModels,
        displayPath: request.displayPath,
        ...(request.workers ? { workers: request.workers } : {}),
        factorLanes: request.factorLanes,
      });
      if (run.state === 'starting') run.state = 'running';
      this.log(`run ${runId}: started in ${Date.now() - startedAt.getTime()} ms (engine pid ${this.client.pid}, ${this.client.info?.backend.detail ?? 'backend ?'})`);
      this.changeEmitter.fire(run);
      void handle.finished.then((end) => this.finish(run, end));
      return run;
    } catch (error) {
      this.current = null;
      this.changeEmitter.fire(null);
      this.log(`run ${runId}: did not start: ${errorMessage(error)}`);
      throw error;
    }
  }

  /** Stops the run in progress; resolves when it has ended. */
  async stop(): Promise<'stopped' | 'killed' | 'not-running'> {
    const run = this.current;
    if (!run) return 'not-running';
    if (run.cancelRequestedAt === null) {
      run.cancelRequestedAt = Date.now();
      run.state = 'stopping';
      this.log(`run ${run.runId}: stop requested`);
      this.changeEmitter.fire(run);
    }
    return this.client.cancelRun(run.runId);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
    this.finishEmitter.dispose();
    this.metricsEmitter.dispose();
  }

  private apply(batch: RunProgressParams): void {
    const run = this.current;
    if (!run || batch.runId !== run.runId) return;
    if (batch.seq !== run.lastSeq + 1) this.log(`run ${run.runId}: progress batch ${batch.seq} arrived after ${run.lastSeq} (some updates were lost)`);
    run.lastSeq = batch.seq;
    if (batch.planned) {
      run.jobs = batch.planned.jobs;
      run.totalSteps = batch.planned.totalSteps;
      run.data = batch.planned.data;
      this.log(`run ${run.runId}: ${batch.planned.jobs.length} job${batch.planned.jobs.length === 1 ? '' : 's'}, ${batch.planned.totalSteps} steps in all; data: ${batch.planned.data}`);
    }
    for (const id of batch.jobsStarted) {
      run.currentJob = id;
      run.startedJobs.add(id);
      this.log(`run ${run.runId}: ${id} started`);
    }
    for (const point of batch.metrics) {
      run.latest.set(point.id, point);
      run.records.push(point);
    }
    if (batch.progress) {
      run.doneSteps = batch.progress.doneSteps;
      run.totalSteps = batch.progress.totalSteps;
      run.currentJob = batch.progress.jobId;
      const { doneWork, totalWork } = batch.progress;
      if (doneWork !== undefined && totalWork !== undefined) {
        const now = Date.now();
        run.work = { done: doneWork, total: totalWork, remainingSeconds: run.eta.remaining(doneWork, totalWork, (now - run.startedAt.getTime()) / 1000), at: now };
      }
    }
    for (const outcome of batch.jobsFinished) {
      run.finishedJobs.push(outcome);
      addInPlanOrder(run, { ...outcome.summary, seconds: outcome.seconds });
      const f = outcome.final;
      const figures = f ? `, step ${f.step}: test loss ${f.testLoss.toPrecision(4)}${f.testAccuracy !== undefined ? `, accuracy ${(f.testAccuracy * 100).toFixed(1)}%` : ''}` : '';
      this.log(`run ${run.runId}: ${outcome.id} ${outcome.status} in ${formatDuration(outcome.seconds)}${figures}${outcome.error ? `: ${outcome.error}` : ''}`);
    }
    for (const line of batch.logs) this.log(`run ${run.runId}: ${line}`);
    if (batch.metrics.length) this.metricsEmitter.fire({ run, points: batch.metrics });
    this.changeEmitter.fire(run);
  }

  private finish(run: ActiveRun, end: RunEnd): void {
    if (end.engineExit) {
      try {
        markRunEnded(run.outDir, end.status === 'cancelled' ? 'cancelled' : 'failed', end.error ?? `the engine ${end.engineExit.reason}`);
      } catch (error) {
        this.log(`run ${run.runId}: could not record its end in ${run.outDir}: ${errorMessage(error)}`);
      }
    }
    const cancelLatencyMs = run.cancelRequestedAt === null ? null : Date.now() - run.cancelRequestedAt;
    const latency = cancelLatencyMs === null ? '' : ` (${cancelLatencyMs} ms after Stop)`;
    this.log(`run ${run.runId}: ${end.status} after ${formatDuration(end.seconds)}${latency}${end.error ? `: ${end.error}` : ''}`);
    if (this.current === run) this.current = null;
    this.finishEmitter.fire({ run, end, cancelLatencyMs });
    this.changeEmitter.fire(null);
  }
}

/** Adds a finished job's entry where the plan puts it (parallel jobs finish in any order). */
function addInPlanOrder(run: ActiveRun, entry: TimedJobSummary): void {
  const place = (id: string) => {
    const i = run.jobs.findIndex((j) => j.id === id);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  const at = run.entries.findIndex((e) => place(e.id) > place(entry.id));
  if (at < 0) run.entries.push(entry);
  else run.entries.splice(at, 0, entry);
}
