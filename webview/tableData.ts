/**
 * The experiments table's view of one run (in the manner of DVC's experiments table): pure
 * functions over the rows the host shaped with engine/contract/runTable.ts (webview/protocol.ts
 * RunTables, what `iwl table` prints) and summary.json's best points. No DOM; tested in Node.
 *
 *   RunTables (a row per job, a row per point) --tableView--> rows with their jobs and best mark,
 *       columns (settings, each swept setting, final figures) as the CLI has them
 *   rows --filterRows, sortRows--> what the table shows
 *
 * "Best" is what summary.json claims and nothing else: without `best` (no validation split and
 * `select`), no row is marked.
 */
import type { BestPoint, SweepPoint } from '../engine/contract/records';
import type { RunTable, RunTableColumn, TableValue } from '../engine/contract/runTable';
import { formatValue } from './chartFormat';
import type { RunTables } from './protocol';

export const figureLabels: Record<string, string> = {
  trainLoss: 'train loss',
  testLoss: 'test loss',
  testAccuracy: 'test accuracy',
  validationLoss: 'validation loss',
  validationAccuracy: 'validation accuracy',
  rmseToLimit: 'gap to limit',
};
const settingLabels: Record<string, string> = { id: 'job' };
const numericSettings = ['width', 'seed', 'jobs'];

export type RowMode = 'job' | 'point';

export interface TableRow {
  /** The job id; a point row's is its first job's id without the seed ("adam/lr=0.01/w512"). */
  key: string;
  /** The jobs the row stands for (one for a job row). */
  jobs: string[];
  model: string;
  kind: string;
  /** The row's cells by column key, as runTable made them. */
  cells: Record<string, TableValue>;
  /** summary.json names this row's jobs as (part of) its model's best point. */
  best: boolean;
}

/** The job id without its seed part: what the seeds of one point share. */
export function withoutSeed(id: string): string {
  return id.replace(/\/s\d+$/, '');
}

export type CellValue = TableValue;

export interface TableColumn {
  /** "model", "width", "point:optimizer.learningRate", "figure:testLoss": runTable's key, its kind prefixed for the swept settings and figures. */
  id: string;
  /** runTable's column key: the CLI's header. */
  key: string;
  label: string;
  group: RunTableColumn['kind'];
  numeric: boolean;
  value(row: TableRow): CellValue;
  /** What the cell shows (and the text filters look at). */
  text(row: TableRow): string;
}

const plain = (v: CellValue): string => (v === null || v === undefined ? '—' : typeof v === 'number' ? formatValue(v) : String(v));

function columnOf(c: RunTableColumn, rows: readonly TableRow[]): TableColumn {
  const value = (r: TableRow): CellValue => r.cells[c.key] ?? null;
  if (c.kind === 'figure') {
    const percent = /Accuracy$/.test(c.key);
    return { id: `figure:${c.key}`, key: c.key, label: figureLabels[c.key] ?? c.key, group: 'figure', numeric: true, value, text: (r) => formatValue(value(r) as number | null, percent) };
  }
  if (c.kind === 'point') {
    const numeric = rows.every((r) => value(r) === null || typeof value(r) === 'number');
    return { id: `point:${c.key}`, key: c.key, label: c.key, group: 'point', numeric, value, text: (r) => plain(value(r)) };
  }
  const text = c.key === 'width' ? (r: TableRow) => (value(r) === null ? (r.kind === 'infinite' ? '∞' : '—') : String(value(r))) : (r: TableRow) => plain(value(r));
  return { id: c.key, key: c.key, label: settingLabels[c.key] ?? c.key, group: 'setting', numeric: numericSettings.includes(c.key), value, text };
}

/** The rows and columns of one row mode, each row marked where summary.json's `best` names all its jobs. */
export function tableView(tables: RunTables, mode: RowMode, best: Record<string, BestPoint> | undefined): { rows: TableRow[]; columns: TableColumn[] } {
  const table: RunTable = mode === 'point' ? tables.point : tables.job;
  const rows = table.rows.map((cells, i) => {
    const jobs = table.jobs[i] ?? [];
    const model = String(cells.model);
    const chosen = best?.[model]?.jobs;
    return {
      key: mode === 'point' ? withoutSeed(jobs[0] ?? model) : String(cells.id),
      jobs,
      model,
      kind: String(cells.kind),
      cells,
      best: !!chosen && jobs.length > 0 && jobs.every((j) => chosen.includes(j)),
    };
  });
  return { rows, columns: table.columns.map((c) => columnOf(c, rows)) };
}

export function visibleColumns(columns: readonly TableColumn[], hidden: readonly string[] = []): TableColumn[] {
  return columns.filter((c) => !hidden.includes(c.id));
}

function compareValues(a: CellValue, b: CellValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), 'en', { numeric: true });
}

/** Sorted by one column (stable); rows without a value go last in both directions. */
export function sortRows(rows: readonly TableRow[], column: TableColumn | undefined, descending: boolean): TableRow[] {
  if (!column) return [...rows];
  return [...rows].sort((x, y) => {
    const a = column.value(x);
    const b = column.value(y);
    if (a === null || b === null) return a === null ? (b === null ? 0 : 1) : -1;
    const c = compareValues(a, b);
    return descending ? -c : c;
  });
}

export type ColumnFilter = { ok: true; test(row: TableRow): boolean } | { ok: false; error: string };

const comparisons: Record<string, (a: number, b: number) => boolean> = {
  '<=': (a, b) => a <= b,
  '>=': (a, b) => a >= b,
  '!=': (a, b) => a !== b,
  '<': (a, b) => a < b,
  '>': (a, b) => a > b,
  '=': (a, b) => a === b,
};

/**
 * A column's filter: a comparison with a number (`>0.5`, `<=512`, `!=0`, `=0.01`, or a bare number:
 * equal) for a numeric column, `=text` / `!=text` for exact text, anything else a case-insensitive
 * part of the cell's text. Empty matches every row. A comparison without a number is an error that
 * names the column.
 */
export function parseColumnFilter(column: TableColumn, expression: string): ColumnFilter {
  const e = expression.trim();
  if (!e) return { ok: true, test: () => true };
  const m = /^(<=|>=|!=|<|>|=)\s*(.*)$/.exec(e);
  if (m) {
    const [, op, rest] = m;
    const n = Number(rest);
    if (column.numeric) {
      if (!rest.trim() || !Number.isFinite(n)) return { ok: false, error: `${column.label}: "${e}" needs a number after ${op} (for example ${op}0.5)` };
      return {
        ok: true,
        test: (r) => {
          const v = column.value(r);
          return typeof v === 'number' && comparisons[op](v, n);
        },
      };
    }
    if (op !== '=' && op !== '!=') return { ok: false, error: `${column.label}: "${e}" compares with ${op}, but this column holds text (use =text, !=text or part of the text)` };
    const want = rest.trim().toLowerCase();
    return { ok: true, test: (r) => (column.text(r).toLowerCase() === want) === (op === '=') };
  }
  if (column.numeric && Number.isFinite(Number(e))) {
    const n = Number(e);
    return { ok: true, test: (r) => column.value(r) === n };
  }
  const part = e.toLowerCase();
  return { ok: true, test: (r) => column.text(r).toLowerCase().includes(part) };
}

export interface FilterResult {
  rows: TableRow[];
  /** One sentence per filter that could not be read (it is ignored). */
  errors: string[];
}

/**
 * The rows that pass every column filter of `columns` and whose cells (of `columns`) hold every
 * word of `text`, case-insensitively.
 */
export function filterRows(rows: readonly TableRow[], columns: readonly TableColumn[], text = '', columnFilters: Record<string, string> = {}): FilterResult {
  const errors: string[] = [];
  const tests: ((r: TableRow) => boolean)[] = [];
  for (const c of columns) {
    const expression = columnFilters[c.id];
    if (!expression) continue;
    const f = parseColumnFilter(c, expression);
    if (f.ok) tests.push(f.test);
    else errors.push(f.error);
  }
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  const kept = rows.filter((r) => {
    if (!tests.every((t) => t(r))) return false;
    if (!words.length) return true;
    const cells = columns.map((c) => c.text(r).toLowerCase());
    return words.every((w) => cells.some((cell) => cell.includes(w)));
  });
  return { rows: kept, errors };
}

/** The jobs of every model's best point (summary.json `best`); none without it. */
export function bestJobs(best: Record<string, BestPoint> | undefined): string[] {
  return Object.values(best ?? {}).flatMap((b) => b.jobs);
}

export function pointText(point: SweepPoint): string {
  const parts = Object.entries(point).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(', ') : 'no swept setting';
}

/** One line per model with a best point: "adam: optimizer.learningRate=0.01 (validation loss 0.1234, 2 jobs)". */
export function describeBest(best: Record<string, BestPoint> | undefined): string[] {
  return Object.entries(best ?? {}).map(([model, b]) => {
    const percent = b.metric === 'validationAccuracy';
    return `${model}: ${pointText(b.point)} (${figureLabels[b.metric]} ${formatValue(b.value, percent)}, ${b.jobs.length} job${b.jobs.length === 1 ? '' : 's'})`;
  });
}
