/**
 * Shaping for the comparison panel (one run: finite families against their infinite limits) and
 * the overlay panel (several runs on one chart). Pure functions of summary entries and metric
 * stores, tested in Node.
 *
 * A "finite family" is a finite model (one name in the experiment file) swept over widths and
 * seeds; its limit is the infinite model the engine compared it with (summary entry `limit`, from
 * engine/run/plan.ts findLimit). Only completed jobs count: a cancelled job's final figures are
 * from an earlier step and would not compare.
 */
import type { JobEntry, MetricName } from './protocol';
import { ema, shapeMetricChart, type ChartModel, type ChartSeries, type MetricStore } from './chartData';
import { colorFor, modelColor } from './palette';
import { groupLabel, metricLabels } from './chartFormat';

export type FinalMetric = 'trainLoss' | 'testLoss' | 'testAccuracy';

function finalOf(e: JobEntry, metric: FinalMetric): number | null {
  const v = e.final?.[metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function completed(entries: readonly JobEntry[]): JobEntry[] {
  return entries.filter((e) => e.status === 'completed' && e.final);
}

/** Finite model names in order of first appearance. */
export function finiteFamilies(entries: readonly JobEntry[]): string[] {
  const names: string[] = [];
  for (const e of entries) if (e.kind === 'finite' && !names.includes(e.model)) names.push(e.model);
  return names;
}

export interface FamilySweep {
  family: string;
  /** The infinite model it converges to, and that model's final value (null if not run). */
  limit: string | null;
  limitValue: number | null;
  /** Ascending widths; per width the mean, min and max over completed seeds. */
  widths: number[];
  mean: number[];
  min: number[];
  max: number[];
  seeds: number[];
}

/** Final metric against width for every finite family, with its limit's final value. */
export function widthSweep(entries: readonly JobEntry[], metric: FinalMetric): FamilySweep[] {
  const done = completed(entries);
  return finiteFamilies(entries).flatMap((family) => {
    const jobs = done.filter((e) => e.model === family && e.width !== null && finalOf(e, metric) !== null);
    if (!jobs.length) return [];
    const widths = [...new Set(jobs.map((e) => e.width!))].sort((a, b) => a - b);
    const sweep: FamilySweep = { family, limit: null, limitValue: null, widths, mean: [], min: [], max: [], seeds: [] };
    for (const w of widths) {
      const values = jobs.filter((e) => e.width === w).map((e) => finalOf(e, metric)!);
      sweep.mean.push(values.reduce((a, b) => a + b, 0) / values.length);
      sweep.min.push(Math.min(...values));
      sweep.max.push(Math.max(...values));
      sweep.seeds.push(values.length);
    }
    sweep.limit = entries.find((e) => e.model === family && e.limit)?.limit ?? null;
    const limitEntry = sweep.limit ? done.find((e) => e.kind === 'infinite' && e.id === sweep.limit) : undefined;
    sweep.limitValue = limitEntry ? finalOf(limitEntry, metric) : null;
    return [sweep];
  });
}

export interface LogLogFit {
  /** d ln y / d ln x: about -1/2 for the finite-vs-limit gap in theory (SCIENCE.md section 7). */
  slope: number;
  /** ln y at x = 1. */
  intercept: number;
  r2: number;
  n: number;
}

/**
 * Least squares on logarithms: ln y = intercept + slope ln x over the points with x, y > 0.
 * Null with fewer than two distinct x.
 */
export function fitLogLog(points: readonly { x: number; y: number }[]): LogLogFit | null {
  const p = points.filter((q) => q.x > 0 && q.y > 0 && Number.isFinite(q.x) && Number.isFinite(q.y)).map((q) => ({ u: Math.log(q.x), v: Math.log(q.y) }));
  const n = p.length;
  if (n < 2) return null;
  const mu = p.reduce((a, q) => a + q.u, 0) / n;
  const mv = p.reduce((a, q) => a + q.v, 0) / n;
  let suu = 0;
  let suv = 0;
  let svv = 0;
  for (const q of p) {
    suu += (q.u - mu) ** 2;
    suv += (q.u - mu) * (q.v - mv);
    svv += (q.v - mv) ** 2;
  }
  if (suu === 0) return null;
  const slope = suv / suu;
  const intercept = mv - slope * mu;
  const r2 = svv === 0 ? 1 : (suv * suv) / (suu * svv);
  return { slope, intercept, r2, n };
}

export interface GapSweep {
  family: string;
  limit: string;
  widths: number[];
  /** Mean over seeds of the final test-prediction RMSE to the limit, per width. */
  meanGap: number[];
  /** Every (width, gap) point, one per completed seed: what the fit uses. */
  points: { x: number; y: number }[];
  fit: LogLogFit | null;
}

/** The prediction gap (final rmseToLimit) against width for every family that has a limit. */
export function gapVsWidth(entries: readonly JobEntry[]): GapSweep[] {
  const done = completed(entries);
  return finiteFamilies(entries).flatMap((family) => {
    const jobs = done.filter((e) => e.model === family && e.width !== null && e.limit && e.rmseToLimit !== null && Number.isFinite(e.rmseToLimit));
    if (!jobs.length) return [];
    const widths = [...new Set(jobs.map((e) => e.width!))].sort((a, b) => a - b);
    const points = jobs.map((e) => ({ x: e.width!, y: e.rmseToLimit! }));
    const meanGap = widths.map((w) => {
      const ys = points.filter((p) => p.x === w).map((p) => p.y);
      return ys.reduce((a, b) => a + b, 0) / ys.length;
    });
    return [{ family, limit: jobs[0].limit!, widths, meanGap, points, fit: fitLogLog(points) }];
  });
}

const methodNames: Record<string, string> = {
  ntk: 'NTK dynamics (limit of SGD/momentum)',
  nngp: 'NNGP dynamics (limit of readout-only training)',
  gp: 'NNGP posterior mean (Bayesian)',
  adam: 'Adam limit (Tensor Programs IVb)',
  kernelAdam: 'Kernel Adam (heuristic, not a proven limit)',
};

/** "finite · sgd · all layers", "infinite · NTK dynamics (...)". */
export function describeModel(e: JobEntry): string {
  if (e.kind === 'infinite') return `infinite · ${methodNames[e.method ?? ''] ?? e.method ?? '?'}${e.method === 'ntk' && e.optimizer !== 'sgd' ? ` · ${e.optimizer}` : ''}`;
  const trainable = e.trainable === 'readout' ? 'readout only (no feature learning)' : e.trainable === 'linearized' ? 'linearized' : 'all layers';
  return `finite · ${e.optimizer} · ${trainable}`;
}

export interface ModelRow {
  model: string;
  kind: 'finite' | 'infinite';
  description: string;
  /** The width the row's figures are from (finite: the widest completed), null for infinite. */
  width: number | null;
  /** How many widths the family swept. */
  widthCount: number;
  seeds: number;
  trainLoss: number | null;
  testLoss: number | null;
  testAccuracy: number | null;
  /** Mean final RMSE to the limit at that width. */
  gapToLimit: number | null;
  limit: string | null;
  /** Jobs of this model that did not complete. */
  incomplete: number;
}

function mean(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

const pointKey = (e: JobEntry): string => JSON.stringify(Object.entries(e.point ?? {}));
const pointLabel = (e: JobEntry): string => Object.entries(e.point ?? {}).map(([k, v]) => `${k.slice(k.lastIndexOf('.') + 1)}=${v}`).join(', ');

/**
 * One row per model and sweep point: finite families at their widest completed width (mean over
 * seeds), each followed by its limit (the infinite job its jobs were compared with, by id), then
 * the other infinite jobs, in the order the run listed them. A model with several sweep points
 * gets a row per point, named by it ("sgd (learningRate=2)"): figures of different points are never averaged.
 */
export function modelTable(entries: readonly JobEntry[]): ModelRow[] {
  const done = completed(entries);
  const rows: ModelRow[] = [];
  const listed = new Set<string>();
  const points = new Map<string, Set<string>>();
  for (const e of entries) points.set(e.model, (points.get(e.model) ?? new Set()).add(pointKey(e)));
  const name = (e: JobEntry) => ((points.get(e.model)?.size ?? 0) > 1 ? `${e.model} (${pointLabel(e)})` : e.model);
  const infiniteRow = (id: string): void => {
    const e = entries.find((x) => x.kind === 'infinite' && x.id === id);
    if (!e || listed.has(e.id)) return;
    listed.add(e.id);
    const ok = e.status === 'completed' && e.final;
    rows.push({
      model: name(e),
      kind: 'infinite',
      description: describeModel(e),
      width: null,
      widthCount: 0,
      seeds: 0,
      trainLoss: ok ? finalOf(e, 'trainLoss') : null,
      testLoss: ok ? finalOf(e, 'testLoss') : null,
      testAccuracy: ok ? finalOf(e, 'testAccuracy') : null,
      gapToLimit: null,
      limit: null,
      incomplete: ok ? 0 : 1,
    });
  };
  for (const family of finiteFamilies(entries)) {
    const members = entries.filter((e) => e.model === family);
    for (const point of [...new Set(members.map(pointKey))]) {
      const all = members.filter((e) => pointKey(e) === point);
      const jobs = done.filter((e) => e.model === family && pointKey(e) === point && e.width !== null);
      const widths = [...new Set(all.map((e) => e.width).filter((w): w is number => w !== null))];
      const widest = jobs.length ? Math.max(...jobs.map((e) => e.width!)) : null;
      const at = jobs.filter((e) => e.width === widest);
      const limit = all.find((e) => e.limit)?.limit ?? null;
      rows.push({
        model: name(all[0]),
        kind: 'finite',
        description: describeModel(all[0]),
        width: widest,
        widthCount: widths.length,
        seeds: at.length,
        trainLoss: mean(at.map((e) => finalOf(e, 'trainLoss'))),
        testLoss: mean(at.map((e) => finalOf(e, 'testLoss'))),
        testAccuracy: mean(at.map((e) => finalOf(e, 'testAccuracy'))),
        gapToLimit: mean(at.map((e) => e.rmseToLimit)),
        limit,
        incomplete: all.length - all.filter((e) => e.status === 'completed' && e.final).length,
      });
      if (limit) infiniteRow(limit);
    }
  }
  for (const e of entries) if (e.kind === 'infinite') infiniteRow(e.id);
  return rows;
}

/** Aligns sparse per-family points on the union of their x values (NaN elsewhere). */
export function alignSparse(xs: number[], pairs: { x: number[]; y: number[] }): Float64Array {
  const out = new Float64Array(xs.length).fill(NaN);
  pairs.x.forEach((x, i) => {
    out[xs.indexOf(x)] = pairs.y[i];
  });
  return out;
}

export function sparseSeries(key: string, label: string, color: string, raw: Float64Array, extra: Partial<ChartSeries> = {}): ChartSeries {
  return { key, label, color, dash: false, strokeWidth: 1.5, points: true, raw, smoothed: raw, members: 1, ...extra };
}

/** Final metric against width (log2 x): a line per family with its seed range, its limit as a dashed flat line. */
export function widthSweepChart(entries: readonly JobEntry[], metric: FinalMetric): ChartModel {
  const sweeps = widthSweep(entries, metric);
  const xs = [...new Set(sweeps.flatMap((s) => s.widths))].sort((a, b) => a - b);
  const series: ChartSeries[] = [];
  sweeps.forEach((s, i) => {
    const color = modelColor(i);
    const raw = alignSparse(xs, { x: s.widths, y: s.mean });
    const extra: Partial<ChartSeries> = { members: Math.max(...s.seeds) };
    if (s.seeds.some((n) => n > 1)) {
      extra.low = alignSparse(xs, { x: s.widths, y: s.min });
      extra.high = alignSparse(xs, { x: s.widths, y: s.max });
    }
    series.push(sparseSeries(s.family, `${s.family} (finite${extra.members! > 1 ? `, mean of ${extra.members} seeds` : ''})`, color, raw, extra));
    if (s.limit && s.limitValue !== null) {
      series.push(sparseSeries(`${s.family}->${s.limit}`, `${s.limit} (∞, limit of ${s.family})`, color, new Float64Array(xs.length).fill(s.limitValue), { dash: true, points: false }));
    }
  });
  const label = `Final ${metricLabels[metric].toLowerCase()}`;
  return { id: `sweep-${metric}`, title: `${label} against width`, xLabel: 'width', yLabel: label, logX: true, x: Float64Array.from(xs), series, smoothing: 0 };
}

/** The gap to the limit against width on log-log axes: measured means and each family's fitted power law. */
export function gapChart(entries: readonly JobEntry[]): ChartModel {
  const gaps = gapVsWidth(entries);
  const xs = [...new Set(gaps.flatMap((g) => g.widths))].sort((a, b) => a - b);
  const series: ChartSeries[] = [];
  gaps.forEach((g, i) => {
    const color = modelColor(i);
    series.push(sparseSeries(g.family, `${g.family} vs ${g.limit} (mean over seeds)`, color, alignSparse(xs, { x: g.widths, y: g.meanGap })));
    if (g.fit) {
      const fit = g.fit;
      const line = Float64Array.from(xs, (x) => (x >= g.widths[0] && x <= g.widths[g.widths.length - 1] ? Math.exp(fit.intercept + fit.slope * Math.log(x)) : NaN));
      series.push(sparseSeries(`${g.family}:fit`, `${g.family} fit: slope ${fit.slope.toFixed(2)} (R² ${fit.r2.toFixed(2)}, ${fit.n} points)`, color, line, { dash: true, points: false }));
    }
  });
  return {
    id: 'gap',
    title: 'Gap between finite and infinite predictions against width (log-log)',
    xLabel: 'width',
    yLabel: 'final test RMSE to the limit',
    logX: true,
    x: Float64Array.from(xs),
    series,
    smoothing: 0,
  };
}

export interface OverlayRun {
  dir: string;
  title: string;
  store: MetricStore;
}

/**
 * Several runs' curves of one metric on one chart: a series per run and model/width (mean over
 * seeds), coloured by model and width and dashed for every run but the pinned baseline, which is
 * drawn first in the legend and thicker. Keys are `<run index>:<group key>`.
 */
export function overlayChart(runs: readonly OverlayRun[], baselineDir: string, metric: MetricName, smoothing: number): ChartModel {
  const ordered = [...runs].sort((a, b) => (a.dir === baselineDir ? -1 : b.dir === baselineDir ? 1 : 0));
  const xSet = new Set<number>();
  for (const r of ordered) for (const s of r.store.steps()) xSet.add(s);
  const x = Float64Array.from([...xSet].sort((a, b) => a - b));
  const allJobs = ordered.flatMap((r) => [...r.store.jobs.values()]);
  const models: string[] = [];
  const widths = new Map<string, number[]>();
  for (const j of allJobs) {
    if (!models.includes(j.model)) models.push(j.model);
    const list = widths.get(j.model) ?? [];
    if (j.width !== null && !list.includes(j.width)) list.push(j.width);
    widths.set(j.model, list.sort((a, b) => a - b));
  }
  const series: ChartSeries[] = [];
  ordered.forEach((run) => {
    const index = runs.indexOf(run);
    const isBase = run.dir === baselineDir;
    const chart = shapeMetricChart(run.store, metric, { seedMode: 'band', smoothing: 0 });
    for (const s of chart.series) {
      const raw = new Float64Array(x.length).fill(NaN);
      const own = chart.x;
      let j = 0;
      for (let i = 0; i < own.length; i++) {
        while (x[j] < own[i]) j++;
        raw[j] = s.raw[i];
      }
      const [model, w, point] = s.key.split('|');
      const width = w === 'inf' ? null : Number(w);
      series.push({
        key: `${index}:${s.key}`,
        label: `${isBase ? 'baseline' : `#${index + 1}`} ${groupLabel(model, width, point)}`,
        color: colorFor(models, widths, model, width),
        dash: !isBase,
        strokeWidth: isBase ? 2.5 : 1.5,
        points: false,
        raw,
        smoothed: ema(raw, smoothing),
        members: s.members,
      });
    }
  });
  return { id: `overlay-${metric}`, title: `${metricLabels[metric]}: runs overlaid`, xLabel: 'step', yLabel: metricLabels[metric], logX: false, x, series, smoothing };
}

export interface OverlayRow {
  key: string;
  label: string;
  /** Per run, in the runs' order: final value of the mean over seeds, and its change against the baseline (fraction). */
  cells: { value: number | null; change: number | null }[];
}

/** Final value of each model/width in each run, and its relative change against the baseline run. */
export function overlayTable(runs: readonly OverlayRun[], baselineDir: string, metric: MetricName): OverlayRow[] {
  const finals = runs.map((r) => {
    const chart = shapeMetricChart(r.store, metric, { seedMode: 'band', smoothing: 0 });
    const map = new Map<string, number>();
    for (const s of chart.series) {
      for (let i = s.raw.length - 1; i >= 0; i--) {
        if (!Number.isNaN(s.raw[i])) {
          map.set(s.key, s.raw[i]);
          break;
        }
      }
    }
    return map;
  });
  const keys: string[] = [];
  for (const m of finals) for (const k of m.keys()) if (!keys.includes(k)) keys.push(k);
  const base = finals[Math.max(0, runs.findIndex((r) => r.dir === baselineDir))];
  return keys.map((key) => {
    const [model, w, point] = key.split('|');
    const b = base.get(key);
    return {
      key,
      label: groupLabel(model, w === 'inf' ? null : Number(w), point),
      cells: finals.map((m) => {
        const v = m.get(key);
        if (v === undefined) return { value: null, change: null };
        return { value: v, change: b !== undefined && b !== 0 ? (v - b) / Math.abs(b) : null };
      }),
    };
  });
}
