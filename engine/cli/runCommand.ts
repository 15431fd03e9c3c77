/**
 * `iwl run FILE --out DIR [--backend B] [--workers N] [--model NAME]... [--shard I/N] [--quiet]`: trains every model of an
 * experiment, headless. Progress on stderr; results in DIR (see engine/run/runOutput.ts).
 * Exit codes: 0 completed, 1 failed, 2 invalid file or arguments, 130 cancelled (Ctrl-C).
 */
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isBackendName, useBackend } from '../backend';
import { runExperiment } from '../run/runExperiment';
import { AUTO_LANES_MIN_TRAIN, defaultWorkers } from '../run/pool';
import { RunOutput } from '../run/runOutput';
import { trainFinite } from '../train/finite';
import { trainInfinite } from '../train/infinite';
import { version } from '../version';
import { errorMessage } from '../contract/errors';
import { CliCommand, ExitCode, parseArgs } from './io';
import { createProgress } from './progress';
import { formatDuration } from '../contract/durations';
import { formatDiagnostic, validateFile } from './experimentFile';
import { parseShardSpec } from '../run/shards';
import { ShardOutput } from '../run/shardOutput';

const usage = `Usage: iwl run FILE --out DIR [--backend wasm|cpu|tensorflow|webgpu] [--workers N] [--factor-lanes N|auto] [--model NAME]... [--shard I/N] [--quiet]

Trains every model of the experiment FILE (or only the named models) and writes to DIR:
  metrics.jsonl   one JSON object per logged step and run
  summary.json    status, timing, backend, versions and each run's final figures
  predictions/    final test predictions per run (.npy, [nTest, outputs])
  a copy of FILE
--workers N runs that many jobs (finite widths x seeds, infinite models) side by side, each in its
own worker process, with the same numbers as --workers 1 (default: every core, here ${defaultWorkers()};
fewer when they would not fit in memory together).
--factor-lanes N|auto computes each gp job's float32 Cholesky on N threads side by side, with the
same numbers as 1. auto (the default): from ${AUTO_LANES_MIN_TRAIN} training points, the --workers cores
shared among the jobs running at once; one lane below that, where more do not pay. On a machine that
other work shares, 1 is faster (2 lanes were faster at n = 8000 only while the machine was quiet).
--shard I/N runs only the I-th (from 0) of N parts of the jobs, balanced by their estimated cost,
and writes a shard folder (DIR gains shard.json); \`iwl merge\` joins the N folders into one run.
Progress goes to stderr. Ctrl-C stops within a second and keeps what was written (exit 130).`;

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'train the models of an experiment file, headless',
  usage,
  async run(args, io) {
    const parsed = parseArgs(args, { values: ['out', 'backend', 'model', 'workers', 'shard', 'factor-lanes'], switches: ['quiet'] });
    const models = parsed.lists.get('model') ?? [];
    const problems = [...parsed.unknown];
    if (parsed.positional.length !== 1) problems.push('expected exactly one experiment FILE');
    if (!parsed.values.has('out')) problems.push('--out DIR is required');
    const backend = parsed.values.get('backend') ?? 'wasm';
    if (!isBackendName(backend)) problems.push(`--backend must be one of wasm, cpu, tensorflow, webgpu; got '${backend}'`);
    const workersText = parsed.values.get('workers');
    const workers = workersText === undefined ? defaultWorkers() : Number(workersText);
    if (!Number.isInteger(workers) || workers < 1) problems.push(`--workers must be a whole number of at least 1; got '${workersText}'`);
    const lanesText = parsed.values.get('factor-lanes');
    const factorLanes: 'auto' | number = lanesText === 'auto' || lanesText === undefined ? 'auto' : Number(lanesText);
    if (factorLanes !== 'auto' && (!Number.isInteger(factorLanes) || factorLanes < 1)) problems.push(`--factor-lanes must be auto or a whole number of at least 1; got '${lanesText}'`);
    const shardText = parsed.values.get('shard');
    const shard = shardText === undefined ? null : parseShardSpec(shardText);
    if (typeof shard === 'string') problems.push(shard);
    if (problems.length) {
      io.stderr.write(problems.map((p) => `iwl run: ${p}`).join('\n') + `\n\n${usage}\n`);
      return ExitCode.invalid;
    }
    const file = resolve(io.cwd, parsed.positional[0]);
    const outDir = resolve(io.cwd, parsed.values.get('out')!);
    const displayPath = parsed.positional[0];
    const loaded = validateFile(displayPath, io.cwd);
    for (const d of loaded.diagnostics) io.stderr.write(formatDiagnostic(displayPath, d) + '\n');
    if (!loaded.experiment) return ExitCode.invalid;
    const experiment = loaded.experiment;
    const unknownModels = models.filter((m) => !experiment.models.some((x) => x.name === m));
    if (unknownModels.length) {
      io.stderr.write(`iwl run: no model named ${unknownModels.map((m) => `'${m}'`).join(', ')} in ${displayPath} (models: ${experiment.models.map((m) => m.name).join(', ')})\n`);
      return ExitCode.invalid;
    }

    const progress = createProgress(io.stderr, { quiet: parsed.switches.has('quiet') });
    const info = await useBackend(backend as Parameters<typeof useBackend>[0]);
    progress.line(`iwl run: ${experiment.name} on backend ${info.name} (${info.detail})`);
    const output = new RunOutput(outDir, experiment, file, info, { iwl: version, node: process.versions.node, tfjs: tf.version.tfjs });
    const shardOutput = shard && typeof shard !== 'string' ? new ShardOutput(outDir, shard, experiment, file) : null;
    if (shardOutput) progress.line(`iwl run: shard ${shardOutput.spec.index} of ${shardOutput.spec.count} (0-based)`);

    const controller = new AbortController();
    let interrupts = 0;
    const quitNow = () => {
      output.finish('cancelled');
      process.exit(ExitCode.cancelled);
    };
    const onSigint = () => {
      interrupts++;
      if (interrupts > 1) quitNow();
      progress.line('iwl run: stopping (Ctrl-C again to quit at once)');
      controller.abort();
      // Training checks for cancellation every step, but one long synchronous computation (a large
      // Cholesky or eigendecomposition) cannot be interrupted: whatever it is, stop within a second.
      // Everything finished so far is already on disk; the run in progress ends as cancelled.
      setTimeout(quitNow, 800).unref();
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);
    // Jobs running now (several on the pool): the progress line names one and counts the others.
    const inFlight = new Set<string>();
    try {
      const outcome = await runExperiment(experiment, {
        signal: controller.signal,
        trainers: { finite: trainFinite, infinite: trainInfinite },
        onlyModels: models.length ? models : undefined,
        selectJobs: shardOutput?.selectJobs,
        workers,
        factorLanes,
        backend: info.name,
        onEvent(event) {
          if (!shardOutput || shardOutput.records(event)) output.recordEvent(event);
          switch (event.type) {
            case 'planned':
              progress.line(`data: ${event.dataset.description}`);
              progress.line(`plan: ${event.plan.jobs.length} runs, ${event.plan.totalSteps} steps in all`);
              break;
            case 'jobStarted':
              inFlight.add(event.job.id);
              progress.line(`run ${event.job.id}: started${event.worker !== undefined ? ` (worker ${event.worker})` : ''}`);
              break;
            case 'step':
              progress.update(event.doneSteps, event.totalSteps, inFlight.size > 1 ? `${event.job.id} and ${inFlight.size - 1} more running` : event.job.id, { done: event.doneWork, total: event.totalWork });
              break;
            case 'jobFinished': {
              inFlight.delete(event.result.job.id);
              const f = event.result.final;
              const figures = f
                ? `train loss ${f.trainLoss.toPrecision(4)}, test loss ${f.testLoss.toPrecision(4)}` +
                  (f.testAccuracy !== undefined ? `, test accuracy ${(100 * f.testAccuracy).toFixed(1)}%` : '') +
                  (f.rmseToLimit !== undefined ? `, gap to limit ${f.rmseToLimit.toPrecision(3)}` : '')
                : 'no results';
              const why = event.result.error ? `: ${event.result.error}` : '';
              progress.line(`run ${event.result.job.id}: ${event.result.status}${why} (${figures}; ${formatDuration(event.result.seconds)})`);
              break;
            }
            case 'log':
              progress.line(event.message);
              break;
          }
        },
      });
      progress.done();
      output.finish(outcome.status, outcome.error);
      const summary = `iwl run: ${outcome.status} in ${formatDuration(output.summary.seconds)}; results in ${outDir}`;
      if (outcome.error) io.stderr.write(`iwl run: ${outcome.error}\n`);
      io.stderr.write(summary + '\n');
      return outcome.status === 'completed' ? ExitCode.ok : outcome.status === 'cancelled' ? ExitCode.cancelled : ExitCode.failed;
    } catch (error) {
      progress.done();
      output.finish('failed', errorMessage(error));
      throw error;
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    }
  },
};
