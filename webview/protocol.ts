/**
 * The host <-> panel protocol, declared once and split by direction: `ToPanel` (host -> webview)
 * and `FromPanel` (webview -> host). Only plain JSON-able data crosses. The host validates every
 * message that comes in with `parseFromPanel`; the panel trusts the host.
 *
 * Life of a panel: the webview loads, posts `ready`; the host answers with a `snapshot` (all data
 * so far, sequence number s), then only `delta`s numbered s+1, s+2, ... while the panel is visible.
 * A hidden panel receives nothing; when shown again it reloads, says `ready` and gets a fresh
 * snapshot. A panel that sees a gap in the numbers asks for one with `resync`.
 *
 * Its only import is the run records' types (engine/contract/records.ts, itself import-free; type-only,
 * as test/architecture/importGraph.test.ts requires): the host (extension/) and the webview (webview/) both compile it.
 */
import type { BestPoint, JobSummary, MetricLine, StoredRunStatus } from '../engine/contract/records';
import type { RunTable } from '../engine/contract/runTable';

export const panelViewTypes = {
  run: 'infiniteWidthLab.runPanel',
  comparison: 'infiniteWidthLab.comparisonPanel',
  overlay: 'infiniteWidthLab.overlayPanel',
  table: 'infiniteWidthLab.experimentsTable',
} as const;

export type PanelKind = keyof typeof panelViewTypes;

/** One logged point of one job: a line of metrics.jsonl (recorded files may lack the timing). */
export type MetricPoint = MetricLine;

/** A finished job's final figures: an entry of summary.json's runs[], with its duration. */
export type JobEntry = JobSummary & { seconds?: number };

/** The run store's status of a run (engine/contract/records.ts). */
export type RunStatus = StoredRunStatus;

export interface RunProgress {
  doneSteps: number;
  totalSteps: number;
  currentJob: string | null;
}

/** One run as a panel shows it. */
export interface RunData {
  dir: string;
  /** "quickstart · 2026-11-29 17:38:05 UTC". */
  title: string;
  status: RunStatus;
  /** Whether this session's engine is writing the run now (deltas follow). */
  live: boolean;
  /** "classification" when test accuracy is logged. */
  task: string | null;
  records: MetricPoint[];
  entries: JobEntry[];
  progress: RunProgress | null;
  /** summary.json's best point of each model (absent without a validation split and a `select`). */
  best?: Record<string, BestPoint>;
  /** The experiments table's snapshots only: the run as `iwl table` shapes it (then `records` is empty: the table draws no curve). */
  tables?: RunTables;
  error?: string;
}

/** What the panel's state keeps across reloads besides the data (axes, smoothing, toggles, zoom). */
export interface PanelUiState {
  logY?: boolean;
  /** EMA weight in [0, 1): 0 is no smoothing. */
  smoothing?: number;
  /** 'band': each model and width as the mean over seeds with a min/max band; 'seeds': every seed. */
  seedMode?: 'band' | 'seeds';
  /** Legend keys switched off. */
  hidden?: string[];
  /** Per chart id: the x range the user zoomed to. */
  zoom?: Record<string, [number, number]>;
  /** Comparison and overlay: which metric is shown. */
  metric?: MetricName;
  /** Overlay: the pinned baseline run's folder. */
  baseline?: string;
  /** Run and comparison panels: only these jobs (picked in the experiments table); absent: every job. */
  jobs?: string[];
  /** Comparison: the x axis of the sweep chart, 'width' or a key of the jobs' sweep point. */
  xAxis?: string;
  /** The experiments table's view. */
  table?: TableUiState;
}

/** A run's table a row per job and a row per point (seeds averaged): engine/contract/runTable.ts's. */
export interface RunTables {
  job: RunTable;
  point: RunTable;
}

/** What the experiments table keeps: row mode, sort, filters and the columns switched off. */
export interface TableUiState {
  /** 'job': a row per job; 'point': a row per model, width and sweep point, seeds averaged. */
  rows?: 'job' | 'point';
  sort?: { column: string; descending: boolean };
  /** Words that must each appear in some cell of a row. */
  filter?: string;
  /** Per column id: a comparison (">0.5", "<=512", "!=0") or text the cell must contain. */
  columnFilters?: Record<string, string>;
  hiddenColumns?: string[];
}

export type MetricName = 'trainLoss' | 'testLoss' | 'testAccuracy' | 'rmseToLimit';
export const metricNames: readonly MetricName[] = ['trainLoss', 'testLoss', 'testAccuracy', 'rmseToLimit'];

/** What `vscode.setState` holds: enough for the serializer to reopen the panel after a reload. */
export interface PanelState {
  kind: PanelKind;
  dirs: string[];
  ui: PanelUiState;
}

// ------------------------------------------------------------------------------ host -> panel

export interface SnapshotMessage {
  type: 'snapshot';
  seq: number;
  kind: PanelKind;
  /** run and comparison: one run; overlay: the chosen runs, in the order picked. */
  runs: RunData[];
  /** UI state the host remembers from `selection` messages (used when the webview has none). */
  ui: PanelUiState;
}

export interface DeltaMessage {
  type: 'delta';
  seq: number;
  dir: string;
  /** Points appended since the previous message, in order. */
  records: MetricPoint[];
  progress: RunProgress | null;
  status: RunStatus;
}

export interface ExportedMessage {
  type: 'exported';
  /** Where the file went, or null when the user cancelled the save dialog. */
  path: string | null;
  error?: string;
}

/** Show only these jobs (null: all of them): the experiments table's rows, plotted or compared. */
export interface FocusMessage {
  type: 'focusJobs';
  jobs: string[] | null;
}

export type ToPanel = SnapshotMessage | DeltaMessage | ExportedMessage | FocusMessage;

// ------------------------------------------------------------------------------ panel -> host

export type ExportFormat = 'png' | 'svg' | 'csv' | 'json';
export const exportFormats: readonly ExportFormat[] = ['png', 'svg', 'csv', 'json'];

/** The largest export the host accepts (base64 PNG of a 4k canvas is about 5 MB). */
export const maxExportChars = 32 * 1024 * 1024;

export type FromPanel =
  | { type: 'ready' }
  /** The panel saw a sequence gap after `lastSeq` and wants a fresh snapshot. */
  | { type: 'resync'; lastSeq: number }
  /** Save one chart or table: PNG as base64, the rest as UTF-8 text. */
  | { type: 'export'; format: ExportFormat; fileName: string; encoding: 'base64' | 'utf8'; data: string }
  /** The UI state changed (toggles, zoom, baseline...): the host keeps it for the next snapshot. */
  | { type: 'selection'; ui: PanelUiState }
  /** Buttons that open another view of the same data; `jobs` (from the experiments table) narrows it to those jobs. */
  | { type: 'openComparison'; dir: string; jobs?: string[] }
  | { type: 'openRun'; dir: string; jobs?: string[] }
  | { type: 'openTable'; dir: string }
  /** Something the host's log should show (a chart failed to draw, an export failed). */
  | { type: 'log'; level: 'info' | 'error'; message: string };

type Check = { ok: true; message: FromPanel } | { ok: false; error: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, max = 4096): v is string {
  return typeof v === 'string' && v.length <= max;
}

function parseUi(v: unknown): PanelUiState | string {
  if (!isRecord(v)) return 'ui must be an object';
  const ui: PanelUiState = {};
  if (v.logY !== undefined) {
    if (typeof v.logY !== 'boolean') return `ui.logY must be true or false, got ${JSON.stringify(v.logY)}`;
    ui.logY = v.logY;
  }
  if (v.smoothing !== undefined) {
    if (typeof v.smoothing !== 'number' || !(v.smoothing >= 0 && v.smoothing < 1)) return `ui.smoothing must be a number in [0, 1), got ${JSON.stringify(v.smoothing)}`;
    ui.smoothing = v.smoothing;
  }
  if (v.seedMode !== undefined) {
    if (v.seedMode !== 'band' && v.seedMode !== 'seeds') return `ui.seedMode must be "band" or "seeds", got ${JSON.stringify(v.seedMode)}`;
    ui.seedMode = v.seedMode;
  }
  if (v.hidden !== undefined) {
    if (!Array.isArray(v.hidden) || v.hidden.length > 10000 || !v.hidden.every((h) => str(h, 512))) return 'ui.hidden must be a list of legend keys';
    ui.hidden = v.hidden as string[];
  }
  if (v.zoom !== undefined) {
    if (!isRecord(v.zoom)) return 'ui.zoom must be an object';
    const zoom: Record<string, [number, number]> = {};
    for (const [k, r] of Object.entries(v.zoom)) {
      if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => typeof x === 'number' && Number.isFinite(x))) return `ui.zoom.${k} must be [min, max], got ${JSON.stringify(r)}`;
      zoom[k] = [r[0], r[1]];
    }
    ui.zoom = zoom;
  }
  if (v.metric !== undefined) {
    if (!metricNames.includes(v.metric as MetricName)) return `ui.metric must be one of ${metricNames.join(', ')}, got ${JSON.stringify(v.metric)}`;
    ui.metric = v.metric as MetricName;
  }
  if (v.baseline !== undefined) {
    if (!str(v.baseline)) return 'ui.baseline must be a run folder path';
    ui.baseline = v.baseline;
  }
  if (v.jobs !== undefined) {
    const jobs = parseJobs(v.jobs);
    if (typeof jobs === 'string') return `ui.${jobs}`;
    ui.jobs = jobs;
  }
  if (v.xAxis !== undefined) {
    if (!str(v.xAxis, 512) || !v.xAxis) return `ui.xAxis must be "width" or a setting's dotted path, got ${JSON.stringify(v.xAxis)}`;
    ui.xAxis = v.xAxis;
  }
  if (v.table !== undefined) {
    const table = parseTableUi(v.table);
    if (typeof table === 'string') return `ui.table.${table}`;
    ui.table = table;
  }
  return ui;
}

const maxJobs = 100_000;

function parseJobs(v: unknown): string[] | string {
  if (!Array.isArray(v) || v.length > maxJobs || !v.every((j) => str(j, 512) && j.length > 0)) return 'jobs must be a list of job ids';
  return v as string[];
}

function parseTableUi(v: unknown): TableUiState | string {
  if (!isRecord(v)) return 'must be an object';
  const t: TableUiState = {};
  if (v.rows !== undefined) {
    if (v.rows !== 'job' && v.rows !== 'point') return `rows must be "job" or "point", got ${JSON.stringify(v.rows)}`;
    t.rows = v.rows;
  }
  if (v.sort !== undefined) {
    const sort = v.sort;
    if (!isRecord(sort) || !str(sort.column, 512) || typeof sort.descending !== 'boolean') return 'sort must be { column, descending }';
    t.sort = { column: sort.column as string, descending: sort.descending };
  }
  if (v.filter !== undefined) {
    if (!str(v.filter, 1024)) return 'filter must be a string';
    t.filter = v.filter;
  }
  if (v.columnFilters !== undefined) {
    if (!isRecord(v.columnFilters) || !Object.values(v.columnFilters).every((f) => str(f, 1024))) return 'columnFilters must be an object of strings';
    t.columnFilters = { ...(v.columnFilters as Record<string, string>) };
  }
  if (v.hiddenColumns !== undefined) {
    if (!Array.isArray(v.hiddenColumns) || v.hiddenColumns.length > 1000 || !v.hiddenColumns.every((c) => str(c, 512))) return 'hiddenColumns must be a list of column ids';
    t.hiddenColumns = v.hiddenColumns as string[];
  }
  return t;
}

/** A safe file name for an export: no folders, no control characters, a known extension. */
function fileNameOk(name: string, format: ExportFormat): boolean {
  return name.length > 0 && name.length <= 200 && !/[\\/\u0000-\u001f]/.test(name) && name.toLowerCase().endsWith(`.${format}`);
}

/** Validates a message from a webview; the host acts only on what passes. */
export function parseFromPanel(value: unknown): Check {
  if (!isRecord(value) || typeof value.type !== 'string') return { ok: false, error: 'a panel message must be an object with a string "type"' };
  const v = value;
  switch (v.type) {
    case 'ready':
      return { ok: true, message: { type: 'ready' } };
    case 'resync':
      if (typeof v.lastSeq !== 'number' || !Number.isInteger(v.lastSeq)) return { ok: false, error: `resync: lastSeq must be an integer, got ${JSON.stringify(v.lastSeq)}` };
      return { ok: true, message: { type: 'resync', lastSeq: v.lastSeq } };
    case 'export': {
      if (!exportFormats.includes(v.format as ExportFormat)) return { ok: false, error: `export: format must be one of ${exportFormats.join(', ')}, got ${JSON.stringify(v.format)}` };
      const format = v.format as ExportFormat;
      if (v.encoding !== (format === 'png' ? 'base64' : 'utf8')) return { ok: false, error: `export: a ${format} file must be sent as ${format === 'png' ? 'base64' : 'utf8'}, got ${JSON.stringify(v.encoding)}` };
      if (!str(v.fileName, 256) || !fileNameOk(v.fileName, format)) return { ok: false, error: `export: fileName must be a plain file name ending in .${format}, got ${JSON.stringify(v.fileName)}` };
      if (typeof v.data !== 'string' || v.data.length === 0) return { ok: false, error: 'export: data must be a non-empty string' };
      if (v.data.length > maxExportChars) return { ok: false, error: `export: ${v.data.length} characters is over the ${maxExportChars} limit` };
      if (format === 'png' && !/^[A-Za-z0-9+/]+={0,2}$/.test(v.data)) return { ok: false, error: 'export: png data is not base64' };
      return { ok: true, message: { type: 'export', format, fileName: v.fileName, encoding: v.encoding as 'base64' | 'utf8', data: v.data } };
    }
    case 'selection': {
      const ui = parseUi(v.ui);
      if (typeof ui === 'string') return { ok: false, error: `selection: ${ui}` };
      return { ok: true, message: { type: 'selection', ui } };
    }
    case 'openComparison':
    case 'openRun': {
      if (!str(v.dir) || !v.dir) return { ok: false, error: `${v.type}: dir must be a run folder path` };
      if (v.jobs === undefined) return { ok: true, message: { type: v.type, dir: v.dir } };
      const jobs = parseJobs(v.jobs);
      if (typeof jobs === 'string') return { ok: false, error: `${v.type}: ${jobs}` };
      return { ok: true, message: { type: v.type, dir: v.dir, jobs } };
    }
    case 'openTable':
      if (!str(v.dir) || !v.dir) return { ok: false, error: 'openTable: dir must be a run folder path' };
      return { ok: true, message: { type: 'openTable', dir: v.dir } };
    case 'log':
      if (v.level !== 'info' && v.level !== 'error') return { ok: false, error: `log: level must be "info" or "error", got ${JSON.stringify(v.level)}` };
      if (!str(v.message, 8192)) return { ok: false, error: 'log: message must be a string of at most 8192 characters' };
      return { ok: true, message: { type: 'log', level: v.level, message: v.message } };
    default:
      return { ok: false, error: `unknown panel message type ${JSON.stringify(String(v.type).slice(0, 64))}` };
  }
}

/** Validates the webview state the serializer gets back after a reload. */
export function parsePanelState(value: unknown, kind: PanelKind): PanelState | null {
  if (!isRecord(value) || value.kind !== kind || !Array.isArray(value.dirs)) return null;
  const dirs = value.dirs.filter((d): d is string => str(d) && d.length > 0);
  if (!dirs.length) return null;
  const ui = value.ui === undefined ? {} : parseUi(value.ui);
  return { kind, dirs, ui: typeof ui === 'string' ? {} : ui };
}
