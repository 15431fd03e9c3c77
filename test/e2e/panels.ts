/**
 * Reading the extension's webview panels from the outside. A webview is an iframe inside an
 * iframe; Playwright lists both in page.frames(), and the inner one is the panel's own page, with
 * `body[data-panel]` naming its kind. Each chart marks its section with the number of x values
 * it holds (`data-points`), drawn after thinning (`data-drawn`), and its series (`data-series`).
 */
import type { Frame, Page } from 'playwright-core';
import { waitFor } from './workbench';
import { errorMessage } from '../../engine/contract/errors';

export interface ChartReading {
  id: string;
  title: string;
  points: number;
  drawn: number;
  series: number;
  /** "Latest values" or "At step 40": what the legend's values are. */
  legendHead: string;
  /** The legend: each series' label and the value it shows. */
  legend: { label: string; value: string }[];
}

export interface PanelReading {
  kind: string;
  /** The last snapshot or delta sequence number the panel applied (-1: none yet). */
  seq: number;
  title: string;
  /** The header's status line, badge included ("completed · 1,205 points from 4 jobs"). */
  status: string;
  charts: ChartReading[];
  /** The comparison panel's fitted slopes, one line per finite family. */
  fits: string[];
  /** The comparison panel's table: one row of cells per model. */
  rows: string[][];
  /** The experiments table: per row its key (the job id) and each cell's text by column id. */
  tableRows: { key: string; cells: Record<string, string> }[];
  frame: Frame;
}

/** Runs inside the panel's page: plain DOM only (no closures, no helpers from this bundle). */
function readDom() {
  const all = (selector: string) => Array.from(document.querySelectorAll(selector)) as HTMLElement[];
  const text = (node: Element | null | undefined) => (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
  return {
    kind: document.body.dataset.panel ?? '',
    seq: Number(document.body.dataset.seq ?? -1),
    title: text(document.querySelector('.panel-header h2')),
    status: text(document.querySelector('.panel-header .status')),
    charts: all('section.chart').map((c) => ({
      id: c.dataset.chart ?? '',
      title: text(c.querySelector('h3')),
      points: Number(c.dataset.points ?? 0),
      drawn: Number(c.dataset.drawn ?? 0),
      series: Number(c.dataset.series ?? 0),
      legendHead: text(c.querySelector('.cursor-label')),
      legend: Array.from(c.querySelectorAll('.legend .entry')).map((e) => ({ label: text(e.children[1]), value: text(e.querySelector('.value')) })),
    })),
    fits: all('ul.fits li').map((li) => text(li)),
    rows: all('table.figures:not(.experiments) tbody tr').map((tr) => Array.from(tr.children).map((cell) => text(cell))),
    tableRows: all('table.experiments tbody tr[data-key]').map((tr) => ({
      key: tr.dataset.key ?? '',
      cells: Object.fromEntries(Array.from(tr.querySelectorAll('td[data-column]')).map((td) => [(td as HTMLElement).dataset.column ?? '', text(td)])),
    })),
  };
}

/** Every live panel of `kind` on screen now (a hidden webview has no page). */
export type PanelKindName = 'run' | 'comparison' | 'overlay' | 'table';

export async function readPanels(page: Page, kind: PanelKindName): Promise<PanelReading[]> {
  const out: PanelReading[] = [];
  for (const frame of page.frames()) {
    if (frame.isDetached()) continue;
    try {
      const reading = await frame.evaluate(readDom);
      if (reading.kind === kind) out.push({ ...reading, frame });
    } catch {
      // a frame that navigated or closed while we read it, or the webview host's outer page
    }
  }
  return out;
}

/** Waits for a panel of `kind` whose title contains `titleText` and that satisfies `ready`. */
export async function waitForPanel(
  page: Page,
  kind: PanelKindName,
  titleText: string,
  what: string,
  ready: (p: PanelReading) => boolean,
  timeoutMs = 30_000,
): Promise<PanelReading> {
  let last: PanelReading[] = [];
  try {
    return await waitFor(`the ${kind} panel of ${titleText} ${what}`, timeoutMs, async () => {
      last = (await readPanels(page, kind)).filter((p) => p.title.includes(titleText));
      return last.find(ready);
    });
  } catch (error) {
    const seen = last.map((p) => `"${p.title}" [${p.status}] charts ${p.charts.map((c) => `${c.id}:${c.points}`).join(', ')}`).join('; ');
    throw new Error(`${errorMessage(error)} (saw: ${seen || `no ${kind} panel with that title`})`);
  }
}

/** The largest number of x values any chart of the panel holds. */
export function pointsOf(p: PanelReading, chartId?: string): number {
  return Math.max(0, ...p.charts.filter((c) => !chartId || c.id === chartId).map((c) => c.points));
}

export function describePanel(p: PanelReading): string {
  return `"${p.title}" [${p.status}]: ${p.charts.map((c) => `${c.id} ${c.points} points (${c.drawn} drawn, ${c.series} series)`).join('; ')}`;
}
