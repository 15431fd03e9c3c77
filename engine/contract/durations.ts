/**
 * One way to write a duration, for the CLI's progress and estimates and for the host's lenses, logs,
 * Runs view and summaries: "1.2 s", "42 s", "3 min 05 s", "1 h 02 min"; "?" when not known.
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  // Rounded to the second once, before it is split: 119.6 s is "2 min 00 s", never "1 min 60 s".
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  const m = Math.floor(whole / 60);
  if (m < 60) return `${m} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
