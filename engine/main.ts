/**
 * The engine process: forked by the VS Code host (extension/engineClient.ts) with an IPC channel,
 * it serves engine/contract/engineProtocol.ts over vscode-jsonrpc. One backend per process (chosen by
 * `initialize`), one run at a time. It exits when the host disconnects or asks it to.
 * stdout and stderr are for people (the host keeps the last stderr lines to explain a crash).
 */
import { mkdirSync, existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, ResponseError } from 'vscode-jsonrpc/node';
import * as tf from '@tensorflow/tfjs';
import { isBackendName, releaseBackend, useBackend, type BackendInfo } from './backend';
import { formatDiagnostic, loadExperimentFile } from './cli/experimentFile';
import { RunOutput } from './run/runOutput';
import { trainFinite } from './train/finite';
import { trainInfinite } from './train/infinite';
import { errorMessage, wireCode, type WireErrorCode } from './contract/errors';
import { version } from './version';
import * as protocol from './contract/engineProtocol';
import { RunSession } from './server/runSession';
import { gitState, writeManifest } from './server/manifest';

if (!process.send) {
  process.stderr.write('dist/engine.js is the engine process of the VS Code extension: it needs an IPC channel (child_process.fork). Use `iwl` on the command line.\n');
  process.exit(2);
}

const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
let backend: BackendInfo | null = null;
let versions: Record<string, string> = {};
let current: RunSession | null = null;
let currentDone: Promise<void> = Promise.resolve();

/** Lifecycle lines on stderr: the host logs them and shows the last ones when the engine dies. */
function note(line: string): void {
  process.stderr.write(`engine ${new Date().toISOString()}: ${line}\n`);
}

function fail(code: WireErrorCode, message: string, data?: unknown): never {
  throw new ResponseError(wireCode(code), message, data);
}

connection.onRequest(protocol.initialize, async (params) => {
  if (params.protocolVersion !== protocol.protocolVersion) {
    fail('NOT_INITIALIZED', `the engine speaks protocol ${protocol.protocolVersion}, the host ${params.protocolVersion}: rebuild the extension (npm run build)`);
  }
  if (!isBackendName(params.backend)) fail('BACKEND_UNAVAILABLE', `unknown backend '${params.backend}': expected wasm, cpu, tensorflow or webgpu`);
  try {
    backend = await useBackend(params.backend);
  } catch (error) {
    fail('BACKEND_UNAVAILABLE', errorMessage(error));
  }
  note(`pid ${process.pid} ready on ${backend.detail} (Node ${process.version})`);
  versions = { iwl: version, node: process.versions.node, tfjs: tf.version.tfjs, protocol: String(protocol.protocolVersion) };
  return {
    protocolVersion: protocol.protocolVersion,
    engineVersion: version,
    pid: process.pid,
    node: process.version,
    backend: { name: backend.name, detail: backend.detail },
    versions,
    startupMs: Math.round(process.uptime() * 1000),
  };
});

connection.onRequest(protocol.startRun, async (params) => {
  if (!backend) fail('NOT_INITIALIZED', 'startRun before initialize');
  if (current) fail('BUSY', `a run is in progress (${current.runId}); the engine runs one experiment at a time`);
  const loaded = loadExperimentFile(params.experimentFile, params.displayPath ?? params.experimentFile);
  const experiment = loaded.experiment;
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (!experiment || errors.length) {
    const first = errors[0];
    const where = first ? ` (${formatDiagnostic(basename(params.experimentFile), first)})` : '';
    fail('INVALID_EXPERIMENT', `${basename(params.experimentFile)} has ${errors.length} error${errors.length === 1 ? '' : 's'}${where}`, errors);
  }
  const unknownModels = (params.onlyModels ?? []).filter((m) => !experiment.models.some((model) => model.name === m));
  if (unknownModels.length) fail('INVALID_EXPERIMENT', `no model named ${unknownModels.map((m) => `'${m}'`).join(', ')} in ${basename(params.experimentFile)}`);
  if (existsSync(params.outDir)) fail('OUTPUT_FAILED', `the run folder ${params.outDir} already exists`);
  let output: RunOutput;
  try {
    mkdirSync(params.outDir, { recursive: true });
    output = new RunOutput(params.outDir, experiment, params.experimentFile, backend, versions);
    const git = gitState(dirname(params.experimentFile), params.experimentFile);
    writeManifest(params.outDir, {
      formatVersion: 1,
      runId: params.runId,
      experiment: experiment.name,
      experimentFile: params.experimentFile,
      experimentPath: params.displayPath ?? params.experimentFile,
      seed: experiment.seed,
      startedAt: output.summary.startedAt,
      onlyModels: params.onlyModels ?? null,
      backend: { name: backend.name, detail: backend.detail },
      versions,
      gitCommit: git.commit,
      gitDirty: git.dirty,
    });
  } catch (error) {
    fail('OUTPUT_FAILED', `cannot write the run folder ${params.outDir}: ${errorMessage(error)}`);
  }
  const session = new RunSession({
    params,
    experiment,
    output,
    trainers: { finite: trainFinite, infinite: trainInfinite },
    backend: backend.name,
    sendProgress: (batch) => void connection.sendNotification(protocol.runProgress, batch),
    sendFinished: (finished) => {
      note(`run ${finished.runId} ${finished.status} after ${finished.seconds.toFixed(1)} s${finished.error ? `: ${finished.error}` : ''}`);
      void connection.sendNotification(protocol.runFinished, finished);
    },
  });
  current = session;
  note(`run ${params.runId} started: ${params.experimentFile}${params.onlyModels ? ` (models ${params.onlyModels.join(', ')})` : ''} -> ${params.outDir}`);
  // Answer first, then run: the host learns the folder before the first progress batch.
  currentDone = new Promise<void>((resolve) => {
    setImmediate(() => {
      void session.run().finally(() => {
        if (current === session) current = null;
        resolve();
      });
    });
  });
  return { runId: params.runId, outDir: params.outDir };
});

connection.onRequest(protocol.cancelRun, (params) => {
  if (!current || current.runId !== params.runId) return { found: false };
  note(`run ${params.runId}: cancel requested`);
  current.cancel();
  return { found: true };
});

/** Cancels the run (its summary gets status cancelled if it stops within a second), answers, exits. */
connection.onRequest(protocol.shutdown, async () => {
  current?.cancel();
  await Promise.race([currentDone, new Promise((r) => setTimeout(r, 900))]);
  setTimeout(() => exit(0), 20);
});

function exit(code: number): never {
  releaseBackend();
  process.exit(code);
}

// The host owns this process: when it goes (reload, crash), so does the engine.
process.on('disconnect', () => exit(0));
process.on('uncaughtException', (error) => {
  process.stderr.write(`engine: uncaught error: ${error?.stack ?? String(error)}\n`);
  process.exit(1);
});
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`engine: unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}\n`);
  process.exit(1);
});

connection.listen();
