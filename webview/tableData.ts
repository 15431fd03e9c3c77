/**
 * Shaping for the experiments table of one run (in the manner of DVC's experiments table): pure
 * functions of the run's summary entries, its best points (summary.json `best`) and the latest
 * logged point of each job still running. No DOM; tested in Node.
 *
 *   entries + running jobs' latest points --jobRows--> a row per job
 *     --pointRows--> a row per model, width and sweep point: seeds averaged (completed jobs only
 *       once one has completed: a running seed's figures are from an earlier step)
 *   rows --tableColumns--> settings (job, model, kind, optimizer, trainable, width, seed, each key
 *       of the sweep point) and final figures
 *   rows --filterRows, sortRows--> what the table shows
 *
 * "Best" is what summary.json claims and nothing else: without `best` (no validation split and
 * `select`), no row is marked.
 */
import type { BestPoint, SweepPoint } from '../engine/contract/records';
import { formatValue } from './chartFormat';
import type { JobEntry, MetricPoint } from './protocol';

export type Figure = 'trainLoss' | 'testLoss' | 'testAccuracy' | 'validationLoss' | 'validationAccuracy' | 'rmseToLimit' | 'seconds';

export const figureLabels: Record<Figure, string> = {
  trainLoss: 'train loss',
  testLoss: 'test loss',
  testAccuracy: 'test accuracy',
  validationLoss: 'validation loss',
  validationAccuracy: 'validation accuracy',
  rmseToLimit: 'gap to limit',
  seconds: 'seconds',
};
const figureOrder = Object.keys(figureLabels) as Figure[];
/** Shown even when no row has them yet (a run whose first job has not logged). */
const alwaysShown: readonly Figure[] = ['trainLoss', 'testLoss'];

export type RowMode = 'job' | 'point';

export interface TableRow {
  /** The job id; a point row's is the id of its first job without the seed ("adam/lr=0.01/w512"). */
  key: string;
  /** The jobs the row stands for (one for a job row). */
  jobs: string[];
  model: string;
  kind: 'finite' | 'infinite';
  optimizer: string | null;
  trainable: string | null;
  width: number | null;
  /** A job row's seed; null for a point row. */
  seed: number | null;
  /** How many jobs a point row averages over (1 for a job row). */
  seeds: number;
  point: SweepPoint;
  /** A job's status; a point row's when all its jobs share it, else "1 of 2 completed". */
  status: string;
  figures: Record<Figure, number | null>;
  /** summary.json names this row's jobs as its model's best point. */
  best: boolean;
}

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The job id without its seed part: what the seeds of one point share. */
export function withoutSeed(id: string): string {
  return id.replace(/\/s\d+$/, '');
}

function figuresOf(source: Partial<Record<Figure | 'elapsedSeconds', unknown>> | null, extra: Partial<Record<Figure, unknown>> = {}): Record<Figure, number | null> {
  const all = { ...source, ...extra };
  return Object.fromEntries(figureOrder.map((f) => [f, finite(all[f])])) as Record<Figure, number | null>;
}

/**
 * A row per job: the finished jobs of summary.json, then each job that has logged points but not
 * finished (status `unfinished`: "running" while the run goes), with its latest figures. Such a job's
 * sweep point is borrowed from a finished seed of the same point, when there is one.
 */
export function jobRows(entries: readonly JobEntry[], latest: ReadonlyMap<string, MetricPoint>, best: Record<string, BestPoint> | undefined, unfinished = 'running'): TableRow[] {
  const isBest = (model: string, id: string) => !!best?.[model]?.jobs.includes(id);
  const rows: TableRow[] = entries.map((e) => ({
    key: e.id,
    jobs: [e.id],
    model: e.model,
    kind: e.kind,
    optimizer: e.optimizer,
    trainable: e.trainable,
    width: e.width,
    seed: e.seed,
    seeds: 1,
    point: e.point ?? {},
    status: e.status,
    figures: figuresOf(e.final, { rmseToLimit: e.rmseToLimit, seconds: e.seconds }),
    best: isBest(e.model, e.id),
  }));
  const finished = new Map(entries.map((e) => [withoutSeed(e.id), e]));
  for (const [id, p] of latest) {
    if (entries.some((e) => e.id === id)) continue;
    const sibling = finished.get(withoutSeed(id));
    rows.push({
      key: id,
      jobs: [id],
      model: p.model,
      kind: p.width === null ? 'infinite' : 'finite',
      optimizer: sibling?.optimizer ?? null,
      trainable: sibling?.trainable ?? null,
      width: p.width,
      seed: p.seed,
      seeds: 1,
      point: sibling?.model === p.model ? sibling.point ?? {} : {},
      status: unfinished,
      figures: figuresOf(p, { seconds: p.elapsedSeconds }),
      best: false,
    });
  }
  return rows;
}

function pointKey(r: TableRow): string {
  return JSON.stringify([r.model, r.kind, r.width, Object.entries(r.point).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

function mean(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

/** One row per model, width and sweep point, in order of first appearance: the seeds averaged. */
export function pointRows(rows: readonly TableRow[]): TableRow[] {
  const groups = new Map<string, TableRow[]>();
  for (const r of rows) {
    const k = pointKey(r);
    const list = groups.get(k);
    if (list) list.push(r);
    else groups.set(k, [r]);
  }
  return [...groups.values()].map((members) => {
    const first = members[0];
    const completed = members.filter((m) => m.status === 'completed');
    const averaged = completed.length ? completed : members;
    const statuses = new Set(members.map((m) => m.status));
    return {
      ...first,
      key: withoutSeed(first.key),
      jobs: members.map((m) => m.key),
      seed: null,
      seeds: members.length,
      status: statuses.size === 1 ? first.status : `${completed.length} of ${members.length} completed`,
      figures: Object.fromEntries(figureOrder.map((f) => [f, mean(averaged.map((m) => m.figures[f]))])) as Record<Figure, number | null>,
      best: members.every((m) => m.best),
    };
  });
}

export type CellValue = number | string | boolean | null;

export interface TableColumn {
  /** "model", "width", "point:optimizer.learningRate", "figure:testLoss". */
  id: string;
  label: string;
  group: 'setting' | 'point' | 'figure';
  numeric: boolean;
  value(row: TableRow): CellValue;
  /** What the cell shows (and the text filters look at). */
  text(row: TableRow): string;
}

const plain = (v: CellValue): string => (v === null ? '—' : typeof v === 'number' ? formatValue(v) : String(v));

function setting(id: string, label: string, numeric: boolean, value: (r: TableRow) => CellValue, text: (r: TableRow) => string = (r) => plain(value(r))): TableColumn {
  return { id, label, group: 'setting', numeric, value, text };
}

/** The settings and the figures some row has, in a fixed order; point keys in order of first appearance. */
export function tableColumns(rows: readonly TableRow[], mode: RowMode): TableColumn[] {
  const columns: TableColumn[] = [
    setting('job', mode === 'point' ? 'point' : 'job', false, (r) => r.key),
    setting('model', 'model', false, (r) => r.model),
    setting('kind', 'kind', false, (r) => r.kind),
    setting('optimizer', 'optimizer', false, (r) => r.optimizer),
    setting('trainable', 'trainable', false, (r) => r.trainable),
    setting('width', 'width', true, (r) => r.width, (r) => (r.width === null ? (r.kind === 'infinite' ? '∞' : '—') : String(r.width))),
    mode === 'point' ? setting('seeds', 'seeds', true, (r) => r.seeds) : setting('seed', 'seed', true, (r) => r.seed),
  ];
  const keys: string[] = [];
  for (const r of rows) for (const k of Object.keys(r.point)) if (!keys.includes(k)) keys.push(k);
  for (const k of keys) {
    const numeric = rows.every((r) => r.point[k] === undefined || typeof r.point[k] === 'number');
    columns.push({ id: `point:${k}`, label: k, group: 'point', numeric, value: (r) => r.point[k] ?? null, text: (r) => plain(r.point[k] ?? null) });
  }
  columns.push(setting('status', 'status', false, (r) => r.status));
  for (const f of figureOrder) {
    if (!alwaysShown.includes(f) && !rows.some((r) => r.figures[f] !== null)) continue;
    const percent = f === 'testAccuracy' || f === 'validationAccuracy';
    columns.push({ id: `figure:${f}`, label: figureLabels[f], group: 'figure', numeric: true, value: (r) => r.figures[f], text: (r) => formatValue(r.figures[f], percent) });
  }
  return columns;
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
