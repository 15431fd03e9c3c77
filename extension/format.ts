/**
 * The host's formatting: figures, percentages, "3 min ago", run outcomes and progress as the code
 * lenses, the Runs view, the status bar, the progress notification and the Markdown results show
 * them. Pure functions of run state and the clock, so they are tested without VS Code. Durations
 * are engine/contract/durations.ts's, shared with the CLI.
 */
import type { RunSummaryEntry, StoredRunStatus } from '../engine/contract/records';
import { formatDuration } from '../engine/contract/durations';

/** "just now", "42 s ago", "3 min ago", "2 h ago", "yesterday", "5 days ago". */
export function formatAgo(then: Date, now: Date = new Date()): string {
  const seconds = Math.max(0, (now.getTime() - then.getTime()) / 1000);
  if (seconds < 10) return 'just now';
  if (seconds < 60) return `${Math.floor(seconds)} s ago`;
  const minutes = seconds / 60;
  if (minutes < 60) return `${Math.floor(minutes)} min ago`;
  const hours = minutes / 60;
  if (hours < 24) return `${Math.floor(hours)} h ago`;
  const days = Math.floor(hours / 24);
  return days === 1 ? 'yesterday' : `${days} days ago`;
}


/** The top-of-file lens after a run: "completed 3 min ago: open results". */
export function runOutcomeText(status: StoredRunStatus, startedAt: Date, seconds: number | null, now: Date = new Date()): string {
  const endedAt = seconds !== null && Number.isFinite(seconds) ? new Date(startedAt.getTime() + seconds * 1000) : startedAt;
  switch (status) {
    case 'running':
      return `running since ${formatAgo(startedAt, now).replace(/ ago$/, '')}`.replace('since just now', 'just started');
    case 'completed':
      return `completed ${formatAgo(endedAt, now)}: open results`;
    case 'cancelled':
      return `cancelled ${formatAgo(endedAt, now)}: open results`;
    case 'failed':
      return `failed ${formatAgo(endedAt, now)}: open results`;
    case 'interrupted':
      return `interrupted ${formatAgo(startedAt, now)}: open results`;
  }
}

/** A loss or other positive figure with three significant digits ("0.0123", "1.23e-5"). */
export function formatFigure(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) return value.toExponential(2);
  return Number(value.toPrecision(3)).toString();
}

export function formatPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return 'n/a';
  return `${(fraction * 100).toFixed(1)}%`;
}

function mean(values: number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

/**
 * A model's final figures after a run, one group per width (mean over seeds), widest last:
 * "test loss 0.0123, acc 91.2%" for an infinite model,
 * "w128: test loss 0.05, acc 80.1% · w512: test loss 0.0123, acc 91.2%" for a finite one.
 * At most `maxGroups` widths (the widest ones), so the lens stays one line.
 */
export function modelFiguresText(entries: RunSummaryEntry[], maxGroups = 3): string | null {
  const done = entries.filter((e) => e.final);
  if (!done.length) {
    const failed = entries.find((e) => e.status === 'failed');
    if (failed) return `failed: ${failed.error ?? 'see the log'}`;
    return entries.some((e) => e.status === 'cancelled') ? 'cancelled before its first logged step' : null;
  }
  const byWidth = new Map<number | null, RunSummaryEntry[]>();
  for (const e of done) byWidth.set(e.width, [...(byWidth.get(e.width) ?? []), e]);
  const widths = [...byWidth.keys()].sort((a, b) => (a ?? Infinity) - (b ?? Infinity));
  const shown = widths.slice(-maxGroups);
  const groups = shown.map((width) => {
    const group = byWidth.get(width)!;
    const loss = mean(group.map((e) => e.final!.testLoss));
    const accuracies = group.map((e) => e.final!.testAccuracy).filter((a): a is number => a !== null && a !== undefined);
    const acc = mean(accuracies);
    const seeds = group.length > 1 ? ` (${group.length} seeds)` : '';
    const figures = `test loss ${formatFigure(loss)}${acc !== null ? `, acc ${formatPercent(acc)}` : ''}${seeds}`;
    return width === null ? figures : `w${width}: ${figures}`;
  });
  const hidden = widths.length - shown.length;
  const status = entries.some((e) => e.status === 'cancelled') ? ' (cancelled)' : entries.some((e) => e.status === 'failed') ? ' (some failed)' : '';
  return `${hidden > 0 ? `${hidden} more width${hidden === 1 ? '' : 's'} · ` : ''}${groups.join(' · ')}${status}`;
}

export interface ProgressState {
  doneSteps: number;
  totalSteps: number;
  jobId: string | null;
  elapsedSeconds: number;
  /** The share of the run's work done (steps weighted by job cost), when the engine reports it: the percentage follows it. */
  workFraction?: number;
  /** The run's ETA (engine/contract/eta.ts), when known; absent: extrapolated from the steps. */
  remainingSeconds?: number | null;
}

/** "37% · sgd/w512/s0 · 1 min 05 s left" (no ETA until there is a rate). */
export function progressText(p: ProgressState): string {
  const fraction = p.workFraction ?? (p.totalSteps > 0 ? Math.min(1, p.doneSteps / p.totalSteps) : 0);
  const parts = [`${Math.floor(fraction * 100)}%`];
  if (p.jobId) parts.push(p.jobId);
  if (p.remainingSeconds !== undefined) {
    if (p.remainingSeconds !== null && fraction < 1) parts.push(`${formatDuration(p.remainingSeconds)} left`);
  } else if (p.doneSteps > 0 && p.elapsedSeconds > 0 && fraction < 1) {
    parts.push(`${formatDuration((p.elapsedSeconds / p.doneSteps) * (p.totalSteps - p.doneSteps))} left`);
  }
  return parts.join(' · ');
}
