/**
 * The host <-> engine protocol, declared once: every request (method, params, result) and every
 * notification (method, params). JSON-RPC 2.0 (vscode-jsonrpc) over Node's IPC channel; the VS Code
 * host forks dist/engine.js and is the only client. Only plain data crosses: no class instances,
 * no typed arrays (predictions stay on disk, in the run folder).
 *
 * Life of a run: `initialize` (once per engine: picks the backend) -> `startRun` (the engine
 * validates the file, creates the run folder and answers at once) -> `runProgress` notifications,
 * batched about every 100 ms -> `runFinished` (exactly once per started run). `cancelRun` asks the
 * engine to stop; the host kills the engine if it has not finished within a second.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { EndStatus, JobKind, JobSummary, MetricRecord, SweepPoint } from './records';

/** Bumped on any incompatible change; `initialize` fails when host and engine disagree. */
export const protocolVersion = 2;

/*
 * A refused request fails with a ResponseError whose code is a `wire` code of the one error table
 * (./errors.ts: INVALID_EXPERIMENT, BACKEND_UNAVAILABLE, BUSY, NOT_INITIALIZED, OUTPUT_FAILED).
 */

// ------------------------------------------------------------------------------------- requests

export interface InitializeParams {
  protocolVersion: number;
  /** 'wasm' | 'cpu' | 'tensorflow' | 'webgpu'. */
  backend: string;
}

export interface InitializeResult {
  protocolVersion: number;
  /** The product version the engine was built from. */
  engineVersion: string;
  pid: number;
  /** process.version of the engine's Node. */
  node: string;
  backend: { name: string; detail: string };
  /** Versions that go into every run's summary and manifest (iwl, node, tfjs, ...). */
  versions: Record<string, string>;
  /** Milliseconds from process start to the end of backend initialization. */
  startupMs: number;
}

export const initialize = new RequestType<InitializeParams, InitializeResult, void>('iwl/initialize');

export interface StartRunParams {
  /** Chosen by the host; echoed in every notification of the run. */
  runId: string;
  /** Absolute path of the experiment file (saved: the engine reads it from disk and copies it). */
  experimentFile: string;
  /** The run folder to create and write (./records.ts: the RunOutput layout plus manifest.json). Must not exist yet. */
  outDir: string;
  /** Only these models (and the limits they compare against); all when absent. */
  onlyModels?: string[];
  /** Recorded in manifest.json: the experiment's path as the user sees it (workspace-relative). */
  displayPath?: string;
  /** Jobs run side by side on this many worker processes; absent: the engine machine's available parallelism. */
  workers?: number;
  /**
   * Lanes (worker threads) of each gp job's float32 Cholesky (engine/linalg/choleskyLanes.ts); 'auto'
   * shares the workers' cores among the jobs running at once from 6,000 training points (one lane below);
   * absent: 'auto'. The numbers are the same for every count.
   */
  factorLanes?: number | 'auto';
}

export interface StartRunResult {
  runId: string;
  outDir: string;
}

export const startRun = new RequestType<StartRunParams, StartRunResult, void>('iwl/startRun');

export interface CancelRunParams {
  runId: string;
}

/** `found` is false when no such run is in progress (already finished, or never started). */
export interface CancelRunResult {
  found: boolean;
}

export const cancelRun = new RequestType<CancelRunParams, CancelRunResult, void>('iwl/cancelRun');

/** Asks the engine to exit after cancelling any run; it answers, then exits. */
export const shutdown = new RequestType0<void, void>('iwl/shutdown');

// -------------------------------------------------------------------------------- notifications

/** One planned job, as the host shows it (tree, lenses, progress). */
export interface PlannedJob {
  id: string;
  model: string;
  kind: JobKind;
  width: number | null;
  seed: number | null;
  steps: number;
  /** The optimizer's name and the sweep point ({} without a sweep), as the job's summary entry will have them: the experiments table shows a job from its start. */
  optimizer?: string;
  point?: SweepPoint;
}

/** One logged point of one job (the same object as a line of metrics.jsonl). */
export type MetricPoint = MetricRecord;

export interface JobOutcome {
  id: string;
  model: string;
  status: EndStatus;
  final: MetricPoint | null;
  seconds: number;
  error?: string;
  /** The job's entry as summary.json's runs[] records it (without files and timing): what the host's run store holds for panels. */
  summary: JobSummary;
}

/**
 * Everything that happened in a run since the previous batch, in order within each list.
 * `seq` starts at 0 per run and grows by one per batch, so the host can tell a gap.
 */
export interface RunProgressParams {
  runId: string;
  seq: number;
  /** Sent once, in the first batch after the data is loaded and the plan is made. */
  planned?: { jobs: PlannedJob[]; totalSteps: number; data: string };
  jobsStarted: string[];
  metrics: MetricPoint[];
  jobsFinished: JobOutcome[];
  /** The latest step position; null when no step happened in this batch. */
  progress: { jobId: string; step: number; doneSteps: number; totalSteps: number; doneWork?: number; totalWork?: number } | null;
  logs: string[];
}

export const runProgress = new NotificationType<RunProgressParams>('iwl/runProgress');

export interface RunFinishedParams {
  runId: string;
  status: EndStatus;
  error?: string;
  seconds: number;
  outDir: string;
}

/** Exactly once per started run, after its summary.json holds the final status. */
export const runFinished = new NotificationType<RunFinishedParams>('iwl/runFinished');

/** A line for the log that belongs to no run (startup, backend, shutdown). */
export const engineLog = new NotificationType<{ message: string }>('iwl/log');
