/** The note above a run or comparison panel narrowed to jobs picked in the experiments table. */
import type { PanelContext } from './host';
import { button } from './ui';

/** The note, with a button that shows every job again; hidden when the panel shows all of them. */
export function showFocus(note: HTMLElement, ctx: PanelContext, refresh: () => void): void {
  const jobs = ctx.ui.jobs;
  note.hidden = !jobs;
  if (!jobs) return;
  note.replaceChildren(
    `Showing ${jobs.length} job${jobs.length === 1 ? '' : 's'} picked in the experiments table. `,
    button('Show all jobs', () => {
      delete ctx.ui.jobs;
      ctx.persist();
      refresh();
    }),
  );
}
