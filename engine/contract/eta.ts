/**
 * Seconds left in a run, for the CLI's progress line and the host's status bar, lenses and views:
 * the work left over the rate measured since the run started, where work is each job's steps
 * weighted by its cost (engine/run/jobCost.ts), not steps alone. The projected length of the run
 * is smoothed over the last `window` share of the time elapsed (a tenth: the first seconds adapt
 * fast, an hour-long run's estimate moves over minutes), so one fast or slow stretch (a job the
 * cost model misjudges, a solve) does not swing it: what is shown counts down rather than jumping.
 */
export class RunEta {
  private projectedTotal: number | null = null;
  private lastElapsed = 0;

  constructor(private readonly window = 0.1) {}

  /** Seconds left, or null until there is a rate (nothing done yet). */
  remaining(doneWork: number, totalWork: number, elapsedSeconds: number): number | null {
    if (!(doneWork > 0) || !(elapsedSeconds > 0) || !(totalWork > 0)) return null;
    if (doneWork >= totalWork) return 0;
    const projected = (elapsedSeconds * totalWork) / doneWork;
    if (this.projectedTotal === null) this.projectedTotal = projected;
    else {
      const weight = 1 - Math.exp(-Math.max(0, elapsedSeconds - this.lastElapsed) / (this.window * elapsedSeconds));
      this.projectedTotal += weight * (projected - this.projectedTotal);
    }
    this.lastElapsed = Math.max(this.lastElapsed, elapsedSeconds);
    return Math.max(0, this.projectedTotal - elapsedSeconds);
  }
}
