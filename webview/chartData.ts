/**
 * Chart-data shaping for the run panel: pure functions and a plain store, no DOM, tested in Node.
 *
 *   metric points --MetricStore--> per-job series (steps ascending, growable typed arrays)
 *     --shapeMetricChart--> one ChartModel per metric: every series aligned on the union of steps,
 *       seeds of one model and width either drawn one by one or aggregated as a mean line with a
 *       min/max band (the band is the full range over seeds, not a standard deviation: with 2-5
 *       seeds a range hides nothing), an EMA-smoothed copy beside the raw values
 *     --decimate (decimate.ts)--> at most two drawn points per pixel column (drawing only)
 *
 * Missing values are NaN inside the typed arrays (a step one seed has not logged yet, a metric a
 * job does not log); they become gaps when drawn and empty cells when exported. Colours come
 * from palette.ts; metric names, legend labels and printed figures from chartFormat.ts.
 */
import type { MetricName, MetricPoint } from './protocol';
import { colorFor, colorLayout, pointDash, pointLayout, strokeFor, widthRank } from './palette';
import { groupLabel, metricLabels } from './chartFormat';

/** A growable float64 column. */
class Column {
  data: Float64Array;
  length = 0;
  constructor(capacity = 64) {
    this.data = new Float64Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** One job's logged points, in step order. */
export class JobSeries {
  readonly steps = new Column();
  readonly values: Record<MetricName, Column> = { trainLoss: new Column(), testLoss: new Column(), testAccuracy: new Column(), rmseToLimit: new Column() };
  /** The sweep point its id names: seeds of one point are drawn as one band. */
  readonly point: string;
  constructor(
    readonly id: string,
    readonly model: string,
    readonly width: number | null,
    readonly seed: number | null,
  ) {
    this.point = pointOfJobId(id, model);
  }
  get length(): number {
    return this.steps.length;
  }
  get lastStep(): number {
    return this.steps.length ? this.steps.data[this.steps.length - 1] : -Infinity;
  }
  push(p: MetricPoint): void {
    this.steps.push(p.step);
    for (const m of Object.keys(this.values) as MetricName[]) {
      const v = p[m];
      this.values[m].push(typeof v === 'number' && Number.isFinite(v) ? v : NaN);
    }
  }
}

/**
 * Every job's points of one run, appended as they stream. The host sends each point exactly once
 * (a snapshot of its run store, then the points after it: extension/panels/feedRouter.ts), so a
 * job's steps only grow; a point whose step is not after its job's last one would break that
 * order, is refused and counted in `refused` (the run panel reports it to the host's log).
 * Also keeps the sorted union of all steps, the x axis every chart of the run shares.
 */
export class MetricStore {
  readonly jobs = new Map<string, JobSeries>();
  /** Sorted distinct steps over all jobs. */
  private union = new Column();
  private unionSet = new Set<number>();
  private unionSorted = true;
  /** Bumped when a step landed inside the union instead of after it: indices into it moved. */
  unionEpoch = 0;
  /** Which metrics some job has logged a finite value for. */
  readonly present = new Set<MetricName>();
  /** Bumped on every change, so views can skip work when nothing changed. */
  version = 0;
  points = 0;
  /** Points refused because their step was not after their job's last one. */
  refused = 0;

  /** Appends points; returns how many were taken. */
  append(points: readonly MetricPoint[]): number {
    let added = 0;
    for (const p of points) {
      if (!p || typeof p.id !== 'string' || !Number.isFinite(p.step)) continue;
      let job = this.jobs.get(p.id);
      if (!job) {
        job = new JobSeries(p.id, p.model, p.width ?? null, p.seed ?? null);
        this.jobs.set(p.id, job);
      }
      if (p.step <= job.lastStep) {
        this.refused++;
        continue;
      }
      job.push(p);
      added++;
      if (!this.unionSet.has(p.step)) {
        if (this.union.length && p.step < this.union.data[this.union.length - 1]) this.unionSorted = false;
        this.unionSet.add(p.step);
        this.union.push(p.step);
      }
      if (Number.isFinite(p.trainLoss)) this.present.add('trainLoss');
      if (Number.isFinite(p.testLoss)) this.present.add('testLoss');
      if (typeof p.testAccuracy === 'number' && Number.isFinite(p.testAccuracy)) this.present.add('testAccuracy');
      if (typeof p.rmseToLimit === 'number' && Number.isFinite(p.rmseToLimit)) this.present.add('rmseToLimit');
    }
    if (added) {
      this.version++;
      this.points += added;
    }
    return added;
  }

  /** The sorted union of steps (shared; do not modify). */
  steps(): Float64Array {
    if (!this.unionSorted) {
      this.union.view().sort();
      this.unionSorted = true;
      this.unionEpoch++;
    }
    return this.union.view();
  }
}

/**
 * The sweep point a job id names ("lr=0.01" of "adam/lr=0.01/w512/s0"): its parts between the model
 * and the width and seed; "" for a run without a sweep ("sgd/w16/s0", "ntk").
 */
export function pointOfJobId(id: string, model: string): string {
  const rest = id.startsWith(`${model}/`) ? id.slice(model.length + 1) : '';
  return rest
    .split('/')
    .filter((part) => part && !/^[ws]\d+$/.test(part))
    .join(' ');
}

/** A finite series' stroke and end label by its width among its model's widths (infinite models: 1.5 px, no label). */
function widthStyle(widths: Map<string, number[]>, model: string, width: number | null): { strokeWidth: number; endLabel?: string } {
  if (width === null) return { strokeWidth: 1.5 };
  const several = (widths.get(model)?.length ?? 0) > 1;
  return several ? { strokeWidth: strokeFor(widthRank(widths, model, width)), endLabel: `w${width}` } : { strokeWidth: 1.5 };
}

/**
 * A series' style by its width and, where its model has several sweep points, by its point: a dash
 * pattern of the point's own (palette.ts pointDash) and the point in its end label ("lr=0.01 w512"),
 * so the points of one model read apart within its colour.
 */
function seriesStyle(widths: Map<string, number[]>, points: Map<string, string[]>, job: { model: string; width: number | null; point: string }): Pick<ChartSeries, 'strokeWidth' | 'endLabel' | 'pattern'> {
  const style = widthStyle(widths, job.model, job.width);
  const list = points.get(job.model) ?? [];
  if (list.length <= 1) return style;
  const pattern = pointDash(job.width === null, list.indexOf(job.point));
  const endLabel = [job.point, style.endLabel].filter(Boolean).join(' ');
  return { ...style, pattern, ...(endLabel ? { endLabel } : {}) };
}

/** "sgd|64", "ntk|inf", "adam|512|lr=0.01": the legend key of one model at one width (and sweep point); its label is chartFormat.ts groupLabel. */
export function groupKey(model: string, width: number | null, point = ''): string {
  return `${model}|${width === null ? 'inf' : width}${point ? `|${point}` : ''}`;
}

export interface ChartSeries {
  /** Legend key: a group key (band mode, overlay) or a job id (seeds mode). */
  key: string;
  label: string;
  color: string;
  /** Infinite-width models and reference lines are dashed. */
  dash: boolean;
  /** The dash pattern of one sweep point of a model with several (palette.ts pointDash; null solid); absent: as `dash` says. */
  pattern?: number[] | null;
  /** Stroke width in CSS pixels (the overlay's baseline is thicker; a family's narrower widths thinner). */
  strokeWidth: number;
  /** Written at the line's right end ("w512") where a model has several widths, so each line says its width whatever its shade. */
  endLabel?: string;
  /** Draw a marker at every point (sparse series such as width sweeps). */
  points: boolean;
  /** Aligned with the chart's x; NaN where missing. Band mode: the mean over seeds. */
  raw: Float64Array;
  /** EMA of raw (equal to raw when smoothing is 0). */
  smoothed: Float64Array;
  /** Band mode with several seeds: min and max over seeds (raw). */
  low?: Float64Array;
  high?: Float64Array;
  /** How many jobs (seeds) the series stands for. */
  members: number;
}

export interface ChartModel {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  /** Log2 x axis (widths). */
  logX: boolean;
  x: Float64Array;
  series: ChartSeries[];
  /** The EMA weight that made `smoothed`. */
  smoothing: number;
  /**
   * A categorical x axis (a swept setting of names, such as optimizer.name: [sgd, adam]): x holds
   * 0, 1, ..., each the index of its category here, drawn evenly spaced and labelled with it.
   */
  categories?: string[];
}

/**
 * Exponential moving average with TensorBoard's debiasing: s_t = m_t / (1 - w^n), with
 * m_t = w m_{t-1} + (1 - w) v_t over the n finite values so far. NaN values stay NaN and do not
 * move the average. w = 0 returns a copy. w must lie in [0, 1).
 */
export function ema(values: ArrayLike<number>, weight: number): Float64Array {
  const out = new Float64Array(values.length);
  if (!(weight > 0)) {
    for (let i = 0; i < values.length; i++) out[i] = values[i];
    return out;
  }
  let m = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) {
      out[i] = NaN;
      continue;
    }
    m = weight * m + (1 - weight) * v;
    n++;
    out[i] = m / (1 - Math.pow(weight, n));
  }
  return out;
}

/** Mean, min and max over columns at each index, ignoring NaN (NaN where no column has a value). */
export function aggregateColumns(columns: Float64Array[], length: number): { mean: Float64Array; min: Float64Array; max: Float64Array } {
  const mean = new Float64Array(length);
  const min = new Float64Array(length);
  const max = new Float64Array(length);
  aggregateInto(columns, 0, length, mean, min, max);
  return { mean, min, max };
}

export interface ShapeOptions {
  seedMode: 'band' | 'seeds';
  /** EMA weight in [0, 1). */
  smoothing: number;
}

/** A growable NaN-filled column laid on the union of steps. */
class AlignedColumn {
  data = new Float64Array(0);
  ensure(length: number): void {
    if (length <= this.data.length) return;
    const next = new Float64Array(Math.max(length, this.data.length * 2, 64)).fill(NaN);
    next.set(this.data);
    this.data = next;
  }
}

interface JobCache {
  column: AlignedColumn;
  /** Job points already placed, and the union index of the last one. */
  placed: number;
  at: number;
  /** Whether any placed value is finite (a job that never logs the metric has no series). */
  any: boolean;
}

interface GroupCache {
  mean: AlignedColumn;
  min: AlignedColumn;
  max: AlignedColumn;
  /** Union indices from here on need their aggregate recomputed. */
  dirtyFrom: number;
  members: number;
}

/**
 * One metric of one run as a chart, kept up to date incrementally: each job's values stay laid
 * on the union of steps and each model/width group's mean, min and max over seeds stay computed;
 * a call places only the points that arrived since the previous one and re-aggregates only the
 * steps they touched. What it returns equals shaping from scratch (tested); the arrays are views
 * that later calls may fill in further, so use a result before the next append.
 */
export class MetricShaper {
  private epoch = -1;
  private length = 0;
  private jobs = new Map<string, JobCache>();
  private groups = new Map<string, GroupCache>();

  constructor(
    private readonly store: MetricStore,
    readonly metric: MetricName,
  ) {}

  private reset(): void {
    this.jobs.clear();
    this.groups.clear();
    this.length = 0;
  }

  private update(): Float64Array {
    const x = this.store.steps();
    if (this.store.unionEpoch !== this.epoch) {
      this.reset();
      this.epoch = this.store.unionEpoch;
    }
    const grown = this.length;
    this.length = x.length;
    for (const job of this.store.jobs.values()) {
      let cache = this.jobs.get(job.id);
      if (!cache) {
        cache = { column: new AlignedColumn(), placed: 0, at: 0, any: false };
        this.jobs.set(job.id, cache);
      }
      cache.column.ensure(x.length);
      const key = groupKey(job.model, job.width, job.point);
      let group = this.groups.get(key);
      if (!group) {
        group = { mean: new AlignedColumn(), min: new AlignedColumn(), max: new AlignedColumn(), dirtyFrom: 0, members: 0 };
        this.groups.set(key, group);
      }
      if (cache.placed === job.length) continue;
      const values = job.values[this.metric].data;
      const steps = job.steps.data;
      let u = cache.at;
      for (let i = cache.placed; i < job.length; i++) {
        while (u < x.length && x[u] < steps[i]) u++;
        if (i === cache.placed) group.dirtyFrom = Math.min(group.dirtyFrom, u);
        cache.column.data[u] = values[i];
        if (!Number.isNaN(values[i])) cache.any = true;
      }
      cache.placed = job.length;
      cache.at = u;
    }
    for (const g of this.groups.values()) g.dirtyFrom = Math.min(g.dirtyFrom, grown);
    return x;
  }

  shape(options: ShapeOptions, id: string = this.metric): ChartModel {
    const x = this.update();
    const n = x.length;
    const metric = this.metric;
    // Colours from every job of the run, so a model keeps its colour in every chart.
    const { models, widths } = colorLayout(this.store.jobs.values());
    const points = pointLayout(this.store.jobs.values());
    const jobs = [...this.store.jobs.values()].filter((j) => this.jobs.get(j.id)!.any);
    const series: ChartSeries[] = [];
    const smooth = (v: Float64Array) => (options.smoothing > 0 ? ema(v, options.smoothing) : v);
    if (options.seedMode === 'seeds') {
      for (const j of jobs) {
        const raw = this.jobs.get(j.id)!.column.data.subarray(0, n);
        series.push({
          key: j.id,
          label: j.width === null ? groupLabel(j.model, null, j.point) : `${groupLabel(j.model, j.width, j.point)} s${j.seed}`,
          color: colorFor(models, widths, j.model, j.width),
          dash: j.width === null,
          ...seriesStyle(widths, points, j),
          points: false,
          raw,
          smoothed: smooth(raw),
          members: 1,
        });
      }
    } else {
      const members = new Map<string, JobSeries[]>();
      for (const j of jobs) {
        const k = groupKey(j.model, j.width, j.point);
        if (!members.has(k)) members.set(k, []);
        members.get(k)!.push(j);
      }
      for (const [key, list] of members) {
        const first = list[0];
        const g = this.groups.get(key)!;
        const columns = list.map((j) => this.jobs.get(j.id)!.column.data);
        if (list.length !== g.members) g.dirtyFrom = 0;
        g.members = list.length;
        let raw: Float64Array;
        let low: Float64Array | undefined;
        let high: Float64Array | undefined;
        if (list.length === 1) raw = columns[0].subarray(0, n);
        else {
          for (const c of [g.mean, g.min, g.max]) c.ensure(n);
          aggregateInto(columns, g.dirtyFrom, n, g.mean.data, g.min.data, g.max.data);
          raw = g.mean.data.subarray(0, n);
          low = g.min.data.subarray(0, n);
          high = g.max.data.subarray(0, n);
        }
        g.dirtyFrom = n;
        const s: ChartSeries = {
          key,
          label: groupLabel(first.model, first.width, first.point) + (list.length > 1 ? ` (mean of ${list.length} seeds)` : ''),
          color: colorFor(models, widths, first.model, first.width),
          dash: first.width === null,
          ...seriesStyle(widths, points, first),
          points: false,
          raw,
          smoothed: smooth(raw),
          members: list.length,
        };
        if (low && high) {
          s.low = low;
          s.high = high;
        }
        series.push(s);
      }
    }
    return { id, title: metricLabels[metric], xLabel: 'step', yLabel: metricLabels[metric], logX: false, x, series, smoothing: options.smoothing };
  }
}

/** Mean, min and max over columns at indices [from, to), ignoring NaN (NaN where no column has a value). */
function aggregateInto(columns: Float64Array[], from: number, to: number, mean: Float64Array, min: Float64Array, max: Float64Array): void {
  for (let i = from; i < to; i++) {
    let sum = 0;
    let n = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (const c of columns) {
      const v = c[i];
      if (Number.isNaN(v)) continue;
      sum += v;
      n++;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    mean[i] = n ? sum / n : NaN;
    min[i] = n ? lo : NaN;
    max[i] = n ? hi : NaN;
  }
}

/** One metric of one run as a chart, from scratch: a series per job (seeds mode) or per model and width (band mode). */
export function shapeMetricChart(store: MetricStore, metric: MetricName, options: ShapeOptions, id: string = metric): ChartModel {
  return new MetricShaper(store, metric).shape(options, id);
}

/**
 * Values for a logarithmic axis: non-positive and non-finite values become NaN (a gap), counted
 * so the panel can say how many points the log axis hides.
 */
export function forLogAxis(values: ArrayLike<number>): { values: Float64Array; dropped: number } {
  const out = new Float64Array(values.length);
  let dropped = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > 0 && Number.isFinite(v)) out[i] = v;
    else {
      out[i] = NaN;
      if (!Number.isNaN(v)) dropped++;
    }
  }
  return { values: out, dropped };
}

/** Finite min and max of x, or null when empty. */
export function extent(values: ArrayLike<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v) || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** The last finite value of a series and its x, for the legend and the screen-reader summary. */
export function lastValue(x: ArrayLike<number>, values: ArrayLike<number>): { x: number; value: number } | null {
  for (let i = values.length - 1; i >= 0; i--) if (!Number.isNaN(values[i])) return { x: x[i], value: values[i] };
  return null;
}
