/**
 * Exports of a chart, from the same shaped data the panel draws: the data behind it (raw and
 * smoothed, with the seed band) as CSV and JSON, and the chart itself as an SVG written here
 * (uPlot draws on a canvas; the PNG comes from that canvas in chart.ts). Pure string builders,
 * tested in Node.
 */
import { extent, forLogAxis, type ChartModel, type ChartSeries } from './chartData';
import { formatValue, xValueText } from './chartFormat';
import { decimate } from './decimate';
import { lineDash } from './palette';
import { csvCell, escapeMarkup } from '../engine/contract/textEscapes';

function num(v: number): string {
  return Number.isNaN(v) ? '' : String(v);
}

/**
 * One row per x value; per series the columns `<label> raw`, `<label> smoothed`, and with a seed
 * band `<label> min` and `<label> max`. Empty cells where a series has no point.
 */
export function chartCsv(m: ChartModel): string {
  const header = [m.xLabel];
  for (const s of m.series) {
    header.push(`${s.label} raw`, `${s.label} smoothed`);
    if (s.low && s.high) header.push(`${s.label} min`, `${s.label} max`);
  }
  const lines = [header.map(csvCell).join(',')];
  for (let i = 0; i < m.x.length; i++) {
    const row = [m.categories ? csvCell(xValueText(m, m.x[i])) : String(m.x[i])];
    for (const s of m.series) {
      row.push(num(s.raw[i]), num(s.smoothed[i]));
      if (s.low && s.high) row.push(num(s.low[i]), num(s.high[i]));
    }
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}

const nullable = (a: Float64Array): (number | null)[] => Array.from(a, (v) => (Number.isNaN(v) ? null : v));

/** The chart's data as JSON: x, and per series raw, smoothed and (with seeds) min/max; gaps as null. */
export function chartJson(m: ChartModel, extra: Record<string, unknown> = {}): string {
  return (
    JSON.stringify(
      {
        chart: m.title,
        x: { label: m.xLabel, log2: m.logX, values: m.categories ? Array.from(m.x, (v) => xValueText(m, v)) : Array.from(m.x) },
        y: { label: m.yLabel },
        smoothing: { method: 'ema-debiased', weight: m.smoothing },
        band: 'min/max over seeds',
        ...extra,
        series: m.series.map((s) => ({
          key: s.key,
          label: s.label,
          members: s.members,
          raw: nullable(s.raw),
          smoothed: nullable(s.smoothed),
          ...(s.low && s.high ? { min: nullable(s.low), max: nullable(s.high) } : {}),
        })),
      },
      null,
      1,
    ) + '\n'
  );
}

/** Round ticks for a linear axis: steps of 1, 2 or 5 times a power of ten. */
export function linearTicks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((k) => k * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

/** Ticks for a log axis of base `base`: the powers in range (and 2x, 5x for base 10 over less than two decades). */
export function logTicks(lo: number, hi: number, base = 10): number[] {
  if (!(lo > 0) || !(hi >= lo)) return [];
  const out: number[] = [];
  const e0 = Math.floor(Math.log(lo) / Math.log(base) + 1e-9);
  const e1 = Math.ceil(Math.log(hi) / Math.log(base) - 1e-9);
  const few = base === 10 && e1 - e0 < 2;
  for (let e = e0; e <= e1; e++) {
    for (const k of few ? [1, 2, 5] : [1]) {
      const v = k * Math.pow(base, e);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(Number(v.toPrecision(12)));
    }
  }
  return out;
}

export interface SvgOptions {
  width: number;
  height: number;
  logY: boolean;
  hidden: ReadonlySet<string>;
  /** The x window shown (the zoom); the data's extent when absent. */
  xRange?: [number, number] | null;
  foreground: string;
  background: string;
  grid: string;
  fontFamily: string;
}

/**
 * The chart as a standalone SVG: title, axes with ticks and labels, grid, each visible series as
 * a path (its seed band as a translucent polygon), a legend under the plot. Long series are
 * thinned per pixel column exactly as on screen.
 */
export function chartSvg(m: ChartModel, o: SvgOptions): string {
  const font = 11;
  const visible = m.series.filter((s) => !o.hidden.has(s.key));
  const legendCols = Math.max(1, Math.floor((o.width - 60) / 230));
  const legendRows = Math.ceil(visible.length / legendCols);
  const left = 64;
  const right = 16;
  const top = 30;
  const bottom = 42;
  const plotW = Math.max(50, o.width - left - right);
  const plotH = Math.max(50, o.height - top - bottom);
  const totalH = top + plotH + bottom + legendRows * 16 + 8;

  const xr = o.xRange ?? extent(m.logX ? forLogAxis(m.x).values : m.x) ?? [0, 1];
  // A categorical axis keeps half a slot of room beside its first and last category.
  const [x0, x1] = m.categories ? [-0.5, m.categories.length - 0.5] : xr[0] === xr[1] ? [xr[0] - 1, xr[1] + 1] : xr;
  const ys = (s: ChartSeries) => [s.smoothed, s.raw, ...(s.low && s.high ? [s.low, s.high] : [])].map((a) => (o.logY ? forLogAxis(a).values : a));
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const s of visible) {
    for (const a of ys(s)) {
      for (let i = 0; i < a.length; i++) {
        if (m.x[i] < x0 || m.x[i] > x1 || Number.isNaN(a[i])) continue;
        y0 = Math.min(y0, a[i]);
        y1 = Math.max(y1, a[i]);
      }
    }
  }
  if (!(y0 <= y1)) [y0, y1] = o.logY ? [0.1, 1] : [0, 1];
  if (o.logY) {
    y0 = y0 / 1.15;
    y1 = y1 * 1.15;
  } else {
    const pad = (y1 - y0 || Math.abs(y0) || 1) * 0.05;
    y0 -= pad;
    y1 += pad;
  }
  const tx = (v: number) => (m.logX ? Math.log2(v) : v);
  const ty = (v: number) => (o.logY ? Math.log10(v) : v);
  const sx = (v: number) => left + ((tx(v) - tx(x0)) / (tx(x1) - tx(x0) || 1)) * plotW;
  const sy = (v: number) => top + plotH - ((ty(v) - ty(y0)) / (ty(y1) - ty(y0) || 1)) * plotH;
  const f = (v: number) => v.toFixed(1);

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${o.width}" height="${totalH}" viewBox="0 0 ${o.width} ${totalH}" font-family="${escapeMarkup(o.fontFamily)}" font-size="${font}">`);
  parts.push(`<title>${escapeMarkup(m.title)}</title>`);
  parts.push(`<rect width="100%" height="100%" fill="${escapeMarkup(o.background)}"/>`);
  parts.push(`<text x="${left}" y="18" fill="${escapeMarkup(o.foreground)}" font-size="13" font-weight="600">${escapeMarkup(m.title)}</text>`);

  const xTicks = m.categories ? m.categories.map((_, i) => i) : m.logX ? logTicks(x0, x1, 2) : linearTicks(x0, x1);
  const yTicks = o.logY ? logTicks(y0, y1, 10) : linearTicks(y0, y1);
  const grid: string[] = [];
  const labels: string[] = [];
  for (const t of xTicks) {
    const x = f(sx(t));
    grid.push(`M${x} ${top}V${top + plotH}`);
    labels.push(`<text x="${x}" y="${top + plotH + 14}" text-anchor="middle">${escapeMarkup(xValueText(m, t))}</text>`);
  }
  for (const t of yTicks) {
    const y = f(sy(t));
    grid.push(`M${left} ${y}H${left + plotW}`);
    labels.push(`<text x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeMarkup(formatValue(t))}</text>`);
  }
  parts.push(`<path d="${grid.join('')}" stroke="${escapeMarkup(o.grid)}" stroke-width="1" fill="none"/>`);
  parts.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="${escapeMarkup(o.foreground)}" stroke-opacity="0.5"/>`);
  parts.push(`<g fill="${escapeMarkup(o.foreground)}">${labels.join('')}</g>`);
  parts.push(`<text x="${left + plotW / 2}" y="${top + plotH + 32}" text-anchor="middle" fill="${escapeMarkup(o.foreground)}">${escapeMarkup(m.xLabel)}${m.logX ? ' (log scale)' : ''}</text>`);
  parts.push(`<text transform="translate(14 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="${escapeMarkup(o.foreground)}">${escapeMarkup(m.yLabel)}${o.logY ? ' (log scale)' : ''}</text>`);

  parts.push(`<defs><clipPath id="plot"><rect x="${left}" y="${top}" width="${plotW}" height="${plotH}"/></clipPath></defs>`);
  parts.push('<g clip-path="url(#plot)">');
  const usable = (v: number | null): v is number => v !== null;
  for (const s of visible) {
    const cols: ArrayLike<number>[] = s.low && s.high ? [s.smoothed, s.low, s.high] : [s.smoothed];
    const d = decimate(m.x, cols, [x0, x1], plotW, o.logY);
    const xs = d.x.map((x) => (m.logX && !(x > 0) ? null : x));
    if (s.low && s.high) {
      // One polygon per run of points where both bounds exist.
      let upper: string[] = [];
      let lower: string[] = [];
      const flush = () => {
        if (upper.length > 1) parts.push(`<polygon points="${upper.join(' ')} ${lower.reverse().join(' ')}" fill="${escapeMarkup(s.color)}" fill-opacity="0.18" stroke="none"/>`);
        upper = [];
        lower = [];
      };
      for (let k = 0; k < xs.length; k++) {
        const x = xs[k];
        const lo = d.columns[1][k];
        const hi = d.columns[2][k];
        if (x !== null && usable(lo) && usable(hi)) {
          upper.push(`${f(sx(x))},${f(sy(hi))}`);
          lower.push(`${f(sx(x))},${f(sy(lo))}`);
        } else flush();
      }
      flush();
    }
    const path: string[] = [];
    let pen = false;
    const marks: string[] = [];
    for (let k = 0; k < xs.length; k++) {
      const x = xs[k];
      const v = d.columns[0][k];
      if (x === null || !usable(v)) {
        if (!s.points) pen = false;
        continue;
      }
      path.push(`${pen ? 'L' : 'M'}${f(sx(x))} ${f(sy(v))}`);
      pen = true;
      if (s.points) marks.push(`<circle cx="${f(sx(x))}" cy="${f(sy(v))}" r="3"/>`);
    }
    const dash = svgDash(s);
    parts.push(`<path d="${path.join('')}" fill="none" stroke="${escapeMarkup(s.color)}" stroke-width="${s.strokeWidth}"${dash}><title>${escapeMarkup(s.label)}</title></path>`);
    if (marks.length) parts.push(`<g fill="${escapeMarkup(s.color)}">${marks.join('')}</g>`);
  }
  parts.push('</g>');

  const legendTop = top + plotH + bottom;
  visible.forEach((s, i) => {
    const col = i % legendCols;
    const row = Math.floor(i / legendCols);
    const x = left + col * 230;
    const y = legendTop + row * 16 + 8;
    const dash = svgDash(s);
    parts.push(`<path d="M${x} ${y}H${x + 22}" stroke="${escapeMarkup(s.color)}" stroke-width="${Math.max(2, s.strokeWidth)}"${dash}/>`);
    parts.push(`<text x="${x + 28}" y="${y}" dominant-baseline="middle" fill="${escapeMarkup(o.foreground)}">${escapeMarkup(s.label.length > 36 ? s.label.slice(0, 35) + '…' : s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** A file name stem from free text: "Test loss" -> "test-loss". */
export function fileStem(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'chart'
  );
}

/** The SVG stroke-dasharray attribute of a series' line ('' for a solid one). */
function svgDash(s: ChartSeries): string {
  const dash = lineDash(s);
  return dash ? ` stroke-dasharray="${dash.join(' ')}"` : '';
}
