/**
 * One chart on screen: a uPlot canvas fed from a ChartModel, with its own legend (vscode-elements
 * checkboxes: focusable, labelled, showing the value under the cursor), keyboard stepping through
 * the points with an aria-live readout, a visually hidden table of final values for screen
 * readers, drag-to-zoom that survives streaming (the x window is kept and the data re-thinned for
 * it), and exports (PNG from the canvas; SVG, CSV, JSON from the same shaped data).
 */
import uPlot from 'uplot';
import { extent, lastValue, type ChartModel, type ChartSeries } from './chartData';
import { formatValue, xValueText } from './chartFormat';
import { dashGradient, lineDash, withAlpha, type Theme } from './palette';
import { decimate, nearestIndex } from './decimate';
import { Throttled } from './throttle';
import { spreadLabels } from './endLabels';
import { chartCsv, chartJson, chartSvg, fileStem } from './exportData';
import type { ExportFormat } from './protocol';
import { button, checkbox, el, uniqueId, type Toggle } from './ui';

export interface ChartView {
  logY: boolean;
  hidden: ReadonlySet<string>;
  /** The user's x window, or null for everything. */
  zoom: [number, number] | null;
  /** Show values as percentages (accuracy). */
  percent?: boolean;
}

export interface ChartEvents {
  toggle(key: string, visible: boolean): void;
  zoom(chartId: string, range: [number, number] | null): void;
  export(fileName: string, format: ExportFormat, encoding: 'base64' | 'utf8', data: string): void;
}

interface Slot {
  series: ChartSeries;
  line: number;
  low?: number;
  high?: number;
  toggle: Toggle;
  value: HTMLElement;
}

/** One series' legend entry: kept across rebuilds of the plot, so streaming never empties the legend. */
interface LegendEntry {
  toggle: Toggle;
  swatch: HTMLElement;
  name: HTMLElement;
  value: HTMLElement;
}

const chartHeight = 260;
/** Decimation slices: one per 2 CSS pixels (a min-max pair each), about half the drawing work of one per pixel at no visible cost. */
const pixelsPerBucket = 2;

export class LineChart {
  readonly element: HTMLElement;
  private readonly plotHost: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly readout: HTMLElement;
  private readonly note: HTMLElement;
  private readonly table: HTMLTableElement;
  private readonly cursorLabel: HTMLElement;
  private plot: uPlot | null = null;
  private signature = '';
  private slots: Slot[] = [];
  private readonly entries = new Map<string, LegendEntry>();
  private model: ChartModel | null = null;
  private view: ChartView | null = null;
  private fullRange: [number, number] | null = null;
  private programmatic = false;
  private keyboardIndex: number | null = null;
  private plotWidth = 0;
  private onScreen = true;
  private stale = false;
  private pending = false;
  private readonly visibility: IntersectionObserver;
  /** Screen-reader table and latest values follow a stream at most a few times a second. */
  private readonly table$ = new Throttled(1000, () => this.updateTable());
  private readonly latest$ = new Throttled(250, () => this.showValues(null));
  private readonly resize: ResizeObserver;

  constructor(
    readonly id: string,
    private readonly events: ChartEvents,
    private theme: Theme,
    private readonly requestDraw: () => void,
  ) {
    const titleId = uniqueId('chart-title');
    const readoutId = uniqueId('chart-readout');
    this.element = el('section', { className: 'chart', attrs: { 'aria-labelledby': titleId, 'data-chart': id } });
    const heading = el('h3', { attrs: { id: titleId } });
    const tools = el('div', { className: 'chart-tools', attrs: { role: 'toolbar', 'aria-label': 'Export this chart' } });
    for (const format of ['png', 'svg', 'csv', 'json'] as ExportFormat[]) {
      tools.append(button(format.toUpperCase(), () => this.export(format), { ariaLabel: `Export ${format === 'csv' || format === 'json' ? 'the data behind this chart' : 'this chart'} as ${format.toUpperCase()}` }));
    }
    this.plotHost = el('div', {
      className: 'plot',
      attrs: { tabindex: '0', role: 'img', 'aria-describedby': readoutId, 'aria-roledescription': 'chart' },
    });
    this.plotHost.addEventListener('keydown', (e) => this.onKey(e));
    this.cursorLabel = el('span', { className: 'cursor-label' });
    this.legend = el('div', { className: 'legend', attrs: { role: 'group', 'aria-label': 'Series: switch each on or off' } });
    this.readout = el('div', { className: 'readout', attrs: { id: readoutId, 'aria-live': 'polite' } });
    this.note = el('div', { className: 'note' });
    this.table = el('table', { className: 'visually-hidden' });
    this.element.append(el('header', {}, [heading, tools]), this.plotHost, el('div', { className: 'legend-head' }, [this.cursorLabel]), this.legend, this.readout, this.note, this.table);
    // The width comes from the observer: reading clientWidth while drawing would force a layout per chart per frame.
    this.resize = new ResizeObserver((entries) => {
      const width = Math.floor(entries[entries.length - 1].contentRect.width);
      if (width <= 0 || width === this.plotWidth) return;
      this.plotWidth = width;
      if (this.plot) {
        this.plot.setSize({ width: this.width(), height: chartHeight });
        this.requestDraw();
      }
    });
    this.resize.observe(this.plotHost);
    this.visibility = new IntersectionObserver(
      (entries) => {
        this.onScreen = entries[entries.length - 1].isIntersecting;
        if (this.onScreen && this.stale && this.model && this.view) {
          this.update(this.model, this.view);
          this.requestDraw();
        }
      },
      { rootMargin: '200px' },
    );
    this.visibility.observe(this.element);
  }

  private width(): number {
    if (this.plotWidth === 0) this.plotWidth = Math.floor(this.plotHost.clientWidth);
    return Math.max(240, this.plotWidth || 600);
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.signature = '';
  }

  /**
   * Draws the model under the view: rebuilds uPlot when the series or axes changed, else swaps the
   * data. A chart scrolled out of view only keeps the model, and draws when it comes back.
   */
  update(model: ChartModel, view: ChartView): void {
    this.model = model;
    this.view = view;
    if (!this.onScreen && this.plot) {
      this.stale = true;
      return;
    }
    this.stale = false;
    // The first draw builds the plot at once; later ones wait for the chart set's next frame, which
    // spreads the charts of a panel over frames instead of redrawing them all in one.
    if (this.plot) this.pending = true;
    else this.render();
  }

  /** True when update() stored a model that is not drawn yet. */
  get needsRender(): boolean {
    return this.pending;
  }

  /** Draws the stored model now. */
  render(): void {
    this.pending = false;
    const model = this.model;
    const view = this.view;
    if (!model || !view) return;
    (this.element.querySelector('h3') as HTMLElement).textContent = model.title;
    this.plotHost.setAttribute('aria-label', `${model.title}: ${model.series.length} series over ${model.x.length} ${model.xLabel} values. Arrow keys step through the points.`);
    const signature = [model.series.map((s) => `${s.key}:${s.low ? 'b' : ''}:${s.label}:${s.color}:${s.dash}:${lineDash(s)?.join(' ') ?? ''}:${s.strokeWidth}:${s.points}:${s.endLabel ?? ''}`).join(','), view.logY, model.logX, model.categories?.join('\u0001') ?? '', !!view.percent, this.theme.key].join('#');
    if (signature !== this.signature) this.build(model, view, signature);
    // Same series, new arrays (a snapshot replaces the store; a column may be reallocated): the
    // legend, the read-out and the exports read the slots, so they must hold this model's series.
    else model.series.forEach((s, i) => (this.slots[i].series = s));
    this.fullRange = extent(model.x);
    const range = view.zoom ?? this.fullRange;
    // uPlot's column order: per series its line, then its band's low and high.
    const columns: ArrayLike<number>[] = [];
    for (const s of model.series) {
      columns.push(s.smoothed);
      if (s.low && s.high) columns.push(s.low, s.high);
    }
    const drawn = decimate(model.x, columns, range, this.width() / pixelsPerBucket, view.logY);
    const data: (number | null)[][] = [drawn.x, ...drawn.columns];
    setData(this.element, 'series', String(model.series.length));
    setData(this.element, 'points', String(model.x.length));
    setData(this.element, 'drawn', String(data[0].length));
    setText(this.note, drawn.dropped ? `Values that are not positive are not shown on the log axis (${drawn.dropped} in view).` : '');
    const plot = this.plot!;
    this.programmatic = true;
    try {
      plot.batch(() => {
        plot.setData(data as uPlot.AlignedData, !view.zoom);
        if (view.zoom) plot.setScale('x', { min: view.zoom[0], max: view.zoom[1] });
      });
    } finally {
      this.programmatic = false;
    }
    setData(this.element, 'xRange', `${plot.scales.x.min},${plot.scales.x.max}`);
    this.applyHidden(view.hidden);
    if (plot.cursor.idx !== null && plot.cursor.idx !== undefined) this.showValues(plot.cursor.idx);
    else this.latest$.request();
    this.table$.request();
  }

  /** Refreshes the screen-reader table now (it otherwise follows at most once a second). */
  flushTable(): void {
    this.table$.now();
  }

  private build(model: ChartModel, view: ChartView, signature: string): void {
    this.plot?.destroy();
    this.signature = signature;
    this.slots = [];
    const t = this.theme;
    const font = `11px ${t.fontFamily}`;
    const series: uPlot.Series[] = [{ label: model.xLabel }];
    const bands: uPlot.Band[] = [];
    const fmt = (v: number | null) => formatValue(v, view.percent);
    for (const s of model.series) {
      const line = series.length;
      series.push({
        label: s.label,
        stroke: s.color,
        width: s.strokeWidth,
        dash: lineDash(s) ?? undefined,
        spanGaps: true,
        points: { show: s.points, size: 6, fill: s.color },
        value: (_u, v) => fmt(v),
      });
      const slot: Partial<Slot> = { series: s, line };
      if (s.low && s.high) {
        slot.low = series.length;
        series.push({ label: `${s.label} min`, stroke: 'transparent', width: 0, points: { show: false }, spanGaps: true });
        slot.high = series.length;
        series.push({ label: `${s.label} max`, stroke: 'transparent', width: 0, points: { show: false }, spanGaps: true });
        bands.push({ series: [slot.high, slot.low], fill: withAlpha(s.color, 0.18) });
      }
      const entry = this.legendEntry(s, view);
      slot.value = entry.value;
      slot.toggle = entry.toggle;
      this.slots.push(slot as Slot);
    }
    this.placeLegend(model.series);
    const axis = (label: string, format: (v: number | null) => string): uPlot.Axis => ({
      label,
      stroke: t.foreground,
      font,
      labelFont: font,
      grid: { stroke: t.grid, width: 1 },
      ticks: { stroke: t.grid, width: 1 },
      values: (_u, splits) => splits.map((v) => (v === null ? '' : format(v))),
    });
    const categories = model.categories;
    const xAxis: uPlot.Axis = {
      ...axis(model.xLabel + (model.logX ? ' (log₂)' : ''), (v) => (v === null ? '' : xValueText(model, v))),
      // A categorical axis: one tick per category, at its index, and nothing between.
      ...(categories ? { splits: () => categories.map((_, i) => i) } : {}),
    };
    const options: uPlot.Options = {
      width: this.width(),
      height: chartHeight,
      series,
      bands,
      legend: { show: false },
      scales: {
        x: { time: false, distr: model.logX ? 3 : 1, log: 2, ...(categories ? { range: (): uPlot.Range.MinMax => [-0.5, categories.length - 0.5] } : {}) },
        y: { distr: view.logY ? 3 : 1, log: 10 },
      },
      axes: [xAxis, { ...axis(model.yLabel + (view.logY ? ' (log)' : ''), fmt), size: 64 }],
      cursor: {
        drag: { x: true, y: false, setScale: true },
        bind: {
          // Double-click shows everything again: the drawn data may be thinned to the zoom window.
          dblclick: () => () => {
            this.events.zoom(this.id, null);
            return null;
          },
        },
      },
      hooks: {
        setScale: [
          (u, key) => {
            if (key !== 'x' || this.programmatic || !this.fullRange) return;
            const { min, max } = u.scales.x;
            if (min === undefined || max === undefined || min === null || max === null) return;
            const [lo, hi] = this.fullRange;
            const eps = (hi - lo) * 1e-9;
            this.events.zoom(this.id, min <= lo + eps && max >= hi - eps ? null : [min, max]);
          },
        ],
        setCursor: [(u) => this.showValues(u.cursor.idx ?? null)],
        draw: [(u) => this.drawEndLabels(u)],
      },
    };
    this.plot = new uPlot(options, [[]], this.plotHost);
  }

  /** "w64", "w512" at the right ends of the visible lines that carry one, in each line's colour. */
  private drawEndLabels(u: uPlot): void {
    const ratio = window.devicePixelRatio || 1;
    const ends: { text: string; color: string; x: number; y: number }[] = [];
    for (const slot of this.slots) {
      const text = slot.series.endLabel;
      if (!text || !u.series[slot.line]?.show) continue;
      const ys = u.data[slot.line] as (number | null)[];
      let i = ys.length - 1;
      while (i >= 0 && (ys[i] === null || !Number.isFinite(ys[i] as number))) i--;
      if (i < 0) continue;
      const x = u.valToPos(u.data[0][i] as number, 'x', true);
      const y = u.valToPos(ys[i] as number, 'y', true);
      if (Number.isFinite(x) && Number.isFinite(y)) ends.push({ text, color: slot.series.color, x, y });
    }
    if (ends.length === 0) return;
    const { left, top, width, height } = u.bbox;
    const size = 10 * ratio;
    const placed = spreadLabels(ends.map((e) => e.y - size * 0.6), size * 1.1, top + size / 2, top + height - size / 2);
    const ctx = u.ctx;
    ctx.save();
    ctx.font = `${size}px ${this.theme.fontFamily}`;
    ctx.textBaseline = 'middle';
    ends.forEach((e, k) => {
      const w = ctx.measureText(e.text).width;
      // Right of a line that stops inside the plot (a run still streaming), else just inside the right edge.
      const inside = e.x + 4 * ratio + w <= left + width;
      ctx.textAlign = inside ? 'left' : 'right';
      ctx.fillStyle = e.color;
      ctx.fillText(e.text, inside ? e.x + 4 * ratio : e.x - 2 * ratio, placed[k]);
    });
    ctx.restore();
  }

  /** The series' legend entry: the one it had (restyled where its colour, dash or label changed), or a new one. */
  private legendEntry(s: ChartSeries, view: ChartView): LegendEntry {
    let entry = this.entries.get(s.key);
    if (!entry) {
      const swatch = el('span');
      const value = el('span', { className: 'value' });
      const name = el('span');
      const label = el('span', { className: 'entry' }, [swatch, name, value]);
      const toggle = checkbox(label, !view.hidden.has(s.key), (on) => this.events.toggle(s.key, on), name);
      entry = { toggle, swatch, name, value };
      this.entries.set(s.key, entry);
    }
    // A sweep point's own pattern is drawn as a repeating gradient (a border knows only dashed and dotted).
    const gradient = s.pattern ? dashGradient(s.color, s.pattern) : '';
    const className = gradient ? 'swatch patterned' : s.dash ? 'swatch dashed' : 'swatch';
    if (entry.swatch.className !== className) entry.swatch.className = className;
    if (entry.swatch.style.borderColor !== s.color) entry.swatch.style.borderColor = s.color;
    if (entry.swatch.style.backgroundImage !== gradient) entry.swatch.style.backgroundImage = gradient;
    const thickness = `${Math.max(2, Math.round(s.strokeWidth * 2))}px`;
    if (entry.swatch.style.borderTopWidth !== thickness) entry.swatch.style.borderTopWidth = thickness;
    if (entry.swatch.style.height !== (gradient ? thickness : '')) entry.swatch.style.height = gradient ? thickness : '';
    if (entry.name.textContent !== s.label) entry.name.textContent = s.label;
    return entry;
  }

  /** Puts the entries in the series' order, moving only what is out of place and dropping the gone. */
  private placeLegend(series: ChartSeries[]): void {
    const keep = new Set(series.map((s) => s.key));
    for (const [key, entry] of this.entries) {
      if (keep.has(key)) continue;
      entry.toggle.element.remove();
      this.entries.delete(key);
    }
    let at: Element | null = this.legend.firstElementChild;
    for (const s of series) {
      const element = this.entries.get(s.key)!.toggle.element;
      if (element === at) at = at.nextElementSibling;
      else this.legend.insertBefore(element, at);
    }
  }

  private applyHidden(hidden: ReadonlySet<string>): void {
    const plot = this.plot;
    if (!plot) return;
    for (const slot of this.slots) {
      const show = !hidden.has(slot.series.key);
      slot.toggle.set(show);
      for (const i of [slot.line, slot.low, slot.high]) if (i !== undefined && plot.series[i].show !== show) plot.setSeries(i, { show });
    }
  }

  private showValues(idx: number | null): void {
    const plot = this.plot;
    if (!plot || !this.model) return;
    const percent = !!this.view?.percent;
    if (idx === null || idx === undefined) {
      setText(this.cursorLabel, 'Latest values');
      for (const slot of this.slots) setText(slot.value, formatValue(lastValue(this.model.x, slot.series.smoothed)?.value ?? null, percent));
      return;
    }
    // The drawn points may be thinned: the read-out takes the real values at that x.
    const x = plot.data[0][idx] as number;
    const i = nearestIndex(this.model.x, x);
    setText(this.cursorLabel, `At ${this.model.xLabel} ${this.model.categories ? xValueText(this.model, x) : x}`);
    for (const slot of this.slots) setText(slot.value, formatValue(slot.series.smoothed[i], percent));
  }

  private onKey(e: KeyboardEvent): void {
    const plot = this.plot;
    if (!plot || !this.model) return;
    const n = plot.data[0].length;
    if (!n) return;
    let i = this.keyboardIndex ?? n - 1;
    if (e.key === 'ArrowLeft') i = Math.max(0, i - 1);
    else if (e.key === 'ArrowRight') i = Math.min(n - 1, i + 1);
    else if (e.key === 'Home') i = 0;
    else if (e.key === 'End') i = n - 1;
    else if (e.key === 'Escape') {
      this.keyboardIndex = null;
      plot.setCursor({ left: -10, top: -10 });
      this.readout.textContent = '';
      return;
    } else return;
    e.preventDefault();
    this.keyboardIndex = i;
    const x = plot.data[0][i] as number;
    plot.setCursor({ left: plot.valToPos(x, 'x'), top: plot.bbox.height / (2 * devicePixelRatio) });
    const percent = !!this.view?.percent;
    const at = nearestIndex(this.model.x, x);
    const parts = this.slots
      .filter((s) => !this.view?.hidden.has(s.series.key))
      .map((s) => `${s.series.label} ${formatValue(s.series.smoothed[at], percent)}`);
    this.readout.textContent = `${this.model.xLabel} ${this.model.categories ? xValueText(this.model, x) : x}: ${parts.join('; ')}`;
  }

  private updateTable(): void {
    const m = this.model;
    if (!m) return;
    const percent = !!this.view?.percent;
    const rows = m.series.map((s) => {
      const last = lastValue(m.x, s.raw);
      const range = extent(s.raw);
      return el('tr', {}, [
        el('th', { text: s.label, attrs: { scope: 'row' } }),
        el('td', { text: last ? (m.categories ? xValueText(m, last.x) : String(last.x)) : '—' }),
        el('td', { text: formatValue(last?.value ?? null, percent) }),
        el('td', { text: range ? formatValue(range[0], percent) : '—' }),
        el('td', { text: range ? formatValue(range[1], percent) : '—' }),
      ]);
    });
    const head = el('tr', {}, ['series', `last ${m.xLabel}`, 'last value', 'lowest', 'highest'].map((h) => el('th', { text: h, attrs: { scope: 'col' } })));
    this.table.replaceChildren(el('caption', { text: `${m.title}: final values` }), el('thead', {}, [head]), el('tbody', {}, rows));
  }

  /** The chart as a PNG (base64): title, the uPlot canvas, and the legend of visible series. */
  pngBase64(): string {
    const plot = this.plot;
    const m = this.model;
    if (!plot || !m) throw new Error(`chart ${this.id} has not been drawn yet`);
    const src = plot.ctx.canvas;
    const ratio = src.width / plot.width;
    const visible = this.slots.filter((s) => !this.view?.hidden.has(s.series.key));
    const cols = Math.max(1, Math.floor(plot.width / 230));
    const titleH = 26;
    const legendH = Math.ceil(visible.length / cols) * 16 + 8;
    const out = document.createElement('canvas');
    out.width = src.width;
    out.height = Math.round(src.height + (titleH + legendH) * ratio);
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = this.theme.background;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.scale(ratio, ratio);
    ctx.fillStyle = this.theme.foreground;
    ctx.font = `600 13px ${this.theme.fontFamily}`;
    ctx.textBaseline = 'middle';
    ctx.fillText(m.title, 8, titleH / 2);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(src, 0, Math.round(titleH * ratio));
    ctx.scale(ratio, ratio);
    ctx.font = `11px ${this.theme.fontFamily}`;
    const top = src.height / ratio + titleH;
    visible.forEach((slot, i) => {
      const x = 8 + (i % cols) * 230;
      const y = top + Math.floor(i / cols) * 16 + 10;
      ctx.strokeStyle = slot.series.color;
      ctx.lineWidth = 2;
      ctx.setLineDash(lineDash(slot.series) ?? []);
      ctx.beginPath();
      ctx.moveTo(x, y);
      ctx.lineTo(x + 22, y);
      ctx.stroke();
      ctx.fillStyle = this.theme.foreground;
      ctx.fillText(slot.series.label, x + 28, y);
    });
    return out.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
  }

  svg(): string {
    if (!this.model || !this.view) throw new Error(`chart ${this.id} has not been drawn yet`);
    return chartSvg(this.model, {
      width: this.plot?.width ?? 640,
      height: chartHeight,
      logY: this.view.logY,
      hidden: this.view.hidden,
      xRange: this.view.zoom,
      foreground: this.theme.foreground,
      background: this.theme.background,
      grid: this.theme.grid,
      fontFamily: this.theme.fontFamily,
    });
  }

  export(format: ExportFormat): void {
    const m = this.model;
    if (!m) return;
    if (this.stale && this.view) {
      this.onScreen = true;
      this.update(m, this.view);
    }
    if (this.pending) this.render();
    const name = `${fileStem(m.title)}.${format}`;
    if (format === 'png') this.events.export(name, 'png', 'base64', this.pngBase64());
    else if (format === 'svg') this.events.export(name, 'svg', 'utf8', this.svg());
    else if (format === 'csv') this.events.export(name, 'csv', 'utf8', chartCsv(m));
    else this.events.export(name, 'json', 'utf8', chartJson(m, { logY: !!this.view?.logY, zoom: this.view?.zoom ?? null }));
  }

  destroy(): void {
    this.table$.cancel();
    this.latest$.cancel();
    this.resize.disconnect();
    this.visibility.disconnect();
    this.plot?.destroy();
    this.plot = null;
    this.element.remove();
  }
}

/** DOM writes only when the value changes: each write invalidates style or layout. */
function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

function setData(node: HTMLElement, key: string, value: string): void {
  if (node.dataset[key] !== value) node.dataset[key] = value;
}
