/**
 * The comparison panel, the paper's story at a glance for one run: each finite family's final
 * metric against width with its infinite limit as a dashed reference (or every model's against a
 * swept setting, the x axis picker's other choices), the finite-vs-limit
 * prediction gap against width on log-log axes with the fitted slope, and one row per model with
 * final train/test loss and accuracy. Rebuilt from each snapshot (the host sends one when a job
 * of a live run finishes).
 */
import { formatValue } from './chartFormat';
import { ChartSet } from './chartSet';
import { gapChart, gapVsWidth, modelTable, widthSweepChart, type FinalMetric, type ModelRow } from './comparisonData';
import { fileStem } from './exportData';
import { figureLabels } from './tableData';
import { tableCsv } from '../engine/contract/textEscapes';
import type { PanelContext } from './host';
import type { JobEntry, RunData, SnapshotMessage } from './protocol';
import { showFocus } from './focusNote';
import { comparedEntries, focusEntries, settingSweepChart, sweepAxes, widthAxis } from './settingSweep';
import { badge, button, dropdown, el, type Choice } from './ui';

export function tableHeader(classification: boolean): string[] {
  return ['model', 'what', 'width', 'seeds', 'train loss', 'test loss', ...(classification ? ['test accuracy'] : []), 'gap to limit'];
}

export function tableCells(r: ModelRow, classification: boolean): string[] {
  return [
    r.model,
    r.description + (r.incomplete ? ` (${r.incomplete} job${r.incomplete === 1 ? '' : 's'} not completed)` : ''),
    r.kind === 'infinite' ? '∞' : r.width === null ? '—' : `${r.width}${r.widthCount > 1 ? ` (widest of ${r.widthCount})` : ''}`,
    r.kind === 'infinite' ? '' : String(r.seeds),
    formatValue(r.trainLoss),
    formatValue(r.testLoss),
    ...(classification ? [formatValue(r.testAccuracy, true)] : []),
    r.gapToLimit === null ? '' : `${formatValue(r.gapToLimit)} vs ${r.limit}`,
  ];
}

export class ComparisonView {
  private run: RunData | null = null;
  private readonly title = el('h2', { text: 'Loading the run…' });
  private readonly status = el('div', { className: 'status' });
  private readonly fits = el('ul', { className: 'fits', attrs: { 'aria-label': 'Fitted slopes of the gap against width' } });
  private readonly tableHost = el('div', { className: 'table-host' });
  private readonly empty = el('p', { className: 'empty' });
  private readonly focusNote = el('p', { className: 'note focus-note' });
  /** The x axis picker: width and the run's numeric sweep settings (rebuilt when they change). */
  private readonly xAxisHost = el('span');
  private axes: string[] = [];
  private readonly charts: ChartSet;
  private metricChoice: Choice<FinalMetric>;
  private yAxis: Choice<'linear' | 'log'>;

  constructor(
    root: HTMLElement,
    private readonly ctx: PanelContext,
  ) {
    const ui = ctx.ui;
    this.metricChoice = dropdown<FinalMetric>(
      'Metric',
      [
        { value: 'testLoss', label: 'Test loss' },
        { value: 'trainLoss', label: 'Train loss' },
        { value: 'testAccuracy', label: 'Test accuracy' },
      ],
      this.metric(),
      (v) => this.change(() => (ui.metric = v)),
    );
    this.yAxis = dropdown('Y axis', [{ value: 'linear', label: 'Linear' }, { value: 'log', label: 'Log' }], ui.logY ? 'log' : 'linear', (v) => this.change(() => (ui.logY = v === 'log')));
    const toolbar = el('div', { className: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Comparison options' } }, [
      this.xAxisHost,
      this.metricChoice.element,
      this.yAxis.element,
      button('Run curves', () => this.run && ctx.host.post({ type: 'openRun', dir: this.run.dir }), { ariaLabel: 'Open the loss curves of this run' }),
    ]);
    const chartsHost = el('div', { className: 'charts' });
    const tableSection = el('section', { className: 'model-table', attrs: { 'aria-labelledby': 'model-table-title' } }, [
      el('header', {}, [
        el('h3', { text: 'Final figures, one row per model', attrs: { id: 'model-table-title' } }),
        el('div', { className: 'chart-tools', attrs: { role: 'toolbar', 'aria-label': 'Export the table' } }, [
          button('CSV', () => this.exportTable('csv'), { ariaLabel: 'Export the table as CSV' }),
          button('JSON', () => this.exportTable('json'), { ariaLabel: 'Export the table as JSON' }),
        ]),
      ]),
      this.tableHost,
    ]);
    root.replaceChildren(el('header', { className: 'panel-header' }, [this.title, this.status]), toolbar, this.focusNote, this.empty, tableSection, chartsHost, this.fits);
    this.charts = new ChartSet(chartsHost, ctx, () => this.draw());
  }

  private metric(): FinalMetric {
    const m = this.ctx.ui.metric;
    return m === 'trainLoss' || m === 'testAccuracy' ? m : 'testLoss';
  }

  /** The chosen x axis where the run offers it, else the first the run offers. */
  private xAxis(): string {
    const x = this.ctx.ui.xAxis;
    return x && this.axes.includes(x) ? x : (this.axes[0] ?? widthAxis);
  }

  /** The jobs shown: those picked in the experiments table (with their limits), else all. */
  private entries(): JobEntry[] {
    return focusEntries(this.run?.entries ?? [], this.ctx.ui.jobs);
  }

  focusJobs(): void {
    showFocus(this.focusNote, this.ctx, () => this.focusJobs());
    this.drawTable();
    this.charts.drawNow();
  }

  private showAxes(): void {
    const axes = sweepAxes(this.run?.entries ?? []);
    if (JSON.stringify(axes) === JSON.stringify(this.axes) && this.xAxisHost.firstChild) return;
    this.axes = axes;
    const choice = dropdown('X axis', axes.map((a) => ({ value: a, label: a })), this.xAxis(), (v) => this.change(() => (this.ctx.ui.xAxis = v)));
    this.xAxisHost.replaceChildren(choice.element);
    this.xAxisHost.hidden = axes.length < 2;
  }

  private change(apply: () => void): void {
    apply();
    this.ctx.persist();
    this.charts.schedule();
  }

  snapshot(message: SnapshotMessage): void {
    const run = message.runs[0];
    if (!run) return;
    this.run = run;
    this.title.textContent = `Finite against infinite width · ${run.title}`;
    this.metricChoice.set(this.metric());
    this.yAxis.set(this.ctx.ui.logY ? 'log' : 'linear');
    this.status.replaceChildren(badge(run.status, `Status: ${run.status}`), ` ${run.entries.length} job${run.entries.length === 1 ? '' : 's'} finished${run.live ? '; updates as jobs finish' : ''}`);
    this.showAxes();
    this.focusJobs();
  }

  private classification(): boolean {
    return !!this.run?.entries.some((e) => e.final?.testAccuracy !== null && e.final?.testAccuracy !== undefined);
  }

  /** The table's jobs: the picked rows, else each model's best point where summary.json names one. */
  private tableEntries(): { entries: JobEntry[]; atBest: boolean } {
    return comparedEntries(this.run?.entries ?? [], this.ctx.ui.jobs, this.run?.best);
  }

  private drawTable(): void {
    const { entries, atBest } = this.tableEntries();
    const rows = modelTable(entries);
    const classification = this.classification();
    if (!rows.length) {
      this.tableHost.replaceChildren(el('p', { text: 'No job has finished yet.' }));
      return;
    }
    const best = Math.min(...rows.map((r) => r.testLoss ?? Infinity));
    const head = el('tr', {}, tableHeader(classification).map((h) => el('th', { text: h, attrs: { scope: 'col' } })));
    const body = rows.map((r) => {
      const cells = tableCells(r, classification);
      const tr = el('tr', { className: r.kind }, cells.map((c, i) => (i === 0 ? el('th', { text: c, attrs: { scope: 'row' } }) : el('td', { text: c }))));
      if (r.testLoss === best) tr.classList.add('best');
      return tr;
    });
    const metric = figureLabels[Object.values(this.run?.best ?? {})[0]?.metric ?? 'validationLoss'];
    const where = atBest ? ` Each model at its best sweep point (by ${metric}; pick rows in the Experiments Table to compare others).` : '';
    const caption = el('caption', { text: `Finite models at their widest width (mean over seeds), each followed by its infinite-width limit.${where} The lowest test loss is marked.` });
    this.tableHost.replaceChildren(el('table', { className: 'figures' }, [caption, el('thead', {}, [head]), el('tbody', {}, body)]));
  }

  private exportTable(format: 'csv' | 'json'): void {
    const rows = modelTable(this.tableEntries().entries);
    const name = `${fileStem(this.run?.title ?? 'run')}-models.${format}`;
    const data =
      format === 'csv'
        ? tableCsv(
            ['model', 'kind', 'description', 'width', 'widths swept', 'seeds', 'train loss', 'test loss', 'test accuracy', 'gap to limit', 'limit', 'jobs not completed'],
            rows.map((r) => [r.model, r.kind, r.description, r.width, r.widthCount, r.seeds, r.trainLoss, r.testLoss, r.testAccuracy, r.gapToLimit, r.limit, r.incomplete]),
          )
        : JSON.stringify({ run: this.run?.title, rows }, null, 1) + '\n';
    this.ctx.host.post({ type: 'export', format, fileName: name, encoding: 'utf8', data });
  }

  private draw(): void {
    const entries = this.entries();
    const metric = this.metric();
    const xAxis = this.xAxis();
    const sweep = xAxis === widthAxis ? widthSweepChart(entries, metric) : settingSweepChart(entries, metric, xAxis);
    const gap = gapChart(entries);
    const ids = [sweep.series.length ? sweep.id : null, gap.series.length ? gap.id : null].filter((x): x is string => !!x);
    this.empty.hidden = ids.length > 0;
    this.empty.textContent =
      xAxis === widthAxis ? 'No finite model with completed jobs at several widths yet: the width sweep appears when they finish.' : `No completed job with a value of ${xAxis} yet: the sweep appears when they finish.`;
    this.charts.retain(ids);
    if (sweep.series.length) this.charts.chart(sweep.id).update(sweep, this.charts.view(sweep.id, metric !== 'testAccuracy' && !!this.ctx.ui.logY, metric === 'testAccuracy'));
    if (gap.series.length) this.charts.chart(gap.id).update(gap, this.charts.view(gap.id, true));
    const gaps = gapVsWidth(entries);
    this.fits.replaceChildren(
      ...gaps.map((g) =>
        el('li', {
          text: g.fit
            ? `${g.family} against ${g.limit}: gap ∝ width^${g.fit.slope.toFixed(2)} (least squares on logs over ${g.fit.n} seed points, R² ${g.fit.r2.toFixed(2)}; theory: about −0.5).`
            : `${g.family} against ${g.limit}: one width only, no slope.`,
        }),
      ),
    );
  }
}
