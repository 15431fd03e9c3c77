/**
 * Runs a DOM refresh at most once per `intervalMs` while it keeps being requested, and always once
 * more after the last request, so what it shows ends up current (status lines, legend values and
 * screen-reader tables that follow a stream).
 */
export class Throttled {
  private last = -Infinity;
  private timer: number | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly run: () => void,
  ) {}

  request(): void {
    const wait = this.last + this.intervalMs - performance.now();
    if (wait <= 0) this.now();
    else this.timer ??= window.setTimeout(() => this.now(), wait);
  }

  now(): void {
    this.cancel();
    this.last = performance.now();
    this.run();
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
