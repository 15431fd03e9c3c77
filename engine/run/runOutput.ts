/**
 * A run's folder on disk, written as the run goes so that nothing computed is lost on cancel or crash:
 *   metrics.jsonl        one whole JSON object per line, appended at every logged step (lines of jobs
 *                        running side by side on the compute pool interleave; each names its run and step)
 *   summary.json         rewritten atomically after every job (status "running" until the end)
 *   predictions/<id>.npy final test predictions [nTest, outputs], float64
 *   <experiment file>    a copy of the experiment as it was run
 * The records' types and readers are engine/contract/records.ts; the VS Code extension's run store
 * reads the same layout through them.
 */
import { appendFileSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomicWrite';
import { basename, join } from 'node:path';
import { writeNpy } from '../util/npy';
import type { Experiment } from '../experiment/experimentTypes';
import type { JobResult, RunEvent } from './runExperiment';
import { bestPoints } from '../contract/runTable';
import { metricsFileName, summaryFileName, type DataSummary, type EndStatus, type JobSummary, type MetricRecord, type RunSummary } from '../contract/records';

/** A file name for a job id: model names are free text, ids contain '/'. */
export function predictionsFileName(id: string): string {
  return `${id.replace(/[^A-Za-z0-9._-]+/g, '_')}.npy`;
}

/**
 * A finished job as summary.json's runs[] records it, without its files and timing: also what the
 * engine sends the host when the job finishes (engine/contract/engineProtocol.ts JobOutcome.summary).
 */
export function jobSummaryOf(result: JobResult): JobSummary {
  const { job, final } = result;
  return {
    id: job.id,
    model: job.model.name,
    kind: job.kind,
    method: job.kind === 'infinite' ? job.model.method : null,
    optimizer: job.model.optimizer.name,
    trainable: job.kind === 'finite' ? job.model.trainable : null,
    width: job.width,
    seed: job.seed,
    status: result.status,
    final: final
      ? {
          step: final.step,
          trainLoss: final.trainLoss,
          testLoss: final.testLoss,
          testAccuracy: final.testAccuracy ?? null,
          ...(final.validationLoss !== undefined ? { validationLoss: final.validationLoss, validationAccuracy: final.validationAccuracy ?? null } : {}),
        }
      : null,
    rmseToLimit: final?.rmseToLimit ?? null,
    limit: job.limitId,
    point: job.point ?? {},
  };
}

export class RunOutput {
  readonly summary: RunSummary;
  private readonly metricsPath: string;
  private readonly started = Date.now();
  /** Each job's place in the plan: summary.runs keep that order though parallel jobs finish in any order. */
  private readonly planOrder = new Map<string, number>();
  /** `select.metric`: each model's best point is kept in summary.best (only with a validation split). */
  private readonly selectBy: 'validationLoss' | 'validationAccuracy' | null;

  constructor(
    readonly dir: string,
    experiment: Experiment,
    experimentFile: string,
    backend: { name: string; detail: string },
    versions: Record<string, string>,
  ) {
    this.selectBy = experiment.select && experiment.data.validation !== undefined ? experiment.select.metric : null;
    mkdirSync(join(dir, 'predictions'), { recursive: true });
    this.metricsPath = join(dir, metricsFileName);
    writeFileSync(this.metricsPath, '');
    copyFileSync(experimentFile, join(dir, basename(experimentFile)));
    this.summary = {
      status: 'running',
      experiment: experiment.name,
      experimentFile: basename(experimentFile),
      startedAt: new Date(this.started).toISOString(),
      finishedAt: null,
      seconds: 0,
      backend: backend.name,
      backendDetail: backend.detail,
      versions,
      seed: experiment.seed,
      data: null,
      runs: [],
    };
    this.writeSummary();
  }

  /** Writes what a run event means for the run folder (data, metrics, results); other events change nothing here. */
  recordEvent(event: RunEvent): void {
    switch (event.type) {
      case 'planned': {
        event.plan.jobs.forEach((job, i) => this.planOrder.set(job.id, i));
        const d = event.dataset;
        this.setData({ task: d.task, train: d.xTrain.rows, test: d.xTest.rows, inputDim: d.inputDim, outputs: d.outputs, description: d.description });
        break;
      }
      case 'metrics':
        this.appendMetrics([event.record]);
        break;
      case 'jobFinished':
        this.addResult(event.result);
        break;
    }
  }

  setData(data: DataSummary): void {
    this.summary.data = data;
    this.writeSummary();
  }

  appendMetrics(records: MetricRecord[]): void {
    if (records.length) appendFileSync(this.metricsPath, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }

  addResult(result: JobResult): void {
    const { job } = result;
    let predictionsFile: string | null = null;
    if (result.predictions) {
      predictionsFile = join('predictions', predictionsFileName(job.id));
      const rows = result.predictions.length / result.outputs;
      writeNpy(join(this.dir, predictionsFile), Float64Array.from(result.predictions), [rows, result.outputs]);
    }
    this.summary.runs.push({
      ...jobSummaryOf(result),
      predictionsFile,
      seconds: result.seconds,
      info: result.info,
      ...(result.error ? { error: result.error } : {}),
    });
    const place = (id: string) => this.planOrder.get(id) ?? Number.MAX_SAFE_INTEGER;
    this.summary.runs.sort((a, b) => place(a.id) - place(b.id));
    if (this.selectBy) this.summary.best = bestPoints(this.summary.runs, this.selectBy);
    this.writeSummary();
  }

  finish(status: EndStatus, error?: string): void {
    this.summary.status = status;
    this.summary.finishedAt = new Date().toISOString();
    if (error) this.summary.error = error;
    this.writeSummary();
  }

  private writeSummary(): void {
    this.summary.seconds = (Date.now() - this.started) / 1000;
    const path = join(this.dir, summaryFileName);
    writeFileAtomic(path, JSON.stringify(this.summary, null, 2) + '\n');
  }
}
