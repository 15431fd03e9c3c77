/**
 * The compare-runs panel: the curves of several runs of one metric overlaid (mean over seeds per
 * model and width), one run pinned as the baseline (solid and thicker; the others dashed), and a
 * table of final values with their change against the baseline.
 */
import { MetricStore } from './chartData';
import { formatValue, metricLabels } from './chartFormat';
import { ChartSet } from './chartSet';
import { overlayChart, overlayTable, type OverlayRun } from './comparisonData';
import { fileStem } from './exportData';
import { tableCsv } from '../engine/contract/textEscapes';
import type { PanelContext } from './host';
import { metricNames, type DeltaMessage, type MetricName, type SnapshotMessage } from './protocol';
import { button, dropdown, el, type Choice } from './ui';
import { smoothingChoices } from './runView';

export class OverlayView {
  private runs: (OverlayRun & { status: string })[] = [];
  private readonly title = el('h2', { text: 'Loading the runs…' });
  private readonly runList = el('ol', { className: 'run-list' });
  private readonly baselineHost = el('span');
  private readonly tableHost = el('div', { className: 'table-host' });
  private readonly charts: ChartSet;
  private baselineChoice: Choice<string> | null = null;
  /** Puts the controls in line with the UI state (which may arrive with the first snapshot). */
  private readonly sync: () => void;

  constructor(
    root: HTMLElement,
    private readonly ctx: PanelContext,
  ) {
    const ui = ctx.ui;
    const metric = dropdown<MetricName>('Metric', metricNames.map((m) => ({ value: m, label: metricLabels[m] })), ui.metric ?? 'testLoss', (v) => this.change(() => (ui.metric = v)));
    const yAxis = dropdown('Y axis', [{ value: 'linear', label: 'Linear' }, { value: 'log', label: 'Log' }], ui.logY ? 'log' : 'linear', (v) => this.change(() => (ui.logY = v === 'log')));
    const smoothing = dropdown('Smoothing', smoothingChoices.map((w) => ({ value: String(w), label: w === 0 ? 'Off' : `EMA ${w}` })), String(ui.smoothing ?? 0), (v) => this.change(() => (ui.smoothing = Number(v))));
    this.sync = () => {
      metric.set(ui.metric ?? 'testLoss');
      yAxis.set(ui.logY ? 'log' : 'linear');
      smoothing.set(String(ui.smoothing ?? 0));
    };
    const toolbar = el('div', { className: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Overlay options' } }, [
      this.baselineHost,
      metric.element,
      yAxis.element,
      smoothing.element,
      button('Reset zoom', () => this.charts.resetZoom(), { ariaLabel: 'Reset the zoom' }),
    ]);
    const chartsHost = el('div', { className: 'charts' });
    const tableSection = el('section', { className: 'model-table', attrs: { 'aria-labelledby': 'overlay-table-title' } }, [
      el('header', {}, [
        el('h3', { text: 'Final values against the baseline', attrs: { id: 'overlay-table-title' } }),
        el('div', { className: 'chart-tools', attrs: { role: 'toolbar', 'aria-label': 'Export the table' } }, [button('CSV', () => this.exportTable(), { ariaLabel: 'Export the table as CSV' })]),
      ]),
      this.tableHost,
    ]);
    root.replaceChildren(el('header', { className: 'panel-header' }, [this.title, this.runList]), toolbar, chartsHost, tableSection);
    this.charts = new ChartSet(chartsHost, ctx, () => this.draw());
  }

  private baseline(): string {
    const b = this.ctx.ui.baseline;
    return b && this.runs.some((r) => r.dir === b) ? b : this.runs[0]?.dir ?? '';
  }

  private change(apply: () => void): void {
    apply();
    this.ctx.persist();
    this.charts.schedule();
  }

  snapshot(message: SnapshotMessage): void {
    this.runs = message.runs.map((r) => {
      const store = new MetricStore();
      store.append(r.records);
      return { dir: r.dir, title: r.title, store, status: r.status };
    });
    this.title.textContent = `Comparing ${this.runs.length} runs`;
    this.sync();
    const options = this.runs.map((r, i) => ({ value: r.dir, label: `#${i + 1} ${r.title}` }));
    this.baselineChoice = dropdown('Baseline', options, this.baseline(), (dir) =>
      this.change(() => {
        this.ctx.ui.baseline = dir;
        this.ctx.announce(`Baseline: ${this.runs.find((r) => r.dir === dir)?.title ?? dir}`);
      }),
    );
    this.baselineHost.replaceChildren(this.baselineChoice.element);
    this.charts.drawNow();
  }

  delta(message: DeltaMessage): void {
    const run = this.runs.find((r) => r.dir === message.dir);
    if (!run) return;
    run.store.append(message.records);
    run.status = message.status;
    this.charts.schedule();
  }

  private draw(): void {
    const base = this.baseline();
    this.runList.replaceChildren(...this.runs.map((r, i) => el('li', { text: `#${i + 1} ${r.title} (${r.status})${r.dir === base ? ' · baseline' : ''}` })));
    const metric = this.ctx.ui.metric ?? 'testLoss';
    const chart = overlayChart(this.runs, base, metric, this.ctx.ui.smoothing ?? 0);
    this.charts.retain(['overlay']);
    this.charts.chart('overlay').update({ ...chart, id: 'overlay' }, this.charts.view('overlay', metric !== 'testAccuracy' && !!this.ctx.ui.logY, metric === 'testAccuracy'));
    this.drawTable(metric, base);
  }

  private tableRows(metric: MetricName, base: string): { header: string[]; rows: string[][] } {
    const rows = overlayTable(this.runs, base, metric);
    const percent = metric === 'testAccuracy';
    const header = ['model', ...this.runs.map((r, i) => `#${i + 1}${r.dir === base ? ' (baseline)' : ''}`)];
    return {
      header,
      rows: rows.map((row) => [
        row.label,
        ...row.cells.map((c, i) => (c.value === null ? '—' : `${formatValue(c.value, percent)}${this.runs[i].dir !== base && c.change !== null ? ` (${c.change >= 0 ? '+' : ''}${(c.change * 100).toFixed(1)}%)` : ''}`)),
      ]),
    };
  }

  private drawTable(metric: MetricName, base: string): void {
    const { header, rows } = this.tableRows(metric, base);
    const head = el('tr', {}, header.map((h) => el('th', { text: h, attrs: { scope: 'col' } })));
    const body = rows.map((r) => el('tr', {}, r.map((c, i) => (i === 0 ? el('th', { text: c, attrs: { scope: 'row' } }) : el('td', { text: c })))));
    const caption = el('caption', { text: `Final ${metricLabels[metric].toLowerCase()} (mean over seeds); in brackets the change against the baseline.` });
    this.tableHost.replaceChildren(el('table', { className: 'figures' }, [caption, el('thead', {}, [head]), el('tbody', {}, body)]));
  }

  private exportTable(): void {
    const metric = this.ctx.ui.metric ?? 'testLoss';
    const { header, rows } = this.tableRows(metric, this.baseline());
    this.ctx.host.post({ type: 'export', format: 'csv', fileName: `${fileStem(`runs-${metric}`)}.csv`, encoding: 'utf8', data: tableCsv(header, rows) });
  }
}
