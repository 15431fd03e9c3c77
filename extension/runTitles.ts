/**
 * What a run is called, in one place: the title panels, pickers and Markdown results show, the
 * shorter label of panel tabs, and the stem of the files a run is exported to.
 */
import { basename, dirname } from 'node:path';
import type { StoredRun } from './runStore';
import { experimentStem } from './experimentFiles';

/** The experiment's name as the run recorded it, else its file's name. */
export function experimentNameOf(run: StoredRun): string {
  return run.summary?.experiment || run.manifest?.experiment || run.experimentKey;
}

/** "quickstart · 2026-11-29 17:38:05 UTC": the experiment's name and the start time. */
export function runTitle(run: StoredRun): string {
  return `${experimentNameOf(run)} · ${run.startedAt.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`;
}

/** "quickstart 2026-11-29T17-38-05Z" from `<root>/quickstart.iwl.yaml/2026-11-29T17-38-05Z`. */
export function runLabel(dir: string): string {
  return `${experimentStem(basename(dirname(dir)))} ${basename(dir)}`;
}

/** "quickstart-2026-11-29T17-38-05Z": the run label as the start of an exported file's name. */
export function runFileStem(dir: string): string {
  return runLabel(dir).replace(/\s+/g, '-');
}
