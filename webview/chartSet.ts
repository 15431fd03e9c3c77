/**
 * The charts of one panel: created in order, kept while their data streams, redrawn however many
 * messages arrived as one pass spread over animation frames (a frame draws what fits its budget),
 * and sharing the legend toggles (a model switched off disappears from every chart) and the saved
 * zoom windows. Each frame's drawing is measured with performance.measure('iwl-draw'), which the
 * benchmark reads.
 */
import { LineChart, type ChartEvents, type ChartView } from './chart';
import { readTheme, type Theme } from './palette';
import type { PanelContext } from './host';

/** Drawing time one animation frame may take before the remaining charts wait for the next frame. */
const frameBudgetMs = 8;

export class ChartSet {
  readonly charts = new Map<string, LineChart>();
  private frame: number | null = null;
  private delay: number | null = null;
  private nextDrawAt = 0;
  private viewDirty = false;
  /** Main-thread time the current redraw has taken so far, over its frames. */
  private passBusyMs = 0;
  private theme: Theme = readTheme();
  private readonly events: ChartEvents;
  /** Redraws done (each is also a performance measure named iwl-draw). */
  frames = 0;

  constructor(
    private readonly container: HTMLElement,
    private readonly ctx: PanelContext,
    private readonly draw: () => void,
  ) {
    this.events = {
      toggle: (key, visible) => {
        const hidden = new Set(ctx.ui.hidden ?? []);
        if (visible) hidden.delete(key);
        else hidden.add(key);
        ctx.ui.hidden = [...hidden];
        ctx.persist();
        this.schedule();
      },
      zoom: (id, range) => {
        const zoom = { ...(ctx.ui.zoom ?? {}) };
        if (range) zoom[id] = range;
        else delete zoom[id];
        ctx.ui.zoom = zoom;
        ctx.persist();
        this.schedule();
      },
      export: (fileName, format, encoding, data) => ctx.host.post({ type: 'export', fileName, format, encoding, data }),
    };
    // VS Code swaps the body's theme class and CSS variables when the colour theme changes.
    new MutationObserver(() => {
      const next = readTheme();
      if (next.key === this.theme.key) return;
      this.theme = next;
      for (const c of this.charts.values()) c.setTheme(next);
      this.schedule();
    }).observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
  }

  /** The chart with this id, created (appended in call order) when new. */
  chart(id: string): LineChart {
    let c = this.charts.get(id);
    if (!c) {
      c = new LineChart(id, this.events, this.theme, () => this.schedule());
      this.charts.set(id, c);
      this.container.append(c.element);
    }
    return c;
  }

  /** Removes the charts not listed and puts the rest in the listed order. */
  retain(ids: string[]): void {
    for (const [id, c] of this.charts) {
      if (!ids.includes(id)) {
        c.destroy();
        this.charts.delete(id);
      }
    }
    for (const id of ids) {
      const c = this.charts.get(id);
      if (c) this.container.append(c.element);
    }
  }

  view(id: string, logY: boolean, percent = false): ChartView {
    return { logY, percent, hidden: new Set(this.ctx.ui.hidden ?? []), zoom: this.ctx.ui.zoom?.[id] ?? null };
  }

  /**
   * Asks for a redraw (one however many times it is called). A redraw recomputes the charts'
   * models, then draws the charts over as many animation frames as it takes, at least one chart a
   * frame and more while the frame has budget, so no frame redraws every chart at once. After a
   * redraw that kept the thread busy d ms the next waits at least d ms more, so drawing never takes
   * more than about half the main thread and scrolling, hovering and typing stay smooth under any
   * stream.
   */
  schedule(): void {
    this.viewDirty = true;
    this.requestFrame(false);
  }

  private requestFrame(now: boolean): void {
    if (this.frame !== null || this.delay !== null) return;
    const wait = now ? 0 : this.nextDrawAt - performance.now();
    if (wait > 1) {
      this.delay = window.setTimeout(() => {
        this.delay = null;
        this.requestFrame(false);
      }, wait);
      return;
    }
    this.frame = requestAnimationFrame(() => this.onFrame());
  }

  private pendingCharts(): boolean {
    for (const c of this.charts.values()) if (c.needsRender) return true;
    return false;
  }

  private onFrame(): void {
    this.frame = null;
    const start = performance.now();
    try {
      // A new pass starts only when the last one drew every chart, so no chart starves under a stream.
      if (this.viewDirty && !this.pendingCharts()) {
        this.viewDirty = false;
        this.passBusyMs = 0;
        this.draw();
      }
      for (const c of this.charts.values()) {
        if (!c.needsRender) continue;
        c.render();
        if (performance.now() - start > frameBudgetMs) break;
      }
    } catch (error) {
      this.ctx.host.logError('drawing the charts failed', error);
      for (const c of this.charts.values()) if (c.needsRender) c.render();
    }
    const end = performance.now();
    this.passBusyMs += end - start;
    this.frames++;
    // The timeline keeps measures until cleared: keep the last few thousand.
    if (this.frames % 4000 === 0) performance.clearMeasures('iwl-draw');
    performance.measure('iwl-draw', { start, end });
    if (this.pendingCharts()) {
      this.requestFrame(true);
    } else {
      this.nextDrawAt = end + this.passBusyMs;
      if (this.viewDirty) this.requestFrame(false);
    }
  }

  /** Redraws now (a snapshot: the screen-reader tables follow at once). */
  drawNow(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    if (this.delay !== null) clearTimeout(this.delay);
    this.frame = null;
    this.delay = null;
    this.viewDirty = false;
    this.draw();
    for (const c of this.charts.values()) {
      if (c.needsRender) c.render();
      c.flushTable();
    }
  }

  resetZoom(): void {
    this.ctx.ui.zoom = {};
    this.ctx.persist();
    this.schedule();
  }
}
