/**
 * One run inside the engine process: runExperiment's events go to the run folder (RunOutput) and,
 * batched, to the host. Whatever happens, the summary ends with a final status and the host gets
 * exactly one `runFinished`.
 */
import type { Experiment } from '../experiment/experimentTypes';
import { runExperiment, type RunEvent, type RunOptions } from '../run/runExperiment';
import { jobSummaryOf, RunOutput } from '../run/runOutput';
import { errorMessage } from '../contract/errors';
import type { JobOutcome, RunFinishedParams, RunProgressParams, StartRunParams } from '../contract/engineProtocol';
import { ProgressBatcher } from './progressBatcher';
import { defaultWorkers } from '../run/pool';
import type { BackendName } from '../backend';

export interface RunSessionOptions {
  params: StartRunParams;
  experiment: Experiment;
  output: RunOutput;
  trainers: RunOptions['trainers'];
  /** The backend the pool's workers start: the engine's own. */
  backend?: BackendName;
  sendProgress(batch: RunProgressParams): void;
  sendFinished(finished: RunFinishedParams): void;
  batchIntervalMs?: number;
}

export class RunSession {
  private readonly controller = new AbortController();
  private readonly batcher: ProgressBatcher;
  private readonly started = Date.now();

  constructor(private readonly options: RunSessionOptions) {
    this.batcher = new ProgressBatcher(options.params.runId, options.sendProgress, options.batchIntervalMs ?? 100);
  }

  get runId(): string {
    return this.options.params.runId;
  }

  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }

  cancel(): void {
    this.controller.abort();
  }

  /** Runs to the end (completed, cancelled or failed); never rejects. */
  async run(): Promise<void> {
    const { output, experiment, params } = this.options;
    this.batcher.start();
    let status: RunFinishedParams['status'] = 'failed';
    let error: string | undefined;
    try {
      const outcome = await runExperiment(experiment, {
        signal: this.controller.signal,
        trainers: this.options.trainers,
        onlyModels: params.onlyModels,
        workers: params.workers ?? defaultWorkers(),
        factorLanes: params.factorLanes,
        backend: this.options.backend,
        onEvent: (event) => this.onEvent(event),
      });
      status = outcome.status;
      error = outcome.error ?? outcome.results.find((r) => r.status === 'failed')?.error;
    } catch (caught) {
      status = this.controller.signal.aborted ? 'cancelled' : 'failed';
      error = status === 'failed' ? errorMessage(caught) : undefined;
      if (error) this.batcher.log(`run failed: ${error}`);
    }
    try {
      output.finish(status, status === 'failed' ? error : undefined);
    } catch (caught) {
      status = 'failed';
      error = `could not write summary.json in ${output.dir}: ${errorMessage(caught)}`;
    }
    this.batcher.stop();
    const finished: RunFinishedParams = { runId: params.runId, status, seconds: (Date.now() - this.started) / 1000, outDir: output.dir };
    if (status === 'failed' && error) finished.error = error;
    this.options.sendFinished(finished);
  }

  private onEvent(event: RunEvent): void {
    this.options.output.recordEvent(event);
    switch (event.type) {
      case 'planned': {
        const d = event.dataset;
        const jobs = event.plan.jobs.map((j) => ({ id: j.id, model: j.model.name, kind: j.kind, width: j.width, seed: j.seed, steps: j.model.steps, optimizer: j.model.optimizer.name, point: j.point ?? {} }));
        this.batcher.planned(jobs, event.plan.totalSteps, d.description);
        break;
      }
      case 'jobStarted':
        this.batcher.jobStarted(event.job.id);
        break;
      case 'metrics':
        this.batcher.metrics({ ...event.record });
        break;
      case 'step':
        this.batcher.progress(event.job.id, event.step, event.doneSteps, event.totalSteps, { done: event.doneWork, total: event.totalWork });
        break;
      case 'jobFinished': {
        const r = event.result;
        const outcome: JobOutcome = { id: r.job.id, model: r.job.model.name, status: r.status, final: r.final ? { ...r.final } : null, seconds: r.seconds, summary: jobSummaryOf(r) };
        if (r.error) outcome.error = r.error;
        this.batcher.jobFinished(outcome);
        break;
      }
      case 'log':
        this.batcher.log(event.message);
        break;
    }
  }
}
