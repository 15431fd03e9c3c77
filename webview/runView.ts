/**
 * The run panel: live train/test loss, test accuracy and the gap to the limit of every model,
 * width and seed of one run. Points from deltas go into the store at once; the charts redraw once
 * per animation frame. Axes, smoothing, seed display, toggles and zoom live in the panel state.
 */
import { MetricShaper, MetricStore } from './chartData';
import { ChartSet } from './chartSet';
import type { PanelContext } from './host';
import type { DeltaMessage, MetricName, MetricPoint, RunData, RunProgress, RunStatus, SnapshotMessage } from './protocol';
import { showFocus } from './focusNote';
import { Throttled } from './throttle';
import { badge, button, dropdown, el } from './ui';

const metricOrder: MetricName[] = ['trainLoss', 'testLoss', 'testAccuracy', 'rmseToLimit'];

export const smoothingChoices = [0, 0.6, 0.8, 0.9, 0.95, 0.99];

export function statusText(status: RunStatus, progress: RunProgress | null): string {
  if (status !== 'running' || !progress || !progress.totalSteps) return status;
  const pct = Math.floor((100 * progress.doneSteps) / progress.totalSteps);
  return `running · ${pct}% (${progress.doneSteps.toLocaleString('en-US')} of ${progress.totalSteps.toLocaleString('en-US')} steps)${progress.currentJob ? ` · ${progress.currentJob}` : ''}`;
}

export class RunView {
  private store = new MetricStore();
  /** Every point of the run, kept so that a change of `ui.jobs` rebuilds the store. */
  private all: MetricPoint[] = [];
  private readonly focusNote = el('p', { className: 'note focus-note' });
  private shapers = new Map<MetricName, MetricShaper>();
  private run: RunData | null = null;
  private readonly title = el('h2', { text: 'Loading the run…' });
  private readonly status = el('div', { className: 'status' });
  private readonly statusBadge = badge('', '');
  private readonly statusText = el('span');
  private readonly status$ = new Throttled(250, () => this.writeStatus());
  private readonly empty = el('p', { className: 'empty', text: 'No points yet.' });
  private readonly charts: ChartSet;
  private readonly controls: { sync(): void }[] = [];

  constructor(
    root: HTMLElement,
    private readonly ctx: PanelContext,
  ) {
    const ui = ctx.ui;
    const toolbar = el('div', { className: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Chart options' } });
    const yAxis = dropdown('Y axis', [{ value: 'linear', label: 'Linear' }, { value: 'log', label: 'Log' }], ui.logY ? 'log' : 'linear', (v) => this.change(() => (ui.logY = v === 'log')));
    const smoothing = dropdown(
      'Smoothing',
      smoothingChoices.map((w) => ({ value: String(w), label: w === 0 ? 'Off' : `EMA ${w}` })),
      String(ui.smoothing ?? 0),
      (v) => this.change(() => (ui.smoothing = Number(v))),
    );
    const seeds = dropdown<'band' | 'seeds'>(
      'Seeds',
      [
        { value: 'band', label: 'Mean with min–max band' },
        { value: 'seeds', label: 'Each seed' },
      ],
      ui.seedMode ?? 'band',
      (v) => this.change(() => (ui.seedMode = v)),
    );
    // The UI state may arrive with the first snapshot (the host's copy): the controls follow it.
    this.controls.push(
      { sync: () => yAxis.set(ui.logY ? 'log' : 'linear') },
      { sync: () => smoothing.set(String(ui.smoothing ?? 0)) },
      { sync: () => seeds.set(ui.seedMode ?? 'band') },
    );
    toolbar.append(
      yAxis.element,
      smoothing.element,
      seeds.element,
      button('Reset zoom', () => this.charts.resetZoom(), { ariaLabel: 'Reset the zoom of every chart' }),
      button('Compare widths', () => this.run && ctx.host.post({ type: 'openComparison', dir: this.run.dir }), { ariaLabel: 'Open the comparison of finite models against their infinite limits' }),
      button('Experiments table', () => this.run && ctx.host.post({ type: 'openTable', dir: this.run.dir }), { ariaLabel: 'Open the table of every job with its settings and final figures' }),
    );
    const chartsHost = el('div', { className: 'charts' });
    root.replaceChildren(el('header', { className: 'panel-header' }, [this.title, this.status]), toolbar, this.focusNote, this.empty, chartsHost);
    this.charts = new ChartSet(chartsHost, ctx, () => this.draw());
  }

  private change(apply: () => void): void {
    apply();
    this.ctx.persist();
    this.charts.schedule();
  }

  snapshot(message: SnapshotMessage): void {
    const run = message.runs[0];
    if (!run) return;
    const previous = this.run;
    this.run = run;
    this.all = [...run.records];
    this.rebuild();
    this.title.textContent = run.title;
    for (const c of this.controls) c.sync();
    this.showStatus(true);
    if (previous && previous.status !== run.status) this.ctx.announce(`The run is ${run.status}.`);
    this.charts.drawNow();
  }

  delta(message: DeltaMessage): void {
    if (!this.run || message.dir !== this.run.dir) return;
    this.all.push(...message.records);
    this.take(this.picked(message.records));
    if (message.status !== this.run.status) this.ctx.announce(`The run is ${message.status}.`);
    this.run.status = message.status;
    this.run.progress = message.progress;
    this.showStatus(message.status !== 'running');
    this.charts.schedule();
  }

  /** The experiments table picked other jobs (or all again): the charts are rebuilt from every point. */
  focusJobs(): void {
    this.rebuild();
    this.showStatus(true);
    this.charts.drawNow();
  }

  private picked(records: readonly MetricPoint[]): readonly MetricPoint[] {
    const jobs = this.ctx.ui.jobs;
    if (!jobs) return records;
    const keep = new Set(jobs);
    return records.filter((r) => keep.has(r.id));
  }

  private rebuild(): void {
    this.store = new MetricStore();
    this.shapers.clear();
    this.take(this.picked(this.all));
    showFocus(this.focusNote, this.ctx, () => this.focusJobs());
  }

  /** Appends points; the host sends each once, so a refused one is a host bug worth a log line. */
  private take(records: readonly MetricPoint[]): void {
    const before = this.store.refused;
    this.store.append(records);
    const refused = this.store.refused - before;
    if (refused) this.ctx.host.log('error', `run panel: ${refused} point${refused === 1 ? ' was' : 's were'} not after their job's last step (sent twice or out of order) and were not drawn`);
  }

  /** The status line: at once for a snapshot or a change of status, else a few times a second while points stream. */
  private showStatus(force: boolean): void {
    if (force) this.status$.now();
    else this.status$.request();
  }

  private writeStatus(): void {
    const run = this.run;
    if (!run) return;
    const { status, progress } = run;
    if (!this.statusBadge.isConnected) this.status.replaceChildren(this.statusBadge, this.statusText);
    if (this.statusBadge.textContent !== status) {
      this.statusBadge.textContent = status;
      this.statusBadge.setAttribute('aria-label', `Status: ${status}`);
    }
    // An error's first line is its sentence; the rest (an engine's last stderr lines) is for the tooltip and the log.
    const fullError = run.error && status !== 'running' ? run.error : '';
    const error = fullError ? ` ${fullError.split('\n')[0]}` : '';
    if (this.status.title !== fullError) this.status.title = fullError;
    const jobs = this.store.jobs.size;
    this.statusText.textContent = ` ${statusText(status, progress).replace(/^\w+/, '')}${error} · ${this.store.points.toLocaleString('en-US')} points from ${jobs} job${jobs === 1 ? '' : 's'}`;
  }

  private draw(): void {
    const ui = this.ctx.ui;
    const metrics = metricOrder.filter((m) => this.store.present.has(m));
    this.empty.hidden = metrics.length > 0;
    this.empty.textContent = this.run?.status === 'running' ? 'No points yet: the run is loading its data and computing kernels.' : 'This run logged no points.';
    this.charts.retain(metrics);
    for (const metric of metrics) {
      let shaper = this.shapers.get(metric);
      if (!shaper) this.shapers.set(metric, (shaper = new MetricShaper(this.store, metric)));
      const model = shaper.shape({ seedMode: ui.seedMode ?? 'band', smoothing: ui.smoothing ?? 0 });
      // Accuracy lives in [0, 1]: always linear.
      const logY = metric !== 'testAccuracy' && !!ui.logY;
      this.charts.chart(metric).update(model, this.charts.view(metric, logY, metric === 'testAccuracy'));
    }
    this.showStatus(false);
  }
}
