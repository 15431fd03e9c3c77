/**
 * Runs as Markdown tables: the results of one run and a side-by-side comparison of several.
 * Pure functions of what the run store read; the panels of issue 5 show the same data as charts.
 */
import type { RunSummaryEntry } from '../engine/contract/records';
import type { StoredRun } from './runStore';
import { formatFigure, formatPercent } from './format';
import { formatDuration } from '../engine/contract/durations';
import { runTitle } from './runTitles';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.map(cell).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

function describeTraining(e: RunSummaryEntry): string {
  if (e.kind === 'infinite') return `${e.method ?? '?'} (${e.optimizer})`;
  return `${e.optimizer}${e.trainable && e.trainable !== 'all' ? `, ${e.trainable}` : ''}`;
}

export function summaryMarkdown(run: StoredRun): string {
  const s = run.summary;
  const m = run.manifest;
  const lines = [`# ${runTitle(run)}`, ''];
  lines.push(`- Status: **${run.status}**${s ? ` after ${formatDuration(s.seconds)}` : ''}${run.error ? ` (${run.error})` : ''}`);
  if (m) lines.push(`- Experiment file: ${m.experimentPath}${m.gitCommit ? ` at git ${m.gitCommit.slice(0, 10)}${m.gitDirty ? ' (with uncommitted changes)' : ''}` : ''}`);
  if (s) {
    lines.push(`- Backend: ${s.backendDetail || s.backend}; seed ${s.seed}`);
    if (s.data) lines.push(`- Data: ${s.data.description}`);
    const versions = Object.entries(s.versions).map(([k, v]) => `${k} ${v}`).join(', ');
    if (versions) lines.push(`- Versions: ${versions}`);
  }
  if (m?.onlyModels?.length) lines.push(`- Models run: ${m.onlyModels.join(', ')}`);
  lines.push(`- Folder: ${run.dir}`, '');
  const entries = s?.runs ?? [];
  if (!entries.length) {
    lines.push('No job finished in this run.');
    return lines.join('\n') + '\n';
  }
  const classification = entries.some((e) => e.final?.testAccuracy !== null && e.final?.testAccuracy !== undefined);
  const header = ['job', 'model', 'training', 'width', 'seed', 'status', 'step', 'train loss', 'test loss', ...(classification ? ['test acc'] : []), 'gap to limit', 'time'];
  const rows = entries.map((e) => [
    e.id,
    e.model,
    describeTraining(e),
    e.width === null ? '∞' : String(e.width),
    e.seed === null ? '' : String(e.seed),
    e.status + (e.error ? `: ${e.error}` : ''),
    e.final ? String(e.final.step) : '',
    formatFigure(e.final?.trainLoss),
    formatFigure(e.final?.testLoss),
    ...(classification ? [formatPercent(e.final?.testAccuracy)] : []),
    e.rmseToLimit === null ? '' : `${formatFigure(e.rmseToLimit)} (vs ${e.limit})`,
    formatDuration(e.seconds),
  ]);
  lines.push('## Final figures', '', table(header, rows), '');
  return lines.join('\n') + '\n';
}

/**
 * Several runs side by side: one row per job id present in any of them, and for each run its
 * final test loss (and accuracy); the first run is the baseline the others are compared to.
 */
export function compareMarkdown(runs: StoredRun[]): string {
  const lines = ['# Run comparison', ''];
  runs.forEach((run, i) => lines.push(`${i + 1}. ${runTitle(run)} (${run.status})${i === 0 ? ' · baseline' : ''}`));
  lines.push('');
  const ids: string[] = [];
  for (const run of runs) for (const e of run.summary?.runs ?? []) if (!ids.includes(e.id)) ids.push(e.id);
  if (!ids.length) return lines.concat('None of these runs has finished jobs.').join('\n') + '\n';
  const classification = runs.some((r) => r.summary?.runs.some((e) => e.final?.testAccuracy !== null && e.final?.testAccuracy !== undefined));
  const header = ['job', ...runs.flatMap((_, i) => [`#${i + 1} test loss`, ...(classification ? [`#${i + 1} acc`] : [])])];
  const rows = ids.map((id) => {
    const base = runs[0].summary?.runs.find((e) => e.id === id)?.final?.testLoss;
    return [
      id,
      ...runs.flatMap((run, i) => {
        const e = run.summary?.runs.find((x) => x.id === id);
        const loss = e?.final?.testLoss;
        const delta = i > 0 && loss !== undefined && base !== undefined && base !== 0 ? ` (${loss >= base ? '+' : ''}${(((loss - base) / Math.abs(base)) * 100).toFixed(1)}%)` : '';
        const lossText = e ? `${formatFigure(loss)}${delta}` : '—';
        return [lossText, ...(classification ? [e ? formatPercent(e.final?.testAccuracy) : '—'] : [])];
      }),
    ];
  });
  lines.push(table(header, rows), '');
  return lines.join('\n') + '\n';
}
