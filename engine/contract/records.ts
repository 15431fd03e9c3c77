/**
 * Every record of a run folder, as plain data, with a small validating reader each: what the
 * engine writes (engine/run/runOutput.ts, engine/server/manifest.ts) and what the host and the
 * panels read back. A run folder holds
 *   metrics.jsonl        one MetricRecord per line (lines of parallel jobs interleave)
 *   summary.json         the RunSummary, rewritten after every job (status "running" until the end)
 *   manifest.json        the RunManifest (runs started by the VS Code host): how to reproduce the run
 *   predictions/<id>.npy final test predictions, and a copy of the experiment file.
 *
 * This file imports nothing, so the engine, the host and (type-only) the panels compile it.
 * A file read back from disk goes through a reader, never a cast: the reader checks every field
 * and throws a RecordError naming the file and the field. JSON has no NaN or Infinity, so a figure
 * (a loss, an accuracy, a duration) that was not finite reads back as null; readers accept that.
 */

export const summaryFileName = 'summary.json';
export const metricsFileName = 'metrics.jsonl';
export const manifestFileName = 'manifest.json';

/**
 * `2026-11-29T17-38-05Z`: a run folder's name, the start time in UTC, safe in file names on every
 * OS and sorting by time (the host's runs and `iwl slurm`'s cluster runs; a second run in the
 * same second adds -2, -3, ...).
 */
export function runFolderName(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
}

/** The time a run folder's name like 2026-11-29T17-38-05Z (or -2 after it) stands for, or null. */
export function timeOfFolderName(name: string): Date | null {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})Z/.exec(name);
  if (!m) return null;
  const date = new Date(`${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}

// ---------------------------------------------------------------------------------- the statuses

/** The one status union: where a run or a job is. A summary says "running" until the run ends. */
export type RunStatus = 'running' | 'completed' | 'cancelled' | 'failed';

/** How a job or a run ended. */
export type EndStatus = Exclude<RunStatus, 'running'>;

/** A run as the host lists it and the panels show it: a "running" summary no live engine writes was interrupted. */
export type StoredRunStatus = RunStatus | 'interrupted';

const endStatuses: readonly EndStatus[] = ['completed', 'cancelled', 'failed'];
const runStatuses: readonly RunStatus[] = ['running', ...endStatuses];

export type JobKind = 'finite' | 'infinite';
const jobKinds: readonly JobKind[] = ['finite', 'infinite'];

// ----------------------------------------------------------------------------------- the records

/** One logged point of one job: a line of metrics.jsonl. */
export interface MetricRecord {
  id: string;
  model: string;
  width: number | null;
  seed: number | null;
  step: number;
  trainLoss: number;
  testLoss: number;
  testAccuracy?: number;
  /** RMSE between this finite job's test predictions and its infinite limit's at the same step. */
  rmseToLimit?: number;
  /** Loss and accuracy on the held-out validation split (`data.validation`), where the experiment has one. */
  validationLoss?: number;
  validationAccuracy?: number;
  elapsedSeconds: number;
}

/** A line of metrics.jsonl as read back: recorded files may lack the timing. */
export type MetricLine = Omit<MetricRecord, 'elapsedSeconds'> & { elapsedSeconds?: number };

/** A job's final figures (its last logged point). */
export interface FinalFigures {
  step: number;
  trainLoss: number;
  testLoss: number;
  testAccuracy: number | null;
  /** Present where the experiment holds out a validation split. */
  validationLoss?: number | null;
  validationAccuracy?: number | null;
}

/** The value of each swept setting at one point of a sweep, by its dotted path: `{"optimizer.learningRate": 0.01}`. */
export type SweepPoint = Record<string, number | string | boolean>;

/** A job's final figures, as summary.json's runs[] lists them (the parts every reader uses). */
export interface JobSummary {
  id: string;
  model: string;
  kind: JobKind;
  method: string | null;
  optimizer: string;
  trainable: string | null;
  width: number | null;
  seed: number | null;
  status: EndStatus;
  final: FinalFigures | null;
  rmseToLimit: number | null;
  /** The infinite job this finite job converges to, if the file has one. */
  limit: string | null;
  /** The sweep point this job runs at ({} without a sweep; absent in runs made before sweeps). */
  point?: SweepPoint;
}

/** An entry of summary.json's runs[]: a job summary with its files and timing. */
export interface RunSummaryEntry extends JobSummary {
  predictionsFile: string | null;
  seconds: number;
  info: Record<string, unknown>;
  error?: string;
}

/** The data a run trained on, once loaded. */
export interface DataSummary {
  task: string;
  train: number;
  test: number;
  inputDim: number;
  outputs: number;
  description: string;
}

/** summary.json. */
export interface RunSummary {
  status: RunStatus;
  experiment: string;
  experimentFile: string;
  startedAt: string;
  finishedAt: string | null;
  seconds: number;
  backend: string;
  backendDetail: string;
  versions: Record<string, string>;
  seed: number;
  data: DataSummary | null;
  runs: RunSummaryEntry[];
  /**
   * Each model's best sweep point by `select.metric` on the validation split (seeds averaged); absent
   * without a validation split and a `select`: no "best" is claimed then.
   */
  best?: Record<string, BestPoint>;
  /** Jobs of the plan with no result: a merged sharded run whose shards did not all finish (engine/contract/shardRecords.ts). */
  missingJobs?: string[];
  error?: string;
}

/** One model's selected point: summary.json's best[model]. */
export interface BestPoint {
  metric: 'validationLoss' | 'validationAccuracy';
  /** The metric at this point, averaged over the jobs (seeds, widths) that share it. */
  value: number;
  point: SweepPoint;
  /** Ids of the jobs at this point. */
  jobs: string[];
}

/** manifest.json: how to reproduce a run the engine process made. Written once, when the run starts. */
export interface RunManifest {
  formatVersion: 1;
  runId: string;
  /** The experiment's `name`. */
  experiment: string;
  /** Absolute path of the experiment file when the run started. */
  experimentFile: string;
  /** The path as the user sees it (workspace-relative), else the absolute path. */
  experimentPath: string;
  seed: number;
  startedAt: string;
  onlyModels: string[] | null;
  backend: { name: string; detail: string };
  versions: Record<string, string>;
  /** `git rev-parse HEAD` in the experiment's folder; null outside a repository or without git. */
  gitCommit: string | null;
  /** True when the experiment file differs from the committed version (null without git). */
  gitDirty: boolean | null;
}

// ----------------------------------------------------------------------------------- the readers

/** A record read back from disk that does not have the shape the engine writes. */
export class RecordError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'RecordError';
  }
}

/** Checks one value; `field` is its path in the record ("runs[2].final.testLoss"). */
type Check = (value: unknown, field: string, file: string) => void;

function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function fail(file: string, field: string, expected: string, value: unknown): never {
  throw new RecordError(file, field, `${file}: ${field || 'the record'} must be ${expected}, got ${shown(value)}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const at = (field: string, key: string) => (field ? `${field}.${key}` : key);

const text: Check = (v, field, file) => {
  if (typeof v !== 'string') fail(file, field, 'a string', v);
};
const count: Check = (v, field, file) => {
  if (typeof v !== 'number') fail(file, field, 'a number', v);
};
/** A computed number: JSON writes NaN and Infinity as null. */
const figure: Check = (v, field, file) => {
  if (typeof v !== 'number' && v !== null) fail(file, field, 'a number (or null where it was not finite)', v);
};
const flag: Check = (v, field, file) => {
  if (typeof v !== 'boolean') fail(file, field, 'true or false', v);
};
const nullable =
  (check: Check): Check =>
  (v, field, file) => {
    if (v !== null) check(v, field, file);
  };
const optional =
  (check: Check): Check =>
  (v, field, file) => {
    if (v !== undefined) check(v, field, file);
  };
const oneOf =
  (values: readonly (string | number)[]): Check =>
  (v, field, file) => {
    if (!values.includes(v as string | number)) fail(file, field, `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`, v);
  };
const list =
  (check: Check): Check =>
  (v, field, file) => {
    if (!Array.isArray(v)) fail(file, field, 'a list', v);
    v.forEach((item, i) => check(item, `${field}[${i}]`, file));
  };
const anyObject: Check = (v, field, file) => {
  if (!isObject(v)) fail(file, field, 'an object', v);
};
const strings: Check = (v, field, file) => {
  if (!isObject(v)) fail(file, field, 'an object of strings', v);
  for (const [k, x] of Object.entries(v)) text(x, at(field, k), file);
};
/** A sweep point: an object whose values are numbers, strings or booleans. */
const sweepPoint: Check = (v, field, file) => {
  if (!isObject(v)) fail(file, field, 'an object of setting values', v);
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'number' && typeof x !== 'string' && typeof x !== 'boolean') fail(file, at(field, k), 'a number, string or boolean', x);
  }
};
/** An object whose every value passes `check` (keyed by name). */
const records =
  (check: Check): Check =>
  (v, field, file) => {
    if (!isObject(v)) fail(file, field, 'an object', v);
    for (const [k, x] of Object.entries(v)) check(x, at(field, k), file);
  };
/** An object with these fields: one check for every key of T, so a new field needs its check. */
function shape<T>(fields: { [K in keyof T]-?: Check }): Check {
  return (v, field, file) => {
    if (!isObject(v)) fail(file, field, 'an object', v);
    for (const [key, check] of Object.entries(fields) as [string, Check][]) check(v[key], at(field, key), file);
  };
}

const metricLine = shape<MetricLine>({
  id: text,
  model: text,
  width: nullable(count),
  seed: nullable(count),
  step: count,
  trainLoss: figure,
  testLoss: figure,
  testAccuracy: optional(figure),
  rmseToLimit: optional(figure),
  validationLoss: optional(figure),
  validationAccuracy: optional(figure),
  elapsedSeconds: optional(figure),
});

const jobSummaryFields = {
  id: text,
  model: text,
  kind: oneOf(jobKinds),
  method: nullable(text),
  optimizer: text,
  trainable: nullable(text),
  width: nullable(count),
  seed: nullable(count),
  status: oneOf(endStatuses),
  final: nullable(shape<FinalFigures>({ step: count, trainLoss: figure, testLoss: figure, testAccuracy: figure, validationLoss: optional(figure), validationAccuracy: optional(figure) })),
  rmseToLimit: figure,
  limit: nullable(text),
  point: optional(sweepPoint),
} satisfies { [K in keyof JobSummary]-?: Check };

const runSummary = shape<RunSummary>({
  status: oneOf(runStatuses),
  experiment: text,
  experimentFile: text,
  startedAt: text,
  finishedAt: nullable(text),
  seconds: figure,
  backend: text,
  backendDetail: text,
  versions: strings,
  seed: count,
  data: nullable(shape<DataSummary>({ task: text, train: count, test: count, inputDim: count, outputs: count, description: text })),
  runs: list(shape<RunSummaryEntry>({ ...jobSummaryFields, predictionsFile: nullable(text), seconds: figure, info: anyObject, error: optional(text) })),
  best: optional(records(shape<BestPoint>({ metric: oneOf(['validationLoss', 'validationAccuracy']), value: figure, point: sweepPoint, jobs: list(text) }))),
  missingJobs: optional(list(text)),
  error: optional(text),
});

const runManifest = shape<RunManifest>({
  formatVersion: oneOf([1]),
  runId: text,
  experiment: text,
  experimentFile: text,
  experimentPath: text,
  seed: count,
  startedAt: text,
  onlyModels: nullable(list(text)),
  backend: shape<RunManifest['backend']>({ name: text, detail: text }),
  versions: strings,
  gitCommit: nullable(text),
  gitDirty: nullable(flag),
});

/** summary.json's parsed JSON as a RunSummary; throws a RecordError naming `file` and the field. */
export function readRunSummary(json: unknown, file: string = summaryFileName): RunSummary {
  runSummary(json, '', file);
  return json as RunSummary;
}

/** manifest.json's parsed JSON as a RunManifest; throws a RecordError naming `file` and the field. */
export function readRunManifest(json: unknown, file: string = manifestFileName): RunManifest {
  runManifest(json, '', file);
  return json as RunManifest;
}

/** One parsed line of metrics.jsonl as a MetricLine; throws a RecordError naming `file` and the field. */
export function readMetricLine(json: unknown, file: string = metricsFileName): MetricLine {
  metricLine(json, '', file);
  return json as MetricLine;
}

/**
 * The points of metrics.jsonl's text. A line that is not whole JSON (the last line of a run writing
 * it now) or not a metrics record is skipped: the next read has it, or it was never one.
 */
export function readMetricsJsonl(content: string, file: string = metricsFileName): MetricLine[] {
  const out: MetricLine[] = [];
  for (const line of content.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(readMetricLine(JSON.parse(line), file));
    } catch {
      // Half written, or not a record.
    }
  }
  return out;
}

/** The field checks, for the readers of the other run-folder records (engine/contract/shardRecords.ts). */
export const recordChecks = { text, count, figure, flag, nullable, optional, oneOf, list, strings, shape };
export type { Check };
