/**
 * A run as a table, and each model's best sweep point: pure functions of a summary.json's records,
 * shared by `iwl table` and the VS Code experiments table (the host shapes the panel's rows here,
 * extension/panels/tableRows.ts, so the CLI and the panel show the same columns and values).
 *
 * `runTable` makes one row per job (or, `perPoint`, one per model, width and sweep point with the
 * seeds averaged) whose columns are the job's settings (model, kind, optimizer, width, seed, the
 * value of every swept setting) and its final figures. A live run's unfinished jobs come in as
 * rows too (status `running` or `queued`, their latest logged figures or none): a point's figures
 * are the mean over its completed jobs, over the jobs with figures only while none has completed. `formatTable` writes it as Markdown, CSV or
 * JSON. `bestPoints` picks each model's best point by a validation figure, averaging the jobs
 * (seeds, widths) that share a point; it is what summary.json's `best` holds.
 */
import type { BestPoint, JobSummary, RunSummaryEntry, SweepPoint } from './records';
import { tableCsv } from './textEscapes';

/** A job as a table row takes it: summary.json's entry, or a live run's unfinished job (`running`, `queued`). */
export type TableJob = Pick<JobSummary, 'id' | 'model' | 'kind' | 'optimizer' | 'width' | 'seed' | 'final' | 'rmseToLimit' | 'point'> & { status: string };

export type TableValue = number | string | boolean | null;

export interface RunTableColumn {
  /** The key in each row: a settings name, a figure's name, or a swept setting's path. */
  key: string;
  /** What the column shows. */
  kind: 'setting' | 'point' | 'figure';
}

export interface RunTable {
  columns: RunTableColumn[];
  rows: Record<string, TableValue>[];
  /** The ids of the jobs each row stands for (one for a job row), row by row. */
  jobs: string[][];
}

const figureKeys = ['trainLoss', 'testLoss', 'testAccuracy', 'validationLoss', 'validationAccuracy', 'rmseToLimit'] as const;

function figuresOf(run: TableJob): Record<string, number | null> {
  const f = run.final;
  return {
    trainLoss: f?.trainLoss ?? null,
    testLoss: f?.testLoss ?? null,
    testAccuracy: f?.testAccuracy ?? null,
    validationLoss: f?.validationLoss ?? null,
    validationAccuracy: f?.validationAccuracy ?? null,
    rmseToLimit: run.rmseToLimit ?? null,
  };
}

function mean(values: (number | null)[]): number | null {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

const pointKey = (point: SweepPoint | undefined): string => JSON.stringify(Object.entries(point ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * One row per job (or per model, width and point with seeds averaged: `perPoint`), in the summary's
 * order. With `best` (summary.json's, which a run has only with a validation split and `select`),
 * a `best` column says true on the rows of each model's best point; without it none is claimed.
 */
export function runTable(runs: readonly TableJob[], options: { perPoint?: boolean; best?: Record<string, BestPoint> } = {}): RunTable {
  const pointPaths = [...new Set(runs.flatMap((r) => Object.keys(r.point ?? {})))];
  const best = options.best && Object.keys(options.best).length ? options.best : null;
  const settings = [...(options.perPoint ? ['model', 'kind', 'optimizer', 'width', 'seeds', 'jobs', 'status'] : ['id', 'model', 'kind', 'optimizer', 'width', 'seed', 'status']), ...(best ? ['best'] : [])];
  const isBest = (group: readonly TableJob[]) => (best ? group.every((r) => best[r.model]?.jobs.includes(r.id)) || null : undefined);
  const figures = figureKeys.filter((k) => runs.some((r) => figuresOf(r)[k] !== null));
  const columns: RunTableColumn[] = [
    ...settings.map((key) => ({ key, kind: 'setting' as const })),
    ...pointPaths.map((key) => ({ key, kind: 'point' as const })),
    ...figures.map((key) => ({ key, kind: 'figure' as const })),
  ];
  const pointValues = (point: SweepPoint | undefined) => Object.fromEntries(pointPaths.map((p) => [p, point?.[p] ?? null]));
  if (!options.perPoint) {
    const rows = runs.map((r) => {
      const f = figuresOf(r);
      return {
        id: r.id,
        model: r.model,
        kind: r.kind,
        optimizer: r.optimizer,
        width: r.width,
        seed: r.seed,
        status: r.status,
        ...(best ? { best: isBest([r]) } : {}),
        ...pointValues(r.point),
        ...Object.fromEntries(figures.map((k) => [k, f[k]])),
      };
    });
    return { columns, rows, jobs: runs.map((r) => [r.id]) };
  }
  const groups = new Map<string, TableJob[]>();
  for (const r of runs) {
    const key = JSON.stringify([r.model, r.width, pointKey(r.point)]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const rows = [...groups.values()].map((group) => {
    const first = group[0];
    const completed = group.filter((r) => r.status === 'completed' && r.final);
    const done = completed.length ? completed : group.filter((r) => r.final);
    const statuses = new Set(group.map((r) => r.status));
    return {
      model: first.model,
      kind: first.kind,
      optimizer: first.optimizer,
      width: first.width,
      seeds: first.kind === 'finite' ? group.map((r) => r.seed).join(' ') : null,
      jobs: group.length,
      status: statuses.size === 1 ? first.status : `${group.filter((r) => r.status === 'completed').length} of ${group.length} completed`,
      ...(best ? { best: isBest(group) } : {}),
      ...pointValues(first.point),
      ...Object.fromEntries(figures.map((k) => [k, mean(done.map((r) => figuresOf(r)[k]))])),
    };
  });
  return { columns, rows, jobs: [...groups.values()].map((group) => group.map((r) => r.id)) };
}

export type TableFormat = 'md' | 'csv' | 'json';

function cell(value: TableValue): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : Number(value.toPrecision(4)).toString();
  return String(value);
}


/** The table as Markdown (figures to 4 significant digits), CSV (full precision) or JSON ({ columns, rows }). */
export function formatTable(table: RunTable, format: TableFormat): string {
  const keys = table.columns.map((c) => c.key);
  if (format === 'json') return JSON.stringify({ columns: table.columns, rows: table.rows }, null, 2) + '\n';
  if (format === 'csv') return tableCsv(keys, table.rows.map((r) => keys.map((k) => r[k] ?? null)));
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  const lines = [
    `| ${keys.map(escape).join(' | ')} |`,
    `|${keys.map((k) => (table.columns.find((c) => c.key === k)!.kind === 'figure' ? '---:' : '---')).join('|')}|`,
    ...table.rows.map((r) => `| ${keys.map((k) => escape(cell(r[k] ?? null))).join(' | ')} |`),
  ];
  return lines.join('\n') + '\n';
}

/**
 * Each model's best point by `metric` (lowest validationLoss, highest validationAccuracy), the
 * figure averaged over the completed jobs at that point; models whose jobs have no such figure get none.
 */
export function bestPoints(runs: readonly RunSummaryEntry[], metric: BestPoint['metric']): Record<string, BestPoint> {
  const out: Record<string, BestPoint> = {};
  const models = [...new Set(runs.map((r) => r.model))];
  for (const model of models) {
    const byPoint = new Map<string, RunSummaryEntry[]>();
    for (const r of runs) {
      if (r.model !== model) continue;
      const key = pointKey(r.point);
      byPoint.set(key, [...(byPoint.get(key) ?? []), r]);
    }
    let best: BestPoint | null = null;
    for (const group of byPoint.values()) {
      const value = mean(group.filter((r) => r.status === 'completed').map((r) => r.final?.[metric] ?? null));
      if (value === null) continue;
      const better = best === null || (metric === 'validationLoss' ? value < best.value : value > best.value);
      if (better) best = { metric, value, point: { ...(group[0].point ?? {}) }, jobs: group.map((r) => r.id) };
    }
    if (best) out[model] = best;
  }
  return out;
}
