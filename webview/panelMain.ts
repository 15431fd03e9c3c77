/**
 * The entry of every panel's webview bundle (dist/webview/panelMain.js, with panelMain.css). The
 * page says which panel it is (body data-panel); the view is restored from the saved state,
 * says `ready`, and then draws what the host sends: a snapshot, then numbered deltas. A gap in
 * the numbers asks for a fresh snapshot.
 */
import 'uplot/dist/uPlot.min.css';
import './panel.css';
import { ComparisonView } from './comparisonView';
import { errorText, Host, type PanelContext } from './host';
import { OverlayView } from './overlayView';
import { panelViewTypes, type PanelKind, type ToPanel } from './protocol';
import { RunView } from './runView';
import { TableView } from './tableView';
import { el, registerControls } from './ui';

function start(): void {
  registerControls();
  const host = new Host();
  const kindAttr = document.body.dataset.panel ?? '';
  if (!(kindAttr in panelViewTypes)) throw new Error(`unknown panel kind ${JSON.stringify(kindAttr)}`);
  const kind = kindAttr as PanelKind;
  const saved = host.state(kind);
  const live = el('div', { className: 'visually-hidden', attrs: { 'aria-live': 'polite', role: 'status' } });
  const root = document.getElementById('app')!;
  document.body.append(live);
  const ctx: PanelContext = {
    host,
    kind,
    ui: saved?.ui ?? {},
    dirs: saved?.dirs ?? [],
    persist: () => host.save({ kind, dirs: ctx.dirs, ui: ctx.ui }),
    announce: (text) => {
      live.textContent = text;
    },
  };
  const views = { run: RunView, comparison: ComparisonView, overlay: OverlayView, table: TableView };
  const view = new views[kind](root, ctx);
  let lastSeq = -1;
  window.addEventListener('message', (event: MessageEvent<ToPanel>) => {
    const message = event.data;
    const start = performance.now();
    try {
      switch (message?.type) {
        case 'snapshot':
          lastSeq = message.seq;
          // The host's remembered selection fills in when this page has no state of its own.
          if (!saved && Object.keys(ctx.ui).length === 0) Object.assign(ctx.ui, message.ui);
          ctx.dirs = message.runs.map((r) => r.dir);
          ctx.persist();
          view.snapshot(message);
          root.setAttribute('aria-busy', 'false');
          document.body.dataset.seq = String(lastSeq);
          break;
        case 'delta':
          if (message.seq <= lastSeq) return;
          if (message.seq !== lastSeq + 1) {
            host.post({ type: 'resync', lastSeq });
            return;
          }
          lastSeq = message.seq;
          if ('delta' in view) view.delta(message);
          document.body.dataset.seq = String(lastSeq);
          break;
        case 'focusJobs':
          // Picked in the experiments table: overrides this page's saved selection of jobs.
          ctx.ui.jobs = message.jobs ?? undefined;
          ctx.persist();
          if ('focusJobs' in view) view.focusJobs();
          break;
        case 'exported':
          ctx.announce(message.path ? `Saved ${message.path}` : message.error ? `Export failed: ${message.error}` : 'Export cancelled');
          break;
      }
      if (message?.type === 'delta') performance.measure('iwl-message', { start, end: performance.now() });
    } catch (error) {
      host.logError(`panel ${kind}: handling ${message?.type ?? 'a message'} failed`, error);
    }
  });
  host.post({ type: 'ready' });
}

try {
  start();
} catch (error) {
  const app = document.getElementById('app');
  if (app) app.textContent = `This panel could not start: ${errorText(error)}`;
  throw error;
}
