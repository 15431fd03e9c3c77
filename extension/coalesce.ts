/**
 * Refreshes that coalesce, in one place: bursts of change (progress batches, file events, panels
 * asking again while a snapshot loads) become one refresh at a time, and never a lost last one.
 * Plain Node: the run index, the panel feeds, the lenses and the Runs view use them.
 */

/**
 * One pass at a time: asked while a pass runs, it runs one more pass after it (however often it
 * was asked meanwhile), then `after` once; every caller's promise settles when all that is done.
 */
export class CoalescedRefresh {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly after: () => void = () => undefined,
  ) {}

  /** Whether a pass is running (or about to run again). */
  get busy(): boolean {
    return this.running !== null;
  }

  request(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again);
      } finally {
        // Not busy before `after` runs: whatever arrives from then on is not left waiting for it.
        this.running = null;
      }
      this.after();
    })();
    return this.running;
  }
}

/** A timer for a refresh that may wait: many requests within the delay fire it once. */
export class RefreshTimer {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly fire: () => void) {}

  /** Fires `delayMs` after the first request of a burst (later ones ride along): at most once per delay while changes stream. */
  soon(delayMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.fire();
    }, delayMs);
  }

  /** Fires `delayMs` after the last request of a burst. */
  restart(delayMs: number): void {
    this.cancel();
    this.soon(delayMs);
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  dispose(): void {
    this.cancel();
  }
}
