/**
 * The experiments table of one run: a row per job (or per point, seeds averaged) with its settings
 * and final figures, sortable by any column, filtered by words and per column, with the columns the
 * user picked (kept in the panel state) and each model's best point marked where summary.json names
 * one. Selected rows open in the run panel or the comparison panel. The rows are the host's
 * (engine/contract/runTable.ts, what `iwl table` prints); while the run streams, the host sends a
 * fresh snapshot as jobs start, log and finish, so queued and running jobs show with their sweep
 * point and running ones with their latest figures.
 */
import { formatValue } from './chartFormat';
import { fileStem } from './exportData';
import { tableCsv } from '../engine/contract/textEscapes';
import type { PanelContext } from './host';
import type { RunData, SnapshotMessage, TableUiState } from './protocol';
import { bestJobs, describeBest, filterRows, pointText, sortRows, tableView, visibleColumns, type RowMode, type TableColumn, type TableRow } from './tableData';
import { Throttled } from './throttle';
import { badge, button, checkbox, dropdown, el, textField, type Choice, type TextField } from './ui';

export class TableView {
  private run: RunData | null = null;
  /** Selected job ids: a point row is selected when all its jobs are. */
  private readonly selected = new Set<string>();
  private shown: TableRow[] = [];
  private readonly title = el('h2', { text: 'Loading the run…' });
  private readonly status = el('div', { className: 'status' });
  private readonly bestNote = el('div', { className: 'best-note' });
  private readonly problems = el('p', { className: 'note', attrs: { role: 'alert' } });
  private readonly chooser = el('details', { className: 'column-chooser' });
  private readonly head = el('thead');
  private readonly body = el('tbody');
  private readonly caption = el('caption');
  private headSignature = '';
  private chooserSignature = '';
  private readonly filters = new Map<string, TextField>();
  private readonly redraw$ = new Throttled(250, () => this.render());
  private readonly rowMode: Choice<RowMode>;
  private readonly filterField: TextField;
  private readonly actions: Record<'plot' | 'compare' | 'best' | 'clear', HTMLElement & { disabled?: boolean }>;

  constructor(
    root: HTMLElement,
    private readonly ctx: PanelContext,
  ) {
    this.rowMode = dropdown<RowMode>(
      'Rows',
      [
        { value: 'job', label: 'One per job' },
        { value: 'point', label: 'One per point (seeds averaged)' },
      ],
      this.state().rows ?? 'job',
      (v) => this.change((t) => (t.rows = v)),
    );
    this.filterField = textField('Filter', this.state().filter ?? '', (v) => this.change((t) => (t.filter = v)), { placeholder: 'words in any column' });
    this.actions = {
      plot: button('Plot selected', () => this.open('openRun'), { ariaLabel: 'Plot the selected rows in the run panel' }),
      compare: button('Compare selected', () => this.open('openComparison'), { ariaLabel: 'Compare the selected rows in the comparison panel' }),
      best: button('Select best', () => this.selectBest(), { ariaLabel: "Select each model's best point" }),
      clear: button('Clear selection', () => this.select([], false), { ariaLabel: 'Clear the selection' }),
    };
    const toolbar = el('div', { className: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Table options' } }, [
      this.rowMode.element,
      this.filterField.element,
      this.actions.plot,
      this.actions.compare,
      this.actions.best,
      this.actions.clear,
      button('CSV', () => this.exportCsv(), { ariaLabel: 'Export the shown rows and columns as CSV' }),
      button('Run curves', () => this.run && ctx.host.post({ type: 'openRun', dir: this.run.dir }), { ariaLabel: 'Open the loss curves of this run' }),
    ]);
    const table = el('table', { className: 'figures experiments' }, [this.caption, this.head, this.body]);
    root.replaceChildren(el('header', { className: 'panel-header' }, [this.title, this.status]), toolbar, this.bestNote, this.chooser, this.problems, el('div', { className: 'table-scroll' }, [table]));
  }

  /** Read only: an empty UI state lets the host's copy fill in with the first snapshot. */
  private state(): TableUiState {
    return this.ctx.ui.table ?? {};
  }

  private change(apply: (t: TableUiState) => void): void {
    apply((this.ctx.ui.table ??= {}));
    this.ctx.persist();
    this.redraw$.now();
  }

  snapshot(message: SnapshotMessage): void {
    const run = message.runs[0];
    if (!run) return;
    this.run = run;
    this.title.textContent = `Experiments · ${run.title}`;
    this.rowMode.set(this.state().rows ?? 'job');
    this.filterField.set(this.state().filter ?? '');
    this.redraw$.now();
  }

  private rows(): { rows: TableRow[]; columns: TableColumn[] } {
    const run = this.run;
    if (!run?.tables) return { rows: [], columns: [] };
    return tableView(run.tables, this.state().rows ?? 'job', run.best);
  }

  private render(): void {
    const run = this.run;
    if (!run) return;
    const t = this.state();
    const { rows, columns } = this.rows();
    const visible = visibleColumns(columns, t.hiddenColumns);
    const filtered = filterRows(rows, visible, t.filter, t.columnFilters);
    const sortColumn = visible.find((c) => c.id === t.sort?.column);
    this.shown = sortRows(filtered.rows, sortColumn, !!t.sort?.descending);
    this.problems.hidden = !filtered.errors.length;
    this.problems.textContent = filtered.errors.map((e) => `Filter ignored: ${e}.`).join(' ');
    this.renderChooser(columns);
    this.renderHead(visible, filtered.errors);
    this.renderBody(visible);
    const jobs = run.tables?.job.rows.length ?? 0;
    this.status.replaceChildren(
      badge(run.status, `Status: ${run.status}`),
      ` ${jobs} job${jobs === 1 ? '' : 's'} · ${this.shown.length} of ${rows.length} rows shown · ${this.selected.size} job${this.selected.size === 1 ? '' : 's'} selected${run.live ? ' · updates as jobs log and finish' : ''}`,
    );
    const best = describeBest(run.best);
    this.bestNote.replaceChildren(
      best.length
        ? el('span', { text: `Best point of each model on the validation split (summary.json): ${best.join('; ')}.` })
        : el('span', { text: 'No best point is marked: this run names none (that takes a validation split, data.validation, and a select metric).' }),
    );
    this.caption.textContent = best.length ? 'Rows marked "best" are their model’s best point.' : '';
    this.caption.hidden = !best.length;
    const none = this.selected.size === 0;
    this.actions.plot.disabled = none;
    this.actions.compare.disabled = none;
    this.actions.clear.disabled = none;
    this.actions.best.disabled = !best.length;
  }

  private renderChooser(columns: TableColumn[]): void {
    const hidden = this.state().hiddenColumns ?? [];
    const signature = JSON.stringify([columns.map((c) => c.id), hidden]);
    if (signature === this.chooserSignature) return;
    this.chooserSignature = signature;
    const open = this.chooser.open;
    const boxes = columns.map(
      (c) =>
        checkbox(c.label, !hidden.includes(c.id), (on) =>
          this.change((t) => {
            const rest = (t.hiddenColumns ?? []).filter((id) => id !== c.id);
            t.hiddenColumns = on ? rest : [...rest, c.id];
          }),
        ).element,
    );
    this.chooser.replaceChildren(el('summary', { text: `Columns (${columns.length - columns.filter((c) => hidden.includes(c.id)).length} of ${columns.length} shown)` }), el('div', { className: 'column-list' }, boxes));
    this.chooser.open = open;
  }

  private renderHead(visible: TableColumn[], errors: string[]): void {
    const t = this.state();
    const signature = JSON.stringify([visible.map((c) => c.id), t.sort ?? null]);
    if (signature !== this.headSignature) {
      this.headSignature = signature;
      this.filters.clear();
      const all = checkbox(el('span', { className: 'visually-hidden', text: 'Select every shown row' }), false, (on) => this.select(this.shown.flatMap((r) => r.jobs), on));
      all.element.classList.add('select-all');
      const titles = el('tr', {}, [
        el('th', { attrs: { scope: 'col' } }, [all.element]),
        ...visible.map((c) => {
          const sorted = t.sort?.column === c.id;
          const direction = sorted ? (t.sort!.descending ? 'descending' : 'ascending') : 'none';
          const sort = el('button', { className: 'sort', text: `${c.label}${sorted ? (t.sort!.descending ? ' ▼' : ' ▲') : ''}`, attrs: { type: 'button', title: `Sort by ${c.label}` } });
          sort.addEventListener('click', () => this.change((s) => (s.sort = { column: c.id, descending: sorted ? !s.sort!.descending : c.group === 'figure' && /accuracy/i.test(c.id) })));
          return el('th', { className: `${c.group}${c.numeric ? ' num' : ''}`, attrs: { scope: 'col', 'aria-sort': direction, 'data-column': c.id } }, [sort]);
        }),
      ]);
      const filterRow = el('tr', { className: 'column-filters' }, [
        el('th', {}),
        ...visible.map((c) => {
          const f = textField(`Filter ${c.label}`, t.columnFilters?.[c.id] ?? '', (v) => this.change((s) => (s.columnFilters = { ...s.columnFilters, [c.id]: v })), { placeholder: c.numeric ? '>0.5' : 'text', visibleLabel: false });
          this.filters.set(c.id, f);
          return el('th', { attrs: { 'data-column': c.id } }, [f.element]);
        }),
      ]);
      this.head.replaceChildren(titles, filterRow);
    }
    for (const [id, f] of this.filters) {
      const column = visible.find((c) => c.id === id)!;
      f.invalid(errors.find((e) => e.startsWith(`${column.label}:`)) ?? null);
    }
  }

  private renderBody(visible: TableColumn[]): void {
    const best = this.run?.best;
    const trs = this.shown.map((r) => {
      const picked = r.jobs.every((j) => this.selected.has(j));
      const box = checkbox(el('span', { className: 'visually-hidden', text: `Select ${r.key}` }), picked, (on) => this.select(r.jobs, on));
      const cells = visible.map((c) => {
        const td = el('td', { className: c.numeric ? 'num' : '', text: c.text(r), attrs: { 'data-column': c.id } });
        if (c.id === 'model' && r.best && best?.[r.model]) {
          const b = best[r.model];
          td.append(' ', badge('best', `Best point of ${r.model}: ${pointText(b.point)}, ${b.metric} ${formatValue(b.value, b.metric === 'validationAccuracy')}`));
        }
        return td;
      });
      const tr = el('tr', { className: `${r.kind}${r.best ? ' best' : ''}${picked ? ' selected' : ''}`, attrs: { 'data-key': r.key } }, [el('td', { className: 'select' }, [box.element]), ...cells]);
      return tr;
    });
    if (!trs.length) trs.push(el('tr', {}, [el('td', { text: this.run?.tables?.job.rows.length ? 'No row passes the filters.' : 'No job is planned yet.', attrs: { colspan: String(visible.length + 1) } })]));
    this.body.replaceChildren(...trs);
  }

  private select(jobs: string[], on: boolean): void {
    if (!on && !jobs.length) this.selected.clear();
    for (const j of jobs) {
      if (on) this.selected.add(j);
      else this.selected.delete(j);
    }
    this.redraw$.now();
  }

  private selectBest(): void {
    this.selected.clear();
    this.select(bestJobs(this.run?.best), true);
    this.ctx.announce(`Selected the best point of ${Object.keys(this.run?.best ?? {}).length} models.`);
  }

  private open(type: 'openRun' | 'openComparison'): void {
    if (!this.run || !this.selected.size) return;
    this.ctx.host.post({ type, dir: this.run.dir, jobs: [...this.selected] });
  }

  private exportCsv(): void {
    const visible = visibleColumns(this.rows().columns, this.state().hiddenColumns);
    // The headers of `iwl table --format csv` (the columns' keys), then whether the row is a best point.
    const data = tableCsv(
      [...visible.map((c) => c.key), 'best'],
      this.shown.map((r) => [
        ...visible.map((c) => {
          const v = c.value(r);
          return typeof v === 'boolean' ? String(v) : v;
        }),
        r.best ? 'best' : '',
      ]),
    );
    this.ctx.host.post({ type: 'export', format: 'csv', fileName: `${fileStem(this.run?.title ?? 'run')}-experiments.csv`, encoding: 'utf8', data });
  }
}
