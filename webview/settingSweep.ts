/**
 * The comparison panel's x axes beyond width: a final figure against any swept setting (a key of
 * the jobs' sweep point, summary.json `point`), e.g. test accuracy against the learning rate, one
 * line per model (and per width and other swept setting, when they vary too). Pure; tested in Node.
 */
import type { JobEntry } from './protocol';
import type { BestPoint } from '../engine/contract/records';
import type { ChartModel, ChartSeries } from './chartData';
import { metricLabels } from './chartFormat';
import { colorFor } from './palette';
import { alignSparse, sparseSeries, type FinalMetric } from './comparisonData';
import { bestJobs } from './tableData';

export const widthAxis = 'width';

/**
 * The x axes a run offers: width (when a finite job has one), then every key of the sweep points;
 * a key with a value other than a number (optimizer.name: [sgd, adam]) is a categorical axis.
 */
export function sweepAxes(entries: readonly JobEntry[]): string[] {
  const keys: string[] = [];
  for (const e of entries) for (const k of Object.keys(e.point ?? {})) if (!keys.includes(k)) keys.push(k);
  return [...(entries.some((e) => e.kind === 'finite' && e.width !== null) ? [widthAxis] : []), ...keys];
}

/**
 * The entries of `jobs` (all without it), with the infinite limits the kept finite jobs converge
 * to: a comparison of picked rows keeps their reference lines.
 */
export function focusEntries(entries: readonly JobEntry[], jobs: readonly string[] | undefined): JobEntry[] {
  if (!jobs) return [...entries];
  const picked = new Set(jobs);
  for (const e of entries) if (picked.has(e.id) && e.limit) picked.add(e.limit);
  return entries.filter((e) => picked.has(e.id));
}

/**
 * The jobs the comparison's table of models compares: the picked rows (with their limits); without
 * a pick, on a run that names best points (summary.json `best`: a validation split and `select`),
 * each model's best point and the limits its jobs converge to (`atBest`); else every job.
 */
export function comparedEntries(entries: readonly JobEntry[], jobs: readonly string[] | undefined, best: Record<string, BestPoint> | undefined): { entries: JobEntry[]; atBest: boolean } {
  const chosen = bestJobs(best);
  if (jobs || !chosen.length) return { entries: focusEntries(entries, jobs), atBest: false };
  return { entries: focusEntries(entries, chosen), atBest: true };
}

const lastSegment = (key: string) => key.slice(key.lastIndexOf('.') + 1);

/**
 * Final `metric` against the setting `key`: per model, width and other swept setting, the mean over
 * seeds with its range. Numbers are placed by value; where any value is not a number (a name, true
 * or false) the values are categories, evenly spaced in the order the jobs first take them.
 */
export function settingSweepChart(entries: readonly JobEntry[], metric: FinalMetric, key: string): ChartModel {
  const done = entries.filter((e) => e.status === 'completed' && e.final && e.point?.[key] !== undefined && Number.isFinite(e.final[metric] ?? NaN));
  const varying = (k: string) => new Set(done.map((e) => JSON.stringify(e.point?.[k] ?? null))).size > 1;
  const others = [...new Set(done.flatMap((e) => Object.keys(e.point ?? {})))].filter((k) => k !== key && varying(k));
  const groups = new Map<string, JobEntry[]>();
  for (const e of done) {
    const k = JSON.stringify([e.model, e.width, others.map((o) => e.point?.[o] ?? null)]);
    groups.set(k, [...(groups.get(k) ?? []), e]);
  }
  const models = [...new Set(done.map((e) => e.model))];
  const widths = new Map(models.map((m) => [m, [...new Set(done.filter((e) => e.model === m && e.width !== null).map((e) => e.width!))].sort((a, b) => a - b)]));
  // Categories from every job that has the setting, whatever its status: a failed point keeps its slot.
  const swept = entries.filter((e) => e.point?.[key] !== undefined);
  const categorical = swept.some((e) => typeof e.point![key] !== 'number');
  const categories = categorical ? [...new Set(swept.map((e) => String(e.point![key])))] : undefined;
  const xOf = (e: JobEntry): number => (categories ? categories.indexOf(String(e.point![key])) : (e.point![key] as number));
  const xs = [...new Set(done.map(xOf))].sort((a, b) => a - b);
  const series: ChartSeries[] = [];
  for (const [groupKey, jobs] of groups) {
    const e = jobs[0];
    const at = [...new Set(jobs.map(xOf))].sort((a, b) => a - b);
    const values = at.map((x) => jobs.filter((j) => xOf(j) === x).map((j) => j.final![metric] as number));
    const mean = values.map((v) => v.reduce((a, b) => a + b, 0) / v.length);
    const members = Math.max(...values.map((v) => v.length));
    const extra: Partial<ChartSeries> = { members, dash: e.kind === 'infinite' };
    if (members > 1) {
      extra.low = alignSparse(xs, { x: at, y: values.map((v) => Math.min(...v)) });
      extra.high = alignSparse(xs, { x: at, y: values.map((v) => Math.max(...v)) });
    }
    const rest = others.map((o) => `${lastSegment(o)}=${e.point?.[o] ?? '—'}`);
    const label = `${e.model}${e.width === null ? ' (∞)' : widths.get(e.model)!.length > 1 ? ` w${e.width}` : ''}${rest.length ? ` · ${rest.join(', ')}` : ''}${members > 1 ? ` (mean of ${members} seeds)` : ''}`;
    series.push(sparseSeries(groupKey, label, colorFor(models, widths, e.model, e.width), alignSparse(xs, { x: at, y: mean }), extra));
  }
  const positive = !categories && xs.length > 1 && xs[0] > 0;
  const label = `Final ${metricLabels[metric].toLowerCase()}`;
  return {
    id: `setting-${metric}`,
    title: `${label} against ${key}`,
    xLabel: key,
    yLabel: label,
    // Rates and scales swept over decades read on a log axis; a small linear range stays linear.
    logX: positive && xs[xs.length - 1] / xs[0] >= 10,
    x: Float64Array.from(xs),
    series,
    smoothing: 0,
    ...(categories ? { categories } : {}),
  };
}
